//! Outbound mail through a real SMTP server: queued in the database, sent in the background by
//! any node exactly once, retried while the relay is away, given up when refused, sealed at rest,
//! and reported by /readyz.

use std::collections::HashSet;
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};

use crate::on_both_backends;
use crate::smtp::MailSink;
use crate::support::{require, Backend, Prerequisite, TestEnv};

on_both_backends!(
    mail_waits_for_the_relay_and_goes_out_once,
    concurrent_claims_never_share_a_message
);

pub const FROM: &str = "Identity <id@example.com>";

/// An environment whose mail goes to `sink`, retrying after a second.
pub fn mail_env(backend: Backend, sink: &MailSink) -> TestEnv {
    TestEnv::new(backend)
        .with_env("IDP_EMAIL__SMTP_URL", &sink.url())
        .with_env("IDP_EMAIL__FROM", FROM)
        .with_env("IDP_EMAIL__RETRY_SECS", "1")
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    recipient_hint: String,
    #[diesel(sql_type = Text)]
    sealed: String,
    #[diesel(sql_type = Integer)]
    failed: i32,
}

fn queue(env: &TestEnv) -> Vec<Row> {
    let mut conn = crate::store::connect(env);
    diesel::sql_query(
        "SELECT recipient_hint, sealed, \
         CASE WHEN failed_at IS NULL THEN 0 ELSE 1 END AS failed FROM mail_outbox",
    )
    .load(&mut conn)
    .unwrap()
}

async fn mail_status(server: &crate::support::TestServer) -> String {
    server.get_json("/readyz").await["mail"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn await_mail_status(server: &crate::support::TestServer, want: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while mail_status(server).await != want {
        assert!(
            std::time::Instant::now() < deadline,
            "/readyz mail never became {want}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn mail_waits_for_the_relay_and_goes_out_once(backend: Backend) {
    if !require(Prerequisite::SmtpServer) {
        return;
    }
    // The relay's address is known, but nothing listens there yet.
    let mut sink = MailSink::on_port(crate::support::free_port());
    let env = mail_env(backend, &sink);
    let first = env.start().await;
    await_mail_status(&first, "unavailable").await;

    // Queued by the CLI (another process): sealed in the table, no address or body in clear.
    let out = env.cli_ok(&["email", "test", "alice@example.com"], "");
    assert!(out.contains("a***@example.com"), "{out}");
    assert!(!out.contains("alice"), "{out}");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let waiting = queue(&env);
    assert_eq!(waiting.len(), 1, "the message waits for the relay");
    assert_eq!(waiting[0].recipient_hint, "a***@example.com");
    assert!(!waiting[0].sealed.contains("alice"));
    assert!(!waiting[0].sealed.contains("Test message"));
    assert_eq!(waiting[0].failed, 0);

    // The relay comes up, a second node joins, and more mail is queued: each message arrives
    // once, whichever node sends it.
    sink.run().await;
    let second = env.start_node().await;
    let mut expected: HashSet<String> = HashSet::from(["alice@example.com".to_string()]);
    for i in 0..12 {
        let to = format!("user{i}@example.org");
        env.cli_ok(&["email", "test", &to], "");
        expected.insert(to);
    }
    env.cli_ok(&["email", "test", "reject-me@example.org"], "");
    let messages = sink.wait_for(expected.len(), Duration::from_secs(40)).await;
    // Time for a duplicate to show up, if one were sent.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let messages = {
        let again = sink.messages();
        assert_eq!(again.len(), messages.len(), "no mail is sent twice");
        again
    };
    assert_eq!(messages.len(), expected.len());
    let recipients: HashSet<String> = messages
        .iter()
        .map(|m| m["envelope_to"][0].as_str().unwrap().to_string())
        .collect();
    assert_eq!(recipients, expected);
    let ids: HashSet<&str> = messages
        .iter()
        .map(|m| m["message_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), messages.len(), "one Message-ID per message");
    let alice = sink
        .message_to("alice@example.com", Duration::from_secs(1))
        .await;
    assert_eq!(alice["from"], FROM);
    assert_eq!(alice["envelope_from"], "id@example.com");
    assert_eq!(alice["subject"], "Test message from your identity provider");
    let issuer = env.issuer();
    let text = alice["text"].as_str().unwrap().replace("\r\n", "\n");
    assert!(text.contains(&issuer));
    // Signed with the service's name, as every page bears it.
    assert!(
        text.contains("\n-- \n") && text.trim_end().ends_with("Sign-in service"),
        "{text}"
    );
    let html = alice["html"].as_str().unwrap();
    assert!(html.contains("<p>") && html.contains(&issuer), "{html}");
    assert!(html.contains("Sign-in service</p>"), "{html}");

    // Sent rows are gone; the refused one is kept, masked, without its sealed content.
    let left = queue(&env);
    assert_eq!(left.len(), 1, "only the refused message is left");
    assert_eq!(left[0].recipient_hint, "r***@example.org");
    assert_eq!(left[0].failed, 1);
    assert!(left[0].sealed.is_empty());

    await_mail_status(&first, "ok").await;
    await_mail_status(&second, "ok").await;
}

/// Without a relay, /readyz says so, the flows that need mail are off and unlinked, and the CLI
/// refuses to queue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_not_configured() {
    let env = TestEnv::new(Backend::Sqlite);
    let server = env.start().await;
    assert_eq!(mail_status(&server).await, "not configured");
    let login = server.http.get(server.url("/login")).send().await.unwrap();
    assert!(!login.text().await.unwrap().contains("/login/forgot"));
    for path in ["/login/forgot", "/login/reset?token=x"] {
        let response = server.http.get(server.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
        assert!(response.text().await.unwrap().contains("not set up here"));
    }
    let out = env.cli(&["email", "test", "alice@example.com"], "");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error: mail is not configured"), "{err}");
}

/// Four claimers at once on their own connections: every queued row is claimed by exactly one.
async fn concurrent_claims_never_share_a_message(backend: Backend) {
    use idp::store::mail_outbox::{self, NewMail};
    let env = TestEnv::new(backend);
    let mut conn = crate::store::connect(&env);
    let now = idp::store::unix_now();
    for i in 0..60 {
        let mail = NewMail {
            id: format!("m{i:02}"),
            recipient_hint: "x***@example.com".into(),
            sealed: "sealed".into(),
        };
        mail_outbox::insert(&mut conn, &mail, now).unwrap();
    }
    let env = std::sync::Arc::new(env);
    let claimers: Vec<_> = (0..4)
        .map(|n| {
            let env = std::sync::Arc::clone(&env);
            std::thread::spawn(move || {
                let mut conn = crate::store::connect(&env);
                let node = format!("node{n}");
                let mut mine = Vec::new();
                loop {
                    let batch = mail_outbox::claim(&mut conn, &node, now, 300, 5).unwrap();
                    if batch.is_empty() {
                        return mine;
                    }
                    mine.extend(batch.into_iter().map(|c| c.id));
                }
            })
        })
        .collect();
    let mut all: Vec<String> = claimers
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    all.sort();
    let total = all.len();
    all.dedup();
    assert_eq!(total, 60, "each row claimed once");
    assert_eq!(all.len(), 60, "no row claimed twice");
}
