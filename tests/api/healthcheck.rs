//! The nodes' healthcheck in deploy/compose.yaml, run as Docker runs it against a real node:
//! it must pass while the node is ready and fail while it drains and once it is gone.

use std::process::Command;
use std::time::Duration;

use crate::support::{Backend, TestEnv};

/// compose.yaml's healthcheck for the nodes, as Docker runs it: `bash -c SCRIPT`, here with the
/// node's port for 8080.
fn compose_probe(port: u16) -> Command {
    let compose = include_str!("../../deploy/compose.yaml");
    let scripts: Vec<&str> = compose
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- exec 3<>/dev/tcp/"))
        .collect();
    assert_eq!(scripts.len(), 1, "one node healthcheck in compose.yaml");
    let script = format!("exec 3<>/dev/tcp/{}", scripts[0]);
    assert!(
        script.contains("/8080 "),
        "the probe asks port 8080: {script}"
    );
    let script = script.replace("/8080 ", &format!("/{port} "));
    let mut command = Command::new("bash");
    command.args(["-c", &script]);
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_compose_healthcheck_tells_a_ready_node_from_a_draining_one() {
    let env = TestEnv::new(Backend::Sqlite).with_env("IDP_SERVER__DRAIN_SECS", "3");
    let node = env.start().await;
    let port = url::Url::parse(&node.base).unwrap().port().unwrap();
    assert!(
        compose_probe(port).status().unwrap().success(),
        "ready node"
    );

    // Draining: the node still answers, /readyz says 503, and the probe fails.
    node.signal("TERM");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let readyz = node.http.get(node.url("/readyz")).send().await.unwrap();
    assert_eq!(readyz.status(), 503, "a draining node is not ready");
    assert!(
        !compose_probe(port).status().unwrap().success(),
        "draining node"
    );

    let exit = node.wait_exit(Duration::from_secs(40)).await;
    assert!(exit.is_some_and(|s| s.success()), "{exit:?}");
    assert!(!compose_probe(port).status().unwrap().success(), "no node");
}
