//! The one operations layer as its three callers see it: the admin API answers refusals as
//! JSON (409 for a duplicate), the CLI refuses unknown roles and is audited as `cli:<user>`,
//! an API key never outranks its creator, and users and clients are edited from the CLI and
//! the console with visible effect.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::admin::{add_user_with_roles, create_key, post_form, sign_in, user_id};
use crate::on_both_backends;
use crate::support::{AuthRequest, Backend, Browser, TestEnv, TestServer, WebClient, PASSWORD};

on_both_backends!(
    api_refusals_are_json,
    unknown_roles_are_refused_and_nothing_is_created,
    cli_changes_are_audited_as_the_operator,
    a_key_never_outranks_its_creator,
    users_are_edited_from_the_cli_and_the_console,
    clients_are_edited_from_the_cli_and_the_console,
    protocol_endpoints_never_answer_a_page,
);

async fn api(
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
async fn json_of(response: reqwest::Response) -> (StatusCode, Value) {
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
    let verified = env.cli_ok(&["audit", "verify"], "");
    assert!(
        verified.contains("audit chain intact: 5 entries"),
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

/// The page's HTML; the status must be `expected`.
async fn html(response: reqwest::Response, expected: StatusCode) -> String {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, expected, "{body}");
    body
}

async fn users_are_edited_from_the_cli_and_the_console(backend: Backend) {
    let env = TestEnv::new(backend);
    add_user_with_roles(&env, "root", &["admin"]);
    env.add_user("fred", "Fred");
    env.add_user("gina", "Gina");

    let out = env.cli_ok(
        &[
            "user",
            "edit",
            "fred",
            "--name",
            "Frederick",
            "--email",
            "F@Example.org",
            "--role",
            "auditor",
            "--role",
            "user_manager",
        ],
        "",
    );
    assert!(
        out.contains("Frederick") && out.contains("f@example.org"),
        "{out}"
    );
    let list = env.cli_ok(&["user", "list"], "");
    let line = list.lines().find(|l| l.contains("fred")).unwrap();
    assert!(
        line.contains("f@example.org") && line.contains("auditor user_manager"),
        "{line}"
    );
    // One email per account; an edit that would break that changes nothing.
    let out = env.cli(
        &[
            "user",
            "edit",
            "gina",
            "--email",
            "f@example.org",
            "--name",
            "G",
        ],
        "",
    );
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: another user has that email"));
    assert!(env
        .cli_ok(&["user", "list"], "")
        .contains("gina@example.com"));
    // The last admin keeps the role.
    let out = env.cli(&["user", "edit", "root", "--no-roles"], "");
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least one enabled admin must remain"));

    let server = env.start().await;
    let (root, csrf) = sign_in(&server, "root").await;
    let gina = user_id(&root, "gina").await;
    let profile = format!("/admin/users/{gina}/profile");
    let response = post_form(
        &root,
        &profile,
        &[
            ("csrf", &csrf),
            ("name", "Regina"),
            ("email", "regina@example.com"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = html(
        root.get(&format!("/admin/users/{gina}")).await,
        StatusCode::OK,
    )
    .await;
    assert!(
        page.contains("Regina") && page.contains("regina@example.com"),
        "{page}"
    );

    // Refused: the page says why and keeps what was typed.
    let response = post_form(
        &root,
        &profile,
        &[
            ("csrf", &csrf),
            ("name", "Typed name"),
            ("email", "f@example.org"),
        ],
    )
    .await;
    let page = html(response, StatusCode::CONFLICT).await;
    assert!(
        page.contains("Another user has that email address."),
        "{page}"
    );
    assert!(
        page.contains("value=\"Typed name\"") && page.contains("value=\"f@example.org\""),
        "{page}"
    );
    let response = post_form(
        &root,
        &profile,
        &[
            ("csrf", &csrf),
            ("name", "Other"),
            ("email", "not-an-email"),
        ],
    )
    .await;
    let page = html(response, StatusCode::BAD_REQUEST).await;
    assert!(
        page.contains("is not an email address") && page.contains("value=\"Other\""),
        "{page}"
    );
    assert!(env
        .cli_ok(&["user", "list"], "")
        .contains("regina@example.com"));

    // Roles from the console, with the admin's password.
    let roles = format!("/admin/users/{gina}/roles");
    let response = post_form(
        &root,
        &roles,
        &[
            ("csrf", &csrf),
            ("password", PASSWORD),
            ("role_auditor", "on"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let list = env.cli_ok(&["user", "list"], "");
    assert!(
        list.lines()
            .any(|l| l.contains("gina") && l.contains("auditor")),
        "{list}"
    );
    let response = post_form(
        &root,
        &roles,
        &[("csrf", &csrf), ("password", "wrong"), ("role_admin", "on")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // A duplicate username in the console's create form: the form comes back filled in.
    let response = post_form(
        &root,
        "/admin/users",
        &[
            ("csrf", &csrf),
            ("username", "Fred"),
            ("email", "new@example.com"),
            ("name", "New Fred"),
        ],
    )
    .await;
    let page = html(response, StatusCode::CONFLICT).await;
    assert!(
        page.contains("already exists") && page.contains("value=\"New Fred\""),
        "{page}"
    );
}

/// Whether `/authorize` accepts `redirect_uri` for the client (a redirect onward), rather than
/// refusing it with an error page.
async fn accepts(server: &TestServer, client: &WebClient, redirect_uri: &str) -> bool {
    let browser = Browser::new(&server.base);
    let request = AuthRequest::new(client, "openid").set("redirect_uri", redirect_uri);
    let response = browser.authorize(&request).await;
    match response.status() {
        StatusCode::SEE_OTHER | StatusCode::FOUND => true,
        StatusCode::BAD_REQUEST => false,
        other => panic!("/authorize answered {other}"),
    }
}

async fn clients_are_edited_from_the_cli_and_the_console(backend: Backend) {
    let env = TestEnv::new(backend);
    add_user_with_roles(&env, "root", &["admin"]);
    let client = env.add_web_client("webapp", "Web app", &[]);
    const B: &str = "https://b.example.com/cb";
    const C: &str = "http://127.0.0.1:7000/cb";
    env.cli_ok(
        &[
            "client",
            "edit",
            "webapp",
            "--redirect-uri",
            B,
            "--scope",
            "openid",
            "--scope",
            "profile",
        ],
        "",
    );
    let out = env.cli(
        &[
            "client",
            "edit",
            "webapp",
            "--redirect-uri",
            "http://c.example.com/cb",
        ],
        "",
    );
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: redirect URI"));
    let out = env.cli(&["client", "edit", "webapp", "--grant", "password"], "");
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: unknown grant type"));

    let server = env.start().await;
    assert!(accepts(&server, &client, B).await);
    assert!(
        !accepts(&server, &client, &client.redirect_uri).await,
        "the old URI is refused"
    );

    let (root, csrf) = sign_in(&server, "root").await;
    let edit = |uris: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("name", "Renamed app".to_string()),
            ("redirect_uris", uris.to_string()),
            (
                "post_logout_redirect_uris",
                "https://b.example.com/bye".to_string(),
            ),
            (
                "grant_types",
                "authorization_code client_credentials".to_string(),
            ),
            ("scopes", "openid email reports.read".to_string()),
            ("audiences", "https://api.example.com".to_string()),
            ("first_party", "on".to_string()),
        ]
    };
    let fields = edit(C);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = post_form(&root, "/admin/clients/webapp/edit", &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(accepts(&server, &client, C).await);
    assert!(!accepts(&server, &client, B).await);
    let saved = crate::support::location(&response).unwrap();
    let page = html(root.get(&saved).await, StatusCode::OK).await;
    assert!(
        page.contains("Settings saved.") && page.contains("Renamed app"),
        "{page}"
    );
    let listed = env.cli_ok(&["client", "list"], "");
    assert!(
        listed.contains("authorization_code client_credentials"),
        "{listed}"
    );
    let key = create_key(&root, &csrf, "reader", &["auditor"]).await;
    let (_, clients) = json_of(
        api(
            &server,
            &key,
            reqwest::Method::GET,
            "/admin/api/clients",
            None,
        )
        .await,
    )
    .await;
    let webapp = &clients["clients"][0];
    assert_eq!(webapp["first_party"], true, "{webapp}");
    assert_eq!(webapp["scopes"], json!(["openid", "email", "reports.read"]));
    assert_eq!(webapp["audiences"], json!(["https://api.example.com"]));
    assert_eq!(
        webapp["post_logout_redirect_uris"],
        json!(["https://b.example.com/bye"])
    );

    // A refused edit keeps what was typed and changes nothing.
    let fields = edit("http://not-loopback.example.com/cb");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = html(
        post_form(&root, "/admin/clients/webapp/edit", &fields).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        page.contains("must use https")
            && page.contains("http://not-loopback.example.com/cb</textarea>"),
        "{page}"
    );
    assert!(accepts(&server, &client, C).await);
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
