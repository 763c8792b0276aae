//! Security notices by mail: a password changed on the account page, a second factor removed
//! by an administrator. Each reaches the account's address through a real SMTP server.

use std::time::{Duration, Instant};

use crate::account::{enrol, page, post, sign_in_to_account};
use crate::admin::{add_user_with_roles, post_form, sign_in, user_id};
use crate::mail::mail_env;
use crate::on_both_backends;
use crate::smtp::MailSink;
use crate::support::{free_port, input_value, require, Backend, Browser, Prerequisite, PASSWORD};

on_both_backends!(security_changes_are_mailed);

async fn await_subject(sink: &MailSink, to: &str, subject: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(mail) = sink
            .messages()
            .into_iter()
            .find(|m| m["envelope_to"][0] == to && m["subject"] == subject)
        {
            return mail;
        }
        assert!(Instant::now() < deadline, "no {subject:?} mail to {to}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn security_changes_are_mailed(backend: Backend) {
    if !require(Prerequisite::SmtpServer) {
        return;
    }
    let mut sink = MailSink::on_port(free_port());
    sink.run().await;
    let env = mail_env(backend, &sink);
    add_user_with_roles(&env, "root", &["admin"]);
    env.add_user("alice", "Alice");
    let server = env.start().await;

    // Alice changes her password on the account page.
    let alice = Browser::new(&server.base);
    sign_in_to_account(&alice, "alice", PASSWORD).await;
    let html = page(alice.get("/account").await, 200, "account page").await;
    let csrf = input_value(&html, "csrf").unwrap();
    let new = "another long passphrase";
    let response = post(
        &alice,
        "/account/password",
        &[
            ("csrf", csrf.as_str()),
            ("current_password", PASSWORD),
            ("new_password", new),
            ("confirm_password", new),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    let mail = await_subject(&sink, "alice@example.com", "Your password was changed").await;
    assert!(mail["text"].as_str().unwrap().contains("alice"));
    assert!(
        !mail["text"].as_str().unwrap().contains(new),
        "no password in mail"
    );

    // She sets up a second factor; an administrator removes it.
    enrol(&alice).await;
    let (root, csrf) = sign_in(&server, "root").await;
    let id = user_id(&root, "alice").await;
    let response = post_form(
        &root,
        &format!("/admin/users/{id}/totp-reset"),
        &[("csrf", &csrf), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    await_subject(
        &sink,
        "alice@example.com",
        "The second factor of your account was removed",
    )
    .await;
}
