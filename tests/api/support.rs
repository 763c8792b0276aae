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
                if $crate::support::require($crate::support::Prerequisite::Postgres) {
                    super::$name($crate::support::Backend::Postgres).await
                }
            }
        }
    )*};
}

/// The PostgreSQL server the tests may create databases on (TEST_DATABASE_URL); a test that
/// needs it asks [`require`] first.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
}

/// What a test may need from the machine beyond `cargo test`. scripts/test names the same ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prerequisite {
    /// TEST_DATABASE_URL: a PostgreSQL server whose role may create databases.
    Postgres,
    /// TEST_REDIS_URL: a Redis server.
    Redis,
    /// Chromium and its WebDriver, at the paths Debian installs them.
    Browser,
    /// Root and PostgreSQL's server programs, to run a private cluster that may be restarted.
    PrivatePostgres,
    /// Redis's server program, to run a private Redis that may be stopped.
    RedisServer,
    /// Root and Debian's nginx, to run it as the TLS proxy (its compiled-in temporary paths are
    /// under /var/lib/nginx, which only root may create).
    Nginx,
    /// The npm package oidc-client-ts under target/spa-node (`.ci/run` installs it; the SPA test
    /// installs it on its first run when npm is there).
    SpaLibrary,
    /// Node.js and the npm package openid-client under target/node-rp (installed like
    /// oidc-client-ts).
    NodeClientLibrary,
    /// Node.js and the npm package oidc-provider (node-oidc-provider) under target/upstream-node:
    /// the real upstream identity provider of the upstream sign-in tests (installed like
    /// openid-client).
    UpstreamProvider,
    /// The npm package axe-core under target/axe-node (`.ci/run` installs it; the page checks
    /// install it on their first run when npm is there).
    Axe,
    /// Debian's python3-aiosmtpd for /usr/bin/python3: the SMTP server the mail tests read.
    SmtpServer,
}

impl Prerequisite {
    /// What is missing, or `None` when the machine has it.
    fn missing(self) -> Option<String> {
        let present = match self {
            Prerequisite::Postgres => postgres_admin_url().is_some(),
            Prerequisite::Redis => std::env::var("TEST_REDIS_URL").is_ok_and(|u| !u.is_empty()),
            Prerequisite::Browser => [crate::webdriver::CHROMIUM, crate::webdriver::CHROMEDRIVER]
                .iter()
                .all(|p| std::path::Path::new(p).exists()),
            Prerequisite::PrivatePostgres => is_root() && postgres_server_bin().is_some(),
            Prerequisite::RedisServer => std::path::Path::new(REDIS_SERVER).exists(),
            Prerequisite::Nginx => is_root() && std::path::Path::new(NGINX).exists(),
            Prerequisite::SpaLibrary => crate::spa::spa_library().exists(),
            Prerequisite::NodeClientLibrary => {
                crate::node_client::node_library().exists()
                    && Command::new("node").arg("--version").output().is_ok()
            }
            Prerequisite::UpstreamProvider => {
                crate::upstream::provider_library().exists()
                    && Command::new("node").arg("--version").output().is_ok()
            }
            Prerequisite::Axe => crate::axe::axe_script().exists(),
            Prerequisite::SmtpServer => crate::smtp::aiosmtpd_installed(),
        };
        (!present).then(|| match self {
            Prerequisite::Postgres => "TEST_DATABASE_URL is not set (no PostgreSQL)".into(),
            Prerequisite::Redis => "TEST_REDIS_URL is not set (no Redis)".into(),
            Prerequisite::Browser => format!(
                "{} or {} is not installed",
                crate::webdriver::CHROMIUM,
                crate::webdriver::CHROMEDRIVER
            ),
            Prerequisite::PrivatePostgres => {
                "not root, or no PostgreSQL server programs in /usr/lib/postgresql".into()
            }
            Prerequisite::RedisServer => format!("{REDIS_SERVER} is not installed"),
            Prerequisite::Nginx => format!("not root, or {NGINX} is not installed"),
            Prerequisite::SpaLibrary => format!(
                "{} is missing (npm install --prefix target/spa-node oidc-client-ts@3)",
                crate::spa::spa_library().display()
            ),
            Prerequisite::NodeClientLibrary => format!(
                "node, or {} is missing (npm install --prefix target/node-rp openid-client@6)",
                crate::node_client::node_library().display()
            ),
            Prerequisite::UpstreamProvider => format!(
                "node, or {} is missing (npm install --prefix target/upstream-node {})",
                crate::upstream::provider_library().display(),
                crate::upstream::PROVIDER_PACKAGE
            ),
            Prerequisite::Axe => format!(
                "{} is missing (npm install --prefix target/axe-node {})",
                crate::axe::axe_script().display(),
                crate::axe::AXE_PACKAGE
            ),
            Prerequisite::SmtpServer => format!(
                "{} cannot import aiosmtpd (install python3-aiosmtpd)",
                crate::smtp::PYTHON
            ),
        })
    }
}

