//! The password change: the current password, then the new one twice; the other sessions end
//! and every grant is revoked in the same transaction.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::{account_page, password_is_right, signed_in_for_post, throttle, Shown};
use crate::accounts::{self, AccountError};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::{grants, sessions, unix_now, write_transaction, StoreError};
use crate::web::login::event;
use crate::web::see_other;

fn password_error(why: &str) -> Shown<'_> {
    Shown {
        password: Some(why),
        ..Shown::default()
    }
}

fn sentence(text: &str) -> String {
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

/// What can go wrong inside the password change's transaction.
enum ChangeError {
    Account(AccountError),
    Store(StoreError),
}

impl From<diesel::result::Error> for ChangeError {
    fn from(err: diesel::result::Error) -> Self {
        ChangeError::Store(err.into())
    }
}

impl From<StoreError> for ChangeError {
    fn from(err: StoreError) -> Self {
        ChangeError::Store(err)
    }
}

/// `POST /account/password`: the current password, then the new one twice. The other sessions
/// end and every grant is revoked, in one transaction with the change.
pub async fn change_password(
    req: HttpRequest,
    form: web::Form<PasswordForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let signed_in = match signed_in_for_post(&state, &req, form.csrf.as_deref()).await? {
        Ok(signed_in) => signed_in,
        Err(redirect) => return Ok(redirect),
    };
    let user = signed_in.user.clone();
    if let Err(limited) = throttle(&state, &user).await {
        return Ok(limited);
    }
    let state_arc: Arc<AppState> = Arc::clone(&state);
    if !password_is_right(&state_arc, &user, form.current_password).await? {
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
            password_error("Your current password is not right."),
        )
        .await;
    }
    if form.new_password != form.confirm_password {
        return account_page(
            &req,
            &state,
            &signed_in,
            StatusCode::BAD_REQUEST,
            password_error("The two new passwords differ."),
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
            password_error(&sentence(&why)),
        )
        .await;
    }
    let keep = signed_in.session.id_hash.clone();
    let (target, password) = (user.clone(), form.new_password);
    let worker = Arc::clone(&state_arc);
    let changed = tokio::task::spawn_blocking(move || {
        let mut conn = worker.store.conn().map_err(ChangeError::Store)?;
        write_transaction(&mut conn, |conn| {
            let now = unix_now();
            accounts::set_password(conn, &worker.hasher, min_length, &target, &password, now)
                .map_err(ChangeError::Account)?;
            let ended = sessions::delete_others(conn, &target.id, &keep)?;
            let revoked = grants::revoke_all_for_user(conn, &target.id, now)?;
            Ok::<_, ChangeError>((ended, revoked))
        })
    })
    .await
    .map_err(|e| AppError::Internal(format!("password change: {e}")))?;
    let (ended, revoked) = match changed {
        Ok(counts) => counts,
        Err(ChangeError::Account(AccountError::Invalid(why))) => {
            return account_page(
                &req,
                &state,
                &signed_in,
                StatusCode::BAD_REQUEST,
                password_error(&sentence(&why)),
            )
            .await;
        }
        Err(ChangeError::Account(e)) => return Err(AppError::Internal(e.to_string())),
        Err(ChangeError::Store(e)) => return Err(e.into()),
    };
    let mut changed_event = event(
        &req,
        &state,
        &user.id,
        "password_changed",
        &user.id,
        "success",
    );
    changed_event.detail = format!("{ended} other sessions ended, {revoked} grants revoked");
    state.audit(changed_event).await;
    tracing::info!(event = "password_changed", user_id = %user.id, ended, revoked);
    Ok(see_other("/account?done=password"))
}
