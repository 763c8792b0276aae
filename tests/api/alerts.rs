//! Alerts about incidents: a stuffing run makes one alert, posted to a webhook receiver started
//! here (its first answer a 500, so the alert is retried from the queue) with an
//! `X-Idp-Signature` that verifies, and mailed to the admin through a real SMTP server. On
//! PostgreSQL the run is spread over two nodes, both of which run the queue's sender: the
//! alert is still posted once and mailed once.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::admin::add_user_with_roles;
use crate::monitoring::{incidents, login_form, monitored, ATTACKER};
use crate::on_both_backends;
use crate::smtp::MailSink;
use crate::support::{free_port, post_login_from, require, Backend, Prerequisite};

on_both_backends!(an_incident_is_posted_signed_and_mailed_once);

pub const SECRET: &str = "a webhook secret of at least thirty-two characters";

/// What the receiver got: each request's signature header and body.
pub type Received = Arc<Mutex<Vec<(Option<String>, String)>>>;

/// A small HTTP server on a free port: it answers its first request 500, the others 204.
async fn webhook_receiver() -> (String, Received) {
    receiver(true).await
}

/// A small HTTP server on a free port answering 204 (its first request 500 if `fail_first`).
pub async fn receiver(fail_first: bool) -> (String, Received) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/idp", listener.local_addr().unwrap());
    let received: Received = Arc::default();
    let log = Arc::clone(&received);
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let (signature, body) = read_request(&mut stream).await;
            let first = {
                let mut log = log.lock().unwrap();
                log.push((signature, body));
                log.len() == 1
            };
            let status = if first && fail_first {
                "500 Internal Server Error"
            } else {
                "204 No Content"
            };
            let answer =
                format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    (url, received)
}

/// The `x-idp-signature` header and the body of one request.
async fn read_request(stream: &mut tokio::net::TcpStream) -> (Option<String>, String) {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "the request ended early");
        data.extend_from_slice(&buf[..n]);
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_string();
    let header = |name: &str| {
        head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    };
    assert!(head.starts_with("POST /hooks/idp "), "{head}");
    assert_eq!(header("content-type").as_deref(), Some("application/json"));
    let length: usize = header("content-length").unwrap().parse().unwrap();
    while data.len() < head_end + length {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "the body ended early");
        data.extend_from_slice(&buf[..n]);
    }
    let body = String::from_utf8(data[head_end..head_end + length].to_vec()).unwrap();
    (header("x-idp-signature"), body)
}

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

pub async fn received_within(received: &Received, count: usize, within: Duration) {
    let start = Instant::now();
    while received.lock().unwrap().len() < count {
        assert!(
            start.elapsed() < within,
            "{count} webhook requests not seen in {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn an_incident_is_posted_signed_and_mailed_once(backend: Backend) {
    if !require(Prerequisite::SmtpServer)
        || (backend == Backend::Postgres && !require(Prerequisite::Redis))
    {
        return;
    }
    let mut sink = MailSink::on_port(free_port());
    sink.run().await;
    let (url, received) = webhook_receiver().await;
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
    received_within(&received, 2, Duration::from_secs(15)).await;
    let posts = received.lock().unwrap().clone();
    assert_eq!(posts[0].1, posts[1].1, "the retry posts the same alert");
    let (signature, body) = &posts[1];
    assert_eq!(
        signature.as_deref(),
        Some(expected_signature(SECRET, body).as_str())
    );
    assert_ne!(
        signature.as_deref(),
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
    assert_eq!(received.lock().unwrap().len(), 2, "no storm, no repeat");
    assert_eq!(
        sink.messages()
            .iter()
            .filter(|m| m["envelope_to"][0] == "root@example.com")
            .count(),
        1
    );
}
