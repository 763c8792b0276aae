//! The second factor: TOTP codes (each accepted once, on every node) or single-use backup codes;
//! enrolment, which turns on only after a correct code; and the pages that ask for a code at
//! sign-in and when a client requires two factors (offering the account's passkeys beside, or
//! instead of an enrolment; their ceremony is in `web/passkey`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::passkey::credentials::offered as passkey_offered;
use super::{csrf, render, see_other, session, signin, ticket, with_cookie};
use crate::crypto::secrets::{random_bytes, sha256_hex};
use crate::crypto::totp;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::audit::Event;
use crate::store::users::{self, User};
use crate::store::{backup_codes, sessions, unix_now, StoreError};

pub const BACKUP_CODES: usize = 10;
pub const TICKET_PURPOSE: &str = "second-factor";

/// Which factor a code proved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    Totp,
    BackupCode,
}

/// Checks a TOTP code (claiming its time step) or else a backup code (using it up).
pub async fn verify_code(
    state: &AppState,
    user: &User,
    code: &str,
) -> Result<Option<Proof>, AppError> {
    let secret = user
        .totp_secret
        .as_deref()
        .and_then(|sealed| state.open(sealed, &user.id));
    let step = secret.and_then(|s| totp::matching_step(&s, code, unix_now()));
    let (user_id, code) = (user.id.clone(), normalize_backup_code(code));
    let proof = state
        .store
        .run(move |conn| {
            if let Some(step) = step {
                return Ok::<_, StoreError>(
                    users::claim_totp_step(conn, &user_id, step)?.then_some(Proof::Totp),
                );
            }
            let hash = sha256_hex(code.as_bytes());
            Ok(backup_codes::consume(conn, &user_id, &hash, unix_now())?
                .then_some(Proof::BackupCode))
        })
        .await?;
    if proof == Some(Proof::BackupCode) {
        let remaining = {
            let id = user.id.clone();
            state
                .store
                .run(move |conn| backup_codes::remaining(conn, &id))
                .await?
        };
        state
            .audit(Event {
                actor: user.id.clone(),
                action: "backup_code_used".into(),
                target: user.id.clone(),
                outcome: "success".into(),
                detail: format!("{remaining} left"),
                ..Event::default()
            })
            .await;
    }
    Ok(proof)
}

fn normalize_backup_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase()
}

/// Ten new backup codes (shown once); the old set stops working.
pub async fn new_backup_codes(state: &AppState, user_id: &str) -> Result<Vec<String>, AppError> {
    let codes: Vec<String> = (0..BACKUP_CODES)
        .map(|_| {
            let bytes = random_bytes::<5>();
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            format!("{}-{}", &hex[..5], &hex[5..])
        })
        .collect();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| sha256_hex(normalize_backup_code(c).as_bytes()))
        .collect();
    let id = user_id.to_string();
    state
        .store
        .run(move |conn| backup_codes::replace(conn, &id, &hashes))
        .await?;
    Ok(codes)
}

/// What an enrolment page shows: a QR code of the otpauth URI and the secret as text.
pub struct Enrolment {
    pub qr: String,
    pub secret: String,
}

/// Starts (or restarts) enrolment with a fresh secret, stored sealed and not yet enabled.
pub async fn begin_enrolment(state: &AppState, user: &User) -> Result<Enrolment, AppError> {
    let secret = totp::new_secret();
    let sealed = state.seal(&secret, &user.id)?;
    let id = user.id.clone();
    state
        .store
        .run(move |conn| users::set_totp_secret(conn, &id, Some(&sealed), false))
        .await?;
    Ok(enrolment_view(user, &secret))
}

pub fn enrolment_view(user: &User, secret: &[u8]) -> Enrolment {
    // The authenticator app lists the account under this label: the name people know.
    let issuer = crate::web::brand::product_name();
    let uri = totp::otpauth_uri(secret, issuer, &user.username).unwrap_or_default();
    Enrolment {
        qr: totp::qr_data_uri(&uri).unwrap_or_default(),
        secret: totp::base32(secret),
    }
}

