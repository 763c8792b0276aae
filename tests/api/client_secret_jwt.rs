//! `client_secret_jwt` (RFC 7523 §2.2, OpenID Connect Core §9): HS256 assertions keyed with
//! the client's secret, under the same `jti`-once and lifetime rules as `private_key_jwt`, and
//! only for clients registered for it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use josekit::jws::HS256;
use serde_json::{json, Value};

use crate::admin::{add_user_with_roles, create_key, post_form, sign_in};
use crate::on_both_backends;
use crate::support::{
    input_value, random_suffix, token_request, unix_now, AuthRequest, Backend, Browser, TestEnv,
    TestServer, WebClient,
};

on_both_backends!(
    client_secret_jwt_assertions_follow_the_rules,
    the_console_and_the_api_register_each_method_and_policy,
);

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const AUDIENCE: &str = "https://api.example.com";

/// An assertion from `client` to our token endpoint, HS256 with `key`, living `lifetime` s.
fn assertion(server: &TestServer, client: &str, key: &[u8], lifetime: i64) -> String {
    let claims = json!({
        "iss": client, "sub": client, "aud": server.url("/token"),
        "jti": random_suffix(), "iat": unix_now(), "exp": unix_now() + lifetime,
    });
    hs256(&json!({ "alg": "HS256", "typ": "JWT" }), &claims, key)
}

fn hs256(header: &Value, claims: &Value, key: &[u8]) -> String {
    let encode = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let input = format!("{}.{}", encode(header), encode(claims));
    let signer = HS256.signer_from_bytes(key).unwrap();
    let signature = josekit::jws::JwsSigner::sign(&signer, input.as_bytes()).unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

async fn status_with(server: &TestServer, assertion: &str) -> u16 {
    let response = token_request(
        server,
        None,
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", assertion),
            ("resource", AUDIENCE),
        ],
    )
    .await;
    response.status().as_u16()
}

fn secret_of(out: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix("client_secret: "))
        .expect("secret printed")
        .trim()
        .to_string()
}

async fn client_secret_jwt_assertions_follow_the_rules(backend: Backend) {
    let env = TestEnv::new(backend);
    let machine = |id: &str, extra: &[&str]| {
        let mut args = vec!["client", "add", "--name", "Signer", "--id", id];
        args.extend(["--grant", "client_credentials", "--audience", AUDIENCE]);
        args.extend_from_slice(extra);
        env.cli_ok(&args, "")
    };
    let secret = secret_of(&machine("signer", &["--client-secret-jwt"]));
    let (_, basic_secret) = env.add_machine_client("sender", AUDIENCE, &[]);
    let server = env.start().await;

    let discovery = server.get_json("/.well-known/openid-configuration").await;
    let has = |field: &str, value: &str| {
        discovery[field]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v == value)
    };
    assert!(has(
        "token_endpoint_auth_methods_supported",
        "client_secret_jwt"
    ));
    assert!(has(
        "introspection_endpoint_auth_methods_supported",
        "client_secret_jwt"
    ));
    assert!(has(
        "token_endpoint_auth_signing_alg_values_supported",
        "HS256"
    ));

    // Keyed with the secret: accepted once; the same assertion again is a replay.
    let good = assertion(&server, "signer", secret.as_bytes(), 60);
    assert_eq!(status_with(&server, &good).await, 200);
    assert_eq!(status_with(&server, &good).await, 401, "replayed");
    for (why, bad) in [
        (
            "a wrong secret",
            assertion(&server, "signer", b"not the secret at all, 32 bytes!", 60),
        ),
        (
            "too long a lifetime",
            assertion(&server, "signer", secret.as_bytes(), 3_600),
        ),
        (
            "expired",
            assertion(&server, "signer", secret.as_bytes(), -10),
        ),
        (
            "alg none",
            format!(
                "{}.{}.",
                URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
                good.split('.').nth(1).unwrap()
            ),
        ),
        // A client that sends its secret is not one that signs with it: no method crosses.
        (
            "another client's secret method",
            assertion(&server, "sender", basic_secret.as_bytes(), 60),
        ),
    ] {
        assert_eq!(status_with(&server, &bad).await, 401, "{why}");
    }
    let basic = token_request(
        &server,
        Some(("signer", &secret)),
        &[("grant_type", "client_credentials"), ("resource", AUDIENCE)],
    )
    .await;
    assert_eq!(
        basic.status(),
        401,
        "the secret itself is not accepted in Basic"
    );

    // After a rotation both secrets work during the overlap; the new one is printed once.
    let rotated = env.cli_ok(
        &["client", "rotate-secret", "signer", "--overlap-secs", "600"],
        "",
    );
    let new_secret = secret_of(&rotated);
    assert_ne!(new_secret, secret);
    for key in [&secret, &new_secret] {
        let fresh = assertion(&server, "signer", key.as_bytes(), 60);
        assert_eq!(status_with(&server, &fresh).await, 200);
    }
    env.cli_ok(
        &["client", "rotate-secret", "signer", "--overlap-secs", "0"],
        "",
    );
    let stale = assertion(&server, "signer", new_secret.as_bytes(), 60);
    assert_eq!(
        status_with(&server, &stale).await,
        401,
        "no overlap: the old secret is gone"
    );

    // The listing tells the method; a public client cannot be registered for it.
    let listed = env.cli_ok(&["client", "list"], "");
    let line = listed.lines().find(|l| l.starts_with("signer ")).unwrap();
    assert!(line.contains("client_secret_jwt"), "{listed}");
    let refused = env.cli(
        &[
            "client",
            "add",
            "--name",
            "P",
            "--public",
            "--client-secret-jwt",
        ],
        "",
    );
    assert!(!refused.status.success());
}

