//! The authorization endpoint: validate the request, then sign in, ask consent, and answer with
//! a code. A request waiting for the person is stored, so any node can resume it.

pub mod checks;
pub mod respond;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use self::checks::{Rejection, ValidRequest};
use crate::crypto::secrets::random_token;
use crate::error::AppError;
use crate::oidc::form::Form;
use crate::state::AppState;
use crate::store::auth_requests::{self, PendingRequest};
use crate::store::{clients, consents, unix_now, StoreError};
use crate::web::{consent, expired_request, see_other, session};

/// How long a person may take over the login and consent pages.
pub const PENDING_TTL_SECS: i64 = 900;

pub async fn authorize_get(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    start(&req, &state, Form::from_query(req.query_string())).await
}

pub async fn authorize_post(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = Form::from_request(&req, &body).map_err(|e| {
        AppError::page(
            StatusCode::BAD_REQUEST,
            "Invalid sign-in request",
            e.description,
        )
    })?;
    start(&req, &state, form).await
}

async fn start(req: &HttpRequest, state: &AppState, form: Form) -> Result<HttpResponse, AppError> {
    let validated = state
        .store
        .run(move |conn| Ok::<_, StoreError>(checks::validate(conn, &form)))
        .await?;
    match validated {
        Ok(request) => proceed(req, state, request, None, unix_now()).await,
        Err(Rejection::Page(message)) => Err(AppError::page(
            StatusCode::BAD_REQUEST,
            "Sign-in request refused",
            message,
        )),
        Err(Rejection::Redirect {
            redirect_uri,
            state: client_state,
            error,
            description,
        }) => respond::error_redirect(
            state,
            &redirect_uri,
            client_state.as_deref(),
            error,
            &description,
        ),
    }
}

#[derive(serde::Deserialize)]
pub struct ResumeQuery {
    req: String,
}

/// Where the login page sends the browser back to once the person has signed in.
pub async fn resume(
    req: HttpRequest,
    query: web::Query<ResumeQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (request, created_at) = load_pending(&state, query.into_inner().req.clone()).await?;
    let id = request.1;
    proceed(&req, &state, request.0, Some(id), created_at).await
}

/// The pending request and its id, with the time it was first made.
pub async fn load_pending(
    state: &AppState,
    id: String,
) -> Result<((ValidRequest, String), i64), AppError> {
    let loaded = state
        .store
        .run(move |conn| {
            let Some(pending) = auth_requests::find(conn, &id, unix_now())? else {
                return Ok::<_, StoreError>(None);
            };
            let client = match clients::find(conn, &pending.client_id) {
                Ok(client) => client,
                Err(StoreError::NotFound) => return Ok(None),
                Err(e) => return Err(e),
            };
            Ok(Some((pending, client)))
        })
        .await?;
    let (pending, client) = loaded.ok_or_else(expired_request)?;
    let created_at = pending.created_at;
    let id = pending.id.clone();
    Ok(((from_pending(client, pending), id), created_at))
}

fn from_pending(client: clients::Client, pending: PendingRequest) -> ValidRequest {
    let split = |s: &str| s.split_whitespace().map(String::from).collect();
    ValidRequest {
        client,
        redirect_uri: pending.redirect_uri,
        scopes: split(&pending.scope),
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: pending.code_challenge,
        prompt: split(&pending.prompt),
        max_age: pending.max_age,
        login_hint: pending.login_hint,
        acr_values: pending.acr_values.as_deref().map(split).unwrap_or_default(),
    }
}

/// Decides what the request still needs: a sign-in, consent, or nothing more (a code).
async fn proceed(
    req: &HttpRequest,
    state: &AppState,
    request: ValidRequest,
    pending_id: Option<String>,
    requested_at: i64,
) -> Result<HttpResponse, AppError> {
    let signed_in = session::current(state, req).await?;
    let now = unix_now();
    let fresh_enough = |auth_time: i64| {
        let reauthenticated = !request.prompts("login") || auth_time >= requested_at;
        let within_max_age = request.max_age.is_none_or(|max| now - auth_time <= max);
        reauthenticated && within_max_age
    };
    let signed_in = match signed_in {
        Some(s) if fresh_enough(s.session.auth_time) => s,
        _ => {
            if request.prompts("none") {
                return refuse(
                    state,
                    &request,
                    "login_required",
                    "the person is not signed in",
                );
            }
            let id = save_pending(state, &request, pending_id, requested_at).await?;
            return Ok(see_other(&format!("/login?req={id}")));
        }
    };
    let has_second_factor = signed_in.session.amr.split_whitespace().any(|m| m == "otp");
    if request.needs_second_factor() && !has_second_factor {
        if request.prompts("none") {
            return refuse(
                state,
                &request,
                "interaction_required",
                "a second factor is required",
            );
        }
        let id = save_pending(state, &request, pending_id, requested_at).await?;
        return Ok(see_other(&format!("/login/second-factor?req={id}")));
    }
    let needs_consent = if request.client.first_party {
        false
    } else if request.prompts("consent") {
        true
    } else {
        let (user_id, client_id) = (signed_in.user.id.clone(), request.client.id.clone());
        let granted = state
            .store
            .run(move |conn| consents::granted_scopes(conn, &user_id, &client_id))
            .await?;
        request.scopes.iter().any(|s| !granted.contains(s))
    };
    if needs_consent {
        if request.prompts("none") {
            return refuse(
                state,
                &request,
                "consent_required",
                "the person has not consented",
            );
        }
        let id = save_pending(state, &request, pending_id, requested_at).await?;
        return consent::page(req, state, &request, &id, &signed_in.user);
    }
    respond::issue_code(state, &request, pending_id, &signed_in.session).await
}

fn refuse(
    state: &AppState,
    request: &ValidRequest,
    error: &str,
    description: &str,
) -> Result<HttpResponse, AppError> {
    respond::error_redirect(
        state,
        &request.redirect_uri,
        request.state.as_deref(),
        error,
        description,
    )
}

async fn save_pending(
    state: &AppState,
    request: &ValidRequest,
    existing: Option<String>,
    created_at: i64,
) -> Result<String, AppError> {
    if let Some(id) = existing {
        return Ok(id);
    }
    let pending = PendingRequest {
        id: random_token::<24>(),
        client_id: request.client.id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        scope: request.scopes.join(" "),
        state: request.state.clone(),
        nonce: request.nonce.clone(),
        code_challenge: request.code_challenge.clone(),
        prompt: request.prompt.join(" "),
        max_age: request.max_age,
        login_hint: request.login_hint.clone(),
        acr_values: (!request.acr_values.is_empty()).then(|| request.acr_values.join(" ")),
        created_at,
        expires_at: created_at + PENDING_TTL_SECS,
    };
    let id = pending.id.clone();
    state
        .store
        .run(move |conn| auth_requests::insert(conn, &pending))
        .await?;
    Ok(id)
}
