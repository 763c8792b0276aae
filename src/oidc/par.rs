//! Pushed authorization requests (RFC 9126): a client sends the parameters of its authorization
//! request to `/par`, authenticated as at the token endpoint, and gets a `request_uri` to send
//! the browser with instead. The parameters never pass through the browser, and they are
//! checked (and refused) here, as JSON, before any redirect.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::authorize::checks::{self, Rejection};
use super::client_auth;
use super::form::Form;
use crate::crypto::secrets::{random_token, sha256_hex};
use crate::error::{AppError, OAuthError};
use crate::oidc::paths::PAR_PATH;
use crate::state::AppState;
use crate::store::{pushed_requests, unix_now, StoreError};

pub const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// What authenticates the client at `/par` is not part of the authorization request.
const CLIENT_AUTH_PARAMS: [&str; 3] =
    ["client_secret", "client_assertion", "client_assertion_type"];

pub async fn push(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = Form::from_request(&req, &body)?;
    let client = client_auth::authenticate(&state, &req, &form, PAR_PATH).await?;
    if !form.all("request_uri").is_empty() {
        return Err(OAuthError::invalid_request("request_uri cannot be pushed").into());
    }
    if form.single("client_id")?.is_some_and(|id| id != client.id) {
        return Err(
            OAuthError::invalid_request("client_id is not the authenticated client").into(),
        );
    }
    let params = request_params(&body, &client.id);
    let pushed = Form::from_query(&params);
    let checked = state
        .store
        .run(move |conn| Ok::<_, StoreError>(checks::validate(conn, &pushed).map(|_| ())))
        .await?;
    match checked {
        Ok(()) => {}
        Err(Rejection::Page(why)) => return Err(OAuthError::invalid_request(why).into()),
        Err(Rejection::Redirect {
            error, description, ..
        }) => return Err(OAuthError::new(error, description).into()),
    }
    let ttl = state.config.settings.authorization.par_ttl_secs;
    let request_uri = format!("{REQUEST_URI_PREFIX}{}", random_token::<32>());
    let (uri_hash, client_id) = (sha256_hex(request_uri.as_bytes()), client.id.clone());
    state
        .store
        .run(move |conn| {
            pushed_requests::insert(conn, &uri_hash, &client_id, &params, unix_now() + ttl)
        })
        .await?;
    Ok(HttpResponse::build(StatusCode::CREATED)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({ "request_uri": request_uri, "expires_in": ttl })))
}

/// The authorization request's parameters, form-encoded: the body without the client's
/// credentials, with `client_id` (which a client authenticating with Basic may leave out).
fn request_params(body: &[u8], client_id: &str) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    let mut has_client_id = false;
    for (name, value) in url::form_urlencoded::parse(body) {
        if CLIENT_AUTH_PARAMS.contains(&name.as_ref()) {
            continue;
        }
        has_client_id |= name == "client_id";
        out.append_pair(&name, &value);
    }
    if !has_client_id {
        out.append_pair("client_id", client_id);
    }
    out.finish()
}

/// The pushed parameters behind `request_uri` for `client_id`, used up by this call; `None`
/// when unknown, expired, already used or another client's.
pub async fn take(
    state: &AppState,
    request_uri: &str,
    client_id: &str,
) -> Result<Option<Form>, AppError> {
    let (uri_hash, client_id) = (sha256_hex(request_uri.as_bytes()), client_id.to_string());
    let params = state
        .store
        .run(move |conn| pushed_requests::take(conn, &uri_hash, &client_id, unix_now()))
        .await?;
    Ok(params.map(|p| Form::from_query(&p)))
}