/// Installs an npm `package` into `dir` unless `marker` (a file of it) is there already, or
/// there is no npm (the caller's `require` then says what is missing).
pub fn npm_install(dir: &std::path::Path, package: &str, marker: &std::path::Path) {
    if marker.exists() {
        return;
    }
    std::fs::create_dir_all(dir).unwrap();
    let status = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(dir)
        .arg(package)
        .status();
    if let Err(e) = status {
        eprintln!("npm install {package}: {e}");
    }
}

/// Connections idle this long are not reused: shorter than the server's keep-alive (5 s), so
/// a request never goes out on a connection the server is closing at that moment.
pub const IDLE_BEFORE_SERVER_CLOSES: std::time::Duration = std::time::Duration::from_secs(3);

pub const REDIS_SERVER: &str = "/usr/bin/redis-server";
pub const NGINX: &str = "/usr/sbin/nginx";

/// Whether CI runs us (`CI` set, and not empty or "false"): then nothing may be skipped.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false")
}

/// Whether the calling test can run. When `prerequisite` is missing the test must return
/// without checking anything: in CI this panics instead (a test that cannot run must never
/// count as passed), elsewhere it prints one line, `skipped: <test>: <what is missing>`, to the
/// real standard error (past the test harness's capture, so it shows even for a passing test).
pub fn require(prerequisite: Prerequisite) -> bool {
    let Some(missing) = prerequisite.missing() else {
        return true;
    };
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    if in_ci() {
        panic!("{test} cannot run in CI: {missing}");
    }
    let _ = writeln!(std::io::stderr().lock(), "skipped: {test}: {missing}");
    false
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// The directory of PostgreSQL's server programs (`initdb`, `pg_ctl`), if installed.
pub fn postgres_server_bin() -> Option<PathBuf> {
    std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .find(|p| p.join("initdb").exists())
}

/// Seconds since the Unix epoch, as JWT claims count them.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The median of the ratios `a[i] / b[i]` of timings taken back to back: the machine's load
/// (two cores shared with other work) weighs on both of a pair alike, so this compares the two
/// answers far more steadily than the ratio of two medians.
pub fn median_paired_ratio(a: &[Duration], b: &[Duration]) -> f64 {
    let mut ratios: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64())
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}

/// Waits, if needed, until at least `needed` seconds of the current fixed window are left, so
/// that a count is not cut in two by the window's end.
pub async fn room_in_window(window: i64, needed: i64) {
    let left = window - unix_now() % window;
    if left < needed {
        tokio::time::sleep(Duration::from_millis(left as u64 * 1000 + 300)).await;
    }
}

/// A fresh Ed25519 key for a `private_key_jwt` client: the private key as PEM, and a file in
/// the test's directory holding its public JWK Set (key id `kid`) for `--jwks-file`.
pub fn ed25519_client_key(env: &TestEnv, kid: &str) -> (Vec<u8>, PathBuf) {
    use josekit::jws::EdDSA;
    let pair = EdDSA
        .generate_key_pair(josekit::jwk::alg::ed::EdCurve::Ed25519)
        .unwrap();
    let mut jwk = pair.to_jwk_public_key();
    jwk.set_key_id(kid);
    let jwks = env.dir.join(format!("{kid}-jwks.json"));
    let set = serde_json::json!({ "keys": [jwk.as_ref()] });
    std::fs::write(&jwks, set.to_string()).unwrap();
    (pair.to_pem_private_key(), jwks)
}

