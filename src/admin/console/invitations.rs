//! Invitations in the console: the list (newest first, with their outcome), sending one, and
//! revoking an open one.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{act, page_with_status, refusal, CsrfOnly, Nav, Posted, ViewerClock};
use crate::admin::invitations::{self, LISTED};
use crate::admin::Actor;
use crate::error::AppError;
use crate::ops;
use crate::state::AppState;
use crate::store::unix_now;
use crate::web::see_other;

pub struct InvitationRow {
    pub id: String,
    pub email: String,
    pub invited_by: String,
    pub sent: String,
    pub expires: String,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "admin_invitations.html")]
struct InvitationsPage<'a> {
    nav: Nav,
    rows: Vec<InvitationRow>,
    notice: Option<&'a str>,
    error: Option<&'a str>,
    email: &'a str,
    mail: bool,
}

#[derive(serde::Deserialize)]
pub struct InvitationsQuery {
    #[serde(default)]
    done: String,
}

async fn list_page(
    state: &AppState,
    req: &HttpRequest,
    actor: &Actor,
    status: StatusCode,
    shown: (Option<&str>, Option<&str>, &str),
) -> Result<HttpResponse, AppError> {
    let list = state
        .store
        .run(|conn| ops::invitations::list(conn, LISTED))
        .await?;
    let now = unix_now();
    let clock = ViewerClock::of(req);
    let rows = list
        .into_iter()
        .map(|i| InvitationRow {
            status: i.status(now),
            id: i.id,
            email: i.email,
            invited_by: i.invited_by,
            sent: clock.when(i.created_at),
            expires: clock.when(i.expires_at),
        })
        .collect();
    let (notice, error, email) = shown;
    let mail = state.mail.is_some();
    page_with_status(state, req, actor, status, |nav| {
        InvitationsPage {
            nav,
            rows,
            notice,
            error,
            email,
            mail,
        }
        .render()
    })
}

pub async fn invitations_page(
    req: HttpRequest,
    query: web::Query<InvitationsQuery>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let notice = match query.done.as_str() {
        "sent" => Some("The invitation is on its way."),
        "revoked" => Some("The invitation was revoked; its link no longer works."),
        _ => None,
    };
    list_page(&state, &req, &actor, StatusCode::OK, (notice, None, "")).await
}

#[derive(serde::Deserialize)]
pub struct InviteForm {
    csrf: Option<String>,
    #[serde(default)]
    email: String,
}

super::csrf_forms!(InviteForm);

/// Sends an invitation; a refusal (not an address, an address with an account) shows the page
/// again with the reason and the address typed; the hourly share used up answers 429.
pub async fn create_invitation(
    req: HttpRequest,
    Posted(form): Posted<InviteForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let mut ctx = state.ops_context(&req, &actor.id);
    ctx.acting_user = actor.user.as_ref().map(|u| u.id.clone());
    match invitations::send(&state, ctx, &form.email).await {
        Ok(_) => Ok(see_other("/admin/invitations?done=sent")),
        Err(err) => {
            let (status, why) = refusal(err)?;
            let shown = (None, Some(why.as_str()), form.email.as_str());
            list_page(&state, &req, &actor, status, shown).await
        }
    }
}

pub async fn revoke_invitation(
    req: HttpRequest,
    path: web::Path<String>,
    _: Posted<CsrfOnly>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    act(&state, &req, &actor, move |conn, ctx| {
        ops::invitations::revoke(conn, ctx, &id)
    })
    .await?;
    Ok(see_other("/admin/invitations?done=revoked"))
}
