//! The self-service account page: the person's details, a password change, the second factor
//! (enrolment, new backup codes, turning it off), their sessions and the apps they allowed.
//! Every form carries the CSRF token; every change needs a live session, and changes that touch
//! a credential need a current secret (the password or a code).

mod access;
mod passkey;
mod password;
mod profile;
mod totp;
mod upstream;

pub use access::*;
pub use passkey::*;
pub use password::*;
pub use profile::*;
pub use totp::*;
pub use upstream::*;

use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use askama::Template;

use super::session::{self, SignedIn};
use super::{csrf, render, render_with_passkeys, see_other, with_cookie};
use crate::crypto::password::Verification;
use crate::error::AppError;
use crate::security::rate_limit::Decision;
use crate::state::AppState;
use crate::store::users::User;
use crate::store::{backup_codes, clients, consents, passkeys, sessions, unix_now, StoreError};
use crate::web::csrf::CsrfForm;

pub const ACCOUNT_PATH: &str = "/account";

/// One browser session as the account page lists it.
struct SessionRow {
    sid: String,
    created: String,
    last_seen: String,
    two_factor: bool,
    current: bool,
}

/// One of the person's passkeys.
struct PasskeyRow {
    id: String,
    name: String,
    created: String,
    last_used: String,
    /// Synchronised between devices (backed up), or bound to one.
    synced: bool,
}

/// One app the person allowed.
struct ConsentRow {
    client_id: String,
    client_name: String,
    scopes: Vec<&'static str>,
}

/// An upstream identity linked to the account.
struct LinkRow {
    provider_id: String,
    provider_name: String,
    subject: String,
    /// The upstream email, or its subject when it had none.
    shown_as: String,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage<'a> {
    csrf: &'a str,
    username: &'a str,
    name: &'a str,
    email: &'a str,
    email_verified: bool,
    /// Mail is configured: the address can be changed (and proved) here.
    mail: bool,
    min_length: usize,
    totp_enabled: bool,
    backup_codes_left: i64,
    passkeys: Vec<PasskeyRow>,
    /// Removing a passkey without the password needs a fresh sign-in.
    recent_sign_in: bool,
    /// Passkeys work here (the issuer is a domain): adding one, and its script.
    passkeys_available: bool,
    sessions: Vec<SessionRow>,
    consents: Vec<ConsentRow>,
    links: Vec<LinkRow>,
    notice: Option<&'a str>,
    profile_error: Option<&'a str>,
    password_error: Option<&'a str>,
    factor_error: Option<&'a str>,
    passkey_error: Option<&'a str>,
}

/// Errors shown in one section of the account page.
/// What the account page says besides its content, in the request's language.
#[derive(Default)]
struct Shown {
    notice: Option<String>,
    profile: Option<String>,
    password: Option<String>,
    factor: Option<String>,
    passkey: Option<String>,
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
        Err(_) => crate::i18n::t("account-time-unknown"),
    }
}

/// The catalog message that confirms what was just done.
fn notice_for(done: &str) -> Option<&'static str> {
    Some(match done {
        "password" => crate::msg!("account-done-password"),
        "name" => crate::msg!("account-done-name"),
        "email-sent" => crate::msg!("account-done-email-sent"),
        "totp-off" => crate::msg!("account-done-totp-off"),
        "session" => crate::msg!("account-done-session"),
        "consent" => crate::msg!("account-done-consent"),
        "passkey" => crate::msg!("account-done-passkey"),
        "passkey-removed" => crate::msg!("account-done-passkey-removed"),
        "unlinked" => crate::msg!("account-done-unlinked"),
        _ => return None,
    })
}

