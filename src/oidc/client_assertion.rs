//! Client assertions (RFC 7523 §3, OpenID Connect Core §9): a JWT naming the client as `iss`
//! and `sub` and us as `aud`, short-lived, with a `jti` used once — signed with a key
//! registered for the client (`private_key_jwt`) or keyed with its secret (`client_secret_jwt`).

use josekit::jwk::JwkSet;
use serde_json::Value;

use crate::client_registry::open_secret;
use crate::crypto::jws::{self, part};
use crate::crypto::kek::KeyEncryptionKey;
use crate::crypto::secrets::{constant_time_eq, hmac_sha256};
use crate::store::clients::{AuthMethod, Client};

/// What either kind of assertion may be signed with: the asymmetric algorithms for keys, and
/// HS256 for secrets. A 256-bit secret is too short a key for HS384 or HS512 (RFC 7518 §3.2).
pub const ALGS_SUPPORTED: [&str; 6] = ["RS256", "PS256", "ES256", "EdDSA", "Ed25519", "HS256"];

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

/// The assertion's claims, if it is signed as the client's registered method requires (a
/// key-signed assertion never verifies for a secret client, nor an HMAC for a key client).
pub fn verify(
    assertion: &str,
    client: &Client,
    kek: &KeyEncryptionKey,
    audiences: &[String],
    now: i64,
) -> Option<Assertion> {
    let header = part(assertion, 0)?;
    let alg = header.get("alg")?.as_str()?;
    if header.contains_key("jku") || header.contains_key("x5u") || header.contains_key("jwk") {
        return None;
    }
    let verified = match client.auth_method() {
        AuthMethod::PrivateKeyJwt => signed_by_key(assertion, alg, &header, client),
        AuthMethod::SecretJwt => alg == "HS256" && keyed_with_secret(assertion, client, kek, now),
        AuthMethod::Secret | AuthMethod::None => false,
    };
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

fn signed_by_key(
    assertion: &str,
    alg: &str,
    header: &serde_json::Map<String, Value>,
    client: &Client,
) -> bool {
    let kid = header.get("kid").and_then(Value::as_str);
    let Ok(keys) = JwkSet::from_bytes(client.jwks.as_bytes()) else {
        return false;
    };
    keys.keys()
        .into_iter()
        .filter(|key| kid.is_none_or(|kid| key.key_id() == Some(kid)))
        .filter(|key| key.algorithm().is_none_or(|a| same_alg(a, alg)))
        .any(|key| jws::signature_verifies(assertion, alg, key))
}

/// HS256 over the signing input with the current secret, or with the previous one while a
/// rotation's overlap lasts; compared in constant time.
fn keyed_with_secret(assertion: &str, client: &Client, kek: &KeyEncryptionKey, now: i64) -> bool {
    let Some((signing_input, signature)) = jws::signed_parts(assertion) else {
        return false;
    };
    let previous = client
        .previous_secret_accepted(now)
        .then_some(client.previous_sealed_secret.as_deref())
        .flatten();
    [client.sealed_secret.as_deref(), previous]
        .into_iter()
        .flatten()
        .filter_map(|sealed| open_secret(kek, &client.id, sealed))
        .any(|secret| constant_time_eq(&hmac_sha256(&secret, signing_input.as_bytes()), &signature))
}

/// Whether a key registered for `registered` may verify a header naming `presented`.
fn same_alg(registered: &str, presented: &str) -> bool {
    let canonical = |a: &str| if a == "Ed25519" { "EdDSA" } else { a }.to_string();
    canonical(registered) == canonical(presented)
}
