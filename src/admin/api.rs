//! The admin API: JSON over HTTP, authenticated by admin API keys (`Authorization: Bearer KEY`).
//! A missing, unknown or revoked key is a 401; a key whose roles do not allow the call, a 403.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::console::{self, CreateClientForm};
use super::Actor;
use crate::crypto::secrets::hash_secret;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::api_keys;
use crate::store::clients::{self, Client};
use crate::store::users::{self, User};
use crate::store::{unix_now, StoreError};
use crate::web::login;

/// `last_used_at` is written at most this often per key.
const TOUCH_INTERVAL_SECS: i64 = 60;
const MAX_LIST: i64 = 1000;

fn json_error(status: StatusCode, code: &str, description: &str) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    if status == StatusCode::UNAUTHORIZED {
        response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"idp-admin\""));
    }
    response.json(json!({"error": code, "error_description": description}))
}

pub fn unauthorized() -> HttpResponse {
    json_error(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "a valid admin API key is required",
    )
}

pub fn forbidden() -> HttpResponse {
    json_error(
        StatusCode::FORBIDDEN,
        "forbidden",
        "this key's roles do not allow this call",
    )
}

/// An error of the API as JSON (never an HTML page).
#[derive(Debug)]
pub struct ApiError(StatusCode, String);

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.1)
    }
}

impl actix_web::ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0
    }

    fn error_response(&self) -> HttpResponse {
        let code = match self.0 {
            StatusCode::NOT_FOUND => "not_found",
            StatusCode::CONFLICT => "conflict",
            StatusCode::BAD_REQUEST => "invalid_request",
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::SERVICE_UNAVAILABLE => "temporarily_unavailable",
            _ => "server_error",
        };
        json_error(self.0, code, &self.1)
    }
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::NotFound => ApiError(StatusCode::NOT_FOUND, "not found".into()),
            AppError::Page {
                status, message, ..
            } => ApiError(status, message),
            AppError::Unavailable(_) => {
                ApiError(StatusCode::SERVICE_UNAVAILABLE, "try again shortly".into())
            }
            other => {
                tracing::error!(error = %other, "admin API");
                ApiError(StatusCode::INTERNAL_SERVER_ERROR, "internal error".into())
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        ApiError::from(AppError::from(err))
    }
}

/// The key behind `Authorization: Bearer …`, if it is live; records its use.
pub async fn authenticate(state: &AppState, req: &HttpRequest) -> Result<Actor, HttpResponse> {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 200);
    let Some(presented) = presented else {
        return Err(unauthorized());
    };
    let key_hash = hash_secret(presented);
    let found = state
        .store
        .run(move |conn| {
            let key = api_keys::find_live(conn, &key_hash)?;
            if let Some(key) = &key {
                let now = unix_now();
                if key
                    .last_used_at
                    .is_none_or(|t| now - t >= TOUCH_INTERVAL_SECS)
                {
                    api_keys::touch(conn, &key.id, now)?;
                }
            }
            Ok::<_, StoreError>(key)
        })
        .await;
    match found {
        Ok(Some(key)) => Ok(Actor {
            id: format!("apikey:{}", key.id),
            user: None,
            session_id_hash: None,
            roles: key.roles,
        }),
        Ok(None) => {
            state
                .audit(login::event(
                    req,
                    state,
                    "anonymous",
                    "admin_api_auth",
                    "",
                    "failure",
                ))
                .await;
            Err(unauthorized())
        }
        Err(e) => Err(ApiError::from(e).error_response_json()),
    }
}

impl ApiError {
    fn error_response_json(&self) -> HttpResponse {
        actix_web::ResponseError::error_response(self)
    }
}

async fn record(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    action: &str,
    target: &str,
    outcome: &str,
) {
    state
        .audit(login::event(req, state, &actor.id, action, target, outcome))
        .await;
}

fn user_json(user: &User) -> Value {
    json!({
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "name": user.name,
        "roles": user.roles.split_whitespace().collect::<Vec<_>>(),
        "disabled": user.disabled,
        "locked": user.locked_until.is_some_and(|t| t > unix_now()),
        "must_change_password": user.must_change_password,
        "totp_enabled": user.totp_enabled,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    })
}

fn client_json(client: &Client) -> Value {
    json!({
        "client_id": client.id,
        "name": client.name,
        "public": client.is_public(),
        "redirect_uris": client.redirect_uri_list().unwrap_or_default(),
        "post_logout_redirect_uris": client.post_logout_redirect_uri_list().unwrap_or_default(),
        "grant_types": client.grant_types.split_whitespace().collect::<Vec<_>>(),
        "scopes": client.scope_list(),
        "audiences": client.audience_list(),
        "first_party": client.first_party,
        "require_mfa": client.require_mfa,
        "id_token_alg": client.id_token_alg,
        "created_at": client.created_at,
    })
}

#[derive(serde::Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: i64,
    #[serde(default)]
    limit: Option<i64>,
}

