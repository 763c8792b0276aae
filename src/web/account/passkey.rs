//! Removing one of the person's passkeys: with the password, or within a fresh sign-in (as
//! turning off the authenticator app needs a current secret).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::{account_page, password_is_right, throttle, PersonPost, Shown, ACCOUNT_PATH};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::passkeys;
use crate::web::see_other;
use crate::web::session;
use crate::web::signin::event;

#[derive(serde::Deserialize)]
pub struct RemovePasskeyForm {
    csrf: Option<String>,
    #[serde(default)]
    id: String,
    #[serde(default)]
    password: String,
}

crate::web::csrf::csrf_forms!(RemovePasskeyForm);

/// `POST /account/passkeys/remove`.
pub async fn remove_passkey(
    req: HttpRequest,
    PersonPost { signed_in, form }: PersonPost<RemovePasskeyForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let user = signed_in.user.clone();
    let proved = if form.password.is_empty() {
        session::is_recent(&state, &signed_in.session)
    } else {
        if let Err(limited) = throttle(&state, &user).await {
            return Ok(limited);
        }
        password_is_right(&state, &user, &form.password).await?
    };
    if !proved {
        let why = if form.password.is_empty() {
            crate::msg!("account-passkey-password-needed")
        } else {
            crate::msg!("password-wrong")
        };
        let shown = Shown {
            passkey: Some(crate::i18n::t(why)),
            ..Shown::default()
        };
        return account_page(&req, &state, &signed_in, StatusCode::UNAUTHORIZED, shown).await;
    }
    let (user_id, id) = (user.id.clone(), form.id.clone());
    let removed = state
        .store
        .run(move |conn| passkeys::remove(conn, &user_id, &id))
        .await?;
    let Some(removed) = removed else {
        return Ok(see_other(ACCOUNT_PATH));
    };
    let mut entry = event(
        &req,
        &state,
        &user.id,
        "passkey_removed",
        &user.id,
        "success",
    );
    entry.detail = format!("passkey {}", removed.id);
    state.audit(entry).await;
    Ok(see_other("/account?done=passkey-removed"))
}
