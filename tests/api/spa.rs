//! A single-page app in a real browser: oidc-client-ts (the npm package, installed under
//! target/) in headless Chromium, served from its own loopback origin, as a public client with
//! PKCE. Every token, userinfo and revocation request is a cross-origin `fetch`, so the browser
//! withholds any answer that lacks the right CORS headers.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{
    npm_install, require, Backend, Prerequisite, TestEnv, OFFLINE_SCOPES, PASSWORD,
};
use crate::webdriver;

/// Where the npm package is installed (by `.ci/run`, or by this test on its first run).
pub fn spa_library_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/spa-node")
}

pub fn spa_library() -> PathBuf {
    spa_library_dir().join("node_modules/oidc-client-ts/dist/browser/oidc-client-ts.min.js")
}

/// Serves the app's files on a loopback port of its own (another origin than the provider's);
/// returns its origin.
fn serve_app(issuer: &str, client_id: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let page = include_str!("spa/app.html").to_string();
    let script = include_str!("spa/app.js")
        .replace("__ISSUER__", issuer)
        .replace("__CLIENT_ID__", client_id);
    let library = std::fs::read_to_string(spa_library()).unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap_or(0);
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                    break;
                }
            }
            let target = line.split_whitespace().nth(1).unwrap_or("/");
            let path = target.split('?').next().unwrap_or("/");
            let (status, kind, body) = match path {
                "/app.html" | "/callback.html" => ("200 OK", "text/html", page.as_str()),
                "/logged-out.html" => ("200 OK", "text/html", "<h1 id=\"bye\">Signed out</h1>"),
                "/app.js" => ("200 OK", "text/javascript", script.as_str()),
                "/oidc-client-ts.min.js" => ("200 OK", "text/javascript", library.as_str()),
                _ => ("404 Not Found", "text/plain", "not found"),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\ncontent-type: {kind}; charset=utf-8\r\ncontent-length: {}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
    });
    origin
}

/// Waits until the browser is at a URL `done` accepts; fails at once on the app's error.
async fn wait_for_url(browser: &webdriver::Browser, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let url = browser.current_url().await;
        if done(&url) {
            return url;
        }
        // (The page's source, not its element: the page may be unloading.)
        let source = browser.page_source().await;
        if let Some((_, error)) = source.split_once("<output id=\"error\">error: ") {
            panic!(
                "the app failed at {url}: {}",
                error.split('<').next().unwrap()
            );
        }
        assert!(Instant::now() < deadline, "browser stuck at {url}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the page writes into `<output id=…>`; fails at once on the page's error.
async fn output(browser: &webdriver::Browser, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let error = browser.value_of("#error").await;
        assert!(error.is_empty(), "the app failed before #{id}: {error}");
        let value = browser.value_of(&format!("#{id}")).await;
        if !value.is_empty() {
            return serde_json::from_str(&value).unwrap_or(Value::String(value));
        }
        assert!(
            Instant::now() < deadline,
            "#{id} stayed empty at {}",
            browser.current_url().await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_page_app_signs_in_refreshes_and_signs_out_across_origins() {
    if !require(Prerequisite::Browser) {
        return;
    }
    npm_install(&spa_library_dir(), "oidc-client-ts@3", &spa_library());
    if !require(Prerequisite::SpaLibrary) {
        return;
    }
    let env = TestEnv::new(Backend::Sqlite);
    env.add_user("alice", "Alice Example");
    let server = env.start().await;
    let issuer = env.issuer();
    let origin = serve_app(&issuer, "spa");
    // The app's origin is allowed because it is its redirect URIs' origin.
    let redirect_uri = format!("{origin}/callback.html");
    let logged_out = format!("{origin}/logged-out.html");
    let mut args = vec![
        "client",
        "add",
        "--name",
        "Single-page app",
        "--id",
        "spa",
        "--public",
        "--redirect-uri",
        &redirect_uri,
        "--post-logout-redirect-uri",
        &logged_out,
    ];
    args.extend_from_slice(OFFLINE_SCOPES);
    env.cli_ok(&args, "");

    let browser = webdriver::Browser::start().await;
    browser.goto(&format!("{origin}/app.html")).await;
    browser.click("#signin").await;
    wait_for_url(&browser, |u| u.contains("/login?")).await;
    browser.type_into("#username", "alice").await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("button[type=submit]").await;
    browser.wait_for_url(|u| u.contains("/consent")).await;
    browser.click("button[value=allow]").await;
    browser
        .wait_for_url(|u| u.starts_with(&format!("{origin}/app.html")))
        .await;
    let user = output(&browser, "user").await;
    assert_eq!(user["name"], "Alice Example", "{user}");
    assert_eq!(user["has_refresh_token"], true, "{user}");
    let sub = user["sub"].as_str().unwrap().to_string();

    browser.click("#userinfo").await;
    let info = output(&browser, "userinfo-out").await;
    assert_eq!(info["status"], 200, "{info}");
    assert_eq!(info["body"]["sub"], sub.as_str(), "{info}");
    assert_eq!(info["body"]["name"], "Alice Example", "{info}");

    // Two silent renewals with the refresh token, each rotating it.
    browser.click("#renew").await;
    let renewed = output(&browser, "renew-out").await;
    assert_eq!(renewed["refresh_tokens_rotated"], true, "{renewed}");
    assert_eq!(renewed["access_tokens_new"], true, "{renewed}");
    assert_eq!(renewed["sub_kept"], true, "{renewed}");
    assert_eq!(renewed["userinfo"]["status"], 200, "{renewed}");
    assert_eq!(renewed["userinfo"]["body"]["sub"], sub.as_str());
    browser.screenshot("spa-renewed").await;

    // Revoked from the page; the 401 that follows is readable by it too.
    browser.click("#revoke").await;
    let revoked = output(&browser, "revoke-out").await;
    assert_eq!(revoked["status"], 401, "{revoked}");
    assert!(
        revoked["www_authenticate"]
            .as_str()
            .is_some_and(|v| v.contains("invalid_token")),
        "{revoked}"
    );

    // Sign-out goes to the end-session endpoint with the ID token as hint, and comes back.
    browser.click("#signout").await;
    wait_for_url(&browser, |u| u.starts_with(&logged_out)).await;
    browser.wait_for_text("Signed out").await;
    // The session is gone: signing in again asks for the password.
    browser.goto(&format!("{origin}/app.html")).await;
    browser.click("#signin").await;
    wait_for_url(&browser, |u| u.contains("/login?")).await;
    // And the refresh token the app held first was rotated away long ago.
    let used = renewed["first_refresh_token"].as_str().unwrap();
    let refused = server
        .http
        .post(server.url("/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", used),
            ("client_id", "spa"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    drop(server);
}
