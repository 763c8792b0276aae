//! The admin console and admin API over HTTP: every route checks roles (walked from the same
//! table the router uses), CSRF and escaping on the console, API keys, and the `roles` claim.

use idp::admin::ROUTES;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{
    input_value, location, verify_with_jwks, Backend, Browser, Form, TestEnv, TestServer, PASSWORD,
};

on_both_backends!(
    login_returns_to_the_console_and_nowhere_else,
    every_route_checks_roles,
    console_manages_users_with_csrf_and_escaping,
    api_keys_manage_users_and_clients,
    roles_claim_with_the_roles_scope,
);

pub(crate) fn add_user_with_roles(env: &TestEnv, username: &str, roles: &[&str]) {
    let email = format!("{username}@example.com");
    let mut args = vec![
        "user", "add", username, "--email", &email, "--name", username,
    ];
    for role in roles {
        args.extend(["--role", role]);
    }
    env.cli_ok(&args, &format!("{PASSWORD}\n"));
}

/// Signs `username` in through the provider's own login page; returns the browser and a CSRF
/// token valid for its forms.
pub(crate) async fn sign_in(server: &TestServer, username: &str) -> (Browser, String) {
    let browser = Browser::new(&server.base);
    let page = browser.get("/login").await.text().await.unwrap();
    let form = Form::parse(&page);
    let response = browser.post_login(&form, username, PASSWORD).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "sign-in of {username}"
    );
    assert_eq!(location(&response).as_deref(), Some("/account"));
    (browser, form.csrf)
}

