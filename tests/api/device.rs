//! The device authorization grant (RFC 8628) over HTTP: a device asks `/device_authorization`
//! for codes, a person enters the user code on `/device` (signing in and consenting through the
//! same pipeline as `/authorize`), and the device polls `/token`. The Chromium walk is in
//! device_browser.rs, refusals in device_refusals.rs, two nodes in device_nodes.rs.

use std::time::Duration;

use serde_json::Value;

use crate::on_both_backends;
use crate::support::TestServer;
use crate::support::{input_value, location, run_sql, Backend, Browser, Decision, TestEnv};
use crate::support::{Form, WebClient, PASSWORD};

pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

on_both_backends!(
    a_device_is_approved_once_and_denied_as_asked,
    polling_too_fast_slows_down_and_codes_expire,
    the_pipeline_applies_consent_and_second_factor_rules
);

/// A device's request, as `/device_authorization` answered it.
#[derive(Clone)]
pub struct DeviceRequest {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: String,
    pub interval: u64,
}

/// Registers a device client (no redirect URI: the grant needs none); public unless `secret`.
pub fn add_device_client(env: &TestEnv, id: &str, name: &str, extra: &[&str]) -> WebClient {
    let mut args = vec!["client", "add", "--name", name, "--id", id];
    args.extend(["--grant", DEVICE_GRANT, "--grant", "refresh_token"]);
    args.extend(["--scope", "openid", "--scope", "profile"]);
    args.extend(["--scope", "offline_access"]);
    args.extend_from_slice(extra);
    let out = env.cli_ok(&args, "");
    let secret = out
        .lines()
        .find_map(|l| l.strip_prefix("client_secret: "))
        .map(|s| s.trim().to_string());
    WebClient {
        id: id.to_string(),
        secret,
        redirect_uri: String::new(),
    }
}

/// POSTs `form` to `path` as `client` (HTTP Basic when confidential, `client_id` when public).
pub async fn post_as(
    server: &TestServer,
    client: &WebClient,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = server.http.post(server.url(path));
    let mut form = form.to_vec();
    match &client.secret {
        Some(secret) => request = request.basic_auth(&client.id, Some(secret)),
        None => form.push(("client_id", &client.id)),
    }
    request.form(&form).send().await.unwrap()
}

pub async fn request_device(server: &TestServer, client: &WebClient, scope: &str) -> DeviceRequest {
    let response = post_as(server, client, "/device_authorization", &[("scope", scope)]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    let text = |name: &str| {
        body[name]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: {body}"))
    };
    let user_code = text("user_code").to_string();
    assert_eq!(user_code.len(), 9, "{body}");
    assert!(user_code[..4]
        .chars()
        .chain(user_code[5..].chars())
        .all(|c| "BCDFGHJKLMNPQRSTVWXZ".contains(c)));
    assert_eq!(text("verification_uri"), server.url("/device"));
    let complete = format!("{}?user_code={}", server.url("/device"), user_code);
    assert_eq!(text("verification_uri_complete"), complete);
    assert!(body["expires_in"].as_i64().unwrap() > 0);
    DeviceRequest {
        device_code: text("device_code").to_string(),
        user_code,
        verification_uri: text("verification_uri").to_string(),
        verification_uri_complete: complete,
        interval: body["interval"].as_u64().unwrap(),
    }
}

pub async fn poll(server: &TestServer, client: &WebClient, device_code: &str) -> reqwest::Response {
    let form = [("grant_type", DEVICE_GRANT), ("device_code", device_code)];
    post_as(server, client, "/token", &form).await
}

/// The `error` of a refused poll (status 400).
pub async fn poll_error(server: &TestServer, client: &WebClient, device_code: &str) -> String {
    let response = poll(server, client, device_code).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 400, "{body}");
    body["error"].as_str().unwrap().to_string()
}

/// Enters `user_code` on `/device` as a person with `browser`; returns the response.
pub async fn enter_code(browser: &Browser, user_code: &str) -> reqwest::Response {
    let page = browser.get("/device").await.text().await.unwrap();
    let csrf = input_value(&page, "csrf").expect("a CSRF field");
    let form = [("user_code", user_code), ("csrf", &csrf)];
    let url = browser.resolve("/device");
    browser.http.post(url).form(&form).send().await.unwrap()
}

