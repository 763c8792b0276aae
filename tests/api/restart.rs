//! Restart safety. SIGKILL under load loses nothing the server had answered as done: every
//! refresh token and code it returned is committed before the response, so it still works after
//! a restart, and so does the browser session. SIGTERM lets in-flight requests finish and exits
//! 0 within the shutdown timeout.

use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;

use crate::on_both_backends;
use crate::support::{
    location, query_params, AuthRequest, Backend, Browser, Decision, Form, TestEnv, WebClient,
    OFFLINE_SCOPES, PASSWORD,
};

on_both_backends!(
    sigkill_under_load_loses_nothing_answered,
    sigterm_drains_and_exits_cleanly
);

const OFFLINE: &str = "openid profile email offline_access";
/// Concurrent clients issuing and refreshing tokens while the server is killed (as many as the
/// `tokio::join!` below runs).
const TASKS: usize = 4;
/// `app::build`'s graceful shutdown timeout.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

/// What the load got from the server and has not presented since: each must still work.
#[derive(Default)]
struct Held {
    /// Refresh tokens returned in a 200.
    refresh_tokens: Vec<String>,
    /// Codes returned in a redirect, with their PKCE verifiers.
    codes: Vec<(String, String)>,
    /// Successful token responses, to show the load really ran.
    answered: usize,
}

/// Whether a request failed because the server went away (the only failure the load expects).
fn gone(err: &reqwest::Error) -> bool {
    err.is_connect() || err.is_request() || err.is_body() || err.is_decode()
}

/// One client: repeatedly gets a code (the browser's session and consent make that one request),
/// holds it or redeems it, and refreshes the refresh token it got once; holds the new one. Stops
/// when the server is gone. Any answer other than success fails the test.
async fn load(browser: &Browser, web: &WebClient, issuer: &str, held: &Mutex<Held>) {
    let base = issuer;
    let http = &browser.http;
    for i in 0.. {
        let request = AuthRequest::new(web, OFFLINE);
        let response = match http.get(request.url(base)).send().await {
            Ok(response) => response,
            Err(err) if gone(&err) => return,
            Err(err) => panic!("authorize: {err}"),
        };
        assert_eq!(response.status(), 303, "authorize under load");
        let landing = url::Url::parse(&location(&response).unwrap()).unwrap();
        let code = query_params(&landing)
            .remove("code")
            .unwrap_or_else(|| panic!("no code in {landing}"));
        if i % 3 == 0 {
            held.lock().unwrap().codes.push((code, request.verifier));
            continue;
        }
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", web.redirect_uri.as_str()),
            ("code_verifier", request.verifier.as_str()),
        ];
        let Some(tokens) = token_call(http, base, web, &form).await else {
            return;
        };
        held.lock().unwrap().answered += 1;
        // This token is presented right away: if the server dies before answering, whether the
        // rotation was committed is unknown, so it is not held.
        let first = tokens["refresh_token"].as_str().unwrap().to_string();
        let form = [("grant_type", "refresh_token"), ("refresh_token", &first)];
        let Some(tokens) = token_call(http, base, web, &form).await else {
            return;
        };
        let mut held = held.lock().unwrap();
        held.answered += 1;
        held.refresh_tokens
            .push(tokens["refresh_token"].as_str().unwrap().to_string());
    }
}

/// A token request as the confidential `web` client: the JSON of a 200, or `None` when the
/// server is gone.
async fn token_call(
    http: &reqwest::Client,
    base: &str,
    web: &WebClient,
    form: &[(&str, &str)],
) -> Option<Value> {
    let sent = http
        .post(format!("{base}/token"))
        .basic_auth(&web.id, web.secret.as_deref())
        .form(form)
        .send()
        .await;
    let response = match sent {
        Ok(response) => response,
        Err(err) if gone(&err) => return None,
        Err(err) => panic!("token: {err}"),
    };
    let status = response.status();
    let text = match response.text().await {
        Ok(text) => text,
        Err(err) if gone(&err) => return None,
        Err(err) => panic!("token body: {err}"),
    };
    assert_eq!(status, 200, "token request under load: {text}");
    Some(serde_json::from_str(&text).unwrap())
}

