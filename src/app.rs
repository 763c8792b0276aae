//! Builds the HTTP application: shared state, middleware, and every route in one table.

use std::net::TcpListener;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, App, HttpMessage, HttpRequest, HttpResponse, HttpServer};
use tracing_actix_web::{RequestId, TracingLogger};

use crate::config::Config;
use crate::crypto::kek::KeyEncryptionKey;
use crate::crypto::keys::KeySet;
use crate::crypto::password::PasswordHasher;
use crate::crypto::rotation;
use crate::error::AppError;
use crate::oidc::{authorize, discovery, end_session, introspect, jwks, revoke, token, userinfo};
use crate::security::headers::security_headers;
use crate::security::rate_limit::RateLimiter;
use crate::security::replay::ReplayCache;
use crate::store::audit;

/// The label the audit MAC key is derived from the KEK with (`audit verify` derives it too).
pub const AUDIT_KEY_LABEL: &str = "idp audit v1";
use crate::store::{unix_now, Store};
use crate::telemetry::RedactedRootSpan;
use crate::web::{consent, login, password_change, second_factor};

pub const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";
pub const AS_METADATA_PATH: &str = "/.well-known/oauth-authorization-server";
pub const JWKS_PATH: &str = "/jwks.json";
pub const TOKEN_PATH: &str = "/token";
pub const AUTHORIZE_PATH: &str = "/authorize";
pub const USERINFO_PATH: &str = "/userinfo";
pub const END_SESSION_PATH: &str = "/logout";
pub const INTROSPECT_PATH: &str = "/introspect";
pub const REVOKE_PATH: &str = "/revoke";

pub struct AppState {
    pub config: Config,
    pub store: Store,
    kek: KeyEncryptionKey,
    keys: RwLock<Arc<KeySet>>,
    discovery: String,
    /// Keys the CSRF tokens and login tickets; derived from the KEK so every node agrees.
    pub csrf_key: [u8; 32],
    pub hasher: PasswordHasher,
    /// Password hashing is CPU- and memory-bound: at most one verification per core at a time,
    /// so that a burst of sign-ins queues instead of thrashing (and holding a block each).
    pub hashing: tokio::sync::Semaphore,
    /// Where one-time values (assertion `jti`s) are remembered: memory or Redis.
    pub replay: ReplayCache,
    pub limiter: RateLimiter,
    /// Keys the audit chain's MACs; derived from the KEK so every node (and `audit verify`) agrees.
    audit_key: [u8; 32],
}

impl AppState {
    pub fn new(
        config: Config,
        store: Store,
        kek: KeyEncryptionKey,
        keys: KeySet,
        hasher: PasswordHasher,
        replay: ReplayCache,
        limiter: RateLimiter,
    ) -> AppState {
        let discovery = discovery::document(&config, &keys.algorithms());
        AppState {
            csrf_key: kek.derive("idp csrf v1"),
            audit_key: kek.derive(AUDIT_KEY_LABEL),
            limiter,
            hasher,
            hashing: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
            replay,
            config,
            store,
            kek,
            keys: RwLock::new(Arc::new(keys)),
            discovery,
        }
    }

    /// The client's address, believing `X-Forwarded-For` only from trusted proxies.
    pub fn client_ip(&self, req: &HttpRequest) -> Option<std::net::IpAddr> {
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        crate::security::client_ip::client_ip(
            req.peer_addr().map(|a| a.ip()),
            forwarded,
            &self.config.trusted_proxies,
        )
    }

    /// Records an audit event. A failure to record is logged, not shown to the person: the
    /// request it describes has already happened.
    pub async fn audit(&self, event: audit::Event) {
        let key = self.audit_key;
        let action = event.action.clone();
        let result = self
            .store
            .run(move |conn| audit::append(conn, &key, &event, unix_now()))
            .await;
        if let Err(e) = result {
            tracing::error!(error = %e, action, "could not record an audit event");
        }
    }

    /// Checks the audit chain with the audit key (which stays private): `Ok(n)` when all `n`
    /// entries fit, `Err(seq)` for the first one that does not.
    pub async fn verify_audit(&self) -> Result<Result<i64, i64>, AppError> {
        let key = self.audit_key;
        Ok(self
            .store
            .run(move |conn| audit::verify(conn, &key))
            .await?)
    }

    /// Seals a secret at rest with the KEK, bound to `context` (e.g. the user id).
    pub fn seal(&self, plaintext: &[u8], context: &str) -> Result<String, AppError> {
        Ok(self.kek.seal(plaintext, context.as_bytes())?)
    }

    pub fn open(&self, sealed: &str, context: &str) -> Option<Vec<u8>> {
        self.kek.open(sealed, context.as_bytes())
    }

