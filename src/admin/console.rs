//! The console's pages and forms. Every form carries the CSRF token; sensitive actions also ask
//! for the admin's own password again; every action is recorded in the audit trail.

use std::sync::Arc;

use actix_web::cookie::time::{Date, Month, OffsetDateTime};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use askama::Template;

use super::{Actor, Permission, ROLES};
use crate::accounts::{self, AccountError, NewUser};
use crate::app::AppState;
use crate::client_registry::{self, ClientError, NewClient};
use crate::crypto::password::Verification;
use crate::crypto::secrets::{hash_secret, random_id, random_token};
use crate::error::AppError;
use crate::store::admin::{self as queries, AuditFilter};
use crate::store::api_keys::{self, ApiKey};
use crate::store::audit::Entry;
use crate::store::clients::{self, Client};
use crate::store::sessions;
use crate::store::users::{self, User};
use crate::store::{unix_now, StoreError};
use crate::web::{csrf, login, second_factor, see_other, session, with_cookie};

/// The console wants a sign-in at most this old; older sessions sign in again.
pub const RECENT_AUTH_SECS: i64 = 15 * 60;
const PAGE_SIZE: i64 = 25;
const AUDIT_LIMIT: i64 = 200;
/// How long a rotated-out client secret keeps working when rotated from the console.
const ROTATION_OVERLAP_SECS: i64 = 0;

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
    if signed_in.session.auth_time + RECENT_AUTH_SECS < unix_now() {
        return Err(see_other("/login?next=/admin"));
    }
    Ok(Actor {
        id: signed_in.user.id.clone(),
        roles: signed_in.user.roles.clone(),
        session_id_hash: Some(signed_in.session.id_hash.clone()),
        user: Some(signed_in.user),
    })
}

fn check_csrf(
    state: &AppState,
    req: &HttpRequest,
    submitted: &Option<String>,
) -> Result<(), AppError> {
    if csrf::verify(state, req, submitted.as_deref()) {
        Ok(())
    } else {
        Err(crate::web::csrf_refused())
    }
}

async fn record(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    action: &str,
    target: &str,
    outcome: &str,
) {
    state
        .audit(login::event(req, state, &actor.id, action, target, outcome))
        .await;
}

/// A sensitive action: the admin types their own password again.
async fn confirm_password(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    actor: &Actor,
    password: &str,
    action: &str,
    target: &str,
) -> Result<(), AppError> {
    let Some(user) = actor.user.clone() else {
        return Err(super::console::forbidden());
    };
    let hasher_state = Arc::clone(state);
    let password = password.to_string();
    let matches = tokio::task::spawn_blocking(move || {
        matches!(
            hasher_state.hasher.verify(&password, &user.password_hash),
            Verification::Match { .. }
        )
    })
    .await
    .map_err(|e| AppError::Internal(format!("password check: {e}")))?;
    if matches {
        return Ok(());
    }
    record(req, state, actor, action, target, "failure").await;
    Err(AppError::page(
        StatusCode::FORBIDDEN,
        "Password needed",
        "Enter your own password to confirm this action.",
    ))
}

fn account_error(err: AccountError) -> AppError {
    match err {
        AccountError::Store(e) => e.into(),
        AccountError::Crypto(e) => e.into(),
        other => bad_request(other.to_string()),
    }
}

fn client_error(err: ClientError) -> AppError {
    match err {
        ClientError::Store(e) => e.into(),
        other => bad_request(other.to_string()),
    }
}

fn not_found(err: StoreError) -> AppError {
    match err {
        StoreError::NotFound => AppError::NotFound,
        other => other.into(),
    }
}

/// `2026-11-18 11:06Z`.
pub fn when(unix: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        Err(_) => unix.to_string(),
    }
}

/// Midnight UTC of a `YYYY-MM-DD` date, or unix seconds as they are.
fn parse_day(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(unix) = text.parse::<i64>() {
        return Some(unix);
    }
    let mut parts = text.splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    let date = Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()?;
    Some(date.midnight().assume_utc().unix_timestamp())
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
    let (nav, cookie) = nav(state, req, actor);
    let body = build(nav).map_err(|e| AppError::Internal(format!("template: {e}")))?;
    let response = HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(body);
    with_cookie(response, cookie)
}

// ----------------------------------------------------------------------------------------------
// Overview