pub async fn list_users(
    query: web::Query<ListQuery>,
    state: web::Data<AppState>,
    _actor: Actor,
) -> Result<HttpResponse, ApiError> {
    let ListQuery { q, offset, limit } = query.into_inner();
    let limit = limit.unwrap_or(100).clamp(1, MAX_LIST);
    let offset = offset.max(0);
    let (found, total) = state
        .store
        .run(move |conn| crate::store::admin::search_users(conn, &q, offset, limit))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "users": found.iter().map(user_json).collect::<Vec<_>>(),
            "total": total,
            "offset": offset,
            "limit": limit,
        })))
}

#[derive(serde::Deserialize)]
pub struct CreateUser {
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
}

/// Creates a user with a temporary password, returned once; it must be changed at first sign-in.
pub async fn create_user(
    req: HttpRequest,
    body: web::Json<CreateUser>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let created =
        console::create_account(&state, &body.username, &body.email, &body.name, None).await;
    let (user, password) = match created {
        Ok(created) => created,
        Err(e) => {
            record(
                &req,
                &state,
                &actor,
                "admin_user_create",
                &body.username.chars().take(64).collect::<String>(),
                "failure",
            )
            .await;
            let e = ApiError::from(e);
            if e.1.contains("already exists") {
                return Err(ApiError(StatusCode::CONFLICT, e.1));
            }
            return Err(e);
        }
    };
    record(
        &req,
        &state,
        &actor,
        "admin_user_create",
        &user.id,
        "success",
    )
    .await;
    let mut body = user_json(&user);
    body["temporary_password"] = json!(password);
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::LOCATION, format!("/admin/api/users/{}", user.id)))
        .json(body))
}

async fn user_by_id(state: &AppState, id: &str) -> Result<User, ApiError> {
    let id = id.to_string();
    state
        .store
        .run(move |conn| users::get(conn, &id))
        .await?
        .ok_or(ApiError(StatusCode::NOT_FOUND, "no such user".into()))
}

pub async fn disable_user(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, ApiError> {
    console::set_disabled(&state, &actor, &path, true).await?;
    record(&req, &state, &actor, "admin_user_disable", &path, "success").await;
    Ok(HttpResponse::Ok().json(user_json(&user_by_id(&state, &path).await?)))
}

pub async fn enable_user(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, ApiError> {
    console::set_disabled(&state, &actor, &path, false).await?;
    record(&req, &state, &actor, "admin_user_enable", &path, "success").await;
    Ok(HttpResponse::Ok().json(user_json(&user_by_id(&state, &path).await?)))
}

pub async fn delete_user(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, ApiError> {
    console::remove_user(&state, &actor, &path).await?;
    record(&req, &state, &actor, "admin_user_delete", &path, "success").await;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn list_clients(
    state: web::Data<AppState>,
    _actor: Actor,
) -> Result<HttpResponse, ApiError> {
    let list = state.store.run(clients::list).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({"clients": list.iter().map(client_json).collect::<Vec<_>>()})))
}

#[derive(serde::Deserialize)]
pub struct CreateClient {
    #[serde(default)]
    client_id: String,
    name: String,
    #[serde(default)]
    public: bool,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    post_logout_redirect_uris: Vec<String>,
    #[serde(default)]
    grant_types: Vec<String>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    audiences: Vec<String>,
    #[serde(default)]
    first_party: bool,
    #[serde(default)]
    require_mfa: bool,
}

pub async fn create_client(
    req: HttpRequest,
    body: web::Json<CreateClient>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut new = CreateClientForm::default().into_new_client();
    new.id = Some(body.client_id).filter(|id| !id.trim().is_empty());
    new.name = body.name;
    new.public = body.public;
    new.redirect_uris = body.redirect_uris;
    new.post_logout_redirect_uris = body.post_logout_redirect_uris;
    if !body.grant_types.is_empty() {
        new.grant_types = body.grant_types;
    }
    new.scopes = body.scopes;
    new.audiences = body.audiences;
    new.first_party = body.first_party;
    new.require_mfa = body.require_mfa;
    let (client, secret) = match console::register_client(&state, new).await {
        Ok(created) => created,
        Err(e) => {
            record(&req, &state, &actor, "admin_client_create", "", "failure").await;
            let e = ApiError::from(e);
            if e.1.contains("already exists") {
                return Err(ApiError(StatusCode::CONFLICT, e.1));
            }
            return Err(e);
        }
    };
    record(
        &req,
        &state,
        &actor,
        "admin_client_create",
        &client.id,
        "success",
    )
    .await;
    let mut body = client_json(&client);
    if let Some(secret) = secret {
        body["client_secret"] = json!(secret);
    }
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body))
}

pub async fn delete_client(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, ApiError> {
    console::remove_client(&state, &path).await?;
    record(
        &req,
        &state,
        &actor,
        "admin_client_delete",
        &path,
        "success",
    )
    .await;
    Ok(HttpResponse::NoContent().finish())
}

/// The OpenAPI 3 description of this API (public: it holds no data).
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("openapi.json"))
}
