//! Token introspection (RFC 7662) for authenticated clients. A client learns about a token only
//! when it was issued to it or is meant for one of its audiences; otherwise, like an unknown,
//! expired or revoked token, it is `{"active": false}`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};

use super::{access_token, client_auth};
use crate::crypto::secrets::sha256_hex;
use crate::error::AppError;
use crate::oidc::form::Form;
use crate::oidc::paths::INTROSPECT_PATH;
use crate::state::AppState;
use crate::store::clients::Client;
use crate::store::grants::{self, Grant, RefreshToken};
use crate::store::{revocations, unix_now, AnyConnection, StoreError};

pub async fn introspect(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = Form::from_request(&req, &body)?;
    let token = form.required("token")?.to_string();
    let caller = client_auth::authenticate(&state, &req, &form, INTROSPECT_PATH).await?;
    if caller.is_public() {
        return Err(crate::error::OAuthError::invalid_client().into());
    }
    let claims = access_token::verified_claims(&state, &token);
    let body = state
        .store
        .run(move |conn| match claims {
            Some(claims) => describe_access_token(conn, &caller, claims),
            None => describe_refresh_token(conn, &caller, &token),
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body.unwrap_or_else(|| json!({ "active": false }))))
}

fn audiences_of(claims: &Map<String, Value>) -> Vec<String> {
    match claims.get("aud") {
        Some(Value::String(aud)) => vec![aud.clone()],
        Some(Value::Array(auds)) => auds
            .iter()
            .filter_map(|a| a.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

/// The token is the caller's own, or is meant for one of the caller's audiences.
fn concerns(caller: &Client, claims: &Map<String, Value>) -> bool {
    let own = claims.get("client_id").and_then(Value::as_str) == Some(&caller.id);
    let mine = caller.audience_list();
    own || audiences_of(claims)
        .iter()
        .any(|a| mine.contains(&a.as_str()))
}

/// Whether an access token has been revoked itself or through its grant.
pub fn access_token_revoked(
    conn: &mut AnyConnection,
    claims: &Map<String, Value>,
    now: i64,
) -> Result<bool, StoreError> {
    if let Some(jti) = claims.get("jti").and_then(Value::as_str) {
        if revocations::is_revoked(conn, jti)? {
            return Ok(true);
        }
    }
    if let Some(grant_id) = claims.get("gid").and_then(Value::as_str) {
        return Ok(!grants::find_grant(conn, grant_id)?.is_some_and(|g| g.is_live(now)));
    }
    Ok(false)
}

fn describe_access_token(
    conn: &mut AnyConnection,
    caller: &Client,
    claims: Map<String, Value>,
) -> Result<Option<Value>, StoreError> {
    if !concerns(caller, &claims) || access_token_revoked(conn, &claims, unix_now())? {
        return Ok(None);
    }
    let mut body = Map::new();
    body.insert("active".into(), json!(true));
    let bound = super::access_token::bound_key(&claims).is_some();
    body.insert(
        "token_type".into(),
        json!(if bound { "DPoP" } else { "Bearer" }),
    );
    for name in [
        "scope",
        "client_id",
        "sub",
        "aud",
        "iss",
        "exp",
        "iat",
        "jti",
        "auth_time",
        "cnf",
    ] {
        if let Some(value) = claims.get(name) {
            body.insert(name.into(), value.clone());
        }
    }
    Ok(Some(Value::Object(body)))
}

/// A live refresh token of the caller's own.
pub fn find_refresh_token(
    conn: &mut AnyConnection,
    token: &str,
) -> Result<Option<(RefreshToken, Grant)>, StoreError> {
    let Some(stored) = grants::find_refresh_token(conn, &sha256_hex(token.as_bytes()))? else {
        return Ok(None);
    };
    let Some(grant) = grants::find_grant(conn, &stored.grant_id)? else {
        return Ok(None);
    };
    Ok(Some((stored, grant)))
}

fn describe_refresh_token(
    conn: &mut AnyConnection,
    caller: &Client,
    token: &str,
) -> Result<Option<Value>, StoreError> {
    let now = unix_now();
    let Some((stored, grant)) = find_refresh_token(conn, token)? else {
        return Ok(None);
    };
    let live = stored.used_at.is_none() && stored.expires_at > now && grant.is_live(now);
    if !live || grant.client_id != caller.id {
        return Ok(None);
    }
    Ok(Some(json!({
        "active": true,
        "token_type": "refresh_token",
        "client_id": grant.client_id,
        "sub": grant.user_id,
        "scope": grant.scope,
        "exp": stored.expires_at,
        "iat": stored.created_at,
    })))
}
