//! What every way of signing in shares: where a sign-in goes next, the cost of a failed
//! attempt, the audit event of a request, the tickets of half-finished sign-ins, and the start
//! of the session itself. The session then carries the result back to the authorization
//! pipeline (`/authorize/resume`), which decides what follows.

use std::time::Duration;

use actix_web::cookie::Cookie;
use actix_web::{HttpRequest, HttpResponse};

use super::{see_other, session, ticket};
use crate::error::AppError;
use crate::oidc::authorize::pending;
use crate::state::AppState;
use crate::store::audit::Event;
use crate::store::users::{self, User};
use crate::store::{second_factor_demands, unix_now};
use crate::telemetry::mask_email;

/// Failures per login name are counted over this window to slow guessing progressively.
const DELAY_WINDOW_SECS: i64 = 900;

/// Where to sign in: for a pending authorization request, or for the account page.
pub fn login_url(pending_id: &str) -> String {
    if pending_id.is_empty() {
        "/login".to_string()
    } else {
        format!("/login?req={pending_id}")
    }
}

/// Where a finished sign-in continues: the pending authorization request, or one of our own
/// pages named by `next` (only these, so the login page is no open redirector), or the account
/// page.
pub fn after_sign_in_url(pending_id: &str) -> String {
    match pending_id {
        "" => "/account".to_string(),
        page if LOCAL_DESTINATIONS.contains(&page) => page.to_string(),
        id => format!("/authorize/resume?req={id}"),
    }
}

/// Refuses a destination that is another browser's (or an expired) pending request.
pub async fn check_destination(
    state: &AppState,
    req: &HttpRequest,
    destination: &str,
) -> Result<(), AppError> {
    if destination.is_empty() || LOCAL_DESTINATIONS.contains(&destination) {
        return Ok(());
    }
    pending::load(state, req, destination).await.map(|_| ())
}

/// Pages a sign-in without an authorization request may continue to.
pub const LOCAL_DESTINATIONS: [&str; 2] = ["/account", "/admin"];

/// What every failed attempt costs: a count towards the account's lock (when the name is an
/// account), an audit entry, and a delay that grows with the failures for the same name —
/// the same for names that are accounts and names that are not.
pub async fn failed(req: &HttpRequest, state: &AppState, login: &str, user: Option<&User>) {
    failed_attempt(req, state, login, user, None).await;
}

/// [`failed`], with the password that was tried (a first-factor failure): the detection
/// rules compare it, by a keyed digest only, with the others tried meanwhile.
pub async fn failed_attempt(
    req: &HttpRequest,
    state: &AppState,
    login: &str,
    user: Option<&User>,
    password: Option<&str>,
) {
    let name = login.trim().to_lowercase();
    let failures = state
        .limiter
        .count("login-failures", &name, DELAY_WINDOW_SECS)
        .await;
    let target = match user {
        Some(user) => Some(user.clone()),
        None => {
            let name = name.clone();
            state
                .store
                .run(move |conn| users::find_by_login(conn, &name))
                .await
                .ok()
                .flatten()
        }
    };
    let mut locked = false;
    if let Some(user) = &target {
        let lockout = state.config.settings.lockout.clone();
        let id = user.id.clone();
        locked = state
            .store
            .run(move |conn| {
                users::record_failure(conn, &id, lockout.threshold, lockout.lock_secs, unix_now())
            })
            .await
            .unwrap_or(false);
    }
    let shown = target
        .as_ref()
        .map(|u| u.id.clone())
        .unwrap_or_else(|| mask_login(&name));
    tracing::info!(event = "login_failed", target = %shown);
    state
        .audit(event(req, state, "anonymous", "login", &shown, "failure"))
        .await;
    if locked {
        state
            .audit(event(
                req,
                state,
                "system",
                "account_locked",
                &shown,
                "success",
            ))
            .await;
    }
    crate::security::monitor::observe(
        state,
        crate::security::monitor::Failure {
            ip: state.client_ip(req),
            login: &name,
            account: target.as_ref().map(|u| u.id.as_str()),
            password,
            ctx: state.ops_context(req, "system"),
        },
    )
    .await;
    let delay_ms = match failures {
        0..=1 => 0,
        n => (250u64 << (n - 2).min(4)).min(3_000),
    };
    tokio::time::sleep(Duration::from_millis(delay_ms)).await;
}