async fn sigkill_under_load_loses_nothing_answered(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", "Example Web App", OFFLINE_SCOPES);
    let issuer = env.issuer();
    let server = env.start().await;

    // Sign in once per client; afterwards each code is one request.
    let browsers: Vec<Browser> = (0..TASKS).map(|_| Browser::new(&issuer)).collect();
    for browser in &browsers {
        let request = AuthRequest::new(&web, OFFLINE);
        let landing = browser.sign_in(&request, "alice", Decision::Allow).await;
        landing.code(&request, &issuer);
    }

    let held = Mutex::new(Held::default());
    let kill_after_load = async {
        // Let the load run, then kill the server in the middle of it.
        loop {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if held.lock().unwrap().answered >= 40 {
                break;
            }
        }
        server.signal("KILL");
    };
    let loads = async {
        let [b0, b1, b2, b3] = &browsers[..] else {
            unreachable!("TASKS browsers")
        };
        tokio::join!(
            load(b0, &web, &issuer, &held),
            load(b1, &web, &issuer, &held),
            load(b2, &web, &issuer, &held),
            load(b3, &web, &issuer, &held)
        );
    };
    tokio::time::timeout(Duration::from_secs(120), async {
        tokio::join!(kill_after_load, loads)
    })
    .await
    .expect("the load stops when the server is killed");
    let status = server.wait_exit(Duration::from_secs(5)).await;
    assert!(status.is_some(), "the server survived SIGKILL");

    let held = held.into_inner().unwrap();
    assert!(
        !held.refresh_tokens.is_empty() && !held.codes.is_empty(),
        "the load held nothing"
    );
    let server = env.start().await;
    for (i, (code, verifier)) in held.codes.iter().enumerate() {
        let response = web.redeem(&server, code, verifier).await;
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(status, 200, "held code {i} lost in the restart: {body}");
    }
    for (i, token) in held.refresh_tokens.iter().enumerate() {
        let response = web.refresh(&server, token).await;
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(
            status, 200,
            "held refresh token {i} lost in the restart: {body}"
        );
    }
    // The browser sessions survived too: no login page.
    let request = AuthRequest::new(&web, OFFLINE);
    let landing = browsers[0]
        .sign_in(&request, "alice", Decision::Allow)
        .await;
    assert!(!landing.saw_login, "the session was lost in the restart");
    landing.code(&request, &issuer);
    eprintln!(
        "after SIGKILL: {} held codes and {} held refresh tokens all work",
        held.codes.len(),
        held.refresh_tokens.len()
    );
}

async fn sigterm_drains_and_exits_cleanly(backend: Backend) {
    // A deliberately slow password check keeps a sign-in in flight when the signal arrives.
    let env = TestEnv::new(backend)
        .with_env("IDP_PASSWORD__ARGON2__ITERATIONS", "60")
        .with_env("IDP_PASSWORD__ARGON2__MEMORY_KIB", "19456");
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", "Example Web App", OFFLINE_SCOPES);
    let issuer = env.issuer();
    let server = env.start().await;
    let browser = Browser::new(&issuer);
    let request = AuthRequest::new(&web, OFFLINE);
    let page = browser.authorize(&request).await;
    let page = browser
        .get(&location(&page).expect("to the login page"))
        .await;
    let form = Form::parse(&page.text().await.unwrap());

    let sign_in = async {
        let started = std::time::Instant::now();
        let response = browser.post_login(&form, "alice", PASSWORD).await;
        (response, started.elapsed())
    };
    let terminate = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        server.signal("TERM");
    };
    let ((response, took), ()) = tokio::join!(sign_in, terminate);
    assert!(
        took > Duration::from_millis(300),
        "the sign-in was not in flight at the signal (took {took:?}); make it slower"
    );
    // The in-flight sign-in was answered in full: on to consent.
    assert_eq!(
        response.status(),
        303,
        "the in-flight request was not drained"
    );
    assert!(location(&response)
        .unwrap()
        .starts_with("/authorize/resume"));

    let status = server
        .wait_exit(SHUTDOWN_TIMEOUT + Duration::from_secs(5))
        .await
        .expect("the server did not exit within the shutdown timeout after SIGTERM");
    assert!(status.success(), "exit after SIGTERM: {status}");
}
