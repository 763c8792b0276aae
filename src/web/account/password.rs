//! The password change: the current password, then the new one twice; the other sessions end
//! and every grant is revoked in the same transaction.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::{account_page, password_is_right, throttle, PersonPost, Shown};
use crate::accounts::{self, AccountError};
use crate::error::AppError;
use crate::ops;
use crate::state::AppState;
use crate::web::see_other;
use crate::web::signin::event;

fn password_error(why: String) -> Shown {
    Shown {
        password: Some(why),
        ..Shown::default()
    }
}

pub(super) fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

#[derive(serde::Deserialize)]
pub struct PasswordForm {
    csrf: Option<String>,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

crate::web::csrf::csrf_forms!(PasswordForm);

/// `POST /account/password`: the current password, then the new one twice. The other sessions
/// end and every grant is revoked, in one transaction with the change.
pub async fn change_password(
    req: HttpRequest,
    PersonPost { signed_in, form }: PersonPost<PasswordForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let user = signed_in.user.clone();
    if let Err(limited) = throttle(&state, &user).await {
        return Ok(limited);
    }
    if !password_is_right(&state, &user, &form.current_password).await? {
        state
            .audit(event(
                &req,
                &state,
                &user.id,
                "password_changed",
                &user.id,
                "failure",
            ))
            .await;
        return account_page(
            &req,
            &state,
            &signed_in,
            StatusCode::UNAUTHORIZED,
            password_error(crate::i18n::t("account-current-password-wrong")),
        )
        .await;
    }
    if form.new_password != form.confirm_password {
        return account_page(
            &req,
            &state,
            &signed_in,
            StatusCode::BAD_REQUEST,
            password_error(crate::i18n::t("account-new-passwords-differ")),
        )
        .await;
    }
    let min_length = state.config.settings.password.min_length;
    if let Err(AccountError::Invalid(why)) = accounts::check_password(
        &form.new_password,
        min_length,
        &user.username,
        user.email.as_deref(),
    ) {
        return account_page(
            &req,
            &state,
            &signed_in,
            StatusCode::BAD_REQUEST,
            password_error(sentence(&why)),
        )
        .await;
    }
    let keep = signed_in.session.id_hash.clone();
    let hash = state.hash_password(&form.new_password).await?;
    let ctx = state.ops_context(&req, &user.id);
    let id = user.id.clone();
    let notice = state.notice(&user, crate::mail::templates::password_changed)?;
    let (ended, revoked) = state
        .store
        .run(move |conn| {
            ops::users::change_own_password(conn, &ctx, &id, &hash, &keep, notice.as_ref())
        })
        .await?;
    state.mail_queued();
    state.deliveries_queued();
    tracing::info!(event = "password_changed", user_id = %user.id, ended, revoked);
    Ok(see_other("/account?done=password"))
}
