//! JWT access tokens per RFC 9068, and their verification where we are the resource server.

use serde_json::{json, Map, Value};

use crate::crypto::secrets::random_token;
use crate::error::AppError;
use crate::oidc::paths::USERINFO_PATH;
use crate::state::AppState;
use crate::store::unix_now;

pub const TYP: &str = "at+jwt";

pub struct AccessTokenRequest<'a> {
    pub subject: &'a str,
    pub client_id: &'a str,
    pub audiences: &'a [String],
    pub scope: &'a str,
    /// The grant (sign-in) it was issued under: revoking the grant makes userinfo refuse it.
    pub grant_id: Option<&'a str>,
    pub auth_time: Option<i64>,
}

pub struct IssuedAccessToken {
    pub token: String,
    pub expires_in: i64,
}

pub fn issue(
    state: &AppState,
    request: AccessTokenRequest<'_>,
) -> Result<IssuedAccessToken, AppError> {
    issue_with(state, request, Map::new())
}

/// Like `issue`, with `extra` claims (e.g. `roles`) added to the standard ones.
pub fn issue_with(
    state: &AppState,
    request: AccessTokenRequest<'_>,
    extra: Map<String, Value>,
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
    if let Some(grant_id) = request.grant_id {
        claims.insert("gid".into(), json!(grant_id));
    }
    if let Some(auth_time) = request.auth_time {
        claims.insert("auth_time".into(), json!(auth_time));
    }
    for (name, value) in extra {
        claims.entry(name).or_insert(value);
    }
    claims.insert("jti".into(), Value::String(random_token::<16>()));
    claims.insert("iat".into(), json!(now));
    claims.insert("exp".into(), json!(now + ttl));
    let token = state
        .keys()
        .sign(state.config.access_token_alg, TYP, claims)?;
    Ok(IssuedAccessToken {
        token,
        expires_in: ttl,
    })
}

/// The `cnf` claim of a token bound to a DPoP key (RFC 9449 §6.1), as extra claims.
pub fn confirmation(jkt: Option<&str>) -> Map<String, Value> {
    let mut extra = Map::new();
    if let Some(jkt) = jkt {
        extra.insert("cnf".into(), json!({ "jkt": jkt }));
    }
    extra
}

/// The thumbprint of the key a token is bound to, if it is.
pub fn bound_key(claims: &Map<String, Value>) -> Option<&str> {
    claims.get("cnf")?.get("jkt")?.as_str()
}

/// The audience of access tokens meant for our own userinfo endpoint.
pub fn userinfo_audience(state: &AppState) -> String {
    state.config.url(USERINFO_PATH)
}

/// Claims of an access token that we signed and that has not expired. Audience and revocation
/// are the caller's to check.
pub fn verified_claims(state: &AppState, token: &str) -> Option<Map<String, Value>> {
    let claims = state.keys().verify(token, TYP)?;
    let issuer_ok = claims.get("iss").and_then(Value::as_str) == Some(&state.config.issuer);
    let live = claims
        .get("exp")
        .and_then(Value::as_i64)
        .is_some_and(|exp| exp > unix_now());
    (issuer_ok && live).then_some(claims)
}

/// Claims of a live access token of ours issued for `audience`. Revocation is the caller's to
/// check.
pub fn verify(state: &AppState, token: &str, audience: &str) -> Option<Map<String, Value>> {
    let claims = verified_claims(state, token)?;
    let for_us = match claims.get("aud") {
        Some(Value::String(aud)) => aud == audience,
        Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(audience)),
        _ => false,
    };
    for_us.then_some(claims)
}
