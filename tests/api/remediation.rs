//! Per-kind remediation (`monitoring.remediation.*`), over HTTP on both stores:
//! `end_sessions` ends the targeted account's sessions and refresh tokens, once per incident
//! (a later sighting leaves a new session alone); `require_second_factor` refuses the
//! targeted account's next password-only sign-in until its password is reset (it has no second
//! factor); `alert` changes nothing for the account. Each shows on the incident in the CLI.

use std::time::Duration;

use serde_json::Value;

use crate::admin::{add_user_with_roles, sign_in};
use crate::incident_response::account_id;
use crate::monitoring::{login_form, monitored, ATTACKER, NEIGHBOUR};
use crate::on_both_backends;
use crate::smtp::MailSink;
use crate::support::{
    free_port, location, post_login_from, require, Backend, Browser, Prerequisite, TestEnv,
    TestServer, WebClient, OFFLINE_SCOPES, PASSWORD,
};

on_both_backends!(
    end_sessions_ends_sessions_and_refresh_tokens_once,
    require_second_factor_refuses_the_password_alone,
    alert_changes_nothing_for_the_account
);

const OFFLINE: &str = "openid profile offline_access";

/// The `idp incidents list` line of the incident of `kind`.
fn incident_line(env: &TestEnv, kind: &str) -> String {
    env.cli_ok(&["incidents", "list"], "")
        .lines()
        .find(|line| line.split_whitespace().nth(1) == Some(kind))
        .unwrap_or_else(|| panic!("no {kind} incident"))
        .to_string()
}

/// Whether `browser` has a live session (the account page answers rather than sending it to
/// sign in).
async fn signed_in(browser: &Browser) -> bool {
    let response = browser.get("/account").await;
    match response.status().as_u16() {
        200 => true,
        303 => false,
        other => panic!("/account answered {other}"),
    }
}

/// A browser signed in as alice, and the refresh token of its sign-in.
async fn alice_with_token(
    server: &TestServer,
    web: &WebClient,
    env: &TestEnv,
) -> (Browser, String) {
    let browser = Browser::new(&env.issuer());
    let tokens = browser.tokens(server, web, OFFLINE, "alice").await;
    assert!(signed_in(&browser).await);
    (
        browser,
        tokens["refresh_token"].as_str().unwrap().to_string(),
    )
}

async fn refresh_status(server: &TestServer, web: &WebClient, token: &str) -> u16 {
    web.refresh(server, token).await.status().as_u16()
}

async fn end_sessions_ends_sessions_and_refresh_tokens_once(backend: Backend) {
    let env = TestEnv::new(backend)
        .with_env("IDP_TOKENS__REFRESH_REUSE_GRACE_SECS", "0")
        .with_env(
            "IDP_MONITORING__REMEDIATION__REFRESH_TOKEN_REUSE",
            "end_sessions",
        );
    env.add_user("alice", "Alice Example");
    env.add_user("bob", "Bob Example");
    add_user_with_roles(&env, "root", &["admin"]);
    let web = env.add_web_client("spa", "Single-page app", OFFLINE_SCOPES);
    let alice = account_id(&env, "alice");
    let server = env.start().await;
    let (first, stolen) = alice_with_token(&server, &web, &env).await;
    let (second, kept) = alice_with_token(&server, &web, &env).await;
    let bob = Browser::new(&env.issuer());
    let bobs = bob.tokens(&server, &web, OFFLINE, "bob").await;

    // The stolen token is used by one party, then by the other: reuse.
    assert_eq!(refresh_status(&server, &web, &stolen).await, 200);
    let again = web.refresh(&server, &stolen).await;
    assert_eq!(again.status(), 400);
    assert_eq!(
        again.json::<Value>().await.unwrap()["error"],
        "invalid_grant"
    );

    // Every session of alice ended, and her other refresh token stopped working; bob's not.
    assert!(!signed_in(&first).await);
    assert!(!signed_in(&second).await);
    assert_eq!(refresh_status(&server, &web, &kept).await, 400);
    assert!(signed_in(&bob).await);
    let bobs_token = bobs["refresh_token"].as_str().unwrap();
    assert_eq!(refresh_status(&server, &web, bobs_token).await, 200);
    assert!(incident_line(&env, "refresh_token_reuse").contains(" end_sessions:1 "));
    let audit = env.cli_ok(&["audit", "list", "--limit", "30"], "");
    assert!(audit.contains("incident_remediated"), "{audit}");
    assert!(audit.contains("admin_user_sessions_end"), "{audit}");
    // The console's Security page shows it on the incident.
    let (root, _) = sign_in(&server, "root").await;
    let page = root.get("/admin/security").await.text().await.unwrap();
    assert!(page.contains(&format!("end sessions: {alice}")), "{page}");

    // Seen again on the same incident: alice was remediated already, her new session stays.
    let (third, token) = alice_with_token(&server, &web, &env).await;
    let (_, other) = alice_with_token(&server, &web, &env).await;
    assert_eq!(refresh_status(&server, &web, &other).await, 200);
    assert_eq!(refresh_status(&server, &web, &other).await, 400);
    assert!(incident_line(&env, "refresh_token_reuse").contains(" end_sessions:1 "));
    assert!(signed_in(&third).await);
    assert_eq!(refresh_status(&server, &web, &token).await, 200);
}

