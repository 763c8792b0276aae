//! Security monitoring on one node, over HTTP on both stores: a credential-stuffing run and a
//! password-spraying run from one address behind a trusted proxy open one incident each (in the
//! CLI's list and the audit chain), block the address past `monitoring.block_at` (429 with
//! `Retry-After`, a page for people, OAuth JSON for programs, and no password hashed), never
//! block the proxy's other clients, and answer to `idp incidents` and `idp blocks`.

use serde_json::Value;

use crate::on_both_backends;
use crate::support::{
    metric, post_login_from, Backend, Browser, Form, TestEnv, TestServer, PASSWORD,
};

on_both_backends!(
    stuffing_opens_an_incident_and_blocks_the_address,
    spraying_is_told_from_stuffing
);

pub const ATTACKER: &str = "198.51.100.7";
pub const NEIGHBOUR: &str = "203.0.113.5";
pub const PASSWORD_HASHES: &str = "idp_password_verifications_total";

/// An env behind a trusted proxy (127.0.0.1) with small thresholds: an incident at 4 distinct
/// usernames (or 3 accounts for one password, or 3 addresses on one account), a block at 6.
pub fn monitored(backend: Backend) -> TestEnv {
    let env = TestEnv::new(backend)
        .with_env("IDP_SERVER__TRUSTED_PROXIES", "127.0.0.1")
        .with_env("IDP_MONITORING__STUFFING_USERNAMES", "4")
        .with_env("IDP_MONITORING__SPRAYING_ACCOUNTS", "3")
        .with_env("IDP_MONITORING__SPRAYING_ADDRESSES", "3")
        .with_env("IDP_MONITORING__BLOCK_AT", "6")
        .with_env("IDP_MONITORING__BLOCK_SECS", "900");
    env.add_user("alice", "Alice Example");
    env
}

/// A browser on `server` with the login form's fields.
pub async fn login_form(server: &TestServer) -> (Browser, Form) {
    let person = Browser::new(&server.base);
    let html = person.get("/login").await.text().await.unwrap();
    (person, Form::parse(&html))
}

/// The `idp incidents list` rows (`--all` too when asked) as (id, kind, subject, count, state).
pub fn incidents(env: &TestEnv, all: bool) -> Vec<(String, String, String, i64, String)> {
    let mut args = vec!["incidents", "list"];
    if all {
        args.push("--all");
    }
    env.cli_ok(&args, "")
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let state = f.last().unwrap().to_string();
            (
                f[0].into(),
                f[1].into(),
                f[2].into(),
                f[4].parse().unwrap(),
                state,
            )
        })
        .collect()
}

/// Asserts a blocked answer: 429 with a `Retry-After` of at most `block_secs`.
pub fn assert_blocked(response: &reqwest::Response, block_secs: i64, what: &str) {
    assert_eq!(response.status(), 429, "{what}");
    let retry: i64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=block_secs).contains(&retry),
        "{what}: Retry-After {retry}"
    );
}

/// The CLI's error for `args`: it fails with exactly one `error:` line.
pub fn cli_error(env: &TestEnv, args: &[&str]) -> String {
    let out = env.cli(args, "");
    assert!(!out.status.success(), "{args:?} succeeded");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("error: ") && err.trim_end().lines().count() == 1,
        "{args:?}: {err}"
    );
    err
}