/// Turns the second factor on if `code` is right for the pending secret; returns backup codes.
pub async fn confirm_enrolment(
    state: &AppState,
    user: &User,
    code: &str,
) -> Result<Option<Vec<String>>, AppError> {
    if user.totp_enabled || verify_code(state, user, code).await? != Some(Proof::Totp) {
        return Ok(None);
    }
    let id = user.id.clone();
    state
        .store
        .run(move |conn| users::enable_totp(conn, &id))
        .await?;
    let codes = new_backup_codes(state, &user.id).await?;
    state
        .audit(Event {
            actor: user.id.clone(),
            action: "totp_enrolled".into(),
            target: user.id.clone(),
            outcome: "success".into(),
            ..Event::default()
        })
        .await;
    Ok(Some(codes))
}

pub async fn disable(state: &AppState, user: &User, actor: &str) -> Result<(), AppError> {
    let id = user.id.clone();
    state
        .store
        .run(move |conn| {
            users::set_totp_secret(conn, &id, None, false)?;
            backup_codes::remove_all(conn, &id)
        })
        .await?;
    state
        .audit(Event {
            actor: actor.to_string(),
            action: "totp_disabled".into(),
            target: user.id.clone(),
            outcome: "success".into(),
            ..Event::default()
        })
        .await;
    Ok(())
}

#[derive(Template)]
#[template(path = "second_factor.html")]
struct CodePage<'a> {
    action: &'a str,
    req: &'a str,
    csrf: &'a str,
    ticket: &'a str,
    enrolment: Option<Enrolment>,
    backup_codes: Vec<String>,
    continue_to: &'a str,
    error: Option<&'a str>,
    /// The code form (a code, or the first code of an enrolment) is offered.
    code_form: bool,
    /// The account has passkeys, one of which may be used instead of a code.
    passkey: bool,
}

/// Renders a code page; with a passkey button it runs static/passkey.js.
fn render_code_page(status: StatusCode, page: &CodePage<'_>) -> Result<HttpResponse, AppError> {
    if page.passkey {
        super::render_with_passkeys(status, page)
    } else {
        render(status, page)
    }
}

/// The code page of a sign-in whose first factor passed: `first_factor` is `pwd` (the password
/// was right) or `fed` (an upstream provider vouched); the ticket carries it.
pub async fn login_code_page(
    req: &HttpRequest,
    state: &AppState,
    user: &User,
    pending_id: &str,
    first_factor: &str,
    error: Option<&str>,
) -> Result<HttpResponse, AppError> {
    // After a forced password change is owed, a code leads there; a passkey does not.
    let passkey = !user.must_change_password && passkey_offered(state, user).await?;
    let token = csrf::issue(state, req);
    let ticket = ticket::issue(state, TICKET_PURPOSE, user, first_factor);
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    let page = CodePage {
        action: "/login/totp",
        req: pending_id,
        csrf: &token.form_value,
        ticket: &ticket,
        enrolment: None,
        backup_codes: Vec::new(),
        continue_to: "",
        error,
        // Without TOTP the account came here for a demanded second factor: its passkey.
        code_form: user.totp_enabled,
        passkey,
    };
    with_cookie(render_code_page(status, &page)?, token.cookie)
}

#[derive(serde::Deserialize)]
pub struct StepUpQuery {
    #[serde(default)]
    req: String,
}

/// A client requires two factors and the session has one: ask for a code, or enrol first.
pub async fn step_up_page(
    req: HttpRequest,
    query: web::Query<StepUpQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    signin::check_destination(&state, &req, &query.req).await?;
    let Some(signed_in) = session::current(&state, &req).await? else {
        return Ok(see_other(&signin::login_url(&query.req)));
    };
    let passkey = passkey_offered(&state, &signed_in.user).await?;
    // A passkey is a second factor too: no authenticator app needs setting up then.
    let enrolment = if signed_in.user.totp_enabled || passkey {
        None
    } else {
        // Enrolment binds an authenticator to the account: only right after a sign-in.
        if !session::is_recent(&state, &signed_in.session) {
            return Ok(see_other(&signin::login_url(&query.req)));
        }
        Some(begin_enrolment(&state, &signed_in.user).await?)
    };
    let code_form = signed_in.user.totp_enabled || enrolment.is_some();
    let offered = Offered { code_form, passkey };
    step_up_render(&req, &state, &query.req, enrolment, offered, None)
}

