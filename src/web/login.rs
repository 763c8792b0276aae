//! The login page. Unknown user, wrong password, locked and disabled accounts get the same
//! words, status and work (a dummy hash is verified when the user is unknown). A right password
//! alone grants no session when the account has a second factor, or must choose a new password.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::second_factor::{self, Proof};
use super::{csrf, password_change, render, see_other, session, ticket, with_cookie};
use crate::crypto::password::Verification;
use crate::error::AppError;
use crate::oidc::authorize::load_pending;
use crate::state::AppState;
use crate::store::audit::Event;
use crate::store::unix_now;
use crate::store::users::{self, User};
use crate::telemetry::mask_email;

pub const LOGIN_FAILED: &str = "Incorrect username or password.";
/// Failures per login name are counted over this window to slow guessing progressively.
const DELAY_WINDOW_SECS: i64 = 900;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    client_name: &'a str,
    req: &'a str,
    csrf: &'a str,
    username: &'a str,
    error: Option<&'a str>,
}

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

/// Pages a sign-in without an authorization request may continue to.
const LOCAL_DESTINATIONS: [&str; 2] = ["/account", "/admin"];

/// The name of what the person signs in to.
async fn destination(state: &AppState, pending_id: &str) -> Result<String, AppError> {
    if pending_id.is_empty() || LOCAL_DESTINATIONS.contains(&pending_id) {
        return Ok("your account".to_string());
    }
    let ((request, _), _) = load_pending(state, pending_id.to_string()).await?;
    Ok(request.client.name)
}

#[derive(serde::Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    req: String,
    /// `/account` or `/admin`; anything else is ignored.
    #[serde(default)]
    next: String,
}

pub async fn show(
    req: HttpRequest,
    query: web::Query<LoginQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    // The form carries the destination in `req`: a request id, or one of our own pages.
    let pending_id = match query.req.as_str() {
        "" if LOCAL_DESTINATIONS.contains(&query.next.as_str()) => query.next,
        _ => query.req,
    };
    let (client_name, hint) =
        if pending_id.is_empty() || LOCAL_DESTINATIONS.contains(&pending_id.as_str()) {
            ("your account".to_string(), String::new())
        } else {
            let ((request, _), _) = load_pending(&state, pending_id.clone()).await?;
            (request.client.name, request.login_hint.unwrap_or_default())
        };
    login_page(
        &req,
        &state,
        StatusCode::OK,
        &client_name,
        &pending_id,
        &hint,
        None,
    )
}

fn login_page(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    client_name: &str,
    pending_id: &str,
    username: &str,
    error: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let token = csrf::issue(state, req);
    let page = LoginPage {
        client_name,
        req: pending_id,
        csrf: &token.form_value,
        username,
        error,
    };
    with_cookie(render(status, &page)?, token.cookie)
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    req: String,
    csrf: Option<String>,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub async fn submit(
    req: HttpRequest,
    form: web::Form<LoginForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if !csrf::verify(&state, &req, form.csrf.as_deref()) {
        return Err(super::csrf_refused());
    }
    let client_name = destination(&state, &form.req).await?;
    let user = authenticate(Arc::clone(&state), form.username.clone(), form.password).await?;
    let Some(user) = user else {
        crate::metrics::signin(false);
        failed(&req, &state, &form.username, None).await;
        return login_page(
            &req,
            &state,
            StatusCode::UNAUTHORIZED,
            &client_name,
            &form.req,
            &form.username,
            Some(LOGIN_FAILED),
        );
    };
    if user.totp_enabled {
        return second_factor::login_code_page(&req, &state, &user, &form.req, None);
    }
    crate::metrics::signin(true);
    finish(&req, &state, &user, "pwd", &form.req).await
}

/// What every failed attempt costs: a count towards the account's lock (when the name is an
/// account), an audit entry, and a delay that grows with the failures for the same name —
/// the same for names that are accounts and names that are not.
pub async fn failed(req: &HttpRequest, state: &AppState, login: &str, user: Option<&User>) {
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
    let user_agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(200)
        .collect();
    Event {
        actor: actor.to_string(),
        action: action.to_string(),
        target: target.to_string(),
        outcome: outcome.to_string(),
        client_ip: state
            .client_ip(req)
            .map(|ip| ip.to_string())
            .unwrap_or_default(),
        user_agent,
        detail: String::new(),
    }
}

/// The user if the password is right and the account may sign in now.
async fn authenticate(
    state: Arc<AppState>,
    login: String,
    password: String,
) -> Result<Option<User>, AppError> {
    let user = state
        .store
        .run(move |conn| users::find_by_login(conn, &login))
        .await?;
    let permit = state
        .hashing
        .acquire()
        .await
        .map_err(|e| AppError::Internal(format!("password check: {e}")))?;
    let hasher_state = Arc::clone(&state);
    let verified = tokio::task::spawn_blocking(move || {
        let hasher = &hasher_state.hasher;
        match user {
            None => {
                hasher.verify_dummy(&password);
                None
            }
            Some(user) => match hasher.verify(&password, &user.password_hash) {
                Verification::Match { needs_rehash } => {
                    let rehashed = needs_rehash.then(|| hasher.hash(&password).ok()).flatten();
                    Some((user, rehashed))
                }
                Verification::Mismatch => None,
            },
        }
    })
    .await
    .map_err(|e| AppError::Internal(format!("password check: {e}")))?;
    drop(permit);
    let Some((user, rehashed)) = verified else {
        return Ok(None);
    };
    // Checked after the hash, so that disabled and locked accounts cost the same time.
    if user.disabled || user.locked_until.is_some_and(|until| until > unix_now()) {
        return Ok(None);
    }
    if let Some(hash) = rehashed {
        let id = user.id.clone();
        state
            .store
            .run(move |conn| users::update_password_hash(conn, &id, &hash))
            .await?;
    }
    Ok(Some(user))
}

#[derive(serde::Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    req: String,
    csrf: Option<String>,
    ticket: String,
    #[serde(default)]
    code: String,
}

