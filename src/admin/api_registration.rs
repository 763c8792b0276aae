//! The admin API's initial access tokens for dynamic client registration: list, create (the
//! token is in the answer once), revoke.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::Actor;
use crate::error::ApiError;
use crate::ops::dynamic_clients;
use crate::state::AppState;
use crate::store::registration_tokens::RegistrationToken;

fn token_json(token: &RegistrationToken) -> Value {
    json!({
        "id": token.id,
        "label": token.label,
        "uses_left": token.uses_left,
        "expires_at": token.expires_at,
        "created_by": token.created_by,
        "created_at": token.created_at,
    })
}

pub async fn list_tokens(
    state: web::Data<AppState>,
    _actor: Actor,
) -> Result<HttpResponse, ApiError> {
    let tokens = state
        .store
        .run(dynamic_clients::list_initial_tokens)
        .await?;
    let items: Vec<Value> = tokens.iter().map(token_json).collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({ "items": items })))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    #[serde(default)]
    label: String,
    /// How many clients it may register; no limit when absent.
    #[serde(default)]
    uses: Option<i64>,
    #[serde(default)]
    ttl_hours: Option<i64>,
}

pub async fn create_token(
    req: HttpRequest,
    body: web::Json<CreateToken>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let hours = body.ttl_hours.unwrap_or(
        state
            .config
            .settings
            .client_registration
            .initial_token_ttl_hours,
    );
    let ctx = state.ops_context(&req, &actor.id);
    let (id, token) = state
        .store
        .run(move |conn| {
            dynamic_clients::create_initial_token(
                conn,
                &ctx,
                &body.label,
                body.uses,
                hours.saturating_mul(3600),
            )
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({ "id": id, "initial_access_token": token })))
}

pub async fn revoke_token(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, ApiError> {
    let ctx = state.ops_context(&req, &actor.id);
    let id = path.into_inner();
    state
        .store
        .run(move |conn| dynamic_clients::revoke_initial_token(conn, &ctx, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
