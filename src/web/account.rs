//! The self-service account page: the person's details, a password change, the second factor
//! (enrolment, new backup codes, turning it off), their sessions and the apps they allowed.
//! Every form carries the CSRF token; every change needs a live session, and changes that touch
//! a credential need a current secret (the password or a code).

use std::sync::Arc;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::login::event;
use super::second_factor::{self, Enrolment, Proof};
use super::session::{self, SignedIn};
use super::{csrf, render, see_other, with_cookie};
use crate::accounts::{self, AccountError};
use crate::app::AppState;
use crate::crypto::password::Verification;
use crate::error::AppError;
use crate::security::rate_limit::Decision;
use crate::store::users::User;
use crate::store::{
    backup_codes, clients, consents, grants, sessions, unix_now, write_transaction, StoreError,
};

pub const ACCOUNT_PATH: &str = "/account";
const CODE_INVALID: &str = "That code is not valid.";

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

#[derive(Template)]
#[template(path = "account_totp.html")]
struct EnrolmentPage<'a> {
    csrf: &'a str,
    enrolment: Enrolment,
    error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "account_codes.html")]
struct CodesPage<'a> {
    heading: &'a str,
    codes: Vec<String>,
}

/// Errors shown in one section of the account page.
#[derive(Default)]
struct Shown<'a> {
    notice: Option<&'a str>,
    password: Option<&'a str>,
    factor: Option<&'a str>,
}

fn password_error(why: &str) -> Shown<'_> {
    Shown {
        password: Some(why),
        ..Shown::default()
    }
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

fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !out.ends_with('.') {
        out.push('.');
    }
    out
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

