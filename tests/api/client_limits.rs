//! Whom the per-client limits count, over HTTP behind a trusted proxy: an IPv6 client by its
//! /64 (one host holds a whole /64 and could take a fresh address for every request), an IPv4
//! client by its address.

use crate::on_both_backends;
use crate::support::{room_in_window, Backend, TestEnv, TestServer};

on_both_backends!(ipv6_addresses_of_one_64_share_a_limit);

/// A token request with a wrong secret, as the client `forwarded_for` behind the proxy.
async fn token_from(server: &TestServer, client_id: &str, forwarded_for: &str) -> u16 {
    server
        .http
        .post(server.url("/token"))
        .basic_auth(client_id, Some("not the secret"))
        .header("x-forwarded-for", forwarded_for)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn ipv6_addresses_of_one_64_share_a_limit(backend: Backend) {
    let env = TestEnv::new(backend)
        .with_env("IDP_RATE_LIMIT__TOKEN", "4")
        .with_env("IDP_SERVER__TRUSTED_PROXIES", "127.0.0.1");
    let (machine, _) = env.add_machine_client("machine", "https://api.example.com", &[]);
    let server = env.start().await;

    room_in_window(60, 20).await;
    // Four addresses of one /64 use up its four requests; a fifth address there is refused.
    let mut statuses = Vec::new();
    for host in 1..=5 {
        let address = format!("2001:db8:7:1:{host:x}::{host:x}");
        statuses.push(token_from(&server, &machine, &address).await);
    }
    assert_eq!(
        statuses,
        [401, 401, 401, 401, 429],
        "one /64, five addresses"
    );
    // The neighbouring /64 is another client.
    assert_eq!(
        token_from(&server, &machine, "2001:db8:7:2::1").await,
        401,
        "another /64"
    );
    // IPv4 clients are still counted one address at a time, also when written IPv4-mapped.
    for _ in 0..4 {
        assert_eq!(token_from(&server, &machine, "192.0.2.10").await, 401);
    }
    assert_eq!(
        token_from(&server, &machine, "::ffff:192.0.2.10").await,
        429,
        "the same IPv4 client, mapped"
    );
    assert_eq!(token_from(&server, &machine, "192.0.2.11").await, 401);
}