#[derive(Template)]
#[template(path = "admin_home.html")]
struct HomePage {
    nav: Nav,
    users: i64,
    clients: usize,
}

pub async fn home(
    req: HttpRequest,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let (users, clients) = state
        .store
        .run(|conn| Ok::<_, StoreError>((users::count(conn)?, clients::list(conn)?.len())))
        .await?;
    page(&state, &req, &actor, |nav| {
        HomePage {
            nav,
            users,
            clients,
        }
        .render()
    })
}

// ----------------------------------------------------------------------------------------------
// Users

pub struct UserRow {
    pub id: String,
    pub username: String,
    pub name: String,
    pub email: String,
    pub roles: String,
    pub status: String,
}

fn status(user: &User) -> String {
    let mut parts = Vec::new();
    if user.disabled {
        parts.push("disabled");
    } else {
        parts.push("active");
    }
    if user.locked_until.is_some_and(|t| t > unix_now()) {
        parts.push("locked");
    }
    if user.must_change_password {
        parts.push("must change password");
    }
    if user.totp_enabled {
        parts.push("two-step on");
    }
    parts.join(", ")
}

fn row(user: &User) -> UserRow {
    UserRow {
        id: user.id.clone(),
        username: user.username.clone(),
        name: user.name.clone().unwrap_or_default(),
        email: user.email.clone().unwrap_or_default(),
        roles: user.roles.clone(),
        status: status(user),
    }
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    nav: Nav,
    q: String,
    rows: Vec<UserRow>,
    page: i64,
    pages: i64,
    total: i64,
    prev: Option<String>,
    next: Option<String>,
    can_write: bool,
}

#[derive(serde::Deserialize)]
pub struct UsersQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<i64>,
}

fn page_link(q: &str, page: i64) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", q)
        .append_pair("page", &page.to_string())
        .finish();
    format!("/admin/users?{query}")
}

pub async fn users(
    req: HttpRequest,
    query: web::Query<UsersQuery>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let UsersQuery { q, page: number } = query.into_inner();
    let number = number.unwrap_or(1).max(1);
    let search = q.clone();
    let (found, total) = state
        .store
        .run(move |conn| queries::search_users(conn, &search, (number - 1) * PAGE_SIZE, PAGE_SIZE))
        .await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let rows = found.iter().map(row).collect();
    let prev = (number > 1).then(|| page_link(&q, number - 1));
    let next = (number < pages).then(|| page_link(&q, number + 1));
    let can_write = actor.may(Permission::UsersWrite);
    page(&state, &req, &actor, |nav| {
        UsersPage {
            nav,
            q,
            rows,
            page: number,
            pages,
            total,
            prev,
            next,
            can_write,
        }
        .render()
    })
}

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
pub struct CreateUserForm {
    csrf: Option<String>,
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
}

/// Creates a user with a temporary password (shown once) that must be changed at first sign-in.
pub async fn create_user(
    req: HttpRequest,
    form: web::Form<CreateUserForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    check_csrf(&state, &req, &form.csrf)?;
    let user = create_account(&state, &form.username, &form.email, &form.name, None).await;
    let user = match user {
        Ok(created) => created,
        Err(e) => {
            record(
                &req,
                &state,
                &actor,
                "admin_user_create",
                &form.username,
                "failure",
            )
            .await;
            return Err(e);
        }
    };
    record(
        &req,
        &state,
        &actor,
        "admin_user_create",
        &user.0.id,
        "success",
    )
    .await;
    once(
        &state,
        &req,
        &actor,
        "User created",
        &format!("Give {} this temporary password; they choose their own at first sign-in. It is shown only now.", user.0.username),
        "Temporary password",
        user.1,
        format!("/admin/users/{}", user.0.id),
    )
}

