//! The admin API's upstream identity providers: list, register, remove. The client secret goes
//! in and is never returned.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::Actor;
use crate::error::ApiError;
use crate::ops;
use crate::state::AppState;
use crate::store::upstream::Provider;
use crate::upstream::NewProvider;

fn provider_json(provider: &Provider) -> Value {
    json!({
        "id": provider.id,
        "display_name": provider.display_name,
        "icon_url": provider.icon_url,
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "scopes": provider.scopes.split_whitespace().collect::<Vec<_>>(),
        "matching": provider.matching,
        "created_at": provider.created_at,
    })
}

pub async fn list_upstreams(
    state: web::Data<AppState>,
    _actor: Actor,
) -> Result<HttpResponse, ApiError> {
    let providers = state.store.run(ops::upstream::list).await?;
    let items: Vec<Value> = providers.iter().map(provider_json).collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({ "items": items })))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUpstream {
    id: String,
    issuer: String,
    client_id: String,
    client_secret: String,
    display_name: String,
    #[serde(default)]
    icon_url: Option<String>,
    #[serde(default = "default_scopes")]
    scopes: Vec<String>,
    /// `linked` unless said otherwise: linking by email or creating accounts is a choice.
    #[serde(default = "default_matching")]
    matching: String,
}

fn default_scopes() -> Vec<String> {
    vec!["email".into(), "profile".into()]
}

fn default_matching() -> String {
    "linked".into()
}

pub async fn create_upstream(
    req: HttpRequest,
    body: web::Json<CreateUpstream>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let new = NewProvider {
        id: body.id,
        display_name: body.display_name,
        icon_url: body.icon_url,
        issuer: body.issuer,
        client_id: body.client_id,
        client_secret: body.client_secret,
        scopes: body.scopes,
        matching: body.matching,
    };
    let ctx = state.ops_context(&req, &actor.id);
    let kek = state.kek();
    let provider = state
        .store
        .run(move |conn| ops::upstream::add(conn, &ctx, &kek, new))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(provider_json(&provider)))
}

pub async fn delete_upstream(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, ApiError> {
    let ctx = state.ops_context(&req, &actor.id);
    let id = path.into_inner();
    state
        .store
        .run(move |conn| ops::upstream::remove(conn, &ctx, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