/// The console's kind menu and PAR/DPoP checkboxes, and the admin API's
/// `token_endpoint_auth_method`, each change how the client is treated.
async fn the_console_and_the_api_register_each_method_and_policy(backend: Backend) {
    let env = TestEnv::new(backend);
    add_user_with_roles(&env, "root", &["admin"]);
    let server = env.start().await;
    let (root, csrf) = sign_in(&server, "root").await;
    let response = post_form(
        &root,
        "/admin/clients",
        &[
            ("csrf", &csrf),
            ("name", "Console signer"),
            ("id", "console-signer"),
            ("kind", "secret_jwt"),
            ("redirect_uris", "https://app.example.com/cb"),
            ("grant_types", "authorization_code client_credentials"),
            ("scopes", "openid"),
            ("audiences", AUDIENCE),
            ("require_par", "on"),
            ("require_dpop", "on"),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
    let secret = input_value(&response.text().await.unwrap(), "secret").unwrap();
    let listed = env.cli_ok(&["client", "list"], "");
    assert!(listed
        .lines()
        .any(|l| l.starts_with("console-signer ") && l.contains("client_secret_jwt")));

    // Its secret signs; DPoP is required, so a plain token request is refused.
    let plain = token_request(
        &server,
        None,
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", ASSERTION_TYPE),
            (
                "client_assertion",
                &assertion(&server, "console-signer", secret.as_bytes(), 60),
            ),
            ("resource", AUDIENCE),
        ],
    )
    .await;
    let status = plain.status();
    let body: Value = plain.json().await.unwrap();
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_dpop_proof", "{body}");
    // PAR is required: a front-channel request is refused before any sign-in.
    let client = WebClient {
        id: "console-signer".into(),
        secret: None,
        redirect_uri: "https://app.example.com/cb".into(),
    };
    let browser = Browser::new(&server.base);
    let landing = browser
        .authorize(&AuthRequest::new(&client, "openid"))
        .await;
    let location = crate::support::location(&landing).unwrap_or_default();
    assert!(location.contains("error=invalid_request"), "{location}");

    // The admin API: the RFC 7591 name picks the method; an unknown one is refused.
    let key = create_key(&root, &csrf, "automation", &["admin"]).await;
    let create = |method: &str| {
        server
            .http
            .post(server.url("/admin/api/clients"))
            .bearer_auth(&key)
            .json(&json!({
                "client_id": format!("api-{}", method.replace('_', "-")),
                "name": "API client",
                "redirect_uris": ["https://app.example.com/cb"],
                "token_endpoint_auth_method": method,
            }))
            .send()
    };
    let created: Value = create("client_secret_jwt")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["token_endpoint_auth_method"], "client_secret_jwt");
    assert!(created["client_secret"].as_str().unwrap().len() >= 43);
    let basic: Value = create("client_secret_basic")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(basic["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(create("tls_client_auth").await.unwrap().status(), 400);
}
