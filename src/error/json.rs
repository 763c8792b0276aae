//! The JSON faces of [`AppError`]: OAuth error bodies on the protocol endpoints (and the
//! middleware that keeps pages off them), and the admin API's errors.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use super::AppError;
use crate::crypto::CryptoError;
use crate::ops::OpsError;
use crate::store::StoreError;

/// An OAuth 2.0 error body (RFC 6749 §5.2), never cached.
pub fn oauth_json(status: StatusCode, code: &str, description: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(serde_json::json!({"error": code, "error_description": description}))
}

/// Middleware for the protocol endpoints (`/token`, `/introspect`, `/revoke`, `/userinfo`):
/// programs call them, so an error that would be a page or plain text (a failure of ours, an
/// outage, an oversized body) is answered as OAuth JSON instead: `server_error`, `temporarily_unavailable`
/// with `Retry-After`, or `invalid_request`.
pub async fn oauth_errors(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let response = next.call(req).await?.map_into_boxed_body();
    let status = response.status();
    // A body that is not JSON: a page, or the framework's plain text. (A bearer challenge
    // without an error code has no body, and stays as it is.)
    let not_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| !v.starts_with("application/json"));
    if !status.is_client_error() && !status.is_server_error() || !not_json {
        return Ok(response);
    }
    let mut json = match status {
        StatusCode::SERVICE_UNAVAILABLE => oauth_json(
            status,
            "temporarily_unavailable",
            "the service is temporarily unavailable; retry later",
        ),
        StatusCode::TOO_MANY_REQUESTS => oauth_json(
            status,
            "temporarily_unavailable",
            "too many requests; retry later",
        ),
        s if s.is_server_error() => oauth_json(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "the request could not be completed",
        ),
        _ => oauth_json(status, "invalid_request", "the request is malformed"),
    };
    if let Some(retry) = response.headers().get(header::RETRY_AFTER) {
        json.headers_mut()
            .insert(header::RETRY_AFTER, retry.clone());
    }
    let (req, _) = response.into_parts();
    Ok(actix_web::dev::ServiceResponse::new(req, json))
}

/// An error of the admin API: the same [`AppError`], answered as JSON (never a page):
/// `{"error": code, "error_description": …}` with 400 `invalid_request`, 401 `unauthorized`,
/// 403 `forbidden`, 404 `not_found`, 409 `conflict`, 503 `temporarily_unavailable`, 500
/// `server_error`.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ApiError(pub AppError);

macro_rules! api_error_from {
    ($($t:ty),*) => {$(
        impl From<$t> for ApiError {
            fn from(err: $t) -> Self {
                ApiError(AppError::from(err))
            }
        }
    )*};
}

api_error_from!(AppError, OpsError, StoreError, CryptoError);

impl ApiError {
    pub fn unauthorized() -> ApiError {
        ApiError(AppError::page(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "a valid admin API key is required",
        ))
    }

    pub fn forbidden() -> ApiError {
        ApiError(AppError::page(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "this key's roles do not allow this call",
        ))
    }

    pub fn invalid_request(description: &str) -> ApiError {
        ApiError(AppError::page(
            StatusCode::BAD_REQUEST,
            "Invalid request",
            description,
        ))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let code = match status {
            StatusCode::BAD_REQUEST => "invalid_request",
            StatusCode::UNAUTHORIZED => "unauthorized",
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::NOT_FOUND => "not_found",
            StatusCode::CONFLICT => "conflict",
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => {
                "temporarily_unavailable"
            }
            _ => "server_error",
        };
        self.0.log();
        let description = match &self.0 {
            AppError::Page { message, .. } => message.clone(),
            AppError::Shown { message, .. } => {
                crate::i18n::message(crate::i18n::Lang::En, message, None)
            }
            AppError::OAuth(e) => e.description.clone(),
            AppError::NotFound => "not found".to_string(),
            AppError::Unavailable(_) | AppError::TooMany { .. } => "try again shortly".to_string(),
            _ => "internal error".to_string(),
        };
        let mut response = oauth_json(status, code, &description);
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"idp-admin\""),
            );
        }
        if let AppError::TooMany { retry_after, .. } = &self.0 {
            if let Ok(value) = HeaderValue::from_str(&retry_after.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}
