//! Authorization requests that wait for the person: saved when an interaction is needed, bound
//! to the browser that sent them, and loaded again by every interaction and by the resume step.
//! Another browser presenting the id, or the same one after it expired or was finished, gets
//! the "this sign-in has expired" page.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::HttpRequest;

use super::checks::{ResponseMode, ValidRequest};
use crate::crypto::secrets::{constant_time_eq, random_token, sha256_hex};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::auth_requests::{self, PendingRequest};
use crate::store::{clients, consents, unix_now, write_transaction, StoreError};
use crate::web::expired_request;

/// How long a person may take over the login, second-factor and consent pages.
pub const PENDING_TTL_SECS: i64 = 900;
/// A random value per browser; pending requests store its digest.
pub const BROWSER_COOKIE: &str = "idp_browser";

/// A pending request as the pipeline resumes it.
pub struct Pending {
    pub id: String,
    pub request: ValidRequest,
    /// When the client sent the request: `prompt=login` needs a sign-in after this.
    pub created_at: i64,
    /// The account that allowed this very request on the consent page.
    pub consented_by: Option<String>,
}

/// The digest that binds requests to this browser, and the cookie to set if it has none yet.
pub fn browser_binding(state: &AppState, req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
    if let Some(cookie) = req.cookie(BROWSER_COOKIE).filter(|c| c.value().len() >= 32) {
        return (sha256_hex(cookie.value().as_bytes()), None);
    }
    let value = random_token::<32>();
    let digest = sha256_hex(value.as_bytes());
    let cookie = Cookie::build(BROWSER_COOKIE, value)
        .path("/")
        .http_only(true)
        .secure(state.config.issuer_is_https)
        .same_site(SameSite::Lax)
        .finish();
    (digest, Some(cookie))
}

/// Stores the request for this browser; returns its id and the binding cookie to set, if new.
pub async fn save(
    state: &AppState,
    req: &HttpRequest,
    request: &ValidRequest,
    created_at: i64,
) -> Result<(String, Option<Cookie<'static>>), AppError> {
    let (browser_hash, cookie) = browser_binding(state, req);
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
        browser_hash,
        consented_by: None,
        response_mode: request.response_mode.as_str().to_string(),
        ui_locale: request.ui_locale.clone(),
        device_id: request.device_id.clone(),
    };
    let id = pending.id.clone();
    state
        .store
        .run(move |conn| auth_requests::insert(conn, &pending))
        .await?;
    Ok((id, cookie))
}

/// The pending request `id` if it is alive and this browser started it; otherwise the
/// expired-sign-in page. The rest of the request is handled in the language it asked for.
pub async fn load(state: &AppState, req: &HttpRequest, id: &str) -> Result<Pending, AppError> {
    let presented = req
        .cookie(BROWSER_COOKIE)
        .map(|c| sha256_hex(c.value().as_bytes()));
    let id = id.to_string();
    let loaded = state
        .store
        .run(move |conn| {
            let Some(pending) = auth_requests::find(conn, &id, unix_now())? else {
                return Ok::<_, StoreError>(None);
            };
            match clients::find(conn, &pending.client_id) {
                Ok(client) => Ok(Some((pending, client))),
                Err(StoreError::NotFound) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .await?;
    let (pending, client) = loaded.ok_or_else(expired_request)?;
    let same_browser = presented.is_some_and(|digest| {
        !pending.browser_hash.is_empty()
            && constant_time_eq(digest.as_bytes(), pending.browser_hash.as_bytes())
    });
    if !same_browser {
        return Err(expired_request());
    }
    crate::i18n::follow_request(pending.ui_locale.as_deref());
    Ok(from_stored(client, pending))
}

fn from_stored(client: clients::Client, pending: PendingRequest) -> Pending {
    let split = |s: &str| s.split_whitespace().map(String::from).collect();
    Pending {
        request: ValidRequest {
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
            ui_locale: pending.ui_locale,
            response_mode: ResponseMode::parse(&pending.response_mode)
                .unwrap_or(ResponseMode::Query),
            device_id: pending.device_id,
        },
        id: pending.id,
        created_at: pending.created_at,
        consented_by: pending.consented_by,
    }
}

/// Account `user_id` allowed the request on the consent page (remembered for later requests
/// too). Only recorded: the pipeline decides what follows when it resumes.
pub async fn record_consent(
    state: &AppState,
    pending: &Pending,
    user_id: &str,
) -> Result<(), AppError> {
    let id = pending.id.clone();
    let client_id = pending.request.client.id.clone();
    let scopes = pending.request.scopes.clone();
    let user_id = user_id.to_string();
    state
        .store
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
                consents::remember(conn, &user_id, &client_id, &scopes, unix_now())?;
                auth_requests::record_consent(conn, &id, &user_id)
            })
        })
        .await?;
    Ok(())
}
