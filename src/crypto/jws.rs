//! Compact JWS made by others — client assertions and DPoP proofs: the algorithms accepted, a
//! part read without trusting it, and a signature checked against a given public key.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use josekit::jwk::Jwk;
use serde_json::{Map, Value};

use super::public_key;

/// Only asymmetric algorithms: `none` and HMAC (which would take a public key as a secret) are
/// never accepted. `Ed25519` is the fully specified name (RFC 9864) of what `EdDSA` means with
/// an Ed25519 key.
pub const ALGS_ACCEPTED: [&str; 5] = ["RS256", "PS256", "ES256", "EdDSA", "Ed25519"];

/// The header (0) or claims (1) of a compact JWS, as JSON; nothing about it is verified.
pub fn part(token: &str, index: usize) -> Option<Map<String, Value>> {
    let raw = token.split('.').nth(index)?;
    let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
    serde_json::from_slice::<Value>(&bytes)
        .ok()?
        .as_object()
        .cloned()
}

/// Whether the signature of `token` verifies with `key` under `alg` (one of
/// [`ALGS_ACCEPTED`]; anything else never verifies).
pub fn signature_verifies(token: &str, alg: &str, key: &Jwk) -> bool {
    let Some((signing_input, signature)) = signed_parts(token) else {
        return false;
    };
    ALGS_ACCEPTED.contains(&alg)
        && public_key::verifies(alg, key, signing_input.as_bytes(), &signature)
}

/// The signing input (header and claims as sent) and the decoded signature of a compact JWS.
pub fn signed_parts(token: &str) -> Option<(&str, Vec<u8>)> {
    let (signing_input, signature) = token.rsplit_once('.')?;
    Some((signing_input, URL_SAFE_NO_PAD.decode(signature).ok()?))
}
