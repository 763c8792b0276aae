//! DPoP (RFC 9449): proofs of possession of a key, sent by the client in the `DPoP` header. At
//! the token endpoint a valid proof binds the access token to the key (`cnf.jkt`) and, for a
//! public client, the refresh token too; where a bound token is used, a fresh proof by the same
//! key must come with it.

use actix_web::http::Method;
use actix_web::HttpRequest;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use josekit::jwk::Jwk;
use serde_json::{Map, Value};

use crate::crypto::jws::{self, part};
use crate::crypto::secrets::{b64url, constant_time_eq, hmac_sha256};
use crate::state::AppState;
use crate::store::unix_now;
use openssl::sha::sha256;

pub const HEADER: &str = "DPoP";
pub const ALGS_SUPPORTED: [&str; 5] = jws::ALGS_ACCEPTED;
/// How far a proof's `iat` may be from now, either way.
const IAT_WINDOW_SECS: i64 = 60;

/// Why a proof was refused; the answer is `invalid_dpop_proof` (or, with the replay cache
/// unavailable, `temporarily_unavailable`: fail closed).
#[derive(Debug)]
pub enum ProofError {
    Invalid(&'static str),
    Unavailable,
    /// `dpop.require_nonce` is on and the proof has no current nonce: send it with this one.
    UseNonce(String),
}

/// Nonces change every window and stay good for one more (RFC 9449 §8.2): a MAC of the window
/// number under a key every node derives from the KEK, so any node accepts any node's nonce.
const NONCE_WINDOW_SECS: i64 = 300;

fn nonce_for(state: &AppState, window: i64) -> String {
    let mac = hmac_sha256(&state.csrf_key, format!("dpop-nonce|{window}").as_bytes());
    format!("{window}.{}", b64url(&mac))
}

/// The nonce to hand out now.
pub fn current_nonce(state: &AppState) -> String {
    nonce_for(state, unix_now() / NONCE_WINDOW_SECS)
}

fn nonce_is_current(state: &AppState, nonce: &str) -> bool {
    let now = unix_now() / NONCE_WINDOW_SECS;
    let Some(window) = nonce.split('.').next().and_then(|w| w.parse::<i64>().ok()) else {
        return false;
    };
    (window == now || window == now - 1)
        && constant_time_eq(nonce_for(state, window).as_bytes(), nonce.as_bytes())
}

/// The key a valid proof was made with: its RFC 7638 thumbprint.
pub struct Proof {
    pub jkt: String,
}

/// Checks the request's `DPoP` proof, if it has one, for `method` at `url` (our endpoint's
/// public address) and, at a resource, for `access_token`. `Ok(None)`: no proof was sent.
pub async fn check(
    state: &AppState,
    req: &HttpRequest,
    url: &str,
    access_token: Option<&str>,
) -> Result<Option<Proof>, ProofError> {
    let mut headers = req.headers().get_all(HEADER);
    let Some(value) = headers.next() else {
        return Ok(None);
    };
    if headers.next().is_some() {
        return Err(ProofError::Invalid("more than one DPoP header"));
    }
    let proof = value
        .to_str()
        .map_err(|_| ProofError::Invalid("unreadable DPoP header"))?;
    let (jkt, jti, iat, nonce) = verify(proof, req.method(), url, access_token, unix_now())?;
    if state.config.settings.dpop.require_nonce
        && !nonce.as_deref().is_some_and(|n| nonce_is_current(state, n))
    {
        return Err(ProofError::UseNonce(current_nonce(state)));
    }
    let key = format!("dpop:{jkt}:{jti}");
    match state
        .replay
        .first_use(&key, iat + 2 * IAT_WINDOW_SECS)
        .await
    {
        Ok(true) => Ok(Some(Proof { jkt })),
        Ok(false) => Err(ProofError::Invalid("the DPoP proof was used before")),
        Err(e) => {
            tracing::warn!(error = %e, "replay cache unavailable: refusing DPoP proofs");
            Err(ProofError::Unavailable)
        }
    }
}

/// RFC 9449 §4.3: the proof's form, key, signature and claims; returns the key's thumbprint,
/// the proof's `jti` and its `iat`.
fn verify(
    proof: &str,
    method: &Method,
    url: &str,
    access_token: Option<&str>,
    now: i64,
) -> Result<(String, String, i64, Option<String>), ProofError> {
    let invalid = ProofError::Invalid;
    let header = part(proof, 0).ok_or(invalid("the DPoP proof is not a JWT"))?;
    if header.get("typ").and_then(Value::as_str) != Some("dpop+jwt") {
        return Err(invalid("the DPoP proof's typ must be dpop+jwt"));
    }
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    if !ALGS_SUPPORTED.contains(&alg) {
        return Err(invalid("unsupported DPoP proof algorithm"));
    }
    let jwk = header.get("jwk").and_then(Value::as_object).cloned();
    let jwk = jwk.ok_or(invalid("the DPoP proof carries no jwk"))?;
    if ["d", "p", "q", "dp", "dq", "qi", "k"]
        .iter()
        .any(|m| jwk.contains_key(*m))
    {
        return Err(invalid("the DPoP proof's jwk must be a public key"));
    }
    let jkt = thumbprint(&jwk).ok_or(invalid("unsupported DPoP key"))?;
    let key = Jwk::from_map(jwk).map_err(|_| invalid("unreadable DPoP key"))?;
    if !jws::signature_verifies(proof, alg, &key) {
        return Err(invalid(
            "the DPoP proof's signature does not verify with its jwk",
        ));
    }
    let claims = part(proof, 1).ok_or(invalid("unreadable DPoP claims"))?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let jti = text("jti").filter(|j| !j.is_empty() && j.len() <= 256);
    let jti = jti
        .ok_or(invalid("the DPoP proof needs a jti"))?
        .to_string();
    if text("htm") != Some(method.as_str()) {
        return Err(invalid("the DPoP proof's htm is not this request's method"));
    }
    if !same_target(text("htu").unwrap_or(""), url) {
        return Err(invalid("the DPoP proof's htu is not this endpoint"));
    }
    let iat = claims.get("iat").and_then(Value::as_i64);
    let iat = iat.ok_or(invalid("the DPoP proof needs an iat"))?;
    if (now - iat).abs() > IAT_WINDOW_SECS {
        return Err(invalid("the DPoP proof is not fresh"));
    }
    if let Some(token) = access_token {
        let expected = URL_SAFE_NO_PAD.encode(sha256(token.as_bytes()));
        if text("ath") != Some(expected.as_str()) {
            return Err(invalid(
                "the DPoP proof's ath does not match the access token",
            ));
        }
    }
    let nonce = text("nonce").map(String::from);
    Ok((jkt, jti, iat, nonce))
}

/// `htu` names the endpoint: the same URL without query and fragment (RFC 9449 §4.3 item 9).
fn same_target(htu: &str, url: &str) -> bool {
    let strip = |u: &str| {
        url::Url::parse(u).ok().map(|mut u| {
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        })
    };
    matches!((strip(htu), strip(url)), (Some(a), Some(b)) if a == b)
}

/// RFC 7638: SHA-256 over the key's required members, in lexicographic order, no whitespace.
pub fn thumbprint(jwk: &Map<String, Value>) -> Option<String> {
    let member = |name: &str| jwk.get(name).and_then(Value::as_str);
    let canonical = match member("kty")? {
        "EC" => format!(
            r#"{{"crv":{},"kty":"EC","x":{},"y":{}}}"#,
            Value::from(member("crv")?),
            Value::from(member("x")?),
            Value::from(member("y")?)
        ),
        "RSA" => format!(
            r#"{{"e":{},"kty":"RSA","n":{}}}"#,
            Value::from(member("e")?),
            Value::from(member("n")?)
        ),
        "OKP" => format!(
            r#"{{"crv":{},"kty":"OKP","x":{}}}"#,
            Value::from(member("crv")?),
            Value::from(member("x")?)
        ),
        _ => return None,
    };
    Some(URL_SAFE_NO_PAD.encode(sha256(canonical.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of RFC 7638 §3.1.
    #[test]
    fn thumbprint_of_the_rfc_example() {
        let jwk: Value = serde_json::json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29"
        });
        assert_eq!(
            thumbprint(jwk.as_object().unwrap()).unwrap(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }
}
