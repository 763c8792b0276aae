//! OpenID Connect Front-Channel Logout: after RP-initiated logout, the signed-out page loads
//! one hidden iframe per client of the ended session that registered a
//! `frontchannel_logout_uri` (with `iss` and `sid` when the client asked), under a policy that
//! frames exactly those origins, then goes on to the post-logout redirect URI. Chromium loads
//! it, and the relying parties' endpoints (a receiver started here) record the iframes.

use std::time::Duration;

use reqwest::StatusCode;

use crate::account::id_token_claims;
use crate::on_both_backends;
use crate::receiver::Receiver;
use crate::support::{
    require, Backend, Browser, Prerequisite, TestEnv, WebClient, PASSWORD, REDIRECT_URI,
};
use crate::webdriver;

on_both_backends!(
    the_signed_out_page_frames_exactly_the_sessions_clients,
    signing_out_everywhere_on_the_account_page_tells_every_client,
    a_browser_loads_the_front_channel_frames_then_returns,
);

/// Registers `id` with its front-channel URI on `receiver` (`/fcl/{id}?tenant=7`), asking for
/// `iss` and `sid` when `session`, and `{receiver}/after` to return to after logout.
fn client_with_frontchannel(
    env: &TestEnv,
    receiver: &Receiver,
    id: &str,
    redirect_uri: &str,
    session: bool,
) -> WebClient {
    let front = receiver.url(&format!("/fcl/{id}?tenant=7"));
    let after = receiver.url("/after");
    let mut args = vec![
        "client",
        "add",
        "--name",
        id,
        "--id",
        id,
        "--redirect-uri",
        redirect_uri,
        "--post-logout-redirect-uri",
        &after,
        "--frontchannel-logout-uri",
        &front,
    ];
    if session {
        args.push("--frontchannel-logout-session-required");
    }
    let out = env.cli_ok(&args, "");
    let secret = out
        .lines()
        .find_map(|l| l.strip_prefix("client_secret: "))
        .map(|s| s.trim().to_string());
    WebClient {
        id: id.to_string(),
        secret,
        redirect_uri: redirect_uri.to_string(),
    }
}

