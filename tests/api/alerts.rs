//! Alerts about incidents: a stuffing run makes one alert, posted to a webhook receiver started
//! here (its first answer a 500, so the alert is retried from the queue) with an
//! `X-Idp-Signature` that verifies, and mailed to the admin through a real SMTP server. On
//! PostgreSQL the run is spread over two nodes, both of which run the queue's sender: the
//! alert is still posted once and mailed once.

use std::time::Duration;

use serde_json::Value;

use crate::admin::add_user_with_roles;
use crate::monitoring::{incidents, login_form, monitored, ATTACKER};
use crate::on_both_backends;
use crate::receiver::Receiver;
use crate::smtp::MailSink;
use crate::support::{free_port, post_login_from, require, Backend, Prerequisite};

on_both_backends!(an_incident_is_posted_signed_and_mailed_once);

pub const SECRET: &str = "a webhook secret of at least thirty-two characters";

/// `sha256=` and the hex HMAC-SHA256 of `body` under `secret`, computed here with OpenSSL.
pub fn expected_signature(secret: &str, body: &str) -> String {
    let key = openssl::pkey::PKey::hmac(secret.as_bytes()).unwrap();
    let mut signer =
        openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &key).unwrap();
    signer.update(body.as_bytes()).unwrap();
    let mac = signer.sign_to_vec().unwrap();
    format!(
        "sha256={}",
        mac.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

async fn an_incident_is_posted_signed_and_mailed_once(backend: Backend) {
    if !require(Prerequisite::SmtpServer)
        || (backend == Backend::Postgres && !require(Prerequisite::Redis))
    {
        return;
    }
    let mut sink = MailSink::on_port(free_port());
    sink.run().await;
    // The first post is refused, so the alert is tried again from the queue.
    let receiver = Receiver::start(|_, earlier| if earlier == 0 { 500 } else { 204 }).await;
    let url = receiver.url("/hooks/idp");
    let env = monitored(backend)
        .with_env("IDP_EMAIL__SMTP_URL", &sink.url())
        .with_env("IDP_EMAIL__FROM", crate::mail::FROM)
        .with_env("IDP_MONITORING__WEBHOOK_URL", &url)
        .with_env("IDP_MONITORING__WEBHOOK_SECRET", SECRET);
    add_user_with_roles(&env, "root", &["admin"]);
    let a = env.start().await;
    let b = match backend {
        Backend::Postgres => Some(env.start_node().await),
        Backend::Sqlite => None,
    };
    let forms = [
        login_form(&a).await,
        login_form(b.as_ref().unwrap_or(&a)).await,
    ];
    for n in 1..=6 {
        let (person, form) = &forms[n % 2];
        let response = post_login_from(
            person,
            form,
            Some(ATTACKER),
            &format!("victim{n}"),
            &format!("pw{n}"),
        )
        .await;
        assert_eq!(response.status(), 401);
    }
    let open = incidents(&env, false);
    assert_eq!(open.len(), 1, "{open:?}");

    // Refused once, then posted again from the queue: the same alert, signed.
    let posts = receiver
        .wait_for("/hooks/idp", 2, Duration::from_secs(15))
        .await;
    assert_eq!(
        posts[0].body, posts[1].body,
        "the retry posts the same alert"
    );
    let (method, body) = (&posts[1].method, &posts[1].body);
    assert_eq!(method, "POST");
    assert_eq!(posts[1].header("content-type"), Some("application/json"));
    let signature = posts[1].header("x-idp-signature");
    assert_eq!(signature, Some(expected_signature(SECRET, body).as_str()));
    assert_ne!(
        signature,
        Some(expected_signature("another secret", body).as_str())
    );
    let alert: Value = serde_json::from_str(body).unwrap();
    assert_eq!(alert["incident"]["id"], open[0].0.as_str(), "{alert}");
    assert_eq!(alert["incident"]["kind"], "credential_stuffing");
    assert_eq!(alert["incident"]["subject"], ATTACKER);
    assert_eq!(alert["issuer"], env.issuer());

    // The admin's mail, once.
    let mail = sink
        .message_to("root@example.com", Duration::from_secs(15))
        .await;
    let subject = mail["subject"].as_str().unwrap();
    assert!(
        subject.contains("Security incident: credential stuffing"),
        "{subject}"
    );
    assert!(
        mail["text"].as_str().unwrap().contains(&open[0].0),
        "{mail}"
    );

    // More sightings of the open incident within the window alert no more (the block came
    // at the sixth name, after the alert); nor does either node post the alert again.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(receiver.all().len(), 2, "no storm, no repeat");
    assert_eq!(
        sink.messages()
            .iter()
            .filter(|m| m["envelope_to"][0] == "root@example.com")
            .count(),
        1
    );
}
