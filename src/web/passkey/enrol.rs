//! Adding a passkey on the account page: only in a session signed in recently (as for an
//! authenticator app), asking for a discoverable credential with user verification, and
//! refusing a credential already registered to any account.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use webauthn_rs::prelude::{
    AttestedPasskeyRegistration, CredentialID, Passkey, PasskeyRegistration,
    RegisterPublicKeyCredential, Uuid, WebauthnError,
};

use super::ceremony::{self, Kind};
use super::credentials;
use super::{csrf_refused, expired, go_to, malformed, refused, relying_party, unavailable};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::passkeys;
use crate::store::StoreError;
use crate::web::csrf;
use crate::web::session::{self, SignedIn};
use crate::web::signin::event;

/// Sign in again, then back to the account page.
const REAUTHENTICATE: &str = "/login?next=/account";

#[derive(serde::Deserialize)]
pub struct Body {
    csrf: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    ceremony: String,
    #[serde(default)]
    credential: serde_json::Value,
}

/// The person of a recent sign-in, or what the script is told instead.
async fn recent_person(
    state: &AppState,
    req: &HttpRequest,
    body: &Body,
) -> Result<Result<SignedIn, HttpResponse>, AppError> {
    if !csrf::verify(state, req, body.csrf.as_deref()) {
        return Ok(Err(csrf_refused()));
    }
    let Some(signed_in) = session::current(state, req).await? else {
        return Ok(Err(sign_in_again("passkey-sign-in-to-add")));
    };
    // Whoever holds an old session (a stolen cookie, say) must not bind their own passkey.
    if !session::is_recent(state, &signed_in.session) {
        return Ok(Err(sign_in_again("passkey-sign-in-again-to-add")));
    }
    Ok(Ok(signed_in))
}

/// A refusal that also tells the script where the person can put it right; `description` is a
/// catalog message id.
fn sign_in_again(description: &str) -> HttpResponse {
    HttpResponse::Forbidden()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({
            "error": "login_required",
            "error_description": crate::i18n::t(description),
            "redirect": REAUTHENTICATE,
        }))
}

/// `POST /account/passkeys/begin`: the options to create a passkey for this account.
pub async fn begin(
    req: HttpRequest,
    body: web::Json<Body>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let signed_in = match recent_person(&state, &req, &body).await? {
        Ok(signed_in) => signed_in,
        Err(refusal) => return Ok(refusal),
    };
    let Some(rp) = relying_party(&state) else {
        return Ok(unavailable());
    };
    let user = &signed_in.user;
    let id = user.id.clone();
    let (handle, existing) = state
        .store
        .run(move |conn| {
            let handle = passkeys::user_handle(conn, &id)?;
            let existing = passkeys::list_for_user(conn, &id)?;
            Ok::<_, StoreError>((handle, existing))
        })
        .await?;
    // One random handle per account, never its id: the authenticator keeps it.
    let handle = handle
        .and_then(|h| Uuid::parse_str(&h).ok())
        .unwrap_or_else(Uuid::new_v4);
    let exclude = existing
        .iter()
        .map(|p| credentials::parse(p).map(|k| k.cred_id().clone()))
        .collect::<Result<Vec<CredentialID>, _>>()?;
    let display = user.name.as_deref().unwrap_or(&user.username);
    let (options, registration) = match &state.config.passkey_attestation {
        None => rp
            .start_passkey_registration(handle, &user.username, display, Some(exclude))
            .map(|(options, r)| (options, Registration::Any(r))),
        Some(roots) => rp
            .start_attested_passkey_registration(
                handle,
                &user.username,
                display,
                Some(exclude),
                roots.clone(),
                None,
            )
            .map(|(options, r)| (options, Registration::Attested(r))),
    }
    .map_err(AppError::failed)?;
    let mut options = serde_json::to_value(&options).map_err(AppError::failed)?;
    // A discoverable credential, so that the passkey alone can sign in (the library's default
    // leaves that to the authenticator).
    if let Some(selection) = options
        .pointer_mut("/publicKey/authenticatorSelection")
        .and_then(|s| s.as_object_mut())
    {
        selection.insert("residentKey".into(), "required".into());
        selection.insert("requireResidentKey".into(), true.into());
    }
    // An attested enrolment asks the authenticator to demand user verification for this
    // credential (credProtect). Insisting on it would refuse every key without that CTAP 2.1
    // extension; it is defence in depth only, since each sign-in checks user verification
    // itself (amr, acr).
    if let Some(extensions) = options
        .pointer_mut("/publicKey/extensions")
        .and_then(|e| e.as_object_mut())
    {
        extensions.insert("enforceCredentialProtectionPolicy".into(), false.into());
    }
    let stored_state = Enrolment {
        handle: handle.to_string(),
        registration,
    };
    let kind = Kind::Enrol;
    ceremony::begin(
        &state,
        &req,
        kind,
        Some(user.id.clone()),
        &stored_state,
        options,
    )
    .await
}

