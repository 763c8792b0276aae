//! The self-service account page: the person's details, a password change, the second factor
//! (enrolment, new backup codes, turning it off), their sessions and the apps they allowed.
//! Every form carries the CSRF token; every change needs a live session, and changes that touch
//! a credential need a current secret (the password or a code).

mod access;
mod password;
mod totp;

pub use access::*;
pub use password::*;
pub use totp::*;

use std::sync::Arc;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::session::{self, SignedIn};
use super::{csrf, render, see_other, with_cookie};
use crate::crypto::password::Verification;
use crate::error::AppError;
use crate::security::rate_limit::Decision;
use crate::state::AppState;
use crate::store::users::User;
use crate::store::{backup_codes, clients, consents, sessions, unix_now, StoreError};

pub const ACCOUNT_PATH: &str = "/account";

/// One browser session as the account page lists it.
struct SessionRow {
    sid: String,
    created: String,
    last_seen: String,
    two_factor: bool,
    current: bool,
}

/// One app the person allowed.
struct ConsentRow {
    client_id: String,
    client_name: String,
    scopes: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage<'a> {
    csrf: &'a str,
    username: &'a str,
    email: &'a str,
    min_length: usize,
    totp_enabled: bool,
    backup_codes_left: i64,
    sessions: Vec<SessionRow>,
    consents: Vec<ConsentRow>,
    notice: Option<&'a str>,
    password_error: Option<&'a str>,
    factor_error: Option<&'a str>,
}

/// Errors shown in one section of the account page.
#[derive(Default)]
struct Shown<'a> {
    notice: Option<&'a str>,
    password: Option<&'a str>,
    factor: Option<&'a str>,
}

fn describe(scope: &str) -> &'static str {
    match scope {
        "openid" => "Sign you in with your account",
        "profile" => "See your name and username",
        "email" => "See your email address",
        "offline_access" => "Keep access while you are not using it",
        _ => "Use another permission you hold",
    }
}

/// A time for people to read (UTC, to the minute).
fn when(unix: i64) -> String {
    match actix_web::cookie::time::OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        Err(_) => "unknown".to_string(),
    }
}

fn notice_for(done: &str) -> Option<&'static str> {
    Some(match done {
        "password" => "Your password was changed. You were signed out everywhere else.",
        "totp-off" => "Two-step sign-in is off.",
        "session" => "That session was ended.",
        "consent" => "The app can no longer use your account until you allow it again.",
        _ => return None,
    })
}

async fn account_page(
    req: &HttpRequest,
    state: &AppState,
    signed_in: &SignedIn,
    status: StatusCode,
    shown: Shown<'_>,
) -> Result<HttpResponse, AppError> {
    let user = &signed_in.user;
    let (user_id, current_sid) = (user.id.clone(), signed_in.session.sid.clone());
    let idle = state.config.settings.session.idle_secs;
    let (listed, allowed, backup_codes_left) = state
        .store
        .run(move |conn| {
            let now = unix_now();
            let listed: Vec<SessionRow> = sessions::list_for_user(conn, &user_id)?
                .into_iter()
                .filter(|s| s.expires_at > now && s.last_seen_at + idle > now)
                .map(|s| SessionRow {
                    current: s.sid == current_sid,
                    created: when(s.created_at),
                    last_seen: when(s.last_seen_at),
                    two_factor: s.amr.split_whitespace().any(|m| m == "otp"),
                    sid: s.sid,
                })
                .collect();
            let mut allowed = Vec::new();
            for consent in consents::list_for_user(conn, &user_id)? {
                let client_name = match clients::find(conn, &consent.client_id) {
                    Ok(client) => client.name,
                    Err(StoreError::NotFound) => consent.client_id.clone(),
                    Err(e) => return Err(e),
                };
                let mut scopes: Vec<&'static str> =
                    consent.scope.split_whitespace().map(describe).collect();
                scopes.dedup();
                allowed.push(ConsentRow {
                    client_id: consent.client_id,
                    client_name,
                    scopes,
                });
            }
            let left = backup_codes::remaining(conn, &user_id)?;
            Ok::<_, StoreError>((listed, allowed, left))
        })
        .await?;
    let token = csrf::issue(state, req);
    let page = AccountPage {
        csrf: &token.form_value,
        username: &user.username,
        email: user.email.as_deref().unwrap_or(""),
        min_length: state.config.settings.password.min_length,
        totp_enabled: user.totp_enabled,
        backup_codes_left,
        sessions: listed,
        consents: allowed,
        notice: shown.notice,
        password_error: shown.password,
        factor_error: shown.factor,
    };
    with_cookie(render(status, &page)?, token.cookie)
}

#[derive(serde::Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    done: String,
}

/// `GET /account`.
pub async fn show(
    req: HttpRequest,
    query: web::Query<ShowQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let Some(signed_in) = session::current(&state, &req).await? else {
        return Ok(see_other("/login"));
    };
    let shown = Shown {
        notice: notice_for(&query.done),
        ..Shown::default()
    };
    account_page(&req, &state, &signed_in, StatusCode::OK, shown).await
}

/// A post's gate: the CSRF token first (403 and nothing changes), then the session (a 303 to
/// the login page without one).
async fn signed_in_for_post(
    state: &AppState,
    req: &HttpRequest,
    submitted_csrf: Option<&str>,
) -> Result<Result<SignedIn, HttpResponse>, AppError> {
    if !csrf::verify(state, req, submitted_csrf) {
        return Err(super::csrf_refused());
    }
    Ok(session::current(state, req)
        .await?
        .ok_or_else(|| see_other("/login")))
}

/// Secrets checked on the account page (password, codes) count per account against the login
/// limit, so that a stolen session cannot be used to guess them.
async fn throttle(state: &AppState, user: &User) -> Result<(), HttpResponse> {
    let limits = &state.config.settings.rate_limit;
    if !limits.enabled {
        return Ok(());
    }
    let decision = state
        .limiter
        .hit("account-secret", &user.id, limits.login, limits.window_secs)
        .await;
    match decision {
        Decision::Allowed => Ok(()),
        Decision::Limited { retry_after } => {
            let mut response = crate::error::page(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                "Wait a minute, then try again.",
            );
            response.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from(retry_after.max(1)),
            );
            Err(response)
        }
    }
}

async fn password_is_right(
    state: &Arc<AppState>,
    user: &User,
    password: String,
) -> Result<bool, AppError> {
    if password.is_empty() {
        return Ok(false);
    }
    let hasher_state = Arc::clone(state);
    let hash = user.password_hash.clone();
    tokio::task::spawn_blocking(move || {
        matches!(
            hasher_state.hasher.verify(&password, &hash),
            Verification::Match { .. }
        )
    })
    .await
    .map_err(|e| AppError::Internal(format!("password check: {e}")))
}

/// A code shaped like a TOTP code (six digits), so that a backup code is never used up where
/// only the authenticator will do.
fn looks_like_totp(code: &str) -> bool {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    code.len() == 6 && code.chars().all(|c| c.is_ascii_digit())
}
