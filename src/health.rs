//! Probes for load balancers: alive, and ready (the database answers).

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::error::AppError;
use crate::security::replay::ReplayCache;
use crate::state::AppState;

pub async fn alive() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Ready when the database answers. Redis, when configured, is reported; the provider keeps
/// serving without it (what needs it refuses until it is back), so it does not fail readiness.
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || store.ping())
        .await
        .map_err(|e| AppError::Unavailable(e.to_string()))??;
    let redis = match &state.replay {
        ReplayCache::Memory(_) => "not configured",
        ReplayCache::Redis(redis) => match redis.ping().await {
            Ok(()) => "ok",
            Err(e) => {
                tracing::warn!(error = %e, "redis unavailable");
                "unavailable"
            }
        },
    };
    Ok(HttpResponse::Ok().json(json!({ "status": "ready", "database": "ok", "redis": redis })))
}
