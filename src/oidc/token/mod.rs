//! The token endpoint (RFC 6749 §3.2): parse, authenticate the client, hand over to the grant.

mod authorization_code;
mod client_credentials;
mod device_code;
mod issue;
mod refresh_token;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;

use super::form::Form;
use super::{client_auth, dpop};
use crate::error::{AppError, OAuthError};
use crate::oidc::paths::TOKEN_PATH;
use crate::state::AppState;

pub const GRANT_TYPES_SUPPORTED: [&str; 4] = [
    authorization_code::GRANT_TYPE,
    refresh_token::GRANT_TYPE,
    client_credentials::GRANT_TYPE,
    crate::oidc::device::GRANT_TYPE,
];

pub async fn token(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = Form::from_request(&req, &body)?;
    let grant_type = form.required("grant_type")?.to_string();
    let client = client_auth::authenticate(&state, &req, &form, TOKEN_PATH).await?;
    // A DPoP proof binds what is issued to the client's key (RFC 9449 §5).
    let proof = dpop::check(&state, &req, &state.config.url(TOKEN_PATH), None)
        .await
        .map_err(proof_refused)?;
    let jkt = proof.map(|p| p.jkt);
    if client.require_dpop && jkt.is_none() {
        return Err(
            OAuthError::new("invalid_dpop_proof", "this client must send a DPoP proof").into(),
        );
    }
    let jkt = jkt.as_deref();
    let body = match grant_type.as_str() {
        authorization_code::GRANT_TYPE => {
            authorization_code::grant(&state, &req, &client, &form, jkt).await?
        }
        refresh_token::GRANT_TYPE => {
            refresh_token::grant(&state, &req, &client, &form, jkt).await?
        }
        client_credentials::GRANT_TYPE => client_credentials::grant(&state, &client, &form, jkt)?,
        crate::oidc::device::GRANT_TYPE => device_code::grant(&state, &client, &form, jkt).await?,
        _ => {
            return Err(OAuthError::new(
                "unsupported_grant_type",
                "this grant type is not supported",
            )
            .into())
        }
    };
    crate::metrics::token_issued(&grant_type);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(body))
}

/// A refused DPoP proof at the token endpoint (RFC 9449 §5.1).
fn proof_refused(e: dpop::ProofError) -> AppError {
    match e {
        dpop::ProofError::Invalid(why) => OAuthError::new("invalid_dpop_proof", why).into(),
        dpop::ProofError::Unavailable => {
            OAuthError::new("temporarily_unavailable", "try again shortly").into()
        }
        dpop::ProofError::UseNonce(nonce) => AppError::DpopNonce {
            at_resource: false,
            nonce,
        },
    }
}

/// The successful response members every grant shares (RFC 6749 §5.1); `DPoP` when the access
/// token is bound to a key.
fn bearer_response(access_token: String, expires_in: i64, scope: &str, bound: bool) -> Value {
    let mut body = serde_json::json!({
        "access_token": access_token,
        "token_type": if bound { "DPoP" } else { "Bearer" },
        "expires_in": expires_in,
    });
    if !scope.is_empty() {
        body["scope"] = Value::String(scope.to_string());
    }
    body
}
