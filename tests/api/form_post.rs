//! `response_mode=form_post` (OAuth 2.0 Form Post Response Mode): the authorization response,
//! codes and errors alike, as a form the browser posts to the registered redirect URI — by our
//! one script under the page's CSP, or by its button when JavaScript is off.

use crate::on_both_backends;
use crate::support::{
    input_value, location, require, AuthRequest, Backend, Browser, Form, Prerequisite, TestEnv,
    PASSWORD,
};
use crate::webdriver;

on_both_backends!(form_post_answers_codes_and_errors_as_a_posted_form);

async fn form_post_answers_codes_and_errors_as_a_posted_form(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let portal = env.add_web_client("portal", "Portal", &["--first-party"]);
    let server = env.start().await;
    let issuer = env.issuer();
    let browser = Browser::new(&issuer);
    let request = AuthRequest::new(&portal, "openid").set("response_mode", "form_post");
    let login = browser
        .get(&location(&browser.authorize(&request).await).unwrap())
        .await;
    let form = Form::parse(&login.text().await.unwrap());
    let resume = browser.post_login(&form, "alice", PASSWORD).await;
    let response = browser.get(&location(&resume).unwrap()).await;
    assert_eq!(
        response.status(),
        200,
        "form_post is a page, not a redirect"
    );
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(
        policy.contains("form-action https://app.example.com"),
        "{policy}"
    );
    let html = response.text().await.unwrap();
    let action = format!("<form method=\"post\" action=\"{}\"", portal.redirect_uri);
    assert!(html.contains(&action), "{html}");
    assert!(
        html.contains("<script src=\"/static/form-post.js\"></script>"),
        "{html}"
    );
    assert!(
        html.contains("<button type=\"submit\">"),
        "a button for browsers without JavaScript"
    );
    assert_eq!(
        input_value(&html, "state").as_deref(),
        Some(request.state.as_str())
    );
    assert_eq!(input_value(&html, "iss").as_deref(), Some(issuer.as_str()));
    let code = input_value(&html, "code").expect("the code in the form");
    let tokens = portal.redeem(&server, &code, &request.verifier).await;
    assert_eq!(tokens.status(), 200);
    let script = server
        .http
        .get(server.url("/static/form-post.js"))
        .send()
        .await
        .unwrap();
    assert!(script.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));

    // Errors take the same way back; an unknown mode is refused in the query.
    let bad_scope = AuthRequest::new(&portal, "openid nonsense").set("response_mode", "form_post");
    let html = browser.authorize(&bad_scope).await.text().await.unwrap();
    assert_eq!(
        input_value(&html, "error").as_deref(),
        Some("invalid_scope"),
        "{html}"
    );
    let unknown = AuthRequest::new(&portal, "openid").set("response_mode", "fragment");
    let to = location(&browser.authorize(&unknown).await).unwrap();
    assert!(
        to.starts_with(&portal.redirect_uri) && to.contains("error=invalid_request"),
        "{to}"
    );
    let discovery = server.get_json("/.well-known/openid-configuration").await;
    assert_eq!(
        discovery["response_modes_supported"],
        serde_json::json!(["query", "form_post"])
    );
}

/// In Chromium, with JavaScript on the form goes by itself; with it off, by its button.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_post_in_a_browser_with_and_without_javascript() {
    if !require(Prerequisite::Browser) {
        return;
    }
    let env = TestEnv::new(Backend::Sqlite);
    env.add_user("alice", "Alice Example");
    let server = env.start().await;
    for (javascript, flags) in [
        (true, vec![]),
        (false, vec!["--blink-settings=scriptEnabled=false"]),
    ] {
        let (redirect_uri, posted) = webdriver::callback_listener();
        let id = format!("spa{}", u8::from(javascript));
        env.cli_ok(
            &[
                "client",
                "add",
                "--name",
                "Portal",
                "--id",
                &id,
                "--redirect-uri",
                &redirect_uri,
                "--first-party",
            ],
            "",
        );
        let client = crate::support::WebClient {
            id,
            secret: None,
            redirect_uri,
        };
        let request = AuthRequest::new(&client, "openid").set("response_mode", "form_post");
        let browser = webdriver::Browser::start_with(&flags).await;
        browser.goto(&request.url(&env.issuer())).await;
        browser.wait_for_url(|u| u.contains("/login?")).await;
        browser.type_into("#username", "alice").await;
        browser.type_into("#password", PASSWORD).await;
        browser.click("button[type=submit]").await;
        if !javascript {
            browser.wait_for_text("Returning to the application").await;
            browser.screenshot("form-post-without-javascript").await;
            browser.click("#form-post button[type=submit]").await;
        }
        let body = posted
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("the form was posted")
            .body;
        let fields: std::collections::HashMap<String, String> =
            url::form_urlencoded::parse(body.as_bytes())
                .into_owned()
                .collect();
        assert!(
            fields.contains_key("code"),
            "javascript={javascript}: {body}"
        );
        assert_eq!(fields.get("state"), Some(&request.state), "{body}");
        assert_eq!(fields.get("iss"), Some(&env.issuer()), "{body}");
    }
    drop(server);
}
