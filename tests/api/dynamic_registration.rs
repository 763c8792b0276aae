//! Dynamic client registration (RFC 7591) and client configuration (RFC 7592): off by
//! default; with an operator's initial access token a developer registers a client that then
//! signs people in, reads, replaces and deletes its own registration with the registration
//! access token; refusals use the RFCs' error codes; a token's last use has one winner.

use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{Backend, Browser, TestEnv, TestServer, WebClient, REDIRECT_URI};

on_both_backends!(
    registration_is_off_by_default,
    a_registered_client_signs_in_and_manages_itself,
    registrations_are_refused_with_the_rfc_errors,
    native_apps_may_register_openly_when_allowed,
    the_last_use_of_a_token_has_one_winner,
    admins_make_and_revoke_tokens_through_the_api,
    admins_make_and_revoke_tokens_in_the_console
);

fn enabled(backend: Backend) -> TestEnv {
    TestEnv::new(backend).with_env("IDP_CLIENT_REGISTRATION__ENABLED", "true")
}

/// `idp client registration-token create ARGS`: the token printed.
fn initial_token(env: &TestEnv, args: &[&str]) -> String {
    let mut all = vec!["client", "registration-token", "create"];
    all.extend_from_slice(args);
    let out = env.cli_ok(&all, "");
    out.lines()
        .find_map(|l| l.strip_prefix("initial_access_token: "))
        .unwrap_or_else(|| panic!("no token printed: {out}"))
        .trim()
        .to_string()
}