pub(crate) async fn post_form(
    browser: &Browser,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    browser
        .http
        .post(browser.resolve(path))
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// Creates an admin API key with `roles` through the console; returns the key.
pub(crate) async fn create_key(
    browser: &Browser,
    csrf: &str,
    name: &str,
    roles: &[&str],
) -> String {
    let mut fields = vec![("csrf", csrf), ("name", name), ("password", PASSWORD)];
    let names: Vec<String> = roles.iter().map(|r| format!("role_{r}")).collect();
    for n in &names {
        fields.push((n, "on"));
    }
    let response = post_form(browser, "/admin/api-keys", &fields).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    let key = input_value(&html, "secret").expect("the key is shown once");
    assert!(key.starts_with("idpk_"), "{key}");
    key
}

/// The id of the user `username`, from the console's list.
pub(crate) async fn user_id(browser: &Browser, username: &str) -> String {
    let html = browser
        .get(&format!("/admin/users?q={username}"))
        .await
        .text()
        .await
        .unwrap();
    let marker = "href=\"/admin/users/";
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("{username} not listed: {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

fn concrete(path: &str, user_id: &str) -> String {
    if path.starts_with("/admin/users/") || path.starts_with("/admin/api/users/") {
        path.replace("{id}", user_id)
    } else if path.contains("clients/") {
        path.replace("{id}", "webapp")
    } else {
        path.replace("{id}", "nokey")
    }
}

async fn call(
    http: &reqwest::Client,
    server: &TestServer,
    method: &str,
    path: &str,
    csrf: &str,
    key: Option<&str>,
) -> reqwest::Response {
    let url = server.url(path);
    let mut request = match method {
        "get" => http.get(&url),
        "post" if path.starts_with("/admin/api/") => http.post(&url).json(&json!({})),
        "post" => http.post(&url).form(&[("csrf", csrf)]),
        "delete" => http.delete(&url),
        other => panic!("unexpected method {other}"),
    };
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    request.send().await.unwrap()
}

async fn every_route_checks_roles(backend: Backend) {
    let env = TestEnv::new(backend);
    add_user_with_roles(&env, "root", &["admin"]);
    add_user_with_roles(&env, "nobody", &[]);
    add_user_with_roles(&env, "auditor", &["auditor"]);
    add_user_with_roles(&env, "manager", &["user_manager"]);
    env.add_web_client("webapp", "Web app", &[]);
    let server = env.start().await;

    // No session: the console sends the browser to sign in.
    let anonymous = Browser::new(&server.base);
    let response = anonymous.get("/admin").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response).as_deref(), Some("/login?next=/admin"));

    let (root, root_csrf) = sign_in(&server, "root").await;
    let target = user_id(&root, "nobody").await;
    let auditor_key = create_key(&root, &root_csrf, "read only", &["auditor"]).await;
    let manager_key = create_key(&root, &root_csrf, "people", &["user_manager"]).await;

    let (nobody, nobody_csrf) = sign_in(&server, "nobody").await;
    let (auditor, auditor_csrf) = sign_in(&server, "auditor").await;
    let (manager, manager_csrf) = sign_in(&server, "manager").await;

    assert!(ROUTES.len() >= 20, "the table lists every route");
    for route in ROUTES {
        let path = concrete(route.path, &target);
        let what = format!("{} {path}", route.method);
        if route.is_api() {
            // No key, and a key that does not exist: 401 with a JSON body.
            for key in [None, Some("idpk_not-a-key")] {
                let response = call(&server.http, &server, route.method, &path, "", key).await;
                assert_eq!(
                    response.status(),
                    StatusCode::UNAUTHORIZED,
                    "{what} with {key:?}"
                );
                let body: Value = response.json().await.unwrap();
                assert_eq!(body["error"], "unauthorized", "{what}");
            }
            // An auditor's key reads, never writes.
            let response = call(
                &server.http,
                &server,
                route.method,
                &path,
                "",
                Some(&auditor_key),
            )
            .await;
            let expected = if route.method == "get" {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(response.status(), expected, "auditor key: {what}");
            if expected == StatusCode::FORBIDDEN {
                let body: Value = response.json().await.unwrap();
                assert_eq!(body["error"], "forbidden", "{what}");
            }
            // A user manager's key cannot touch clients or their registration tokens.
            if path.contains("/clients") || path.contains("/registration-tokens") {
                let response = call(
                    &server.http,
                    &server,
                    route.method,
                    &path,
                    "",
                    Some(&manager_key),
                )
                .await;
                assert_eq!(
                    response.status(),
                    StatusCode::FORBIDDEN,
                    "manager key: {what}"
                );
            }
            continue;
        }
        // A signed-in person without any role: 403 everywhere.
        let response = call(
            &nobody.http,
            &server,
            route.method,
            &path,
            &nobody_csrf,
            None,
        )
        .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "no role: {what}");

        // An auditor reads everything but the API keys, and changes nothing.
        let response = call(
            &auditor.http,
            &server,
            route.method,
            &path,
            &auditor_csrf,
            None,
        )
        .await;
        // Choosing one's own time zone changes only one's own view.
        let own_view = path == "/admin/time-zone";
        let expected = if own_view && route.method == "post" {
            StatusCode::BAD_REQUEST
        } else if route.method == "get" && !path.starts_with("/admin/api-keys") {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(response.status(), expected, "auditor: {what}");

        // A user manager cannot touch clients (nor their registration tokens), upstream
        // providers, roles, keys, the audit log or the security page.
        let off_limits = [
            "/clients",
            "/registration-tokens",
            "/upstreams",
            "/roles",
            "/api-keys",
            "/audit",
            "/security",
        ]
        .iter()
        .any(|p| path.contains(p));
        if off_limits {
            let response = call(
                &manager.http,
                &server,
                route.method,
                &path,
                &manager_csrf,
                None,
            )
            .await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "manager: {what}");
        } else if route.method == "get" {
            let response = call(
                &manager.http,
                &server,
                route.method,
                &path,
                &manager_csrf,
                None,
            )
            .await;
            assert_eq!(response.status(), StatusCode::OK, "manager: {what}");
        }
    }

    // The refusals are in the audit log, which an auditor can read.
    let html = auditor
        .get("/admin/audit?action=admin_access")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("denied"), "{html}");
    assert!(html.contains("Chain intact"), "{html}");
}

