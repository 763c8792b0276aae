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
