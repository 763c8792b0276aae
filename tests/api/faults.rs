//! Faults an operator meets: Redis going away under load, PostgreSQL down, slow clients. The
//! provider must keep answering at full speed what does not need the missing part, and say
//! quickly what is wrong.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{free_port, token_request, Backend, TestEnv};

/// A Redis server of this test's own, on a free port, stopped with the value.
struct PrivateRedis {
    child: Child,
    port: u16,
}

impl PrivateRedis {
    fn start() -> Option<PrivateRedis> {
        if !std::path::Path::new("/usr/bin/redis-server").exists() {
            let in_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
            assert!(!in_ci, "CI must have redis-server installed");
            eprintln!("skipped: faults: redis-server is not installed");
            return None;
        }
        let port = free_port();
        let child = Command::new("/usr/bin/redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(PrivateRedis { child, port })
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Redis was there and goes away: rate-limited requests keep their speed (one probe per
/// back-off period pays a timeout, never every request), and readiness answers at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_gone_costs_no_request_a_wait() {
    let Some(mut redis) = PrivateRedis::start() else {
        return;
    };
    let env = TestEnv::new(Backend::Sqlite).with_env("IDP_REDIS__URL", &redis.url());
    let (id, secret) = env.add_machine_client("svc", "https://api.example.com", &["a"]);
    let server = env.start().await;
    let form = [("grant_type", "client_credentials"), ("scope", "a")];
    let response = token_request(&server, Some((&id, &secret)), &form).await;
    assert_eq!(response.status(), 200, "with Redis up");

    redis.stop();
    // 60 requests, each rate-limited through Redis. Waiting on Redis for each (0.5 s or more)
    // would take half a minute; failing fast takes well under a second on this machine. The
    // bound leaves room for the one probe per back-off period and a slow machine.
    let started = Instant::now();
    for _ in 0..60 {
        let response = token_request(&server, Some((&id, &secret)), &form).await;
        assert_eq!(
            response.status(),
            200,
            "rate limits fail open without Redis"
        );
    }
    let took = started.elapsed();
    assert!(took < Duration::from_secs(6), "60 requests took {took:?}");

    // Readiness answers at once, and reports Redis within the background check's period.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let asked = Instant::now();
        let ready = server.get_json("/readyz").await;
        assert!(
            asked.elapsed() < Duration::from_secs(1),
            "/readyz took {:?}",
            asked.elapsed()
        );
        assert_eq!(ready["database"], "ok", "{ready}");
        if ready["redis"] == "unavailable" {
            break;
        }
        assert!(Instant::now() < deadline, "Redis still reported: {ready}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