    /// The keys in force now; a rotation swaps the whole set at once.
    pub fn keys(&self) -> Arc<KeySet> {
        match self.keys.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn discovery(&self) -> String {
        self.discovery.clone()
    }

    /// Automatic rotation: any node may find keys due; one rotates (see `rotation::rotate_due`).
    pub async fn rotate_keys_when_due(self: &Arc<Self>) -> Result<(), AppError> {
        let period = self.config.settings.keys.rotate_after_secs;
        if period == 0 {
            return Ok(());
        }
        let state = Arc::clone(self);
        let timing = self.config.rotation_timing();
        let rotated = self
            .store
            .run(move |conn| {
                rotation::rotate_due(conn, &state.kek, period, unix_now(), timing)
                    .map_err(|e| AppError::Internal(e.to_string()))
            })
            .await?;
        for key in rotated {
            tracing::info!(kid = %key.kid, alg = %key.alg, "signing key rotated automatically");
        }
        Ok(())
    }

    /// Picks up keys rotated by another process or node.
    pub async fn refresh_keys(self: &Arc<Self>) -> Result<(), AppError> {
        let state = Arc::clone(self);
        let current = self.keys();
        let fresh = self
            .store
            .run(move |conn| {
                rotation::reload(conn, &state.kek, Some(&current), unix_now())
                    .map_err(|e| AppError::Internal(e.to_string()))
            })
            .await?;
        if let Some(fresh) = fresh {
            tracing::info!("signing keys changed; serving the new set");
            match self.keys.write() {
                Ok(mut guard) => *guard = Arc::new(fresh),
                Err(poisoned) => *poisoned.into_inner() = Arc::new(fresh),
            }
        }
        Ok(())
    }
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(DISCOVERY_PATH, web::get().to(discovery::metadata))
        .route(AS_METADATA_PATH, web::get().to(discovery::metadata))
        .route(JWKS_PATH, web::get().to(jwks::jwks))
        .route(TOKEN_PATH, web::post().to(token::token))
        .route(AUTHORIZE_PATH, web::get().to(authorize::authorize_get))
        .route(AUTHORIZE_PATH, web::post().to(authorize::authorize_post))
        .route("/authorize/resume", web::get().to(authorize::resume))
        .route("/login", web::get().to(login::show))
        .route("/login", web::post().to(login::submit))
        .route(
            "/login/password",
            web::post().to(password_change::change_password),
        )
        .route("/login/totp", web::post().to(login::submit_code))
        .route(
            "/login/second-factor",
            web::get().to(second_factor::step_up_page),
        )
        .route(
            "/login/second-factor",
            web::post().to(second_factor::step_up_submit),
        )
        .route("/consent", web::post().to(consent::decide))
        .route("/account", web::get().to(crate::web::account::show))
        .route(
            "/account/password",
            web::post().to(crate::web::account::change_password),
        )
        .route(
            "/account/totp",
            web::get().to(crate::web::account::totp_page),
        )
        .route(
            "/account/totp",
            web::post().to(crate::web::account::totp_confirm),
        )
        .route(
            "/account/totp/disable",
            web::post().to(crate::web::account::totp_disable),
        )
        .route(
            "/account/backup-codes",
            web::post().to(crate::web::account::regenerate_backup_codes),
        )
        .route(
            "/account/sessions/end",
            web::post().to(crate::web::account::end_session),
        )
        .route(
            "/account/consents/withdraw",
            web::post().to(crate::web::account::withdraw_consent),
        )
        .route(INTROSPECT_PATH, web::post().to(introspect::introspect))
        .route(REVOKE_PATH, web::post().to(revoke::revoke))
        .route(USERINFO_PATH, web::get().to(userinfo::userinfo))
        .route(USERINFO_PATH, web::post().to(userinfo::userinfo))
        .route(
            END_SESSION_PATH,
            web::get().to(end_session::end_session_get),
        )
        .route(
            END_SESSION_PATH,
            web::post().to(end_session::end_session_post),
        )
        .route("/healthz", web::get().to(crate::health::alive))
        .route("/readyz", web::get().to(crate::health::ready))
        .route(
            crate::metrics::METRICS_PATH,
            web::get().to(crate::metrics::serve),
        )
        .configure(crate::admin::configure)
        .route("/static/style.css", web::get().to(stylesheet));
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../static/style.css"))
}

async fn not_found(_req: HttpRequest) -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}

/// Binds the listener and returns the server, not yet awaited, and the port it got.
pub fn build(state: Arc<AppState>, listener: TcpListener) -> std::io::Result<(Server, u16)> {
    let port = listener.local_addr()?.port();
    let https = state.config.issuer_is_https;
    let body_limit = state.config.settings.server.max_body_bytes;
    let workers = match state.config.settings.server.workers {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    };
    let data = web::Data::from(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(body_limit))
            .app_data(
                web::FormConfig::default()
                    .limit(body_limit)
                    .error_handler(|_, _| {
                        AppError::page(
                            actix_web::http::StatusCode::BAD_REQUEST,
                            "Invalid form",
                            "The form was incomplete. Go back and try again.",
                        )
                        .into()
                    }),
            )
            .app_data(web::QueryConfig::default().error_handler(|_, _| {
                AppError::page(
                    actix_web::http::StatusCode::BAD_REQUEST,
                    "Invalid address",
                    "This address is incomplete. Go back to the application and try again.",
                )
                .into()
            }))
            .app_data(
                web::JsonConfig::default()
                    .limit(body_limit)
                    .error_handler(|err, _| {
                        actix_web::error::InternalError::from_response(
                            err,
                            HttpResponse::BadRequest().json(serde_json::json!({
                                "error": "invalid_request",
                                "error_description": "the body is not the JSON this call expects",
                            })),
                        )
                        .into()
                    }),
            )
            .wrap(actix_web::middleware::from_fn(
                crate::security::rate_limit::enforce,
            ))
            .wrap(security_headers(https))
            .wrap_fn(|req, srv| {
                let request_id = req.extensions().get::<RequestId>().map(|id| id.to_string());
                let response = actix_web::dev::Service::call(srv, req);
                async move {
                    let mut response = response.await?;
                    if let Some(value) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
                        response
                            .headers_mut()
                            .insert(header::HeaderName::from_static("x-request-id"), value);
                    }
                    Ok(response)
                }
            })
            .wrap(TracingLogger::<RedactedRootSpan>::new())
            .wrap(crate::metrics::Metrics)
            .configure(routes)
            .default_service(web::to(not_found))
    })
    .workers(workers)
    .shutdown_timeout(30)
    .client_request_timeout(Duration::from_secs(10))
    .listen(listener)?
    .run();
    Ok((server, port))
}
