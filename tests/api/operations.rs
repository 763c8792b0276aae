//! The one operations layer as its callers see it: the admin API answers refusals as JSON
//! (409 for a duplicate), the CLI refuses unknown roles and is audited as `cli:<user>`, an API
//! key never outranks its creator, and protocol endpoints never answer a page. Editing users
//! and clients is in `editing.rs`.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::admin::{add_user_with_roles, create_key, sign_in};
use crate::on_both_backends;
use crate::support::{Backend, TestEnv, TestServer, PASSWORD};

on_both_backends!(
    api_refusals_are_json,
    unknown_roles_are_refused_and_nothing_is_created,
    cli_changes_are_audited_as_the_operator,
    a_key_never_outranks_its_creator,
    protocol_endpoints_never_answer_a_page,
);

pub(crate) async fn api(
    server: &TestServer,
    key: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = server
        .http
        .request(method, server.url(path))
        .bearer_auth(key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

/// Status and JSON body; the body must be JSON, never a page.
pub(crate) async fn json_of(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(kind.starts_with("application/json"), "{status} {kind}");
    (status, response.json().await.unwrap())
}

async fn api_refusals_are_json(backend: Backend) {
    let env = TestEnv::new(backend);
    add_user_with_roles(&env, "root", &["admin"]);
    let server = env.start().await;
    let (root, csrf) = sign_in(&server, "root").await;
    let key = create_key(&root, &csrf, "automation", &["admin"]).await;
    let post = reqwest::Method::POST;

    let bob = json!({"username": "bob", "email": "bob@example.com"});
    let (status, _) =
        json_of(api(&server, &key, post.clone(), "/admin/api/users", Some(bob)).await).await;
    assert_eq!(status, StatusCode::CREATED);
    for duplicate in [
        json!({"username": "BOB"}),
        json!({"username": "bobby", "email": "bob@example.com"}),
    ] {
        let (status, body) = json_of(
            api(
                &server,
                &key,
                post.clone(),
                "/admin/api/users",
                Some(duplicate),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"], "conflict");
        assert!(
            body["error_description"]
                .as_str()
                .unwrap()
                .contains("already exists"),
            "{body}"
        );
    }
    let client = json!({"client_id": "dup-app", "name": "App", "redirect_uris": ["https://app.example.com/cb"]});
    let (status, _) = json_of(
        api(
            &server,
            &key,
            post.clone(),
            "/admin/api/clients",
            Some(client.clone()),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = json_of(
        api(
            &server,
            &key,
            post.clone(),
            "/admin/api/clients",
            Some(client),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"))
    );

    // The console's name limit is the API's too.
    let long = json!({"username": "carol", "name": "x".repeat(201)});
    let (status, body) =
        json_of(api(&server, &key, post.clone(), "/admin/api/users", Some(long)).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let (status, body) = json_of(
        server
            .http
            .post(server.url("/admin/api/users"))
            .bearer_auth(&key)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let (status, body) = json_of(
        api(
            &server,
            &key,
            reqwest::Method::DELETE,
            "/admin/api/users/nobody",
            None,
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (status, body) = json_of(
        api(
            &server,
            &key,
            reqwest::Method::DELETE,
            "/admin/api/clients/nothing",
            None,
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );

    // The refused creations are in the audit trail, by the key.
    let audit = env.cli_ok(&["audit", "list", "--limit", "50"], "");
    let refused = audit
        .lines()
        .filter(|l| {
            l.contains("apikey:") && l.contains("admin_user_create") && l.contains("failure")
        })
        .count();
    assert_eq!(refused, 2, "{audit}");
}

async fn unknown_roles_are_refused_and_nothing_is_created(backend: Backend) {
    let env = TestEnv::new(backend);
    let out = env.cli(
        &["user", "add", "erin", "--role", "admn"],
        &format!("{PASSWORD}\n"),
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: unknown role \"admn\""), "{err}");
    assert!(!env.cli_ok(&["user", "list"], "").contains("erin"));

    env.add_user("erin", "Erin");
    let out = env.cli(&["user", "edit", "erin", "--role", "root"], "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: unknown role"));
    let line = env.cli_ok(&["user", "list"], "");
    let line = line.lines().find(|l| l.contains("erin")).unwrap();
    assert!(!line.contains("root"), "{line}");
}

async fn cli_changes_are_audited_as_the_operator(backend: Backend) {
    let env = TestEnv::new(backend).with_env("USER", "olga");
    add_user_with_roles(&env, "root", &["admin"]);
    env.cli_ok(
        &[
            "client",
            "add",
            "--name",
            "App",
            "--id",
            "audited-app",
            "--redirect-uri",
            "https://a.example.com/cb",
        ],
        "",
    );
    env.cli_ok(&["client", "edit", "audited-app", "--name", "Renamed"], "");
    env.cli_ok(&["user", "disable", "root"], "");
    env.cli_ok(&["keys", "rotate", "--alg", "ES256"], "");
    let audit = env.cli_ok(&["audit", "list", "--limit", "50"], "");
    for action in [
        "admin_user_create",
        "admin_client_create",
        "admin_client_update",
        "admin_user_disable",
        "keys_rotated",
    ] {
        let line = audit
            .lines()
            .find(|l| l.contains(action))
            .unwrap_or_else(|| panic!("{action} not audited: {audit}"));
        assert!(
            line.contains("cli:olga") && line.contains("success"),
            "{line}"
        );
    }
    // The rotation by hand is a privilege event too: its incident's opening is the sixth.
    assert!(audit.contains("incident_opened"), "{audit}");
    let verified = env.cli_ok(&["audit", "verify"], "");
    assert!(
        verified.contains("audit chain intact: 6 entries"),
        "{verified}"
    );
}

async fn a_key_never_outranks_its_creator(backend: Backend) {
    let env = TestEnv::new(backend);
    add_user_with_roles(&env, "root", &["admin"]);
    add_user_with_roles(&env, "ada", &["admin"]);
    let server = env.start().await;
    let (ada, csrf) = sign_in(&server, "ada").await;
    let key = create_key(&ada, &csrf, "ada's key", &["admin"]).await;
    let get = reqwest::Method::GET;
    let new_user = || Some(json!({"username": "dave"}));
    assert_eq!(
        api(&server, &key, get.clone(), "/admin/api/users", None)
            .await
            .status(),
        200
    );

    // Ada is now only an auditor: her admin key reads, and changes nothing.
    env.cli_ok(&["user", "edit", "ada", "--role", "auditor"], "");
    assert_eq!(
        api(&server, &key, get.clone(), "/admin/api/users", None)
            .await
            .status(),
        200
    );
    let (status, body) = json_of(
        api(
            &server,
            &key,
            reqwest::Method::POST,
            "/admin/api/users",
            new_user(),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    assert!(!env.cli_ok(&["user", "list"], "").contains("dave"));

    // Without roles, or disabled, she can do nothing through it.
    env.cli_ok(&["user", "edit", "ada", "--no-roles"], "");
    assert_eq!(
        api(&server, &key, get.clone(), "/admin/api/users", None)
            .await
            .status(),
        403
    );
    env.cli_ok(&["user", "edit", "ada", "--role", "admin"], "");
    assert_eq!(
        api(
            &server,
            &key,
            reqwest::Method::POST,
            "/admin/api/users",
            new_user()
        )
        .await
        .status(),
        201
    );
    env.cli_ok(&["user", "disable", "ada"], "");
    assert_eq!(
        api(&server, &key, get, "/admin/api/clients", None)
            .await
            .status(),
        403
    );
}

async fn protocol_endpoints_never_answer_a_page(backend: Backend) {
    let env = TestEnv::new(backend);
    let server = env.start().await;
    let oversized = "token=".to_string() + &"x".repeat(70_000);
    for path in ["/token", "/introspect", "/revoke", "/userinfo"] {
        let response = server
            .http
            .post(server.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(oversized.clone())
            .send()
            .await
            .unwrap();
        let (status, body) = json_of(response).await;
        assert!(status.is_client_error(), "{path}: {status}");
        assert_eq!(body["error"], "invalid_request", "{path}: {body}");
    }
    // A bearer challenge without a token stays a bare 401 (RFC 6750 §3.1).
    let response = server
        .http
        .get(server.url("/userinfo"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().get("content-type").is_none());
    // Pages stay pages where people are.
    let response = server
        .http
        .get(server.url("/nowhere"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response.text().await.unwrap().contains("<html"));
}
