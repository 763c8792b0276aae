//! One user's page: profile, status and sessions; editing the profile, and disabling,
//! enabling and unlocking the account.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::users::{row, UserRow};
use super::{
    act, notice, page_with_status, refusal, CsrfOnly, Nav, NoticeQuery, Posted, ViewerClock,
};
use crate::admin::{Actor, Permission, ROLES};
use crate::error::AppError;
use crate::ops::{self, users::UserEdit};
use crate::state::AppState;
use crate::store::unix_now;
use crate::store::users::{self, User};
use crate::store::{activity, sessions};
use crate::web::see_other;

pub struct SessionRow {
    pub sid: String,
    pub created: String,
    pub last_seen: String,
    pub amr: String,
    /// The applications it signed in to, by name.
    pub apps: String,
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
    passkeys: Vec<super::user_passkeys::PasskeyRow>,
    role_choices: Vec<(&'static str, bool)>,
    sessions: Vec<SessionRow>,
    can_write: bool,
    can_roles: bool,
    notice: Option<&'static str>,
    /// Why the profile form (shown again as submitted) was refused.
    error: Option<String>,
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
    let shown = Shown {
        notice: notice(&query.done),
        ..Shown::default()
    };
    user_page(&req, &state, &actor, user, shown).await
}

/// What the user page shows besides the account: a notice, or a refused profile form.
#[derive(Default)]
struct Shown {
    notice: Option<&'static str>,
    profile: Option<ProfileForm>,
    refused: Option<(StatusCode, String)>,
}

async fn user_page(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    user: User,
    shown: Shown,
) -> Result<HttpResponse, AppError> {
    let id = user.id.clone();
    let now = unix_now();
    let (list, mut apps) = state
        .store
        .run(move |conn| {
            let list = sessions::list_for_user(conn, &id)?;
            let apps = activity::session_apps(conn, &id, now)?;
            Ok::<_, crate::store::StoreError>((list, apps))
        })
        .await?;
    let clock = ViewerClock::of(req);
    let sessions = list
        .into_iter()
        .filter(|s| s.expires_at > now)
        .map(|s| SessionRow {
            apps: apps
                .remove(&s.sid)
                .map(|names| names.join(", "))
                .unwrap_or_else(|| "none yet".into()),
            sid: s.sid,
            created: clock.when(s.created_at),
            last_seen: clock.when(s.last_seen_at),
            amr: s.amr,
        })
        .collect();
    let passkeys = super::user_passkeys::rows(state, &user.id, &clock).await?;
    let role_choices = ROLES.iter().map(|r| (*r, user.has_role(r))).collect();
    let can_write = actor.may(Permission::UsersWrite);
    let can_roles = actor.may(Permission::Roles);
    let (name, email) = match shown.profile {
        Some(form) => (form.name, form.email),
        None => (
            user.name.clone().unwrap_or_default(),
            user.email.clone().unwrap_or_default(),
        ),
    };
    let (status, error) = match shown.refused {
        Some((status, why)) => (status, Some(why)),
        None => (StatusCode::OK, None),
    };
    page_with_status(state, req, actor, status, |nav| {
        UserPage {
            nav,
            user: row(&user),
            name,
            email,
            locked: user.locked_until.is_some_and(|t| t > now),
            disabled: user.disabled,
            totp: user.totp_enabled,
            passkeys,
            role_choices,
            sessions,
            can_write,
            can_roles,
            notice: shown.notice,
            error,
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

super::csrf_forms!(ProfileForm);

/// Saves name and email; a refusal shows the form again as submitted, with the reason.
pub async fn update_profile(
    req: HttpRequest,
    path: web::Path<String>,
    Posted(form): Posted<ProfileForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let edit = UserEdit {
        name: Some(form.name.clone()),
        email: Some(form.email.clone()),
        roles: None,
    };
    let id = path.into_inner();
    let target = id.clone();
    match act(&state, &req, &actor, move |conn, ctx| {
        ops::users::edit(conn, ctx, &target, edit)
    })
    .await
    {
        Ok(_) => Ok(back_to_user(&id, "profile")),
        Err(err) => {
            let refused = refusal(err)?;
            let user = load_user(&state, &id).await?;
            let shown = Shown {
                profile: Some(form),
                refused: Some(refused),
                ..Shown::default()
            };
            user_page(&req, &state, &actor, user, shown).await
        }
    }
}

async fn set_disabled(
    req: HttpRequest,
    id: String,
    state: web::Data<AppState>,
    actor: Actor,
    disabled: bool,
) -> Result<HttpResponse, AppError> {
    let target = id.clone();
    act(&state, &req, &actor, move |conn, ctx| {
        ops::users::set_disabled(conn, ctx, &target, disabled)
    })
    .await?;
    Ok(back_to_user(
        &id,
        if disabled { "disabled" } else { "enabled" },
    ))
}

pub async fn disable_user(
    req: HttpRequest,
    path: web::Path<String>,
    _: Posted<CsrfOnly>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    set_disabled(req, path.into_inner(), state, actor, true).await
}

pub async fn enable_user(
    req: HttpRequest,
    path: web::Path<String>,
    _: Posted<CsrfOnly>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    set_disabled(req, path.into_inner(), state, actor, false).await
}

pub async fn unlock_user(
    req: HttpRequest,
    path: web::Path<String>,
    _: Posted<CsrfOnly>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let target = id.clone();
    act(&state, &req, &actor, move |conn, ctx| {
        ops::users::unlock(conn, ctx, &target)
    })
    .await?;
    Ok(back_to_user(&id, "unlocked"))
}