/// Validates and creates an account; returns it with its one-time password. `password` is the
/// caller's choice (API), else a temporary one is made. Either way it must be changed at first
/// sign-in.
pub async fn create_account(
    state: &web::Data<AppState>,
    username: &str,
    email: &str,
    name: &str,
    password: Option<String>,
) -> Result<(User, String), AppError> {
    let username = accounts::normalize_username(username).map_err(account_error)?;
    let email = match non_empty(email) {
        Some(e) => Some(accounts::normalize_email(&e).map_err(account_error)?),
        None => None,
    };
    let name = non_empty(name);
    if name.as_ref().is_some_and(|n| n.chars().count() > 200) {
        return Err(bad_request("a name has at most 200 characters"));
    }
    let password = password.unwrap_or_else(temporary_password);
    let worker = Arc::clone(state);
    let secret = password.clone();
    let user = tokio::task::spawn_blocking(move || {
        let mut conn = worker.store.conn().map_err(AppError::from)?;
        let new = NewUser {
            username,
            email,
            name,
            roles: Vec::new(),
            must_change_password: true,
            email_verified: false,
        };
        let min_length = worker.config.settings.password.min_length;
        accounts::create(
            &mut conn,
            &worker.hasher,
            min_length,
            new,
            &secret,
            unix_now(),
        )
        .map_err(account_error)
    })
    .await
    .map_err(|e| AppError::Internal(format!("create user: {e}")))??;
    Ok((user, password))
}

pub struct SessionRow {
    pub sid: String,
    pub created: String,
    pub last_seen: String,
    pub amr: String,
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage {
    nav: Nav,
    user: UserRow,
    name: String,
    email: String,
    locked: bool,
    disabled: bool,
    totp: bool,
    role_choices: Vec<(&'static str, bool)>,
    sessions: Vec<SessionRow>,
    can_write: bool,
    can_roles: bool,
    notice: Option<&'static str>,
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
        "roles" => "Roles saved.",
        "sessions" => "Sessions ended.",
        "rotated" => "The secret was rotated.",
        "revoked" => "The key was revoked.",
        _ => return None,
    })
}