async fn console_manages_users_with_csrf_and_escaping(backend: Backend) {
    let env = TestEnv::new(backend);
    add_user_with_roles(&env, "root", &["admin"]);
    let server = env.start().await;
    let (root, csrf) = sign_in(&server, "root").await;
    let markup = "<script>alert(1)</script>";

    // Without the CSRF token, nothing is created.
    let fields = [("username", "mallory"), ("name", markup)];
    let response = post_form(&root, "/admin/users", &fields).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = post_form(
        &root,
        "/admin/users",
        &[
            ("csrf", "forged"),
            ("username", "mallory"),
            ("name", markup),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let html = root
        .get("/admin/users?q=mallory")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("0 found"), "{html}");

    // With it, the user is created with a temporary password shown once.
    let response = post_form(
        &root,
        "/admin/users",
        &[
            ("csrf", &csrf),
            ("username", "mallory"),
            ("name", markup),
            ("email", "m@example.com"),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
    let temporary = input_value(&response.text().await.unwrap(), "secret").unwrap();
    assert!(temporary.len() >= 20);

    // The markup shows as text on every page that names the user.
    let id = user_id(&root, "mallory").await;
    for page in [
        "/admin/users?q=mallory".to_string(),
        format!("/admin/users/{id}"),
    ] {
        let html = root.get(&page).await.text().await.unwrap();
        assert!(!html.contains(markup), "{page}: {html}");
        assert!(
            html.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
                || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{page}: {html}"
        );
    }

    // The temporary password must be changed at the first sign-in.
    let person = Browser::new(&server.base);
    let form = Form::parse(&person.get("/login").await.text().await.unwrap());
    let response = person.post_login(&form, "mallory", &temporary).await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("/login/password"));

    // Sensitive actions want the admin's own password.
    let response = post_form(
        &root,
        &format!("/admin/users/{id}/roles"),
        &[
            ("csrf", &csrf),
            ("password", "wrong password!"),
            ("role_auditor", "on"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = post_form(
        &root,
        &format!("/admin/users/{id}/roles"),
        &[
            ("csrf", &csrf),
            ("password", PASSWORD),
            ("role_auditor", "on"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = root
        .get(&format!("/admin/users/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("<dd>auditor</dd>"), "{html}");

    // Reset password: a new temporary one, shown once.
    let response = post_form(
        &root,
        &format!("/admin/users/{id}/password"),
        &[("csrf", &csrf), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(response.status(), 200);
    let second = input_value(&response.text().await.unwrap(), "secret").unwrap();
    assert_ne!(second, temporary);

    // Disable and enable.
    let response = post_form(
        &root,
        &format!("/admin/users/{id}/disable"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(root
        .get(&format!("/admin/users/{id}"))
        .await
        .text()
        .await
        .unwrap()
        .contains("disabled"));
    let response = post_form(
        &root,
        &format!("/admin/users/{id}/enable"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    // The last admin cannot drop the role, nor be deleted.
    let root_id = user_id(&root, "root").await;
    let response = post_form(
        &root,
        &format!("/admin/users/{root_id}/roles"),
        &[("csrf", &csrf), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // Delete needs the username typed and the password.
    let response = post_form(
        &root,
        &format!("/admin/users/{id}/delete"),
        &[
            ("csrf", &csrf),
            ("password", PASSWORD),
            ("confirm", "someone"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = post_form(
        &root,
        &format!("/admin/users/{id}/delete"),
        &[
            ("csrf", &csrf),
            ("password", PASSWORD),
            ("confirm", "mallory"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        root.get(&format!("/admin/users/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );

    // Clients: a confidential one shows its secret once; rotate and delete.
    let response = post_form(
        &root,
        "/admin/clients",
        &[
            ("csrf", &csrf),
            ("name", markup),
            ("id", "console-app"),
            ("kind", "confidential"),
            ("redirect_uris", "https://app.example.com/cb"),
            ("scopes", "openid profile"),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
    let secret = input_value(&response.text().await.unwrap(), "secret").unwrap();
    let html = root
        .get("/admin/clients/console-app")
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains(markup) && !html.contains(&secret), "{html}");
    let response = post_form(
        &root,
        "/admin/clients/console-app/rotate",
        &[("csrf", &csrf), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(response.status(), 200);
    let rotated = input_value(&response.text().await.unwrap(), "secret").unwrap();
    assert_ne!(rotated, secret);
    let response = post_form(
        &root,
        "/admin/clients",
        &[
            ("csrf", &csrf),
            ("name", "SPA"),
            ("id", "spa"),
            ("kind", "public"),
            ("redirect_uris", "http://127.0.0.1:5173/cb"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let response = post_form(
        &root,
        "/admin/clients",
        &[
            ("csrf", &csrf),
            ("name", "Bad"),
            ("redirect_uris", "http://app.example.com/cb"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = post_form(
        &root,
        "/admin/clients/console-app/delete",
        &[
            ("csrf", &csrf),
            ("password", PASSWORD),
            ("confirm", "console-app"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        root.get("/admin/clients/console-app").await.status(),
        StatusCode::NOT_FOUND
    );

    // Every action is in the audit log, by the admin, and the chain verifies.
    let html = root
        .get(&format!("/admin/audit?actor={root_id}"))
        .await
        .text()
        .await
        .unwrap();
    for action in [
        "admin_user_create",
        "admin_user_roles",
        "admin_user_password_reset",
        "admin_user_disable",
        "admin_user_delete",
        "admin_client_create",
        "admin_client_rotate",
        "admin_client_delete",
    ] {
        assert!(html.contains(action), "{action} missing: {html}");
    }
    assert!(html.contains("Chain intact"), "{html}");
    let html = root
        .get("/admin/audit?action=admin_user_delete&from=2000-01-01&to=2000-01-02")
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<td>admin_user_delete</td>"), "{html}");
}

async fn api_keys_manage_users_and_clients(backend: Backend) {
    let env = TestEnv::new(backend);
    add_user_with_roles(&env, "root", &["admin"]);
    let server = env.start().await;
    let (root, csrf) = sign_in(&server, "root").await;
    let key = create_key(&root, &csrf, "automation", &["admin"]).await;
    let api = |method: reqwest::Method, path: &str| {
        server
            .http
            .request(method, server.url(path))
            .bearer_auth(&key)
    };

    let openapi = server.get_json("/admin/api/openapi.json").await;
    assert!(openapi["openapi"].as_str().unwrap().starts_with("3."));
    for route in ROUTES.iter().filter(|r| r.is_api()) {
        let path = route.path;
        assert!(
            openapi["paths"][path][route.method].is_object(),
            "{} {path} undocumented",
            route.method
        );
    }

    let response = api(reqwest::Method::POST, "/admin/api/users")
        .json(&json!({"username": "bob", "email": "bob@example.com", "name": "Bob"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let bob: Value = response.json().await.unwrap();
    let bob_id = bob["id"].as_str().unwrap().to_string();
    assert!(bob["temporary_password"].as_str().unwrap().len() >= 20);
    assert_eq!(bob["must_change_password"], true);

    let response = api(reqwest::Method::POST, "/admin/api/users")
        .json(&json!({"username": "bob"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let response = api(reqwest::Method::POST, "/admin/api/users")
        .json(&json!({"username": "no spaces"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let list: Value = api(reqwest::Method::GET, "/admin/api/users?q=bob")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["users"][0]["username"], "bob");
    assert!(list["users"][0].get("password_hash").is_none());

    let response = api(
        reqwest::Method::POST,
        &format!("/admin/api/users/{bob_id}/disable"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["disabled"], true);
    let response = api(
        reqwest::Method::POST,
        &format!("/admin/api/users/{bob_id}/enable"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.json::<Value>().await.unwrap()["disabled"], false);
    let response = api(
        reqwest::Method::DELETE,
        &format!("/admin/api/users/{bob_id}"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = api(
        reqwest::Method::DELETE,
        &format!("/admin/api/users/{bob_id}"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let list: Value = api(reqwest::Method::GET, "/admin/api/users?q=bob")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 0);

    let response = api(reqwest::Method::POST, "/admin/api/clients")
        .json(&json!({"client_id": "api-app", "name": "API app", "redirect_uris": ["https://app.example.com/cb"], "scopes": ["openid"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let client: Value = response.json().await.unwrap();
    assert!(client["client_secret"].as_str().unwrap().len() >= 40);
    let response = api(reqwest::Method::POST, "/admin/api/clients")
        .json(
            &json!({"name": "SPA", "public": true, "redirect_uris": ["http://127.0.0.1:5173/cb"],
            "allowed_origins": ["https://SPA.example.com/"]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let spa: Value = response.json().await.unwrap();
    assert!(spa.get("client_secret").is_none());
    assert_eq!(spa["allowed_origins"], json!(["https://spa.example.com"]));
    assert_eq!(
        spa["web_origins"],
        json!(["http://127.0.0.1:5173", "https://spa.example.com"])
    );
    let response = api(reqwest::Method::POST, "/admin/api/clients")
        .json(
            &json!({"name": "Bad", "public": true, "redirect_uris": ["http://127.0.0.1:5173/cb"],
            "allowed_origins": ["https://spa.example.com/app"]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let refused: Value = response.json().await.unwrap();
    assert_eq!(refused["error"], "invalid_request");
    assert!(
        refused["error_description"]
            .as_str()
            .unwrap()
            .contains("no path"),
        "{refused}"
    );
    let clients: Value = api(reqwest::Method::GET, "/admin/api/clients")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(clients["clients"].as_array().unwrap().len(), 2);
    let response = api(reqwest::Method::DELETE, "/admin/api/clients/api-app")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // The console shows when the key was last used; revoking it locks it out.
    let html = root.get("/admin/api-keys").await.text().await.unwrap();
    assert!(!html.contains("never"), "{html}");
    assert!(!html.contains(&key), "{html}");
    let key_id = html
        .split("/admin/api-keys/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let response = post_form(
        &root,
        &format!("/admin/api-keys/{key_id}/revoke"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let response = api(reqwest::Method::GET, "/admin/api/users")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized");

    let html = root
        .get(&format!("/admin/audit?actor=apikey:{key_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("admin_user_delete") && html.contains("admin_client_create"),
        "{html}"
    );
}

async fn roles_claim_with_the_roles_scope(backend: Backend) {
    let env = TestEnv::new(backend);
    add_user_with_roles(&env, "carol", &["auditor", "user_manager"]);
    let client = env.add_web_client(
        "webapp",
        "Web app",
        &[
            "--scope", "openid", "--scope", "profile", "--scope", "roles",
        ],
    );
    let server = env.start().await;
    let jwks = server.get_json("/jwks.json").await;
    let discovery = server.get_json("/.well-known/openid-configuration").await;
    assert!(discovery["scopes_supported"]
        .as_array()
        .unwrap()
        .contains(&json!("roles")));

    let browser = Browser::new(&server.base);
    let tokens = browser
        .tokens(&server, &client, "openid roles", "carol")
        .await;
    let id_token = verify_with_jwks(tokens["id_token"].as_str().unwrap(), &jwks);
    assert_eq!(id_token["roles"], json!(["auditor", "user_manager"]));
    let access = verify_with_jwks(tokens["access_token"].as_str().unwrap(), &jwks);
    assert_eq!(access["roles"], json!(["auditor", "user_manager"]));

    let tokens = browser
        .tokens(&server, &client, "openid profile", "carol")
        .await;
    let id_token = verify_with_jwks(tokens["id_token"].as_str().unwrap(), &jwks);
    assert!(id_token.get("roles").is_none(), "{id_token}");
    let access = verify_with_jwks(tokens["access_token"].as_str().unwrap(), &jwks);
    assert!(access.get("roles").is_none(), "{access}");
}

/// `/login?next=` continues to our own console or account page only: never elsewhere.
async fn login_returns_to_the_console_and_nowhere_else(backend: Backend) {
    let env = TestEnv::new(backend);
    add_user_with_roles(&env, "root", &["admin"]);
    let server = env.start().await;
    for (next, expected) in [
        ("/admin", "/admin"),
        ("https://evil.example.com/", "/account"),
        ("//evil.example.com", "/account"),
        ("/authorize/resume", "/account"),
    ] {
        let browser = Browser::new(&server.base);
        let encoded: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
        let page = browser.get(&format!("/login?next={encoded}")).await;
        assert_eq!(page.status(), StatusCode::OK, "{next}");
        let form = crate::support::Form::parse(&page.text().await.unwrap());
        let response = browser
            .post_login(&form, "root", crate::support::PASSWORD)
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{next}");
        assert_eq!(location(&response).as_deref(), Some(expected), "{next}");
    }
}
