//! Invitations for the console and the admin API: sending one (the link's token stored as its
//! digest, the mail queued with it), listing and revoking them. The rules (the per-inviter
//! limit, an address that has an account) are in `ops::invitations`.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::Actor;
use crate::accounts;
use crate::crypto::secrets::{random_token, sha256_hex};
use crate::error::{ApiError, AppError};
use crate::mail::self_service;
use crate::ops::invitations::{self, NewInvitation};
use crate::ops::{self, OpsError};
use crate::state::AppState;
use crate::store::invitations::Invitation;
use crate::store::unix_now;

/// How many invitations the console and the API list.
pub const LISTED: i64 = 200;

/// Sends an invitation to `email` (as typed) in the name of `ctx`'s actor.
pub async fn send(
    state: &AppState,
    ctx: ops::Context,
    email: &str,
) -> Result<Invitation, AppError> {
    if state.mail.is_none() {
        return Err(AppError::page(
            StatusCode::BAD_REQUEST,
            "Not done",
            "mail is not set up, so invitations cannot be sent",
        ));
    }
    let email = accounts::normalize_email(email).map_err(OpsError::from)?;
    let registration = &state.config.settings.registration;
    let hours = registration.invitation_ttl_hours;
    let token = random_token::<32>();
    let link = state.config.url(&format!("/invitation?token={token}"));
    let mail = self_service::invitation(&email, &state.config.issuer, &link, hours)
        .map_err(AppError::failed)?;
    let sealed = state.seal_mail(&mail)?;
    let new = NewInvitation {
        email,
        token_hash: sha256_hex(token.as_bytes()),
        ttl_secs: hours * 3_600,
        per_hour: registration.invitations_per_hour,
    };
    let invitation = state
        .store
        .run(move |conn| invitations::invite(conn, &ctx, new, &sealed))
        .await?;
    state.mail_queued();
    Ok(invitation)
}

pub fn invitation_json(invitation: &Invitation) -> Value {
    json!({
        "id": invitation.id,
        "email": invitation.email,
        "invited_by": invitation.invited_by,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "status": invitation.status(unix_now()),
        "user_id": invitation.user_id,
    })
}

pub async fn api_list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let list = state
        .store
        .run(|conn| invitations::list(conn, LISTED))
        .await?;
    let items: Vec<Value> = list.iter().map(invitation_json).collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({ "invitations": items })))
}

#[derive(serde::Deserialize)]
pub struct CreateInvitation {
    email: String,
}

pub async fn api_create(
    req: HttpRequest,
    body: web::Json<CreateInvitation>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, ApiError> {
    let ctx = state.ops_context(&req, &actor.id);
    let invitation = send(&state, ctx, &body.email).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(invitation_json(&invitation)))
}

pub async fn api_revoke(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, ApiError> {
    let ctx = state.ops_context(&req, &actor.id);
    let id = path.into_inner();
    state
        .store
        .run(move |conn| invitations::revoke(conn, &ctx, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
