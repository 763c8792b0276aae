//! Forgot password through a real SMTP server: the mail's link sets a new password once, every
//! earlier session and refresh token dies, a notice follows; the request answers alike, in
//! status, body and time, for known and unknown addresses; limits answer 429 with Retry-After.

use std::time::{Duration, Instant};

use crate::mail::mail_env;
use crate::on_both_backends;
use crate::smtp::MailSink;
use crate::support::{
    free_port, input_value, location, post_page_form, require, AuthRequest, Backend, Browser,
    Decision, Prerequisite, TestEnv, OFFLINE_SCOPES,
};

on_both_backends!(
    forgot_password_resets_and_ends_everything,
    reset_keeps_the_second_factor,
    forgot_password_answers_alike,
    forgot_password_is_limited
);

const NEW_PASSWORD: &str = "a brand new passphrase here";

async fn sink() -> MailSink {
    let mut sink = MailSink::on_port(free_port());
    sink.run().await;
    sink
}

/// Posts the forgot form for `email` from `browser`: (status, Retry-After, body, time taken).
async fn ask(browser: &Browser, email: &str) -> (u16, Option<String>, String, Duration) {
    post_page_form(browser, "/login/forgot", &[("email", email)]).await
}

/// The reset link in a mail's text part.
pub fn reset_link(mail: &serde_json::Value, issuer: &str) -> String {
    let prefix = format!("{issuer}/login/reset?token=");
    mail["text"]
        .as_str()
        .unwrap()
        .lines()
        .find(|l| l.starts_with(&prefix))
        .expect("a reset link in the mail")
        .trim()
        .to_string()
}

