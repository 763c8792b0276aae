//! Incidents beyond failed sign-ins, over HTTP on both stores: a replayed refresh token and a
//! replayed authorization code open incidents per client (listing the address and the
//! account), and privilege events — a role granted, an API key made, a client's redirect URIs
//! changed, signing keys rotated by hand, the audit chain failing verification — open incidents
//! whichever way they came (console or CLI), each posted to the webhook, signed.

use std::time::Duration;

use serde_json::Value;

use crate::admin::{add_user_with_roles, create_key, sign_in};
use crate::alerts::{expected_signature, SECRET};
use crate::monitoring::incidents;
use crate::on_both_backends;
use crate::receiver::Receiver;
use crate::support::{run_sql, Backend, Browser, TestEnv, TestServer, WebClient, OFFLINE_SCOPES};

on_both_backends!(
    replays_open_incidents_per_client,
    privilege_events_open_incidents_and_alert
);

/// Where the receiver takes alerts.
const HOOK: &str = "/hooks/idp";

const OFFLINE: &str = "openid profile offline_access";

/// An env posting alerts to a receiver started here (every request answered 204); alice, and
/// a web client `spa` allowed refresh tokens. Reuse is never within a grace window.
async fn env_with_webhook(backend: Backend) -> (TestEnv, WebClient, Receiver) {
    let received = Receiver::ok().await;
    let url = received.url(HOOK);
    let env = TestEnv::new(backend)
        .with_env("IDP_TOKENS__REFRESH_REUSE_GRACE_SECS", "0")
        .with_env("IDP_MONITORING__WEBHOOK_URL", &url)
        .with_env("IDP_MONITORING__WEBHOOK_SECRET", SECRET);
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("spa", "Single-page app", OFFLINE_SCOPES);
    (env, web, received)
}

/// alice's account id, from `idp user list`.
pub fn account_id(env: &TestEnv, username: &str) -> String {
    env.cli_ok(&["user", "list"], "")
        .lines()
        .find_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            (f.get(1) == Some(&username)).then(|| f[0].to_string())
        })
        .expect("the user is listed")
}

/// The alerts posted so far, each checked for its signature, by incident kind.
fn alerts(received: &Receiver) -> Vec<Value> {
    received
        .at(HOOK)
        .iter()
        .map(|request| {
            let body = &request.body;
            assert_eq!(
                request.header("x-idp-signature"),
                Some(expected_signature(SECRET, body).as_str()),
                "a signed alert"
            );
            serde_json::from_str(body).unwrap()
        })
        .collect()
}

fn alert_of<'a>(alerts: &'a [Value], kind: &str) -> &'a Value {
    alerts
        .iter()
        .find(|a| a["incident"]["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} alert among {alerts:?}"))
}

/// A new refresh token for alice through a whole sign-in.
async fn refresh_token(server: &TestServer, web: &WebClient, env: &TestEnv) -> String {
    let tokens = Browser::new(&env.issuer())
        .tokens(server, web, OFFLINE, "alice")
        .await;
    tokens["refresh_token"].as_str().unwrap().to_string()
}

/// Uses `token` once (200), then again: refused as used up.
async fn replay_refresh(server: &TestServer, web: &WebClient, token: &str) {
    assert_eq!(web.refresh(server, token).await.status(), 200);
    let again = web.refresh(server, token).await;
    assert_eq!(again.status(), 400);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant", "{body}");
}

async fn replays_open_incidents_per_client(backend: Backend) {
    let (env, web, received) = env_with_webhook(backend).await;
    let other = env.add_web_client("other", "Other app", OFFLINE_SCOPES);
    let alice = account_id(&env, "alice");
    let server = env.start().await;
    assert!(incidents(&env, false).is_empty());

    // Two chains of the same client replayed: one incident, counted twice.
    for _ in 0..2 {
        let token = refresh_token(&server, &web, &env).await;
        replay_refresh(&server, &web, &token).await;
    }
    // A code presented twice, to the other client.
    let browser = Browser::new(&env.issuer());
    let request = crate::support::AuthRequest::new(&other, OFFLINE);
    let landing = browser
        .sign_in(&request, "alice", crate::support::Decision::Allow)
        .await;
    let code = landing.code(&request, &env.issuer());
    assert_eq!(
        other
            .redeem(&server, &code, &request.verifier)
            .await
            .status(),
        200
    );
    let again = other.redeem(&server, &code, &request.verifier).await;
    assert_eq!(again.status(), 400);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant", "{body}");

    let mut open: Vec<(String, String, i64)> = incidents(&env, false)
        .into_iter()
        .map(|(_, kind, subject, count, _)| (kind, subject, count))
        .collect();
    open.sort();
    assert_eq!(
        open,
        [
            ("code_replay".to_string(), "client:other".to_string(), 1),
            ("refresh_token_reuse".into(), "client:spa".into(), 2),
        ]
    );

    // Each alerted once (the second reuse came within the window), listing client, account
    // and address.
    received.wait_for(HOOK, 2, Duration::from_secs(15)).await;
    let posted = alerts(&received);
    let reuse = &alert_of(&posted, "refresh_token_reuse")["incident"];
    assert_eq!(reuse["severity"], "high");
    assert_eq!(reuse["clients"], serde_json::json!(["spa"]));
    assert_eq!(reuse["accounts"], serde_json::json!([alice]));
    assert_eq!(reuse["addresses"], serde_json::json!(["127.0.0.1"]));
    let replay = &alert_of(&posted, "code_replay")["incident"];
    assert_eq!(replay["clients"], serde_json::json!(["other"]));
    assert_eq!(replay["accounts"], serde_json::json!([alice]));
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(received.at(HOOK).len(), 2, "one alert per incident");
}