/// The ways a step-up page offers to prove the second factor.
#[derive(Clone, Copy)]
struct Offered {
    code_form: bool,
    passkey: bool,
}

fn step_up_render(
    req: &HttpRequest,
    state: &AppState,
    pending_id: &str,
    enrolment: Option<Enrolment>,
    offered: Offered,
    error: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let token = csrf::issue(state, req);
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    let page = CodePage {
        action: "/login/second-factor",
        req: pending_id,
        csrf: &token.form_value,
        ticket: "",
        enrolment,
        backup_codes: Vec::new(),
        continue_to: "",
        error,
        code_form: offered.code_form,
        passkey: offered.passkey,
    };
    with_cookie(render_code_page(status, &page)?, token.cookie)
}

#[derive(serde::Deserialize)]
pub struct StepUpForm {
    #[serde(default)]
    req: String,
    csrf: Option<String>,
    #[serde(default)]
    code: String,
}

pub async fn step_up_submit(
    req: HttpRequest,
    form: web::Form<StepUpForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if !csrf::verify(&state, &req, form.csrf.as_deref()) {
        return Err(super::csrf_refused());
    }
    signin::check_destination(&state, &req, &form.req).await?;
    let Some(signed_in) = session::current(&state, &req).await? else {
        return Ok(see_other(&signin::login_url(&form.req)));
    };
    let user = &signed_in.user;
    let continue_to = signin::after_sign_in_url(&form.req);
    let upgrade = |state: &AppState| {
        let id_hash = signed_in.session.id_hash.clone();
        let amr = session::with_second_factor(&signed_in.session.amr);
        let store = state.store.clone();
        async move {
            store
                .run(move |conn| sessions::set_amr(conn, &id_hash, &amr))
                .await
        }
    };
    if !user.totp_enabled {
        if !session::is_recent(&state, &signed_in.session) {
            return Ok(see_other(&signin::login_url(&form.req)));
        }
        let Some(codes) = confirm_enrolment(&state, user, &form.code).await? else {
            let secret = user
                .totp_secret
                .as_deref()
                .and_then(|s| state.open(s, &user.id));
            let enrolment = secret.map(|s| enrolment_view(user, &s));
            let offered = Offered {
                code_form: enrolment.is_some(),
                passkey: passkey_offered(&state, user).await?,
            };
            return step_up_render(
                &req,
                &state,
                &form.req,
                enrolment,
                offered,
                Some(&crate::i18n::t("code-invalid")),
            );
        };
        upgrade(&state).await?;
        // The backup codes are shown once, before going on.
        let token = csrf::issue(&state, &req);
        let page = CodePage {
            action: "",
            req: &form.req,
            csrf: &token.form_value,
            ticket: "",
            enrolment: None,
            backup_codes: codes,
            continue_to: &continue_to,
            error: None,
            code_form: false,
            passkey: false,
        };
        return with_cookie(render(StatusCode::OK, &page)?, token.cookie);
    }
    if verify_code(&state, user, &form.code).await?.is_none() {
        // Counted like a failed sign-in: towards the lock, delayed, audited.
        signin::failed(&req, &state, &user.username, Some(user)).await;
        let offered = Offered {
            code_form: true,
            passkey: passkey_offered(&state, user).await?,
        };
        return step_up_render(
            &req,
            &state,
            &form.req,
            None,
            offered,
            Some(&crate::i18n::t("code-invalid")),
        );
    }
    upgrade(&state).await?;
    Ok(see_other(&continue_to))
}