/// What an enrolment keeps between its two requests.
#[derive(serde::Serialize, serde::Deserialize)]
struct Enrolment {
    handle: String,
    registration: Registration,
}

/// Any authenticator, or (`passkeys.attestation = "required"`) only the allowed models.
#[derive(serde::Serialize, serde::Deserialize)]
enum Registration {
    Any(PasskeyRegistration),
    Attested(AttestedPasskeyRegistration),
}

/// The new credential, if the authenticator's answer verifies (and, when attestation is
/// required, its make and model are allowed).
fn verify(
    rp: &webauthn_rs::prelude::Webauthn,
    credential: &RegisterPublicKeyCredential,
    registration: &Registration,
) -> Result<Passkey, WebauthnError> {
    match registration {
        Registration::Any(state) => rp.finish_passkey_registration(credential, state),
        Registration::Attested(state) => rp
            .finish_attested_passkey_registration(credential, state)
            .map(Passkey::from),
    }
}

/// Whether a refusal is about the authenticator's make and model rather than the ceremony.
fn is_attestation_refusal(error: &WebauthnError) -> bool {
    matches!(
        error,
        WebauthnError::AttestationNotVerifiable
            | WebauthnError::AttestationChainNotTrusted(_)
            | WebauthnError::AttestationUntrustedAaguid
            | WebauthnError::AttestationTrustFailure
            | WebauthnError::AttestationFormatMissingAaguid
            | WebauthnError::AttestationCertificateTrustStoreEmpty
            | WebauthnError::CredentialMayNotBeHardwareBound
    )
}

/// `POST /account/passkeys/finish`: verifies the new credential and stores it.
pub async fn finish(
    req: HttpRequest,
    body: web::Json<Body>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let signed_in = match recent_person(&state, &req, &body).await? {
        Ok(signed_in) => signed_in,
        Err(refusal) => return Ok(refusal),
    };
    let Some(rp) = relying_party(&state) else {
        return Ok(unavailable());
    };
    let Ok(credential) = serde_json::from_value::<RegisterPublicKeyCredential>(body.credential)
    else {
        return Ok(malformed());
    };
    let user = &signed_in.user;
    let claimed = ceremony::claim::<Enrolment>(&state, &req, Kind::Enrol, &body.ceremony).await?;
    let Some(claimed) = claimed.filter(|c| c.user_id.as_deref() == Some(user.id.as_str())) else {
        return Ok(expired());
    };
    let passkey = match verify(rp, &credential, &claimed.state.registration) {
        Ok(passkey) => passkey,
        Err(e) => {
            tracing::info!(event = "passkey_enrolment_refused", user_id = %user.id, reason = %e);
            let description = if is_attestation_refusal(&e) {
                crate::msg!("passkey-not-approved")
            } else {
                crate::msg!("passkey-not-added")
            };
            return Ok(refused(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                description,
            ));
        }
    };
    let name = credentials::clean_name(&body.name);
    let row = credentials::new_row(&user.id, &claimed.state.handle, &name, &passkey)?;
    let passkey_id = row.id.clone();
    match state
        .store
        .run(move |conn| passkeys::insert(conn, &row))
        .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict) => {
            return Ok(refused(
                StatusCode::CONFLICT,
                "conflict",
                crate::msg!("passkey-registered-already"),
            ))
        }
        Err(e) => return Err(e.into()),
    }
    let mut added = event(&req, &state, &user.id, "passkey_added", &user.id, "success");
    added.detail = format!("passkey {passkey_id}");
    state.audit(added).await;
    Ok(go_to("/account?done=passkey"))
}
