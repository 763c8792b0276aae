//! The device authorization endpoint (RFC 8628 §3.1, §3.2): a device that cannot show a
//! browser asks, authenticated as at the token endpoint, for a device code (its secret, to poll
//! the token endpoint with) and a user code a person types at `/device` on another screen.
//! Both are stored only as digests.

pub mod user_code;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::authorize::checks;
use super::client_auth;
use super::form::Form;
use crate::crypto::secrets::{random_id, random_token, sha256_hex};
use crate::error::{AppError, OAuthError};
use crate::oidc::paths::{DEVICE_AUTHORIZATION_PATH, DEVICE_VERIFICATION_PATH};
use crate::state::AppState;
use crate::store::device_authorizations::{self, DeviceAuthorization, PENDING};
use crate::store::{unix_now, StoreError};

pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// New user codes are drawn again when one collides with a live request's (rare: 20^8 codes).
const USER_CODE_ATTEMPTS: usize = 5;

pub async fn authorize(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = Form::from_request(&req, &body)?;
    let client = client_auth::authenticate(&state, &req, &form, DEVICE_AUTHORIZATION_PATH).await?;
    if form.single("client_id")?.is_some_and(|id| id != client.id) {
        return Err(
            OAuthError::invalid_request("client_id is not the authenticated client").into(),
        );
    }
    client_auth::require_grant(&client, GRANT_TYPE)?;
    let scopes = checks::requested_scopes(&client, &form)
        .map_err(|(error, description)| OAuthError::new(error, description))?;
    if scopes.is_empty() {
        return Err(OAuthError::new("invalid_scope", "scope is missing").into());
    }
    let settings = &state.config.settings.authorization;
    let (ttl, interval) = (settings.device_code_ttl_secs, settings.device_interval_secs);
    let device_code = random_token::<32>();
    let now = unix_now();
    let mut request = DeviceAuthorization {
        id: random_id::<16>(),
        device_code_hash: sha256_hex(device_code.as_bytes()),
        user_code_hash: String::new(),
        client_id: client.id.clone(),
        scope: scopes.join(" "),
        created_at: now,
        expires_at: now + ttl,
        interval_secs: interval,
        last_polled_at: None,
        status: PENDING.to_string(),
        grant_id: None,
    };
    let user_code = store_with_new_user_code(&state, &mut request).await?;
    let verification_uri = state.config.url(DEVICE_VERIFICATION_PATH);
    let complete = url::Url::parse_with_params(&verification_uri, [("user_code", &user_code)])
        .map_err(AppError::failed)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": verification_uri,
            "verification_uri_complete": complete.as_str(),
            "expires_in": ttl,
            "interval": interval,
        })))
}

/// Stores `request` under a fresh user code no live request holds; returns the code.
async fn store_with_new_user_code(
    state: &AppState,
    request: &mut DeviceAuthorization,
) -> Result<String, AppError> {
    for _ in 0..USER_CODE_ATTEMPTS {
        let code = user_code::generate();
        let normalized = user_code::normalize(&code)
            .ok_or_else(|| AppError::Internal("a generated user code does not read back".into()))?;
        request.user_code_hash = user_code::digest(&normalized);
        let row = request.clone();
        let stored = state
            .store
            .run(move |conn| device_authorizations::insert(conn, &row))
            .await;
        match stored {
            Ok(()) => return Ok(code),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(OAuthError::new("temporarily_unavailable", "try again shortly").into())
}
