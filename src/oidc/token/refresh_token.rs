//! `refresh_token` (RFC 6749 §6) with rotation: every use returns a new refresh token, and an
//! already-used one revokes the whole grant it belongs to (RFC 9700 §4.14.2). Of two concurrent
//! uses exactly one wins: the store claims a token with one conditional update.

use serde_json::Value;

use super::issue::{self, UserTokens};
use crate::crypto::secrets::sha256_hex;
use crate::error::{AppError, OAuthError};
use crate::oidc::form::Form;
use crate::state::AppState;
use crate::store::clients::Client;
use crate::store::grants::{self, Use};
use crate::store::{unix_now, users, StoreError};

pub const GRANT_TYPE: &str = "refresh_token";

enum Refresh {
    Issued(Box<UserTokens>),
    Refused(&'static str, &'static str),
}

pub async fn grant(state: &AppState, client: &Client, form: &Form) -> Result<Value, AppError> {
    if !client.allows_grant(GRANT_TYPE) {
        return Err(OAuthError::new(
            "unauthorized_client",
            "this client may not use refresh_token",
        )
        .into());
    }
    let token_hash = sha256_hex(form.required("refresh_token")?.as_bytes());
    let requested_scope = form.single("scope")?.map(String::from);
    let client_id = client.id.clone();
    let idle_secs = state.config.settings.tokens.refresh_idle_secs;
    let refresh = state
        .store
        .run(move |conn| {
            crate::store::write_transaction(conn, |conn| {
                let now = unix_now();
                let invalid = |why| Ok(Refresh::Refused("invalid_grant", why));
                let token = match grants::consume_refresh_token(conn, &token_hash, now)? {
                    Use::First(token) => token,
                    Use::Replayed(token) => {
                        grants::revoke_grant(conn, &token.grant_id, now)?;
                        tracing::warn!(event = "refresh_reuse", grant_id = %token.grant_id, "rotated refresh token presented again; grant revoked");
                        return invalid("the refresh token has already been used");
                    }
                    Use::Unknown => return invalid("the refresh token is invalid"),
                };
                let Some(grant) = grants::find_grant(conn, &token.grant_id)? else {
                    return invalid("the refresh token is invalid");
                };
                if grant.client_id != client_id {
                    return invalid("the refresh token was issued to another client");
                }
                if token.expires_at <= now || !grant.is_live(now) {
                    return invalid("the refresh token has expired or was revoked");
                }
                let Some(user) = users::get(conn, &grant.user_id)?.filter(|u| !u.disabled) else {
                    return invalid("the account can no longer sign in");
                };
                let scope = match narrowed_scope(&grant.scope, requested_scope.as_deref()) {
                    Some(scope) => scope,
                    None => {
                        return Ok(Refresh::Refused("invalid_scope", "the scope exceeds what was granted"))
                    }
                };
                let next = issue::new_refresh_token(conn, idle_secs, &grant, now)?;
                Ok::<_, StoreError>(Refresh::Issued(Box::new(UserTokens {
                    grant,
                    user,
                    scope,
                    nonce: None,
                    refresh_token: Some(next),
                })))
            })
        })
        .await?;
    match refresh {
        Refresh::Issued(tokens) => issue::respond(state, client, *tokens),
        Refresh::Refused(code, why) => Err(OAuthError::new(code, why).into()),
    }
}

/// RFC 6749 §6: the requested scope may only narrow the original grant.
fn narrowed_scope(granted: &str, requested: Option<&str>) -> Option<String> {
    let Some(requested) = requested else {
        return Some(granted.to_string());
    };
    let granted: Vec<&str> = granted.split(' ').collect();
    let mut scopes: Vec<&str> = Vec::new();
    for scope in requested.split(' ').filter(|s| !s.is_empty()) {
        if !granted.contains(&scope) {
            return None;
        }
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    Some(scopes.join(" "))
}
