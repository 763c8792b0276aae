//! Signing in with a passkey alone: a discoverable credential names its account through the
//! user handle. The same lockout, rate limit (the login bucket) and audit as a password apply;
//! a disabled or locked account gets the same answer as an unknown credential. The session then
//! carries the result to `/authorize/resume`, like every other sign-in.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use webauthn_rs::prelude::{DiscoverableAuthentication, PublicKeyCredential};

use super::ceremony::{self, Kind};
use super::credentials::{self, credential_id_text};
use super::{csrf_refused, expired, go_to, malformed, refused, relying_party, unavailable};
use crate::error::AppError;
use crate::oidc::amr;
use crate::state::AppState;
use crate::store::passkeys::{self, StoredPasskey};
use crate::store::unix_now;
use crate::store::users::{self, User};
use crate::web::{csrf, signin};

/// The words for every refused passkey sign-in, whatever the reason.
pub const NOT_RECOGNISED: &str = crate::msg!("passkey-not-accepted");
/// What failed passkey sign-ins are counted under when no account is known.
const UNKNOWN_PASSKEY: &str = "(passkey)";

#[derive(serde::Deserialize)]
pub struct BeginBody {
    csrf: Option<String>,
    /// The pending authorization request (or `/account`, `/admin`) the sign-in is for.
    #[serde(default)]
    req: String,
}

/// `POST /login/passkey/begin`: a challenge for any of this site's discoverable credentials.
pub async fn begin(
    req: HttpRequest,
    body: web::Json<BeginBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    if !csrf::verify(&state, &req, body.csrf.as_deref()) {
        return Ok(csrf_refused());
    }
    if signin::check_destination(&state, &req, &body.req)
        .await
        .is_err()
    {
        return Ok(expired());
    }
    let Some(rp) = relying_party(&state) else {
        return Ok(unavailable());
    };
    let (options, auth) = rp
        .start_discoverable_authentication()
        .map_err(AppError::failed)?;
    let mut options = serde_json::to_value(&options).map_err(AppError::failed)?;
    // The script chooses the mediation: conditional for the username field's autofill,
    // immediate for the button.
    if let Some(options) = options.as_object_mut() {
        options.remove("mediation");
    }
    ceremony::begin(&state, &req, Kind::SignIn, None, &auth, options).await
}

#[derive(serde::Deserialize)]
pub struct FinishBody {
    csrf: Option<String>,
    #[serde(default)]
    req: String,
    #[serde(default)]
    ceremony: String,
    #[serde(default)]
    credential: serde_json::Value,
}

/// `POST /login/passkey/finish`: verifies the assertion and starts the session.
pub async fn finish(
    req: HttpRequest,
    body: web::Json<FinishBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    if !csrf::verify(&state, &req, body.csrf.as_deref()) {
        return Ok(csrf_refused());
    }
    if signin::check_destination(&state, &req, &body.req)
        .await
        .is_err()
    {
        return Ok(expired());
    }
    let Some(rp) = relying_party(&state) else {
        return Ok(unavailable());
    };
    let Ok(credential) = serde_json::from_value::<PublicKeyCredential>(body.credential) else {
        return Ok(malformed());
    };
    let Some(claimed) =
        ceremony::claim::<DiscoverableAuthentication>(&state, &req, Kind::SignIn, &body.ceremony)
            .await?
    else {
        return Ok(expired());
    };
    let Some((stored, user)) = owner(&state, rp, &credential).await? else {
        crate::metrics::signin(false);
        signin::failed(&req, &state, UNKNOWN_PASSKEY, None).await;
        return Ok(not_recognised());
    };
    let locked = user.locked_until.is_some_and(|until| until > unix_now());
    let passkey = credentials::parse(&stored)?;
    let verified = if user.disabled || locked {
        None
    } else {
        rp.finish_discoverable_authentication_v2(&credential, claimed.state, &passkey)
            .map_err(|e| tracing::info!(event = "passkey_refused", user_id = %user.id, reason = %e))
            .ok()
    };
    let Some(result) = verified else {
        crate::metrics::signin(false);
        signin::failed(&req, &state, &user.username, Some(&user)).await;
        return Ok(not_recognised());
    };
    credentials::record_use(&state, &stored, passkey, &result).await?;
    let methods = amr::passkey(result.backup_eligible(), result.user_verified()).join(" ");
    crate::metrics::signin(true);
    signin::record_success(&req, &state, &user, &methods).await?;
    let cookie = signin::start_session(&req, &state, &user.id, &methods).await?;
    let mut response = go_to(&signin::after_sign_in_url(&body.req));
    response.add_cookie(&cookie).map_err(AppError::failed)?;
    Ok(response)
}

/// The stored passkey the assertion names and its account: the credential id must be
/// registered, and under the user handle the authenticator returned.
async fn owner(
    state: &AppState,
    rp: &webauthn_rs::prelude::Webauthn,
    credential: &PublicKeyCredential,
) -> Result<Option<(StoredPasskey, User)>, AppError> {
    let Ok((handle, credential_id)) = rp.identify_discoverable_authentication(credential) else {
        return Ok(None);
    };
    let (handle, credential_id) = (handle.to_string(), credential_id_text(credential_id));
    Ok(state
        .store
        .run(move |conn| {
            let Some(stored) = passkeys::find_by_credential_id(conn, &credential_id)?
                .filter(|p| p.user_handle == handle)
            else {
                return Ok::<_, crate::store::StoreError>(None);
            };
            Ok(users::get(conn, &stored.user_id)?.map(|user| (stored, user)))
        })
        .await?)
}

pub fn not_recognised() -> HttpResponse {
    refused(StatusCode::UNAUTHORIZED, "access_denied", NOT_RECOGNISED)
}
