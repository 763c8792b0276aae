use std::time::{Duration, Instant};

use crate::on_both_backends;
use crate::support::{jwt_header, token_request, verify_with_jwks, Backend, TestEnv};

on_both_backends!(rotation_reaches_a_running_server);

async fn rotation_reaches_a_running_server(backend: Backend) {
    let env = TestEnv::new(backend)
        .with_env("IDP_KEYS__REFRESH_SECS", "1")
        .with_env("IDP_KEYS__PUBLISH_LEAD_SECS", "0");
    let (id, secret) = env.add_machine_client("svc", "https://api.example.com", &["a"]);
    let server = env.start().await;
    let issue = || {
        token_request(
            &server,
            Some((&id, &secret)),
            &[("grant_type", "client_credentials")],
        )
    };
    let before: serde_json::Value = issue().await.json().await.unwrap();
    let old_token = before["access_token"].as_str().unwrap().to_string();
    let old_kid = jwt_header(&old_token)["kid"].as_str().unwrap().to_string();

    let out = env.cli_ok(&["keys", "rotate", "--alg", "ES256"], "");
    let new_kid = out
        .lines()
        .find_map(|l| l.strip_prefix("new ES256 key "))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("new kid printed")
        .to_string();

    let deadline = Instant::now() + Duration::from_secs(20);
    let jwks = loop {
        let jwks = server.get_json("/jwks.json").await;
        let kids: Vec<&str> = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap())
            .collect();
        if kids.contains(&new_kid.as_str()) {
            assert!(
                kids.contains(&old_kid.as_str()),
                "the old key must stay published"
            );
            break jwks;
        }
        assert!(
            Instant::now() < deadline,
            "rotation never reached the server"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let after: serde_json::Value = issue().await.json().await.unwrap();
    let new_token = after["access_token"].as_str().unwrap();
    assert_eq!(
        jwt_header(new_token)["kid"],
        new_kid.as_str(),
        "new tokens use the new key"
    );
    // A token signed before the rotation still verifies against the published set.
    verify_with_jwks(&old_token, &jwks);
    verify_with_jwks(new_token, &jwks);
    let listed = env.cli_ok(&["keys", "list"], "");
    let old_line = listed.lines().find(|l| l.starts_with(&old_kid)).unwrap();
    assert!(old_line.contains("published until"), "{old_line}");
}

on_both_backends!(resource_server_verifies_across_rotation_and_retirement);

fn kids(jwks: &serde_json::Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect()
}

/// A resource server holding only the published JWKS: a new key is published before it signs,
/// tokens signed before the rotation keep verifying, and the old key leaves once they expired.
async fn resource_server_verifies_across_rotation_and_retirement(backend: Backend) {
    const LEAD: u64 = 4;
    const RETIRE: u64 = 10;
    let env = TestEnv::new(backend)
        .with_env("IDP_KEYS__REFRESH_SECS", "1")
        .with_env("IDP_KEYS__PUBLISH_LEAD_SECS", &LEAD.to_string())
        .with_env("IDP_KEYS__RETIRE_AFTER_SECS", &RETIRE.to_string())
        .with_env("IDP_TOKENS__ACCESS_TOKEN_TTL_SECS", "10")
        .with_env("IDP_TOKENS__ID_TOKEN_TTL_SECS", "10");
    let (id, secret) = env.add_machine_client("svc", "https://api.example.com", &["a"]);
    let server = env.start().await;
    let issue = || async {
        let response = token_request(
            &server,
            Some((&id, &secret)),
            &[("grant_type", "client_credentials")],
        )
        .await;
        let body: serde_json::Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_string()
    };
    let before = issue().await;
    let old_kid = jwt_header(&before)["kid"].as_str().unwrap().to_string();

    let rotated_at = Instant::now();
    let out = env.cli_ok(&["keys", "rotate", "--alg", "ES256"], "");
    let new_kid = out
        .lines()
        .find_map(|l| l.strip_prefix("new ES256 key "))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_string();

    // Published first...
    let jwks = loop {
        let jwks = server.get_json("/jwks.json").await;
        if kids(&jwks).contains(&new_kid) {
            break jwks;
        }
        assert!(
            rotated_at.elapsed() < Duration::from_secs(LEAD),
            "not published in time"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(kids(&jwks).contains(&old_kid));
    let during_lead = issue().await;
    if rotated_at.elapsed() < Duration::from_secs(LEAD) {
        assert_eq!(
            jwt_header(&during_lead)["kid"],
            old_kid.as_str(),
            "signs only after the lead"
        );
    }

    // ...then signing; what the old key signed still verifies.
    tokio::time::sleep(
        Duration::from_secs(LEAD).saturating_sub(rotated_at.elapsed())
            + Duration::from_millis(1100),
    )
    .await;
    let after = issue().await;
    assert_eq!(jwt_header(&after)["kid"], new_kid.as_str());
    let jwks = server.get_json("/jwks.json").await;
    verify_with_jwks(&before, &jwks);
    verify_with_jwks(&after, &jwks);

    // Once every token the old key signed has expired, it leaves the JWKS.
    let retired_by = Duration::from_secs(LEAD + RETIRE + 3);
    loop {
        let jwks = server.get_json("/jwks.json").await;
        if !kids(&jwks).contains(&old_kid) {
            assert!(kids(&jwks).contains(&new_kid));
            let stale = std::panic::catch_unwind(|| verify_with_jwks(&before, &jwks));
            assert!(stale.is_err(), "a retired key no longer verifies");
            break;
        }
        assert!(
            rotated_at.elapsed() < retired_by,
            "the old key was never retired"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
