//! Client authentication (RFC 6749 §2.3, RFC 7523 §2.2): `client_secret_basic`,
//! `client_secret_post`, `client_secret_jwt`, `private_key_jwt`, and `none` for public clients.
//! Exactly one method per request, and only the one the client is registered for; unknown
//! client and wrong credential give the same answer.

use actix_web::http::header;
use actix_web::HttpRequest;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::client_assertion::{self, Assertion};
use super::form::Form;
use crate::crypto::kek::KeyEncryptionKey;
use crate::crypto::secrets::{hash_secret, verify_secret};
use crate::error::{AppError, OAuthError};
use crate::state::AppState;
use crate::store::clients::{self, AuthMethod, Client};
use crate::store::{unix_now, AnyConnection, StoreError};

pub const METHODS_SUPPORTED: [&str; 5] = [
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
    "private_key_jwt",
    "none",
];
/// Where a client must authenticate (introspection): every method but `none`.
pub const AUTHENTICATED_METHODS: [&str; 4] = [
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
    "private_key_jwt",
];
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

#[derive(Debug)]
pub enum Presented {
    Secret {
        client_id: String,
        secret: String,
    },
    Assertion {
        client_id: Option<String>,
        assertion: String,
    },
    Public {
        client_id: String,
    },
}

/// Reads the credentials the client presented; two methods at once are refused.
pub fn presented(req: &HttpRequest, form: &Form) -> Result<Presented, OAuthError> {
    let basic = match req.headers().get(header::AUTHORIZATION) {
        Some(value) => Some(parse_basic(value.to_str().unwrap_or(""))?),
        None => None,
    };
    let body_id = form.single("client_id")?;
    let body_secret = form.single("client_secret")?;
    let assertion = form.single("client_assertion")?;
    let assertion_type = form.single("client_assertion_type")?;
    let twice = || OAuthError::invalid_request("client credentials must be sent in one place only");
    if assertion.is_some() || assertion_type.is_some() {
        if basic.is_some() || body_secret.is_some() {
            return Err(twice());
        }
        if assertion_type != Some(ASSERTION_TYPE) {
            return Err(OAuthError::invalid_request(
                "client_assertion_type must be jwt-bearer",
            ));
        }
        let assertion =
            assertion.ok_or_else(|| OAuthError::invalid_request("client_assertion is missing"))?;
        return Ok(Presented::Assertion {
            client_id: body_id.map(String::from),
            assertion: assertion.to_string(),
        });
    }
    match (basic, body_id, body_secret) {
        (Some((client_id, secret)), None, None) => Ok(Presented::Secret { client_id, secret }),
        (Some((basic_id, secret)), Some(body_id), None) if basic_id == body_id => {
            Ok(Presented::Secret {
                client_id: basic_id,
                secret,
            })
        }
        (Some(_), _, _) => Err(twice()),
        (None, Some(id), Some(secret)) => Ok(Presented::Secret {
            client_id: id.to_string(),
            secret: secret.to_string(),
        }),
        (None, Some(id), None) => Ok(Presented::Public {
            client_id: id.to_string(),
        }),
        (None, None, _) => Err(OAuthError::invalid_client()),
    }
}

/// `Authorization: Basic base64(urlencode(id) ":" urlencode(secret))` per RFC 6749 §2.3.1.
fn parse_basic(value: &str) -> Result<(String, String), OAuthError> {
    let (scheme, encoded) = value
        .split_once(' ')
        .ok_or_else(OAuthError::invalid_client)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(OAuthError::invalid_client());
    }
    let decoded = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(OAuthError::invalid_client)?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or_else(OAuthError::invalid_client)?;
    Ok((form_decode(id)?, form_decode(secret)?))
}

fn form_decode(part: &str) -> Result<String, OAuthError> {
    percent_encoding::percent_decode_str(&part.replace('+', " "))
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| OAuthError::invalid_client())
}

/// Authenticates the client of a request to `endpoint` (the URL an assertion may name as its
/// audience besides the issuer and the token endpoint).
pub async fn authenticate(
    state: &AppState,
    req: &HttpRequest,
    form: &Form,
    endpoint: &str,
) -> Result<Client, AppError> {
    let used_basic = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.len() > 6 && v[..6].eq_ignore_ascii_case("basic "));
    match check_client(state, req, form, endpoint).await {
        Err(AppError::OAuth(mut e)) if e.code == "invalid_client" => {
            e.basic_challenge = used_basic;
            Err(AppError::OAuth(e))
        }
        other => other,
    }
}

