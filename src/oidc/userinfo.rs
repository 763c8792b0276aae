//! The UserInfo endpoint (OpenID Connect Core §5.3) behind bearer tokens (RFC 6750).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::introspect::access_token_revoked;
use super::{access_token, claims, dpop};
use crate::error::{AppError, BearerError};
use crate::oidc::form::Form;
use crate::oidc::paths::USERINFO_PATH;
use crate::state::AppState;
use crate::store::{grants, unix_now, users, StoreError};

pub async fn userinfo(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (scheme, token) = access_token_of(&req, &body)?;
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
    check_binding(&state, &req, &claims, scheme, &token).await?;
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Bearer,
    DPoP,
}

/// A DPoP-bound token (RFC 9449 §7) needs the `DPoP` scheme and a fresh proof by its key, with
/// `ath` naming it; an unbound one must not come as DPoP.
async fn check_binding(
    state: &AppState,
    req: &HttpRequest,
    claims: &serde_json::Map<String, Value>,
    scheme: Scheme,
    token: &str,
) -> Result<(), AppError> {
    match (access_token::bound_key(claims), scheme) {
        (None, Scheme::Bearer) => Ok(()),
        (None, Scheme::DPoP) | (Some(_), Scheme::Bearer) => {
            Err(BearerError::invalid_token().dpop().into())
        }
        (Some(jkt), Scheme::DPoP) => {
            let url = state.config.url(USERINFO_PATH);
            match dpop::check(state, req, &url, Some(token)).await {
                Ok(Some(proof)) if proof.jkt == jkt => Ok(()),
                Ok(_) | Err(dpop::ProofError::Invalid(_)) => {
                    Err(BearerError::invalid_dpop_proof().into())
                }
                Err(dpop::ProofError::Unavailable) => Err(AppError::Unavailable(
                    "DPoP replay cache unavailable".into(),
                )),
                Err(dpop::ProofError::UseNonce(nonce)) => Err(AppError::DpopNonce {
                    at_resource: true,
                    nonce,
                }),
            }
        }
    }
}

/// RFC 6750 §2.1 (header, `Bearer` or RFC 9449's `DPoP`) or §2.2 (form body, bearer only);
/// never both, never the query string.
fn access_token_of(req: &HttpRequest, body: &[u8]) -> Result<(Scheme, String), AppError> {
    let from_header = match req.headers().get(header::AUTHORIZATION) {
        Some(value) => {
            let value = value.to_str().map_err(|_| BearerError::invalid_request())?;
            let scheme = match value.split_once(' ') {
                Some((s, _)) if s.eq_ignore_ascii_case("bearer") => Scheme::Bearer,
                Some((s, _)) if s.eq_ignore_ascii_case("dpop") => Scheme::DPoP,
                _ => return Err(BearerError::invalid_request().into()),
            };
            match value.split_once(' ') {
                Some((_, token)) if !token.trim().is_empty() => {
                    Some((scheme, token.trim().to_string()))
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
    match (from_header, from_body.map(|t| (Scheme::Bearer, t))) {
        (Some(token), None) | (None, Some(token)) => Ok(token),
        (Some(_), Some(_)) => Err(BearerError::invalid_request().into()),
        (None, None) => Err(BearerError::missing().into()),
    }
}
