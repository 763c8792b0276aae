//! Editing what exists, from the CLI and from the console: a user's name, email and roles, a
//! client's name, URIs, grants, scopes, audiences and first-party flag; and seeing the effect
//! (the new redirect URI is accepted at /authorize, the old one refused). A refused console form
//! comes back with the reason and what was typed.

use reqwest::StatusCode;
use serde_json::json;

use crate::admin::{add_user_with_roles, create_key, post_form, sign_in, user_id};
use crate::on_both_backends;
use crate::operations::{api, json_of};
use crate::support::{AuthRequest, Backend, Browser, TestEnv, TestServer, WebClient, PASSWORD};

on_both_backends!(
    users_are_edited_from_the_cli_and_the_console,
    clients_are_edited_from_the_cli_and_the_console,
);

/// The page's HTML; the status must be `expected`.
async fn html(response: reqwest::Response, expected: StatusCode) -> String {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, expected, "{body}");
    body
}

/// Posts a client edit the console must refuse (400); returns the page it answers with.
async fn refused_edit(root: &Browser, fields: Vec<(&str, String)>) -> String {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    html(
        post_form(root, "/admin/clients/webapp/edit", &fields).await,
        StatusCode::BAD_REQUEST,
    )
    .await
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
    let edit = |uris: &'static str, origins: &'static str| {
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
            ("allowed_origins", origins.to_string()),
            ("first_party", "on".to_string()),
        ]
    };
    let fields = edit(C, "https://spa.example.com\nhttp://127.0.0.1:5173");
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
    assert!(
        page.contains("http://127.0.0.1:5173<br>") && page.contains("https://spa.example.com<br>"),
        "the web origins are shown: {page}"
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
        webapp["allowed_origins"],
        json!(["https://spa.example.com", "http://127.0.0.1:5173"])
    );
    assert_eq!(
        webapp["post_logout_redirect_uris"],
        json!(["https://b.example.com/bye"])
    );

    // A refused edit keeps what was typed and changes nothing.
    let page = refused_edit(&root, edit(C, "https://spa.example.com/app")).await;
    assert!(
        page.contains("no path") && page.contains("https://spa.example.com/app</textarea>"),
        "{page}"
    );
    let page = refused_edit(&root, edit("http://not-loopback.example.com/cb", "")).await;
    assert!(
        page.contains("must use https")
            && page.contains("http://not-loopback.example.com/cb</textarea>"),
        "{page}"
    );
    // "One per line" means lines: two URIs on one line are refused, not split at the space.
    let page = refused_edit(
        &root,
        edit("https://c.example.com/cb https://d.example.com/cb", ""),
    )
    .await;
    assert!(
        page.contains("must not contain spaces")
            && page.contains("https://c.example.com/cb https://d.example.com/cb</textarea>"),
        "{page}"
    );
    assert!(accepts(&server, &client, C).await);
}