async fn load_user(state: &AppState, id: &str) -> Result<User, AppError> {
    let id = id.to_string();
    state
        .store
        .run(move |conn| users::get(conn, &id))
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn user(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<NoticeQuery>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let user = load_user(&state, &path).await?;
    let id = user.id.clone();
    let list = state
        .store
        .run(move |conn| sessions::list_for_user(conn, &id))
        .await?;
    let now = unix_now();
    let sessions = list
        .into_iter()
        .filter(|s| s.expires_at > now)
        .map(|s| SessionRow {
            sid: s.sid,
            created: when(s.created_at),
            last_seen: when(s.last_seen_at),
            amr: s.amr,
        })
        .collect();
    let role_choices = ROLES.iter().map(|r| (*r, user.has_role(r))).collect();
    let can_write = actor.may(Permission::UsersWrite);
    let can_roles = actor.may(Permission::Roles);
    page(&state, &req, &actor, |nav| {
        UserPage {
            nav,
            user: row(&user),
            name: user.name.clone().unwrap_or_default(),
            email: user.email.clone().unwrap_or_default(),
            locked: user.locked_until.is_some_and(|t| t > now),
            disabled: user.disabled,
            totp: user.totp_enabled,
            role_choices,
            sessions,
            can_write,
            can_roles,
            notice: notice(&query.done),
        }
        .render()
    })
}

fn back_to_user(id: &str, done: &str) -> HttpResponse {
    see_other(&format!("/admin/users/{id}?done={done}"))
}

#[derive(serde::Deserialize)]
pub struct ProfileForm {
    csrf: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
}

pub async fn update_profile(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<ProfileForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    check_csrf(&state, &req, &form.csrf)?;
    let user = load_user(&state, &path).await?;
    let email = match non_empty(&form.email) {
        Some(e) => Some(accounts::normalize_email(&e).map_err(account_error)?),
        None => None,
    };
    let name = non_empty(&form.name);
    if name.as_ref().is_some_and(|n| n.chars().count() > 200) {
        return Err(bad_request("a name has at most 200 characters"));
    }
    let id = user.id.clone();
    let result = state
        .store
        .run(move |conn| {
            queries::update_profile(conn, &id, name.as_deref(), email.as_deref(), unix_now())
        })
        .await;
    match result {
        Ok(()) => {}
        Err(StoreError::Conflict) => {
            record(
                &req,
                &state,
                &actor,
                "admin_user_update",
                &user.id,
                "failure",
            )
            .await;
            return Err(bad_request("another user has that email address"));
        }
        Err(e) => return Err(not_found(e)),
    }
    record(
        &req,
        &state,
        &actor,
        "admin_user_update",
        &user.id,
        "success",
    )
    .await;
    Ok(back_to_user(&user.id, "profile"))
}

#[derive(serde::Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

/// Disables (and signs out everywhere) or enables an account; shared with the API.
pub async fn set_disabled(
    state: &AppState,
    actor: &Actor,
    id: &str,
    disabled: bool,
) -> Result<(), AppError> {
    if disabled && actor.user.as_ref().is_some_and(|u| u.id == id) {
        return Err(bad_request("you cannot disable your own account"));
    }
    let id = id.to_string();
    state
        .store
        .run(move |conn| {
            crate::store::write_transaction(conn, |conn| {
                users::set_disabled(conn, &id, disabled, unix_now())?;
                if disabled {
                    sessions::delete_others(conn, &id, "")?;
                }
                Ok::<_, StoreError>(())
            })
        })
        .await
        .map_err(not_found)
}

pub async fn disable_user(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    check_csrf(&state, &req, &form.csrf)?;
    set_disabled(&state, &actor, &path, true).await?;
    record(&req, &state, &actor, "admin_user_disable", &path, "success").await;
    Ok(back_to_user(&path, "disabled"))
}

pub async fn enable_user(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    check_csrf(&state, &req, &form.csrf)?;
    set_disabled(&state, &actor, &path, false).await?;
    record(&req, &state, &actor, "admin_user_enable", &path, "success").await;
    Ok(back_to_user(&path, "enabled"))
}

pub async fn unlock_user(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    check_csrf(&state, &req, &form.csrf)?;
    let id = path.to_string();
    state
        .store
        .run(move |conn| users::unlock(conn, &id))
        .await
        .map_err(not_found)?;
    record(&req, &state, &actor, "admin_user_unlock", &path, "success").await;
    Ok(back_to_user(&path, "unlocked"))
}

#[derive(serde::Deserialize)]
pub struct ConfirmForm {
    csrf: Option<String>,
    #[serde(default)]
    password: String,
}

pub async fn reset_password(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<ConfirmForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    check_csrf(&state, &req, &form.csrf)?;
    let user = load_user(&state, &path).await?;
    confirm_password(
        &req,
        &state,
        &actor,
        &form.password,
        "admin_user_password_reset",
        &user.id,
    )
    .await?;
    let temporary = temporary_password();
    let worker = Arc::clone(&state);
    let (id, secret) = (user.id.clone(), temporary.clone());
    tokio::task::spawn_blocking(move || {
        let hash = worker.hasher.hash(&secret)?;
        let mut conn = worker.store.conn()?;
        crate::store::write_transaction(&mut conn, |conn| {
            users::set_password(conn, &id, &hash, true, unix_now())?;
            users::unlock(conn, &id)?;
            sessions::delete_others(conn, &id, "")?;
            Ok::<_, StoreError>(())
        })?;
        Ok::<_, AppError>(())
    })
    .await
    .map_err(|e| AppError::Internal(format!("password reset: {e}")))??;
    record(
        &req,
        &state,
        &actor,
        "admin_user_password_reset",
        &user.id,
        "success",
    )
    .await;
    once(
        &state,
        &req,
        &actor,
        "Password reset",
        &format!(
            "{}'s sessions are ended. Give them this temporary password; they choose their own at next sign-in. It is shown only now.",
            user.username
        ),
        "Temporary password",
        temporary,
        format!("/admin/users/{}", user.id),
    )
}

pub async fn reset_totp(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<ConfirmForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    check_csrf(&state, &req, &form.csrf)?;
    let user = load_user(&state, &path).await?;
    confirm_password(
        &req,
        &state,
        &actor,
        &form.password,
        "admin_user_totp_reset",
        &user.id,
    )
    .await?;
    second_factor::disable(&state, &user, &actor.id).await?;
    record(
        &req,
        &state,
        &actor,
        "admin_user_totp_reset",
        &user.id,
        "success",
    )
    .await;
    Ok(back_to_user(&user.id, "totp"))
}

#[derive(serde::Deserialize)]
pub struct RolesForm {
    csrf: Option<String>,
    #[serde(default)]
    password: String,
    role_admin: Option<String>,
    role_user_manager: Option<String>,
    role_auditor: Option<String>,
}

pub async fn set_roles(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<RolesForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    check_csrf(&state, &req, &form.csrf)?;
    let user = load_user(&state, &path).await?;
    confirm_password(
        &req,
        &state,
        &actor,
        &form.password,
        "admin_user_roles",
        &user.id,
    )
    .await?;
    let chosen: Vec<&str> = [
        ("admin", form.role_admin.is_some()),
        ("user_manager", form.role_user_manager.is_some()),
        ("auditor", form.role_auditor.is_some()),
    ]
    .iter()
    .filter(|(_, on)| *on)
    .map(|(r, _)| *r)
    .collect();
    // Roles the console does not know are kept as they are.
    let mut roles: Vec<String> = user
        .roles
        .split_whitespace()
        .filter(|r| !ROLES.contains(r))
        .map(String::from)
        .collect();
    roles.extend(chosen.iter().map(|r| r.to_string()));
    let roles = roles.join(" ");
    let id = user.id.clone();
    let new_roles = roles.clone();
    // Rolled back (as a conflict) when it would leave no enabled admin.
    let saved = state
        .store
        .run(move |conn| {
            crate::store::write_transaction(conn, |conn| {
                queries::set_roles(conn, &id, &new_roles, unix_now())?;
                if queries::count_enabled_with_role(conn, "admin")? == 0 {
                    return Err(StoreError::Conflict);
                }
                Ok::<_, StoreError>(())
            })
        })
        .await;
    match saved {
        Ok(()) => {}
        Err(StoreError::Conflict) => {
            record(
                &req,
                &state,
                &actor,
                "admin_user_roles",
                &user.id,
                "failure",
            )
            .await;
            return Err(bad_request("at least one enabled admin must remain"));
        }
        Err(e) => return Err(not_found(e)),
    }
    let mut event = login::event(
        &req,
        &state,
        &actor.id,
        "admin_user_roles",
        &user.id,
        "success",
    );
    event.detail = format!("roles: {roles}");
    state.audit(event).await;
    Ok(back_to_user(&user.id, "roles"))
}

#[derive(serde::Deserialize)]
pub struct DeleteForm {
    csrf: Option<String>,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// Deletes a user (not oneself, not the last admin); shared with the API.
pub async fn remove_user(state: &AppState, actor: &Actor, id: &str) -> Result<User, AppError> {
    if actor.user.as_ref().is_some_and(|u| u.id == id) {
        return Err(bad_request("you cannot delete your own account"));
    }
    let id = id.to_string();
    state
        .store
        .run(move |conn| {
            crate::store::write_transaction(conn, |conn| {
                let user = users::get(conn, &id)?.ok_or(StoreError::NotFound)?;
                if user.has_role("admin")
                    && queries::count_enabled_with_role(conn, "admin")? <= 1
                    && !user.disabled
                {
                    return Ok(Err(user));
                }
                queries::delete_user(conn, &id)?;
                Ok::<_, StoreError>(Ok(user))
            })
        })
        .await
        .map_err(not_found)?
        .map_err(|_| bad_request("the last enabled admin cannot be deleted"))
}

pub async fn delete_user(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<DeleteForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    check_csrf(&state, &req, &form.csrf)?;
    let user = load_user(&state, &path).await?;
    if form.confirm.trim().to_lowercase() != user.username {
        return Err(bad_request("type the username to confirm the deletion"));
    }
    confirm_password(
        &req,
        &state,
        &actor,
        &form.password,
        "admin_user_delete",
        &user.id,
    )
    .await?;
    remove_user(&state, &actor, &user.id).await?;
    record(
        &req,
        &state,
        &actor,
        "admin_user_delete",
        &user.id,
        "success",
    )
    .await;
    Ok(see_other("/admin/users"))
}

#[derive(serde::Deserialize)]
pub struct EndSessionsForm {
    csrf: Option<String>,
    /// One session's public id; empty for all of them.
    #[serde(default)]
    sid: String,
}

pub async fn end_sessions(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<EndSessionsForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    check_csrf(&state, &req, &form.csrf)?;
    let id = path.to_string();
    let sid = form.sid.clone();
    state
        .store
        .run(move |conn| {
            if sid.is_empty() {
                sessions::delete_others(conn, &id, "").map(|_| ())
            } else {
                sessions::delete_for_user(conn, &id, &sid).map(|_| ())
            }
        })
        .await?;
    record(
        &req,
        &state,
        &actor,
        "admin_user_sessions_end",
        &path,
        "success",
    )
    .await;
    Ok(back_to_user(&path, "sessions"))
}

// ----------------------------------------------------------------------------------------------
// Clients

pub struct ClientRow {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub grants: String,
    pub scopes: String,
}

fn kind(client: &Client) -> &'static str {
    match client.auth_method() {
        clients::AuthMethod::Secret => "confidential",
        clients::AuthMethod::PrivateKeyJwt => "private_key_jwt",
        clients::AuthMethod::None => "public",
    }
}

#[derive(Template)]
#[template(path = "admin_clients.html")]
struct ClientsPage {
    nav: Nav,
    rows: Vec<ClientRow>,
    can_write: bool,
}

pub async fn clients(
    req: HttpRequest,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let list = state.store.run(clients::list).await?;
    let rows = list
        .iter()
        .map(|c| ClientRow {
            id: c.id.clone(),
            name: c.name.clone(),
            kind: kind(c),
            grants: c.grant_types.clone(),
            scopes: c.scopes.clone(),
        })
        .collect();
    let can_write = actor.may(Permission::ClientsWrite);
    page(&state, &req, &actor, |nav| {
        ClientsPage {
            nav,
            rows,
            can_write,
        }
        .render()
    })
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(String::from).collect()
}

#[derive(serde::Deserialize, Default)]
pub struct CreateClientForm {
    csrf: Option<String>,
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    /// `confidential` or `public`.
    #[serde(default)]
    kind: String,
    #[serde(default)]
    redirect_uris: String,
    #[serde(default)]
    post_logout_redirect_uris: String,
    #[serde(default)]
    grant_types: String,
    #[serde(default)]
    scopes: String,
    #[serde(default)]
    audiences: String,
    first_party: Option<String>,
    require_mfa: Option<String>,
}

impl CreateClientForm {
    pub fn into_new_client(self) -> NewClient {
        let grants = words(&self.grant_types);
        NewClient {
            id: non_empty(&self.id),
            name: self.name,
            public: self.kind == "public",
            redirect_uris: words(&self.redirect_uris),
            post_logout_redirect_uris: words(&self.post_logout_redirect_uris),
            first_party: self.first_party.is_some(),
            grant_types: if grants.is_empty() {
                vec!["authorization_code".into()]
            } else {
                grants
            },
            scopes: words(&self.scopes),
            audiences: words(&self.audiences),
            jwks: None,
            id_token_alg: "RS256".into(),
            require_mfa: self.require_mfa.is_some(),
        }
    }
}

/// Registers a client with the CLI's rules; returns it and its secret (shown once).
pub async fn register_client(
    state: &AppState,
    new: NewClient,
) -> Result<(Client, Option<String>), AppError> {
    state
        .store
        .run(move |conn| Ok::<_, StoreError>(client_registry::register(conn, new, unix_now())))
        .await?
        .map_err(client_error)
}

pub async fn create_client(
    req: HttpRequest,
    form: web::Form<CreateClientForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    check_csrf(&state, &req, &form.csrf)?;
    let (client, secret) = match register_client(&state, form.into_new_client()).await {
        Ok(created) => created,
        Err(e) => {
            record(&req, &state, &actor, "admin_client_create", "", "failure").await;
            return Err(e);
        }
    };
    record(
        &req,
        &state,
        &actor,
        "admin_client_create",
        &client.id,
        "success",
    )
    .await;
    match secret {
        Some(secret) => once(
            &state,
            &req,
            &actor,
            "Client created",
            &format!(
                "Client id: {}. Store its secret now: it is shown only this once.",
                client.id
            ),
            "Client secret",
            secret,
            format!("/admin/clients/{}", client.id),
        ),
        None => Ok(see_other(&format!("/admin/clients/{}", client.id))),
    }
}

#[derive(Template)]
#[template(path = "admin_client.html")]
struct ClientPage {
    nav: Nav,
    client: ClientRow,
    redirect_uris: Vec<String>,
    post_logout_redirect_uris: Vec<String>,
    audiences: String,
    first_party: bool,
    require_mfa: bool,
    id_token_alg: String,
    created: String,
    has_secret: bool,
    can_write: bool,
    notice: Option<&'static str>,
}

async fn load_client(state: &AppState, id: &str) -> Result<Client, AppError> {
    let id = id.to_string();
    state
        .store
        .run(move |conn| clients::find(conn, &id))
        .await
        .map_err(not_found)
}

pub async fn client(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<NoticeQuery>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let client = load_client(&state, &path).await?;
    let can_write = actor.may(Permission::ClientsWrite);
    page(&state, &req, &actor, |nav| {
        ClientPage {
            nav,
            redirect_uris: client.redirect_uri_list().unwrap_or_default(),
            post_logout_redirect_uris: client.post_logout_redirect_uri_list().unwrap_or_default(),
            audiences: client.audiences.clone(),
            first_party: client.first_party,
            require_mfa: client.require_mfa,
            id_token_alg: client.id_token_alg.clone(),
            created: when(client.created_at),
            has_secret: client.secret_hash.is_some(),
            client: ClientRow {
                id: client.id.clone(),
                name: client.name.clone(),
                kind: kind(&client),
                grants: client.grant_types.clone(),
                scopes: client.scopes.clone(),
            },
            can_write,
            notice: notice(&query.done),
        }
        .render()
    })
}

pub async fn rotate_secret(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<ConfirmForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    check_csrf(&state, &req, &form.csrf)?;
    let client = load_client(&state, &path).await?;
    confirm_password(
        &req,
        &state,
        &actor,
        &form.password,
        "admin_client_rotate",
        &client.id,
    )
    .await?;
    let id = client.id.clone();
    let secret = state
        .store
        .run(move |conn| {
            Ok::<_, StoreError>(client_registry::rotate_secret(
                conn,
                &id,
                ROTATION_OVERLAP_SECS,
                unix_now(),
            ))
        })
        .await?
        .map_err(client_error)?;
    record(
        &req,
        &state,
        &actor,
        "admin_client_rotate",
        &client.id,
        "success",
    )
    .await;
    once(
        &state,
        &req,
        &actor,
        "Secret rotated",
        &format!("The old secret of {} no longer works. Store the new one now: it is shown only this once.", client.id),
        "Client secret",
        secret,
        format!("/admin/clients/{}", client.id),
    )
}

/// Deletes a client (its grants, codes, refresh tokens and consents go with it).
pub async fn remove_client(state: &AppState, id: &str) -> Result<(), AppError> {
    let id = id.to_string();
    state
        .store
        .run(move |conn| clients::remove(conn, &id))
        .await
        .map_err(not_found)
}

pub async fn delete_client(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<DeleteForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    check_csrf(&state, &req, &form.csrf)?;
    let client = load_client(&state, &path).await?;
    if form.confirm.trim() != client.id {
        return Err(bad_request("type the client id to confirm the deletion"));
    }
    confirm_password(
        &req,
        &state,
        &actor,
        &form.password,
        "admin_client_delete",
        &client.id,
    )
    .await?;
    remove_client(&state, &client.id).await?;
    record(
        &req,
        &state,
        &actor,
        "admin_client_delete",
        &client.id,
        "success",
    )
    .await;
    Ok(see_other("/admin/clients"))
}

// ----------------------------------------------------------------------------------------------
// Audit log

pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub client_ip: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    nav: Nav,
    actor: String,
    action: String,
    from: String,
    to: String,
    chain: Result<i64, i64>,
    rows: Vec<AuditRow>,
    limit: i64,
}