/// A stuffing run from the attacker whose fourth name (opening the incident) is alice's.
async fn stuffing_run_on_alice(server: &TestServer) {
    let (attacker, form) = login_form(server).await;
    for name in ["user1", "user2", "user3", "alice"] {
        // Leaked pairs: a password of its own for each name (one for all would be spraying).
        let password = format!("pw-{name}");
        let response = post_login_from(&attacker, &form, Some(ATTACKER), name, &password).await;
        assert_eq!(response.status(), 401);
    }
}

async fn require_second_factor_refuses_the_password_alone(backend: Backend) {
    if !require(Prerequisite::SmtpServer) {
        return;
    }
    let mut sink = MailSink::on_port(free_port());
    sink.run().await;
    let env = monitored(backend)
        .with_env(
            "IDP_MONITORING__REMEDIATION__CREDENTIAL_STUFFING",
            "require_second_factor",
        )
        .with_env("IDP_EMAIL__SMTP_URL", &sink.url())
        .with_env("IDP_EMAIL__FROM", crate::mail::FROM);
    let server = env.start().await;
    stuffing_run_on_alice(&server).await;
    let line = incident_line(&env, "credential_stuffing");
    assert!(line.contains(" require_second_factor:1 "), "{line}");
    let alice = account_id(&env, "alice");

    // alice, from her own address, with her right password: not enough now, and she has no
    // second factor to give. The answer is a wrong password's, so that the attacker holding
    // her leaked pair learns nothing; she is mailed a reset link instead.
    let (person, form) = login_form(&server).await;
    let response = post_login_from(&person, &form, Some(NEIGHBOUR), "alice", PASSWORD).await;
    assert_eq!(response.status(), 401);
    let page = response.text().await.unwrap();
    let (other, form) = login_form(&server).await;
    let wrong = post_login_from(&other, &form, Some(NEIGHBOUR), "alice", "not her password").await;
    assert_eq!(wrong.status(), 401);
    let wrong_page = wrong.text().await.unwrap();
    let shown = |page: &str| page.contains("Incorrect username or password.");
    assert!(shown(&page) && shown(&wrong_page), "{page}");
    let mail = sink
        .message_to("alice@example.com", Duration::from_secs(20))
        .await;
    let link = crate::support::mail_link(&mail, &env.issuer(), "/login/reset?token=");
    assert!(link.contains("token="), "{link}");
    assert!(!signed_in(&person).await);
    let audit = env.cli_ok(&["audit", "list", "--limit", "30"], "");
    assert!(
        audit
            .lines()
            .any(|l| l.contains("incident_remediated") && l.contains("system")),
        "{audit}"
    );
    assert!(
        audit.lines().any(|l| l.contains(" login ")
            && l.matches(&alice).count() == 2
            && l.contains("failure")),
        "{audit}"
    );

    // A new password set for her (here by an administrator) meets the demand.
    let new_password = "a wholly new passphrase 42";
    env.cli_ok(
        &["user", "set-password", "alice"],
        &format!("{new_password}\n"),
    );
    let (person, form) = login_form(&server).await;
    let response = post_login_from(&person, &form, Some(NEIGHBOUR), "alice", new_password).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response).as_deref(), Some("/account"));
    assert!(signed_in(&person).await);
}

async fn alert_changes_nothing_for_the_account(backend: Backend) {
    let env = monitored(backend);
    let server = env.start().await;
    let (earlier, form) = login_form(&server).await;
    let response = post_login_from(&earlier, &form, Some(NEIGHBOUR), "alice", PASSWORD).await;
    assert_eq!(response.status(), 303);

    stuffing_run_on_alice(&server).await;
    let line = incident_line(&env, "credential_stuffing");
    assert!(line.contains(" - "), "no remediation: {line}");

    // Her session stays, and her password alone still signs her in.
    assert!(signed_in(&earlier).await);
    let (person, form) = login_form(&server).await;
    let response = post_login_from(&person, &form, Some(NEIGHBOUR), "alice", PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert!(signed_in(&person).await);
}