/// What the person saw after entering a code: the pages on the way and the last one.
pub struct Walk {
    pub saw_login: bool,
    pub saw_consent: bool,
    pub last: String,
}

/// Follows the person's way from `response`: redirects, the login page (as `username`) and the
/// consent page (answered with `decision`), until a page that is neither.
pub async fn walk(
    browser: &Browser,
    mut response: reqwest::Response,
    username: &str,
    decision: Decision,
) -> Walk {
    let (mut saw_login, mut saw_consent) = (false, false);
    for _ in 0..10 {
        if response.status().is_redirection() {
            let next = location(&response).unwrap();
            response = browser.get(&next).await;
            continue;
        }
        let html = response.text().await.unwrap();
        if html.contains("action=\"/login\"") && !saw_login {
            saw_login = true;
            let form = Form::parse(&html);
            response = browser.post_login(&form, username, PASSWORD).await;
        } else if html.contains("action=\"/consent\"") && !saw_consent {
            saw_consent = true;
            response = browser.post_consent(&Form::parse(&html), decision).await;
        } else {
            return Walk {
                saw_login,
                saw_consent,
                last: html,
            };
        }
    }
    panic!("the person never reached the end");
}

async fn a_device_is_approved_once_and_denied_as_asked(backend: Backend) {
    let env = TestEnv::new(backend).with_env("IDP_AUTHORIZATION__DEVICE_INTERVAL_SECS", "1");
    env.add_user("alice", "Alice Example");
    let tv = add_device_client(&env, "tvbox", "Living Room TV", &["--public"]);
    let server = env.start().await;

    // Approved: pending until the person allows, then one exchange wins of two at once.
    let device = request_device(&server, &tv, "openid offline_access").await;
    assert_eq!(device.interval, 1);
    assert_eq!(
        poll_error(&server, &tv, &device.device_code).await,
        "authorization_pending"
    );
    let alice = Browser::new(&env.issuer());
    let response = enter_code(&alice, &device.user_code.to_lowercase().replace('-', " ")).await;
    let walked = walk(&alice, response, "alice", Decision::Allow).await;
    assert!(walked.saw_login && walked.saw_consent);
    assert!(walked.last.contains("Device connected"), "{}", walked.last);
    assert!(walked.last.contains("Living Room TV"));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (a, b) = tokio::join!(
        poll(&server, &tv, &device.device_code),
        poll(&server, &tv, &device.device_code)
    );
    let statuses = [a.status().as_u16(), b.status().as_u16()];
    assert!(
        statuses.contains(&200) && statuses.contains(&400),
        "{statuses:?}"
    );
    let winner: Value = if statuses[0] == 200 { a } else { b }.json().await.unwrap();
    assert!(winner["access_token"].is_string() && winner["id_token"].is_string());
    assert!(
        winner["refresh_token"].is_string(),
        "offline_access was granted: {winner}"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        poll_error(&server, &tv, &device.device_code).await,
        "invalid_grant"
    );
    // The code was used up: entering it again is refused too.
    let again = enter_code(&alice, &device.user_code).await;
    assert_eq!(again.status(), 400);
    assert!(again
        .text()
        .await
        .unwrap()
        .contains("not valid or has expired"));

    // Denied: the device hears access_denied.
    let device = request_device(&server, &tv, "openid profile").await;
    let response = enter_code(&alice, &device.user_code).await;
    let walked = walk(&alice, response, "alice", Decision::Deny).await;
    assert!(!walked.saw_login, "still signed in");
    assert!(walked.saw_consent, "profile was never allowed");
    assert!(
        walked.last.contains("Device not connected"),
        "{}",
        walked.last
    );
    assert_eq!(
        poll_error(&server, &tv, &device.device_code).await,
        "access_denied"
    );

    let audit = env.cli_ok(&["audit", "list"], "");
    assert!(
        audit.contains("device_approved") && audit.contains("device_denied"),
        "{audit}"
    );
    for code in [&device.device_code, &device.user_code] {
        assert!(!audit.contains(code.as_str()) && !server.output().contains(code.as_str()));
    }
}

