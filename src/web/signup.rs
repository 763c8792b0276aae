//! Sign-up: a person makes their own account with a username, an email address and a
//! password, when `registration.enabled` and mail is set up. The answer ("check your mailbox")
//! is the same page, status and work whether the username or address is taken: the form is
//! checked and the password hashed in every case, and what the request leads to (an account and
//! a verification link, a mail to the address's owner, or a mail saying the username is taken)
//! is decided and mailed in the background, after the answer.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{csrf, csrf_refused, render, with_cookie};
use crate::accounts::{self, NewUser};
use crate::crypto::secrets::{random_token, sha256_hex};
use crate::error::AppError;
use crate::mail::self_service;
use crate::ops::{self, registration};
use crate::state::AppState;
use crate::store::users;
use crate::telemetry::mask_email;

#[derive(Template)]
#[template(path = "signup.html")]
struct SignupPage<'a> {
    csrf: &'a str,
    username: &'a str,
    email: &'a str,
    min_length: usize,
    domains: &'a [String],
    error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "signup_sent.html")]
struct SignupSent;

/// Whether people may sign up here: it is enabled, and mail can carry the links.
pub fn is_open(state: &AppState) -> bool {
    state.config.settings.registration.enabled && state.mail.is_some()
}

fn closed(state: &AppState) -> Result<(), AppError> {
    if is_open(state) {
        Ok(())
    } else {
        Err(AppError::shown(
            StatusCode::NOT_FOUND,
            "error-not-available-title",
            "error-signup-closed-message",
        ))
    }
}

fn form_page(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    form: &SignupForm,
    error: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let token = csrf::issue(state, req);
    let page = SignupPage {
        csrf: &token.form_value,
        username: &form.username,
        email: &form.email,
        min_length: state.config.settings.password.min_length,
        domains: &state.config.settings.registration.allowed_email_domains,
        error,
    };
    with_cookie(render(status, &page)?, token.cookie)
}

pub async fn page(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    closed(&state)?;
    form_page(&req, &state, StatusCode::OK, &SignupForm::default(), None)
}

#[derive(Default, serde::Deserialize)]
pub struct SignupForm {
    csrf: Option<String>,
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// The account the form asks for, or what is wrong with it (the same for taken and free
/// names: only the form itself is judged here).
fn checked(state: &AppState, form: &SignupForm) -> Result<NewUser, String> {
    let username = accounts::normalize_username(&form.username).map_err(|e| e.to_string())?;
    let email =
        accounts::normalize_email(&form.email).map_err(|_| crate::i18n::t("email-invalid"))?;
    let registration = &state.config.settings.registration;
    let domain = email.rsplit_once('@').map_or("", |(_, d)| d);
    if !registration.allows_domain(domain) {
        return Err(crate::i18n::t1(
            "signup-domains-only",
            "domains",
            registration.allowed_email_domains.join(", "),
        ));
    }
    let min_length = state.config.settings.password.min_length;
    accounts::check_password(&form.password, min_length, &username, Some(&email))
        .map_err(|e| e.to_string())?;
    Ok(NewUser {
        username,
        email: Some(email),
        name: None,
        roles: Vec::new(),
        must_change_password: false,
        email_verified: false,
    })
}

pub async fn submit(
    req: HttpRequest,
    form: web::Form<SignupForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    closed(&state)?;
    let form = form.into_inner();
    if !csrf::verify(&state, &req, form.csrf.as_deref()) {
        return Err(csrf_refused());
    }
    let new = match checked(&state, &form) {
        Ok(new) => new,
        Err(why) => {
            return form_page(&req, &state, StatusCode::BAD_REQUEST, &form, Some(&why));
        }
    };
    let email = new.email.clone().unwrap_or_default();
    let limit = state.config.settings.rate_limit.signup_per_address;
    super::limit_per_address(&state, "signup-address", &email, limit).await?;
    // Hashed whatever follows, so that a taken name or address costs the same time.
    let password_hash = state.hash_password(&form.password).await?;
    let ctx = state.ops_context(&req, "self-service");
    let background = state.clone().into_inner();
    actix_web::rt::spawn(crate::i18n::in_this_language(async move {
        if let Err(e) = settle(&background, ctx, new, email, password_hash).await {
            tracing::warn!(error = %e, "could not settle a sign-up");
        }
    }));
    render(StatusCode::OK, &SignupSent)
}

/// Decides what the sign-up leads to and queues its mail. Runs after the answer was sent.
async fn settle(
    state: &Arc<AppState>,
    ctx: ops::Context,
    new: NewUser,
    email: String,
    password_hash: String,
) -> Result<(), AppError> {
    let (by_email, by_name) = (email.clone(), new.username.clone());
    let (owner, name_taken) = state
        .store
        .run(move |conn| {
            let owner = users::find_by_login(conn, &by_email)?;
            let name_taken = users::find_by_login(conn, &by_name)?.is_some();
            Ok::<_, crate::store::StoreError>((owner, name_taken))
        })
        .await?;
    let issuer = state.config.issuer.clone();
    let masked = mask_email(&email);
    if let Some(owner) = owner {
        if owner.disabled {
            tracing::info!(to = %masked, "sign-up with the address of a disabled account");
            return Ok(());
        }
        let token = random_token::<32>();
        let link = state.config.url(&format!("/login/reset?token={token}"));
        let mail = self_service::signup_attempt(&email, &issuer, &owner.username, &link)
            .map_err(AppError::failed)?;
        let sealed = state.seal_mail(&mail)?;
        let token_hash = sha256_hex(token.as_bytes());
        state
            .store
            .run(move |conn| {
                registration::notify_email_taken(conn, &ctx, &owner, &token_hash, &sealed)
            })
            .await?;
        tracing::info!(to = %masked, "sign-up with a taken address: its owner was told");
    } else if name_taken {
        let link = state.config.url("/signup");
        let mail = self_service::username_taken(&email, &issuer, &new.username, &link)
            .map_err(AppError::failed)?;
        let sealed = state.seal_mail(&mail)?;
        state
            .store
            .run(move |conn| registration::notify_username_taken(conn, &ctx, &masked, &sealed))
            .await?;
    } else {
        let token = random_token::<32>();
        let link = state.config.url(&format!("/verify-email?token={token}"));
        let mail = self_service::verify_account(&email, &issuer, &new.username, &link)
            .map_err(AppError::failed)?;
        let sealed = state.seal_mail(&mail)?;
        let token_hash = sha256_hex(token.as_bytes());
        let user = state
            .store
            .run(move |conn| {
                registration::register(conn, &ctx, new, password_hash, &token_hash, &sealed)
            })
            .await?;
        tracing::info!(event = "signup", user_id = %user.id, to = %masked);
    }
    state.mail_queued();
    Ok(())
}
