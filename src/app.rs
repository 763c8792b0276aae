//! Builds the HTTP application: middleware and every route in one table. Nothing below imports
//! this module; the shared state lives in `state.rs`.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, App, HttpMessage, HttpRequest, HttpResponse, HttpServer};
use tracing_actix_web::{RequestId, TracingLogger};

use crate::error::{ApiError, AppError};
use crate::oidc::paths::*;
use crate::oidc::{
    authorize, discovery, end_session, introspect, jwks, registration, revoke, token, userinfo,
};
use crate::security::headers::security_headers;
use crate::state::AppState;
use crate::telemetry::RedactedRootSpan;
use crate::web::{
    consent, login, passkey, password_change, recovery, second_factor, signup, verify,
};

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(crate::web::home::show))
        .route(DISCOVERY_PATH, web::get().to(discovery::metadata))
        .route(AS_METADATA_PATH, web::get().to(discovery::metadata))
        .route(JWKS_PATH, web::get().to(jwks::jwks))
        .service(protocol(TOKEN_PATH).route(web::post().to(token::token)))
        .service(protocol(PAR_PATH).route(web::post().to(crate::oidc::par::push)))
        .service(
            protocol(DEVICE_AUTHORIZATION_PATH)
                .route(web::post().to(crate::oidc::device::authorize)),
        )
        .route(
            DEVICE_VERIFICATION_PATH,
            web::get().to(crate::web::device::page),
        )
        .route(
            DEVICE_VERIFICATION_PATH,
            web::post().to(crate::web::device::submit),
        )
        .route(AUTHORIZE_PATH, web::get().to(authorize::authorize_get))
        .route(AUTHORIZE_PATH, web::post().to(authorize::authorize_post))
        .route("/authorize/resume", web::get().to(authorize::resume))
        .route("/lang", web::post().to(crate::i18n::picker_submit))
        .route("/login", web::get().to(login::show))
        .route("/login", web::post().to(login::submit))
        .route(
            "/login/password",
            web::post().to(password_change::change_password),
        )
        .route("/login/totp", web::post().to(login::submit_code))
        .route(
            "/login/upstream",
            web::post().to(crate::web::upstream::start),
        )
        .route(
            crate::upstream::CALLBACK_PATH,
            web::get().to(crate::web::upstream::callback),
        )
        .route("/login/forgot", web::get().to(recovery::forgot_page))
        .route("/login/forgot", web::post().to(recovery::forgot_submit))
        .route("/login/reset", web::get().to(recovery::reset_page))
        .route("/login/reset", web::post().to(recovery::reset_submit))
        .route("/invitation", web::get().to(crate::web::invitation::page))
        .route(
            "/invitation",
            web::post().to(crate::web::invitation::accept),
        )
        .route("/signup", web::get().to(signup::page))
        .route("/signup", web::post().to(signup::submit))
        .route("/verify-email", web::get().to(verify::confirm_page))
        .route("/verify-email", web::post().to(verify::confirm))
        .route("/login/verify-email", web::get().to(verify::needed_page))
        .route("/login/verify-email", web::post().to(verify::resend))
        .route(
            "/login/second-factor",
            web::get().to(second_factor::step_up_page),
        )
        .route(
            "/login/second-factor",
            web::post().to(second_factor::step_up_submit),
        )
        // The passkey ceremonies answer a script: whatever goes wrong is JSON, never a page.
        .service(protocol("/login/passkey/begin").route(web::post().to(passkey::signin::begin)))
        .service(protocol("/login/passkey/finish").route(web::post().to(passkey::signin::finish)))
        .service(
            protocol("/login/passkey/second-factor/begin")
                .route(web::post().to(passkey::second_factor::begin)),
        )
        .service(
            protocol("/login/passkey/second-factor/finish")
                .route(web::post().to(passkey::second_factor::finish)),
        )
        .route("/consent", web::get().to(consent::page))
        .route("/consent", web::post().to(consent::decide))
        .route("/account", web::get().to(crate::web::account::show))
        .route(
            "/account/name",
            web::post().to(crate::web::account::change_name),
        )
        .route(
            "/account/email",
            web::post().to(crate::web::account::change_email),
        )
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
        .service(protocol("/account/passkeys/begin").route(web::post().to(passkey::enrol::begin)))
        .service(protocol("/account/passkeys/finish").route(web::post().to(passkey::enrol::finish)))
        .route(
            "/account/passkeys/remove",
            web::post().to(crate::web::account::remove_passkey),
        )
        .route(
            "/account/sessions/end",
            web::post().to(crate::web::account::end_session),
        )
        .route(
            "/account/sessions/end-all",
            web::post().to(crate::web::account::end_all_sessions),
        )
        .route(
            "/account/consents/withdraw",
            web::post().to(crate::web::account::withdraw_consent),
        )
        .route(
            "/account/upstream/unlink",
            web::post().to(crate::web::account::unlink),
        )
        .service(protocol(INTROSPECT_PATH).route(web::post().to(introspect::introspect)))
        .service(protocol(REVOKE_PATH).route(web::post().to(revoke::revoke)))
        .service(protocol(REGISTRATION_PATH).route(web::post().to(registration::register)))
        .service(
            protocol("/register/{client_id}")
                .route(web::get().to(registration::read))
                .route(web::put().to(registration::update))
                .route(web::delete().to(registration::delete)),
        )
        .service(
            protocol(USERINFO_PATH)
                .route(web::get().to(userinfo::userinfo))
                .route(web::post().to(userinfo::userinfo)),
        )
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
        .route("/static/style.css", web::get().to(stylesheet))
        .route(
            crate::web::brand::LOGO_PATH,
            web::get().to(crate::web::brand::logo),
        )
        .route(
            crate::web::brand::STYLESHEET_PATH,
            web::get().to(crate::web::brand::stylesheet),
        )
        .route("/static/form-post.js", web::get().to(form_post_script))
        .route("/static/passkey.js", web::get().to(passkey_script))
        .route("/static/signed-out.js", web::get().to(signed_out_script));
}

