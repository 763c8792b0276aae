//! Monitoring across two nodes on one PostgreSQL: a stuffing run and a spraying run from one
//! address, spread over both nodes, are counted as one (in Redis, and — for the rules that may
//! keep their counts in the database — without it), open one incident, and block the address
//! on both nodes; a block made at one node, or lifted with the CLI, holds or stops holding on
//! every node within the block cache's time (measured).

use std::time::{Duration, Instant};

use crate::monitoring::{
    assert_blocked, incidents, login_form, monitored, ATTACKER, NEIGHBOUR, PASSWORD_HASHES,
};
use crate::support::{
    metric, post_login_from, require, Backend, Prerequisite, TestEnv, TestServer, PASSWORD,
};

/// How long a node may keep its copy of the block list (the default, `monitoring.block_cache_ms`).
const BLOCK_CACHE: Duration = Duration::from_millis(500);

/// Signs `user` in from `ip` until it is no longer refused; returns how long that took.
pub async fn until_admitted(server: &TestServer, ip: &str, user: &str) -> Duration {
    let start = Instant::now();
    let (person, form) = login_form(server).await;
    loop {
        let response = post_login_from(&person, &form, Some(ip), user, PASSWORD).await;
        match response.status().as_u16() {
            303 => return start.elapsed(),
            429 => assert!(
                start.elapsed() < Duration::from_secs(10),
                "{ip} still blocked at {} after 10 s",
                server.base
            ),
            other => panic!("{ip} answered {other} at {}", server.base),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Two nodes on one PostgreSQL database; with Redis unless `without_redis`.
async fn two_nodes(without_redis: bool) -> Option<(TestEnv, TestServer, TestServer)> {
    if !require(Prerequisite::Postgres) || (!without_redis && !require(Prerequisite::Redis)) {
        return None;
    }
    let mut env = monitored(Backend::Postgres);
    if without_redis {
        env = env.with_env("IDP_REDIS__URL", "");
    }
    for name in ["bob", "carol"] {
        env.add_user(name, "Someone Example");
    }
    let a = env.start().await;
    let b = env.start_node().await;
    Some((env, a, b))
}

/// Six attempts from the attacker, alternating between the nodes, each a new name and (unless
/// `password` is given) a new password; each answered 401.
async fn run_from_attacker(a: &TestServer, b: &TestServer, password: Option<&str>) {
    let forms = [login_form(a).await, login_form(b).await];
    for n in 1..=6 {
        let (person, form) = &forms[n % 2];
        let tried = password.map_or_else(|| format!("pw{n}"), str::to_string);
        let name = format!("target{n}");
        let response = post_login_from(person, form, Some(ATTACKER), &name, &tried).await;
        assert_eq!(response.status(), 401, "attempt {n}");
    }
}

/// Asks `node` for the token endpoint as the attacker until it refuses; returns how long that
/// took (a node trusts its copy of the block list for up to `BLOCK_CACHE`).
async fn until_refused(node: &TestServer) -> Duration {
    let start = Instant::now();
    loop {
        let response = node
            .http
            .post(node.url("/token"))
            .header("x-forwarded-for", ATTACKER)
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        if response.status() == 429 {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{} never blocks",
            node.base
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The address is blocked at both nodes (the node that did not see the last attempt within
/// the cache's time, measured), without password work; the neighbour is not.
async fn blocked_on_both(a: &TestServer, b: &TestServer) {
    let (at_a, at_b) = tokio::join!(until_refused(a), until_refused(b));
    println!("block made by a rule: refused after {at_a:?} at A, {at_b:?} at B");
    for waited in [at_a, at_b] {
        assert!(
            waited <= BLOCK_CACHE + Duration::from_millis(500),
            "{waited:?}"
        );
    }
    for node in [a, b] {
        let hashed = metric(node, PASSWORD_HASHES).await;
        let (person, form) = login_form(node).await;
        let response = post_login_from(&person, &form, Some(ATTACKER), "alice", PASSWORD).await;
        assert_blocked(&response, 900, &node.base);
        assert_eq!(metric(node, PASSWORD_HASHES).await, hashed, "{}", node.base);
        let neighbour = post_login_from(&person, &form, Some(NEIGHBOUR), "alice", PASSWORD).await;
        assert_eq!(neighbour.status(), 303, "the neighbour at {}", node.base);
    }
}

/// Lifts the block with the CLI and measures how soon each node admits the address again.
async fn lifted_on_both(env: &TestEnv, a: &TestServer, b: &TestServer) {
    env.cli_ok(&["blocks", "remove", ATTACKER], "");
    let (at_a, at_b) = tokio::join!(
        until_admitted(a, ATTACKER, "alice"),
        until_admitted(b, ATTACKER, "alice")
    );
    println!("block lifted by the CLI: admitted again after {at_a:?} at A, {at_b:?} at B");
    for waited in [at_a, at_b] {
        assert!(
            waited <= BLOCK_CACHE + Duration::from_millis(500),
            "{waited:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stuffing_over_two_nodes_is_one_attack() {
    let Some((env, a, b)) = two_nodes(false).await else {
        return;
    };
    run_from_attacker(&a, &b, None).await;
    let open = incidents(&env, false);
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!((open[0].1.as_str(), open[0].3), ("credential_stuffing", 3));
    blocked_on_both(&a, &b).await;
    lifted_on_both(&env, &a, &b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spraying_over_two_nodes_is_one_attack() {
    let Some((env, a, b)) = two_nodes(false).await else {
        return;
    };
    run_from_attacker(&a, &b, Some("Autumn2026!")).await;
    let open = incidents(&env, false);
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!((open[0].1.as_str(), open[0].3), ("password_spraying", 4));
    blocked_on_both(&a, &b).await;
    lifted_on_both(&env, &a, &b).await;
}

/// Without Redis the nodes still count together, through the database: three names at each
/// node make six from the address, and the block made at one node holds at the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_without_redis_count_in_the_database() {
    let Some((env, a, b)) = two_nodes(true).await else {
        return;
    };
    run_from_attacker(&a, &b, None).await;
    let open = incidents(&env, false);
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0].1, "credential_stuffing");
    blocked_on_both(&a, &b).await;
    lifted_on_both(&env, &a, &b).await;
}
