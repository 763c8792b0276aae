//! The login page. Unknown user, wrong password and disabled account get the same words, the
//! same status and the same work (a dummy hash is verified when the user is unknown).

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{csrf, render, see_other, session};
use crate::accounts::{self, AccountError};
use crate::app::AppState;
use crate::crypto::password::Verification;
use crate::crypto::secrets::{b64url, constant_time_eq, hmac_sha256};
use crate::error::AppError;
use crate::oidc::authorize::load_pending;
use crate::store::unix_now;
use crate::store::users::{self, User};

pub const LOGIN_FAILED: &str = "Incorrect username or password.";
/// How long the forced password change after a one-time password may take.
const TICKET_TTL_SECS: i64 = 600;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    client_name: &'a str,
    req: &'a str,
    csrf: &'a str,
    username: &'a str,
    error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "password_change.html")]
struct PasswordChangePage<'a> {
    req: &'a str,
    csrf: &'a str,
    ticket: &'a str,
    min_length: usize,
    error: Option<&'a str>,
}

#[derive(serde::Deserialize)]
pub struct LoginQuery {
    req: String,
}

pub async fn show(
    req: HttpRequest,
    query: web::Query<LoginQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let ((request, id), _) = load_pending(&state, query.into_inner().req).await?;
    let hint = request.login_hint.as_deref().unwrap_or("");
    login_page(
        &req,
        &state,
        StatusCode::OK,
        &request.client.name,
        &id,
        hint,
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

fn with_cookie(
    mut response: HttpResponse,
    cookie: Option<actix_web::cookie::Cookie<'static>>,
) -> Result<HttpResponse, AppError> {
    if let Some(cookie) = cookie {
        response
            .add_cookie(&cookie)
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(response)
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
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
    let ((request, pending_id), _) = load_pending(&state, form.req).await?;
    let user = authenticate(Arc::clone(&state), form.username.clone(), form.password).await?;
    let Some(user) = user else {
        tracing::info!(event = "login_failed", client_id = %request.client.id);
        let name = &request.client.name;
        return login_page(
            &req,
            &state,
            StatusCode::UNAUTHORIZED,
            name,
            &pending_id,
            &form.username,
            Some(LOGIN_FAILED),
        );
    };
    tracing::info!(event = "login", user_id = %user.id, client_id = %request.client.id);
    if user.must_change_password {
        return password_change_page(&req, &state, &user, &pending_id, None);
    }
    sign_in(&req, &state, &user.id, &pending_id).await
}

/// The user if the password is right and the account may sign in.
async fn authenticate(
    state: Arc<AppState>,
    login: String,
    password: String,
) -> Result<Option<User>, AppError> {
    let user = state
        .store
        .run(move |conn| users::find_by_login(conn, &login))
        .await?;
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
    let Some((user, rehashed)) = verified else {
        return Ok(None);
    };
    // Checked after the hash, so that a disabled account costs the same time as any other.
    if user.disabled {
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

async fn sign_in(
    req: &HttpRequest,
    state: &AppState,
    user_id: &str,
    pending_id: &str,
) -> Result<HttpResponse, AppError> {
    let previous = req
        .cookie(session::SESSION_COOKIE)
        .map(|c| c.value().to_string());
    let user_id = user_id.to_string();
    let absolute = state.config.settings.session.absolute_secs;
    let value = state
        .store
        .run(move |conn| {
            session::start(
                conn,
                absolute,
                previous.as_deref(),
                &user_id,
                "pwd",
                unix_now(),
            )
        })
        .await?;
    let mut response = see_other(&format!("/authorize/resume?req={pending_id}"));
    response
        .add_cookie(&session::cookie(state, value))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(response)
}

fn ticket_mac(state: &AppState, user: &User, expires: i64) -> String {
    let data = format!(
        "password-change|{}|{expires}|{}",
        user.id, user.password_hash
    );
    b64url(&hmac_sha256(&state.csrf_key, data.as_bytes()))
}

/// A one-time password is exchanged for one of the person's own before any session starts. The
/// ticket names the user and is bound to the current password hash, so it works once.
fn password_change_page(
    req: &HttpRequest,
    state: &AppState,
    user: &User,
    pending_id: &str,
    error: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let expires = unix_now() + TICKET_TTL_SECS;
    let ticket = format!("{}.{expires}.{}", user.id, ticket_mac(state, user, expires));
    let token = csrf::issue(state, req);
    let page = PasswordChangePage {
        req: pending_id,
        csrf: &token.form_value,
        ticket: &ticket,
        min_length: state.config.settings.password.min_length,
        error,
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    with_cookie(render(status, &page)?, token.cookie)
}

#[derive(serde::Deserialize)]
pub struct PasswordChangeForm {
    req: String,
    csrf: Option<String>,
    ticket: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn change_password(
    req: HttpRequest,
    form: web::Form<PasswordChangeForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if !csrf::verify(&state, &req, form.csrf.as_deref()) {
        return Err(super::csrf_refused());
    }
    let ((_, pending_id), _) = load_pending(&state, form.req).await?;
    let mut parts = form.ticket.splitn(3, '.');
    let (user_id, expires, mac) = match (parts.next(), parts.next(), parts.next()) {
        (Some(u), Some(e), Some(m)) => {
            (u.to_string(), e.parse::<i64>().unwrap_or(0), m.to_string())
        }
        _ => return Err(super::csrf_refused()),
    };
    let user = state
        .store
        .run(move |conn| users::get(conn, &user_id))
        .await?
        .filter(|u| !u.disabled && u.must_change_password)
        .filter(|u| {
            expires > unix_now()
                && constant_time_eq(ticket_mac(&state, u, expires).as_bytes(), mac.as_bytes())
        })
        .ok_or_else(super::csrf_refused)?;
    if form.new_password != form.confirm_password {
        return password_change_page(
            &req,
            &state,
            &user,
            &pending_id,
            Some("The two passwords differ."),
        );
    }
    let min_length = state.config.settings.password.min_length;
    if let Err(AccountError::Invalid(why)) = accounts::check_password(
        &form.new_password,
        min_length,
        &user.username,
        user.email.as_deref(),
    ) {
        return password_change_page(&req, &state, &user, &pending_id, Some(&why));
    }
    let hasher_state = Arc::clone(&state);
    let (target, password) = (user.clone(), form.new_password);
    tokio::task::spawn_blocking(move || {
        let mut conn = hasher_state.store.conn()?;
        accounts::set_password(
            &mut conn,
            &hasher_state.hasher,
            min_length,
            &target,
            &password,
            unix_now(),
        )
        .map_err(|e| AppError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| AppError::Internal(format!("password change: {e}")))??;
    tracing::info!(event = "password_changed", user_id = %user.id);
    sign_in(&req, &state, &user.id, &pending_id).await
}
