//! Services and machine clients: introspection, revocation, private_key_jwt, secret rotation,
//! per-client ID token algorithms, and refusals of forged tokens.

use base64::Engine;
use josekit::jwk::alg::ec::EcCurve;
use josekit::jwk::KeyPair;
use josekit::jws::{JwsHeader, ES256, HS256};
use josekit::jwt::{self, JwtPayload};
use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{
    jwt_header, token_request, userinfo, verify_with_jwks, Backend, Browser, TestEnv, TestServer,
    OFFLINE_SCOPES,
};

const API: &str = "https://api.example.com";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

on_both_backends!(
    introspection_tells_only_those_concerned,
    revocation_is_seen_everywhere,
    private_key_jwt_authenticates_once_per_assertion,
    secret_rotation_has_an_overlap,
    id_tokens_use_the_clients_algorithm,
    forged_tokens_are_refused,
);

async fn introspect(server: &TestServer, who: (&str, &str), token: &str) -> Value {
    let response = server
        .http
        .post(server.url("/introspect"))
        .basic_auth(who.0, Some(who.1))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    response.json().await.unwrap()
}

async fn revoke(server: &TestServer, who: (&str, &str), token: &str) -> u16 {
    let response = server
        .http
        .post(server.url("/revoke"))
        .basic_auth(who.0, Some(who.1))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    response.status().as_u16()
}

async fn machine_token(server: &TestServer, who: (&str, &str)) -> String {
    let response = token_request(server, Some(who), &[("grant_type", "client_credentials")]).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_string()
}

