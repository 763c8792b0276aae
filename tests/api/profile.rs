//! The person's own details on /account: the name changes at once; a new email address only
//! once a link sent to it is followed, after which the old address gets a notice. A link to an
//! address another account has changes nothing.

use std::time::Duration;

use crate::account::{account_page, page, sign_in_to_account};
use crate::on_both_backends;
use crate::signup::{confirm, sink};
use crate::support::require;
use crate::support::{input_value, location, mail_link, Backend, Browser, Prerequisite, PASSWORD};

on_both_backends!(
    email_change_is_proved_then_told_to_the_old_address,
    an_address_an_operator_sets_is_unconfirmed
);

/// Posts an account form from the account page's CSRF token.
async fn post(browser: &Browser, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let html = account_page(browser).await;
    let csrf = input_value(&html, "csrf").unwrap();
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    browser
        .http
        .post(browser.resolve(path))
        .form(&form)
        .send()
        .await
        .unwrap()
}

async fn email_change_is_proved_then_told_to_the_old_address(backend: Backend) {
    if !require(Prerequisite::SmtpServer) {
        return;
    }
    let sink = sink().await;
    let env = crate::mail::mail_env(backend, &sink);
    env.add_user("alice", "Alice");
    env.add_user("bob", "Bob");
    let server = env.start().await;
    let issuer = env.issuer();
    let browser = Browser::new(&server.base);
    sign_in_to_account(&browser, "alice", PASSWORD).await;

    // The name changes at once.
    let saved = post(&browser, "/account/name", &[("name", "Alice Liddell")]).await;
    assert_eq!(location(&saved).as_deref(), Some("/account?done=name"));
    assert!(account_page(&browser)
        .await
        .contains("value=\"Alice Liddell\""));
    let bad = post(&browser, "/account/name", &[("name", &"x".repeat(201))]).await;
    page(bad, 400, "too long a name").await;

    // A reset link mailed to the old address, still unused when the address changes.
    let forgot = crate::support::post_page_form(
        &Browser::new(&server.base),
        "/login/forgot",
        &[("email", "alice@example.com")],
    )
    .await;
    assert_eq!(forgot.0, 200);
    let reset = sink
        .message_to("alice@example.com", Duration::from_secs(20))
        .await;
    let reset = mail_link(&reset, &issuer, "/login/reset?token=");
    assert_eq!(browser.get(&reset).await.status(), 200);

    // The address needs the current password.
    let wrong = post(
        &browser,
        "/account/email",
        &[
            ("email", "alice.new@example.com"),
            ("current_password", "not it"),
        ],
    )
    .await;
    let html = page(wrong, 401, "wrong password").await;
    assert!(
        html.contains("Your current password is not right."),
        "{html}"
    );
    let asked = post(
        &browser,
        "/account/email",
        &[
            ("email", " Alice.New@Example.com "),
            ("current_password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(
        location(&asked).as_deref(),
        Some("/account?done=email-sent")
    );
    // Nothing changes until the link is followed.
    let html = account_page(&browser).await;
    assert!(html.contains("alice@example.com"), "{html}");
    let mail = sink
        .message_to("alice.new@example.com", Duration::from_secs(20))
        .await;
    assert_eq!(mail["subject"], "Confirm your new email address");
    let link = mail_link(&mail, &issuer, "/verify-email?token=");
    let (status, body) = confirm(&browser, &link).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("alice.new@example.com"), "{body}");
    assert_eq!(confirm(&browser, &link).await.0, 400, "single use");
    let html = account_page(&browser).await;
    assert!(html.contains("alice.new@example.com"), "{html}");
    assert!(!html.contains("not confirmed"), "{html}");

    // The old address is told, with the new one masked; its reset link no longer works.
    assert_eq!(browser.get(&reset).await.status(), 400);
    let notice = sink
        .messages_to("alice@example.com", 2, Duration::from_secs(20))
        .await
        .into_iter()
        .find(|m| m["subject"] == "Your email address was changed")
        .expect("a notice to the old address");
    assert_eq!(notice["subject"], "Your email address was changed");
    let text = notice["text"].as_str().unwrap();
    assert!(text.contains("a***@example.com"), "{text}");
    assert!(!text.contains("alice.new@example.com"), "{text}");

    // The new address signs in; the old one no longer names the account.
    sign_in_to_account(
        &Browser::new(&server.base),
        "alice.new@example.com",
        PASSWORD,
    )
    .await;
    let old =
        crate::account::password_step(&Browser::new(&server.base), "alice@example.com", PASSWORD)
            .await;
    assert_eq!(old.status(), 401);

    // Bob's address, proved by Bob's mailbox, still cannot become Alice's.
    let asked = post(
        &browser,
        "/account/email",
        &[("email", "bob@example.com"), ("current_password", PASSWORD)],
    )
    .await;
    assert_eq!(asked.status(), 303);
    let mail = sink
        .message_to("bob@example.com", Duration::from_secs(20))
        .await;
    let (status, body) =
        confirm(&browser, &mail_link(&mail, &issuer, "/verify-email?token=")).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("This address has an account"), "{body}");
    assert!(account_page(&browser)
        .await
        .contains("alice.new@example.com"));
}

async fn an_address_an_operator_sets_is_unconfirmed(backend: Backend) {
    let env = crate::support::TestEnv::new(backend);
    let add = [
        "user",
        "add",
        "dana",
        "--email",
        "dana@example.com",
        "--email-verified",
    ];
    env.cli_ok(&add, &format!("{PASSWORD}\n"));
    let server = env.start().await;
    let browser = Browser::new(&server.base);
    sign_in_to_account(&browser, "dana", PASSWORD).await;
    assert!(!account_page(&browser).await.contains("(not confirmed)"));
    // A name-only edit keeps the address confirmed.
    env.cli_ok(&["user", "edit", "dana", "--name", "Dana"], "");
    assert!(!account_page(&browser).await.contains("(not confirmed)"));
    // Whoever proved the old address has not proved the new one.
    env.cli_ok(&["user", "edit", "dana", "--email", "dana@example.org"], "");
    let html = account_page(&browser).await;
    assert!(html.contains("dana@example.org (not confirmed)"), "{html}");
}
