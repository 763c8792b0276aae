//! Browser flows: the session cookie, CSRF protection, the login and consent pages.

pub mod account;
pub mod brand;
pub mod consent;
pub mod csrf;
pub mod device;
pub mod home;
pub mod invitation;
pub mod login;
pub mod passkey;
pub mod password_change;
pub mod recovery;
pub mod second_factor;
pub mod session;
pub mod signed_out;
pub mod signin;
pub mod signup;
pub mod ticket;
pub mod upstream;
pub mod verify;

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use askama::Template;

use crate::crypto::secrets::sha256_hex;
use crate::error::AppError;
use crate::security::rate_limit::Decision;
use crate::state::AppState;

/// Per-address limits count over an hour, whatever the IP window.
const ADDRESS_WINDOW_SECS: i64 = 3_600;

/// Renders a page; pages are never cached, since they carry CSRF tokens and personal data.
pub fn render(status: StatusCode, page: &impl Template) -> Result<HttpResponse, AppError> {
    let body = page.render().map_err(AppError::failed)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

/// Renders a page that runs static/passkey.js, under the policy that allows it (and nothing
/// more: the script is ours, and it talks only to us).
pub fn render_with_passkeys(
    status: StatusCode,
    page: &impl Template,
) -> Result<HttpResponse, AppError> {
    let mut response = render(status, page)?;
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(crate::security::headers::PASSKEY_PAGE_POLICY),
    );
    Ok(response)
}

pub fn with_cookie(
    mut response: HttpResponse,
    cookie: Option<actix_web::cookie::Cookie<'static>>,
) -> Result<HttpResponse, AppError> {
    if let Some(cookie) = cookie {
        response.add_cookie(&cookie).map_err(AppError::failed)?;
    }
    Ok(response)
}

/// A 303 that makes the browser GET `location`.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

pub fn expired_request() -> AppError {
    AppError::shown(
        StatusCode::BAD_REQUEST,
        "error-expired-title",
        "error-start-again-message",
    )
}

pub fn csrf_refused() -> AppError {
    AppError::shown(
        StatusCode::FORBIDDEN,
        "error-form-expired-title",
        "error-form-expired-message",
    )
}

/// Counts a mail asked for `email` (from any IP) in `bucket`: 429 with `Retry-After` beyond
/// `limit` an hour, whether the address has an account or not. The key is the address's
/// digest, so the limiter (and Redis) holds no addresses.
pub async fn limit_per_address(
    state: &AppState,
    bucket: &'static str,
    email: &str,
    limit: u32,
) -> Result<(), AppError> {
    if !state.config.settings.rate_limit.enabled {
        return Ok(());
    }
    let key = sha256_hex(email.as_bytes());
    let decision = state
        .limiter
        .hit(bucket, &key, limit, ADDRESS_WINDOW_SECS)
        .await;
    match decision {
        Decision::Allowed => Ok(()),
        Decision::Limited { retry_after } => {
            tracing::warn!(event = "rate_limited", bucket);
            Err(AppError::TooMany {
                retry_after,
                oauth: false,
            })
        }
    }
}
