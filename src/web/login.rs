//! The login page. Unknown user, wrong password, locked and disabled accounts get the same
//! words, status and work (a dummy hash is verified when the user is unknown). A right password
//! alone grants no session when the account has a second factor, or must choose a new password.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::passkey::credentials::offered as passkey_offered;
use super::second_factor::{self, Proof};
use super::signin::{
    failed, failed_attempt, sign_in, ticket_user_by_id, ticket_user_with_amr, LOCAL_DESTINATIONS,
};
use super::{csrf, password_change, render, render_with_passkeys, with_cookie};
use crate::crypto::password::Verification;
use crate::error::AppError;
use crate::oidc::authorize::pending;
use crate::state::AppState;
use crate::store::users::{self, User};
use crate::store::{second_factor_demands, unix_now};

/// The catalog message for any failed sign-in.
pub const LOGIN_FAILED: &str = crate::msg!("login-failed");
/// The right password of an account that must reset it before signing in again.

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    client_name: &'a str,
    req: &'a str,
    csrf: &'a str,
    username: &'a str,
    error: Option<&'a str>,
    /// Mail is configured, so the reset link is offered.
    forgot: bool,
    /// Passkeys work here (the issuer is a domain): the passkey button and its script.
    passkeys: bool,
    /// People may sign up here, so the sign-up link is offered.
    signup: bool,
    /// One button each: the upstream providers people may sign in with.
    upstreams: Vec<UpstreamButton>,
}

struct UpstreamButton {
    id: String,
    display_name: String,
}

/// The name of what the person signs in to (and the client's login hint): a pending request of
/// this browser, or our own pages.
async fn destination(
    state: &AppState,
    req: &HttpRequest,
    pending_id: &str,
) -> Result<(String, String), AppError> {
    if pending_id.is_empty() || LOCAL_DESTINATIONS.contains(&pending_id) {
        return Ok((crate::i18n::t("login-your-account"), String::new()));
    }
    let pending = pending::load(state, req, pending_id).await?;
    let hint = pending.request.login_hint.unwrap_or_default();
    Ok((pending.request.client.name, hint))
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
    let (client_name, hint) = destination(&state, &req, &pending_id).await?;
    login_page(
        &req,
        &state,
        StatusCode::OK,
        &client_name,
        &pending_id,
        &hint,
        None,
    )
    .await
}

async fn login_page(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    client_name: &str,
    pending_id: &str,
    username: &str,
    error: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let upstreams = state
        .store
        .run(crate::store::upstream::providers)
        .await?
        .into_iter()
        .map(|p| UpstreamButton {
            id: p.id,
            display_name: p.display_name,
        })
        .collect();
    let token = csrf::issue(state, req);
    let page = LoginPage {
        upstreams,
        client_name,
        req: pending_id,
        csrf: &token.form_value,
        username,
        error,
        forgot: state.mail.is_some(),
        passkeys: state.webauthn.is_some(),
        signup: super::signup::is_open(state),
    };
    let rendered = if page.passkeys {
        render_with_passkeys(status, &page)?
    } else {
        render(status, &page)?
    };
    with_cookie(rendered, token.cookie)
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
    let (client_name, _) = destination(&state, &req, &form.req).await?;
    let password = form.password;
    let user = authenticate(Arc::clone(&state), form.username.clone(), password.clone()).await?;
    let Some(user) = user else {
        crate::metrics::signin(false);
        failed_attempt(&req, &state, &form.username, None, Some(&password)).await;
        return login_page(
            &req,
            &state,
            StatusCode::UNAUTHORIZED,
            &client_name,
            &form.req,
            &form.username,
            Some(&crate::i18n::t(LOGIN_FAILED)),
        )
        .await;
    };
    if user.totp_enabled {
        return second_factor::login_code_page(&req, &state, &user, &form.req, "pwd", None).await;
    }
    if demands_second_factor(&state, &user).await? {
        // An incident's remediation: the password alone is not enough this time.
        if !user.must_change_password && passkey_offered(&state, &user).await? {
            return second_factor::login_code_page(&req, &state, &user, &form.req, "pwd", None)
                .await;
        }
        // No second factor to ask for. The answer is a wrong password's, word for word and
        // counted as one, so that whoever holds a leaked pair does not learn that it is right;
        // the owner is mailed a reset link (when there is mail), which meets the demand.
        crate::metrics::signin(false);
        let mut entry = super::signin::event(&req, &state, &user.id, "login", &user.id, "failure");
        entry.detail = "a second factor is demanded and the account has none".into();
        state.audit(entry).await;
        failed_attempt(&req, &state, &form.username, Some(&user), Some(&password)).await;
        super::recovery::offer_reset(&state, &req, &user).await;
        return login_page(
            &req,
            &state,
            StatusCode::UNAUTHORIZED,
            &client_name,
            &form.req,
            &form.username,
            Some(&crate::i18n::t(LOGIN_FAILED)),
        )
        .await;
    }
    crate::metrics::signin(true);
    finish(&req, &state, &user, "pwd", &form.req).await
}

/// Whether an incident demands a second factor at this account's next sign-in.
async fn demands_second_factor(state: &AppState, user: &User) -> Result<bool, AppError> {
    let id = user.id.clone();
    let demand = state
        .store
        .run(move |conn| second_factor_demands::demanded(conn, &id))
        .await?;
    Ok(demand.is_some())
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
    // An unknown name costs the same verification as a known one.
    let stored = user.as_ref().map(|u| u.password_hash.as_str());
    let verified = state.verify_password(&password, stored).await?;
    let (Some(user), Verification::Match { needs_rehash }) = (user, verified) else {
        return Ok(None);
    };
    // Checked after the hash, so that disabled and locked accounts cost the same time.
    if user.disabled || user.locked_until.is_some_and(|until| until > unix_now()) {
        return Ok(None);
    }
    if needs_rehash {
        let hash = state.hash_password(&password).await?;
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
    super::signin::check_destination(&state, &req, &form.req).await?;
    let (user, first_factor) =
        ticket_user_with_amr(&state, second_factor::TICKET_PURPOSE, &form.ticket).await?;
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
            let amr = super::session::with_second_factor(&first_factor);
            finish(&req, &state, &user, &amr, &form.req).await
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
                &first_factor,
                Some(&crate::i18n::t("code-invalid")),
            )
            .await
        }
    }
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
    super::signin::record_success(req, state, user, amr).await?;
    if user.must_change_password {
        return password_change::page(req, state, user, amr, pending_id, None);
    }
    sign_in(req, state, &user.id, amr, pending_id).await
}