async fn polling_too_fast_slows_down_and_codes_expire(backend: Backend) {
    let env = TestEnv::new(backend)
        .with_env("IDP_AUTHORIZATION__DEVICE_INTERVAL_SECS", "2")
        .with_env("IDP_AUTHORIZATION__DEVICE_CODE_TTL_SECS", "5");
    env.add_user("alice", "Alice Example");
    let tv = add_device_client(&env, "tvbox", "Living Room TV", &["--public"]);
    let server = env.start().await;
    let device = request_device(&server, &tv, "openid").await;
    assert_eq!(device.interval, 2);
    assert_eq!(
        poll_error(&server, &tv, &device.device_code).await,
        "authorization_pending"
    );
    assert_eq!(
        poll_error(&server, &tv, &device.device_code).await,
        "slow_down"
    );
    // The interval is now 7 s: a poll after the first 2 s is still too fast.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        poll_error(&server, &tv, &device.device_code).await,
        "slow_down"
    );
    // Past its 5 s: expired, for the device and for the person.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert_eq!(
        poll_error(&server, &tv, &device.device_code).await,
        "expired_token"
    );
    let alice = Browser::new(&env.issuer());
    let entered = enter_code(&alice, &device.user_code).await;
    assert_eq!(entered.status(), 400);
    // Only digests are stored; the purge removes the expired request, which is then unknown.
    let normalized = device.user_code.replace('-', "");
    let plain = format!(
        "UPDATE device_authorizations SET scope = scope WHERE device_code_hash = '{}' \
         OR user_code_hash IN ('{}', '{normalized}')",
        device.device_code, device.user_code
    );
    assert_eq!(run_sql(&env, &plain), 0);
    assert_eq!(
        run_sql(&env, "UPDATE device_authorizations SET scope = scope"),
        1
    );
    let mut conn = crate::store::connect(&env);
    let now = crate::support::unix_now();
    let purge = idp::store::purge::Purge::new(now, now);
    let purged = idp::store::purge::run(&mut conn, purge, |_| {}).unwrap();
    assert!(purged.removed >= 1);
    assert_eq!(
        run_sql(&env, "UPDATE device_authorizations SET scope = scope"),
        0
    );
    assert_eq!(
        poll_error(&server, &tv, &device.device_code).await,
        "invalid_grant"
    );
}

async fn the_pipeline_applies_consent_and_second_factor_rules(backend: Backend) {
    let env = TestEnv::new(backend).with_env("IDP_AUTHORIZATION__DEVICE_INTERVAL_SECS", "1");
    env.add_user("alice", "Alice Example");
    let tv = add_device_client(&env, "tvbox", "Living Room TV", &["--public"]);
    let safe = add_device_client(&env, "safe", "Safe Box", &["--public", "--require-mfa"]);
    let server = env.start().await;
    let alice = Browser::new(&env.issuer());

    // A consent once given is remembered: the second device of the same client needs none.
    let first = request_device(&server, &tv, "openid profile").await;
    let walked = walk(
        &alice,
        enter_code(&alice, &first.user_code).await,
        "alice",
        Decision::Allow,
    )
    .await;
    assert!(walked.saw_login && walked.saw_consent);
    let second = request_device(&server, &tv, "openid").await;
    let walked = walk(
        &alice,
        enter_code(&alice, &second.user_code).await,
        "alice",
        Decision::Allow,
    )
    .await;
    assert!(!walked.saw_login && !walked.saw_consent, "{}", walked.last);
    assert!(walked.last.contains("Device connected"));
    let tokens: Value = poll(&server, &tv, &second.device_code)
        .await
        .json()
        .await
        .unwrap();
    let claims = id_token_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(claims["aud"], "tvbox");
    assert_eq!(claims["amr"], serde_json::json!(["pwd"]), "{claims}");

    // A client that requires a second factor gets no approval from a password-only session.
    let device = request_device(&server, &safe, "openid").await;
    let mut response = enter_code(&alice, &device.user_code).await;
    while response.status().is_redirection() {
        let next = location(&response).unwrap();
        if next.contains("/login/second-factor") || next.contains("/account/totp") {
            break;
        }
        response = alice.get(&next).await;
    }
    let next = location(&response).unwrap_or_default();
    assert!(
        next.contains("second-factor") || next.contains("totp"),
        "{next}"
    );
    assert_eq!(
        poll_error(&server, &safe, &device.device_code).await,
        "authorization_pending"
    );
}

/// The claims of a JWT, unverified (device_browser.rs verifies against /jwks).
fn id_token_claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}
