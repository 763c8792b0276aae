//! Sensitive actions on one account, each confirmed with the admin's own password: resetting
//! the password or two-step sign-in, changing roles, deleting the user; and ending sessions.

use actix_web::{web, HttpRequest, HttpResponse};

use super::user::{back_to_user, load_user};
use super::{
    act, bad_request, confirm, confirmed, once, temporary_password, ConfirmForm, DeleteForm, Posted,
};
use crate::admin::{Actor, ROLES};
use crate::error::AppError;
use crate::ops::{self, users::UserEdit};
use crate::state::AppState;
use crate::web::see_other;

pub async fn reset_password(
    req: HttpRequest,
    path: web::Path<String>,
    Posted(form): Posted<ConfirmForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let user = load_user(&state, &path).await?;
    let action = ("admin_user_password_reset", user.id.as_str());
    confirm(&state, &req, &actor, &form.password, action).await?;
    let temporary = temporary_password();
    let hash = state.hash_password(&temporary).await?;
    let id = user.id.clone();
    act(&state, &req, &actor, move |conn, ctx| {
        ops::users::set_password(conn, ctx, &id, &hash, true)
    })
    .await?;
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
    Posted(form): Posted<ConfirmForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let target = id.clone();
    let user = load_user(&state, &id).await?;
    let notice = state.notice(&user, crate::mail::templates::second_factor_removed)?;
    confirmed(
        &state,
        &req,
        &actor,
        &form.password,
        ("admin_user_totp_reset", &id),
        move |conn, ctx| ops::users::reset_second_factor(conn, ctx, &target, notice.as_ref()),
    )
    .await?;
    state.mail_queued();
    Ok(back_to_user(&id, "totp"))
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

super::csrf_forms!(RolesForm);

impl RolesForm {
    /// The roles ticked, in the console's order.
    pub fn chosen(&self) -> Vec<String> {
        let ticked = [
            self.role_admin.is_some(),
            self.role_user_manager.is_some(),
            self.role_auditor.is_some(),
        ];
        ROLES
            .iter()
            .zip(ticked)
            .filter(|(_, on)| *on)
            .map(|(r, _)| r.to_string())
            .collect()
    }
}

/// Sets the roles ticked (refused when it would leave no enabled admin).
pub async fn set_roles(
    req: HttpRequest,
    path: web::Path<String>,
    Posted(form): Posted<RolesForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let edit = UserEdit {
        roles: Some(form.chosen()),
        ..UserEdit::default()
    };
    let target = id.clone();
    confirmed(
        &state,
        &req,
        &actor,
        &form.password,
        ("admin_user_roles", &id),
        move |conn, ctx| ops::users::edit(conn, ctx, &target, edit),
    )
    .await?;
    Ok(back_to_user(&id, "roles"))
}

pub async fn delete_user(
    req: HttpRequest,
    path: web::Path<String>,
    Posted(form): Posted<DeleteForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let user = load_user(&state, &path).await?;
    if form.confirm.trim().to_lowercase() != user.username {
        return Err(bad_request("type the username to confirm the deletion"));
    }
    let id = user.id.clone();
    confirmed(
        &state,
        &req,
        &actor,
        &form.password,
        ("admin_user_delete", &user.id),
        move |conn, ctx| ops::users::delete(conn, ctx, &id),
    )
    .await?;
    Ok(see_other("/admin/users"))
}

#[derive(serde::Deserialize)]
pub struct EndSessionsForm {
    csrf: Option<String>,
    /// One session's public id; empty for all of them.
    #[serde(default)]
    sid: String,
}

super::csrf_forms!(EndSessionsForm);

pub async fn end_sessions(
    req: HttpRequest,
    path: web::Path<String>,
    Posted(form): Posted<EndSessionsForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let target = id.clone();
    act(&state, &req, &actor, move |conn, ctx| {
        let sid = Some(form.sid.as_str()).filter(|s| !s.is_empty());
        ops::users::end_sessions(conn, ctx, &target, sid)
    })
    .await?;
    Ok(back_to_user(&id, "sessions"))
}