/// The second step of a sign-in with two factors.
pub async fn submit_code(
    req: HttpRequest,
    form: web::Form<CodeForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if !csrf::verify(&state, &req, form.csrf.as_deref()) {
        return Err(super::csrf_refused());
    }
    let user = ticket_user(&state, second_factor::TICKET_PURPOSE, &form.ticket).await?;
    // A lock set meanwhile refuses every code, with the same answer as a wrong one.
    let locked = user.locked_until.is_some_and(|until| until > unix_now());
    let proof = if locked {
        None
    } else {
        second_factor::verify_code(&state, &user, &form.code).await?
    };
    match proof {
        Some(Proof::Totp) | Some(Proof::BackupCode) => {
            crate::metrics::signin(true);
            finish(&req, &state, &user, "pwd otp", &form.req).await
        }
        None => {
            crate::metrics::signin(false);
            failed(&req, &state, &user.username, Some(&user)).await;
            let user = ticket_user_by_id(&state, &user.id).await?;
            second_factor::login_code_page(
                &req,
                &state,
                &user,
                &form.req,
                Some("That code is not valid."),
            )
        }
    }
}

pub(super) async fn ticket_user(
    state: &AppState,
    purpose: &str,
    text: &str,
) -> Result<User, AppError> {
    let (parsed, mac) = ticket::parse(text).ok_or_else(super::csrf_refused)?;
    let user = ticket_user_by_id(state, &parsed.user_id).await?;
    if ticket::check(state, purpose, &parsed, &mac, &user) {
        Ok(user)
    } else {
        Err(super::csrf_refused())
    }
}

async fn ticket_user_by_id(state: &AppState, id: &str) -> Result<User, AppError> {
    let id = id.to_string();
    state
        .store
        .run(move |conn| users::get(conn, &id))
        .await?
        .filter(|u| !u.disabled)
        .ok_or_else(super::csrf_refused)
}

/// Every factor is in: a one-time password is exchanged for the person's own, then the session
/// starts.
async fn finish(
    req: &HttpRequest,
    state: &AppState,
    user: &User,
    amr: &str,
    pending_id: &str,
) -> Result<HttpResponse, AppError> {
    let id = user.id.clone();
    state
        .store
        .run(move |conn| users::record_success(conn, &id))
        .await?;
    state
        .audit(event(req, state, &user.id, "login", &user.id, "success"))
        .await;
    tracing::info!(event = "login", user_id = %user.id, amr);
    if user.must_change_password {
        return password_change::page(req, state, user, amr, pending_id, None);
    }
    sign_in(req, state, &user.id, amr, pending_id).await
}

pub(super) async fn sign_in(
    req: &HttpRequest,
    state: &AppState,
    user_id: &str,
    amr: &str,
    pending_id: &str,
) -> Result<HttpResponse, AppError> {
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
    let mut response = see_other(&after_sign_in_url(pending_id));
    response
        .add_cookie(&session::cookie(state, value))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(response)
}
