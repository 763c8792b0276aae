//! The second factor: enrolling an authenticator (a secret to scan, then a first code), turning
//! it off, and making a new set of backup codes (shown once).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{
    account_page, looks_like_totp, password_is_right, throttle, Person, PersonPost, Shown,
    ACCOUNT_PATH,
};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::sessions;
use crate::web::second_factor::{self, Enrolment, Proof};
use crate::web::session;
use crate::web::signin::event;
use crate::web::{csrf, render, see_other, with_cookie};

/// The catalog message for a wrong code.
const CODE_INVALID: &str = crate::msg!("code-invalid");
/// Sign in again, then back to the account page.
const REAUTHENTICATE: &str = "/login?next=/account";

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
    Person(signed_in): Person,
) -> Result<HttpResponse, AppError> {
    if signed_in.user.totp_enabled {
        // A new secret would replace the one in use: turn it off first.
        return Ok(see_other(ACCOUNT_PATH));
    }
    // Whoever holds an old session (a stolen cookie, say) must not bind their own authenticator.
    if !session::is_recent(&state, &signed_in.session) {
        return Ok(see_other(REAUTHENTICATE));
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

crate::web::csrf::csrf_forms!(CodeForm);

/// `POST /account/totp`: the first code turns the second factor on; the backup codes are shown
/// once.
pub async fn totp_confirm(
    req: HttpRequest,
    PersonPost { signed_in, form }: PersonPost<CodeForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let user = &signed_in.user;
    if user.totp_enabled {
        return Ok(see_other(ACCOUNT_PATH));
    }
    if !session::is_recent(&state, &signed_in.session) {
        return Ok(see_other(REAUTHENTICATE));
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
        let enrolment = second_factor::enrolment_view(user, &secret);
        return enrolment_page(&req, &state, enrolment, Some(&crate::i18n::t(CODE_INVALID)));
    };
    // The person has just proved the second factor in this session.
    let id_hash = signed_in.session.id_hash.clone();
    let amr = crate::web::session::with_second_factor(&signed_in.session.amr);
    state
        .store
        .run(move |conn| sessions::set_amr(conn, &id_hash, &amr))
        .await?;
    codes_page(&crate::i18n::t("account-totp-on-title"), codes)
}

#[derive(serde::Deserialize)]
pub struct DisableForm {
    csrf: Option<String>,
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
}

crate::web::csrf::csrf_forms!(DisableForm);

/// `POST /account/totp/disable`: a current code, or the password, turns the second factor off.
pub async fn totp_disable(
    req: HttpRequest,
    PersonPost { signed_in, form }: PersonPost<DisableForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
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
        let right = password_is_right(&state, &user, &password).await?;
        (right, crate::msg!("password-wrong"))
    } else {
        (false, crate::msg!("account-totp-off-proof"))
    };
    if !proved {
        let shown = Shown {
            factor: Some(crate::i18n::t(why)),
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
    PersonPost { signed_in, form }: PersonPost<CodeForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
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
            factor: Some(crate::i18n::t("account-totp-current-code")),
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
    codes_page(&crate::i18n::t("account-new-codes-title"), codes)
}
