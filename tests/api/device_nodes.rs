//! Two nodes on one database: an approved device request gives its tokens once, however many
//! exchanges race for it on both nodes at once (the claim is a conditional update in the
//! transaction that reads the request).

use std::time::Duration;

use crate::device::{add_device_client, enter_code, poll, request_device, walk};
use crate::on_both_backends;
use crate::support::{Backend, Browser, Decision, TestEnv};

on_both_backends!(an_approved_device_is_claimed_once_across_nodes);

async fn an_approved_device_is_claimed_once_across_nodes(backend: Backend) {
    let env = TestEnv::new(backend).with_env("IDP_AUTHORIZATION__DEVICE_INTERVAL_SECS", "1");
    env.add_user("alice", "Alice Example");
    let tv = add_device_client(&env, "tvbox", "Living Room TV", &["--public"]);
    let first = env.start().await;
    let second = env.start_node().await;
    let alice = Browser::new(&env.issuer());
    for round in 0..5 {
        let device = request_device(&first, &tv, "openid").await;
        let walked = walk(
            &alice,
            enter_code(&alice, &device.user_code).await,
            "alice",
            Decision::Allow,
        )
        .await;
        assert!(
            walked.last.contains("Device connected"),
            "round {round}: {}",
            walked.last
        );
        let code = device.device_code.as_str();
        let (a, b, c, d) = tokio::join!(
            poll(&first, &tv, code),
            poll(&second, &tv, code),
            poll(&first, &tv, code),
            poll(&second, &tv, code)
        );
        let issued = [a, b, c, d].iter().filter(|r| r.status() == 200).count();
        assert_eq!(issued, 1, "round {round}: exactly one exchange wins");
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
}
