//! The console's pages and forms. Every form carries the CSRF token; sensitive actions also ask
//! for the admin's own password again; every action is recorded in the audit trail.

mod audit;
mod charts;
mod client;
mod clients;
mod clock;
mod invitations;
mod keys;
mod overview;
mod registration_tokens;
mod security;
mod upstreams;
mod user;
mod user_passkeys;
mod user_security;
mod users;

pub use audit::*;
pub use client::*;
pub use clients::*;
pub use clock::{choose_time_zone, time_zone_page, ViewerClock};
pub use invitations::*;
pub use keys::*;
pub use overview::*;
pub use registration_tokens::*;
pub use security::*;
pub use upstreams::*;
pub use user::*;
pub use user_passkeys::*;
pub use user_security::*;
pub use users::*;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use askama::Template;

use super::{Actor, Permission};
use crate::crypto::password::Verification;
use crate::crypto::secrets::random_token;
use crate::error::AppError;
use crate::ops::{self, OpsError};
use crate::state::AppState;
use crate::store::AnyConnection;
pub(crate) use crate::web::csrf::{csrf_forms, Posted};
use crate::web::{csrf, see_other, session, with_cookie};

pub fn forbidden() -> AppError {
    AppError::page(
        StatusCode::FORBIDDEN,
        "Not allowed",
        "Your roles do not allow this.",
    )
}

fn bad_request(message: impl Into<String>) -> AppError {
    AppError::page(StatusCode::BAD_REQUEST, "Not done", message)
}

/// The signed-in person, if the sign-in is recent; otherwise the way to the login page.
pub async fn authenticate(state: &AppState, req: &HttpRequest) -> Result<Actor, HttpResponse> {
    let signed_in = match session::current(state, req).await {
        Ok(Some(signed_in)) => signed_in,
        Ok(None) => return Err(see_other("/login?next=/admin")),
        Err(e) => return Err(e.error_response()),
    };
    if !crate::web::session::is_recent(state, &signed_in.session) {
        return Err(see_other("/login?next=/admin"));
    }
    Ok(Actor {
        id: signed_in.user.id.clone(),
        roles: signed_in.user.roles.clone(),
        session_id_hash: Some(signed_in.session.id_hash.clone()),
        user: Some(signed_in.user),
        ceiling: None,
    })
}

/// Runs an operation as the console's actor (audited inside, with this request's address).
/// One that ended sessions may have queued logout tokens: the sender is woken after it.
async fn act<T: Send + 'static>(
    state: &AppState,
    req: &HttpRequest,
    actor: &Actor,
    op: impl FnOnce(&mut AnyConnection, &ops::Context) -> Result<T, OpsError> + Send + 'static,
) -> Result<T, OpsError> {
    let mut ctx = state.ops_context(req, &actor.id);
    ctx.acting_user = actor.user.as_ref().map(|u| u.id.clone());
    let done = state.store.run(move |conn| op(conn, &ctx)).await;
    if done.is_ok() {
        state.deliveries_queued();
    }
    done
}

