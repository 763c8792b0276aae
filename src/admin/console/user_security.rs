//! Sensitive actions on one account, each confirmed with the admin's own password: resetting
//! the password or two-step sign-in, changing roles, deleting the user (`remove_user` is shared
//! with the API) and ending sessions.

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};

use super::user::{back_to_user, load_user};
use super::{
    bad_request, check_csrf, confirm_password, not_found, once, record, temporary_password,
    ConfirmForm, DeleteForm,
};
use crate::admin::{Actor, ROLES};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::admin as queries;
use crate::store::sessions;
use crate::store::users::{self, User};
use crate::store::{unix_now, StoreError};
use crate::web::{login, second_factor, see_other};

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
