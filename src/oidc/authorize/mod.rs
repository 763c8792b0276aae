//! The authorization endpoint as one pipeline: validate the request, then decide what it still
//! needs — a sign-in, a fresher one, a second factor, consent — and only when nothing is missing
//! issue the code. Every interaction (login, second factor, enrolment, forced password change,
//! consent) records its result on the session or the pending request and sends the browser back
//! to `/authorize/resume`, which runs the whole policy again: nothing else issues codes.

pub mod checks;
mod device;
pub mod pending;
mod respond;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use self::checks::{Rejection, ValidRequest};
use self::pending::Pending;
use crate::error::AppError;
use crate::oidc::form::Form;
use crate::state::AppState;
use crate::store::{consents, unix_now, StoreError};
use crate::web::{see_other, session, with_cookie};

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
    let (form, pushed) = match form.single("request_uri").ok().flatten() {
        Some(request_uri) => (pushed_request(state, &form, request_uri).await?, true),
        None => (form, false),
    };
    let validated = state
        .store
        .run(move |conn| Ok::<_, StoreError>(checks::validate(conn, &form)))
        .await?;
    match validated {
        Ok(request)
            if !pushed
                && (state.config.settings.authorization.require_par
                    || request.client.require_par) =>
        {
            respond::error_redirect(
                state,
                &request.redirect_uri,
                request.response_mode,
                request.state.as_deref(),
                "invalid_request",
                "authorization requests must be pushed first (RFC 9126)",
            )
        }
        Ok(request) => {
            crate::i18n::follow_request(request.ui_locale.as_deref());
            proceed(req, state, Progress::fresh(request)).await
        }
        Err(Rejection::Page(message)) => Err(AppError::shown(
            StatusCode::BAD_REQUEST,
            "error-request-refused-title",
            message,
        )),
        Err(Rejection::Redirect {
            redirect_uri,
            response_mode,
            state: client_state,
            error,
            description,
        }) => respond::error_redirect(
            state,
            &redirect_uri,
            response_mode,
            client_state.as_deref(),
            error,
            &description,
        ),
    }
}

/// RFC 9126 §4: with a `request_uri` from `/par`, the pushed parameters are the request, and
/// only `client_id` of the front channel's is read (to find them). A bad one cannot be
/// redirected: nothing trustworthy names where to.
async fn pushed_request(
    state: &AppState,
    form: &Form,
    request_uri: &str,
) -> Result<Form, AppError> {
    let refused = || {
        AppError::shown(
            StatusCode::BAD_REQUEST,
            "error-link-expired-title",
            "error-start-again-message",
        )
    };
    let Some(client_id) = form.single("client_id").ok().flatten() else {
        return Err(refused());
    };
    if !request_uri.starts_with(crate::oidc::par::REQUEST_URI_PREFIX) {
        return Err(refused());
    }
    crate::oidc::par::take(state, request_uri, client_id)
        .await?
        .ok_or_else(refused)
}

/// A person on `/device` entered the user code of a live device request (RFC 8628 §3.3): from
/// here it is a sign-in like any other, ending in the device's approval instead of a code.
pub async fn start_device(
    req: &HttpRequest,
    state: &AppState,
    request: ValidRequest,
) -> Result<HttpResponse, AppError> {
    proceed(req, state, Progress::fresh(request)).await
}

#[derive(serde::Deserialize)]
pub struct ResumeQuery {
    req: String,
}

/// Where every interaction sends the browser once it has recorded its result.
pub async fn resume(
    req: HttpRequest,
    query: web::Query<ResumeQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let pending = pending::load(&state, &req, &query.req).await?;
    proceed(&req, &state, Progress::resumed(pending)).await
}

/// A request on its way through the pipeline: new, or resumed from its stored form.
struct Progress {
    request: ValidRequest,
    pending_id: Option<String>,
    requested_at: i64,
    consented_by: Option<String>,
}

impl Progress {
    fn fresh(request: ValidRequest) -> Progress {
        Progress {
            request,
            pending_id: None,
            requested_at: unix_now(),
            consented_by: None,
        }
    }

    fn resumed(pending: Pending) -> Progress {
        Progress {
            request: pending.request,
            pending_id: Some(pending.id),
            requested_at: pending.created_at,
            consented_by: pending.consented_by,
        }
    }
}

/// What the request still needs from the person.
enum Interaction {
    Login,
    SecondFactor,
    VerifiedEmail,
    Consent,
}

