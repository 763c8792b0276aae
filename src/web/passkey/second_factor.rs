//! A passkey as the second factor: after a right password at sign-in (the signed ticket names
//! the account), or as the step up a client that requires two factors asks of a session signed
//! in with a password alone. Only the account's own passkeys are offered and accepted.

use actix_web::{web, HttpRequest, HttpResponse};
use webauthn_rs::prelude::{Passkey, PasskeyAuthentication, PublicKeyCredential};

use super::ceremony::{self, Kind};
use super::credentials::{self, credential_id_text};
use super::signin::not_recognised;
use super::{csrf_refused, expired, go_to, malformed, refused, relying_party, unavailable};
use crate::error::AppError;
use crate::oidc::amr;
use crate::state::AppState;
use crate::store::passkeys::{self, StoredPasskey};
use crate::store::users::User;
use crate::store::{sessions, unix_now};
use crate::web::session::{self, SignedIn};
use crate::web::{csrf, second_factor::TICKET_PURPOSE, signin};

#[derive(serde::Deserialize)]
pub struct Body {
    csrf: Option<String>,
    #[serde(default)]
    req: String,
    /// At sign-in: the ticket of the right password. Empty for a step up of the session.
    #[serde(default)]
    ticket: String,
    #[serde(default)]
    ceremony: String,
    #[serde(default)]
    credential: serde_json::Value,
}

/// Who the second factor is for: the account of a sign-in ticket, or of the session.
enum Subject {
    /// A sign-in whose first factor passed: the account, and that factor (`pwd` or `fed`).
    Ticket(User, String),
    Session(SignedIn),
}

impl Subject {
    fn user(&self) -> &User {
        match self {
            Subject::Ticket(user, _) => user,
            Subject::Session(signed_in) => &signed_in.user,
        }
    }
}

async fn subject(
    state: &AppState,
    req: &HttpRequest,
    body: &Body,
) -> Result<Result<Subject, HttpResponse>, AppError> {
    if !csrf::verify(state, req, body.csrf.as_deref()) {
        return Ok(Err(csrf_refused()));
    }
    if signin::check_destination(state, req, &body.req)
        .await
        .is_err()
    {
        return Ok(Err(expired()));
    }
    if !body.ticket.is_empty() {
        return Ok(
            match signin::ticket_user_with_amr(state, TICKET_PURPOSE, &body.ticket).await {
                // The forced password change is a page after the code page; it follows a code.
                Ok((user, _)) if user.must_change_password => Err(refused(
                    actix_web::http::StatusCode::BAD_REQUEST,
                    "invalid_request",
                    crate::msg!("passkey-code-needed-for-new-password"),
                )),
                Ok((user, first)) => Ok(Subject::Ticket(user, first)),
                Err(_) => Err(expired()),
            },
        );
    }
    Ok(session::current(state, req)
        .await?
        .map(Subject::Session)
        .ok_or_else(expired))
}

async fn stored_passkeys(state: &AppState, user: &User) -> Result<Vec<StoredPasskey>, AppError> {
    let id = user.id.clone();
    Ok(state
        .store
        .run(move |conn| passkeys::list_for_user(conn, &id))
        .await?)
}

/// `POST /login/passkey/second-factor/begin`: a challenge for the account's own passkeys.
pub async fn begin(
    req: HttpRequest,
    body: web::Json<Body>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let subject = match subject(&state, &req, &body).await? {
        Ok(subject) => subject,
        Err(refusal) => return Ok(refusal),
    };
    let Some(rp) = relying_party(&state) else {
        return Ok(unavailable());
    };
    let user = subject.user();
    let stored = stored_passkeys(&state, user).await?;
    if stored.is_empty() {
        return Ok(refused(
            actix_web::http::StatusCode::BAD_REQUEST,
            "invalid_request",
            crate::msg!("passkey-none-on-account"),
        ));
    }
    let keys = stored
        .iter()
        .map(credentials::parse)
        .collect::<Result<Vec<Passkey>, _>>()?;
    let (options, auth) = rp
        .start_passkey_authentication(&keys)
        .map_err(AppError::failed)?;
    let options = serde_json::to_value(&options).map_err(AppError::failed)?;
    let kind = Kind::SecondFactor;
    ceremony::begin(&state, &req, kind, Some(user.id.clone()), &auth, options).await
}

/// `POST /login/passkey/second-factor/finish`: verifies the assertion, then either starts the
/// session (at sign-in) or records the second factor on it (a step up).
pub async fn finish(
    req: HttpRequest,
    body: web::Json<Body>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let subject = match subject(&state, &req, &body).await? {
        Ok(subject) => subject,
        Err(refusal) => return Ok(refusal),
    };
    let Some(rp) = relying_party(&state) else {
        return Ok(unavailable());
    };
    let Ok(credential) = serde_json::from_value::<PublicKeyCredential>(body.credential) else {
        return Ok(malformed());
    };
    let claimed =
        ceremony::claim::<PasskeyAuthentication>(&state, &req, Kind::SecondFactor, &body.ceremony)
            .await?;
    let user = subject.user().clone();
    let Some(claimed) = claimed.filter(|c| c.user_id.as_deref() == Some(user.id.as_str())) else {
        return Ok(expired());
    };
    let credential_id = credential_id_text(credential.get_credential_id());
    let stored = stored_passkeys(&state, &user)
        .await?
        .into_iter()
        .find(|p| p.credential_id == credential_id);
    // A lock set meanwhile refuses, with the same answer as a wrong passkey.
    let locked = user.locked_until.is_some_and(|until| until > unix_now());
    let verified = match &stored {
        Some(stored) if !locked => {
            let passkey = credentials::parse(stored)?;
            rp.finish_passkey_authentication(&credential, &claimed.state)
                .map_err(
                    |e| tracing::info!(event = "passkey_refused", user_id = %user.id, reason = %e),
                )
                .ok()
                .map(|result| (passkey, result))
        }
        _ => None,
    };
    let (Some(stored), Some((passkey, result))) = (stored, verified) else {
        crate::metrics::signin(false);
        signin::failed(&req, &state, &user.username, Some(&user)).await;
        return Ok(not_recognised());
    };
    credentials::record_use(&state, &stored, passkey, &result).await?;
    let first = match &subject {
        Subject::Ticket(_, first) => first.clone(),
        Subject::Session(signed_in) => signed_in.session.amr.clone(),
    };
    let methods = amr::then_passkey(&first, result.backup_eligible(), result.user_verified());
    let continue_to = signin::after_sign_in_url(&body.req);
    match subject {
        Subject::Ticket(user, _) => {
            crate::metrics::signin(true);
            signin::record_success(&req, &state, &user, &methods).await?;
            let cookie = signin::start_session(&req, &state, &user.id, &methods).await?;
            let mut response = go_to(&continue_to);
            response.add_cookie(&cookie).map_err(AppError::failed)?;
            Ok(response)
        }
        Subject::Session(signed_in) => {
            let id_hash = signed_in.session.id_hash.clone();
            state
                .store
                .run(move |conn| sessions::set_amr(conn, &id_hash, &methods))
                .await?;
            Ok(go_to(&continue_to))
        }
    }
}
