//! The one error type of the HTTP layer, and the one place that turns errors into responses:
//! OAuth error bodies on protocol endpoints, a readable page in the browser, never internals.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::crypto::CryptoError;
use crate::ops::OpsError;
use crate::store::StoreError;

mod json;

pub use json::{oauth_errors, oauth_json, ApiError};

/// An OAuth 2.0 error (RFC 6749 §5.2) as a protocol endpoint returns it.
#[derive(Debug, Clone)]
pub struct OAuthError {
    pub code: &'static str,
    pub description: String,
    pub status: StatusCode,
    /// `invalid_client` for a client that authenticated with HTTP Basic: the answer carries
    /// `WWW-Authenticate: Basic` (RFC 6749 §5.2), and only then.
    pub basic_challenge: bool,
}

impl OAuthError {
    pub fn new(code: &'static str, description: impl Into<String>) -> OAuthError {
        let status = match code {
            "invalid_client" => StatusCode::UNAUTHORIZED,
            "temporarily_unavailable" => StatusCode::SERVICE_UNAVAILABLE,
            "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        OAuthError {
            code,
            description: description.into(),
            status,
            basic_challenge: false,
        }
    }

    pub fn invalid_request(description: impl Into<String>) -> OAuthError {
        OAuthError::new("invalid_request", description)
    }

    /// Deliberately the same words whether the client is unknown or its secret is wrong.
    pub fn invalid_client() -> OAuthError {
        OAuthError::new("invalid_client", "client authentication failed")
    }
}

/// A refusal at a resource protected by bearer tokens (RFC 6750 §3).
#[derive(Debug, Clone)]
pub struct BearerError {
    pub status: StatusCode,
    /// `None` when no token was presented at all (§3.1: then no error code is given).
    pub code: Option<&'static str>,
    pub description: &'static str,
    /// The challenge is `DPoP` (RFC 9449 §7.1) rather than `Bearer`.
    pub dpop: bool,
}

impl BearerError {
    /// The same refusal, challenging for a DPoP-bound token.
    pub fn dpop(mut self) -> BearerError {
        self.dpop = true;
        self
    }

    pub fn invalid_dpop_proof() -> BearerError {
        BearerError {
            status: StatusCode::UNAUTHORIZED,
            code: Some("invalid_dpop_proof"),
            description: "a fresh DPoP proof by the token's key is required",
            dpop: true,
        }
    }

    pub fn missing() -> BearerError {
        BearerError {
            status: StatusCode::UNAUTHORIZED,
            code: None,
            description: "an access token is required",
            dpop: false,
        }
    }

    pub fn invalid_token() -> BearerError {
        BearerError {
            status: StatusCode::UNAUTHORIZED,
            code: Some("invalid_token"),
            description: "the access token is invalid, expired or revoked",
            dpop: false,
        }
    }

    pub fn invalid_request() -> BearerError {
        BearerError {
            status: StatusCode::BAD_REQUEST,
            code: Some("invalid_request"),
            description: "send the access token once, in the Authorization header",
            dpop: false,
        }
    }

    pub fn insufficient_scope() -> BearerError {
        BearerError {
            status: StatusCode::FORBIDDEN,
            code: Some("insufficient_scope"),
            description: "the access token lacks the openid scope",
            dpop: false,
        }
    }
}

impl From<BearerError> for AppError {
    fn from(err: BearerError) -> Self {
        AppError::Bearer(err)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("bearer error")]
    Bearer(BearerError),
    /// A DPoP proof without the nonce we require (RFC 9449 §8, §9): the answer carries a fresh
    /// one in `DPoP-Nonce`; 401 with a DPoP challenge at a resource, 400 at the token endpoint.
    #[error("a DPoP nonce is required")]
    DpopNonce { at_resource: bool, nonce: String },
    #[error("oauth error {}", .0.code)]
    OAuth(OAuthError),
    #[error("not found")]
    NotFound,
    /// A refusal shown to a person in the browser, in the request's language: `title` and
    /// `message` are catalog message ids (see locales/).
    #[error("{title}")]
    Shown {
        status: StatusCode,
        title: &'static str,
        message: &'static str,
    },
    /// A refusal in words from elsewhere (the operations layer, the console, the admin API):
    /// English only.
    #[error("{title}")]
    Page {
        status: StatusCode,
        title: std::borrow::Cow<'static, str>,
        message: String,
    },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// Over a rate limit: 429 with `Retry-After`; as OAuth JSON on protocol endpoints.
    #[error("too many requests")]
    TooMany { retry_after: i64, oauth: bool },
    /// A failure of ours; the whole cause chain goes to the log, nothing to the caller.
    #[error("{}", cause_chain(.0.as_ref()))]
    Failed(Box<dyn std::error::Error + Send + Sync>),
    /// A failure described in words (prefer [`AppError::failed`], which keeps the causes).
    #[error("internal error: {0}")]
    Internal(String),
}

/// An error and its sources, `outer: inner: innermost`.
pub fn cause_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl From<OpsError> for AppError {
    fn from(err: OpsError) -> Self {
        match err {
            OpsError::Invalid(why) => AppError::page(StatusCode::BAD_REQUEST, "Not done", why),
            OpsError::Duplicate(why) => AppError::page(StatusCode::CONFLICT, "Already exists", why),
            OpsError::NotFound(what) => AppError::page(
                StatusCode::NOT_FOUND,
                "Not found",
                format!("no such {what}"),
            ),
            OpsError::Forbidden(why) => AppError::page(StatusCode::FORBIDDEN, "Not allowed", why),
            OpsError::Limited { retry_after } => AppError::TooMany {
                retry_after,
                oauth: false,
            },
            OpsError::Store(e) => e.into(),
            OpsError::Crypto(e) => e.into(),
        }
    }
}

