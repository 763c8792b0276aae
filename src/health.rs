//! Probes for load balancers: alive, and ready (the database answers).

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::error::AppError;
use crate::state::AppState;

pub async fn alive() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Ready when the database answered the last check (made every second in the background) and
/// the node is not draining. Redis, when configured, is reported; the provider keeps serving
/// without it (what needs it refuses until it is back), so it does not fail readiness. The mail
/// relay is reported the same way: mail waits in the queue while it is away.
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    if state.readiness.draining() {
        return Err(AppError::Unavailable("the node is shutting down".into()));
    }
    let last = state.readiness.snapshot();
    last.database.map_err(AppError::Unavailable)?;
    Ok(HttpResponse::Ok().json(json!({
        "status": "ready",
        "database": "ok",
        "redis": last.redis.as_str(),
        "mail": state
            .mail
            .as_ref()
            .map_or(crate::mail::RelayStatus::NotConfigured, |m| m.relay_status())
            .as_str(),
    })))
}