#[derive(serde::Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

pub async fn audit(
    req: HttpRequest,
    query: web::Query<AuditQuery>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let filter = AuditFilter {
        actor: non_empty(&query.actor),
        action: non_empty(&query.action),
        from: parse_day(&query.from),
        // A date is the whole day.
        to: parse_day(&query.to).map(|t| {
            if query.to.contains('-') {
                t + 86_399
            } else {
                t
            }
        }),
    };
    let entries: Vec<Entry> = state
        .store
        .run(move |conn| queries::audit_search(conn, &filter, AUDIT_LIMIT))
        .await?;
    let chain = state.verify_audit().await?;
    let rows = entries
        .into_iter()
        .map(|e| AuditRow {
            seq: e.seq,
            at: when(e.at),
            actor: e.actor,
            action: e.action,
            target: e.target,
            outcome: e.outcome,
            client_ip: e.client_ip,
            detail: e.detail,
        })
        .collect();
    page(&state, &req, &actor, |nav| {
        AuditPage {
            nav,
            actor: query.actor,
            action: query.action,
            from: query.from,
            to: query.to,
            chain,
            rows,
            limit: AUDIT_LIMIT,
        }
        .render()
    })
}

// ----------------------------------------------------------------------------------------------
// Admin API keys

pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub roles: String,
    pub created: String,
    pub last_used: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "admin_keys.html")]
