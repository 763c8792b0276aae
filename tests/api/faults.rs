//! Faults an operator meets: Redis going away under load, PostgreSQL down, slow clients. The
//! provider must keep answering at full speed what does not need the missing part, and say
//! quickly what is wrong.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{
    free_port, require, token_request, Backend, Prerequisite, TestEnv, REDIS_SERVER,
};

/// A Redis server of this test's own, on a free port, stopped with the value.
struct PrivateRedis {
    child: Child,
    port: u16,
}

impl PrivateRedis {
    fn start() -> Option<PrivateRedis> {
        if !require(Prerequisite::RedisServer) {
            return None;
        }
        let port = free_port();
        let child = Command::new(REDIS_SERVER)
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

/// SIGTERM under load through keep-alive connections: readiness turns 503 at once and the node
/// keeps answering every request for the drain period — the time a proxy has to see the 503
/// and move away — then exits 0. The load here stops half a second before the drain ends, as
/// the proxy's would.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_drains_without_dropping_a_request() {
    let env = TestEnv::new(Backend::Sqlite).with_env("IDP_SERVER__DRAIN_SECS", "2");
    let (id, secret) = env.add_machine_client("svc", "https://api.example.com", &["a"]);
    let server = env.start().await;
    let url = server.url("/token");
    let signalled = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut loads = Vec::new();
    for _ in 0..4 {
        let (url, id, secret) = (url.clone(), id.clone(), secret.clone());
        let signalled = signalled.clone();
        loads.push(tokio::spawn(async move {
            // One keep-alive connection pool per load task.
            let http = reqwest::Client::new();
            let (mut answered_after, mut dropped) = (0, Vec::new());
            let mut stop_at = Instant::now() + Duration::from_secs(20);
            while Instant::now() < stop_at {
                let after = signalled.load(std::sync::atomic::Ordering::SeqCst);
                if after && stop_at > Instant::now() + Duration::from_millis(1_500) {
                    stop_at = Instant::now() + Duration::from_millis(1_500);
                }
                let sent = http
                    .post(&url)
                    .basic_auth(&id, Some(&secret))
                    .form(&[("grant_type", "client_credentials"), ("scope", "a")])
                    .send()
                    .await;
                match sent {
                    Ok(response) => {
                        assert_eq!(response.status(), 200);
                        answered_after += usize::from(after);
                    }
                    Err(e) => dropped.push(format!("{e:?}")),
                }
            }
            (answered_after, dropped)
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.signal("TERM");
    signalled.store(true, std::sync::atomic::Ordering::SeqCst);
    server
        .await_readiness(503, Duration::from_millis(500))
        .await;
    let (mut answered_after, mut dropped) = (0, Vec::new());
    for load in loads {
        let (answered, lost) = load.await.unwrap();
        answered_after += answered;
        dropped.extend(lost);
    }
    assert!(
        dropped.is_empty(),
        "requests without an answer: {dropped:?}"
    );
    assert!(answered_after > 0, "nothing was served during the drain");
    let status = server.wait_exit(Duration::from_secs(40)).await;
    assert!(status.is_some_and(|s| s.success()), "exit: {status:?}");
}

/// A body announced but sent slowly is cut off after `server.body_timeout_secs`: the client gets
/// an answer and the connection is closed, instead of being held open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_request_bodies_are_cut_off() {
    use std::io::{Read, Write};
    let env = TestEnv::new(Backend::Sqlite).with_env("IDP_SERVER__BODY_TIMEOUT_SECS", "1");
    let server = env.start().await;
    let address = server.base.trim_start_matches("http://").to_string();
    for path in ["/token", "/userinfo", "/logout", "/consent"] {
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(15)))
            .unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ngrant_type"
        );
        stream.write_all(head.as_bytes()).unwrap();
        let started = Instant::now();
        let mut answer = Vec::new();
        // Read until the server closes the connection (or the read times out).
        let closed = stream.read_to_end(&mut answer).is_ok();
        let took = started.elapsed();
        let text = String::from_utf8_lossy(&answer);
        assert!(
            closed,
            "{path}: connection still open after {took:?}: {text}"
        );
        assert!(took < Duration::from_secs(5), "{path}: held for {took:?}");
        assert!(text.starts_with("HTTP/1.1 408"), "{path}: {text}");
    }
}

/// One address holding requests open cannot take every connection: past
/// `server.max_requests_per_client` in flight it gets 429 until its requests end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_cannot_hold_every_connection() {
    use std::io::Write;
    let env = TestEnv::new(Backend::Sqlite)
        .with_env("IDP_SERVER__BODY_TIMEOUT_SECS", "2")
        .with_env("IDP_SERVER__MAX_REQUESTS_PER_CLIENT", "2");
    let server = env.start().await;
    let address = server.base.trim_start_matches("http://").to_string();
    let held: Vec<std::net::TcpStream> = (0..2)
        .map(|_| {
            let mut stream = std::net::TcpStream::connect(&address).unwrap();
            let head =
                format!("POST /token HTTP/1.1\r\nHost: {address}\r\nContent-Length: 500\r\n\r\nx");
            stream.write_all(head.as_bytes()).unwrap();
            stream
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let response = server
        .http
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        429,
        "a third request from the same address"
    );
    assert!(response.headers().contains_key("retry-after"));
    // Once the held requests time out, the address is served again.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let response = server
        .http
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    drop(held);
}
