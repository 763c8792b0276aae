//! A person's passkeys in the console: listed on the user page, each removable (confirmed with
//! the admin's own password; audited through the operations layer; the person is mailed).

use actix_web::{web, HttpRequest, HttpResponse};

use super::{confirmed, ConfirmForm, Posted, ViewerClock};
use crate::admin::Actor;
use crate::error::AppError;
use crate::ops;
use crate::state::AppState;
use crate::store::{passkeys, users};
use crate::web::see_other;

/// One passkey as the user page lists it.
pub struct PasskeyRow {
    pub id: String,
    pub name: String,
    pub created: String,
    pub last_used: String,
    /// `synced` (backup eligible) or `device-bound`.
    pub kind: &'static str,
}

pub(super) async fn rows(
    state: &AppState,
    user_id: &str,
    clock: &ViewerClock,
) -> Result<Vec<PasskeyRow>, AppError> {
    let id = user_id.to_string();
    let stored = state
        .store
        .run(move |conn| passkeys::list_for_user(conn, &id))
        .await?;
    Ok(stored
        .into_iter()
        .map(|p| PasskeyRow {
            id: p.id,
            name: p.name,
            created: clock.when(p.created_at),
            last_used: p
                .last_used_at
                .map_or_else(|| "never".to_string(), |at| clock.when(at)),
            kind: if p.backup_eligible {
                "synced"
            } else {
                "device-bound"
            },
        })
        .collect())
}

/// `POST /admin/users/{id}/passkeys/{passkey}/remove`.
pub async fn remove_passkey(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    Posted(form): Posted<ConfirmForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let (id, passkey_id) = path.into_inner();
    let user_id = id.clone();
    let user = state
        .store
        .run(move |conn| users::get(conn, &user_id))
        .await?
        .ok_or(AppError::NotFound)?;
    let name = rows(&state, &id, &ViewerClock::utc())
        .await?
        .into_iter()
        .find(|p| p.id == passkey_id)
        .map(|p| p.name)
        .ok_or(AppError::NotFound)?;
    let notice = state.notice(&user, |to, issuer, username| {
        crate::mail::templates::passkey_removed(to, issuer, username, &name)
    })?;
    let target = id.clone();
    confirmed(
        &state,
        &req,
        &actor,
        &form.password,
        ("admin_user_passkey_removed", &id),
        move |conn, ctx| ops::passkeys::remove(conn, ctx, &target, &passkey_id, notice.as_ref()),
    )
    .await?;
    state.mail_queued();
    Ok(see_other(&format!("/admin/users/{id}?done=passkey")))
}
