//! Accepting an invitation: the link from the mail opens a form for a username and password;
//! submitting it makes the account, whose address (proved by the mail) is the one invited. A
//! username that is taken is said so here: only someone an administrator invited gets here.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{csrf, csrf_refused, render, with_cookie};
use crate::accounts;
use crate::crypto::secrets::sha256_hex;
use crate::error::AppError;
use crate::ops::{invitations, OpsError};
use crate::state::AppState;
use crate::store::invitations::{self as stored, Invitation};
use crate::store::unix_now;

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationPage<'a> {
    csrf: &'a str,
    token: &'a str,
    email: &'a str,
    username: &'a str,
    min_length: usize,
    error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "invitation_done.html")]
struct DonePage<'a> {
    username: &'a str,
}

fn link_invalid() -> AppError {
    AppError::shown(
        StatusCode::BAD_REQUEST,
        "error-invitation-title",
        "error-invitation-message",
    )
}

async fn open_invitation(state: &AppState, token: &str) -> Result<Invitation, AppError> {
    let token_hash = sha256_hex(token.as_bytes());
    state
        .store
        .run(move |conn| stored::peek(conn, &token_hash, unix_now()))
        .await?
        .ok_or_else(link_invalid)
}

fn form(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    (token, invitation): (&str, &Invitation),
    username: &str,
    error: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let csrf_token = csrf::issue(state, req);
    let page = InvitationPage {
        csrf: &csrf_token.form_value,
        token,
        email: &invitation.email,
        username,
        min_length: state.config.settings.password.min_length,
        error,
    };
    with_cookie(render(status, &page)?, csrf_token.cookie)
}

#[derive(serde::Deserialize)]
pub struct InvitationQuery {
    #[serde(default)]
    token: String,
}

/// `GET /invitation?token=…`.
pub async fn page(
    req: HttpRequest,
    query: web::Query<InvitationQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let invitation = open_invitation(&state, &query.token).await?;
    form(
        &req,
        &state,
        StatusCode::OK,
        (&query.token, &invitation),
        "",
        None,
    )
}

#[derive(serde::Deserialize)]
pub struct AcceptForm {
    csrf: Option<String>,
    #[serde(default)]
    token: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// `POST /invitation`: makes the account, once.
pub async fn accept(
    req: HttpRequest,
    posted: web::Form<AcceptForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let posted = posted.into_inner();
    if !csrf::verify(&state, &req, posted.csrf.as_deref()) {
        return Err(csrf_refused());
    }
    let invitation = open_invitation(&state, &posted.token).await?;
    let shown = (posted.token.as_str(), &invitation);
    let refuse = |why: &str| {
        form(
            &req,
            &state,
            StatusCode::BAD_REQUEST,
            shown,
            &posted.username,
            Some(why),
        )
    };
    let username = match accounts::normalize_username(&posted.username) {
        Ok(username) => username,
        Err(e) => return refuse(&e.to_string()),
    };
    let min_length = state.config.settings.password.min_length;
    if let Err(e) = accounts::check_password(
        &posted.password,
        min_length,
        &username,
        Some(&invitation.email),
    ) {
        return refuse(&e.to_string());
    }
    let password_hash = state.hash_password(&posted.password).await?;
    let ctx = state.ops_context(&req, "self-service");
    let token_hash = sha256_hex(posted.token.as_bytes());
    let (checked, name) = (invitation.clone(), username.clone());
    let made = state
        .store
        .run(move |conn| {
            invitations::accept(conn, &ctx, &token_hash, &checked, name, password_hash)
        })
        .await;
    match made {
        Ok(user) => {
            tracing::info!(event = "invitation_accepted", user_id = %user.id);
            render(
                StatusCode::OK,
                &DonePage {
                    username: &user.username,
                },
            )
        }
        Err(OpsError::Duplicate(why)) => refuse(&why),
        Err(OpsError::Invalid(_)) => Err(link_invalid()),
        Err(other) => Err(other.into()),
    }
}