async fn stuffing_opens_an_incident_and_blocks_the_address(backend: Backend) {
    let env = monitored(backend);
    let server = env.start().await;
    let (person, form) = login_form(&server).await;

    // Stolen pairs: a new name and password each time. Three are only failures.
    for n in 1..=3 {
        let response = post_login_from(
            &person,
            &form,
            Some(ATTACKER),
            &format!("user{n}"),
            &format!("pw{n}"),
        )
        .await;
        assert_eq!(response.status(), 401);
    }
    assert!(incidents(&env, false).is_empty(), "below the threshold");
    for n in 4..=6 {
        let response = post_login_from(
            &person,
            &form,
            Some(ATTACKER),
            &format!("user{n}"),
            &format!("pw{n}"),
        )
        .await;
        assert_eq!(response.status(), 401, "attempt {n} is still answered");
    }
    let open = incidents(&env, false);
    assert_eq!(open.len(), 1, "one incident, counted: {open:?}");
    let (id, kind, subject, count, state) = &open[0];
    assert_eq!(
        (kind.as_str(), subject.as_str(), *count),
        ("credential_stuffing", ATTACKER, 3)
    );
    assert_eq!(state, "open");
    let open_gauge = r#"idp_security_incidents_open{kind="credential_stuffing"}"#;
    assert_eq!(metric(&server, open_gauge).await, 1.0);
    let opened = r#"idp_security_incidents_total{kind="credential_stuffing"}"#;
    assert_eq!(metric(&server, opened).await, 1.0);

    // The sixth distinct name blocked the address: refused before any password is hashed,
    // even the right one, as a page for the browser and as OAuth JSON at the token endpoint.
    let hashed = metric(&server, PASSWORD_HASHES).await;
    let response = post_login_from(&person, &form, Some(ATTACKER), "alice", PASSWORD).await;
    assert_blocked(&response, 900, "the login form");
    let html = response.text().await.unwrap();
    assert!(
        html.contains("Access from your network is paused"),
        "{html}"
    );
    // In the person's language.
    let german = person
        .http
        .post(person.resolve("/login"))
        .form(&[
            ("username", "alice"),
            ("password", PASSWORD),
            ("req", &form.req),
            ("csrf", &form.csrf),
        ])
        .header("x-forwarded-for", ATTACKER)
        .header("accept-language", "de")
        .send()
        .await
        .unwrap();
    assert_eq!(german.status(), 429);
    let html = german.text().await.unwrap();
    assert!(
        html.contains("Der Zugang aus Ihrem Netzwerk ist pausiert") && html.contains("Minuten"),
        "{html}"
    );
    let token = server
        .http
        .post(server.url("/token"))
        .header("x-forwarded-for", ATTACKER)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_blocked(&token, 900, "the token endpoint");
    let body: Value = token.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
    for n in 7..=9 {
        let response =
            post_login_from(&person, &form, Some(ATTACKER), &format!("user{n}"), "x").await;
        assert_blocked(&response, 900, "more attempts");
    }
    assert_eq!(
        metric(&server, PASSWORD_HASHES).await,
        hashed,
        "a blocked address costs no password hashing"
    );

    // The proxy's other clients, and the proxy itself, are not blocked.
    let neighbour = post_login_from(&person, &form, Some(NEIGHBOUR), "alice", PASSWORD).await;
    assert_eq!(
        neighbour.status(),
        303,
        "another client behind the same proxy"
    );
    let (other, other_form) = login_form(&server).await;
    let direct = post_login_from(&other, &other_form, None, "nobody", "wrong").await;
    assert_eq!(direct.status(), 401, "the trusted proxy itself");

    // The CLI lists the block; the audit chain has the incident and the block.
    let blocks = env.cli_ok(&["blocks", "list"], "");
    assert!(
        blocks.contains(ATTACKER) && blocks.contains(id.as_str()),
        "{blocks}"
    );
    let audit = env.cli_ok(&["audit", "list", "--limit", "100"], "");
    for action in ["incident_opened", "address_block"] {
        assert!(audit.contains(action), "{action} audited: {audit}");
    }
    assert!(env
        .cli_ok(&["audit", "verify"], "")
        .starts_with("audit chain intact"));

    // Acknowledge, resolve; each once.
    assert!(env
        .cli_ok(&["incidents", "ack", id], "")
        .contains("acknowledged"));
    cli_error(&env, &["incidents", "ack", id]);
    assert!(env
        .cli_ok(&["incidents", "resolve", id], "")
        .contains("resolved"));
    assert!(incidents(&env, false).is_empty());
    assert_eq!(incidents(&env, true)[0].4, "resolved");
    assert_eq!(metric(&server, open_gauge).await, 0.0);
    cli_error(&env, &["incidents", "resolve", "no-such-incident"]);

    // Lifted by the CLI, the address signs in again.
    env.cli_ok(&["blocks", "remove", ATTACKER], "");
    crate::blocks::until_admitted(&server, ATTACKER, "alice").await;
    cli_error(&env, &["blocks", "remove", ATTACKER]);
    let audit = env.cli_ok(&["audit", "list", "--limit", "100"], "");
    for action in [
        "incident_acknowledge",
        "incident_resolve",
        "address_unblock",
    ] {
        assert!(audit.contains(action), "{action} audited: {audit}");
    }
}

async fn spraying_is_told_from_stuffing(backend: Backend) {
    let env = monitored(backend)
        // Only spraying is watched here: stuffing would need more names than are tried.
        .with_env("IDP_MONITORING__STUFFING_USERNAMES", "50");
    for name in ["bob", "carol", "dave"] {
        env.add_user(name, "Someone Example");
    }
    let server = env.start().await;
    let (person, form) = login_form(&server).await;

    // One password against one account from three addresses: the account is targeted.
    for ip in ["192.0.2.1", "192.0.2.2", "192.0.2.3"] {
        let response = post_login_from(&person, &form, Some(ip), "bob", "Summer2026!").await;
        assert_eq!(response.status(), 401);
    }
    let open = incidents(&env, false);
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0].1, "password_spraying");
    assert!(open[0].2.starts_with("account:"), "{open:?}");

    // One password over many accounts from one address: spraying from that address, blocked
    // at six names.
    for (n, name) in ["alice", "carol", "dave", "erin", "frank", "grace"]
        .iter()
        .enumerate()
    {
        let response = post_login_from(&person, &form, Some(ATTACKER), name, "Winter2026!").await;
        assert_eq!(response.status(), 401, "attempt {}", n + 1);
    }
    let open = incidents(&env, false);
    let from_address: Vec<_> = open.iter().filter(|i| i.2 == ATTACKER).collect();
    assert_eq!(from_address.len(), 1, "{open:?}");
    assert_eq!(from_address[0].1, "password_spraying", "{open:?}");
    assert_eq!(from_address[0].3, 4, "names 3 to 6: {open:?}");
    let response = post_login_from(&person, &form, Some(ATTACKER), "alice", PASSWORD).await;
    assert_blocked(&response, 900, "after spraying");
    // Other passwords from elsewhere do not count as the sprayed one.
    let response = post_login_from(&person, &form, Some(NEIGHBOUR), "alice", PASSWORD).await;
    assert_eq!(response.status(), 303);

    // Bad input to the CLI: one error line each, nothing written.
    for args in [
        &["blocks", "add", "not-an-address", "--reason", "x"][..],
        &["blocks", "add", "192.0.2.0/33", "--reason", "x"],
        &["blocks", "add", "192.0.2.9", "--for", "10", "--reason", "x"],
        &["blocks", "add", "192.0.2.9", "--reason", " "],
        &["incidents", "ack", "nope"],
    ] {
        cli_error(&env, args);
    }
    let blocks = env.cli_ok(&["blocks", "list"], "");
    assert_eq!(
        blocks.lines().count(),
        2,
        "only the attacker's block: {blocks}"
    );
}