fn mask_login(name: &str) -> String {
    if name.contains('@') {
        mask_email(name)
    } else {
        name.chars().take(64).collect()
    }
}

/// An audit event about this request, with the client's address and (truncated) user agent.
pub fn event(
    req: &HttpRequest,
    state: &AppState,
    actor: &str,
    action: &str,
    target: &str,
    outcome: &str,
) -> Event {
    let (client_ip, user_agent) = state.requester(req);
    Event {
        actor: actor.to_string(),
        action: action.to_string(),
        target: target.to_string(),
        outcome: outcome.to_string(),
        client_ip,
        user_agent,
        detail: String::new(),
    }
}

pub async fn ticket_user(state: &AppState, purpose: &str, text: &str) -> Result<User, AppError> {
    ticket_user_with_amr(state, purpose, text)
        .await
        .map(|(user, _)| user)
}

/// The ticket's user and the methods it says were passed (`pwd`, or `fed` for a sign-in
/// through an upstream provider).
pub async fn ticket_user_with_amr(
    state: &AppState,
    purpose: &str,
    text: &str,
) -> Result<(User, String), AppError> {
    let (parsed, mac) = ticket::parse(text).ok_or_else(super::csrf_refused)?;
    let user = ticket_user_by_id(state, &parsed.user_id).await?;
    if ticket::check(state, purpose, &parsed, &mac, &user) {
        Ok((user, parsed.amr))
    } else {
        Err(super::csrf_refused())
    }
}

pub async fn ticket_user_by_id(state: &AppState, id: &str) -> Result<User, AppError> {
    let id = id.to_string();
    state
        .store
        .run(move |conn| users::get(conn, &id))
        .await?
        .filter(|u| !u.disabled)
        .ok_or_else(super::csrf_refused)
}

pub async fn sign_in(
    req: &HttpRequest,
    state: &AppState,
    user_id: &str,
    amr: &str,
    pending_id: &str,
) -> Result<HttpResponse, AppError> {
    let cookie = start_session(req, state, user_id, amr).await?;
    let mut response = see_other(&after_sign_in_url(pending_id));
    response.add_cookie(&cookie).map_err(AppError::failed)?;
    Ok(response)
}

/// Starts the session (ending the browser's previous one); returns its cookie.
pub async fn start_session(
    req: &HttpRequest,
    state: &AppState,
    user_id: &str,
    amr: &str,
) -> Result<Cookie<'static>, AppError> {
    let previous = req
        .cookie(session::SESSION_COOKIE)
        .map(|c| c.value().to_string());
    let (user_id, amr) = (user_id.to_string(), amr.to_string());
    let absolute = state.config.settings.session.absolute_secs;
    let value = state
        .store
        .run(move |conn| {
            session::start(
                conn,
                absolute,
                previous.as_deref(),
                &user_id,
                &amr,
                unix_now(),
            )
        })
        .await?;
    Ok(session::cookie(state, value))
}

/// The bookkeeping of every successful sign-in: the failure count reset, the audit entry, the
/// log line (never a secret).
pub async fn record_success(
    req: &HttpRequest,
    state: &AppState,
    user: &User,
    amr: &str,
) -> Result<(), AppError> {
    let id = user.id.clone();
    // A second factor (or a passkey) met whatever an incident demanded of this account.
    let second_factor = amr.split_whitespace().any(|m| !matches!(m, "pwd" | "fed"));
    let met = state
        .store
        .run(move |conn| {
            users::record_success(conn, &id)?;
            match second_factor {
                true => second_factor_demands::satisfied(conn, &id),
                false => Ok(false),
            }
        })
        .await?;
    if met {
        tracing::info!(event = "second_factor_demand_met", user_id = %user.id);
    }
    let mut entry = event(req, state, &user.id, "login", &user.id, "success");
    entry.detail = format!("amr {amr}");
    state.audit(entry).await;
    tracing::info!(event = "login", user_id = %user.id, amr);
    Ok(())
}
