//! The person's own details: their display name, changed at once, and their email address,
//! which changes only once the new address is proved by a link sent to it (the old address is
//! then told). Changing the address needs the current password: whoever holds the address can
//! reset the password, so a borrowed session must not be enough to take it.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::password::sentence;
use super::{account_page, password_is_right, throttle, PersonPost, Shown};
use crate::accounts;
use crate::error::AppError;
use crate::ops::email_verification;
use crate::state::AppState;
use crate::store::email_verifications::Purpose;
use crate::web::see_other;
use crate::web::verify::send_link;

fn profile_error(why: String) -> Shown {
    Shown {
        profile: Some(why),
        ..Shown::default()
    }
}

#[derive(serde::Deserialize)]
pub struct NameForm {
    csrf: Option<String>,
    #[serde(default)]
    name: String,
}

#[derive(serde::Deserialize)]
pub struct EmailForm {
    csrf: Option<String>,
    #[serde(default)]
    email: String,
    #[serde(default)]
    current_password: String,
}

crate::web::csrf::csrf_forms!(NameForm, EmailForm);

/// `POST /account/name`: sets (or, empty, clears) the display name.
pub async fn change_name(
    req: HttpRequest,
    PersonPost { signed_in, form }: PersonPost<NameForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let name = match accounts::normalize_name(&form.name) {
        Ok(name) => name,
        Err(e) => {
            let why = sentence(&e.to_string());
            return account_page(
                &req,
                &state,
                &signed_in,
                StatusCode::BAD_REQUEST,
                profile_error(why),
            )
            .await;
        }
    };
    let ctx = state.ops_context(&req, &signed_in.user.id);
    let id = signed_in.user.id.clone();
    state
        .store
        .run(move |conn| email_verification::set_own_name(conn, &ctx, &id, name.as_deref()))
        .await?;
    Ok(see_other("/account?done=name"))
}

/// `POST /account/email`: with the current password, sends a link to the new address; the
/// address changes when it is followed.
pub async fn change_email(
    req: HttpRequest,
    PersonPost { signed_in, form }: PersonPost<EmailForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let user = signed_in.user.clone();
    // `why` is a catalog message id.
    let refuse = |status: StatusCode, why: &str| {
        let why = crate::i18n::t(why);
        let (req, state, signed_in) = (&req, &state, &signed_in);
        async move { account_page(req, state, signed_in, status, profile_error(why)).await }
    };
    if state.mail.is_none() {
        return refuse(StatusCode::NOT_FOUND, crate::msg!("account-email-mail-off")).await;
    }
    if let Err(limited) = throttle(&state, &user).await {
        return Ok(limited);
    }
    if !password_is_right(&state, &user, &form.current_password).await? {
        return refuse(
            StatusCode::UNAUTHORIZED,
            crate::msg!("account-current-password-wrong"),
        )
        .await;
    }
    let email = match accounts::normalize_email(&form.email) {
        Ok(email) => email,
        Err(_) => return refuse(StatusCode::BAD_REQUEST, crate::msg!("email-invalid")).await,
    };
    if user.email.as_deref() == Some(email.as_str()) {
        return refuse(StatusCode::BAD_REQUEST, crate::msg!("account-email-same")).await;
    }
    let limit = state.config.settings.rate_limit.signup_per_address;
    crate::web::limit_per_address(&state, "signup-address", &email, limit).await?;
    // Whether another account has the address is not told here; following the link tells the
    // holder of that mailbox, who is that account's owner.
    send_link(&state, &req, &user, email, Purpose::Change).await?;
    Ok(see_other("/account?done=email-sent"))
}