async fn check_client(
    state: &AppState,
    req: &HttpRequest,
    form: &Form,
    endpoint: &str,
) -> Result<Client, AppError> {
    let presented = presented(req, form)?;
    // The answer is readable by the named client's web origins (whatever the outcome).
    let named = match &presented {
        Presented::Secret { client_id, .. } | Presented::Public { client_id } => Some(client_id),
        Presented::Assertion { client_id, .. } => client_id.as_ref(),
    };
    if let Some(id) = named {
        crate::security::cors::name_client(req, id);
    }
    let audiences = vec![
        state.config.issuer.clone(),
        state.config.url(crate::oidc::paths::TOKEN_PATH),
        state.config.url(endpoint),
    ];
    let kek = state.kek();
    let checked = state
        .store
        .run(move |conn| check(conn, &kek, &presented, &audiences))
        .await?;
    let (client, assertion) = checked.ok_or_else(OAuthError::invalid_client)?;
    crate::security::cors::name_client(req, &client.id);
    if !crate::security::cors::origin_permitted(req, &state.config.issuer, &client) {
        tracing::warn!(event = "cors_origin_refused", client_id = %client.id);
        return Err(OAuthError::invalid_request(
            "requests from this web origin are not allowed for this client",
        )
        .into());
    }
    if let Some(assertion) = assertion {
        let key = format!("assertion:{}:{}", client.id, assertion.jti);
        let first = state
            .replay
            .first_use(&key, assertion.expires_at)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "replay cache unavailable: refusing client assertions");
                AppError::from(OAuthError::new(
                    "temporarily_unavailable",
                    "try again shortly",
                ))
            })?;
        if !first {
            tracing::warn!(event = "assertion_replay", client_id = %client.id);
            return Err(OAuthError::invalid_client().into());
        }
    }
    Ok(client)
}

/// The client, if what it presented is right for it, with the assertion to record as used.
fn check(
    conn: &mut AnyConnection,
    kek: &KeyEncryptionKey,
    presented: &Presented,
    audiences: &[String],
) -> Result<Option<(Client, Option<Assertion>)>, StoreError> {
    let client_id = match presented {
        Presented::Secret { client_id, .. } | Presented::Public { client_id } => client_id.clone(),
        Presented::Assertion {
            client_id,
            assertion,
        } => match client_assertion::claimed_client(assertion) {
            Some(claimed) if client_id.as_ref().is_none_or(|id| *id == claimed) => claimed,
            _ => return Ok(None),
        },
    };
    let client = match clients::find(conn, &client_id) {
        Ok(client) => Some(client),
        Err(StoreError::NotFound) => None,
        Err(other) => return Err(other),
    };
    let now = unix_now();
    let Some(client) = client else {
        if let Presented::Secret { secret, .. } = presented {
            // The same work as for a known client.
            let _ = verify_secret(secret, &hash_secret(""));
        }
        return Ok(None);
    };
    let verified = match (presented, client.auth_method()) {
        (Presented::Secret { secret, .. }, AuthMethod::Secret) => {
            let current = client
                .secret_hash
                .as_deref()
                .is_some_and(|h| verify_secret(secret, h));
            let previous = client.previous_secret_accepted(now)
                && client
                    .previous_secret_hash
                    .as_deref()
                    .is_some_and(|h| verify_secret(secret, h));
            current || previous
        }
        (
            Presented::Assertion { assertion, .. },
            AuthMethod::PrivateKeyJwt | AuthMethod::SecretJwt,
        ) => match client_assertion::verify(assertion, &client, kek, audiences, now) {
            Some(checked) => return Ok(Some((client, Some(checked)))),
            None => false,
        },
        (Presented::Public { .. }, AuthMethod::None) => true,
        _ => false,
    };
    Ok(verified.then_some((client, None)))
}

/// `unauthorized_client` unless the client is registered for `grant_type` (RFC 6749 §5.2).
pub fn require_grant(client: &Client, grant_type: &str) -> Result<(), AppError> {
    if client.allows_grant(grant_type) {
        return Ok(());
    }
    let why = format!("this client may not use {grant_type}");
    Err(OAuthError::new("unauthorized_client", why).into())
}
