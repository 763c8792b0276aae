//! Sign-up through a real SMTP server: the form, the verification mail, its single-use link,
//! the pipeline's step for an unverified address (with a new link on request), and a sign-in to
//! a client once verified; the answer is alike, in status, body and time, for taken and free
//! usernames and addresses, and the owner of a taken address is told; limits answer 429.

use std::time::Duration;

use crate::mail::mail_env;
use crate::on_both_backends;
use crate::smtp::MailSink;
use crate::support::{
    free_port, input_value, land, location, mail_link, post_page_form, query_params, require,
    AuthRequest, Backend, Browser, Decision, Prerequisite, TestEnv, TestServer, PASSWORD,
};

on_both_backends!(
    sign_up_verify_and_sign_in_to_a_client,
    sign_up_answers_alike,
    sign_up_is_limited,
    verification_links_expire_and_unverified_accounts_are_purged,
    sign_up_takes_only_the_allowed_domains
);

pub const CAROL_PASSWORD: &str = "carol's long passphrase";

pub async fn sink() -> MailSink {
    let mut sink = MailSink::on_port(free_port());
    sink.run().await;
    sink
}

/// A mail environment where people may sign up.
pub fn signup_env(backend: Backend, sink: &MailSink) -> TestEnv {
    mail_env(backend, sink).with_env("IDP_REGISTRATION__ENABLED", "true")
}

/// Posts the sign-up form from `browser`: (status, Retry-After, body, time taken).
pub async fn sign_up(
    browser: &Browser,
    username: &str,
    email: &str,
    password: &str,
) -> (u16, Option<String>, String, Duration) {
    let fields = [
        ("username", username),
        ("email", email),
        ("password", password),
    ];
    post_page_form(browser, "/signup", &fields).await
}