impl Interaction {
    fn path(&self) -> &'static str {
        match self {
            Interaction::Login => "/login",
            Interaction::SecondFactor => "/login/second-factor",
            Interaction::VerifiedEmail => "/login/verify-email",
            Interaction::Consent => "/consent",
        }
    }

    /// The error `prompt=none` answers instead (OpenID Connect Core §3.1.2.6).
    fn refusal(&self) -> (&'static str, &'static str) {
        match self {
            Interaction::Login => ("login_required", "the person must sign in"),
            Interaction::SecondFactor => ("interaction_required", "a second factor is required"),
            Interaction::VerifiedEmail => (
                "interaction_required",
                "the person must verify their email address",
            ),
            Interaction::Consent => ("consent_required", "the person has not consented"),
        }
    }
}

/// The whole policy, run for a new request and again after every interaction.
async fn proceed(
    req: &HttpRequest,
    state: &AppState,
    progress: Progress,
) -> Result<HttpResponse, AppError> {
    let request = &progress.request;
    let signed_in = session::current(state, req).await?;
    let now = unix_now();
    // Signed in during this very request satisfies `prompt=login` and any `max_age`
    // (`max_age=0` included, which would otherwise never be met a second later).
    let fresh_enough = |auth_time: i64| {
        let during_request = auth_time >= progress.requested_at;
        let reauthenticated = !request.prompts("login") || during_request;
        let within_max_age = request
            .max_age
            .is_none_or(|max| during_request || now - auth_time <= max);
        reauthenticated && within_max_age
    };
    let Some(signed_in) = signed_in.filter(|s| fresh_enough(s.session.auth_time)) else {
        return interact(req, state, &progress, Interaction::Login).await;
    };
    let has_second_factor = crate::oidc::amr::is_multi_factor(&signed_in.session.amr);
    if request.needs_second_factor() && !has_second_factor {
        return interact(req, state, &progress, Interaction::SecondFactor).await;
    }
    // A self-registered account signs in to clients only once its address is proved: until
    // then the address (and so the account) may be anyone's.
    if crate::web::verify::must_verify(state, &signed_in.user).await? {
        return interact(req, state, &progress, Interaction::VerifiedEmail).await;
    }
    let consented_here = progress.consented_by.as_deref() == Some(signed_in.user.id.as_str());
    let needs_consent = if request.client.first_party || consented_here {
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
        return interact(req, state, &progress, Interaction::Consent).await;
    }
    if let Some(device_id) = &request.device_id {
        let pending_id = progress.pending_id.as_deref();
        return device::approve(
            state,
            req,
            request,
            device_id,
            pending_id,
            &signed_in.session,
        )
        .await?
        .ok_or_else(crate::web::expired_request);
    }
    match respond::issue_code(
        state,
        request,
        progress.pending_id.as_deref(),
        &signed_in.session,
    )
    .await?
    {
        Some(response) => Ok(response),
        // Another tab or node finished this request first.
        None => Err(crate::web::expired_request()),
    }
}

/// Account `user_id` refused on the consent page: the request ends with `access_denied`.
pub async fn decline(
    req: &HttpRequest,
    state: &AppState,
    pending: Pending,
    user_id: &str,
) -> Result<HttpResponse, AppError> {
    let progress = Progress::resumed(pending);
    if let Some(device_id) = &progress.request.device_id {
        let pending_id = progress.pending_id.as_deref();
        return device::deny(
            state,
            req,
            &progress.request,
            device_id,
            pending_id,
            user_id,
        )
        .await;
    }
    finish_with_error(state, &progress, "access_denied", "the person declined").await
}

/// Sends the browser to the page the request needs next (saving the request the first time),
/// or answers the client's error when it asked for no interaction.
async fn interact(
    req: &HttpRequest,
    state: &AppState,
    progress: &Progress,
    needed: Interaction,
) -> Result<HttpResponse, AppError> {
    if progress.request.prompts("none") {
        let (error, description) = needed.refusal();
        return finish_with_error(state, progress, error, description).await;
    }
    let (id, cookie) = match &progress.pending_id {
        Some(id) => (id.clone(), None),
        None => pending::save(state, req, &progress.request, progress.requested_at).await?,
    };
    with_cookie(see_other(&format!("{}?req={id}", needed.path())), cookie)
}

/// Answers the client with an error, ending the pending request.
async fn finish_with_error(
    state: &AppState,
    progress: &Progress,
    error: &str,
    description: &str,
) -> Result<HttpResponse, AppError> {
    if let Some(id) = progress.pending_id.clone() {
        state
            .store
            .run(move |conn| crate::store::auth_requests::take(conn, &id, unix_now()))
            .await?;
    }
    respond::error_redirect(
        state,
        &progress.request.redirect_uri,
        progress.request.response_mode,
        progress.request.state.as_deref(),
        error,
        description,
    )
}
