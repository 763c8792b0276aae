//! Client authentication as other libraries send it: `Ed25519` (RFC 9864) as well as `EdDSA`
//! for client assertions, a Basic challenge only to clients that used Basic, and `HEAD`
//! wherever `GET` is served.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use josekit::jws::EdDSA;
use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{ed25519_client_key, random_suffix, unix_now, Backend, TestEnv, TestServer};

on_both_backends!(ed25519_assertions_are_accepted_under_both_names);

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A compact JWS made by hand, as a library that names the algorithm `alg` would make it.
fn signed(alg: &str, kid: &str, claims: &Value, pem: &[u8]) -> String {
    let header = json!({ "alg": alg, "kid": kid, "typ": "JWT" });
    let encode = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let input = format!("{}.{}", encode(&header), encode(claims));
    let signer = EdDSA.signer_from_pem(pem).unwrap();
    let signature = josekit::jws::JwsSigner::sign(&signer, input.as_bytes()).unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

async fn token_with(server: &TestServer, assertion: &str) -> reqwest::Response {
    server
        .http
        .post(server.url("/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", assertion),
        ])
        .send()
        .await
        .unwrap()
}

async fn ed25519_assertions_are_accepted_under_both_names(backend: Backend) {
    let env = TestEnv::new(backend);
    let (pem, jwks) = ed25519_client_key(&env, "ed-1");
    let jwks = jwks.to_str().unwrap();
    env.cli_ok(
        &[
            "client",
            "add",
            "--name",
            "Edwards",
            "--id",
            "edwards",
            "--grant",
            "client_credentials",
            "--audience",
            "https://api.example.com",
            "--jwks-file",
            jwks,
        ],
        "",
    );
    let server = env.start().await;
    let discovery = server.get_json("/.well-known/openid-configuration").await;
    let advertised = &discovery["token_endpoint_auth_signing_alg_values_supported"];
    for alg in ["EdDSA", "Ed25519"] {
        assert!(
            advertised.as_array().unwrap().iter().any(|a| a == alg),
            "{alg} not advertised: {advertised}"
        );
    }
    for alg in ["Ed25519", "EdDSA"] {
        let claims = json!({
            "iss": "edwards", "sub": "edwards", "aud": server.url("/token"),
            "jti": format!("{alg}-{}", random_suffix()), "iat": unix_now(), "exp": unix_now() + 60,
        });
        let assertion = signed(alg, "ed-1", &claims, &pem);
        let response = token_with(&server, &assertion).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "alg {alg}: {body}");
        // The same assertion again is a replay; a tampered one does not verify.
        let replayed = token_with(&server, &assertion).await;
        assert_eq!(replayed.status(), 401);
        assert!(
            !replayed.headers().contains_key("www-authenticate"),
            "a client that did not use Basic gets no Basic challenge"
        );
        let mut tampered = assertion.clone();
        tampered.pop();
        tampered.push(if assertion.ends_with('A') { 'B' } else { 'A' });
        let fresh = json!({
            "iss": "edwards", "sub": "edwards", "aud": server.url("/token"),
            "jti": format!("{alg}-t-{}", random_suffix()), "iat": unix_now(), "exp": unix_now() + 60,
        });
        let forged = signed(alg, "ed-1", &fresh, &pem);
        let (input, _) = forged.rsplit_once('.').unwrap();
        let (_, other_signature) = tampered.rsplit_once('.').unwrap();
        let forged = format!("{input}.{other_signature}");
        assert_eq!(
            token_with(&server, &forged).await.status(),
            401,
            "{alg}: forged"
        );
    }
}

/// HEAD answers with the headers GET would give, and no body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_is_served_wherever_get_is() {
    let env = TestEnv::new(Backend::Sqlite);
    let server = env.start().await;
    for path in [
        "/jwks.json",
        "/.well-known/openid-configuration",
        "/login",
        "/healthz",
    ] {
        let get = server.http.get(server.url(path)).send().await.unwrap();
        let head = server.http.head(server.url(path)).send().await.unwrap();
        assert_eq!(head.status(), get.status(), "HEAD {path}");
        for name in ["content-type", "content-length", "cache-control"] {
            assert_eq!(
                head.headers().get(name),
                get.headers().get(name),
                "{name} of HEAD {path}"
            );
        }
        assert!(
            head.bytes().await.unwrap().is_empty(),
            "HEAD {path} sent a body"
        );
    }
    // No GET at /token, so HEAD is refused the same way.
    let get = server.http.get(server.url("/token")).send().await.unwrap();
    let head = server.http.head(server.url("/token")).send().await.unwrap();
    assert!(
        get.status().is_client_error(),
        "GET /token: {}",
        get.status()
    );
    assert_eq!(head.status(), get.status(), "HEAD /token");
}
