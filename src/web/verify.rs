//! Email verification: the link from a mail, which proves an address for an account (its own
//! after a sign-up, or a new one asked for on the account page); and the page the
//! authorization pipeline shows a self-registered person whose address is not yet verified,
//! with a way to have the link sent again. Following a link opens a page with one button, so
//! that a mail scanner fetching the link changes nothing.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::signin::{after_sign_in_url, check_destination, login_url};
use super::{csrf, csrf_refused, render, see_other, session, with_cookie};
use crate::crypto::secrets::{random_token, sha256_hex};
use crate::error::AppError;
use crate::mail::self_service;
use crate::ops::email_verification::{self, Confirmed};
use crate::state::AppState;
use crate::store::email_verifications::{self, Purpose, Verification};
use crate::store::unix_now;
use crate::store::users::{self, User};
use crate::telemetry::mask_email;

#[derive(Template)]
#[template(path = "verify.html")]
struct ConfirmPage<'a> {
    csrf: &'a str,
    token: &'a str,
    email: &'a str,
    change: bool,
}

#[derive(Template)]
#[template(path = "verify_done.html")]
struct DonePage<'a> {
    email: &'a str,
    change: bool,
}

#[derive(Template)]
#[template(path = "verify_needed.html")]
struct NeededPage<'a> {
    csrf: &'a str,
    req: &'a str,
    email: &'a str,
    continue_url: &'a str,
    notice: Option<&'a str>,
}

fn link_invalid() -> AppError {
    AppError::shown(
        StatusCode::BAD_REQUEST,
        "error-link-title",
        "error-verify-link-message",
    )
}

/// The link's verification and account, if the link still works.
async fn link(state: &AppState, token: &str) -> Result<(Verification, User), AppError> {
    let token_hash = sha256_hex(token.as_bytes());
    let found = state
        .store
        .run(move |conn| {
            let Some(verification) = email_verifications::peek(conn, &token_hash, unix_now())?
            else {
                return Ok(None);
            };
            let user = users::get(conn, &verification.user_id)?;
            Ok::<_, crate::store::StoreError>(user.map(|u| (verification, u)))
        })
        .await?;
    found
        .filter(|(_, user)| !user.disabled)
        .ok_or_else(link_invalid)
}

#[derive(serde::Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    token: String,
}

/// `GET /verify-email?token=…`: what the link proves, and a button to confirm it.
pub async fn confirm_page(
    req: HttpRequest,
    query: web::Query<LinkQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (verification, _) = link(&state, &query.token).await?;
    let token = csrf::issue(&state, &req);
    let page = ConfirmPage {
        csrf: &token.form_value,
        token: &query.token,
        email: &verification.email,
        change: verification.purpose == Purpose::Change,
    };
    with_cookie(render(StatusCode::OK, &page)?, token.cookie)
}

#[derive(serde::Deserialize)]
pub struct ConfirmForm {
    csrf: Option<String>,
    #[serde(default)]
    token: String,
}

/// `POST /verify-email`: uses the link once.
pub async fn confirm(
    req: HttpRequest,
    form: web::Form<ConfirmForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if !csrf::verify(&state, &req, form.csrf.as_deref()) {
        return Err(csrf_refused());
    }
    let (verification, user) = link(&state, &form.token).await?;
    let change = verification.purpose == Purpose::Change;
    // A change is told to the address it replaces, whose owner may not have asked for it.
    let notice = match (&user.email, change, &state.mail) {
        (Some(old), true, Some(_)) => Some(
            state.seal_mail(
                &self_service::email_changed(
                    old,
                    &state.config.issuer,
                    &user.username,
                    &mask_email(&verification.email),
                )
                .map_err(AppError::failed)?,
            )?,
        ),
        _ => None,
    };
    let ctx = state.ops_context(&req, &user.id);
    let token_hash = sha256_hex(form.token.as_bytes());
    let checked = verification.clone();
    let outcome = state
        .store
        .run(move |conn| {
            email_verification::confirm(conn, &ctx, &token_hash, &checked, notice.as_ref())
        })
        .await?;
    match outcome {
        Confirmed::Done => {
            state.mail_queued();
            tracing::info!(event = "email_verified", user_id = %user.id, change);
            let page = DonePage {
                email: &verification.email,
                change,
            };
            render(StatusCode::OK, &page)
        }
        Confirmed::LinkInvalid => Err(link_invalid()),
        Confirmed::AddressTaken => Err(AppError::shown(
            StatusCode::CONFLICT,
            "error-address-taken-title",
            "error-address-taken-message",
        )),
    }
}

