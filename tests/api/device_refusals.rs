//! What the device flow refuses: another client's or an unknown device code, clients without
//! the grant, malformed requests (as OAuth error JSON), and user codes guessed faster than the
//! `device` rate limit allows.

use serde_json::Value;

use crate::device::DEVICE_GRANT;
use crate::device::{add_device_client, enter_code, poll_error, post_as, request_device};
use crate::on_both_backends;
use crate::support::{Backend, Browser, TestEnv};

on_both_backends!(
    device_codes_belong_to_their_client,
    bad_device_requests_get_oauth_errors,
    guessing_user_codes_is_rate_limited
);

async fn device_codes_belong_to_their_client(backend: Backend) {
    let env = TestEnv::new(backend);
    let tv = add_device_client(&env, "tvbox", "Living Room TV", &["--public"]);
    let other = add_device_client(&env, "radio", "Kitchen Radio", &[]);
    let web = env.add_web_client("webapp", "Web App", &[]);
    let server = env.start().await;
    let device = request_device(&server, &tv, "openid").await;
    assert_eq!(
        poll_error(&server, &other, &device.device_code).await,
        "invalid_grant"
    );
    assert_eq!(
        poll_error(&server, &tv, "no-such-code").await,
        "invalid_grant"
    );
    // A client without the grant may neither start nor poll.
    let refused = post_as(
        &server,
        &web,
        "/device_authorization",
        &[("scope", "openid")],
    )
    .await;
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized_client", "{body}");
    assert_eq!(
        poll_error(&server, &web, &device.device_code).await,
        "unauthorized_client"
    );
    // The owner can still use it: nothing above consumed it.
    assert_eq!(
        poll_error(&server, &tv, &device.device_code).await,
        "authorization_pending"
    );
}

async fn bad_device_requests_get_oauth_errors(backend: Backend) {
    let env = TestEnv::new(backend);
    let tv = add_device_client(&env, "tvbox", "Living Room TV", &["--public"]);
    let vault = add_device_client(&env, "vault", "Vault Box", &[]);
    let server = env.start().await;
    let url = server.url("/device_authorization");
    let error = |response: reqwest::Response, status: u16, expected: &'static str| async move {
        assert_eq!(response.status(), status);
        let body: Value = response.json().await.expect("OAuth error JSON");
        assert_eq!(body["error"], expected, "{body}");
    };
    let send = |body: &'static str| {
        server
            .http
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    error(
        send("client_id=tvbox&scope=openid%20email").await.unwrap(),
        400,
        "invalid_scope",
    )
    .await;
    error(send("client_id=tvbox").await.unwrap(), 400, "invalid_scope").await;
    error(
        send("client_id=tvbox&scope=openid&scope=profile")
            .await
            .unwrap(),
        400,
        "invalid_request",
    )
    .await;
    error(
        send("client_id=nobody&scope=openid").await.unwrap(),
        401,
        "invalid_client",
    )
    .await;
    error(send("scope=openid").await.unwrap(), 401, "invalid_client").await;
    // A confidential client must authenticate; its id alone is not enough.
    error(
        send("client_id=vault&scope=openid").await.unwrap(),
        401,
        "invalid_client",
    )
    .await;
    let json = server
        .http
        .post(&url)
        .json(&serde_json::json!({"client_id": "tvbox"}));
    error(json.send().await.unwrap(), 400, "invalid_request").await;
    let get = server.http.get(&url).send().await.unwrap();
    assert!(get.status().is_client_error(), "{}", get.status());
    // With its secret (HTTP Basic) it may.
    request_device(&server, &vault, "openid").await;
    // A device code is not an authorization code, nor the other way round.
    let device = request_device(&server, &tv, "openid").await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", device.device_code.as_str()),
    ];
    let response = post_as(&server, &tv, "/token", &form).await;
    assert_eq!(response.status(), 400);
    let form = [("grant_type", DEVICE_GRANT)];
    error(
        post_as(&server, &tv, "/token", &form).await,
        400,
        "invalid_request",
    )
    .await;
    // Discovery advertises the endpoint and the grant.
    let metadata = server.get_json("/.well-known/openid-configuration").await;
    assert_eq!(
        metadata["device_authorization_endpoint"],
        server.url("/device_authorization")
    );
    let grants = metadata["grant_types_supported"].as_array().unwrap();
    assert!(grants.iter().any(|g| g == DEVICE_GRANT), "{metadata}");
}

async fn guessing_user_codes_is_rate_limited(backend: Backend) {
    let env = TestEnv::new(backend).with_env("IDP_RATE_LIMIT__DEVICE", "5");
    env.add_user("alice", "Alice Example");
    let tv = add_device_client(&env, "tvbox", "Living Room TV", &["--public"]);
    let server = env.start().await;
    let device = request_device(&server, &tv, "openid").await;
    let mallory = Browser::new(&env.issuer());
    crate::support::room_in_window(60, 10).await;
    for guess in [
        "BCDF-GHJK",
        "ZZZZ-ZZZZ",
        "XXXX-XXXX",
        "not a code",
        "QQQQ-QQQQ",
    ] {
        let response = enter_code(&mallory, guess).await;
        assert_eq!(response.status(), 400, "{guess}");
    }
    // The sixth guess in the window is refused before any lookup, even the right code.
    let limited = enter_code(&mallory, &device.user_code).await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(
        poll_error(&server, &tv, &device.device_code).await,
        "authorization_pending"
    );
}
