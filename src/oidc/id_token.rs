//! ID tokens (OpenID Connect Core §2, §3.1.3.6).

use openssl::sha::{sha256, sha512};
use serde_json::{json, Map, Value};

use super::authorize::checks::{ACR_MFA, ACR_PASSWORD};
use super::claims;
use crate::crypto::keys::SigningAlg;
use crate::crypto::secrets::b64url;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::grants::Grant;
use crate::store::unix_now;
use crate::store::users::User;

/// Signed with the client's registered algorithm; RS256, which every relying party must accept
/// when it has registered no other, is the default.
pub fn issue(
    state: &AppState,
    alg: SigningAlg,
    grant: &Grant,
    user: &User,
    nonce: Option<&str>,
    access_token: &str,
) -> Result<String, AppError> {
    let now = unix_now();
    let mut body: Map<String, Value> = claims::for_scopes(user, grant.scope.split(' '));
    let amr: Vec<&str> = grant.amr.split_whitespace().collect();
    for (name, value) in [
        ("iss", json!(state.config.issuer)),
        ("sub", json!(user.id)),
        ("aud", json!(grant.client_id)),
        ("azp", json!(grant.client_id)),
        ("iat", json!(now)),
        (
            "exp",
            json!(now + state.config.settings.tokens.id_token_ttl_secs),
        ),
        ("auth_time", json!(grant.auth_time)),
        ("sid", json!(grant.sid)),
        ("amr", json!(amr)),
        (
            "acr",
            json!(if super::amr::is_multi_factor(&grant.amr) {
                ACR_MFA
            } else {
                ACR_PASSWORD
            }),
        ),
        ("at_hash", json!(at_hash(alg, access_token))),
    ] {
        body.insert(name.into(), value);
    }
    if let Some(nonce) = nonce {
        body.insert("nonce".into(), json!(nonce));
    }
    Ok(state.keys().sign(alg, "JWT", body)?)
}

/// §3.1.3.6: the left half of the access token's digest under the hash of the signing
/// algorithm: SHA-256 for RS256 and ES256, SHA-512 for EdDSA with Ed25519.
fn at_hash(alg: SigningAlg, access_token: &str) -> String {
    match alg {
        SigningAlg::Rs256 | SigningAlg::Es256 => b64url(&sha256(access_token.as_bytes())[..16]),
        SigningAlg::EdDsa => b64url(&sha512(access_token.as_bytes())[..32]),
    }
}