#[derive(serde::Deserialize)]
pub struct PasswordForm {
    csrf: Option<String>,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// What can go wrong inside the password change's transaction.
enum ChangeError {
    Account(AccountError),
    Store(StoreError),
}

impl From<diesel::result::Error> for ChangeError {
    fn from(err: diesel::result::Error) -> Self {
        ChangeError::Store(err.into())
    }
}

impl From<StoreError> for ChangeError {
    fn from(err: StoreError) -> Self {
        ChangeError::Store(err)
    }
}

/// `POST /account/password`: the current password, then the new one twice. The other sessions
/// end and every grant is revoked, in one transaction with the change.
pub async fn change_password(
    req: HttpRequest,
    form: web::Form<PasswordForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let signed_in = match signed_in_for_post(&state, &req, form.csrf.as_deref()).await? {
        Ok(signed_in) => signed_in,
        Err(redirect) => return Ok(redirect),
    };
    let user = signed_in.user.clone();
    if let Err(limited) = throttle(&state, &user).await {
        return Ok(limited);
    }
    let state_arc: Arc<AppState> = Arc::clone(&state);
    if !password_is_right(&state_arc, &user, form.current_password).await? {
        state
            .audit(event(
                &req,
                &state,
                &user.id,
                "password_changed",
                &user.id,
                "failure",
            ))
            .await;
        return account_page(
            &req,
            &state,
            &signed_in,
            StatusCode::UNAUTHORIZED,
            password_error("Your current password is not right."),
        )
        .await;
    }
    if form.new_password != form.confirm_password {
        return account_page(
            &req,
            &state,
            &signed_in,
            StatusCode::BAD_REQUEST,
            password_error("The two new passwords differ."),
        )
        .await;
    }
    let min_length = state.config.settings.password.min_length;
    if let Err(AccountError::Invalid(why)) = accounts::check_password(
        &form.new_password,
        min_length,
        &user.username,
        user.email.as_deref(),
    ) {
        return account_page(
            &req,
            &state,
            &signed_in,
            StatusCode::BAD_REQUEST,
            password_error(&sentence(&why)),
        )
        .await;
    }
    let keep = signed_in.session.id_hash.clone();
    let (target, password) = (user.clone(), form.new_password);
    let worker = Arc::clone(&state_arc);
    let changed = tokio::task::spawn_blocking(move || {
        let mut conn = worker.store.conn().map_err(ChangeError::Store)?;
        write_transaction(&mut conn, |conn| {
            let now = unix_now();
            accounts::set_password(conn, &worker.hasher, min_length, &target, &password, now)
                .map_err(ChangeError::Account)?;
            let ended = sessions::delete_others(conn, &target.id, &keep)?;
            let revoked = grants::revoke_all_for_user(conn, &target.id, now)?;
            Ok::<_, ChangeError>((ended, revoked))
        })
    })
    .await
    .map_err(|e| AppError::Internal(format!("password change: {e}")))?;
    let (ended, revoked) = match changed {
        Ok(counts) => counts,
        Err(ChangeError::Account(AccountError::Invalid(why))) => {
            return account_page(
                &req,
                &state,
                &signed_in,
                StatusCode::BAD_REQUEST,
                password_error(&sentence(&why)),
            )
            .await;
        }
        Err(ChangeError::Account(e)) => return Err(AppError::Internal(e.to_string())),
        Err(ChangeError::Store(e)) => return Err(e.into()),
    };
    let mut changed_event = event(
        &req,
        &state,
        &user.id,
        "password_changed",
        &user.id,
        "success",
    );
    changed_event.detail = format!("{ended} other sessions ended, {revoked} grants revoked");
    state.audit(changed_event).await;
    tracing::info!(event = "password_changed", user_id = %user.id, ended, revoked);
    Ok(see_other("/account?done=password"))
}

fn enrolment_page(
    req: &HttpRequest,
    state: &AppState,
    enrolment: Enrolment,
    error: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let token = csrf::issue(state, req);
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    let page = EnrolmentPage {
        csrf: &token.form_value,
        enrolment,
        error,
    };
    with_cookie(render(status, &page)?, token.cookie)
}

fn codes_page(heading: &str, codes: Vec<String>) -> Result<HttpResponse, AppError> {
    render(StatusCode::OK, &CodesPage { heading, codes })
}

/// `GET /account/totp`: a new secret to scan (replacing any enrolment not yet confirmed).
pub async fn totp_page(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let Some(signed_in) = session::current(&state, &req).await? else {
        return Ok(see_other("/login"));
    };
    if signed_in.user.totp_enabled {
        // A new secret would replace the one in use: turn it off first.
        return Ok(see_other(ACCOUNT_PATH));
    }
    let enrolment = second_factor::begin_enrolment(&state, &signed_in.user).await?;
    enrolment_page(&req, &state, enrolment, None)
}

#[derive(serde::Deserialize)]
pub struct CodeForm {
    csrf: Option<String>,
    #[serde(default)]
    code: String,
}

/// `POST /account/totp`: the first code turns the second factor on; the backup codes are shown
/// once.
pub async fn totp_confirm(
    req: HttpRequest,
    form: web::Form<CodeForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let signed_in = match signed_in_for_post(&state, &req, form.csrf.as_deref()).await? {
        Ok(signed_in) => signed_in,
        Err(redirect) => return Ok(redirect),
    };
    let user = &signed_in.user;
    if user.totp_enabled {
        return Ok(see_other(ACCOUNT_PATH));
    }
    let Some(secret) = user
        .totp_secret
        .as_deref()
        .and_then(|s| state.open(s, &user.id))
    else {
        return Ok(see_other("/account/totp"));
    };
    if let Err(limited) = throttle(&state, user).await {
        return Ok(limited);
    }
    let Some(codes) = second_factor::confirm_enrolment(&state, user, &form.code).await? else {
        let enrolment = second_factor::enrolment_view(&state, user, &secret);
        return enrolment_page(&req, &state, enrolment, Some(CODE_INVALID));
    };
    // The person has just proved the second factor in this session.
    let id_hash = signed_in.session.id_hash.clone();
    state
        .store
        .run(move |conn| sessions::set_amr(conn, &id_hash, "pwd otp"))
        .await?;
    codes_page("Two-step sign-in is on", codes)
}

#[derive(serde::Deserialize)]
pub struct DisableForm {
    csrf: Option<String>,
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
}

/// `POST /account/totp/disable`: a current code, or the password, turns the second factor off.
pub async fn totp_disable(
    req: HttpRequest,
    form: web::Form<DisableForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let signed_in = match signed_in_for_post(&state, &req, form.csrf.as_deref()).await? {
        Ok(signed_in) => signed_in,
        Err(redirect) => return Ok(redirect),
    };
    let user = signed_in.user.clone();
    if !user.totp_enabled {
        return Ok(see_other(ACCOUNT_PATH));
    }
    if let Err(limited) = throttle(&state, &user).await {
        return Ok(limited);
    }
    let (code, password) = (form.code.trim(), form.password);
    let (proved, why) = if !code.is_empty() {
        let proof = second_factor::verify_code(&state, &user, code).await?;
        (proof.is_some(), CODE_INVALID)
    } else if !password.is_empty() {
        let state_arc: Arc<AppState> = Arc::clone(&state);
        let right = password_is_right(&state_arc, &user, password).await?;
        (right, "That password is not right.")
    } else {
        (
            false,
            "Enter a code from your authenticator, or your password.",
        )
    };
    if !proved {
        let shown = Shown {
            factor: Some(why),
            ..Shown::default()
        };
        return account_page(&req, &state, &signed_in, StatusCode::UNAUTHORIZED, shown).await;
    }
    second_factor::disable(&state, &user, &user.id).await?;
    Ok(see_other("/account?done=totp-off"))
}

/// `POST /account/backup-codes`: a current authenticator code makes a new set; the old set
/// stops working.
pub async fn regenerate_backup_codes(
    req: HttpRequest,
    form: web::Form<CodeForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let signed_in = match signed_in_for_post(&state, &req, form.csrf.as_deref()).await? {
        Ok(signed_in) => signed_in,
        Err(redirect) => return Ok(redirect),
    };
    let user = signed_in.user.clone();
    if !user.totp_enabled {
        return Ok(see_other(ACCOUNT_PATH));
    }
    if let Err(limited) = throttle(&state, &user).await {
        return Ok(limited);
    }
    let proof = if looks_like_totp(&form.code) {
        second_factor::verify_code(&state, &user, &form.code).await?
    } else {
        None
    };
    if proof != Some(Proof::Totp) {
        let shown = Shown {
            factor: Some("Enter the current code from your authenticator app."),
            ..Shown::default()
        };
        return account_page(&req, &state, &signed_in, StatusCode::UNAUTHORIZED, shown).await;
    }
    let codes = second_factor::new_backup_codes(&state, &user.id).await?;
    state
        .audit(event(
            &req,
            &state,
            &user.id,
            "backup_codes_regenerated",
            &user.id,
            "success",
        ))
        .await;
    codes_page("Your new backup codes", codes)
}

#[derive(serde::Deserialize)]
pub struct EndSessionForm {
    csrf: Option<String>,
    #[serde(default)]
    sid: String,
}

/// `POST /account/sessions/end`: ends one of the person's sessions and the grants made in it
/// (except `offline_access` ones). Ending the current one signs this browser out.
pub async fn end_session(
    req: HttpRequest,
    form: web::Form<EndSessionForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let signed_in = match signed_in_for_post(&state, &req, form.csrf.as_deref()).await? {
        Ok(signed_in) => signed_in,
        Err(redirect) => return Ok(redirect),
    };
    let (user_id, sid) = (signed_in.user.id.clone(), form.sid.clone());
    let ended = state
        .store
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let ended = sessions::delete_for_user(conn, &user_id, &sid)?;
                if ended.is_some() {
                    grants::revoke_session_grants(conn, &sid, unix_now())?;
                }
                Ok::<_, StoreError>(ended)
            })
        })
        .await?;
    let Some(ended) = ended else {
        return Ok(see_other(ACCOUNT_PATH));
    };
    let user_id = &signed_in.user.id;
    let mut ended_event = event(&req, &state, user_id, "session_ended", user_id, "success");
    ended_event.detail = format!("sid {}", ended.sid);
    state.audit(ended_event).await;
    if ended.id_hash == signed_in.session.id_hash {
        let mut response = see_other("/login");
        response
            .add_cookie(&session::removal_cookie(&state))
            .map_err(|e| AppError::Internal(e.to_string()))?;
        return Ok(response);
    }
    Ok(see_other("/account?done=session"))
}