/// Whether `user` must verify their address before signing in to a client: a self-registered
/// account whose address is not verified, while `registration.require_verified_email`.
pub async fn must_verify(state: &AppState, user: &User) -> Result<bool, AppError> {
    if user.email_verified || !state.config.settings.registration.require_verified_email {
        return Ok(false);
    }
    let id = user.id.clone();
    Ok(state
        .store
        .run(move |conn| crate::store::self_registrations::is_self_registered(conn, &id))
        .await?)
}

#[derive(serde::Deserialize)]
pub struct NeededQuery {
    #[serde(default)]
    req: String,
}

/// `GET /login/verify-email?req=…`: the pipeline's step for an unverified address.
pub async fn needed_page(
    req: HttpRequest,
    query: web::Query<NeededQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    needed(&req, &state, &query.req, None).await
}

async fn needed(
    req: &HttpRequest,
    state: &AppState,
    pending_id: &str,
    notice: Option<&str>,
) -> Result<HttpResponse, AppError> {
    check_destination(state, req, pending_id).await?;
    let Some(signed_in) = session::current(state, req).await? else {
        return Ok(see_other(&login_url(pending_id)));
    };
    let continue_url = after_sign_in_url(pending_id);
    let user = &signed_in.user;
    let Some(email) = user.email.as_deref().filter(|_| !user.email_verified) else {
        return Ok(see_other(&continue_url));
    };
    let token = csrf::issue(state, req);
    let page = NeededPage {
        csrf: &token.form_value,
        req: pending_id,
        email,
        continue_url: &continue_url,
        notice,
    };
    with_cookie(render(StatusCode::OK, &page)?, token.cookie)
}

#[derive(serde::Deserialize)]
pub struct ResendForm {
    csrf: Option<String>,
    #[serde(default)]
    req: String,
}

/// `POST /login/verify-email`: a new link to the signed-in person's unverified address.
pub async fn resend(
    req: HttpRequest,
    form: web::Form<ResendForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if !csrf::verify(&state, &req, form.csrf.as_deref()) {
        return Err(csrf_refused());
    }
    check_destination(&state, &req, &form.req).await?;
    let Some(signed_in) = session::current(&state, &req).await? else {
        return Ok(see_other(&login_url(&form.req)));
    };
    let user = signed_in.user;
    let Some(email) = user.email.clone().filter(|_| !user.email_verified) else {
        return Ok(see_other(&after_sign_in_url(&form.req)));
    };
    if state.mail.is_none() {
        return Err(AppError::shown(
            StatusCode::NOT_FOUND,
            "error-not-available-title",
            "error-verify-mail-off-message",
        ));
    }
    let limit = state.config.settings.rate_limit.signup_per_address;
    crate::web::limit_per_address(&state, "signup-address", &email, limit).await?;
    send_link(&state, &req, &user, email, Purpose::Account).await?;
    needed(
        &req,
        &state,
        &form.req,
        Some(&crate::i18n::t("verify-link-resent")),
    )
    .await
}

/// Stores a new link proving `email` for `user` and queues the mail carrying it (to `email`).
pub async fn send_link(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    email: String,
    purpose: Purpose,
) -> Result<(), AppError> {
    let token = random_token::<32>();
    let link = state.config.url(&format!("/verify-email?token={token}"));
    let issuer = &state.config.issuer;
    let mail = match purpose {
        Purpose::Account => self_service::verify_account(&email, issuer, &user.username, &link),
        Purpose::Change => self_service::verify_new_email(&email, issuer, &user.username, &link),
    }
    .map_err(AppError::failed)?;
    let sealed = state.seal_mail(&mail)?;
    let verification = Verification {
        user_id: user.id.clone(),
        email,
        purpose,
    };
    let ctx = state.ops_context(req, &user.id);
    let token_hash = sha256_hex(token.as_bytes());
    state
        .store
        .run(move |conn| email_verification::issue(conn, &ctx, &verification, &token_hash, &sealed))
        .await?;
    state.mail_queued();
    Ok(())
}
