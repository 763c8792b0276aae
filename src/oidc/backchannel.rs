//! OpenID Connect Back-Channel Logout 1.0: when a session ends, each client that was issued
//! tokens in it and registered a `backchannel_logout_uri` is sent a logout token there, from the
//! deliveries queue (`crate::delivery`). The row holds only for whom (client, session, person);
//! the token is made at each attempt, so that a retry still carries a fresh `exp`, and signed
//! with the key of the client's ID token algorithm, as its ID tokens are (§2.4).

use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::crypto::keys::SigningAlg;
use crate::crypto::secrets::random_id;
use crate::delivery::post::{Post, Prepared};
use crate::state::AppState;
use crate::store::clients::{self, Client};
use crate::store::{deliveries, unix_now, AnyConnection, StoreError};

/// The event a logout token carries (§2.4).
pub const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// Its explicit type (§2.4, RFC 8725 §3.11).
pub const TOKEN_TYPE: &str = "logout+jwt";
/// A logout token is good for this long: long enough for clock skew, short against replay.
const TOKEN_TTL_SECS: i64 = 120;
/// A relying party answers at once (§2.8); a slow one is tried again later.
const POST_TIMEOUT: Duration = Duration::from_secs(5);

/// For whom a queued logout token is: what the row's body holds.
#[derive(serde::Serialize, serde::Deserialize)]
struct Notice {
    client_id: String,
    sid: String,
    sub: String,
}

/// Queues a logout token for `client` about the session `sid` of `sub`, in the caller's
/// transaction (the one that ends the session); nothing when it has no back-channel URI.
pub fn queue(
    conn: &mut AnyConnection,
    client: &Client,
    sid: &str,
    sub: &str,
    now: i64,
) -> Result<bool, StoreError> {
    if client.backchannel_logout_uri.is_none() {
        return Ok(false);
    }
    let notice = Notice {
        client_id: client.id.clone(),
        sid: sid.to_string(),
        sub: sub.to_string(),
    };
    let body = serde_json::to_string(&notice)
        .map_err(|e| StoreError::Corrupt(format!("a logout notice: {e}")))?;
    let id = random_id::<12>();
    let kind = deliveries::BACKCHANNEL_LOGOUT;
    deliveries::insert(conn, &id, kind, &client.id, &body, now)?;
    Ok(true)
}

/// The claims of a logout token (§2.4): never a `nonce`.
fn claims(issuer: &str, notice: &Notice, now: i64) -> Map<String, Value> {
    let mut claims = Map::new();
    for (name, value) in [
        ("iss", json!(issuer)),
        ("aud", json!(notice.client_id)),
        ("iat", json!(now)),
        ("exp", json!(now + TOKEN_TTL_SECS)),
        ("jti", json!(random_id::<16>())),
        ("events", json!({ EVENT: {} })),
        ("sid", json!(notice.sid)),
        ("sub", json!(notice.sub)),
    ] {
        claims.insert(name.into(), value);
    }
    claims
}

/// The post of a queued logout token at this attempt: the client as registered now (a client
/// removed, or without a back-channel URI any more, is given up), the token signed now.
pub async fn request(state: &AppState, body: &str) -> Prepared {
    let Ok(notice) = serde_json::from_str::<Notice>(body) else {
        return Prepared::Drop("not a logout notice".into());
    };
    let id = notice.client_id.clone();
    let client = match state.store.run(move |conn| clients::find(conn, &id)).await {
        Ok(client) => client,
        Err(StoreError::NotFound) => return Prepared::Drop("the client was removed".into()),
        Err(e) => return Prepared::Later(format!("could not read the client: {e}")),
    };
    let Some(url) = client.backchannel_logout_uri.clone() else {
        return Prepared::Drop("the client has no backchannel_logout_uri any more".into());
    };
    let alg = SigningAlg::parse(&client.id_token_alg).unwrap_or(SigningAlg::Rs256);
    let claims = claims(&state.config.issuer, &notice, unix_now());
    let token = match state.keys().sign(alg, TOKEN_TYPE, claims) {
        Ok(token) => token,
        Err(e) => return Prepared::Later(format!("could not sign the logout token: {e}")),
    };
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("logout_token", &token)
        .finish();
    Prepared::Post(Post {
        url,
        content_type: "application/x-www-form-urlencoded",
        headers: Vec::new(),
        body,
        timeout: POST_TIMEOUT,
        // §2.8: 200 when logged out (204 is common, and as good); anything else, again later.
        accepted: &[200, 204],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_logout_token_has_the_claims_of_section_2_4_and_no_nonce() {
        let notice = Notice {
            client_id: "app".into(),
            sid: "s1".into(),
            sub: "u1".into(),
        };
        let claims = claims("https://id.example.com", &notice, 1000);
        let mut names: Vec<&str> = claims.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            ["aud", "events", "exp", "iat", "iss", "jti", "sid", "sub"]
        );
        assert_eq!(claims["events"], json!({ EVENT: {} }));
        assert_eq!(claims["exp"], json!(1000 + TOKEN_TTL_SECS));
        let other = super::claims("https://id.example.com", &notice, 1000);
        assert_ne!(claims["jti"], other["jti"], "each token its own jti");
    }
}