#[derive(serde::Deserialize)]
pub struct WithdrawForm {
    csrf: Option<String>,
    #[serde(default)]
    client_id: String,
}

/// `POST /account/consents/withdraw`: forgets the consent and revokes the person's grants to
/// that client (its refresh tokens, and its access tokens at userinfo).
pub async fn withdraw_consent(
    req: HttpRequest,
    form: web::Form<WithdrawForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let signed_in = match signed_in_for_post(&state, &req, form.csrf.as_deref()).await? {
        Ok(signed_in) => signed_in,
        Err(redirect) => return Ok(redirect),
    };
    let (user_id, client_id) = (signed_in.user.id.clone(), form.client_id.clone());
    let withdrawn = state
        .store
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let withdrawn = consents::withdraw(conn, &user_id, &client_id)?;
                grants::revoke_for_user_client(conn, &user_id, &client_id, unix_now())?;
                Ok::<_, StoreError>(withdrawn)
            })
        })
        .await?;
    if !withdrawn {
        return Ok(see_other(ACCOUNT_PATH));
    }
    let user_id = &signed_in.user.id;
    let mut withdrawn_event = event(
        &req,
        &state,
        user_id,
        "consent_withdrawn",
        user_id,
        "success",
    );
    withdrawn_event.detail = format!("client {}", form.client_id);
    state.audit(withdrawn_event).await;
    Ok(see_other("/account?done=consent"))
}