async fn post_reset(browser: &Browser, form_page: &str, new: &str, again: &str) -> (u16, String) {
    let csrf = input_value(form_page, "csrf").unwrap();
    let token = input_value(form_page, "token").unwrap();
    let response = browser
        .http
        .post(browser.resolve("/login/reset"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("token", token.as_str()),
            ("new_password", new),
            ("confirm_password", again),
        ])
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn forgot_password_resets_and_ends_everything(backend: Backend) {
    if !require(Prerequisite::SmtpServer) {
        return;
    }
    let sink = sink().await;
    let env = mail_env(backend, &sink);
    env.add_user("alice", "Alice");
    // The app hears of sessions ending (back-channel logout).
    let receiver = crate::receiver::Receiver::ok().await;
    let logout_uri = receiver.url("/bcl/app");
    let mut args = OFFLINE_SCOPES.to_vec();
    args.extend(["--backchannel-logout-uri", &logout_uri]);
    let client = env.add_web_client("app", "App", &args);
    let server = env.start().await;
    let issuer = env.issuer();

    // Alice is signed in somewhere, with a refresh token.
    let old = Browser::new(&server.base);
    let tokens = old
        .tokens(&server, &client, "openid offline_access", "alice")
        .await;
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(old.get("/account").await.status(), 200);

    // The login page offers the reset; the request answers without saying whether it matched.
    let person = Browser::new(&server.base);
    let login = person.get("/login").await.text().await.unwrap();
    assert!(login.contains("href=\"/login/forgot\""), "{login}");
    let (status, _, body, _) = ask(&person, " Alice@Example.com ").await;
    assert_eq!(status, 200);
    assert!(body.contains("Check your mailbox"), "{body}");

    let mail = sink
        .message_to("alice@example.com", Duration::from_secs(20))
        .await;
    assert_eq!(mail["subject"], "Reset your password");
    let link = reset_link(&mail, &issuer);
    assert!(mail["html"].as_str().unwrap().contains(&link));

    let form = person.get(&link).await;
    assert_eq!(form.status(), 200);
    let form = form.text().await.unwrap();
    assert!(form.contains("alice"), "{form}");
    let (status, body) = post_reset(&person, &form, NEW_PASSWORD, "something else").await;
    assert_eq!(status, 400);
    assert!(body.contains("The two passwords differ."), "{body}");
    let (status, body) = post_reset(&person, &form, "short", "short").await;
    assert_eq!(status, 400);
    assert!(body.contains("at least 12 characters"), "{body}");
    let (status, body) = post_reset(&person, &form, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Password changed"), "{body}");
    // No sign-in from the reset itself.
    assert!(!person.has_cookie("idp_session", "/account"));

    // Single use: the link and the form are dead now.
    let (status, body) = post_reset(&person, &form, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(status, 400);
    assert!(body.contains("This link no longer works"), "{body}");
    assert_eq!(person.get(&link).await.status(), 400);

    // Every earlier session and refresh token is dead.
    let account = old.get("/account").await;
    assert_ne!(account.status(), 200);
    assert!(location(&account).unwrap_or_default().starts_with("/login"));
    let refreshed = client.refresh(&server, &refresh).await;
    assert_eq!(refreshed.status(), 400);
    let error: serde_json::Value = refreshed.json().await.unwrap();
    assert_eq!(error["error"], "invalid_grant");
    // The app was told, with a logout token about that session.
    let told = receiver
        .wait_for("/bcl/app", 1, Duration::from_secs(15))
        .await;
    let jwks = server.get_json("/jwks.json").await;
    let logout = crate::support::verify_with_jwks(&told[0].form()["logout_token"], &jwks);
    let id_token = crate::account::id_token_claims(&server, &tokens).await;
    assert_eq!(logout["sid"], id_token["sid"], "{logout}");

    // A notice went to the address.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !sink.messages().iter().any(|m| {
        m["subject"] == "Your password was changed" && m["envelope_to"][0] == "alice@example.com"
    }) {
        assert!(Instant::now() < deadline, "no notice mail");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The new password signs in; the old one no longer does.
    let fresh = Browser::new(&server.base);
    let request = AuthRequest::new(&client, "openid");
    let landing = fresh
        .follow(
            fresh.authorize(&request).await,
            "alice",
            NEW_PASSWORD,
            Decision::Allow,
        )
        .await;
    landing.code(&request, &issuer);
}

async fn forgot_password_answers_alike(backend: Backend) {
    if !require(Prerequisite::SmtpServer) {
        return;
    }
    let sink = sink().await;
    let env = mail_env(backend, &sink)
        .with_env("IDP_RATE_LIMIT__RECOVERY", "100000")
        .with_env("IDP_RATE_LIMIT__RECOVERY_PER_ADDRESS", "100000");
    env.add_user("alice", "Alice");
    let server = env.start().await;
    let browser = Browser::new(&server.base);
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    let mut bodies = std::collections::HashSet::new();
    // Warm up, then alternate. A known address sets off work after the answer (the link, the
    // audit entry, the mail through the relay, whose Python server shares these cores): the next
    // request is timed only once that mail has arrived, so that the answers are compared, not
    // what the previous one left running.
    ask(&browser, "nobody@example.com").await;
    let mut mails = 0;
    for round in 0..100 {
        // Each order half the time, so that neither address always follows the other.
        let mut pair = [("alice@example.com", true), ("nobody@example.com", false)];
        if round % 2 == 1 {
            pair.reverse();
        }
        for (email, is_known) in pair {
            let (status, retry, body, took) = ask(&browser, email).await;
            assert_eq!(status, 200);
            assert_eq!(retry, None);
            bodies.insert(body);
            if is_known {
                known.push(took);
                mails += 1;
                sink.wait_for(mails, Duration::from_secs(60)).await;
            } else {
                unknown.push(took);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    assert_eq!(bodies.len(), 1, "one answer for both");
    // Each round's two answers came back to back: their ratio's median is compared (see
    // support::median_paired_ratio), beside the medians of each kind.
    let ratio = crate::support::median_paired_ratio(&known, &unknown);
    let median = |times: &mut Vec<Duration>| {
        times.sort();
        times[times.len() / 2]
    };
    let (k, u) = (median(&mut known), median(&mut unknown));
    eprintln!(
        "forgot password median: known {k:?}, unknown {u:?}; median ratio per round {ratio:.3}"
    );
    assert!(
        (0.9..=1.1).contains(&ratio),
        "known {k:?} vs unknown {u:?}, ratio {ratio:.3}"
    );
}

async fn forgot_password_is_limited(backend: Backend) {
    if !require(Prerequisite::SmtpServer) {
        return;
    }
    let sink = sink().await;
    let env: TestEnv = mail_env(backend, &sink)
        .with_env("IDP_RATE_LIMIT__WINDOW_SECS", "3600")
        .with_env("IDP_RATE_LIMIT__RECOVERY", "6")
        .with_env("IDP_RATE_LIMIT__RECOVERY_PER_ADDRESS", "2");
    env.add_user("alice", "Alice");
    let server = env.start().await;
    let browser = Browser::new(&server.base);
    // Per address, known or not: the third request for one address in the hour is refused.
    for email in ["alice@example.com", "nobody@example.com"] {
        for _ in 0..2 {
            assert_eq!(ask(&browser, email).await.0, 200);
        }
        let (status, retry, _, _) = ask(&browser, email).await;
        assert_eq!(status, 429, "{email}");
        assert!(retry.unwrap().parse::<i64>().unwrap() > 0);
    }
    // Per IP: six posts in this window were counted; the next is refused whatever the address.
    let (status, retry, _, _) = ask(&browser, "carol@example.com").await;
    assert_eq!(status, 429);
    assert!(retry.is_some());
    let _ = sink.wait_for(2, Duration::from_secs(20)).await;
}

/// Asks for a link for `email` from a fresh browser, reads the mail and sets `new` through it.
async fn reset_by_mail(
    server: &crate::support::TestServer,
    sink: &MailSink,
    issuer: &str,
    email: &str,
    new: &str,
) {
    let person = Browser::new(&server.base);
    assert_eq!(ask(&person, email).await.0, 200);
    let mail = sink.message_to(email, Duration::from_secs(20)).await;
    let form = person.get(&reset_link(&mail, issuer)).await;
    assert_eq!(form.status(), 200);
    let form = form.text().await.unwrap();
    let (status, body) = post_reset(&person, &form, new, new).await;
    assert_eq!(status, 200, "{body}");
}

async fn reset_keeps_the_second_factor(backend: Backend) {
    if !require(Prerequisite::SmtpServer) {
        return;
    }
    let sink = sink().await;
    let env = mail_env(backend, &sink);
    env.add_user("alice", "Alice");
    let server = env.start().await;
    let browser = Browser::new(&server.base);
    crate::account::sign_in_to_account(&browser, "alice", crate::support::PASSWORD).await;
    crate::account::enrol(&browser).await;

    reset_by_mail(
        &server,
        &sink,
        &env.issuer(),
        "alice@example.com",
        NEW_PASSWORD,
    )
    .await;
    crate::account::assert_signed_out(&browser, "the reset ended the session").await;

    // The new password alone is not a sign-in: the code is still asked for.
    let fresh = Browser::new(&server.base);
    let response = crate::account::password_step(&fresh, "alice", NEW_PASSWORD).await;
    let html = crate::account::page(response, 200, "the second step").await;
    assert!(html.contains("action=\"/login/totp\""), "{html}");
    assert!(!fresh.has_cookie("idp_session", "/account"));
}

/// A person in headless Chromium: "Forgot your password?" on the login page, the link from the
/// mail, a new password, then signing in with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_resets_a_forgotten_password() {
    if !require(Prerequisite::Browser) || !require(Prerequisite::SmtpServer) {
        return;
    }
    let sink = sink().await;
    let env = mail_env(Backend::Sqlite, &sink);
    env.add_user("alice", "Alice");
    let server = env.start().await;
    let browser = crate::webdriver::Browser::start().await;
    browser.goto(&server.url("/login?next=/account")).await;
    browser.click("a[href='/login/forgot']").await;
    browser.wait_for_url(|u| u.ends_with("/login/forgot")).await;
    browser.type_into("#email", "alice@example.com").await;
    browser.screenshot("reset-01-forgot").await;
    browser.click("button[type=submit]").await;
    browser.wait_for_text("Check your mailbox").await;

    let mail = sink
        .message_to("alice@example.com", Duration::from_secs(20))
        .await;
    browser.goto(&reset_link(&mail, &env.issuer())).await;
    browser.wait_for_text("Choose a new password").await;
    browser.type_into("#new_password", NEW_PASSWORD).await;
    browser.type_into("#confirm_password", NEW_PASSWORD).await;
    browser.screenshot("reset-02-new-password").await;
    browser.click("button[type=submit]").await;
    browser.wait_for_text("Password changed").await;

    browser.sign_in_to_account("alice", NEW_PASSWORD).await;
    browser.screenshot("reset-03-signed-in").await;
}
