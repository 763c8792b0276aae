//! `refresh_token` (RFC 6749 §6) with rotation: every use returns a new refresh token, and an
//! already-used one revokes the whole grant it belongs to (RFC 9700 §4.14.2) — except within
//! `tokens.refresh_reuse_grace_secs` of its rotation, when the same successor is returned again. Of two concurrent
//! uses exactly one wins: the store claims a token with one conditional update, which also
//! reads it. The client, the grant, the account and the scope are checked after it, in the same
//! transaction; a refused request rolls it back, so it does not use the token up.

use actix_web::HttpRequest;
use serde_json::Value;

use super::issue::{self, UserTokens};
use crate::crypto::secrets::{random_token, sha256_hex};
use crate::error::{AppError, OAuthError};
use crate::oidc::form::Form;
use crate::security::response::replay_refused;
use crate::state::AppState;
use crate::store::clients::Client;
use crate::store::grants;
use crate::store::{unix_now, StoreError};

pub const GRANT_TYPE: &str = "refresh_token";

enum Refresh {
    Issued(Box<UserTokens>),
    /// Presented again within the grace window: the tokens carry the successor it was rotated
    /// into, still sealed.
    Again(Box<UserTokens>, String),
    Refused(&'static str, &'static str),
    /// A used token came back from its own client: the grant (of this account) is revoked.
    Replayed(String),
}

pub async fn grant(
    state: &AppState,
    req: &HttpRequest,
    client: &Client,
    form: &Form,
    jkt: Option<&str>,
) -> Result<Value, AppError> {
    crate::oidc::client_auth::require_grant(client, GRANT_TYPE)?;
    let token_hash = sha256_hex(form.required("refresh_token")?.as_bytes());
    let requested_scope = form.single("scope")?.map(String::from);
    let client_id = client.id.clone();
    let idle_secs = state.config.settings.tokens.refresh_idle_secs;
    let grace = state.config.settings.tokens.refresh_reuse_grace_secs;
    // Made (and sealed) up front: the transaction below has no access to the KEK.
    let successor = random_token::<32>();
    let sealed = match grace {
        0 => None,
        _ => Some(state.seal(successor.as_bytes(), &token_hash)?),
    };
    let context = token_hash.clone();
    let jkt = jkt.map(String::from);
    let refresh = state
        .store
        .run(move |conn| {
            let outcome = crate::store::write_transaction(conn, |conn| {
                let now = unix_now();
                let invalid = |why| Err(Rollback::Refused(Refresh::Refused("invalid_grant", why)));
                // The claim comes first, in the statement that reads the token. A request refused
                // by any check below rolls the transaction back, so the token stays as it was and
                // the client's next good request is not taken for a replay.
                let (token, claimed) =
                    match grants::claim_refresh_token(conn, &token_hash, now, sealed.as_deref())? {
                        Some(token) => (token, true),
                        None => match grants::find_refresh_token(conn, &token_hash)? {
                            Some(used) => (used, false),
                            None => return invalid("the refresh token is invalid"),
                        },
                    };
                let Some((grant, user)) = grants::find_grant_with_user(conn, &token.grant_id)? else {
                    return invalid("the refresh token is invalid");
                };
                // Another client presenting it gets the answer an unknown token gets, and the
                // token and its grant stay as they were. The binding already makes the token
                // worthless to that client; revoking would let anyone who gets hold of a token and
                // names some client (a public one authenticates with its id alone) end the
                // person's grant with the rightful client, which did nothing wrong. /revoke
                // ignores another client's token likewise (RFC 7009 §2.1); RFC 9700 §4.14 allows
                // either choice.
                if grant.client_id != client_id {
                    tracing::warn!(event = "refresh_wrong_client", grant_id = %grant.id, client_id = %client_id, "refresh token presented by another client; refused, grant left alone");
                    return invalid("the refresh token is invalid");
                }
                if token.expires_at <= now || !grant.is_live(now) {
                    return invalid("the refresh token has expired or was revoked");
                }
                // A grant bound to a DPoP key refreshes only with a proof by that key.
                if grant.dpop_jkt.is_some() && grant.dpop_jkt != jkt {
                    return invalid("the refresh token is bound to a DPoP key; send a proof by it");
                }
                if user.disabled {
                    return invalid("the account can no longer sign in");
                }
                let Some(scope) = narrowed_scope(&grant.scope, requested_scope.as_deref()) else {
                    return Err(Rollback::Refused(Refresh::Refused("invalid_scope", "the scope exceeds what was granted")));
                };
                let tokens = |refresh_token| {
                    Box::new(UserTokens {
                        grant: grant.clone(),
                        user: user.clone(),
                        scope: scope.clone(),
                        nonce: None,
                        refresh_token,
                        dpop_jkt: jkt.clone(),
                    })
                };
                if !claimed {
                    // Used before: by a concurrent request that won the claim, or earlier.
                    return match token.used_at.zip(token.successor_sealed) {
                        Some((used_at, successor)) if grace > 0 && now - used_at <= grace => {
                            Ok(Refresh::Again(tokens(None), successor))
                        }
                        _ => Ok(replayed(conn, &grant, now)?),
                    };
                }
                let next = issue::store_refresh_token(conn, successor, idle_secs, &grant, now)?;
                Ok(Refresh::Issued(tokens(Some(next))))
            });
            match outcome {
                Ok(refresh) | Err(Rollback::Refused(refresh)) => Ok(refresh),
                Err(Rollback::Store(e)) => Err(e),
            }
        })
        .await?;
    match refresh {
        Refresh::Issued(tokens) => issue::respond(state, client, *tokens),
        Refresh::Again(mut tokens, sealed) => {
            let successor = state
                .open(&sealed, &context)
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(|| AppError::Internal("a sealed successor does not open".into()))?;
            tracing::info!(event = "refresh_within_grace", grant_id = %tokens.grant.id, "rotated refresh token presented again within the grace window; same successor");
            tokens.refresh_token = Some(successor);
            issue::respond(state, client, *tokens)
        }
        Refresh::Refused(code, why) => Err(OAuthError::new(code, why).into()),
        Refresh::Replayed(user_id) => Err(replay_refused(
            state,
            req,
            "refresh_token_reuse",
            (&client.id, Some(&user_id)),
            "the refresh token has already been used",
        )
        .await),
    }
}

/// Why a refresh transaction ends without committing: a refusal, whose claim is undone, or a
/// store failure.
enum Rollback {
    Refused(Refresh),
    Store(StoreError),
}

impl From<StoreError> for Rollback {
    fn from(e: StoreError) -> Self {
        Rollback::Store(e)
    }
}

impl From<diesel::result::Error> for Rollback {
    fn from(e: diesel::result::Error) -> Self {
        Rollback::Store(e.into())
    }
}

/// An already-used refresh token came back from its own client: revoke the whole grant
/// (RFC 9700 §4.14.2).
fn replayed(
    conn: &mut crate::store::AnyConnection,
    grant: &grants::Grant,
    now: i64,
) -> Result<Refresh, StoreError> {
    grants::revoke_grant(conn, &grant.id, now)?;
    tracing::warn!(event = "refresh_reuse", grant_id = %grant.id, "rotated refresh token presented again; grant revoked");
    Ok(Refresh::Replayed(grant.user_id.clone()))
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
