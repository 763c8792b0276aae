//! The admin API: JSON over HTTP, authenticated by admin API keys (`Authorization: Bearer KEY`).
//! A missing, unknown or revoked key is a 401; a key whose roles do not allow the call, a 403.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use serde_json::{json, Value};

use super::console::{self, CreateClientForm};
use super::Actor;
use crate::crypto::secrets::hash_secret;
use crate::error::ApiError;
use crate::ops;
use crate::state::AppState;
use crate::store::clients::{self, Client};
use crate::store::unix_now;
use crate::store::users::User;
use crate::web::signin;

const MAX_LIST: i64 = 1000;

/// The key behind `Authorization: Bearer …`, if it is live, limited to what its creator's
/// roles allow now; records its use.
pub async fn authenticate(state: &AppState, req: &HttpRequest) -> Result<Actor, HttpResponse> {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 200);
    let Some(presented) = presented else {
        return Err(ApiError::unauthorized().error_response());
    };
    let key_hash = hash_secret(presented);
    let found = state
        .store
        .run(move |conn| ops::api_keys::authenticate(conn, &key_hash))
        .await;
    match found {
        Ok(Some((key, ceiling))) => Ok(Actor {
            id: format!("apikey:{}", key.id),
            user: None,
            session_id_hash: None,
            roles: key.roles,
            ceiling: Some(ceiling),
        }),
        Ok(None) => {
            state
                .audit(signin::event(
                    req,
                    state,
                    "anonymous",
                    "admin_api_auth",
                    "",
                    "failure",
                ))
                .await;
            Err(ApiError::unauthorized().error_response())
        }
        Err(e) => Err(ApiError::from(e).error_response()),
    }
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
        "token_endpoint_auth_method": client.auth_method().registered_name(),
        "redirect_uris": client.redirect_uri_list().unwrap_or_default(),
        "post_logout_redirect_uris": client.post_logout_redirect_uri_list().unwrap_or_default(),
        "grant_types": client.grant_types.split_whitespace().collect::<Vec<_>>(),
        "scopes": client.scope_list(),
        "audiences": client.audience_list(),
        "allowed_origins": client.allowed_origin_list(),
        "web_origins": client.web_origins(),
        "first_party": client.first_party,
        "require_mfa": client.require_mfa,
        "require_par": client.require_par,
        "require_dpop": client.require_dpop,
        "id_token_alg": client.id_token_alg,
        "backchannel_logout_uri": client.backchannel_logout_uri,
        "backchannel_logout_session_required": client.backchannel_logout_session_required,
        "frontchannel_logout_uri": client.frontchannel_logout_uri,
        "frontchannel_logout_session_required": client.frontchannel_logout_session_required,
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
            "total": total.min(crate::store::admin::COUNT_CAP),
            "more_than_total": total > crate::store::admin::COUNT_CAP,
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
    let ctx = state.ops_context(&req, &actor.id);
    let (user, password) =
        console::create_account(&state, ctx, &body.username, &body.email, &body.name).await?;
    let mut body = user_json(&user);
    body["temporary_password"] = json!(password);
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::LOCATION, format!("/admin/api/users/{}", user.id)))
        .json(body))
}

async fn set_disabled(
    req: HttpRequest,
    id: String,
    state: web::Data<AppState>,
    actor: Actor,
    disabled: bool,
) -> Result<HttpResponse, ApiError> {
    let ctx = state.ops_context(&req, &actor.id);
    let user = state
        .store
        .run(move |conn| ops::users::set_disabled(conn, &ctx, &id, disabled))
        .await?;
    state.deliveries_queued();
    Ok(HttpResponse::Ok().json(user_json(&user)))
}

pub async fn disable_user(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, ApiError> {
    set_disabled(req, path.into_inner(), state, actor, true).await
}

pub async fn enable_user(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, ApiError> {
    set_disabled(req, path.into_inner(), state, actor, false).await
}

pub async fn delete_user(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, ApiError> {
    let ctx = state.ops_context(&req, &actor.id);
    let id = path.into_inner();
    state
        .store
        .run(move |conn| ops::users::delete(conn, &ctx, &id))
        .await?;
    state.deliveries_queued();
    Ok(HttpResponse::NoContent().finish())
}

#[derive(serde::Deserialize, Default)]
pub struct EndSessions {
    /// One session's public id (`sid`); none: every session.
    #[serde(default)]
    sid: Option<String>,
}

/// Ends one of the user's sessions, or all of them; their clients are told (logout tokens).
pub async fn end_sessions(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, ApiError> {
    // No body ends every session; a body that does not parse must not.
    let EndSessions { sid } = match body.is_empty() {
        true => EndSessions::default(),
        false => serde_json::from_slice(&body)
            .map_err(|_| ops::OpsError::Invalid("the body is not {\"sid\": \"…\"}".into()))?,
    };
    let ctx = state.ops_context(&req, &actor.id);
    let id = path.into_inner();
    state
        .store
        .run(move |conn| ops::users::end_sessions(conn, &ctx, &id, sid.as_deref()))
        .await?;
    state.deliveries_queued();
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
    allowed_origins: Vec<String>,
    #[serde(default)]
    first_party: bool,
    #[serde(default)]
    require_mfa: bool,
    #[serde(default)]
    require_par: bool,
    #[serde(default)]
    require_dpop: bool,
    #[serde(default)]
    backchannel_logout_uri: Option<String>,
    #[serde(default)]
    backchannel_logout_session_required: bool,
    #[serde(default)]
    frontchannel_logout_uri: Option<String>,
    #[serde(default)]
    frontchannel_logout_session_required: bool,
    /// RFC 7591's name; only `client_secret_jwt` changes anything (a secret-bearing client
    /// otherwise takes Basic or post, a public one `none`).
    #[serde(default)]
    token_endpoint_auth_method: Option<String>,
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
    new.allowed_origins = body.allowed_origins;
    new.first_party = body.first_party;
    new.require_mfa = body.require_mfa;
    new.require_par = body.require_par;
    new.require_dpop = body.require_dpop;
    new.backchannel_logout_uri = body.backchannel_logout_uri;
    new.backchannel_logout_session_required = body.backchannel_logout_session_required;
    new.frontchannel_logout_uri = body.frontchannel_logout_uri;
    new.frontchannel_logout_session_required = body.frontchannel_logout_session_required;
    new.secret_jwt = match body.token_endpoint_auth_method.as_deref() {
        None | Some("client_secret_basic" | "client_secret_post" | "none") => false,
        Some("client_secret_jwt") => true,
        Some(_) => {
            return Err(ops::OpsError::Invalid(
                "token_endpoint_auth_method must be client_secret_basic, client_secret_post, \
                 client_secret_jwt or none"
                    .into(),
            )
            .into())
        }
    };
    let ctx = state.ops_context(&req, &actor.id);
    let kek = state.kek();
    let (client, secret) = state
        .store
        .run(move |conn| ops::clients::register(conn, &ctx, &kek, new))
        .await?;
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
    let ctx = state.ops_context(&req, &actor.id);
    let id = path.into_inner();
    state
        .store
        .run(move |conn| ops::clients::remove(conn, &ctx, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The OpenAPI 3 description of this API (public: it holds no data).
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("openapi.json"))
}
