//! One user's page: profile, status and sessions; editing the profile, and disabling,
//! enabling and unlocking the account (`set_disabled` is shared with the API).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::users::{row, UserRow};
use super::{
    account_error, bad_request, check_csrf, non_empty, not_found, notice, page, record, when,
    CsrfForm, Nav, NoticeQuery,
};
use crate::accounts;
use crate::admin::{Actor, Permission, ROLES};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::admin as queries;
use crate::store::sessions;
use crate::store::users::{self, User};
use crate::store::{unix_now, StoreError};
use crate::web::see_other;

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

pub(super) async fn load_user(state: &AppState, id: &str) -> Result<User, AppError> {
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

pub(super) fn back_to_user(id: &str, done: &str) -> HttpResponse {
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
