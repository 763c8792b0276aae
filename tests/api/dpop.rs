//! DPoP (RFC 9449): a proof at the token endpoint binds the access token (`cnf.jkt`, token
//! type `DPoP`) and a public client's refresh token to the key; userinfo then takes the token
//! only as `DPoP` with a fresh, unreplayed proof by that key naming it (`ath`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use josekit::jws::{JwsSigner, ES256};
use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{
    jwt_header, random_suffix, AuthRequest, Backend, Browser, Decision, TestEnv, TestServer,
    WebClient, OFFLINE_SCOPES,
};

on_both_backends!(dpop_binds_tokens_to_the_key, server_nonces_when_required);

/// A client's DPoP key and the proofs it makes.
struct Key {
    pair: josekit::jwk::alg::ec::EcKeyPair,
}

impl Key {
    fn new() -> Key {
        Key {
            pair: ES256.generate_key_pair().unwrap(),
        }
    }

    fn jwk(&self) -> Value {
        serde_json::to_value(self.pair.to_jwk_public_key().as_ref()).unwrap()
    }

    /// A proof for `htm` at `htu`, issued `age` seconds ago, naming `access_token` if given.
    fn proof(&self, htm: &str, htu: &str, access_token: Option<&str>, age: i64) -> String {
        self.proof_with_nonce(htm, htu, access_token, age, None)
    }

