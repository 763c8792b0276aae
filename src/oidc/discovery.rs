//! OpenID Provider Metadata (OpenID Connect Discovery 1.0 §3) and the same document as OAuth
//! Authorization Server Metadata (RFC 8414). It advertises only what this build serves.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde_json::json;

use super::authorize::checks::{ACR_MFA, ACR_PASSWORD, RESPONSE_MODES_SUPPORTED, SCOPES_SUPPORTED};
use super::claims::CLAIMS_SUPPORTED;
use super::token::GRANT_TYPES_SUPPORTED;
use super::{client_assertion, client_auth};
use crate::config::Config;
use crate::crypto::keys::SigningAlg;
use crate::oidc::paths::{
    AUTHORIZE_PATH, DEVICE_AUTHORIZATION_PATH, END_SESSION_PATH, INTROSPECT_PATH, JWKS_PATH,
    PAR_PATH, REGISTRATION_PATH, REVOKE_PATH, TOKEN_PATH, USERINFO_PATH,
};
use crate::state::AppState;

pub fn document(config: &Config, algorithms: &[SigningAlg]) -> String {
    let algs: Vec<&str> = algorithms.iter().map(|a| a.name()).collect();
    let mut document = json!({
        "issuer": config.issuer,
        "authorization_endpoint": config.url(AUTHORIZE_PATH),
        "token_endpoint": config.url(TOKEN_PATH),
        "userinfo_endpoint": config.url(USERINFO_PATH),
        "jwks_uri": config.url(JWKS_PATH),
        "end_session_endpoint": config.url(END_SESSION_PATH),
        "introspection_endpoint": config.url(INTROSPECT_PATH),
        "revocation_endpoint": config.url(REVOKE_PATH),
        "pushed_authorization_request_endpoint": config.url(PAR_PATH),
        "require_pushed_authorization_requests": config.settings.authorization.require_par,
        "device_authorization_endpoint": config.url(DEVICE_AUTHORIZATION_PATH),
        "scopes_supported": SCOPES_SUPPORTED,
        "claims_supported": CLAIMS_SUPPORTED,
        "response_types_supported": ["code"],
        "response_modes_supported": RESPONSE_MODES_SUPPORTED,
        "grant_types_supported": GRANT_TYPES_SUPPORTED,
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": client_auth::METHODS_SUPPORTED,
        "token_endpoint_auth_signing_alg_values_supported": client_assertion::ALGS_SUPPORTED,
        "introspection_endpoint_auth_methods_supported": client_auth::AUTHENTICATED_METHODS,
        "introspection_endpoint_auth_signing_alg_values_supported": client_assertion::ALGS_SUPPORTED,
        "revocation_endpoint_auth_methods_supported": client_auth::METHODS_SUPPORTED,
        "revocation_endpoint_auth_signing_alg_values_supported": client_assertion::ALGS_SUPPORTED,
        "subject_types_supported": ["public"],
        "dpop_signing_alg_values_supported": super::dpop::ALGS_SUPPORTED,
        "acr_values_supported": [ACR_PASSWORD, ACR_MFA],
        "id_token_signing_alg_values_supported": algs,
        "authorization_response_iss_parameter_supported": true,
        "ui_locales_supported": crate::i18n::Lang::ALL.map(crate::i18n::Lang::tag),
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        // Logout tokens always carry sid; the signed-out page adds iss and sid for clients
        // that ask (see oidc::backchannel, web::signed_out).
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "frontchannel_logout_supported": true,
        "frontchannel_logout_session_supported": true,
    });
    if config.settings.client_registration.enabled {
        document["registration_endpoint"] = json!(config.url(REGISTRATION_PATH));
    }
    document.to_string()
}

pub async fn metadata(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .content_type("application/json")
        .body(
            state
                .discovery
                .get_or_init(|| document(&state.config, &state.keys().algorithms()))
                .clone(),
        )
}
