//! The middleware that applies the per-IP rate limits to the endpoints they guard.

use super::rate_limit::Decision;
use crate::error::AppError;
use crate::state::AppState;

/// The endpoints that are limited, by what they guard.
fn bucket(method: &actix_web::http::Method, path: &str) -> Option<&'static str> {
    match path {
        "/login"
        | "/login/totp"
        | "/login/password"
        | "/login/second-factor"
        | "/account/password"
            if method == actix_web::http::Method::POST =>
        {
            Some("login")
        }
        "/token" | "/introspect" | "/revoke" => Some("token"),
        "/authorize" | "/authorize/resume" => Some("authorize"),
        _ => None,
    }
}

/// Middleware: answers 429 with `Retry-After` once a client IP exceeds its bucket's limit.
pub async fn enforce(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    use actix_web::ResponseError;

    let limited = match (
        bucket(req.method(), req.path()),
        req.app_data::<actix_web::web::Data<AppState>>(),
    ) {
        (Some(bucket), Some(state)) if state.config.settings.rate_limit.enabled => {
            let limits = &state.config.settings.rate_limit;
            let limit = match bucket {
                "login" => limits.login,
                "token" => limits.token,
                _ => limits.authorize,
            };
            let ip = state
                .client_ip(req.request())
                .map(|ip| ip.to_string())
                .unwrap_or_default();
            match state
                .limiter
                .hit(bucket, &ip, limit, limits.window_secs)
                .await
            {
                Decision::Allowed => None,
                Decision::Limited { retry_after } => Some((bucket, retry_after)),
            }
        }
        _ => None,
    };
    let Some((bucket, retry_after)) = limited else {
        return next.call(req).await.map(|res| res.map_into_boxed_body());
    };
    tracing::warn!(event = "rate_limited", bucket, path = %req.path());
    let limited = AppError::TooMany {
        retry_after,
        oauth: bucket == "token",
    };
    Ok(req.into_response(limited.error_response()))
}