async fn the_signed_out_page_frames_exactly_the_sessions_clients(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice");
    let receiver = Receiver::ok().await;
    let app = client_with_frontchannel(&env, &receiver, "app", REDIRECT_URI, true);
    let quiet = client_with_frontchannel(&env, &receiver, "quiet", REDIRECT_URI, false);
    client_with_frontchannel(&env, &receiver, "unused", REDIRECT_URI, true);
    let server = env.start().await;
    let browser = Browser::new(&env.issuer());
    let tokens = browser.tokens(&server, &app, "openid", "alice").await;
    browser.tokens(&server, &quiet, "openid", "alice").await;
    let sid = id_token_claims(&server, &tokens).await["sid"]
        .as_str()
        .unwrap()
        .to_string();

    let logout = url::Url::parse_with_params(
        &server.url("/logout"),
        [
            ("id_token_hint", tokens["id_token"].as_str().unwrap()),
            ("post_logout_redirect_uri", &receiver.url("/after")),
            ("state", "s-1"),
        ],
    )
    .unwrap();
    let response = browser.get(logout.as_str()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        policy.contains(&format!("frame-src {};", receiver.base))
            && policy.contains("script-src 'self';")
            && policy.contains("frame-ancestors 'none'"),
        "{policy}"
    );
    let html = unescape(&response.text().await.unwrap());
    let issuer = env.issuer();
    let with_session = url::Url::parse_with_params(
        &receiver.url("/fcl/app?tenant=7"),
        [("iss", issuer.as_str()), ("sid", sid.as_str())],
    )
    .unwrap();
    let frames: Vec<&str> = html
        .split("<iframe ")
        .skip(1)
        .filter_map(|tag| tag.split("src=\"").nth(1)?.split('"').next())
        .collect();
    let expected = [
        with_session.to_string(),
        receiver.url("/fcl/quiet?tenant=7"),
    ];
    assert_eq!(frames, expected, "{html}");
    assert!(html.contains("hidden"), "{html}");
    let back = format!("{}?state=s-1", receiver.url("/after"));
    assert!(
        html.contains(&format!("href=\"{back}\"")),
        "a link without script: {html}"
    );
    assert!(html.contains("<script src=\"/static/signed-out.js\"></script>"));
    // Signed out: another logout shows the page without frames, and goes straight back.
    let response = browser.get(logout.as_str()).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let response = browser.get("/account").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

/// "Sign out everywhere" on /account ends this browser's session and another one: each gets its
/// logout token, and this browser's signed-out page frames the client of its own session only.
async fn signing_out_everywhere_on_the_account_page_tells_every_client(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice");
    let receiver = Receiver::ok().await;
    let (front, back) = (receiver.url("/fcl/app"), receiver.url("/bcl/app"));
    let app = env.add_web_client(
        "app",
        "App",
        &[
            "--frontchannel-logout-uri",
            &front,
            "--frontchannel-logout-session-required",
            "--backchannel-logout-uri",
            &back,
        ],
    );
    let server = env.start().await;
    let mut sids = Vec::new();
    let here = Browser::new(&env.issuer());
    let there = Browser::new(&env.issuer());
    for browser in [&here, &there] {
        let tokens = browser.tokens(&server, &app, "openid", "alice").await;
        let sid = id_token_claims(&server, &tokens).await["sid"].clone();
        sids.push(sid.as_str().unwrap().to_string());
    }
    let html = here.get("/account").await.text().await.unwrap();
    assert!(
        html.contains("action=\"/account/sessions/end-all\""),
        "{html}"
    );
    let csrf = crate::support::input_value(&html, "csrf").unwrap();
    // Not without the form's CSRF token.
    let forged = crate::account::post(&here, "/account/sessions/end-all", &[("csrf", "x")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let still = here.get("/account").await.status();
    assert_eq!(still, StatusCode::OK, "still signed in");
    let response =
        crate::account::post(&here, "/account/sessions/end-all", &[("csrf", &csrf)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = unescape(&response.text().await.unwrap());
    assert!(
        html.contains(&format!("sid={}", sids[0])),
        "this session's frame: {html}"
    );
    assert!(!html.contains(&sids[1]), "not the other browser's: {html}");
    for browser in [&here, &there] {
        let response = browser.get("/account").await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "signed out");
    }
    let got = receiver
        .wait_for("/bcl/app", 2, Duration::from_secs(15))
        .await;
    let jwks = server.get_json("/jwks.json").await;
    let mut told: Vec<String> = got
        .iter()
        .map(|r| {
            let claims = crate::support::verify_with_jwks(&r.form()["logout_token"], &jwks);
            claims["sid"].as_str().unwrap().to_string()
        })
        .collect();
    told.sort();
    sids.sort();
    assert_eq!(told, sids, "one logout token per session");
}

/// The page's HTML with the entities the template's escaping makes turned back into characters.
fn unescape(html: &str) -> String {
    [
        ("&#38;", "&"),
        ("&amp;", "&"),
        ("&#x2f;", "/"),
        ("&#47;", "/"),
        ("&#61;", "="),
    ]
    .iter()
    .fold(html.to_string(), |text, (entity, c)| {
        text.replace(entity, c)
    })
}

async fn a_browser_loads_the_front_channel_frames_then_returns(backend: Backend) {
    if !require(Prerequisite::Browser) {
        return;
    }
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice");
    let receiver = Receiver::ok().await;
    let (redirect_uri, callbacks) = webdriver::callback_listener();
    let app = client_with_frontchannel(&env, &receiver, "app", &redirect_uri, true);
    let quiet = client_with_frontchannel(&env, &receiver, "quiet", &redirect_uri, false);
    client_with_frontchannel(&env, &receiver, "unused", &redirect_uri, true);
    let server = env.start().await;

    let chromium = webdriver::Browser::start().await;
    let mut sid = None;
    for client in [&app, &quiet] {
        let request = crate::support::AuthRequest::new(client, "openid");
        chromium.goto(&request.url(&env.issuer())).await;
        let first = sid.is_none();
        if first {
            chromium.wait_for_url(|u| u.contains("/login?")).await;
            chromium.type_into("#username", "alice").await;
            chromium.type_into("#password", PASSWORD).await;
            chromium.click("button[type=submit]").await;
        }
        chromium.wait_for_url(|u| u.contains("/consent?req=")).await;
        chromium.click("button[value=allow]").await;
        chromium
            .wait_for_url(|u| u.starts_with(&redirect_uri))
            .await;
        let target = callbacks
            .recv_timeout(Duration::from_secs(10))
            .expect("callback reached")
            .target;
        let landed = url::Url::parse(&format!("http://127.0.0.1{target}")).unwrap();
        let code = landed
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .unwrap();
        if first {
            let response = client.redeem(&server, &code, &request.verifier).await;
            let tokens: serde_json::Value = response.json().await.unwrap();
            sid = Some(id_token_claims(&server, &tokens).await["sid"].clone());
        }
    }

    // The relying party asks to log out without a hint: the person confirms.
    let logout = url::Url::parse_with_params(
        &server.url("/logout"),
        [
            ("client_id", "app"),
            ("post_logout_redirect_uri", &receiver.url("/after")),
            ("state", "s-2"),
        ],
    )
    .unwrap();
    chromium.goto(logout.as_str()).await;
    chromium.wait_for_text("Sign out").await;
    chromium.screenshot("frontchannel-01-confirm").await;
    chromium.click("button[type=submit]").await;
    let after = receiver.url("/after");
    let landed = chromium.wait_for_url(|u| u.starts_with(&after)).await;
    assert!(landed.ends_with("?state=s-2"), "{landed}");

    let framed = receiver.at("/fcl/app");
    assert_eq!(framed.len(), 1, "{:?}", receiver.all());
    assert_eq!(framed[0].method, "GET");
    let query = framed[0].query();
    assert_eq!(query.get("iss"), Some(&env.issuer()));
    assert_eq!(
        query.get("sid").map(String::as_str),
        sid.as_ref().unwrap().as_str()
    );
    assert_eq!(query.get("tenant").map(String::as_str), Some("7"));
    let quiet_frames = receiver.at("/fcl/quiet");
    assert_eq!(quiet_frames.len(), 1);
    assert!(!quiet_frames[0].target.contains("sid="), "not asked for");
    assert!(receiver.at("/fcl/unused").is_empty(), "not of this session");
}