/// Opens a verification link and presses its button: (status, body).
pub async fn confirm(browser: &Browser, link: &str) -> (u16, String) {
    let page = browser.get(link).await;
    let status = page.status().as_u16();
    let html = page.text().await.unwrap();
    if status != 200 {
        return (status, html);
    }
    let response = browser
        .http
        .post(browser.resolve("/verify-email"))
        .form(&[
            ("csrf", input_value(&html, "csrf").unwrap()),
            ("token", input_value(&html, "token").unwrap()),
        ])
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Signs up `username` with `email` and returns the verification link from the mail.
pub async fn signed_up(
    server: &TestServer,
    sink: &MailSink,
    username: &str,
    email: &str,
) -> String {
    let browser = Browser::new(&server.base);
    let (status, _, body, _) = sign_up(&browser, username, email, CAROL_PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    let to = email.trim().to_lowercase();
    let mail = sink.message_to(&to, Duration::from_secs(20)).await;
    assert_eq!(mail["subject"], "Confirm your email address");
    mail_link(&mail, &server.base, "/verify-email?token=")
}

async fn sign_up_verify_and_sign_in_to_a_client(backend: Backend) {
    if !require(Prerequisite::SmtpServer) {
        return;
    }
    let sink = sink().await;
    let env = signup_env(backend, &sink);
    let client = env.add_web_client("app", "App", &[]);
    let server = env.start().await;
    let issuer = env.issuer();
    let person = Browser::new(&server.base);

    // The login page offers sign-up; the form judges only itself.
    let login = person.get("/login").await.text().await.unwrap();
    assert!(login.contains("href=\"/signup\""), "{login}");
    let (status, _, body, _) = sign_up(&person, "carol", "carol@example.com", "short").await;
    assert_eq!(status, 400);
    assert!(body.contains("at least 12 characters"), "{body}");
    assert!(body.contains("value=\"carol@example.com\""), "{body}");
    let (status, _, body, _) = sign_up(&person, "a b", "carol@example.com", CAROL_PASSWORD).await;
    assert_eq!(status, 400);
    assert!(body.contains("a username has"), "{body}");

    let first_link = signed_up(&server, &sink, "Carol", " Carol@Example.com ").await;

    // Signed in but unverified: the client gets no code; the pipeline asks for the address.
    let request = AuthRequest::new(&client, "openid email");
    let login_page = land(&person, person.authorize(&request).await).await;
    assert!(login_page.0.starts_with("/login?req="), "{login_page:?}");
    let form = crate::support::Form::parse(&login_page.2);
    let (at, status, html) = land(
        &person,
        person.post_login(&form, "carol", CAROL_PASSWORD).await,
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(at.starts_with("/login/verify-email?req="), "{at}");
    assert!(html.contains("Confirm your email address first"), "{html}");
    assert!(html.contains("carol@example.com"), "{html}");
    let silent = AuthRequest::new(&client, "openid").set("prompt", "none");
    let refused = person.authorize(&silent).await;
    let refused = query_params(&person.resolve(&location(&refused).unwrap()));
    assert_eq!(refused["error"], "interaction_required");

    // A new link on request; the first one no longer works.
    let resent = person
        .http
        .post(person.resolve("/login/verify-email"))
        .form(&[
            ("csrf", input_value(&html, "csrf").unwrap()),
            ("req", input_value(&html, "req").unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resent.status(), 200);
    let resent = resent.text().await.unwrap();
    assert!(resent.contains("A new link is on its way"), "{resent}");
    let mails = sink
        .messages_to("carol@example.com", 2, Duration::from_secs(20))
        .await;
    let links: Vec<String> = mails
        .iter()
        .map(|m| mail_link(m, &issuer, "/verify-email?token="))
        .collect();
    assert!(links.contains(&first_link));
    let link = links.into_iter().find(|l| *l != first_link).unwrap();
    assert_eq!(confirm(&person, &first_link).await.0, 400);

    let (status, body) = confirm(&person, &link).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Address confirmed"), "{body}");
    // Single use.
    let (status, body) = confirm(&person, &link).await;
    assert_eq!(status, 400);
    assert!(body.contains("This link no longer works"), "{body}");

    // Continue where the sign-in stopped: consent, then a code, and the address is verified.
    let continue_url = input_value(&html, "req")
        .map(|id| format!("/authorize/resume?req={id}"))
        .unwrap();
    let landing = person
        .follow(person.get(&continue_url).await, "", "", Decision::Allow)
        .await;
    let code = landing.code(&request, &issuer);
    let tokens = client.redeem(&server, &code, &request.verifier).await;
    assert_eq!(tokens.status(), 200);
    let tokens: serde_json::Value = tokens.json().await.unwrap();
    let info = crate::support::userinfo(&server, tokens["access_token"].as_str().unwrap()).await;
    let info: serde_json::Value = info.json().await.unwrap();
    assert_eq!(info["email"], "carol@example.com");
    assert_eq!(info["email_verified"], true);
}

async fn sign_up_answers_alike(backend: Backend) {
    if !require(Prerequisite::SmtpServer) {
        return;
    }
    let sink = sink().await;
    let env = signup_env(backend, &sink)
        .with_env("IDP_RATE_LIMIT__SIGNUP", "100000")
        .with_env("IDP_RATE_LIMIT__SIGNUP_PER_ADDRESS", "100000");
    env.add_user("alice", "Alice");
    let server = env.start().await;
    let issuer = env.issuer();
    let browser = Browser::new(&server.base);

    // A taken address: the same answer; its owner is told, with a working reset link.
    let (status, _, taken_email, _) =
        sign_up(&browser, "mallory", "alice@example.com", CAROL_PASSWORD).await;
    assert_eq!(status, 200);
    let mail = sink
        .message_to("alice@example.com", Duration::from_secs(20))
        .await;
    assert_eq!(
        mail["subject"],
        "Someone tried to sign up with your address"
    );
    let reset = mail_link(&mail, &issuer, "/login/reset?token=");
    assert_eq!(browser.get(&reset).await.status(), 200);
    // A taken username: the same answer; the new address is told to choose another.
    let (status, _, taken_name, _) =
        sign_up(&browser, "alice", "mallory@example.com", CAROL_PASSWORD).await;
    assert_eq!(status, 200);
    let mail = sink
        .message_to("mallory@example.com", Duration::from_secs(20))
        .await;
    assert_eq!(mail["subject"], "Choose another username");
    mail_link(&mail, &issuer, "/signup");
    let (status, _, free, _) = sign_up(&browser, "dave", "dave@example.com", CAROL_PASSWORD).await;
    assert_eq!(status, 200);
    assert_eq!(taken_email, free);
    assert_eq!(taken_name, free);
    // Neither made an account: alice keeps her password, mallory has none.
    let signed_in = Browser::new(&server.base);
    crate::account::sign_in_to_account(&signed_in, "alice", PASSWORD).await;
    let mallory =
        crate::account::password_step(&Browser::new(&server.base), "mallory", CAROL_PASSWORD).await;
    assert_eq!(mallory.status(), 401);

    // Time: warm up, then alternate taken and free addresses (the free ones each new). Each
    // sign-up sets off one mail after its answer; the next is timed only once that mail arrived
    // (so the account or link, and the relay, are done on these same cores): the answers are
    // compared, not the machine's load.
    let (mut taken, mut fresh) = (Vec::new(), Vec::new());
    sign_up(&browser, "warm", "warm@example.com", CAROL_PASSWORD).await;
    let mut mails = 4;
    let within = Duration::from_secs(60);
    sink.wait_for(mails, within).await;
    for round in 0..150 {
        let name = format!("new{round}");
        let address = format!("{name}@example.com");
        let mut pair = [
            (name.as_str(), "alice@example.com", true),
            (name.as_str(), address.as_str(), false),
        ];
        if round % 2 == 1 {
            pair.reverse();
        }
        for (username, email, is_taken) in pair {
            let username = if is_taken {
                format!("x{username}")
            } else {
                username.to_string()
            };
            let (status, retry, body, took) =
                sign_up(&browser, &username, email, CAROL_PASSWORD).await;
            assert_eq!((status, retry), (200, None));
            assert_eq!(body, free);
            if is_taken {
                taken.push(took);
            } else {
                fresh.push(took);
            }
            mails += 1;
            sink.wait_for(mails, within).await;
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }
    // Each round's two answers came back to back, so the machine's load (two cores shared with
    // other builds) weighs on both alike; their ratio's median is then compared, beside the
    // medians of each kind.
    let ratio = crate::support::median_paired_ratio(&taken, &fresh);
    let median = |times: &mut Vec<Duration>| {
        times.sort();
        times[times.len() / 2]
    };
    let (t, f) = (median(&mut taken), median(&mut fresh));
    eprintln!("sign-up median: taken address {t:?}, free {f:?}; median ratio per round {ratio:.3}");
    assert!(
        (0.9..=1.1).contains(&ratio),
        "taken {t:?} vs free {f:?}, ratio {ratio:.3}"
    );
}

async fn sign_up_is_limited(backend: Backend) {
    if !require(Prerequisite::SmtpServer) {
        return;
    }
    let sink = sink().await;
    let env = signup_env(backend, &sink)
        .with_env("IDP_RATE_LIMIT__WINDOW_SECS", "3600")
        .with_env("IDP_RATE_LIMIT__SIGNUP", "6")
        .with_env("IDP_RATE_LIMIT__SIGNUP_PER_ADDRESS", "2");
    env.add_user("alice", "Alice");
    let server = env.start().await;
    let browser = Browser::new(&server.base);
    // Per address, taken or not: the third sign-up with one address in the hour is refused.
    for (i, email) in ["alice@example.com", "erin@example.com"].iter().enumerate() {
        for round in 0..2 {
            let name = format!("user{i}{round}");
            assert_eq!(sign_up(&browser, &name, email, CAROL_PASSWORD).await.0, 200);
        }
        let (status, retry, _, _) = sign_up(&browser, "another", email, CAROL_PASSWORD).await;
        assert_eq!(status, 429, "{email}");
        assert!(retry.unwrap().parse::<i64>().unwrap() > 0);
    }
    // Per IP: six posts in this window were counted; the next is refused whatever the address.
    let (status, retry, _, _) =
        sign_up(&browser, "frank", "frank@example.com", CAROL_PASSWORD).await;
    assert_eq!(status, 429);
    assert!(retry.is_some());
}

async fn verification_links_expire_and_unverified_accounts_are_purged(backend: Backend) {
    use diesel::prelude::*;
    if !require(Prerequisite::SmtpServer) {
        return;
    }
    let sink = sink().await;
    let env = signup_env(backend, &sink);
    let server = env.start().await;
    let browser = Browser::new(&server.base);
    let verified = signed_up(&server, &sink, "dave", "dave@example.com").await;
    assert_eq!(confirm(&browser, &verified).await.0, 200);
    let expiring = signed_up(&server, &sink, "erin", "erin@example.com").await;

    // Only the digest is stored: the token in the link is nowhere in the table.
    let mut conn = crate::store::connect(&env);
    let token = expiring.rsplit_once("token=").unwrap().1.to_string();
    let stored: Vec<String> = diesel::sql_query("SELECT token_hash FROM email_verifications")
        .load::<TokenHash>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|r| r.token_hash)
        .collect();
    assert!(!stored.is_empty() && !stored.contains(&token));
    // Past its 24 hours, the link no longer works.
    diesel::sql_query("UPDATE email_verifications SET expires_at = 1")
        .execute(&mut conn)
        .unwrap();
    let (status, body) = confirm(&browser, &expiring).await;
    assert_eq!(status, 400);
    assert!(body.contains("This link no longer works"), "{body}");

    // Past registration.unverified_ttl_hours, the unverified account goes; the verified stays.
    let later = crate::support::unix_now() + 1;
    let purge = idp::store::purge::Purge::new(later, later);
    idp::store::purge::run(&mut conn, purge, |_| {}).unwrap();
    let names: Vec<String> = diesel::sql_query("SELECT username FROM users ORDER BY username")
        .load::<Username>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|r| r.username)
        .collect();
    assert!(names.contains(&"dave".to_string()), "{names:?}");
    assert!(!names.contains(&"erin".to_string()), "{names:?}");
}

async fn sign_up_takes_only_the_allowed_domains(backend: Backend) {
    if !require(Prerequisite::SmtpServer) {
        return;
    }
    let sink = sink().await;
    let env = signup_env(backend, &sink).with_env(
        "IDP_REGISTRATION__ALLOWED_EMAIL_DOMAINS",
        "Example.org,staff.example.org",
    );
    let server = env.start().await;
    let browser = Browser::new(&server.base);
    let form = browser.get("/signup").await.text().await.unwrap();
    assert!(form.contains("example.org, staff.example.org"), "{form}");
    let (status, _, body, _) =
        sign_up(&browser, "carol", "carol@example.com", CAROL_PASSWORD).await;
    assert_eq!(status, 400);
    assert!(body.contains("only addresses at example.org"), "{body}");
    signed_up(&server, &sink, "carol", "carol@staff.example.org").await;
    // Nothing was mailed for the refused one.
    assert_eq!(sink.messages().len(), 1);
}

/// Off by default, and off without mail even when enabled: no page, no link on the login page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_needs_the_setting_and_mail() {
    for env in [
        TestEnv::new(Backend::Sqlite),
        TestEnv::new(Backend::Sqlite).with_env("IDP_REGISTRATION__ENABLED", "true"),
    ] {
        let server = env.start().await;
        let browser = Browser::new(&server.base);
        let login = browser.get("/login").await.text().await.unwrap();
        assert!(!login.contains("/signup"), "{login}");
        let page = browser.get("/signup").await;
        assert_eq!(page.status(), 404);
        let page = page.text().await.unwrap();
        assert!(
            page.contains("You cannot make your own account here"),
            "{page}"
        );
        let posted = browser
            .http
            .post(browser.resolve("/signup"))
            .form(&[("username", "carol"), ("email", "carol@example.com")])
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 404);
    }
}

#[derive(diesel::QueryableByName)]
struct TokenHash {
    #[diesel(sql_type = diesel::sql_types::Text)]
    token_hash: String,
}

#[derive(diesel::QueryableByName)]
struct Username {
    #[diesel(sql_type = diesel::sql_types::Text)]
    username: String,
}

/// A person in headless Chromium: "Create one" on the login page, the link from the mail,
/// then signing in with the new account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_signs_up_verifies_and_signs_in() {
    if !require(Prerequisite::Browser) || !require(Prerequisite::SmtpServer) {
        return;
    }
    let sink = sink().await;
    let env = signup_env(Backend::Sqlite, &sink);
    let server = env.start().await;
    let browser = crate::webdriver::Browser::start().await;
    browser.goto(&server.url("/login?next=/account")).await;
    browser.click("a[href='/signup']").await;
    browser.wait_for_url(|u| u.ends_with("/signup")).await;
    browser.type_into("#username", "carol").await;
    browser.type_into("#email", "carol@example.com").await;
    browser.type_into("#password", CAROL_PASSWORD).await;
    browser.screenshot("signup-01-form").await;
    browser.click("button[type=submit]").await;
    browser.wait_for_text("Check your mailbox").await;

    let mail = sink
        .message_to("carol@example.com", Duration::from_secs(20))
        .await;
    browser
        .goto(&mail_link(&mail, &env.issuer(), "/verify-email?token="))
        .await;
    browser.wait_for_text("Confirm that").await;
    browser.screenshot("signup-02-confirm").await;
    browser.click("button[type=submit]").await;
    browser.wait_for_text("Address confirmed").await;

    browser.sign_in_to_account("carol", CAROL_PASSWORD).await;
    browser.wait_for_text("carol@example.com").await;
    browser.screenshot("signup-03-signed-in").await;
}
