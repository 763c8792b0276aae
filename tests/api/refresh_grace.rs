//! `tokens.refresh_reuse_grace_secs`: a just-rotated refresh token presented again within the
//! window returns the same successor — to every one of many simultaneous presentations, on one
//! node or two — and never a second branch; after the window, reuse revokes the grant as always.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::Value;

use crate::on_both_backends;
use crate::support::{
    require, Backend, Browser, Prerequisite, TestEnv, TestServer, WebClient, OFFLINE_SCOPES,
};

on_both_backends!(
    simultaneous_refreshes_within_the_window_get_one_successor,
    reuse_after_the_window_revokes_the_grant
);

const OFFLINE: &str = "openid profile offline_access";
const RACERS: usize = 20;

async fn grace_env(backend: Backend, grace: &str) -> (TestEnv, WebClient) {
    let env = TestEnv::new(backend).with_env("IDP_TOKENS__REFRESH_REUSE_GRACE_SECS", grace);
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("spa", "Single-page app", OFFLINE_SCOPES);
    (env, web)
}

async fn refresh_token(server: &TestServer, web: &WebClient, env: &TestEnv) -> String {
    let tokens = Browser::new(&env.issuer())
        .tokens(server, web, OFFLINE, "alice")
        .await;
    tokens["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_string()
}

/// `RACERS` refreshes with `token` at once, spread over `servers`; each answer's status and body.
async fn race(servers: &[&TestServer], web: &WebClient, token: &str) -> Vec<(u16, Value)> {
    let secret = web.secret.clone().expect("a confidential client");
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(RACERS));
    let sends: Vec<_> = (0..RACERS)
        .map(|i| {
            let url = servers[i % servers.len()].url("/token");
            let (id, secret, token) = (web.id.clone(), secret.clone(), token.to_string());
            let start = std::sync::Arc::clone(&start);
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                let request = http
                    .post(url)
                    .basic_auth(id, Some(secret))
                    .form(&[("grant_type", "refresh_token"), ("refresh_token", &token)]);
                start.wait().await;
                let response = request.send().await.unwrap();
                (
                    response.status().as_u16(),
                    response.json::<Value>().await.unwrap(),
                )
            })
        })
        .collect();
    let mut answers = Vec::new();
    for send in sends {
        answers.push(send.await.unwrap());
    }
    answers
}

/// Every answer is 200 with one and the same new refresh token; returns it.
fn one_successor(answers: &[(u16, Value)], old: &str) -> String {
    let tokens: HashSet<&str> = answers
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, 200, "within the window: {body}");
            body["refresh_token"].as_str().expect("a refresh token")
        })
        .collect();
    assert_eq!(tokens.len(), 1, "more than one successor: {tokens:?}");
    let successor = tokens.into_iter().next().unwrap().to_string();
    assert_ne!(successor, old);
    successor
}

async fn simultaneous_refreshes_within_the_window_get_one_successor(backend: Backend) {
    let (env, web) = grace_env(backend, "10").await;
    let server = env.start().await;
    let old = refresh_token(&server, &web, &env).await;
    let successor = one_successor(&race(&[&server], &web, &old).await, &old);
    // The successor is an ordinary refresh token: it rotates once more.
    let next = web.refresh(&server, &successor).await;
    assert_eq!(next.status(), 200);
}

async fn reuse_after_the_window_revokes_the_grant(backend: Backend) {
    let (env, web) = grace_env(backend, "1").await;
    let server = env.start().await;
    let old = refresh_token(&server, &web, &env).await;
    let rotated = web.refresh(&server, &old).await;
    assert_eq!(rotated.status(), 200);
    let successor = rotated.json::<Value>().await.unwrap()["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    let reused = web.refresh(&server, &old).await;
    assert_eq!(reused.status(), 400, "reuse after the window");
    assert_eq!(
        web.refresh(&server, &successor).await.status(),
        400,
        "the grant is revoked"
    );
}

/// Two nodes on one PostgreSQL database: the racing presentations reach both, and all still
/// get one successor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_within_the_window_agree_on_one_successor() {
    if !require(Prerequisite::Postgres) {
        return;
    }
    let (env, web) = grace_env(Backend::Postgres, "10").await;
    let a = env.start().await;
    let b = env.start_node().await;
    let old = refresh_token(&a, &web, &env).await;
    one_successor(&race(&[&a, &b], &web, &old).await, &old);
}