struct KeysPage {
    nav: Nav,
    rows: Vec<KeyRow>,
    notice: Option<&'static str>,
}

pub async fn api_keys(
    req: HttpRequest,
    query: web::Query<NoticeQuery>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let list = state.store.run(api_keys::list).await?;
    let rows = list
        .into_iter()
        .map(|k| KeyRow {
            id: k.id,
            name: k.name,
            roles: k.roles,
            created: when(k.created_at),
            last_used: k.last_used_at.map(when).unwrap_or_else(|| "never".into()),
            revoked: k.revoked,
        })
        .collect();
    page(&state, &req, &actor, |nav| {
        KeysPage {
            nav,
            rows,
            notice: notice(&query.done),
        }
        .render()
    })
}

/// Makes a key with `roles`: returns its id and the key itself (shown once, stored hashed).
pub fn new_api_key(
    conn: &mut crate::store::AnyConnection,
    name: &str,
    roles: &[&str],
    created_by: &str,
    now: i64,
) -> Result<(String, String), StoreError> {
    let id = random_id::<8>();
    let key = format!("idpk_{}", random_token::<32>());
    api_keys::insert(
        conn,
        &ApiKey {
            id: id.clone(),
            name: name.to_string(),
            key_hash: hash_secret(&key),
            roles: roles.join(" "),
            created_by: created_by.to_string(),
            created_at: now,
            last_used_at: None,
            revoked: false,
            revoked_at: None,
        },
    )?;
    Ok((id, key))
}

