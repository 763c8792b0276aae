//! The forced password change after a one-time password: the person chooses their own before
//! any session starts. The ticket from the sign-in names them and is bound to the password hash
//! being replaced, so it works once.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::signin::{check_destination, sign_in, ticket_user};
use super::{csrf, render, ticket, with_cookie};
use crate::accounts::{self, AccountError};
use crate::error::AppError;
use crate::ops;
use crate::state::AppState;
use crate::store::users::User;

const PURPOSE: &str = "password-change";

#[derive(Template)]
#[template(path = "password_change.html")]
struct PasswordChangePage<'a> {
    req: &'a str,
    csrf: &'a str,
    ticket: &'a str,
    min_length: usize,
    error: Option<&'a str>,
}

pub(super) fn page(
    req: &HttpRequest,
    state: &AppState,
    user: &User,
    amr: &str,
    pending_id: &str,
    error: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let ticket = ticket::issue(state, PURPOSE, user, amr);
    let token = csrf::issue(state, req);
    let page = PasswordChangePage {
        req: pending_id,
        csrf: &token.form_value,
        ticket: &ticket,
        min_length: state.config.settings.password.min_length,
        error,
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    with_cookie(render(status, &page)?, token.cookie)
}

#[derive(serde::Deserialize)]
pub struct PasswordChangeForm {
    #[serde(default)]
    req: String,
    csrf: Option<String>,
    ticket: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// The forced change after a one-time password.
pub async fn change_password(
    req: HttpRequest,
    form: web::Form<PasswordChangeForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if !csrf::verify(&state, &req, form.csrf.as_deref()) {
        return Err(super::csrf_refused());
    }
    let amr = ticket::parse(&form.ticket)
        .map(|(t, _)| t.amr)
        .unwrap_or_default();
    check_destination(&state, &req, &form.req).await?;
    let user = ticket_user(&state, PURPOSE, &form.ticket).await?;
    if !user.must_change_password {
        return Err(super::csrf_refused());
    }
    if form.new_password != form.confirm_password {
        return page(
            &req,
            &state,
            &user,
            &amr,
            &form.req,
            Some(&crate::i18n::t("passwords-differ")),
        );
    }
    let min_length = state.config.settings.password.min_length;
    if let Err(AccountError::Invalid(why)) = accounts::check_password(
        &form.new_password,
        min_length,
        &user.username,
        user.email.as_deref(),
    ) {
        return page(&req, &state, &user, &amr, &form.req, Some(&why));
    }
    let hash = state.hash_password(&form.new_password).await?;
    let ctx = state.ops_context(&req, &user.id);
    let id = user.id.clone();
    let notice = state.notice(&user, crate::mail::templates::password_changed)?;
    state
        .store
        .run(move |conn| {
            ops::users::change_own_password(conn, &ctx, &id, &hash, "", notice.as_ref())
        })
        .await?;
    state.mail_queued();
    state.deliveries_queued();
    sign_in(&req, &state, &user.id, &amr, &form.req).await
}