async fn privilege_events_open_incidents_and_alert(backend: Backend) {
    let (env, _web, received) = env_with_webhook(backend).await;
    // The installation's first admin is its setup, not an event.
    add_user_with_roles(&env, "root", &["admin"]);
    let alice = account_id(&env, "alice");
    let server = env.start().await;
    assert!(incidents(&env, false).is_empty(), "no incident from setup");

    // From the CLI: a role, a client's redirect URIs, a rotation by hand.
    env.cli_ok(&["user", "edit", "alice", "--role", "auditor"], "");
    env.cli_ok(
        &[
            "client",
            "edit",
            "spa",
            "--redirect-uri",
            "https://elsewhere.example.net/cb",
        ],
        "",
    );
    env.cli_ok(&["keys", "rotate", "--alg", "ES256"], "");
    // From the console: an API key.
    let (root, csrf) = sign_in(&server, "root").await;
    create_key(&root, &csrf, "automation", &["auditor"]).await;
    // A client edit that leaves the redirect URIs alone is no event.
    env.cli_ok(&["client", "edit", "spa", "--name", "Renamed app"], "");

    let kinds = |env: &TestEnv| {
        let mut kinds: Vec<(String, String)> = incidents(env, false)
            .into_iter()
            .map(|(_, kind, subject, _, _)| (kind, subject))
            .collect();
        kinds.sort();
        kinds
    };
    let root_id = account_id(&env, "root");
    let mut expected = vec![
        ("api_key_created".to_string(), format!("account:{root_id}")),
        ("keys_rotated_manually".into(), "signing_keys".into()),
        ("redirect_uris_changed".into(), "client:spa".into()),
        ("role_granted".into(), format!("account:{alice}")),
    ];
    assert_eq!(kinds(&env), expected);

    // The server alerts about what the CLI recorded too.
    received.wait_for(HOOK, 4, Duration::from_secs(20)).await;
    let posted = alerts(&received);
    let role = &alert_of(&posted, "role_granted")["incident"];
    assert_eq!(role["accounts"], serde_json::json!([alice]));
    assert_eq!(role["severity"], "medium");
    let uris = &alert_of(&posted, "redirect_uris_changed")["incident"];
    assert_eq!(uris["clients"], serde_json::json!(["spa"]));
    assert_eq!(uris["severity"], "high");
    let key = &alert_of(&posted, "api_key_created")["incident"];
    assert_eq!(
        key["addresses"],
        serde_json::json!(["127.0.0.1"]),
        "the console's"
    );
    alert_of(&posted, "keys_rotated_manually");

    // The admin role for alice as well: counted on her open incident, no second alert.
    env.cli_ok(
        &[
            "user", "edit", "alice", "--role", "auditor", "--role", "admin",
        ],
        "",
    );
    let count = incidents(&env, false)
        .into_iter()
        .find(|i| i.1 == "role_granted")
        .unwrap()
        .3;
    assert_eq!(count, 2);

    // An altered audit entry: verification fails, and that is an incident, alerted too.
    run_sql(
        &env,
        "UPDATE audit_events SET detail = 'altered' WHERE seq = 1",
    );
    let out = env.cli(&["audit", "verify"], "");
    assert!(!out.status.success());
    expected.push(("audit_chain_broken".into(), "audit_chain".into()));
    expected.sort();
    assert_eq!(kinds(&env), expected);
    received.wait_for(HOOK, 5, Duration::from_secs(20)).await;
    let posted = alerts(&received);
    assert_eq!(
        alert_of(&posted, "audit_chain_broken")["incident"]["severity"],
        "critical"
    );
    // The console's check sees the break as well: counted on the same incident.
    let page = root.get("/admin/audit").await;
    assert_eq!(page.status(), 200);
    let broken = incidents(&env, false)
        .into_iter()
        .find(|i| i.1 == "audit_chain_broken")
        .unwrap();
    assert_eq!(broken.3, 2, "{broken:?}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(received.at(HOOK).len(), 5, "one alert per incident");
}
