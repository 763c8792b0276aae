//! The tokens a sign-in earns: an access token, an ID token when `openid` was granted, and the
//! next refresh token when there is one.

use serde_json::Value;

use super::bearer_response;
use crate::crypto::keys::SigningAlg;
use crate::crypto::secrets::{random_token, sha256_hex};
use crate::error::AppError;
use crate::oidc::access_token::{self, AccessTokenRequest};
use crate::oidc::id_token;
use crate::state::AppState;
use crate::store::clients::Client;
use crate::store::grants::{self, Grant, RefreshToken};
use crate::store::users::User;
use crate::store::{AnyConnection, StoreError};

pub struct UserTokens {
    pub grant: Grant,
    pub user: User,
    pub scope: String,
    pub nonce: Option<String>,
    pub refresh_token: Option<String>,
    /// The key of this request's DPoP proof: the access token is bound to it.
    pub dpop_jkt: Option<String>,
}

/// What the client brings to an exchange that ends a person's sign-in (a code, an approved
/// device): read before the transaction that makes the tokens.
pub struct Recipient {
    public: bool,
    refresh_allowed: bool,
    idle_secs: i64,
    /// The key of this request's DPoP proof, if any.
    jkt: Option<String>,
}

impl Recipient {
    pub fn new(state: &AppState, client: &Client, jkt: Option<&str>) -> Recipient {
        Recipient {
            public: client.is_public(),
            refresh_allowed: client.allows_grant("refresh_token"),
            idle_secs: state.config.settings.tokens.refresh_idle_secs,
            jkt: jkt.map(String::from),
        }
    }

    /// The tokens `grant` earns `user` now, inside the caller's transaction: a public client's
    /// grant is bound to its DPoP key (RFC 9449 §5), and a refresh token is stored when
    /// `offline_access` was granted and the client may refresh.
    pub fn tokens(
        self,
        conn: &mut AnyConnection,
        mut grant: Grant,
        user: User,
        nonce: Option<String>,
        now: i64,
    ) -> Result<UserTokens, StoreError> {
        if let (true, Some(jkt)) = (self.public, &self.jkt) {
            grants::bind_dpop_key(conn, &grant.id, jkt)?;
            grant.dpop_jkt = Some(jkt.clone());
        }
        let offline = grant.scope.split(' ').any(|s| s == "offline_access");
        let refresh_token = if offline && self.refresh_allowed {
            Some(new_refresh_token(conn, self.idle_secs, &grant, now)?)
        } else {
            None
        };
        Ok(UserTokens {
            scope: grant.scope.clone(),
            nonce,
            grant,
            user,
            refresh_token,
            dpop_jkt: self.jkt,
        })
    }
}

/// Stores a new refresh token for `grant`; returns its value (only the digest is stored).
pub fn new_refresh_token(
    conn: &mut AnyConnection,
    idle_secs: i64,
    grant: &Grant,
    now: i64,
) -> Result<String, StoreError> {
    store_refresh_token(conn, random_token::<32>(), idle_secs, grant, now)
}

/// Stores the refresh token `value` (made beforehand, e.g. to seal it first) for `grant`.
pub fn store_refresh_token(
    conn: &mut AnyConnection,
    value: String,
    idle_secs: i64,
    grant: &Grant,
    now: i64,
) -> Result<String, StoreError> {
    let idle_end = now + idle_secs;
    grants::insert_refresh_token(
        conn,
        &RefreshToken {
            token_hash: sha256_hex(value.as_bytes()),
            grant_id: grant.id.clone(),
            created_at: now,
            expires_at: idle_end.min(grant.expires_at),
            used_at: None,
            successor_sealed: None,
        },
    )?;
    Ok(value)
}

pub fn respond(state: &AppState, client: &Client, tokens: UserTokens) -> Result<Value, AppError> {
    let mut audiences = vec![access_token::userinfo_audience(state)];
    audiences.extend(client.audience_list().into_iter().map(String::from));
    let mut extra = access_token::confirmation(tokens.dpop_jkt.as_deref());
    if tokens.scope.split(' ').any(|s| s == "roles") {
        extra.insert(
            "roles".into(),
            serde_json::json!(crate::oidc::claims::roles(&tokens.user)),
        );
    }
    let access = access_token::issue_with(
        state,
        AccessTokenRequest {
            subject: &tokens.user.id,
            client_id: &client.id,
            audiences: &audiences,
            scope: &tokens.scope,
            grant_id: Some(&tokens.grant.id),
            auth_time: Some(tokens.grant.auth_time),
        },
        extra,
    )?;
    let openid = tokens.scope.split(' ').any(|s| s == "openid");
    let id_token = if openid {
        let alg = SigningAlg::parse(&client.id_token_alg).unwrap_or(SigningAlg::Rs256);
        Some(id_token::issue(
            state,
            alg,
            &tokens.grant,
            &tokens.user,
            tokens.nonce.as_deref(),
            &access.token,
        )?)
    } else {
        None
    };
    let bound = tokens.dpop_jkt.is_some();
    let mut body = bearer_response(access.token, access.expires_in, &tokens.scope, bound);
    if let Some(id_token) = id_token {
        body["id_token"] = Value::String(id_token);
    }
    if let Some(refresh) = tokens.refresh_token {
        body["refresh_token"] = Value::String(refresh);
    }
    Ok(body)
}
