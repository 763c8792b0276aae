//! Forgot password: from the login page, a person asks for a link by email address, then sets
//! a new password through it. The answer to the request is the same page, status and timing
//! whatever the address: the request path only checks the form and the limits, and the lookup,
//! the link and the mail happen in the background after the answer. The link (a random token,
//! stored as its digest) works once, for 30 minutes; using it signs nobody in.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{csrf, csrf_refused, render, with_cookie};
use crate::accounts;
use crate::crypto::secrets::{random_token, sha256_hex};
use crate::error::AppError;
use crate::mail::templates;
use crate::ops::{self, password_reset};
use crate::state::AppState;
use crate::store::users::{self, User};
use crate::store::{password_resets, unix_now};
use crate::telemetry::mask_email;

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage<'a> {
    csrf: &'a str,
}

#[derive(Template)]
#[template(path = "forgot_sent.html")]
struct ForgotSent;

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage<'a> {
    csrf: &'a str,
    token: &'a str,
    username: &'a str,
    min_length: usize,
    error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "reset_done.html")]
struct ResetDone;

fn mail_off(state: &AppState) -> Result<(), AppError> {
    match state.mail {
        Some(_) => Ok(()),
        None => Err(AppError::shown(
            StatusCode::NOT_FOUND,
            "error-not-available-title",
            "error-reset-off-message",
        )),
    }
}

fn link_invalid() -> AppError {
    AppError::shown(
        StatusCode::BAD_REQUEST,
        "error-link-title",
        "error-reset-link-message",
    )
}

pub async fn forgot_page(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    mail_off(&state)?;
    let token = csrf::issue(&state, &req);
    let page = ForgotPage {
        csrf: &token.form_value,
    };
    with_cookie(render(StatusCode::OK, &page)?, token.cookie)
}

#[derive(serde::Deserialize)]
pub struct ForgotForm {
    csrf: Option<String>,
    #[serde(default)]
    email: String,
}

pub async fn forgot_submit(
    req: HttpRequest,
    form: web::Form<ForgotForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    mail_off(&state)?;
    let form = form.into_inner();
    if !csrf::verify(&state, &req, form.csrf.as_deref()) {
        return Err(csrf_refused());
    }
    let email = accounts::normalize_email(&form.email).map_err(|_| {
        AppError::shown(
            StatusCode::BAD_REQUEST,
            "error-not-email-title",
            "error-not-email-message",
        )
    })?;
    let limit = state.config.settings.rate_limit.recovery_per_address;
    super::limit_per_address(&state, "recovery-address", &email, limit).await?;
    let ctx = state.ops_context(&req, "self-service");
    let background = state.clone().into_inner();
    actix_web::rt::spawn(crate::i18n::in_this_language(async move {
        if let Err(e) = send_link(&background, ctx, email).await {
            tracing::warn!(error = %e, "could not queue a password reset mail");
        }
    }));
    render(StatusCode::OK, &ForgotSent)
}

/// Mails `user` a password reset link in the background, as "Forgot your password?" would, when
/// mail is set up and the account has an address, within the per-address limit of reset mails.
pub async fn offer_reset(state: &web::Data<AppState>, req: &HttpRequest, user: &User) {
    let Some(email) = user.email.clone() else {
        return;
    };
    if state.mail.is_none() {
        return;
    }
    let limit = state.config.settings.rate_limit.recovery_per_address;
    if super::limit_per_address(state, "recovery-address", &email, limit)
        .await
        .is_err()
    {
        return;
    }
    let ctx = state.ops_context(req, "system");
    let background = state.clone().into_inner();
    actix_web::rt::spawn(crate::i18n::in_this_language(async move {
        if let Err(e) = send_link(&background, ctx, email).await {
            tracing::warn!(error = %e, "could not queue a password reset mail");
        }
    }));
}

