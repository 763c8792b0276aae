//! Client authentication at the token endpoint (RFC 6749 §2.3): `client_secret_basic`,
//! `client_secret_post`, and `none` for public clients.

use actix_web::http::header;
use actix_web::HttpRequest;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::form::Form;
use crate::crypto::secrets::{hash_secret, verify_secret};
use crate::error::{AppError, OAuthError};
use crate::store::clients::{self, Client};
use crate::store::{AnyConnection, StoreError};

pub const METHODS_SUPPORTED: [&str; 3] = ["client_secret_basic", "client_secret_post", "none"];

#[derive(Debug)]
pub enum Presented {
    Secret { client_id: String, secret: String },
    Public { client_id: String },
}

/// Reads the credentials the client presented; credentials in two places at once are refused.
pub fn presented(req: &HttpRequest, form: &Form) -> Result<Presented, OAuthError> {
    let basic = match req.headers().get(header::AUTHORIZATION) {
        Some(value) => Some(parse_basic(value.to_str().unwrap_or(""))?),
        None => None,
    };
    let body_id = form.single("client_id")?;
    let body_secret = form.single("client_secret")?;
    match (basic, body_id, body_secret) {
        (Some((client_id, secret)), None, None) => Ok(Presented::Secret { client_id, secret }),
        (Some((basic_id, secret)), Some(body_id), None) if basic_id == body_id => {
            Ok(Presented::Secret {
                client_id: basic_id,
                secret,
            })
        }
        (Some(_), _, _) => Err(OAuthError::invalid_request(
            "client credentials must be sent in one place only",
        )),
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

/// Looks the client up and checks what it presented. Unknown client and wrong secret give the
/// same answer and cost the same work.
pub fn authenticate(conn: &mut AnyConnection, presented: &Presented) -> Result<Client, AppError> {
    let client_id = match presented {
        Presented::Secret { client_id, .. } | Presented::Public { client_id } => client_id,
    };
    let client = match clients::find(conn, client_id) {
        Ok(client) => Some(client),
        Err(StoreError::NotFound) => None,
        Err(other) => return Err(other.into()),
    };
    let authenticated = match (presented, &client) {
        (Presented::Secret { secret, .. }, Some(c)) => match &c.secret_hash {
            Some(stored) => verify_secret(secret, stored),
            None => false,
        },
        (Presented::Secret { secret, .. }, None) => {
            let _ = verify_secret(secret, &hash_secret(""));
            false
        }
        (Presented::Public { .. }, Some(c)) => c.is_public(),
        (Presented::Public { .. }, None) => false,
    };
    match client {
        Some(client) if authenticated => Ok(client),
        _ => Err(OAuthError::invalid_client().into()),
    }
}
