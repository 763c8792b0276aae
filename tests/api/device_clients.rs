//! The device grant is a client setting like any grant type: enabled from the CLI, the console
//! and the admin API, with no redirect URI needed; without it `/device_authorization` answers
//! `unauthorized_client`.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::admin::{add_user_with_roles, create_key, post_form, sign_in};
use crate::device::{post_as, request_device, DEVICE_GRANT};
use crate::on_both_backends;
use crate::support::{Backend, TestEnv, TestServer, WebClient};

on_both_backends!(the_device_grant_is_enabled_from_cli_console_and_api);

async fn refused(server: &TestServer, client: &WebClient) {
    let response = post_as(
        server,
        client,
        "/device_authorization",
        &[("scope", "openid")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized_client", "{body}");
}

async fn the_device_grant_is_enabled_from_cli_console_and_api(backend: Backend) {
    let env = TestEnv::new(backend);
    add_user_with_roles(&env, "root", &["admin"]);
    let cli_client = env.add_web_client("cli-app", "CLI App", &[]);
    let console_client = env.add_web_client("console-app", "Console App", &[]);
    let server = env.start().await;

    // CLI: the grant added to a web client's.
    refused(&server, &cli_client).await;
    env.cli_ok(
        &[
            "client",
            "edit",
            "cli-app",
            "--grant",
            "authorization_code",
            "--grant",
            DEVICE_GRANT,
        ],
        "",
    );
    request_device(&server, &cli_client, "openid").await;

    // Console: the device grant alone, and no redirect URI left.
    refused(&server, &console_client).await;
    let (root, csrf) = sign_in(&server, "root").await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("name", "Console App"),
        ("redirect_uris", ""),
        ("post_logout_redirect_uris", ""),
        ("grant_types", DEVICE_GRANT),
        ("scopes", "openid profile"),
        ("audiences", ""),
        ("allowed_origins", ""),
    ];
    let saved = post_form(&root, "/admin/clients/console-app/edit", &fields).await;
    assert!(
        saved.status().is_success() || saved.status().is_redirection(),
        "{}",
        saved.status()
    );
    request_device(&server, &console_client, "openid profile").await;
    let code = [
        ("grant_type", "authorization_code"),
        ("code", "x"),
        ("redirect_uri", ""),
    ];
    let response = post_as(&server, &console_client, "/token", &code).await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["error"], "unauthorized_client",
        "the code flow was taken away: {body}"
    );

    // Admin API: a public device client with no redirect URI.
    let key = create_key(&root, &csrf, "automation", &["admin"]).await;
    let created = server
        .http
        .post(server.url("/admin/api/clients"))
        .bearer_auth(&key)
        .json(
            &json!({"client_id": "api-tv", "name": "API TV", "public": true,
            "grant_types": [DEVICE_GRANT], "scopes": ["openid"]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let tv = WebClient {
        id: "api-tv".into(),
        secret: None,
        redirect_uri: String::new(),
    };
    request_device(&server, &tv, "openid").await;
    let unknown = server
        .http
        .post(server.url("/admin/api/clients"))
        .bearer_auth(&key)
        .json(&json!({"name": "Bad", "public": true, "grant_types": ["urn:device"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
}