#[derive(serde::Deserialize)]
pub struct CreateKeyForm {
    csrf: Option<String>,
    #[serde(default)]
    password: String,
    #[serde(default)]
    name: String,
    role_admin: Option<String>,
    role_user_manager: Option<String>,
    role_auditor: Option<String>,
}

pub async fn create_api_key(
    req: HttpRequest,
    form: web::Form<CreateKeyForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    check_csrf(&state, &req, &form.csrf)?;
    confirm_password(
        &req,
        &state,
        &actor,
        &form.password,
        "admin_api_key_create",
        "",
    )
    .await?;
    let roles: Vec<&'static str> = [
        ("admin", form.role_admin.is_some()),
        ("user_manager", form.role_user_manager.is_some()),
        ("auditor", form.role_auditor.is_some()),
    ]
    .iter()
    .filter(|(_, on)| *on)
    .map(|(r, _)| *r)
    .collect();
    if roles.is_empty() {
        return Err(bad_request("choose at least one role for the key"));
    }
    let name = form.name.trim().chars().take(100).collect::<String>();
    if name.is_empty() {
        return Err(bad_request("give the key a name"));
    }
    let created_by = actor.id.clone();
    let key_name = name.clone();
    let (id, key) = state
        .store
        .run(move |conn| new_api_key(conn, &key_name, &roles, &created_by, unix_now()))
        .await?;
    record(&req, &state, &actor, "admin_api_key_create", &id, "success").await;
    once(
        &state,
        &req,
        &actor,
        "API key created",
        &format!("Key {id} ({name}). Send it as \"Authorization: Bearer KEY\". Store it now: it is shown only this once."),
        "API key",
        key,
        "/admin/api-keys".into(),
    )
}

pub async fn revoke_api_key(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    check_csrf(&state, &req, &form.csrf)?;
    let id = path.to_string();
    state
        .store
        .run(move |conn| api_keys::revoke(conn, &id, unix_now()))
        .await
        .map_err(not_found)?;
    record(
        &req,
        &state,
        &actor,
        "admin_api_key_revoke",
        &path,
        "success",
    )
    .await;
    Ok(see_other("/admin/api-keys?done=revoked"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn days() {
        assert_eq!(super::parse_day("1970-01-02"), Some(86_400));
        assert_eq!(super::parse_day("12345"), Some(12_345));
        assert_eq!(super::parse_day("nonsense"), None);
        assert_eq!(super::when(0), "1970-01-01 00:00Z");
        assert!(super::temporary_password().len() >= 20);
    }
}
