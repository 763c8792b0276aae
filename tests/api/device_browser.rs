//! The device flow as a person does it, in headless Chromium: the device (this test) asks for
//! codes and polls the token endpoint the whole time, while the person types the user code on
//! `/device`, signs in and allows; then a second device, opened from its
//! `verification_uri_complete` link, is approved only once the person confirms the filled-in
//! code. The device pages pass axe.

use std::time::Duration;

use serde_json::Value;

use crate::axe::{check_page, install_axe};
use crate::device::{add_device_client, poll, poll_error, request_device, DeviceRequest};
use crate::on_both_backends;
use crate::support::{require, verify_with_jwks, Backend, Prerequisite, TestEnv, TestServer};
use crate::support::{WebClient, PASSWORD};
use crate::webdriver::Browser;

on_both_backends!(a_person_approves_a_device_in_chromium);

/// The button under the user code.
const CONTINUE: &str = "form[action='/device'] button[type=submit]";

/// From the login page the code led to: signs in as alice and waits for the consent page.
async fn sign_in_to_consent(browser: &Browser) {
    browser.wait_for_url(|u| u.contains("/login?")).await;
    browser.type_into("#username", "alice").await;
    browser.type_into("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    browser.wait_for_url(|u| u.contains("/consent")).await;
}

/// Polls as a device does, every `interval` seconds, until the tokens come; returns them and
/// how many `authorization_pending` answers came first.
async fn poll_until_tokens(
    server: &TestServer,
    client: &WebClient,
    device: &DeviceRequest,
) -> (Value, u32) {
    for pending in 0..120 {
        tokio::time::sleep(Duration::from_secs(device.interval)).await;
        let response = poll(server, client, &device.device_code).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        if status == 200 {
            return (body, pending);
        }
        assert_eq!(body["error"], "authorization_pending", "{body}");
    }
    panic!("the device never got its tokens");
}

async fn a_person_approves_a_device_in_chromium(backend: Backend) {
    if !require(Prerequisite::Browser) {
        return;
    }
    let env = TestEnv::new(backend).with_env("IDP_AUTHORIZATION__DEVICE_INTERVAL_SECS", "1");
    env.add_user("alice", "Alice Example");
    let tv = add_device_client(&env, "tvbox", "Living Room TV", &["--public"]);
    let server = std::sync::Arc::new(env.start().await);

    let device = request_device(&server, &tv, "openid profile offline_access").await;
    let polling = {
        let (server, tv) = (server.clone(), tv.clone());
        let device = device.clone();
        tokio::spawn(async move { poll_until_tokens(&server, &tv, &device).await })
    };
    let browser = Browser::start().await;
    browser.goto(&device.verification_uri).await;
    browser
        .type_into("#user_code", &device.user_code.to_lowercase())
        .await;
    browser.click(CONTINUE).await;
    sign_in_to_consent(&browser).await;
    assert!(browser.page_source().await.contains("Living Room TV"));
    browser.click("button[value=allow]").await;
    browser.wait_for_text("Device connected").await;

    let (tokens, pending) = polling.await.unwrap();
    assert!(pending >= 1, "the device polled while the person signed in");
    assert!(tokens["access_token"].is_string() && tokens["refresh_token"].is_string());
    let jwks = server.get_json("/jwks.json").await;
    let claims = verify_with_jwks(tokens["id_token"].as_str().unwrap(), &jwks);
    assert_eq!(claims["iss"], env.issuer());
    assert_eq!(claims["aud"], "tvbox");
    assert_eq!(claims["name"], "Alice Example");
    verify_with_jwks(tokens["access_token"].as_str().unwrap(), &jwks);
    let refreshed = crate::device::post_as(
        &server,
        &tv,
        "/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(refreshed.status(), 200);

    // From the link the device shows: the code is filled in, but nothing happens until the
    // person confirms it (then, signed in and having consented, nothing more is asked).
    let second = request_device(&server, &tv, "openid profile").await;
    browser.goto(&second.verification_uri_complete).await;
    assert_eq!(browser.value_of("#user_code").await, second.user_code);
    assert!(browser
        .page_source()
        .await
        .contains("Check that this is the code"));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        poll_error(&server, &tv, &second.device_code).await,
        "authorization_pending"
    );
    browser.click(CONTINUE).await;
    browser.wait_for_text("Device connected").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(poll(&server, &tv, &second.device_code).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_device_pages_pass_axe_and_fit_a_phone() {
    install_axe();
    if !require(Prerequisite::Browser) || !require(Prerequisite::Axe) {
        return;
    }
    let env = TestEnv::new(Backend::Sqlite);
    env.add_user("alice", "Alice Example");
    let tv = add_device_client(&env, "tvbox", "Living Room TV", &["--public"]);
    let server = env.start().await;
    let mut problems = Vec::new();
    let browser = Browser::start().await;
    let device = request_device(&server, &tv, "openid").await;
    browser.goto(&device.verification_uri).await;
    problems.extend(check_page(&browser, "device").await);
    browser.type_into("#user_code", "BCDF-GHJK").await;
    browser.click(CONTINUE).await;
    browser.wait_for_text("role=\"alert\"").await;
    problems.extend(check_page(&browser, "device-unknown").await);
    browser.goto(&device.verification_uri_complete).await;
    problems.extend(check_page(&browser, "device-prefilled").await);
    browser.click(CONTINUE).await;
    sign_in_to_consent(&browser).await;
    browser.click("button[value=allow]").await;
    browser.wait_for_text("Device connected").await;
    problems.extend(check_page(&browser, "device-connected").await);
    let denied = request_device(&server, &tv, "openid profile").await;
    browser.goto(&denied.verification_uri_complete).await;
    browser.click(CONTINUE).await;
    browser.wait_for_url(|u| u.contains("/consent")).await;
    browser.click("button[value=deny]").await;
    browser.wait_for_text("Device not connected").await;
    problems.extend(check_page(&browser, "device-denied").await);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
