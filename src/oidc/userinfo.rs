//! The UserInfo endpoint (OpenID Connect Core §5.3) behind bearer tokens (RFC 6750).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::introspect::access_token_revoked;
use super::{access_token, claims};
use crate::error::{AppError, BearerError};
use crate::oidc::form::Form;
use crate::state::AppState;
use crate::store::{grants, unix_now, users, StoreError};

pub async fn userinfo(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let token = bearer_token(&req, &body)?;
    let audience = access_token::userinfo_audience(&state);
    let claims =
        access_token::verify(&state, &token, &audience).ok_or_else(BearerError::invalid_token)?;
    // The answer is readable by the web origins of the client the token was issued to.
    if let Some(client_id) = claims
        .get("client_id")
        .or_else(|| claims.get("azp"))
        .and_then(Value::as_str)
    {
        crate::security::cors::name_client(&req, client_id);
    }
    let scopes: Vec<String> = claims
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or("")
        .split(' ')
        .map(String::from)
        .collect();
    let subject = claims
        .get("sub")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let grant_id = claims.get("gid").and_then(Value::as_str).map(String::from);
    let user = state
        .store
        .run(move |conn| {
            let now = unix_now();
            if access_token_revoked(conn, &claims, now)? {
                return Ok::<_, StoreError>(None);
            }
            // Only tokens issued under a grant, and only while it lives (revocation, logout).
            let Some(grant) = grant_id
                .map(|id| grants::find_grant(conn, &id))
                .transpose()?
                .flatten()
            else {
                return Ok::<_, StoreError>(None);
            };
            if !grant.is_live(now) || grant.user_id != subject {
                return Ok(None);
            }
            Ok(users::get(conn, &subject)?.filter(|u| !u.disabled))
        })
        .await?
        .ok_or_else(BearerError::invalid_token)?;
    if !scopes.iter().any(|s| s == "openid") {
        return Err(BearerError::insufficient_scope().into());
    }
    let mut body = claims::for_scopes(&user, scopes.iter().map(String::as_str));
    body.insert("sub".into(), json!(user.id));
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(body))
}

/// RFC 6750 §2.1 (header) or §2.2 (form body); never both, never the query string.
fn bearer_token(req: &HttpRequest, body: &[u8]) -> Result<String, AppError> {
    let from_header = match req.headers().get(header::AUTHORIZATION) {
        Some(value) => {
            let value = value.to_str().map_err(|_| BearerError::invalid_request())?;
            match value.split_once(' ') {
                Some((scheme, token))
                    if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
                {
                    Some(token.trim().to_string())
                }
                _ => return Err(BearerError::invalid_request().into()),
            }
        }
        None => None,
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let from_body = match Form::parse(content_type, body) {
        Ok(form) if !body.is_empty() => form
            .single("access_token")
            .map_err(|_| BearerError::invalid_request())?
            .map(String::from),
        _ => None,
    };
    match (from_header, from_body) {
        (Some(token), None) | (None, Some(token)) => Ok(token),
        (Some(_), Some(_)) => Err(BearerError::invalid_request().into()),
        (None, None) => Err(BearerError::missing().into()),
    }
}