/// Looks the address up and, for an enabled account that has it, stores a link and queues the
/// mail. Runs after the answer was sent.
async fn send_link(
    state: &Arc<AppState>,
    ctx: ops::Context,
    email: String,
) -> Result<(), AppError> {
    let lookup = email.clone();
    let user = state
        .store
        .run(move |conn| users::find_by_login(conn, &lookup))
        .await?
        .filter(|u| !u.disabled && u.email.as_deref() == Some(email.as_str()));
    let Some(user) = user else {
        tracing::info!(to = %mask_email(&email), "password reset asked for an unknown address");
        return Ok(());
    };
    let token = random_token::<32>();
    let token_hash = sha256_hex(token.as_bytes());
    let link = state.config.url(&format!("/login/reset?token={token}"));
    let mail =
        templates::password_reset(&email, &state.config.issuer, &link).map_err(AppError::failed)?;
    let sealed = state.seal_mail(&mail)?;
    state
        .store
        .run(move |conn| password_reset::issue(conn, &ctx, &user.id, &token_hash, &sealed))
        .await?;
    state.mail_queued();
    Ok(())
}

/// The account a link is for, if it still works.
async fn link_user(state: &AppState, token: &str) -> Result<User, AppError> {
    let token_hash = sha256_hex(token.as_bytes());
    let user = state
        .store
        .run(move |conn| {
            let Some(user_id) = password_resets::peek(conn, &token_hash, unix_now())? else {
                return Ok(None);
            };
            users::get(conn, &user_id)
        })
        .await?;
    user.filter(|u| !u.disabled).ok_or_else(link_invalid)
}

#[derive(serde::Deserialize)]
pub struct ResetQuery {
    #[serde(default)]
    token: String,
}

pub async fn reset_page(
    req: HttpRequest,
    query: web::Query<ResetQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    mail_off(&state)?;
    let user = link_user(&state, &query.token).await?;
    reset_form(&req, &state, &query.token, &user, StatusCode::OK, None)
}

fn reset_form(
    req: &HttpRequest,
    state: &AppState,
    token: &str,
    user: &User,
    status: StatusCode,
    error: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let csrf_token = csrf::issue(state, req);
    let page = ResetPage {
        csrf: &csrf_token.form_value,
        token,
        username: &user.username,
        min_length: state.config.settings.password.min_length,
        error,
    };
    with_cookie(render(status, &page)?, csrf_token.cookie)
}

#[derive(serde::Deserialize)]
pub struct ResetForm {
    csrf: Option<String>,
    #[serde(default)]
    token: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn reset_submit(
    req: HttpRequest,
    form: web::Form<ResetForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    mail_off(&state)?;
    let form = form.into_inner();
    if !csrf::verify(&state, &req, form.csrf.as_deref()) {
        return Err(csrf_refused());
    }
    let user = link_user(&state, &form.token).await?;
    let refuse = |why: &str| {
        reset_form(
            &req,
            &state,
            &form.token,
            &user,
            StatusCode::BAD_REQUEST,
            Some(why),
        )
    };
    if form.new_password != form.confirm_password {
        return refuse(&crate::i18n::t("passwords-differ"));
    }
    let min_length = state.config.settings.password.min_length;
    if let Err(accounts::AccountError::Invalid(why)) = accounts::check_password(
        &form.new_password,
        min_length,
        &user.username,
        user.email.as_deref(),
    ) {
        return refuse(&why);
    }
    let hash = state.hash_password(&form.new_password).await?;
    let notice = match &user.email {
        Some(email) => Some(
            state.seal_mail(
                &templates::password_changed(email, &state.config.issuer, &user.username)
                    .map_err(AppError::failed)?,
            )?,
        ),
        None => None,
    };
    let ctx = state.ops_context(&req, &user.id);
    let (user_id, token_hash) = (user.id.clone(), sha256_hex(form.token.as_bytes()));
    let done = state
        .store
        .run(move |conn| {
            password_reset::complete(conn, &ctx, &user_id, &token_hash, &hash, notice.as_ref())
        })
        .await?;
    if !done {
        return Err(link_invalid());
    }
    state.mail_queued();
    state.deliveries_queued();
    render(StatusCode::OK, &ResetDone)
}
