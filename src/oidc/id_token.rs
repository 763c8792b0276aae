//! ID tokens (OpenID Connect Core §2, §3.1.3.6).

use openssl::sha::sha256;
use serde_json::{json, Map, Value};

use super::claims;
use crate::app::AppState;
use crate::crypto::keys::SigningAlg;
use crate::crypto::secrets::b64url;
use crate::error::AppError;
use crate::store::grants::Grant;
use crate::store::unix_now;
use crate::store::users::User;

/// ID tokens are signed with RS256, the algorithm every relying party must accept when it has
/// registered no other.
pub const ALG: SigningAlg = SigningAlg::Rs256;

pub fn issue(
    state: &AppState,
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
        ("at_hash", json!(at_hash(access_token))),
    ] {
        body.insert(name.into(), value);
    }
    if let Some(nonce) = nonce {
        body.insert("nonce".into(), json!(nonce));
    }
    Ok(state.keys().sign(ALG, "JWT", body)?)
}

/// §3.1.3.6: the left half of the SHA-256 digest of the access token (RS256 uses SHA-256).
fn at_hash(access_token: &str) -> String {
    let digest = sha256(access_token.as_bytes());
    b64url(&digest[..16])
}
