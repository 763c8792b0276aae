//! `private_key_jwt` (RFC 7523 §3, OpenID Connect Core §9): a JWT signed with a key registered
//! for the client, naming the client as `iss` and `sub` and us as `aud`, short-lived, with a
//! `jti` used once.

use josekit::jwk::JwkSet;
use serde_json::Value;

use crate::crypto::jws::{self, part};
use crate::store::clients::Client;

pub const ALGS_SUPPORTED: [&str; 5] = jws::ALGS_ACCEPTED;

/// Assertions valid for longer than this are refused.
const MAX_LIFETIME_SECS: i64 = 600;

pub struct Assertion {
    pub jti: String,
    pub expires_at: i64,
}

/// The client the assertion claims to come from, before anything is verified: only to find
/// the keys to verify it with.
pub fn claimed_client(assertion: &str) -> Option<String> {
    part(assertion, 1)?.get("sub")?.as_str().map(String::from)
}

pub fn verify(
    assertion: &str,
    client: &Client,
    audiences: &[String],
    now: i64,
) -> Option<Assertion> {
    let header = part(assertion, 0)?;
    let alg = header.get("alg")?.as_str()?;
    if header.contains_key("jku") || header.contains_key("x5u") || header.contains_key("jwk") {
        return None;
    }
    let kid = header.get("kid").and_then(Value::as_str);
    let keys = JwkSet::from_bytes(client.jwks.as_bytes()).ok()?;
    let verified = keys
        .keys()
        .into_iter()
        .filter(|key| kid.is_none_or(|kid| key.key_id() == Some(kid)))
        .filter(|key| key.algorithm().is_none_or(|a| same_alg(a, alg)))
        .any(|key| jws::signature_verifies(assertion, alg, key));
    if !verified {
        return None;
    }
    let claims = part(assertion, 1)?;
    let string = |name: &str| claims.get(name).and_then(Value::as_str);
    if string("iss") != Some(&client.id) || string("sub") != Some(&client.id) {
        return None;
    }
    let audience_ok = match claims.get("aud")? {
        Value::String(aud) => audiences.contains(aud),
        Value::Array(auds) => auds
            .iter()
            .filter_map(Value::as_str)
            .any(|a| audiences.iter().any(|x| x == a)),
        _ => false,
    };
    let exp = claims.get("exp")?.as_i64()?;
    let not_before_ok = claims
        .get("nbf")
        .and_then(Value::as_i64)
        .is_none_or(|nbf| nbf <= now + 60);
    let jti = string("jti").filter(|j| !j.is_empty() && j.len() <= 256)?;
    (audience_ok && exp > now && exp <= now + MAX_LIFETIME_SECS && not_before_ok).then(|| {
        Assertion {
            jti: jti.to_string(),
            expires_at: exp,
        }
    })
}

/// Whether a key registered for `registered` may verify a header naming `presented`.
fn same_alg(registered: &str, presented: &str) -> bool {
    let canonical = |a: &str| if a == "Ed25519" { "EdDSA" } else { a }.to_string();
    canonical(registered) == canonical(presented)
}