    fn proof_with_nonce(
        &self,
        htm: &str,
        htu: &str,
        access_token: Option<&str>,
        age: i64,
        nonce: Option<&str>,
    ) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let header = json!({ "typ": "dpop+jwt", "alg": "ES256", "jwk": self.jwk() });
        let mut claims = json!({
            "jti": random_suffix(), "htm": htm, "htu": htu, "iat": now - age,
        });
        if let Some(nonce) = nonce {
            claims["nonce"] = json!(nonce);
        }
        if let Some(token) = access_token {
            let digest = openssl::sha::sha256(token.as_bytes());
            claims["ath"] = json!(URL_SAFE_NO_PAD.encode(digest));
        }
        let encode = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
        let input = format!("{}.{}", encode(&header), encode(&claims));
        let signer = ES256
            .signer_from_jwk(&self.pair.to_jwk_private_key())
            .unwrap();
        let signature = signer.sign(input.as_bytes()).unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

async fn token_call(
    server: &TestServer,
    form: &[(&str, &str)],
    proof: Option<&str>,
) -> (u16, Value) {
    let mut request = server.http.post(server.url("/token")).form(form);
    if let Some(proof) = proof {
        request = request.header("DPoP", proof);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn userinfo(
    server: &TestServer,
    scheme: &str,
    token: &str,
    proof: Option<&str>,
) -> reqwest::Response {
    let mut request = server
        .http
        .get(server.url("/userinfo"))
        .header("Authorization", format!("{scheme} {token}"));
    if let Some(proof) = proof {
        request = request.header("DPoP", proof);
    }
    request.send().await.unwrap()
}

fn payload(token: &str) -> Value {
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

async fn dpop_binds_tokens_to_the_key(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let mut extra = vec!["--public"];
    extra.extend_from_slice(OFFLINE_SCOPES);
    let spa: WebClient = env.add_web_client("spa", "Single-page app", &extra);
    let server = env.start().await;
    let issuer = env.issuer();
    let discovery = server.get_json("/.well-known/openid-configuration").await;
    assert!(discovery["dpop_signing_alg_values_supported"]
        .as_array()
        .unwrap()
        .contains(&json!("ES256")));
    let token_url = server.url("/token").replace(&server.base, &issuer);
    let userinfo_url = format!("{issuer}/userinfo");

    let request = AuthRequest::new(&spa, "openid profile offline_access");
    let code = Browser::new(&issuer)
        .sign_in(&request, "alice", Decision::Allow)
        .await
        .code(&request, &issuer);
    let key = Key::new();
    let redeem = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", spa.redirect_uri.as_str()),
        ("code_verifier", request.verifier.as_str()),
        ("client_id", "spa"),
    ];
    // A malformed proof is refused before anything is used up.
    let (status, body) = token_call(&server, &redeem, Some("not.a.proof")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_dpop_proof")),
        "{body}"
    );
    let (status, tokens) = token_call(
        &server,
        &redeem,
        Some(&key.proof("POST", &token_url, None, 0)),
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "DPoP");
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let jkt = payload(&access)["cnf"]["jkt"]
        .as_str()
        .expect("cnf.jkt")
        .to_string();
    assert_eq!(jkt.len(), 43, "a SHA-256 thumbprint: {jkt}");
    assert_eq!(jwt_header(&access)["typ"], "at+jwt");

    // userinfo: only as DPoP, with a fresh proof by the key that names this token.
    let good = key.proof("GET", &userinfo_url, Some(&access), 0);
    let refused = |what: &'static str| {
        move |r: reqwest::Response| {
            assert_eq!(r.status(), 401, "{what}");
            let challenge = r.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .to_string();
            assert!(challenge.starts_with("DPoP"), "{what}: {challenge}");
        }
    };
    refused("as a bearer token")(userinfo(&server, "Bearer", &access, None).await);
    refused("without a proof")(userinfo(&server, "DPoP", &access, None).await);
    let stale = key.proof("GET", &userinfo_url, Some(&access), 300);
    refused("a stale proof")(userinfo(&server, "DPoP", &access, Some(&stale)).await);
    let other_key = Key::new().proof("GET", &userinfo_url, Some(&access), 0);
    refused("another key's proof")(userinfo(&server, "DPoP", &access, Some(&other_key)).await);
    let wrong_target = key.proof("GET", &format!("{issuer}/token"), Some(&access), 0);
    refused("a proof for another endpoint")(
        userinfo(&server, "DPoP", &access, Some(&wrong_target)).await,
    );
    let no_ath = key.proof("GET", &userinfo_url, None, 0);
    refused("a proof not naming the token")(
        userinfo(&server, "DPoP", &access, Some(&no_ath)).await,
    );
    let answer = userinfo(&server, "DPoP", &access, Some(&good)).await;
    assert_eq!(answer.status(), 200);
    refused("a replayed proof")(userinfo(&server, "DPoP", &access, Some(&good)).await);

    // The public client's refresh token is bound too: no proof, or another key's, is refused
    // without using it up; the key's own proof refreshes.
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    let refresh = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", "spa"),
    ];
    let (status, body) = token_call(&server, &refresh, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    let foreign = Key::new().proof("POST", &token_url, None, 0);
    let (status, _) = token_call(&server, &refresh, Some(&foreign)).await;
    assert_eq!(status, 400, "another key cannot refresh");
    let (status, body) = token_call(
        &server,
        &refresh,
        Some(&key.proof("POST", &token_url, None, 0)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "DPoP");
    assert_eq!(
        payload(body["access_token"].as_str().unwrap())["cnf"]["jkt"],
        jkt.as_str()
    );
}

/// `dpop.require_nonce`: a proof without a current nonce is answered `use_dpop_nonce` with one
/// in `DPoP-Nonce`, at the token endpoint and at userinfo; with it, the request goes through.
async fn server_nonces_when_required(backend: Backend) {
    let env = TestEnv::new(backend).with_env("IDP_DPOP__REQUIRE_NONCE", "true");
    let (id, secret) = env.add_machine_client("svc", "https://api.example.com", &["a"]);
    let server = env.start().await;
    let token_url = format!("{}/token", env.issuer());
    let key = Key::new();
    let send = |proof: String| {
        server
            .http
            .post(server.url("/token"))
            .basic_auth(&id, Some(&secret))
            .header("DPoP", proof)
            .form(&[("grant_type", "client_credentials"), ("scope", "a")])
            .send()
    };
    let first = send(key.proof("POST", &token_url, None, 0)).await.unwrap();
    assert_eq!(first.status(), 400);
    let nonce = first.headers()["dpop-nonce"].to_str().unwrap().to_string();
    let body: Value = first.json().await.unwrap();
    assert_eq!(body["error"], "use_dpop_nonce", "{body}");
    let forged = key.proof_with_nonce("POST", &token_url, None, 0, Some("1.forged"));
    assert_eq!(
        send(forged).await.unwrap().status(),
        400,
        "a nonce we did not issue"
    );
    let proof = key.proof_with_nonce("POST", &token_url, None, 0, Some(&nonce));
    let answer = send(proof).await.unwrap();
    assert_eq!(answer.status(), 200);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["token_type"], "DPoP", "{body}");

    // A client registered with --require-dpop gets nothing without a proof.
    env.cli_ok(&["client", "edit", "svc", "--require-dpop", "true"], "");
    let bare = server
        .http
        .post(server.url("/token"))
        .basic_auth(&id, Some(&secret))
        .form(&[("grant_type", "client_credentials"), ("scope", "a")])
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 400);
    let body: Value = bare.json().await.unwrap();
    assert_eq!(body["error"], "invalid_dpop_proof", "{body}");
}
