//! Passkeys (WebAuthn) in the browser: enrolment on the account page, passwordless sign-in on
//! the login page, and a passkey as the second factor. Each ceremony has two requests that
//! static/passkey.js makes with `fetch` (base64url JSON): `begin` stores the ceremony
//! server-side and answers the options for `navigator.credentials`; `finish` claims it (once,
//! from this browser, on any node) and verifies what the authenticator signed. `finish` answers
//! `{"redirect": …}` where the page goes next, or a JSON error the script shows.

pub mod ceremony;
pub mod credentials;
pub mod enrol;
pub mod second_factor;
pub mod signin;

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use webauthn_rs::prelude::Webauthn;

use crate::error::oauth_json;
use crate::state::AppState;

/// What the script shows when a ceremony cannot go on: catalog message `description` in the
/// request's language.
pub fn refused(status: StatusCode, error: &str, description: &str) -> HttpResponse {
    oauth_json(status, error, &crate::i18n::t(description))
}

pub fn expired() -> HttpResponse {
    refused(
        StatusCode::BAD_REQUEST,
        "expired",
        crate::msg!("passkey-expired"),
    )
}

pub fn csrf_refused() -> HttpResponse {
    refused(
        StatusCode::FORBIDDEN,
        "forbidden",
        crate::msg!("passkey-page-expired"),
    )
}

pub fn malformed() -> HttpResponse {
    refused(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        crate::msg!("passkey-unreadable"),
    )
}

/// The relying party; `None` when the issuer cannot be one (the log said why at start).
pub fn relying_party(state: &AppState) -> Option<&Webauthn> {
    state.webauthn.as_deref()
}

pub fn unavailable() -> HttpResponse {
    refused(
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily_unavailable",
        crate::msg!("passkey-unavailable"),
    )
}

/// The answer of a finished ceremony: where the page goes next.
pub fn go_to(location: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "redirect": location }))
}