/// A protocol endpoint (or a passkey ceremony's, which a script calls): programs call it, so
/// its errors are OAuth JSON, never a page.
fn protocol(
    path: &str,
) -> actix_web::Resource<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<actix_web::body::BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::resource(path).wrap(actix_web::middleware::from_fn(crate::error::oauth_errors))
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../static/style.css"))
}

/// One of our own scripts (static/), cached for an hour.
fn script(body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(body)
}

async fn form_post_script() -> HttpResponse {
    script(include_str!("../static/form-post.js"))
}

async fn passkey_script() -> HttpResponse {
    script(include_str!("../static/passkey.js"))
}

async fn signed_out_script() -> HttpResponse {
    script(include_str!("../static/signed-out.js"))
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
                        AppError::shown(
                            actix_web::http::StatusCode::BAD_REQUEST,
                            "error-invalid-form-title",
                            "error-invalid-form-message",
                        )
                        .into()
                    }),
            )
            .app_data(web::QueryConfig::default().error_handler(|_, _| {
                AppError::shown(
                    actix_web::http::StatusCode::BAD_REQUEST,
                    "error-invalid-address-title",
                    "error-invalid-address-message",
                )
                .into()
            }))
            .app_data(
                web::JsonConfig::default()
                    .limit(body_limit)
                    .error_handler(|_, _| {
                        ApiError::invalid_request("the body is not the JSON this call expects")
                            .into()
                    }),
            )
            .wrap(actix_web::middleware::from_fn(
                crate::security::throttle::enforce,
            ))
            // Preflights are answered before the rate limits, which count actual requests.
            .wrap(actix_web::middleware::from_fn(crate::security::cors::cors))
            .wrap(actix_web::middleware::from_fn(
                crate::security::throttle::bound_clients,
            ))
            .wrap(actix_web::middleware::from_fn(crate::i18n::choose_language))
            .wrap(security_headers(https))
            .wrap_fn(|req, srv| {
                let request_id = req.extensions().get::<RequestId>().map(|id| id.to_string());
                let draining = req
                    .app_data::<web::Data<AppState>>()
                    .is_some_and(|state| state.readiness.draining());
                let response = actix_web::dev::Service::call(srv, req);
                async move {
                    let mut response = response.await?;
                    if let Some(value) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
                        response
                            .headers_mut()
                            .insert(header::HeaderName::from_static("x-request-id"), value);
                    }
                    // A draining node closes each connection after its answer, so that no idle
                    // keep-alive connection is left to be cut when it stops.
                    if draining {
                        response
                            .response_mut()
                            .head_mut()
                            .set_connection_type(actix_web::http::ConnectionType::Close);
                    }
                    Ok(response)
                }
            })
            // HEAD wherever GET is served (RFC 9110 §9.3.2): routed as GET; the HTTP layer
            // sends the headers of that answer without its body.
            .wrap_fn(|mut req, srv| {
                if req.method() == actix_web::http::Method::HEAD {
                    req.head_mut().method = actix_web::http::Method::GET;
                }
                actix_web::dev::Service::call(srv, req)
            })
            .wrap(TracingLogger::<RedactedRootSpan>::new())
            .wrap(crate::metrics::Metrics)
            .configure(routes)
            .default_service(web::to(not_found))
    })
    .workers(workers)
    .shutdown_timeout(30)
    // SIGTERM is handled in `serve`: readiness turns 503 and the node drains before it stops.
    .disable_signals()
    .client_request_timeout(Duration::from_secs(10))
    .listen(listener)?
    .run();
    Ok((server, port))
}