async fn send(
    server: &TestServer,
    method: reqwest::Method,
    url: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = server.http.request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    let text = response.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

async fn register(server: &TestServer, token: Option<&str>, body: &Value) -> (u16, Value) {
    let url = server.url("/register");
    let (status, _, body) = send(server, reqwest::Method::POST, &url, token, Some(body)).await;
    (status, body)
}

fn web_metadata() -> Value {
    json!({
        "client_name": "Registered App",
        "redirect_uris": [REDIRECT_URI],
        "grant_types": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_method": "client_secret_post",
        "scope": "openid profile",
        "backchannel_logout_uri": "https://app.example.com/backchannel"
    })
}

async fn registration_is_off_by_default(backend: Backend) {
    let env = TestEnv::new(backend);
    let token = initial_token(&env, &["--uses", "1"]);
    let server = env.start().await;
    let discovery = server.get_json("/.well-known/openid-configuration").await;
    assert!(
        discovery.get("registration_endpoint").is_none(),
        "{discovery}"
    );
    let (status, body) = register(&server, Some(&token), &web_metadata()).await;
    assert_eq!(status, 404, "{body}");
}

async fn a_registered_client_signs_in_and_manages_itself(backend: Backend) {
    let env = enabled(backend);
    env.add_user("alice", "Alice Example");
    let token = initial_token(&env, &["--uses", "1", "--label", "partner"]);
    let server = env.start().await;
    let issuer = env.issuer();
    let discovery = server.get_json("/.well-known/openid-configuration").await;
    assert_eq!(
        discovery["registration_endpoint"],
        format!("{issuer}/register")
    );

    let (status, created) = register(&server, Some(&token), &web_metadata()).await;
    assert_eq!(status, 201, "{created}");
    let id = created["client_id"].as_str().unwrap().to_string();
    assert_eq!(created["client_name"], "Registered App");
    assert_eq!(created["token_endpoint_auth_method"], "client_secret_post");
    assert_eq!(created["client_secret_expires_at"], 0);
    assert_eq!(created["response_types"], json!(["code"]));
    assert_eq!(created["scope"], "openid profile");
    assert_eq!(
        created["backchannel_logout_uri"],
        "https://app.example.com/backchannel"
    );
    let manage = created["registration_access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let config_uri = created["registration_client_uri"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(config_uri, format!("{issuer}/register/{id}"));

    // The token was good for one registration.
    let (status, again) = register(&server, Some(&token), &web_metadata()).await;
    assert_eq!(status, 401, "{again}");
    assert_eq!(again["error"], "invalid_token");

    // The registered client signs a person in (with consent: it is not first party).
    let client = WebClient {
        id: id.clone(),
        secret: created["client_secret"].as_str().map(String::from),
        redirect_uri: REDIRECT_URI.to_string(),
    };
    let tokens = Browser::new(&issuer)
        .tokens(&server, &client, "openid profile", "alice")
        .await;
    assert!(tokens["id_token"].is_string(), "{tokens}");

    // Read (RFC 7592 §2.1): the registration as held; another client's token is refused.
    let get = reqwest::Method::GET;
    let (status, _, read) = send(&server, get.clone(), &config_uri, Some(&manage), None).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["redirect_uris"], json!([REDIRECT_URI]));
    assert!(
        read.get("client_secret").is_none(),
        "the secret is stored hashed"
    );
    let (status, headers, _) = send(&server, get.clone(), &config_uri, Some("idpm_x"), None).await;
    assert_eq!(status, 401);
    assert!(headers["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    let (status, _, _) = send(&server, get.clone(), &config_uri, None, None).await;
    assert_eq!(status, 401);

    // Update (§2.2): the whole registration is replaced, sent back as read.
    let mut update = read.clone();
    update["redirect_uris"] = json!([REDIRECT_URI, "https://app.example/other"]);
    update["client_name"] = json!("Renamed App");
    let put = reqwest::Method::PUT;
    let (status, _, updated) = send(
        &server,
        put.clone(),
        &config_uri,
        Some(&manage),
        Some(&update),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["client_name"], "Renamed App");
    assert_eq!(updated["redirect_uris"][1], "https://app.example/other");
    update["token_endpoint_auth_method"] = json!("none");
    let (status, _, refused) = send(
        &server,
        put.clone(),
        &config_uri,
        Some(&manage),
        Some(&update),
    )
    .await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (400, Some("invalid_client_metadata"))
    );
    update["token_endpoint_auth_method"] = json!("client_secret_post");
    update["client_secret"] = json!("not-the-secret");
    let (status, _, refused) = send(&server, put, &config_uri, Some(&manage), Some(&update)).await;
    assert_eq!(status, 400, "{refused}");

    // Delete (§2.3): the client and its tokens are gone.
    let delete = reqwest::Method::DELETE;
    let (status, _, _) = send(&server, delete, &config_uri, Some(&manage), None).await;
    assert_eq!(status, 204);
    let (status, _, _) = send(&server, get, &config_uri, Some(&manage), None).await;
    assert_eq!(status, 401);
    let response = client.redeem(&server, "any-code", "any-verifier").await;
    assert_eq!(
        response.status(),
        401,
        "a deleted client cannot authenticate"
    );

    // Every step is in the audit trail, with the client as its target.
    let audit = env.cli_ok(&["audit", "list", "--limit", "50"], "");
    for action in [
        "client_register_dynamic",
        "client_update_dynamic",
        "client_delete_dynamic",
    ] {
        assert!(audit.contains(action), "{action} missing from:\n{audit}");
    }
}

async fn registrations_are_refused_with_the_rfc_errors(backend: Backend) {
    let env = enabled(backend);
    let token = initial_token(&env, &[]);
    let revoked = initial_token(&env, &["--label", "revoked"]);
    let list = env.cli_ok(&["client", "registration-token", "list"], "");
    let revoked_id = list
        .lines()
        .find(|l| l.contains("revoked"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();
    env.cli_ok(&["client", "registration-token", "revoke", &revoked_id], "");
    let server = env.start().await;

    let (status, body) = register(&server, None, &web_metadata()).await;
    assert_eq!(
        status, 401,
        "no token, and registration is not open: {body}"
    );
    let (status, body) = register(&server, Some(&revoked), &web_metadata()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_token"))
    );

    let cases = [
        (
            json!({"redirect_uris": ["http://app.example/cb"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": ["https://app.example/cb#f"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"grant_types": ["authorization_code"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"grant_types": ["client_credentials"]}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": [REDIRECT_URI], "response_types": ["id_token"]}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": [REDIRECT_URI], "token_endpoint_auth_method": "magic"}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": [REDIRECT_URI], "jwks_uri": "https://app.example/jwks"}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": [REDIRECT_URI], "id_token_signed_response_alg": "none"}),
            "invalid_client_metadata",
        ),
        (
            json!({"software_statement": "eyJ.eyJ.sig"}),
            "invalid_software_statement",
        ),
        (json!(["not", "an", "object"]), "invalid_client_metadata"),
    ];
    for (metadata, error) in cases {
        let (status, body) = register(&server, Some(&token), &metadata).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some(error)),
            "{metadata}: {body}"
        );
    }
    // Not JSON at all.
    let response = server
        .http
        .post(server.url("/register"))
        .bearer_auth(&token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("redirect_uris=x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    // The unlimited token still registers after all those refusals.
    let (status, body) = register(&server, Some(&token), &web_metadata()).await;
    assert_eq!(status, 201, "{body}");
}

async fn native_apps_may_register_openly_when_allowed(backend: Backend) {
    let env = enabled(backend).with_env("IDP_CLIENT_REGISTRATION__OPEN_FOR_NATIVE_APPS", "true");
    let server = env.start().await;
    let native = json!({
        "client_name": "Desktop App",
        "redirect_uris": ["http://127.0.0.1:53127/callback"],
        "token_endpoint_auth_method": "none"
    });
    let (status, body) = register(&server, None, &native).await;
    assert_eq!(status, 201, "{body}");
    assert!(body.get("client_secret").is_none(), "{body}");
    assert_eq!(body["token_endpoint_auth_method"], "none");
    // Open registration is for native apps only: a web app or a confidential client needs a token.
    let (status, _) = register(&server, None, &web_metadata()).await;
    assert_eq!(status, 401);
    let mut confidential = native.clone();
    confidential["token_endpoint_auth_method"] = json!("client_secret_basic");
    let (status, _) = register(&server, None, &confidential).await;
    assert_eq!(status, 401);
}

async fn the_last_use_of_a_token_has_one_winner(backend: Backend) {
    let env = enabled(backend);
    let token = initial_token(&env, &["--uses", "1"]);
    let server = env.start().await;
    let metadata = web_metadata();
    let attempt = || register(&server, Some(&token), &metadata);
    let (a, b, c, d) = tokio::join!(attempt(), attempt(), attempt(), attempt());
    let statuses = [a.0, b.0, c.0, d.0];
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [201, 401].contains(s)),
        "{statuses:?}"
    );
}

async fn admins_make_and_revoke_tokens_through_the_api(backend: Backend) {
    let env = enabled(backend);
    crate::admin::add_user_with_roles(&env, "root", &["admin"]);
    let server = env.start().await;
    let (root, csrf) = crate::admin::sign_in(&server, "root").await;
    let key = crate::admin::create_key(&root, &csrf, "automation", &["admin"]).await;
    let api = |method: reqwest::Method, path: &str, key: &str| {
        server
            .http
            .request(method, server.url(path))
            .bearer_auth(key.to_string())
    };
    let path = "/admin/api/registration-tokens";

    let response = server
        .http
        .post(server.url(path))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let response = api(reqwest::Method::POST, path, &key)
        .json(&json!({"label": "ci", "uses": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400, "zero uses is refused");
    let response = api(reqwest::Method::POST, path, &key)
        .json(&json!({"label": "ci", "uses": 2, "ttl_hours": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let made: Value = response.json().await.unwrap();
    let token = made["initial_access_token"].as_str().unwrap().to_string();

    let listed: Value = api(reqwest::Method::GET, path, &key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let item = &listed["items"][0];
    assert_eq!(
        (item["label"].as_str(), item["uses_left"].as_i64()),
        (Some("ci"), Some(2))
    );
    assert!(
        !listed.to_string().contains(&token),
        "the token's value is never listed"
    );

    let (status, body) = register(&server, Some(&token), &web_metadata()).await;
    assert_eq!(status, 201, "{body}");
    let revoke = format!("{path}/{}", made["id"].as_str().unwrap());
    let response = api(reqwest::Method::DELETE, &revoke, &key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let (status, _) = register(&server, Some(&token), &web_metadata()).await;
    assert_eq!(status, 401, "a revoked token registers nothing more");
}

async fn admins_make_and_revoke_tokens_in_the_console(backend: Backend) {
    let env = enabled(backend);
    crate::admin::add_user_with_roles(&env, "root", &["admin"]);
    let server = env.start().await;
    let (root, csrf) = crate::admin::sign_in(&server, "root").await;
    let path = "/admin/registration-tokens";
    let fields = [("csrf", csrf.as_str()), ("label", "partner"), ("uses", "x")];
    let response = crate::admin::post_form(&root, path, &fields).await;
    assert_eq!(response.status(), 400, "a number is needed");
    let fields = [
        ("csrf", csrf.as_str()),
        ("label", "partner"),
        ("uses", "1"),
        ("ttl_hours", "2"),
    ];
    let response = crate::admin::post_form(&root, path, &fields).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    let token = crate::support::input_value(&html, "secret").expect("the token is shown once");
    assert!(token.starts_with("idpr_"), "{token}");

    let listed = root.get(path).await.text().await.unwrap();
    assert!(
        listed.contains("partner") && !listed.contains(&token),
        "{listed}"
    );
    let (status, body) = register(&server, Some(&token), &web_metadata()).await;
    assert_eq!(status, 201, "{body}");
    let listed = root.get(path).await.text().await.unwrap();
    assert!(listed.contains("(spent)"), "its one use is spent: {listed}");

    let id = env.cli_ok(&["client", "registration-token", "list"], "");
    let id = id
        .lines()
        .nth(1)
        .and_then(|l| l.split_whitespace().next())
        .unwrap();
    let revoke = format!("{path}/{id}/revoke");
    let response = crate::admin::post_form(&root, &revoke, &[("csrf", csrf.as_str())]).await;
    assert_eq!(response.status(), 303);
    let listed = root.get(path).await.text().await.unwrap();
    assert!(!listed.contains("partner"), "{listed}");
}