/// A sensitive action: the admin types their own password again; a wrong one is audited as a
/// failure of `action` on `target`.
async fn confirm(
    state: &AppState,
    req: &HttpRequest,
    actor: &Actor,
    password: &str,
    (action, target): (&'static str, &str),
) -> Result<(), AppError> {
    let Some(user) = actor.user.as_ref() else {
        return Err(forbidden());
    };
    let verified = state
        .verify_password(password, Some(&user.password_hash))
        .await?;
    if matches!(verified, Verification::Match { .. }) {
        return Ok(());
    }
    let ctx = state.ops_context(req, &actor.id);
    let target = target.to_string();
    state
        .store
        .run(move |conn| {
            ctx.record(conn, action, &target, "failure");
            Ok::<_, crate::store::StoreError>(())
        })
        .await?;
    Err(AppError::page(
        StatusCode::FORBIDDEN,
        "Password needed",
        "Enter your own password to confirm this action.",
    ))
}

/// A sensitive operation: [`confirm`], then [`act`].
async fn confirmed<T: Send + 'static>(
    state: &AppState,
    req: &HttpRequest,
    actor: &Actor,
    password: &str,
    audited_as: (&'static str, &str),
    op: impl FnOnce(&mut AnyConnection, &ops::Context) -> Result<T, OpsError> + Send + 'static,
) -> Result<T, AppError> {
    confirm(state, req, actor, password, audited_as).await?;
    Ok(act(state, req, actor, op).await?)
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// The navigation every console page shows.
pub struct Nav {
    pub who: String,
    pub roles: String,
    pub users: bool,
    pub clients: bool,
    pub audit: bool,
    pub keys: bool,
    pub csrf: String,
    /// The viewer's time zone, named in the navigation (a link to change it).
    pub zone: String,
}

fn nav(
    state: &AppState,
    req: &HttpRequest,
    actor: &Actor,
) -> (Nav, Option<actix_web::cookie::Cookie<'static>>) {
    let token = csrf::issue(state, req);
    let who = actor
        .user
        .as_ref()
        .map(|u| u.username.clone())
        .unwrap_or_else(|| actor.id.clone());
    (
        Nav {
            who,
            roles: actor.roles.clone(),
            users: actor.may(Permission::UsersRead),
            clients: actor.may(Permission::ClientsRead),
            audit: actor.may(Permission::AuditRead),
            keys: actor.may(Permission::ApiKeys),
            csrf: token.form_value,
            zone: ViewerClock::of(req).name().to_string(),
        },
        token.cookie,
    )
}

fn page(
    state: &AppState,
    req: &HttpRequest,
    actor: &Actor,
    build: impl FnOnce(Nav) -> Result<String, askama::Error>,
) -> Result<HttpResponse, AppError> {
    page_with_status(state, req, actor, StatusCode::OK, build)
}

/// A console page answering `status` (a refused form shown again with its error).
fn page_with_status(
    state: &AppState,
    req: &HttpRequest,
    actor: &Actor,
    status: StatusCode,
    build: impl FnOnce(Nav) -> Result<String, askama::Error>,
) -> Result<HttpResponse, AppError> {
    let (nav, cookie) = nav(state, req, actor);
    let body = build(nav).map_err(AppError::failed)?;
    let response = HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(body);
    with_cookie(response, cookie)
}

// ----------------------------------------------------------------------------------------------
// Shown once, notices and the small forms several subjects share

#[derive(Template)]
#[template(path = "admin_once.html")]
struct OncePage {
    nav: Nav,
    title: String,
    message: String,
    label: String,
    value: String,
    back: String,
}

/// The status and words a refused form is shown again with; a failure of ours stays an error.
fn refusal(err: impl Into<AppError>) -> Result<(StatusCode, String), AppError> {
    match err.into() {
        AppError::Page {
            status, message, ..
        } if status.is_client_error() => Ok((status, sentence(&message))),
        other => Err(other),
    }
}

/// `a name has …` → `A name has ….`
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

#[allow(clippy::too_many_arguments)]
fn once(
    state: &AppState,
    req: &HttpRequest,
    actor: &Actor,
    title: &str,
    message: &str,
    label: &str,
    value: String,
    back: String,
) -> Result<HttpResponse, AppError> {
    page(state, req, actor, |nav| {
        OncePage {
            nav,
            title: title.into(),
            message: message.into(),
            label: label.into(),
            value,
            back,
        }
        .render()
    })
}

/// A one-time password that meets every password rule.
fn temporary_password() -> String {
    random_token::<18>()
}

#[derive(serde::Deserialize)]
pub struct NoticeQuery {
    #[serde(default)]
    done: String,
}

fn notice(code: &str) -> Option<&'static str> {
    Some(match code {
        "profile" => "Profile saved.",
        "disabled" => "The account is disabled and its sessions ended.",
        "enabled" => "The account is enabled.",
        "unlocked" => "The account is unlocked.",
        "totp" => "Two-step sign-in is reset.",
        "passkey" => "The passkey was removed.",
        "roles" => "Roles saved.",
        "sessions" => "Sessions ended.",
        "rotated" => "The secret was rotated.",
        "saved" => "Settings saved.",
        "revoked" => "The key was revoked.",
        "time-zone" => "Times are now shown in your time zone.",
        "acknowledged" => "The incident is acknowledged.",
        "resolved" => "The incident is resolved.",
        "blocked" => "The address is blocked on every node.",
        "lifted" => "The block is lifted on every node.",
        _ => return None,
    })
}

#[derive(serde::Deserialize)]
pub struct CsrfOnly {
    csrf: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct ConfirmForm {
    csrf: Option<String>,
    #[serde(default)]
    password: String,
}

#[derive(serde::Deserialize)]
pub struct DeleteForm {
    csrf: Option<String>,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

csrf_forms!(CsrfOnly, ConfirmForm, DeleteForm);

#[cfg(test)]
mod tests {
    #[test]
    fn temporary_passwords_are_long() {
        assert!(super::temporary_password().len() >= 20);
    }
}