async fn introspection_tells_only_those_concerned(backend: Backend) {
    let env = TestEnv::new(backend);
    let (caller_id, caller_secret) = env.add_machine_client("caller", API, &["a"]);
    // The resource server the token is meant for, and a bystander.
    let (api_id, api_secret) = env.add_machine_client("api", API, &["x"]);
    let (other_id, other_secret) =
        env.add_machine_client("other", "https://other.example.com", &["x"]);
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
    let server = env.start().await;
    let caller = (caller_id.as_str(), caller_secret.as_str());
    let token = machine_token(&server, caller).await;

    let own = introspect(&server, caller, &token).await;
    assert_eq!(own["active"], true, "{own}");
    assert_eq!(own["client_id"], "caller");
    assert_eq!(own["sub"], "caller");
    assert_eq!(own["scope"], "a");
    assert_eq!(own["aud"], API);
    assert_eq!(own["iss"], env.issuer());
    assert!(own["exp"].is_i64() && own["jti"].is_string());

    let resource = introspect(&server, (&api_id, &api_secret), &token).await;
    assert_eq!(
        resource["active"], true,
        "the audience may introspect: {resource}"
    );
    let bystander = introspect(&server, (&other_id, &other_secret), &token).await;
    assert_eq!(
        bystander,
        json!({"active": false}),
        "a stranger learns nothing"
    );

    for garbage in ["not-a-token", "a.b.c", &format!("{token}x")] {
        let body = introspect(&server, caller, garbage).await;
        assert_eq!(body, json!({"active": false}), "{garbage}");
    }
    // An empty token is a missing parameter.
    let response = server
        .http
        .post(server.url("/introspect"))
        .basic_auth(caller.0, Some(caller.1))
        .form(&[("token", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);

    // Only authenticated confidential clients may ask.
    let response = server
        .http
        .post(server.url("/introspect"))
        .form(&[("token", token.as_str()), ("client_id", "spa")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let response = server
        .http
        .post(server.url("/introspect"))
        .basic_auth(&caller_id, Some("wrong"))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.headers().contains_key("www-authenticate"));
}

async fn revocation_is_seen_everywhere(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let (caller_id, caller_secret) = env.add_machine_client("caller", API, &["a"]);
    let web = env.add_web_client("webapp", "Example Web App", OFFLINE_SCOPES);
    let server = env.start().await;
    let caller = (caller_id.as_str(), caller_secret.as_str());

    // An access token: revoked by its own client only; then inactive.
    let token = machine_token(&server, caller).await;
    let (other_id, other_secret) = env.add_machine_client("other", API, &["a"]);
    assert_eq!(
        revoke(&server, (&other_id, &other_secret), &token).await,
        200
    );
    assert_eq!(
        introspect(&server, caller, &token).await["active"],
        true,
        "another client cannot revoke it"
    );
    assert_eq!(revoke(&server, caller, &token).await, 200);
    assert_eq!(introspect(&server, caller, &token).await["active"], false);
    assert_eq!(
        revoke(&server, caller, "never-issued").await,
        200,
        "unknown tokens answer 200"
    );

    // A person's tokens: revoking the access token stops userinfo; revoking the refresh token
    // ends the family.
    let browser = Browser::new(&env.issuer());
    let tokens = browser
        .tokens(&server, &web, "openid profile offline_access", "alice")
        .await;
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let secret = web.secret.clone().unwrap();
    let web_auth = (web.id.as_str(), secret.as_str());
    assert_eq!(userinfo(&server, access).await.status(), 200);
    let rt = introspect(&server, web_auth, refresh).await;
    assert_eq!(rt["active"], true, "{rt}");
    assert_eq!(rt["token_type"], "refresh_token");
    assert_eq!(revoke(&server, web_auth, access).await, 200);
    let refused = userinfo(&server, access).await;
    assert_eq!(refused.status(), 401);
    assert!(refused.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("invalid_token"));

    assert_eq!(revoke(&server, web_auth, refresh).await, 200);
    assert_eq!(
        introspect(&server, web_auth, refresh).await["active"],
        false
    );
    let response = web.refresh(&server, refresh).await;
    assert_eq!(response.status(), 400);
}

pub(crate) struct ClientKey {
    pem: Vec<u8>,
    kid: &'static str,
}

pub(crate) fn client_key(env: &TestEnv) -> (ClientKey, std::path::PathBuf) {
    let pair = ES256.generate_key_pair().unwrap();
    let mut jwk = pair.to_jwk_public_key();
    jwk.set_key_id("client-key-1");
    jwk.set_algorithm("ES256");
    let path = env.dir.join("client-jwks.json");
    std::fs::write(&path, json!({ "keys": [jwk.as_ref()] }).to_string()).unwrap();
    (
        ClientKey {
            pem: pair.to_pem_private_key(),
            kid: "client-key-1",
        },
        path,
    )
}

pub(crate) fn assertion(
    key: &ClientKey,
    client_id: &str,
    aud: &str,
    exp_in: i64,
    jti: &str,
) -> String {
    // Unique per run: a shared Redis remembers jtis across test runs.
    let jti = format!("{jti}-{}", crate::support::random_suffix());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let mut header = JwsHeader::new();
    header.set_key_id(key.kid);
    let mut payload = JwtPayload::new();
    for (name, value) in [
        ("iss", json!(client_id)),
        ("sub", json!(client_id)),
        ("aud", json!(aud)),
        ("jti", json!(jti)),
        ("iat", json!(now)),
        ("exp", json!(now + exp_in)),
    ] {
        payload.set_claim(name, Some(value)).unwrap();
    }
    let signer = ES256.signer_from_pem(&key.pem).unwrap();
    jwt::encode_with_signer(&payload, &header, &signer).unwrap()
}

pub(crate) async fn with_assertion(
    server: &TestServer,
    assertion: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = vec![
        ("grant_type", "client_credentials"),
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", assertion),
    ];
    form.extend_from_slice(extra);
    token_request(server, None, &form).await
}

async fn private_key_jwt_authenticates_once_per_assertion(backend: Backend) {
    let env = TestEnv::new(backend);
    let (key, jwks_path) = client_key(&env);
    let out = env.cli_ok(
        &[
            "client",
            "add",
            "--name",
            "Signed",
            "--id",
            "signed",
            "--grant",
            "client_credentials",
            "--audience",
            API,
            "--scope",
            "a",
            "--jwks-file",
            jwks_path.to_str().unwrap(),
        ],
        "",
    );
    assert!(
        out.contains("private_key_jwt") && !out.contains("client_secret"),
        "{out}"
    );
    let server = env.start().await;
    let token_endpoint = server.url("/token");

    let good = assertion(&key, "signed", &token_endpoint, 60, "jti-1");
    let response = with_assertion(&server, &good, &[]).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let claims = verify_with_jwks(
        body["access_token"].as_str().unwrap(),
        &server.get_json("/jwks.json").await,
    );
    assert_eq!(claims["client_id"], "signed");

    // The issuer is an accepted audience too, with client_id repeated in the body.
    let by_issuer = assertion(&key, "signed", &env.issuer(), 60, "jti-2");
    assert_eq!(
        with_assertion(&server, &by_issuer, &[("client_id", "signed")])
            .await
            .status(),
        200
    );

    let refusals = [
        (good.clone(), "a replayed assertion"),
        (
            assertion(&key, "signed", &token_endpoint, -5, "jti-3"),
            "an expired assertion",
        ),
        (
            assertion(&key, "signed", &token_endpoint, 3600, "jti-4"),
            "a long-lived assertion",
        ),
        (
            assertion(
                &key,
                "signed",
                "https://elsewhere.example.com/token",
                60,
                "jti-5",
            ),
            "another audience",
        ),
        (
            assertion(&key, "someone-else", &token_endpoint, 60, "jti-6"),
            "another client",
        ),
        (
            assertion(&client_key(&env).0, "signed", &token_endpoint, 60, "jti-7"),
            "an unregistered key",
        ),
    ];
    for (assertion, what) in refusals {
        let response = with_assertion(&server, &assertion, &[]).await;
        assert_eq!(response.status(), 401, "{what}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_client", "{what}");
    }

    // An HMAC assertion keyed with the client's public key is no signature of the client's.
    let public_jwk = std::fs::read_to_string(&jwks_path).unwrap();
    let mut header = JwsHeader::new();
    header.set_key_id(key.kid);
    let mut payload = JwtPayload::new();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    for (name, value) in [
        ("iss", json!("signed")),
        ("sub", json!("signed")),
        ("aud", json!(token_endpoint)),
        (
            "jti",
            json!(format!("jti-8-{}", crate::support::random_suffix())),
        ),
        ("exp", json!(now + 60)),
    ] {
        payload.set_claim(name, Some(value)).unwrap();
    }
    let hmac = jwt::encode_with_signer(
        &payload,
        &header,
        &HS256.signer_from_bytes(public_jwk.as_bytes()).unwrap(),
    )
    .unwrap();
    assert_eq!(with_assertion(&server, &hmac, &[]).await.status(), 401);

    // Two methods at once, or a wrong assertion type.
    let fresh = assertion(&key, "signed", &token_endpoint, 60, "jti-9");
    let response = with_assertion(&server, &fresh, &[("client_secret", "x")]).await;
    assert_eq!(response.status(), 400);
    let response = token_request(
        &server,
        None,
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", "urn:other"),
            ("client_assertion", &fresh),
        ],
    )
    .await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        with_assertion(&server, &fresh, &[]).await.status(),
        200,
        "unused until now"
    );
    let _ = EcCurve::P256;
}

async fn secret_rotation_has_an_overlap(backend: Backend) {
    let env = TestEnv::new(backend);
    let (id, old) = env.add_machine_client("svc", API, &["a"]);
    let server = env.start().await;
    let grant = [("grant_type", "client_credentials")];
    let rotated = env.cli_ok(
        &["client", "rotate-secret", &id, "--overlap-secs", "3600"],
        "",
    );
    let new = rotated
        .lines()
        .find_map(|l| l.strip_prefix("client_secret: "))
        .unwrap()
        .to_string();
    assert_ne!(new, old);
    assert_eq!(
        token_request(&server, Some((&id, &new)), &grant)
            .await
            .status(),
        200
    );
    assert_eq!(
        token_request(&server, Some((&id, &old)), &grant)
            .await
            .status(),
        200,
        "old secret within the overlap"
    );

    let rotated = env.cli_ok(&["client", "rotate-secret", &id, "--overlap-secs", "0"], "");
    let newest = rotated
        .lines()
        .find_map(|l| l.strip_prefix("client_secret: "))
        .unwrap()
        .to_string();
    assert_eq!(
        token_request(&server, Some((&id, &newest)), &grant)
            .await
            .status(),
        200
    );
    assert_eq!(
        token_request(&server, Some((&id, &new)), &grant)
            .await
            .status(),
        401,
        "no overlap"
    );
    assert_eq!(
        token_request(&server, Some((&id, &old)), &grant)
            .await
            .status(),
        401
    );
    assert!(!env
        .cli(&["client", "rotate-secret", "no-such"], "")
        .status
        .success());
}

async fn id_tokens_use_the_clients_algorithm(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let mut ed = OFFLINE_SCOPES.to_vec();
    ed.extend(["--id-token-alg", "EdDSA"]);
    let eddsa = env.add_web_client("edapp", "Ed App", &ed);
    let mut ec = OFFLINE_SCOPES.to_vec();
    ec.extend(["--id-token-alg", "ES256"]);
    let es256 = env.add_web_client("ecapp", "EC App", &ec);
    assert!(!env
        .cli(
            &[
                "client",
                "add",
                "--name",
                "X",
                "--redirect-uri",
                "https://a.example.com/cb",
                "--id-token-alg",
                "HS256"
            ],
            ""
        )
        .status
        .success());
    let server = env.start().await;
    let jwks = server.get_json("/jwks.json").await;
    let browser = Browser::new(&env.issuer());
    for (client, alg) in [(&eddsa, "EdDSA"), (&es256, "ES256")] {
        let tokens = browser
            .tokens(&server, client, "openid profile", "alice")
            .await;
        let id_token = tokens["id_token"].as_str().unwrap();
        assert_eq!(jwt_header(id_token)["alg"], alg);
        let claims = verify_with_jwks(id_token, &jwks);
        assert_eq!(claims["aud"], client.id.as_str());
    }
}

async fn forged_tokens_are_refused(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", "Example Web App", OFFLINE_SCOPES);
    let (caller_id, caller_secret) = env.add_machine_client("caller", API, &["a"]);
    let server = env.start().await;
    let browser = Browser::new(&env.issuer());
    let tokens = browser
        .tokens(&server, &web, "openid profile", "alice")
        .await;
    let genuine = tokens["access_token"].as_str().unwrap();
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let parts: Vec<&str> = genuine.split('.').collect();
    let payload: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap(),
    )
    .unwrap();
    let jwks = server.get_json("/jwks.json").await;
    let rsa = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kty"] == "RSA")
        .unwrap()
        .clone();

    // alg none; HS256 keyed with our public key; an unknown kid; a header alg unlike the key's.
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "at+jwt"})),
        parts[1]
    );
    let mut header = JwsHeader::new();
    header.set_token_type("at+jwt");
    header.set_key_id(rsa["kid"].as_str().unwrap());
    let confused = jwt::encode_with_signer(
        &JwtPayload::from_map(payload.as_object().unwrap().clone()).unwrap(),
        &header,
        &HS256.signer_from_bytes(rsa.to_string().as_bytes()).unwrap(),
    )
    .unwrap();
    let unknown_kid = format!(
        "{}.{}.{}",
        b64(&json!({"alg": "ES256", "typ": "at+jwt", "kid": "nope"})),
        parts[1],
        parts[2]
    );
    let wrong_alg = format!(
        "{}.{}.{}",
        b64(&json!({"alg": "RS256", "typ": "at+jwt", "kid": jwt_header(genuine)["kid"]})),
        parts[1],
        parts[2]
    );
    let embedded = format!(
        "{}.{}.{}",
        b64(&json!({"alg": "ES256", "typ": "at+jwt", "jwk": rsa})),
        parts[1],
        parts[2]
    );
    for forged in [none, confused, unknown_kid, wrong_alg, embedded] {
        let response = userinfo(&server, &forged).await;
        assert_eq!(response.status(), 401, "{forged}");
        let body = introspect(&server, (&caller_id, &caller_secret), &forged).await;
        assert_eq!(body, json!({"active": false}));
    }
    assert_eq!(userinfo(&server, genuine).await.status(), 200);
}
