//! Dynamic client registration (RFC 7591) at `/register`, and the client configuration
//! endpoint (RFC 7592) at `/register/{client_id}`: read, replace and delete a registration with
//! its registration access token. Off unless `client_registration.enabled`.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::client_registry::metadata::{self, MetadataError, Requested};
use crate::error::{AppError, BearerError, OAuthError};
use crate::oidc::paths::REGISTRATION_PATH;
use crate::ops::dynamic_clients::{self, Admission};
use crate::ops::OpsError;
use crate::state::AppState;
use crate::store::clients::Client;

/// Members of a configuration read that are not metadata: a client sending the read back as
/// its update (RFC 7592 §2.2) has them dropped, not refused.
const NOT_METADATA: [&str; 5] = [
    "registration_access_token",
    "registration_client_uri",
    "client_secret_expires_at",
    "client_id_issued_at",
    "client_secret",
];

pub async fn register(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let settings = &state.config.settings.client_registration;
    if !settings.enabled {
        return Err(AppError::NotFound);
    }
    let token = bearer_token(&req)?;
    let requested = requested(&json_body(&req, &body)?)?;
    let ctx = state.ops_context(&req, "client_registration");
    let (kek, open) = (state.kek(), settings.open_for_native_apps);
    let presented = token.is_some();
    let registered = state
        .store
        .run(move |conn| {
            let admission = match &token {
                Some(token) => Admission::InitialToken(token),
                None => Admission::Open { allowed: open },
            };
            dynamic_clients::register(conn, &ctx, &kek, requested, admission)
        })
        .await
        .map_err(|e| refusal(e, presented))?;
    let mut body = described(&state, &registered.client, registered.auth_method);
    body["registration_access_token"] = json!(registered.registration_access_token);
    if let Some(secret) = registered.secret {
        body["client_secret"] = json!(secret);
    }
    Ok(answer(StatusCode::CREATED, body))
}

pub async fn read(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let token = required_token(&state, &req)?;
    let (client_id, presented) = (path.into_inner(), token.clone());
    let (client, method) = state
        .store
        .run(move |conn| dynamic_clients::read(conn, &client_id, &token))
        .await
        .map_err(|e| refusal(e, true))?;
    let mut body = described(&state, &client, method);
    body["registration_access_token"] = json!(presented);
    Ok(answer(StatusCode::OK, body))
}

pub async fn update(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let token = required_token(&state, &req)?;
    let client_id = path.into_inner();
    let mut sent = json_body(&req, &body)?;
    let fields = sent
        .as_object_mut()
        .ok_or_else(|| metadata_error("the body must be a JSON object"))?;
    if fields.get("client_id").and_then(Value::as_str) != Some(client_id.as_str()) {
        return Err(OAuthError::invalid_request("client_id must be the client's own").into());
    }
    let secret = fields
        .get("client_secret")
        .and_then(Value::as_str)
        .map(String::from);
    for name in NOT_METADATA.iter().chain(&["client_id"]) {
        fields.remove(*name);
    }
    let requested = requested(&sent)?;
    let ctx = state.ops_context(&req, &format!("client:{client_id}"));
    let presented = token.clone();
    let (client, method) = state
        .store
        .run(move |conn| {
            dynamic_clients::update(conn, &ctx, &client_id, &token, requested, secret.as_deref())
        })
        .await
        .map_err(|e| refusal(e, true))?;
    let mut body = described(&state, &client, method);
    body["registration_access_token"] = json!(presented);
    Ok(answer(StatusCode::OK, body))
}

pub async fn delete(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let token = required_token(&state, &req)?;
    let client_id = path.into_inner();
    let ctx = state.ops_context(&req, &format!("client:{client_id}"));
    state
        .store
        .run(move |conn| dynamic_clients::delete(conn, &ctx, &client_id, &token))
        .await
        .map_err(|e| refusal(e, true))?;
    Ok(HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}

/// The registered metadata with the client's configuration endpoint.
fn described(state: &AppState, client: &Client, method: &str) -> Value {
    let mut body = Value::Object(metadata::describe(client, method));
    body["registration_client_uri"] = json!(state
        .config
        .url(&format!("{REGISTRATION_PATH}/{}", client.id)));
    body
}

fn answer(status: StatusCode, body: Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(body)
}

fn metadata_error(why: &str) -> AppError {
    OAuthError::new("invalid_client_metadata", why).into()
}

fn requested(body: &Value) -> Result<Requested, AppError> {
    metadata::read(body)
        .map_err(|e: MetadataError| OAuthError::new(e.code(), e.description()).into())
}

fn json_body(req: &HttpRequest, body: &[u8]) -> Result<Value, AppError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"));
    if !is_json {
        return Err(OAuthError::invalid_request("the body must be application/json").into());
    }
    serde_json::from_slice(body).map_err(|_| metadata_error("the body is not valid JSON"))
}

/// The bearer token of the request, if one was sent (RFC 6750 §2.1, the header only).
fn bearer_token(req: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| BearerError::invalid_request())?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim().to_string()))
        }
        _ => Err(BearerError::invalid_request().into()),
    }
}

fn required_token(state: &AppState, req: &HttpRequest) -> Result<String, AppError> {
    if !state.config.settings.client_registration.enabled {
        return Err(AppError::NotFound);
    }
    bearer_token(req)?.ok_or_else(|| BearerError::missing().into())
}

/// An operation's refusal in RFC 7591's and RFC 6750's terms: a token refused is 401 (with no
/// error code when none was presented), bad metadata `invalid_client_metadata`.
fn refusal(err: OpsError, token_presented: bool) -> AppError {
    match err {
        OpsError::Forbidden(_) if token_presented => BearerError::invalid_token().into(),
        OpsError::Forbidden(_) => BearerError::missing().into(),
        OpsError::Invalid(why) => metadata_error(&why),
        other => other.into(),
    }
}
