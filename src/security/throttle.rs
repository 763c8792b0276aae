//! The middleware that applies the per-client limits: the rate limits of the endpoints they
//! guard, the time a client may take to send a body, and the requests it may have in flight.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use futures_core::Stream;

use super::client_ip::limit_subject;
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
        | "/login/passkey/finish"
        | "/login/passkey/second-factor/finish"
        | "/account/password"
            if method == actix_web::http::Method::POST =>
        {
            Some("login")
        }
        // Beginning a passkey ceremony checks nothing secret (the login page begins one for
        // the autofill each time it is shown), but stores one: limited as starting a sign-in.
        "/login/passkey/begin"
        | "/login/passkey/second-factor/begin"
        | "/account/passkeys/begin"
            if method == actix_web::http::Method::POST =>
        {
            Some("authorize")
        }
        "/login/forgot" | "/login/reset" if method == actix_web::http::Method::POST => {
            Some("recovery")
        }
        "/signup" | "/verify-email" | "/login/verify-email" | "/account/email" | "/invitation"
            if method == actix_web::http::Method::POST =>
        {
            Some("signup")
        }
        // Each one is a guess at a device's user code (RFC 8628 §5.1).
        "/device" if method == actix_web::http::Method::POST => Some("device"),
        "/token" | "/introspect" | "/revoke" | "/par" | "/device_authorization" => Some("token"),
        p if p == "/register" || p.starts_with("/register/") => Some("token"),
        "/authorize" | "/authorize/resume" => Some("authorize"),
        _ => None,
    }
}

/// The passkey ceremonies' endpoints, called by static/passkey.js, which reads JSON errors.
fn answers_json(path: &str) -> bool {
    path.starts_with("/login/passkey/")
        || path == "/account/passkeys/begin"
        || path == "/account/passkeys/finish"
}

/// Middleware: answers 429 with `Retry-After` once a client IP exceeds its bucket's limit.
pub async fn enforce(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    use actix_web::ResponseError;

    if let Some(blocked) = refuse_blocked(&req).await {
        return Ok(req.into_response(blocked));
    }
    let limited = match (
        bucket(req.method(), req.path()),
        req.app_data::<actix_web::web::Data<AppState>>(),
    ) {
        (Some(bucket), Some(state)) if state.config.settings.rate_limit.enabled => {
            let limits = &state.config.settings.rate_limit;
            let limit = match bucket {
                "login" => limits.login,
                "token" => limits.token,
                "recovery" => limits.recovery,
                "signup" => limits.signup,
                "device" => limits.device,
                _ => limits.authorize,
            };
            let ip = state
                .client_ip(req.request())
                .map(|ip| limit_subject(ip).to_string())
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
        // Programs (and the passkey script) read JSON: no page for them.
        oauth: bucket == "token" || answers_json(req.path()),
    };
    Ok(req.into_response(limited.error_response()))
}

/// The answer to a guarded request from a blocked address (before any password work): 429
/// with `Retry-After`, as OAuth JSON to programs and as a page to people.
async fn refuse_blocked(req: &actix_web::dev::ServiceRequest) -> Option<actix_web::HttpResponse> {
    use actix_web::http::header::{HeaderValue, RETRY_AFTER};
    use actix_web::http::StatusCode;

    let bucket = bucket(req.method(), req.path())?;
    let state = req.app_data::<actix_web::web::Data<AppState>>()?;
    let ip = state.client_ip(req.request())?;
    if super::monitor::never_blocked(state, ip) {
        return None;
    }
    let cache_ms = state.config.settings.monitoring.block_cache_ms;
    let retry_after = state.blocks.retry_after(&state.store, cache_ms, ip).await?;
    tracing::warn!(event = "blocked_address_refused", bucket, path = %req.path());
    let mut response = if bucket == "token" || answers_json(req.path()) {
        crate::error::oauth_json(
            StatusCode::TOO_MANY_REQUESTS,
            "temporarily_unavailable",
            "requests from this address are blocked for a while; retry later",
        )
    } else {
        let minutes = (retry_after + 59) / 60;
        crate::error::page(
            StatusCode::TOO_MANY_REQUESTS,
            &crate::i18n::t("error-blocked-title"),
            &crate::i18n::t1("error-blocked-message", "minutes", minutes),
        )
    };
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(retry_after.max(1)));
    Some(response)
}

/// Middleware: at most `server.max_requests_per_client` requests in flight per client address
/// (429 beyond), and a request body must arrive within `server.body_timeout_secs` (after that
/// the body reads as an error, the request is refused and the connection closed).
pub async fn bound_clients(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    use actix_web::http::StatusCode;
    use actix_web::HttpMessage;

    let Some(state) = req.app_data::<actix_web::web::Data<AppState>>().cloned() else {
        return next.call(req).await.map(|res| res.map_into_boxed_body());
    };
    let server = &state.config.settings.server;
    let admitted = match state.client_ip(req.request()) {
        Some(ip) => match state
            .in_flight
            .admit(limit_subject(ip), server.max_requests_per_client)
        {
            Some(admitted) => Some(admitted),
            None => {
                tracing::warn!(event = "too_many_in_flight", path = %req.path());
                let mut response = crate::error::shown(
                    StatusCode::TOO_MANY_REQUESTS,
                    "error-in-flight-title",
                    "error-in-flight-message",
                );
                response.headers_mut().insert(
                    actix_web::http::header::RETRY_AFTER,
                    actix_web::http::header::HeaderValue::from(1),
                );
                return Ok(req.into_response(response));
            }
        },
        None => None,
    };
    let payload = req.take_payload();
    let expired = Arc::new(AtomicBool::new(false));
    let limited = WithDeadline {
        inner: payload,
        timer: Box::pin(tokio::time::sleep(Duration::from_secs(
            server.body_timeout_secs,
        ))),
        expired: Arc::clone(&expired),
    };
    req.set_payload(actix_web::dev::Payload::from(
        Box::pin(limited) as Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>
    ));
    let mut response = next.call(req).await.map(|res| res.map_into_boxed_body());
    drop(admitted);
    if expired.load(Ordering::SeqCst) {
        // Whatever the handler made of the broken body, the answer is a timeout, and the
        // connection (with the rest of the body unread) is closed.
        if let Ok(response) = &mut response {
            let mut timeout = crate::error::shown(
                StatusCode::REQUEST_TIMEOUT,
                "error-timeout-title",
                "error-timeout-message",
            );
            timeout
                .head_mut()
                .set_connection_type(actix_web::http::ConnectionType::Close);
            *response.response_mut() = timeout;
        }
    }
    response
}

/// A request body that fails once its deadline has passed.
struct WithDeadline<S> {
    inner: S,
    timer: Pin<Box<tokio::time::Sleep>>,
    expired: Arc<AtomicBool>,
}

impl<S> Stream for WithDeadline<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        if self.timer.as_mut().poll(cx).is_ready() {
            tracing::warn!(event = "slow_body", "request body not received in time");
            self.expired.store(true, Ordering::SeqCst);
            return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "request body not received in time",
            )))));
        }
        Poll::Pending
    }
}
