//! Shared test helpers: start and stop the server, run the CLI, make fresh databases.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::{Connection, RunQueryDsl};

pub const BIN: &str = env!("CARGO_BIN_EXE_idp");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs an async test body once per backend, as `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::support::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if $crate::support::postgres_admin_url().is_some() {
                    super::$name($crate::support::Backend::Postgres).await
                }
            }
        }
    )*};
}

/// The PostgreSQL server the tests may create databases on. In CI it must be set, so that the
/// PostgreSQL half of the suite can never be skipped silently.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") => {
            panic!("TEST_DATABASE_URL must be set in CI")
        }
        _ => {
            eprintln!("TEST_DATABASE_URL not set: skipping the PostgreSQL run of this test");
            None
        }
    }
}

fn random_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}_{nanos}_{n}", std::process::id())
}

/// A fresh, empty database of one backend, dropped with the value.
pub struct TestDatabase {
    pub url: String,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub fn new(backend: Backend) -> TestDatabase {
        match backend {
            // The embedded default: `{data_dir}/idp.db`.
            Backend::Sqlite => TestDatabase {
                url: String::new(),
                postgres: None,
            },
            Backend::Postgres => {
                let admin = postgres_admin_url().expect("TEST_DATABASE_URL");
                let name = format!("idp_test_{}", random_suffix());
                let mut conn =
                    diesel::PgConnection::establish(&admin).expect("connect to postgres");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .expect("create test database");
                let mut url = url::Url::parse(&admin).expect("TEST_DATABASE_URL is a URL");
                url.set_path(&name);
                TestDatabase {
                    url: url.to_string(),
                    postgres: Some((admin, name)),
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.postgres {
            if let Ok(mut conn) = diesel::PgConnection::establish(admin) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn);
            }
        }
    }
}

/// A data directory and database that outlive server restarts.
pub struct TestEnv {
    pub backend: Backend,
    pub dir: PathBuf,
    pub db: TestDatabase,
    pub port: u16,
    pub extra_env: Vec<(String, String)>,
}

impl TestEnv {
    pub fn new(backend: Backend) -> TestEnv {
        let dir = std::env::temp_dir().join(format!("idp-test-{}", random_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = TestDatabase::new(backend);
        TestEnv {
            backend,
            dir,
            db,
            port: free_port(),
            extra_env: Vec::new(),
        }
    }

    pub fn with_env(mut self, name: &str, value: &str) -> TestEnv {
        self.extra_env.push((name.into(), value.into()));
        self
    }

    pub fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    pub fn command(&self) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("IDP_DATA_DIR", self.data_dir())
            .env("IDP_DATABASE__URL", &self.db.url)
            .env("IDP_SERVER__BIND", format!("127.0.0.1:{}", self.port))
            .env("IDP_SERVER__WORKERS", "2")
            .env("IDP_LOG__LEVEL", "warn");
        for (name, value) in &self.extra_env {
            cmd.env(name, value);
        }
        cmd
    }

    /// Runs the CLI with `stdin` as its standard input.
    pub fn cli(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run idp");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// Runs the CLI and returns its standard output, failing the test if it fails.
    pub fn cli_ok(&self, args: &[&str], stdin: &str) -> String {
        let out = self.cli(args, stdin);
        assert!(
            out.status.success(),
            "idp {args:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Registers a confidential client_credentials client; returns (client_id, secret).
    pub fn add_machine_client(
        &self,
        id: &str,
        audience: &str,
        scopes: &[&str],
    ) -> (String, String) {
        let mut args = vec![
            "client",
            "add",
            "--name",
            "Machine",
            "--id",
            id,
            "--grant",
            "client_credentials",
            "--audience",
            audience,
        ];
        for scope in scopes {
            args.extend(["--scope", scope]);
        }
        let out = self.cli_ok(&args, "");
        let secret = out
            .lines()
            .find_map(|l| l.strip_prefix("client_secret: "))
            .expect("secret printed")
            .to_string();
        (id.to_string(), secret)
    }

    pub async fn start(&self) -> TestServer {
        TestServer::start(self).await
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct TestServer {
    child: Child,
    pub base: String,
    pub http: reqwest::Client,
    stdout: Arc<Mutex<String>>,
}

impl TestServer {
    async fn start(env: &TestEnv) -> TestServer {
        let mut child = env
            .command()
            .arg("serve")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start idp serve");
        let stdout = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stdout);
        let pipe = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut text = sink.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
        });
        let server = TestServer {
            child,
            base: env.issuer(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            stdout,
        };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = self.http.get(self.url("/healthz")).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "server did not start: {}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// What the server printed on standard output (the start banner).
    pub fn output(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.unwrap()
    }

    /// Stops the server and waits until it has exited.
    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// POSTs a form to the token endpoint, optionally with HTTP Basic client credentials.
pub async fn token_request(
    server: &TestServer,
    basic: Option<(&str, &str)>,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = server.http.post(server.url("/token")).form(form);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    request.send().await.unwrap()
}

/// Verifies a compact JWS against a JWKS the way a resource server would: pick the key by
/// `kid`, require the header's `alg` to be that key's, and check the signature.
pub fn verify_with_jwks(token: &str, jwks: &serde_json::Value) -> serde_json::Value {
    use josekit::jwk::Jwk;
    use josekit::jws::{EdDSA, ES256, RS256};
    let header = josekit::jwt::decode_header(token).expect("JWT header");
    let kid = header.claim("kid").and_then(|v| v.as_str()).expect("kid");
    let alg = header.claim("alg").and_then(|v| v.as_str()).expect("alg");
    let jwk_json = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .unwrap_or_else(|| panic!("kid {kid} not in the JWKS"));
    assert_eq!(jwk_json["alg"], alg, "header alg must be the key's alg");
    let jwk = Jwk::from_map(jwk_json.as_object().unwrap().clone()).unwrap();
    let (payload, _) = match alg {
        "RS256" => {
            josekit::jwt::decode_with_verifier(token, &RS256.verifier_from_jwk(&jwk).unwrap())
        }
        "ES256" => {
            josekit::jwt::decode_with_verifier(token, &ES256.verifier_from_jwk(&jwk).unwrap())
        }
        "EdDSA" => {
            josekit::jwt::decode_with_verifier(token, &EdDSA.verifier_from_jwk(&jwk).unwrap())
        }
        other => panic!("unexpected alg {other}"),
    }
    .expect("signature verifies with the published key");
    serde_json::Value::Object(payload.claims_set().clone())
}

pub fn jwt_header(token: &str) -> serde_json::Value {
    use base64::Engine;
    let first = token.split('.').next().unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(first)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}
