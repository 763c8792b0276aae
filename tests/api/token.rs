use serde_json::Value;

use crate::on_both_backends;
use crate::support::{jwt_header, token_request, verify_with_jwks, Backend, TestEnv};

const API: &str = "https://api.example.com";

on_both_backends!(
    client_credentials_token_verifies_with_jwks,
    client_authentication_failures,
    grant_and_parameter_errors
);

async fn client_credentials_token_verifies_with_jwks(backend: Backend) {
    let env = TestEnv::new(backend);
    let (id, secret) = env.add_machine_client("reporting", API, &["reports.read", "reports.write"]);
    let server = env.start().await;

    let response = token_request(
        &server,
        Some((&id, &secret)),
        &[
            ("grant_type", "client_credentials"),
            ("scope", "reports.read"),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "reports.read");
    assert_eq!(body["expires_in"], 300);
    let token = body["access_token"].as_str().unwrap();

    let header = jwt_header(token);
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["alg"], "ES256");
    let jwks = server.get_json("/jwks.json").await;
    let claims = verify_with_jwks(token, &jwks);
    assert_eq!(claims["iss"], env.issuer());
    assert_eq!(claims["sub"], id);
    assert_eq!(claims["client_id"], id);
    assert_eq!(claims["aud"], API);
    assert_eq!(claims["scope"], "reports.read");
    assert!(claims["jti"].as_str().unwrap().len() >= 16);
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert_eq!(exp - iat, 300);

    // client_secret_post works too, and a tampered token does not verify.
    let response = token_request(
        &server,
        None,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["scope"], "reports.read reports.write");
    let token = body["access_token"].as_str().unwrap();
    let mut parts: Vec<&str> = token.split('.').collect();
    let forged_payload = base64_url(r#"{"sub":"someone-else"}"#);
    parts[1] = &forged_payload;
    let forged = parts.join(".");
    let result = std::panic::catch_unwind(|| verify_with_jwks(&forged, &jwks));
    assert!(result.is_err(), "a tampered token must not verify");
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

async fn error_of(response: reqwest::Response) -> (u16, Option<String>, Value) {
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string());
    (status, challenge, response.json().await.unwrap())
}

async fn client_authentication_failures(backend: Backend) {
    let env = TestEnv::new(backend);
    let (id, secret) = env.add_machine_client("svc", API, &["a"]);
    let server = env.start().await;
    let grant = ("grant_type", "client_credentials");

    for (basic, extra) in [
        (Some((id.as_str(), "wrong-secret")), vec![]),
        (Some(("no-such-client", secret.as_str())), vec![]),
        (
            None,
            vec![("client_id", id.as_str()), ("client_secret", "wrong")],
        ),
        (None, vec![]),
    ] {
        let mut form = vec![grant];
        form.extend(extra);
        let (status, challenge, body) = error_of(token_request(&server, basic, &form).await).await;
        assert_eq!(status, 401);
        assert_eq!(body["error"], "invalid_client");
        // `WWW-Authenticate: Basic` exactly when the client used Basic (RFC 6749 §5.2).
        match basic {
            Some(_) => assert!(challenge.unwrap().starts_with("Basic")),
            None => assert_eq!(challenge, None, "no Basic challenge without Basic"),
        }
        // The same words whether the client exists or not.
        assert_eq!(body["error_description"], "client authentication failed");
    }

    // Credentials in the header and the body at once.
    let (status, _, body) = error_of(
        token_request(
            &server,
            Some((&id, &secret)),
            &[grant, ("client_secret", &secret)],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );

    // A public client (no secret) may not use client_credentials.
    env.cli_ok(
        &[
            "client",
            "add",
            "--name",
            "SPA",
            "--id",
            "spa",
            "--public",
            "--redirect-uri",
            "http://127.0.0.1:9/cb",
        ],
        "",
    );
    let (status, _, body) =
        error_of(token_request(&server, None, &[grant, ("client_id", "spa")]).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unauthorized_client"))
    );
}

async fn grant_and_parameter_errors(backend: Backend) {
    let env = TestEnv::new(backend);
    let (id, secret) = env.add_machine_client("svc", API, &["a", "b"]);
    let server = env.start().await;
    let creds = Some((id.as_str(), secret.as_str()));

    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![], "invalid_request"),
        (vec![("grant_type", "password")], "unsupported_grant_type"),
        (
            vec![("grant_type", "client_credentials"), ("scope", "a admin")],
            "invalid_scope",
        ),
        (
            vec![("grant_type", "client_credentials"), ("scope", "openid")],
            "invalid_scope",
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("resource", "https://other.example.com"),
            ],
            "invalid_target",
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("grant_type", "client_credentials"),
            ],
            "invalid_request",
        ),
    ];
    for (form, expected) in cases {
        let (status, _, body) = error_of(token_request(&server, creds, &form).await).await;
        assert_eq!(status, 400, "{form:?}");
        assert_eq!(body["error"], expected, "{form:?}");
    }

    // Only form bodies are accepted.
    let response = server
        .http
        .post(server.url("/token"))
        .basic_auth(&id, Some(&secret))
        .json(&serde_json::json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    let (status, _, body) = error_of(response).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );

    // A registered resource is accepted and becomes the audience.
    let response = token_request(
        &server,
        creds,
        &[("grant_type", "client_credentials"), ("resource", API)],
    )
    .await;
    assert_eq!(response.status(), 200);
}
