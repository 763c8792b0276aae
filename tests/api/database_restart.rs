//! PostgreSQL restarting under the provider: requests that need it fail cleanly (503, quickly,
//! no hang, no crash) and the provider recovers by itself when the database is back. Runs against
//! a private PostgreSQL instance so that the rest of the suite is not disturbed.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{
    free_port, postgres_server_bin, require, token_request, Backend, Prerequisite, TestEnv,
};

/// A throwaway PostgreSQL cluster of our own, run as the `postgres` system user.
struct PrivatePostgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl PrivatePostgres {
    fn start() -> Option<PrivatePostgres> {
        if !require(Prerequisite::PrivatePostgres) {
            return None;
        }
        let bin = postgres_server_bin().expect("require found the PostgreSQL server programs");
        let dir = std::env::temp_dir().join(format!("idp-pg-{}", crate::support::random_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(Command::new("chown")
            .args(["postgres:postgres", dir.to_str().unwrap()])
            .status()
            .unwrap()
            .success());
        let pg = PrivatePostgres {
            bin,
            dir,
            port: free_port(),
        };
        pg.as_postgres(&format!(
            "{} -D {}/data -A trust -U postgres >/dev/null",
            pg.tool("initdb"),
            pg.dir.display()
        ));
        pg.up();
        Some(pg)
    }

    fn tool(&self, name: &str) -> String {
        self.bin.join(name).display().to_string()
    }

    fn as_postgres(&self, command: &str) {
        let status = Command::new("su")
            .args(["postgres", "-s", "/bin/sh", "-c", command])
            .status()
            .unwrap();
        assert!(status.success(), "{command}");
    }

    fn up(&self) {
        self.as_postgres(&format!(
            "{} -D {dir}/data -l {dir}/log -w -o \"-p {port} -k {dir} -c listen_addresses=127.0.0.1\" start >/dev/null",
            self.tool("pg_ctl"),
            dir = self.dir.display(),
            port = self.port
        ));
    }

    fn down(&self) {
        self.as_postgres(&format!(
            "{} -D {}/data -m fast -w stop >/dev/null",
            self.tool("pg_ctl"),
            self.dir.display()
        ));
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = Command::new("su")
            .args([
                "postgres",
                "-s",
                "/bin/sh",
                "-c",
                &format!(
                    "{} -D {}/data -m immediate stop",
                    self.tool("pg_ctl"),
                    self.dir.display()
                ),
            ])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_provider_survives_a_database_restart() {
    let Some(pg) = PrivatePostgres::start() else {
        return;
    };
    let env = TestEnv::new(Backend::Sqlite).with_env("IDP_DATABASE__URL", &pg.url());
    let (id, secret) = env.add_machine_client("svc", "https://api.example.com", &["a"]);
    let server = env.start().await;
    let grant = [("grant_type", "client_credentials")];
    assert_eq!(
        token_request(&server, Some((&id, &secret)), &grant)
            .await
            .status(),
        200
    );

    pg.down();
    // Requests that need the database fail cleanly and promptly; the rest keep being served.
    let started = Instant::now();
    let response = token_request(&server, Some((&id, &secret)), &grant).await;
    assert_eq!(response.status(), 503, "a failing database is a 503");
    assert!(response.headers().contains_key("retry-after"));
    let body: serde_json::Value = response.json().await.expect("OAuth JSON, not a page");
    assert_eq!(body["error"], "temporarily_unavailable", "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "no hang: {:?}",
        started.elapsed()
    );
    // The other protocol endpoints that need the database answer the same way.
    for path in ["/introspect", "/revoke"] {
        let response = server
            .http
            .post(server.url(path))
            .basic_auth(&id, Some(&secret))
            .form(&[("token", "anything")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 503, "{path}");
        assert!(response.headers().contains_key("retry-after"), "{path}");
        let body: serde_json::Value = response.json().await.expect("OAuth JSON, not a page");
        assert_eq!(body["error"], "temporarily_unavailable", "{path}: {body}");
    }
    // Readiness answers within a second, from the background check, and turns 503 shortly.
    let ready = server.await_readiness(503, Duration::from_secs(5)).await;
    assert!(ready.headers().contains_key("retry-after"));
    assert_eq!(
        server
            .http
            .get(server.url("/jwks.json"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    pg.up();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = token_request(&server, Some((&id, &secret)), &grant)
            .await
            .status();
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "did not recover: {status}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    server.await_readiness(200, Duration::from_secs(5)).await;
}