async fn account_page(
    req: &HttpRequest,
    state: &AppState,
    signed_in: &SignedIn,
    status: StatusCode,
    shown: Shown,
) -> Result<HttpResponse, AppError> {
    let user = &signed_in.user;
    let (user_id, current_sid) = (user.id.clone(), signed_in.session.sid.clone());
    let idle = state.config.settings.session.idle_secs;
    let (listed, allowed, backup_codes_left, keys, links) = state
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
                    two_factor: crate::oidc::amr::is_multi_factor(&s.amr),
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
                let mut scopes: Vec<&'static str> = consent
                    .scope
                    .split_whitespace()
                    .map(crate::web::consent::describe)
                    .collect();
                scopes.dedup();
                allowed.push(ConsentRow {
                    client_id: consent.client_id,
                    client_name,
                    scopes,
                });
            }
            let left = backup_codes::remaining(conn, &user_id)?;
            let keys: Vec<PasskeyRow> = passkeys::list_for_user(conn, &user_id)?
                .into_iter()
                .map(|p| PasskeyRow {
                    id: p.id,
                    name: p.name,
                    created: when(p.created_at),
                    last_used: p
                        .last_used_at
                        .map_or_else(|| crate::i18n::t("account-never"), when),
                    synced: p.backup_eligible,
                })
                .collect();
            let links = crate::store::upstream::links_of(conn, &user_id)?
                .into_iter()
                .map(|(link, provider_name)| LinkRow {
                    shown_as: link.email.clone().unwrap_or_else(|| link.subject.clone()),
                    provider_id: link.provider_id,
                    provider_name,
                    subject: link.subject,
                })
                .collect();
            Ok::<_, StoreError>((listed, allowed, left, keys, links))
        })
        .await?;
    let token = csrf::issue(state, req);
    let page = AccountPage {
        csrf: &token.form_value,
        username: &user.username,
        name: user.name.as_deref().unwrap_or(""),
        email: user.email.as_deref().unwrap_or(""),
        email_verified: user.email_verified,
        mail: state.mail.is_some(),
        min_length: state.config.settings.password.min_length,
        totp_enabled: user.totp_enabled,
        backup_codes_left,
        passkeys: keys,
        recent_sign_in: session::is_recent(state, &signed_in.session),
        passkeys_available: state.webauthn.is_some(),
        sessions: listed,
        consents: allowed,
        links,
        notice: shown.notice.as_deref(),
        profile_error: shown.profile.as_deref(),
        password_error: shown.password.as_deref(),
        factor_error: shown.factor.as_deref(),
        passkey_error: shown.passkey.as_deref(),
    };
    let rendered = if page.passkeys_available {
        render_with_passkeys(status, &page)?
    } else {
        render(status, &page)?
    };
    with_cookie(rendered, token.cookie)
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
    Person(signed_in): Person,
) -> Result<HttpResponse, AppError> {
    let shown = Shown {
        notice: notice_for(&query.done).map(crate::i18n::t),
        ..Shown::default()
    };
    account_page(&req, &state, &signed_in, StatusCode::OK, shown).await
}

type Pending<T> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, actix_web::Error>>>>;

/// Without a live session, the account pages send the browser to sign in.
fn to_login() -> actix_web::Error {
    actix_web::error::InternalError::from_response("not signed in", see_other("/login")).into()
}

/// The person signed in: a handler taking it runs only with a live session (otherwise a 303
/// to the login page).
pub struct Person(pub SignedIn);

impl FromRequest for Person {
    type Error = actix_web::Error;
    type Future = Pending<Person>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(AppError::no_state)?;
            match session::current(state, &req).await? {
                Some(signed_in) => Ok(Person(signed_in)),
                None => Err(to_login()),
            }
        })
    }
}

/// A posted account form: the CSRF token first (403, and nothing changes), then the session
/// (a 303 to the login page without one).
pub struct PersonPost<F> {
    pub signed_in: SignedIn,
    pub form: F,
}

impl<F: serde::de::DeserializeOwned + CsrfForm + 'static> FromRequest for PersonPost<F> {
    type Error = actix_web::Error;
    type Future = Pending<PersonPost<F>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let posted = super::csrf::Posted::<F>::from_request(req, payload);
        let person = Person::from_request(req, payload);
        Box::pin(async move {
            let super::csrf::Posted(form) = posted.await?;
            let Person(signed_in) = person.await?;
            Ok(PersonPost { signed_in, form })
        })
    }
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
        Decision::Limited { retry_after } => Err(actix_web::ResponseError::error_response(
            &AppError::TooMany {
                retry_after,
                oauth: false,
            },
        )),
    }
}

/// Whether `password` is the person's, checked through the shared per-core hasher.
async fn password_is_right(
    state: &AppState,
    user: &User,
    password: &str,
) -> Result<bool, AppError> {
    if password.is_empty() {
        return Ok(false);
    }
    let verified = state
        .verify_password(password, Some(&user.password_hash))
        .await?;
    Ok(matches!(verified, Verification::Match { .. }))
}

/// A code shaped like a TOTP code (six digits), so that a backup code is never used up where
/// only the authenticator will do.
fn looks_like_totp(code: &str) -> bool {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    code.len() == 6 && code.chars().all(|c| c.is_ascii_digit())
}
