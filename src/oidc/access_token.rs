//! JWT access tokens per RFC 9068.

use serde_json::{json, Map, Value};

use crate::app::AppState;
use crate::crypto::secrets::random_token;
use crate::error::AppError;
use crate::store::unix_now;

pub struct AccessTokenRequest<'a> {
    pub subject: &'a str,
    pub client_id: &'a str,
    pub audiences: &'a [String],
    pub scope: &'a str,
}

pub struct IssuedAccessToken {
    pub token: String,
    pub expires_in: i64,
}

pub fn issue(
    state: &AppState,
    request: AccessTokenRequest<'_>,
) -> Result<IssuedAccessToken, AppError> {
    let now = unix_now();
    let ttl = state.config.settings.tokens.access_token_ttl_secs;
    let audience = match request.audiences {
        [single] => json!(single),
        many => json!(many),
    };
    let mut claims = Map::new();
    claims.insert("iss".into(), json!(state.config.issuer));
    claims.insert("sub".into(), json!(request.subject));
    claims.insert("aud".into(), audience);
    claims.insert("client_id".into(), json!(request.client_id));
    if !request.scope.is_empty() {
        claims.insert("scope".into(), json!(request.scope));
    }
    claims.insert("jti".into(), Value::String(random_token::<16>()));
    claims.insert("iat".into(), json!(now));
    claims.insert("exp".into(), json!(now + ttl));
    let token = state
        .keys()
        .sign(state.config.access_token_alg, "at+jwt", claims)?;
    Ok(IssuedAccessToken {
        token,
        expires_in: ttl,
    })
}
