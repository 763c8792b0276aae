//! Pushed authorization requests (RFC 9126): the client pushes its request to `/par` and sends
//! the browser with the `request_uri` alone; it works once, for that client only, checks the
//! request before any redirect, and can be required for every request.

use serde_json::Value;

use crate::on_both_backends;
use crate::support::{
    location, AuthRequest, Backend, Browser, Decision, TestEnv, TestServer, WebClient,
};

on_both_backends!(
    a_pushed_request_signs_in_once_for_its_client_only,
    pushed_requests_can_be_required,
    one_client_can_require_pushed_requests
);

async fn push(
    server: &TestServer,
    client: &WebClient,
    params: &[(String, String)],
) -> (u16, Value) {
    let response = server
        .http
        .post(server.url("/par"))
        .basic_auth(&client.id, client.secret.as_deref())
        .form(params)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// The front channel of a pushed request: `client_id` and `request_uri` (and `extra`).
fn front_channel(
    issuer: &str,
    client_id: &str,
    request_uri: &str,
    extra: &[(&str, &str)],
) -> String {
    let mut params = vec![("client_id", client_id), ("request_uri", request_uri)];
    params.extend_from_slice(extra);
    url::Url::parse_with_params(&format!("{issuer}/authorize"), &params)
        .unwrap()
        .to_string()
}

async fn a_pushed_request_signs_in_once_for_its_client_only(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", "Example Web App", &[]);
    let other = env.add_web_client("other", "Other App", &[]);
    let server = env.start().await;
    let issuer = env.issuer();
    let discovery = server.get_json("/.well-known/openid-configuration").await;
    assert_eq!(
        discovery["pushed_authorization_request_endpoint"],
        format!("{issuer}/par")
    );
    assert_eq!(discovery["require_pushed_authorization_requests"], false);

    let request = AuthRequest::new(&web, "openid profile");
    let (status, pushed) = push(&server, &web, &request.params).await;
    assert_eq!(status, 201, "{pushed}");
    assert_eq!(pushed["expires_in"], 60);
    let uri = pushed["request_uri"].as_str().unwrap().to_string();
    assert!(
        uri.starts_with("urn:ietf:params:oauth:request_uri:"),
        "{uri}"
    );

    // Only the pushed parameters count: a state or redirect URI added in the browser is ignored.
    let browser = Browser::new(&issuer);
    let tampered = [
        ("state", "from-the-browser"),
        ("redirect_uri", "https://evil.example/cb"),
    ];
    let url = front_channel(&issuer, &web.id, &uri, &tampered);
    let response = browser.http.get(url.as_str()).send().await.unwrap();
    let landing = browser
        .follow(response, "alice", crate::support::PASSWORD, Decision::Allow)
        .await;
    let code = landing.code(&request, &issuer);
    assert_eq!(
        web.redeem(&server, &code, &request.verifier).await.status(),
        200
    );

    // Used once; and another client cannot use one pushed for this one.
    let again = browser
        .http
        .get(front_channel(&issuer, &web.id, &uri, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 400, "a request_uri works once");
    let request = AuthRequest::new(&web, "openid");
    let (_, pushed) = push(&server, &web, &request.params).await;
    let uri = pushed["request_uri"].as_str().unwrap();
    let foreign = browser
        .http
        .get(front_channel(&issuer, &other.id, uri, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 400, "another client's request_uri");
    assert!(location(&foreign).is_none());

    // Checked at /par, answered there as JSON: a bad scope, a pushed request_uri, no client auth.
    let bad = AuthRequest::new(&web, "openid nonsense");
    let (status, body) = push(&server, &web, &bad.params).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope")),
        "{body}"
    );
    let nested = AuthRequest::new(&web, "openid").set("request_uri", "urn:x");
    let (status, body) = push(&server, &web, &nested.params).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request")),
        "{body}"
    );
    let anonymous = WebClient {
        secret: Some("wrong".into()),
        ..web.clone()
    };
    let (status, body) = push(&server, &anonymous, &request.params).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "{body}"
    );
}

async fn pushed_requests_can_be_required(backend: Backend) {
    let env = TestEnv::new(backend).with_env("IDP_AUTHORIZATION__REQUIRE_PAR", "true");
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", "Example Web App", &[]);
    let server = env.start().await;
    let issuer = env.issuer();
    let discovery = server.get_json("/.well-known/openid-configuration").await;
    assert_eq!(discovery["require_pushed_authorization_requests"], true);
    let browser = Browser::new(&issuer);
    let request = AuthRequest::new(&web, "openid");
    let to = location(&browser.authorize(&request).await).unwrap();
    assert!(
        to.starts_with(&web.redirect_uri) && to.contains("error=invalid_request"),
        "{to}"
    );
    let (_, pushed) = push(&server, &web, &request.params).await;
    let uri = pushed["request_uri"].as_str().unwrap();
    let response = browser
        .http
        .get(front_channel(&issuer, &web.id, uri, &[]))
        .send()
        .await
        .unwrap();
    let landing = browser
        .follow(response, "alice", crate::support::PASSWORD, Decision::Allow)
        .await;
    landing.code(&request, &issuer);
}

/// `--require-par` asks it of one client; the others may still send the browser with the
/// request itself; `client edit --require-par false` lifts it.
async fn one_client_can_require_pushed_requests(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let strict = env.add_web_client("strict", "Strict App", &["--require-par"]);
    let relaxed = env.add_web_client("relaxed", "Relaxed App", &[]);
    let server = env.start().await;
    let browser = Browser::new(&env.issuer());
    let refused = location(
        &browser
            .authorize(&AuthRequest::new(&strict, "openid"))
            .await,
    )
    .unwrap();
    assert!(refused.contains("error=invalid_request"), "{refused}");
    let allowed = location(
        &browser
            .authorize(&AuthRequest::new(&relaxed, "openid"))
            .await,
    )
    .unwrap();
    assert!(allowed.starts_with("/login?req="), "{allowed}");
    let request = AuthRequest::new(&strict, "openid");
    let (status, pushed) = push(&server, &strict, &request.params).await;
    assert_eq!(status, 201, "{pushed}");
    env.cli_ok(&["client", "edit", "strict", "--require-par", "false"], "");
    let lifted = location(
        &browser
            .authorize(&AuthRequest::new(&strict, "openid"))
            .await,
    )
    .unwrap();
    assert!(lifted.starts_with("/login?req="), "{lifted}");
}
