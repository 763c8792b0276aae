//! The verification page of the device flow (RFC 8628 §3.3): a person types the code their
//! device shows, or arrives with it filled in from `verification_uri_complete` and still has to
//! confirm it with the button (§5.4: a link alone must not approve anything). A recognised code
//! starts the authorization pipeline, which signs the person in, asks for a second factor and
//! consent as for `/authorize`, and records the decision for the device. Every submission counts
//! against the per-address `device` rate limit, so codes cannot be guessed at speed.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{csrf, render, with_cookie};
use crate::error::AppError;
use crate::oidc::authorize::{self, checks::ValidRequest};
use crate::oidc::device::{user_code, GRANT_TYPE};
use crate::state::AppState;
use crate::store::{clients, device_authorizations, unix_now, StoreError};

/// Longer than any code however it is spaced; what is longer is not shown back.
const MAX_TYPED_LEN: usize = 32;

#[derive(Template)]
#[template(path = "device.html")]
struct EntryPage<'a> {
    csrf: &'a str,
    user_code: &'a str,
    /// Filled in from a link: the person is asked to check it against the device.
    prefilled: bool,
    error: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct EntryQuery {
    user_code: Option<String>,
}

pub async fn page(
    req: HttpRequest,
    query: web::Query<EntryQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let typed = query
        .user_code
        .as_deref()
        .filter(|c| c.len() <= MAX_TYPED_LEN)
        .unwrap_or("");
    entry_page(&state, &req, StatusCode::OK, typed, None)
}

fn entry_page(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    user_code: &str,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let token = csrf::issue(state, req);
    let page = EntryPage {
        csrf: &token.form_value,
        user_code,
        prefilled: !user_code.is_empty() && error.is_none(),
        error,
    };
    with_cookie(render(status, &page)?, token.cookie)
}

#[derive(serde::Deserialize)]
pub struct EntryForm {
    user_code: String,
    csrf: Option<String>,
}

pub async fn submit(
    req: HttpRequest,
    form: web::Form<EntryForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if !csrf::verify(&state, &req, form.csrf.as_deref()) {
        return Err(super::csrf_refused());
    }
    let typed: String = form.user_code.chars().take(MAX_TYPED_LEN).collect();
    let Some(request) = find(&state, &typed).await? else {
        tracing::info!(event = "device_code_not_recognised");
        let error = crate::i18n::t("device-unknown");
        return entry_page(&state, &req, StatusCode::BAD_REQUEST, &typed, Some(error));
    };
    authorize::start_device(&req, &state, request).await
}

/// The live device request the typed code belongs to, as the pipeline carries it; `None` for
/// a code that is malformed, unknown, expired, decided, or whose client may no longer use the
/// device grant.
async fn find(state: &AppState, typed: &str) -> Result<Option<ValidRequest>, AppError> {
    let Some(normalized) = user_code::normalize(typed) else {
        return Ok(None);
    };
    let digest = user_code::digest(&normalized);
    let found = state
        .store
        .run(move |conn| {
            let Some(device) =
                device_authorizations::find_pending_by_user_code(conn, &digest, unix_now())?
            else {
                return Ok::<_, StoreError>(None);
            };
            match clients::find(conn, &device.client_id) {
                Ok(client) => Ok(Some((device, client))),
                Err(StoreError::NotFound) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .await?;
    Ok(found
        .filter(|(_, client)| client.allows_grant(GRANT_TYPE))
        .map(|(device, client)| {
            let scopes = device.scope.split(' ').map(String::from).collect();
            ValidRequest::for_device(client, scopes, device.id)
        }))
}