impl From<OAuthError> for AppError {
    fn from(err: OAuthError) -> Self {
        AppError::OAuth(err)
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(msg) => AppError::Unavailable(msg),
            other => AppError::failed(other),
        }
    }
}

impl From<CryptoError> for AppError {
    fn from(err: CryptoError) -> Self {
        AppError::failed(err)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::OAuth(e) => e.status,
            AppError::Bearer(e) => e.status,
            AppError::DpopNonce {
                at_resource: true, ..
            } => StatusCode::UNAUTHORIZED,
            AppError::DpopNonce { .. } => StatusCode::BAD_REQUEST,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Page { status, .. } | AppError::Shown { status, .. } => *status,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Failed(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        match self {
            AppError::OAuth(e) => {
                let mut response = oauth_json(status, e.code, &e.description);
                if e.basic_challenge {
                    response.headers_mut().insert(
                        header::WWW_AUTHENTICATE,
                        HeaderValue::from_static("Basic realm=\"idp\""),
                    );
                }
                response
            }
            AppError::DpopNonce { at_resource, nonce } => {
                let description = "send the DPoP proof again with this nonce";
                let mut response = oauth_json(status, "use_dpop_nonce", description);
                let headers = response.headers_mut();
                if let Ok(value) = HeaderValue::from_str(nonce) {
                    headers.insert(header::HeaderName::from_static("dpop-nonce"), value);
                }
                if *at_resource {
                    headers.insert(
                        header::WWW_AUTHENTICATE,
                        HeaderValue::from_static("DPoP error=\"use_dpop_nonce\""),
                    );
                }
                response
            }
            AppError::Bearer(e) => {
                let scheme = if e.dpop {
                    format!(
                        "DPoP algs=\"{}\",",
                        crate::crypto::jws::ALGS_ACCEPTED.join(" ")
                    )
                } else {
                    "Bearer".to_string()
                };
                let challenge = match e.code {
                    Some(code) => format!(
                        "{scheme} realm=\"idp\", error=\"{code}\", error_description=\"{}\"",
                        e.description
                    ),
                    None => format!("{scheme} realm=\"idp\""),
                };
                let mut response = HttpResponse::build(status);
                response
                    .insert_header((header::WWW_AUTHENTICATE, challenge))
                    .insert_header((header::CACHE_CONTROL, "no-store"));
                match e.code {
                    Some(code) => response.json(serde_json::json!({
                        "error": code,
                        "error_description": e.description,
                    })),
                    None => response.finish(),
                }
            }
            AppError::Unavailable(_) => {
                self.log();
                let mut response = shown(
                    status,
                    "error-unavailable-title",
                    "error-unavailable-message",
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
                response
            }
            AppError::TooMany { retry_after, oauth } => {
                let mut response = if *oauth {
                    oauth_json(
                        status,
                        "temporarily_unavailable",
                        "too many requests; retry later",
                    )
                } else {
                    shown(status, "error-too-many-title", "error-too-many-message")
                };
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from((*retry_after).max(1)),
                );
                response
            }
            AppError::Failed(_) | AppError::Internal(_) => {
                self.log();
                shown(status, "error-failed-title", "error-failed-message")
            }
            AppError::NotFound => {
                crate::i18n::return_to_start();
                shown(status, "error-not-found-title", "error-not-found-message")
            }
            AppError::Page { title, message, .. } => page(status, title, message),
            AppError::Shown { title, message, .. } => shown(status, title, message),
        }
    }
}

impl AppError {
    /// The application state is missing: a wiring mistake, never a caller's.
    pub fn no_state() -> AppError {
        AppError::Internal("no application state".into())
    }

    /// A failure of ours, keeping `err` and its causes for the log.
    pub fn failed(err: impl std::error::Error + Send + Sync + 'static) -> AppError {
        AppError::Failed(Box::new(err))
    }

    /// Logs a failure of ours (with its cause chain) or an outage; other errors are answers.
    fn log(&self) {
        match self {
            AppError::Failed(err) => {
                tracing::error!(cause = %cause_chain(err.as_ref()), "internal error")
            }
            AppError::Internal(cause) => tracing::error!(%cause, "internal error"),
            AppError::Unavailable(cause) => tracing::warn!(%cause, "service unavailable"),
            _ => {}
        }
    }

    /// A page for the person: `title` and `message` are catalog message ids.
    pub fn shown(status: StatusCode, title: &'static str, message: &'static str) -> AppError {
        AppError::Shown {
            status,
            title,
            message,
        }
    }

    /// A page in English words (the console's, the operations layer's).
    pub fn page(status: StatusCode, title: &'static str, message: impl Into<String>) -> AppError {
        AppError::Page {
            status,
            title: std::borrow::Cow::Borrowed(title),
            message: message.into(),
        }
    }

    /// A page for the person with catalog message `title` and `message` already in the
    /// request's language (it names something, e.g. a provider).
    pub fn shown_with(status: StatusCode, title: &'static str, message: String) -> AppError {
        AppError::Page {
            status,
            title: std::borrow::Cow::Owned(crate::i18n::t(title)),
            message,
        }
    }
}

/// The error page with catalog messages `title` and `message` in the request's language.
pub fn shown(status: StatusCode, title: &str, message: &str) -> HttpResponse {
    page(status, &crate::i18n::t(title), &crate::i18n::t(message))
}

/// A small HTML error page; the text is escaped by the template.
pub fn page(status: StatusCode, title: &str, message: &str) -> HttpResponse {
    let body = ErrorPage { title, message }
        .render()
        .unwrap_or_else(|_| title.to_string());
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}