/// Runs `sql` on the test's database as if from outside the provider (e.g. an attacker with
/// write access to it); the number of rows it changed.
pub fn run_sql(env: &TestEnv, sql: &str) -> usize {
    match env.backend {
        Backend::Sqlite => {
            let path = env.data_dir().join("idp.db");
            let mut conn = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
            diesel::sql_query(sql).execute(&mut conn).unwrap()
        }
        Backend::Postgres => {
            let mut conn = diesel::PgConnection::establish(&env.db.url).unwrap();
            diesel::sql_query(sql).execute(&mut conn).unwrap()
        }
    }
}

pub fn random_suffix() -> String {
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

    /// This env with the issuer `http://localhost:PORT`: WebAuthn needs a domain as the relying
    /// party id (an IP address is none), and browsers treat localhost as a secure context.
    pub fn with_localhost_issuer(self) -> TestEnv {
        let issuer = format!("http://localhost:{}", self.port);
        self.with_env("IDP_SERVER__ISSUER", &issuer)
    }

    /// The issuer the server announces: a configured one, or [`TestEnv::issuer`].
    pub fn public_issuer(&self) -> String {
        self.extra_env
            .iter()
            .find(|(name, _)| name == "IDP_SERVER__ISSUER")
            .map_or_else(|| self.issuer(), |(_, value)| value.clone())
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
        // Production's shape: PostgreSQL with Redis for what nodes share; SQLite keeps those in
        // memory.
        if self.backend == Backend::Postgres {
            if let Ok(redis) = std::env::var("TEST_REDIS_URL") {
                cmd.env("IDP_REDIS__URL", redis);
                // One namespace per test environment: its nodes share counters, other tests'
                // servers do not.
                let namespace = self.dir.file_name().unwrap().to_string_lossy().into_owned();
                cmd.env("IDP_REDIS__PREFIX", namespace);
            }
        }
        // Tests sign in many times from one address; the rate-limit tests set their own limits.
        cmd.env("IDP_RATE_LIMIT__LOGIN", "100000")
            .env("IDP_RATE_LIMIT__TOKEN", "100000")
            .env("IDP_RATE_LIMIT__AUTHORIZE", "100000");
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
                .pool_idle_timeout(IDLE_BEFORE_SERVER_CLOSES)
                .build()
                .unwrap(),
            stdout,
        };
        server.wait_ready().await;
        server
    }

    /// Waits until the server answers and its start banner (printed before it serves, read from
    /// the pipe by another thread that may lag behind) has been read to its end.
    async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = self.http.get(self.url("/healthz")).send().await {
                if r.status().is_success() && self.output().contains("  discovery:") {
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

    /// Polls `/readyz` until it answers `status`, for at most `within`; every answer must come
    /// within a second (readiness is answered from a background check, never waited for).
    /// Returns the last answer.
    pub async fn await_readiness(&self, status: u16, within: Duration) -> reqwest::Response {
        let deadline = Instant::now() + within;
        loop {
            let asked = Instant::now();
            let ready = self.http.get(self.url("/readyz")).send().await.unwrap();
            let took = asked.elapsed();
            assert!(took < Duration::from_secs(1), "/readyz took {took:?}");
            if ready.status() == status {
                return ready;
            }
            assert!(
                Instant::now() < deadline,
                "/readyz still {} after {within:?}",
                ready.status()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
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

// ---------------------------------------------------------------------------------------------
// Sign-in helpers: people, web clients, and a cookie-keeping browser that drives the login and
// consent pages the way a person would.

/// Every test person's password.
pub const PASSWORD: &str = "correct horse battery staple";
/// The redirect URI every web client registers. Nothing listens there: the browser never
/// follows a redirect that leaves the provider.
pub const REDIRECT_URI: &str = "https://app.example.com/cb";
/// Scopes to register for a client that may receive refresh tokens.
pub const OFFLINE_SCOPES: &[&str] = &[
    "--scope",
    "openid",
    "--scope",
    "profile",
    "--scope",
    "email",
    "--scope",
    "offline_access",
];

impl TestEnv {
    /// `idp user add USERNAME --email USERNAME@example.com --name NAME`, password [`PASSWORD`].
    pub fn add_user(&self, username: &str, name: &str) {
        let email = format!("{username}@example.com");
        self.cli_ok(
            &["user", "add", username, "--email", &email, "--name", name],
            &format!("{PASSWORD}\n"),
        );
    }

    /// `idp client add --name NAME --id ID --redirect-uri REDIRECT_URI EXTRA...`; the client is
    /// public when `extra` holds `--public`.
    pub fn add_web_client(&self, id: &str, name: &str, extra: &[&str]) -> WebClient {
        let mut args = vec![
            "client",
            "add",
            "--name",
            name,
            "--id",
            id,
            "--redirect-uri",
            REDIRECT_URI,
        ];
        args.extend_from_slice(extra);
        let out = self.cli_ok(&args, "");
        let secret = out
            .lines()
            .find_map(|l| l.strip_prefix("client_secret: "))
            .map(|s| s.trim().to_string());
        assert_eq!(
            secret.is_none(),
            extra.contains(&"--public"),
            "a secret is printed exactly for confidential clients: {out}"
        );
        WebClient {
            id: id.to_string(),
            secret,
            redirect_uri: REDIRECT_URI.to_string(),
        }
    }
}

/// A client registered for the authorization code flow.
#[derive(Debug, Clone)]
pub struct WebClient {
    pub id: String,
    /// `None` for a public client.
    pub secret: Option<String>,
    pub redirect_uri: String,
}

impl WebClient {
    /// POSTs to the token endpoint as this client: HTTP Basic when confidential, `client_id` in
    /// the body when public.
    pub async fn token_request(
        &self,
        server: &TestServer,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        match &self.secret {
            Some(secret) => token_request(server, Some((&self.id, secret)), form).await,
            None => {
                let mut form = form.to_vec();
                form.push(("client_id", &self.id));
                token_request(server, None, &form).await
            }
        }
    }

    /// Exchanges an authorization code, with this client's redirect URI.
    pub async fn redeem(
        &self,
        server: &TestServer,
        code: &str,
        code_verifier: &str,
    ) -> reqwest::Response {
        self.token_request(
            server,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", &self.redirect_uri),
                ("code_verifier", code_verifier),
            ],
        )
        .await
    }

    /// Exchanges a refresh token.
    pub async fn refresh(&self, server: &TestServer, refresh_token: &str) -> reqwest::Response {
        self.token_request(
            server,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ],
        )
        .await
    }
}

/// The parameters of one authorization request, with fresh state, nonce and PKCE (S256).
#[derive(Debug, Clone)]
pub struct AuthRequest {
    pub params: Vec<(String, String)>,
    pub state: String,
    pub nonce: String,
    pub verifier: String,
}

impl AuthRequest {
    pub fn new(client: &WebClient, scope: &str) -> AuthRequest {
        let (challenge, verifier) = openidconnect::PkceCodeChallenge::new_random_sha256();
        let state = openidconnect::CsrfToken::new_random().secret().clone();
        let nonce = openidconnect::Nonce::new_random().secret().clone();
        let params = [
            ("response_type", "code"),
            ("client_id", &client.id),
            ("redirect_uri", &client.redirect_uri),
            ("scope", scope),
            ("state", &state),
            ("nonce", &nonce),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        AuthRequest {
            params,
            state,
            nonce,
            verifier: verifier.secret().clone(),
        }
    }

    /// Sets a parameter, replacing any value it had.
    pub fn set(mut self, name: &str, value: &str) -> AuthRequest {
        self = self.remove(name);
        self.params.push((name.to_string(), value.to_string()));
        self
    }

    pub fn remove(mut self, name: &str) -> AuthRequest {
        self.params.retain(|(k, _)| k != name);
        self
    }

    /// The `GET {issuer}/authorize?...` URL.
    pub fn url(&self, issuer: &str) -> String {
        url::Url::parse_with_params(&format!("{issuer}/authorize"), &self.params)
            .unwrap()
            .to_string()
    }
}

/// The `Location` header of a response, if any.
pub fn location(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
}

/// The whole `Set-Cookie` header that sets cookie `name`, if the response sets it.
pub fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with(&prefix))
}

/// The query parameters of a URL (the last value wins).
pub fn query_params(url: &url::Url) -> std::collections::HashMap<String, String> {
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The `value` of the `<input>` named `name` in an HTML page.
pub fn input_value(html: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\"");
    html.split('<')
        .filter(|tag| tag.starts_with("input"))
        .map(|tag| tag.split('>').next().unwrap_or(tag))
        .find(|tag| tag.contains(&needle))
        .and_then(|tag| tag.split(" value=\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .map(|value| {
            value
                .replace("&quot;", "\"")
                .replace("&#34;", "\"")
                .replace("&#39;", "'")
                .replace("&#x27;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        })
}

/// The hidden fields of a login or consent form.
#[derive(Debug, Clone)]
pub struct Form {
    pub req: String,
    pub csrf: String,
}

impl Form {
    pub fn parse(html: &str) -> Form {
        Form {
            req: input_value(html, "req").unwrap_or_else(|| panic!("no req field: {html}")),
            csrf: input_value(html, "csrf").unwrap_or_else(|| panic!("no csrf field: {html}")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny,
}

/// Where a sign-in left the browser: the first redirect that leaves the provider.
#[derive(Debug)]
pub struct Landing {
    pub url: url::Url,
    pub params: std::collections::HashMap<String, String>,
    /// Whether the login page was shown on the way.
    pub saw_login: bool,
    /// Whether the consent page was shown on the way.
    pub saw_consent: bool,
}

impl Landing {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// Asserts a successful authorization response to `request`'s redirect URI (state echoed,
    /// `iss` the issuer) and returns the code.
    pub fn code(&self, request: &AuthRequest, issuer: &str) -> String {
        let redirect_uri = &request
            .params
            .iter()
            .find(|(k, _)| k == "redirect_uri")
            .unwrap()
            .1;
        let mut bare = self.url.clone();
        bare.set_query(None);
        assert_eq!(bare.as_str(), redirect_uri, "landed at {}", self.url);
        assert_eq!(self.param("error"), None, "landed at {}", self.url);
        assert_eq!(self.param("state"), Some(request.state.as_str()));
        assert_eq!(self.param("iss"), Some(issuer));
        let code = self.param("code").expect("code in the redirect");
        assert!(!code.is_empty());
        code.to_string()
    }
}

/// A person's browser: keeps cookies, never follows redirects by itself.
pub struct Browser {
    pub http: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
    issuer: url::Url,
}

impl Browser {
    pub fn new(issuer: &str) -> Browser {
        Browser::with_client(issuer, reqwest::Client::builder())
    }

    /// A browser whose HTTP client starts from `builder` (e.g. one that trusts a test CA).
    pub fn with_client(issuer: &str, builder: reqwest::ClientBuilder) -> Browser {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        Browser {
            http: builder
                .redirect(reqwest::redirect::Policy::none())
                // The server closes a connection idle for its keep-alive (actix: 5 s); a
                // person who waits longer (for the next TOTP step) must not race that close.
                .pool_idle_timeout(IDLE_BEFORE_SERVER_CLOSES)
                .cookie_provider(Arc::clone(&jar))
                .build()
                .unwrap(),
            jar,
            issuer: url::Url::parse(issuer).unwrap(),
        }
    }

    /// Resolves a `Location` (relative ones against the issuer).
    pub fn resolve(&self, location: &str) -> url::Url {
        self.issuer.join(location).unwrap()
    }

    /// Whether the browser would send cookie `name` with a request to `path` on the provider.
    pub fn has_cookie(&self, name: &str, path: &str) -> bool {
        use reqwest::cookie::CookieStore;
        let prefix = format!("{name}=");
        self.jar
            .cookies(&self.resolve(path))
            .map(|header| {
                header
                    .to_str()
                    .unwrap()
                    .split("; ")
                    .any(|c| c.starts_with(&prefix))
            })
            .unwrap_or(false)
    }

    pub async fn get(&self, url: &str) -> reqwest::Response {
        self.http.get(self.resolve(url)).send().await.unwrap()
    }

    /// Sends `request` to the authorization endpoint.
    pub async fn authorize(&self, request: &AuthRequest) -> reqwest::Response {
        self.get(&request.url(self.issuer.as_str().trim_end_matches('/')))
            .await
    }

    pub async fn post_login(
        &self,
        form: &Form,
        username: &str,
        password: &str,
    ) -> reqwest::Response {
        self.http
            .post(self.resolve("/login"))
            .form(&[
                ("username", username),
                ("password", password),
                ("req", &form.req),
                ("csrf", &form.csrf),
            ])
            .send()
            .await
            .unwrap()
    }

    pub async fn post_consent(&self, form: &Form, decision: Decision) -> reqwest::Response {
        let decision = match decision {
            Decision::Allow => "allow",
            Decision::Deny => "deny",
        };
        self.http
            .post(self.resolve("/consent"))
            .form(&[
                ("req", form.req.as_str()),
                ("csrf", &form.csrf),
                ("decision", decision),
            ])
            .send()
            .await
            .unwrap()
    }

    /// Carries on from `response` as a person would: follows redirects within the provider,
    /// fills in the login page and answers the consent page, until a redirect leaves the
    /// provider.
    pub async fn follow(
        &self,
        mut response: reqwest::Response,
        username: &str,
        password: &str,
        decision: Decision,
    ) -> Landing {
        let (mut saw_login, mut saw_consent) = (false, false);
        for _ in 0..10 {
            let status = response.status();
            if status.is_redirection() {
                let url = self.resolve(&location(&response).expect("redirect without Location"));
                if url.origin() != self.issuer.origin() {
                    return Landing {
                        params: query_params(&url),
                        url,
                        saw_login,
                        saw_consent,
                    };
                }
                response = self.get(url.as_str()).await;
                continue;
            }
            let html = response.text().await.unwrap();
            assert_eq!(status, 200, "unexpected page: {html}");
            let form = Form::parse(&html);
            if html.contains("action=\"/login\"") {
                assert!(!saw_login, "the login page came back: {html}");
                saw_login = true;
                response = self.post_login(&form, username, password).await;
            } else if html.contains("action=\"/consent\"") {
                assert!(!saw_consent, "the consent page came back: {html}");
                saw_consent = true;
                response = self.post_consent(&form, decision).await;
            } else {
                panic!("neither a login nor a consent page: {html}");
            }
        }
        panic!("the sign-in never left the provider");
    }

    /// Sends `request` and signs in as `username` (password [`PASSWORD`]) if asked, answering
    /// any consent page with `decision`.
    pub async fn sign_in(
        &self,
        request: &AuthRequest,
        username: &str,
        decision: Decision,
    ) -> Landing {
        let response = self.authorize(request).await;
        self.follow(response, username, PASSWORD, decision).await
    }

    /// Signs in with a fresh request for `scope`, consents, and exchanges the code: returns the
    /// token response.
    pub async fn tokens(
        &self,
        server: &TestServer,
        client: &WebClient,
        scope: &str,
        username: &str,
    ) -> serde_json::Value {
        let request = AuthRequest::new(client, scope);
        let landing = self.sign_in(&request, username, Decision::Allow).await;
        let code = landing.code(&request, self.issuer.as_str().trim_end_matches('/'));
        let response = client.redeem(server, &code, &request.verifier).await;
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(status, 200, "code exchange failed: {body}");
        body
    }
}

/// GET /userinfo with a bearer token.
pub async fn userinfo(server: &TestServer, access_token: &str) -> reqwest::Response {
    server
        .http
        .get(server.url("/userinfo"))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap()
}

/// Asserts a token endpoint error response: status 400 and `error` = `expected`.
pub async fn assert_token_error(response: reqwest::Response, expected: &str) {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, 400, "expected {expected}, got: {text}");
    let body: serde_json::Value = serde_json::from_str(&text).expect("a JSON error body");
    assert_eq!(body["error"], expected, "{body}");
}

// ---------------------------------------------------------------------------------------------
// Several nodes and the server's lifecycle: a second `idp serve` sharing one database, the same
// browser talking to another node, and signals.

impl TestEnv {
    /// Starts another node: `idp serve` on its own free port, with this env's database, data dir
    /// (so the same generated key-encryption key), Redis and settings, and the same issuer, as
    /// two nodes behind one load balancer share the public URL. Its `base` is its own address.
    pub async fn start_node(&self) -> TestServer {
        let issuer = self
            .extra_env
            .iter()
            .find(|(name, _)| name == "IDP_SERVER__ISSUER")
            .map_or_else(|| self.issuer(), |(_, value)| value.clone());
        let port = free_port();
        let mut command = self.command();
        command
            .env("IDP_SERVER__BIND", format!("127.0.0.1:{port}"))
            .env("IDP_SERVER__ISSUER", issuer);
        TestServer::spawn(
            command,
            format!("http://127.0.0.1:{port}"),
            Stdio::inherit(),
        )
        .await
    }

    /// Starts the server with its log (standard error) written to the file `log` instead of
    /// the test's output, for tests that read what it logged.
    pub async fn start_logging_to(&self, log: &std::path::Path) -> TestServer {
        let file = std::fs::File::create(log).expect("create the server's log file");
        TestServer::spawn(self.command(), self.issuer(), file.into()).await
    }
}

impl TestServer {
    /// Runs `command serve` and waits until it answers at `base`.
    async fn spawn(mut command: Command, base: String, stderr: Stdio) -> TestServer {
        let mut child = command
            .arg("serve")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
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
            base,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            stdout,
        };
        server.wait_ready().await;
        server
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (`TERM`, `KILL`, …) to the server with kill(1); it may still be running
    /// when this returns.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([format!("-{signal}"), self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} failed");
    }

    /// Waits up to `timeout` for the process to exit on its own: its exit status, or `None` if
    /// it is still running (it is then killed when dropped).
    pub async fn wait_exit(mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Browser {
    /// The same browser, cookies included, talking to the node at `base`: requests and relative
    /// redirects go there (as a load balancer may send any request to any node).
    pub fn via(&self, base: &str) -> Browser {
        Browser {
            http: self.http.clone(),
            jar: Arc::clone(&self.jar),
            issuer: url::Url::parse(base).unwrap(),
        }
    }
}

/// The link to `{issuer}{path}` in a mail's text part (on a line of its own), also present in its
/// HTML part.
pub fn mail_link(mail: &serde_json::Value, issuer: &str, path: &str) -> String {
    let prefix = format!("{issuer}{path}");
    let link = mail["text"]
        .as_str()
        .unwrap()
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no {prefix} link in {mail}"))
        .trim()
        .to_string();
    assert!(mail["html"].as_str().unwrap().contains(&link), "{mail}");
    link
}

/// Follows redirects within the provider from `response` to the page it ends on: (its path
/// and query, its status, its body).
pub async fn land(browser: &Browser, mut response: reqwest::Response) -> (String, u16, String) {
    let mut at = response.url().path().to_string();
    for _ in 0..10 {
        if !response.status().is_redirection() {
            let status = response.status().as_u16();
            return (at, status, response.text().await.unwrap());
        }
        let url = browser.resolve(&location(&response).expect("redirect without Location"));
        assert_eq!(
            url.origin(),
            browser.resolve("/").origin(),
            "left for {url}"
        );
        at = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        };
        response = browser.get(url.as_str()).await;
    }
    panic!("too many redirects");
}

/// Opens the page at `path` and posts its form there with its CSRF token and `fields`, timing
/// only the post: (status, Retry-After, body, time taken).
pub async fn post_page_form(
    browser: &Browser,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, Option<String>, String, Duration) {
    let page = browser.get(path).await;
    assert_eq!(page.status(), 200, "{path}");
    let csrf = input_value(&page.text().await.unwrap(), "csrf").unwrap();
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    let started = Instant::now();
    let response = browser
        .http
        .post(browser.resolve(path))
        .form(&form)
        .send()
        .await
        .unwrap();
    let took = started.elapsed();
    let status = response.status().as_u16();
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    (status, retry, response.text().await.unwrap(), took)
}

/// Posts the login form through `person`, as the client `forwarded_for` behind a trusted proxy
/// when given.
pub async fn post_login_from(
    person: &Browser,
    form: &Form,
    forwarded_for: Option<&str>,
    username: &str,
    password: &str,
) -> reqwest::Response {
    let mut request = person.http.post(person.resolve("/login")).form(&[
        ("username", username),
        ("password", password),
        ("req", &form.req),
        ("csrf", &form.csrf),
    ]);
    if let Some(ip) = forwarded_for {
        request = request.header("x-forwarded-for", ip);
    }
    request.send().await.unwrap()
}

/// The value of the unlabelled sample `name` in the server's `/metrics` (which must allow the
/// loopback peer, as it does by default).
pub async fn metric(server: &TestServer, name: &str) -> f64 {
    let text = server
        .http
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no sample {name} in {text}"))
}
