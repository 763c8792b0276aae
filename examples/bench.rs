//! A load generator for an idp server that is already running on this machine's loopback
//! interface. It runs in its own process, so the numbers include real HTTP over TCP, and on a
//! small machine it shares the cores with the server (say so when quoting them).
//!
//!     cargo run --release --example bench -- --base http://127.0.0.1:8080 --scenario jwks
//!
//! Scenarios (`--scenario`, comma-separated for several in a row):
//!
//! - `discovery`           GET /.well-known/openid-configuration
//! - `jwks`                GET /jwks.json
//! - `client_credentials`  POST /token, grant_type=client_credentials, HTTP Basic
//! - `introspection`       POST /introspect with one access token got once by client_credentials
//! - `userinfo`            GET /userinfo with a bearer token got once by a sign-in
//! - `refresh`             POST /token, grant_type=refresh_token; every worker keeps its own
//!   rotating chain, started by its own sign-in
//! - `refresh_dpop`        the same with a fresh DPoP proof (RFC 9449, ES256) on every request:
//!   each access token comes back DPoP-bound
//! - `signin`              the whole authorization-code sign-in with PKCE, per iteration
//! - `argon2`              no server: Argon2id verifications per second on this machine's cores
//! - `stuffing`            an attacker's failing sign-ins, a new random name and password each,
//!   from `--local-address` (e.g. 127.0.0.2); the line adds `blocked=N`, the attempts answered 429
//! - `admin_search`        GET /admin/api/users?q=PREFIX (`--search`, default: `--username`)
//!   with an admin API key (`BENCH_API_KEY`)
//! - `audit_list`          GET /admin/api/audit, the newest page of 50, with an admin API key
//! - `audit_actor`         the same filtered by actor (`--username`: the username it stands for)
//!
//! Several `--base` values (comma-separated or repeated: nodes sharing one database) take the
//! workers in turn; the line then adds `node_requests=A/B/…`, each node's share, and
//! `--server-pid` takes one pid per node (their CPU time is added up).
//!
//! Each scenario prints one line on stdout:
//! `NAME requests=N errors=N req/s=X p50_ms=X p99_ms=X`, and with `--server-pid PID` also
//! `server_cpu_ms=X`: the server's CPU time in the measured window, per request. Responses that
//! are not 2xx/3xx (or, in the multi-step flows, not the status the step must answer) are
//! errors; they are counted in `errors` and broken down on stderr, never dropped.
//!
//! Secrets may come from the environment instead of the command line (`BENCH_CLIENT_SECRET`,
//! `BENCH_PASSWORD`, `BENCH_API_KEY`), where other users of the machine would not see them in `ps`.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use clap::Parser;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{HeaderValue, AUTHORIZATION, LOCATION};
use reqwest::redirect::Policy;
use reqwest::{Client, RequestBuilder, Response, StatusCode, Url};
use serde_json::Value;

#[path = "bench/dpop.rs"]
mod dpop;
#[path = "bench/server_cpu.rs"]
mod server_cpu;
#[path = "bench/stuffing.rs"]
mod stuffing;

/// Upper bound of one scenario's load, warm-up included: loads here stay short and bounded.
const MAX_LOAD_SECS: u64 = 15;
/// The Argon2id cost the server is configured with by default (OWASP: m=19 MiB, t=2, p=1).
const ARGON2_MEMORY_KIB: u32 = 19_456;
const ARGON2_ITERATIONS: u32 = 2;
const ARGON2_PARALLELISM: u32 = 1;

const SCENARIOS: [&str; 13] = [
    "discovery",
    "jwks",
    "client_credentials",
    "introspection",
    "userinfo",
    "refresh",
    "refresh_dpop",
    "signin",
    "argon2",
    "stuffing",
    "admin_search",
    "audit_list",
    "audit_actor",
];

#[derive(Parser, Debug, Clone)]
#[command(
    name = "bench",
    about = "Drive a running idp server on 127.0.0.1 with bounded load"
)]
struct Args {
    /// The server, on a loopback address only; several (nodes of one store) share the workers.
    #[arg(long, value_delimiter = ',', default_value = "http://127.0.0.1:8080")]
    base: Vec<String>,
    /// Scenario(s), comma-separated: discovery, jwks, client_credentials, introspection,
    /// userinfo, refresh, signin, argon2.
    #[arg(long, value_delimiter = ',', required = true)]
    scenario: Vec<String>,
    /// Concurrent workers (each with its own connection and, for sign-ins, its own cookies).
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Measured seconds per scenario (the warm-up comes on top; both together at most 15).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Unmeasured seconds before the measurement starts.
    #[arg(long, default_value_t = 1)]
    warmup: u64,
    /// Load-generator threads (tokio workers; Argon2 threads for `argon2`). Default: all cores.
    #[arg(long)]
    threads: Option<usize>,
    /// The client the scenario authenticates as (HTTP Basic at /token and /introspect).
    #[arg(long)]
    client_id: Option<String>,
    #[arg(long, env = "BENCH_CLIENT_SECRET", hide_env_values = true)]
    client_secret: Option<String>,
    /// The web client's registered redirect URI (sign-in scenarios). Nothing listens there: the
    /// code is read from the Location header.
    #[arg(long, default_value = "http://127.0.0.1:9/cb")]
    redirect_uri: String,
    /// The person who signs in (sign-in scenarios).
    #[arg(long)]
    username: Option<String>,
    #[arg(long, env = "BENCH_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// The server's process id (one per `--base`), to report its CPU time per request (read
    /// from /proc).
    #[arg(long, value_delimiter = ',')]
    server_pid: Vec<u32>,
    /// An admin API key (admin scenarios).
    #[arg(long, env = "BENCH_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// The username prefix `admin_search` looks for (default: `--username`).
    #[arg(long)]
    search: Option<String>,
    /// The loopback address the requests come from (the `stuffing` scenario's attacker).
    #[arg(long)]
    local_address: Option<IpAddr>,
}

fn main() {
    let args = Args::parse();
    if let Err(e) = run(args) {
        eprintln!("bench: error: {e}");
        std::process::exit(2);
    }
}

fn run(args: Args) -> Result<(), String> {
    for name in &args.scenario {
        if !SCENARIOS.contains(&name.as_str()) {
            return Err(format!(
                "unknown scenario {name:?}; one of {}",
                SCENARIOS.join(", ")
            ));
        }
    }
    if args.seconds == 0 || args.seconds + args.warmup > MAX_LOAD_SECS {
        return Err(format!(
            "--seconds must be at least 1, and --seconds + --warmup at most {MAX_LOAD_SECS}"
        ));
    }
    if args.concurrency == 0 || args.concurrency > 1024 {
        return Err("--concurrency must be between 1 and 1024".into());
    }
    let threads = args.threads.unwrap_or_else(cores).max(1);
    let bases = args
        .base
        .iter()
        .map(|b| loopback_base(b))
        .collect::<Result<Vec<_>, _>>()?;
    if !args.server_pid.is_empty() && args.server_pid.len() != bases.len() {
        return Err("--server-pid takes one pid per --base".into());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    for name in &args.scenario {
        let outcome = if name == "argon2" {
            argon2_limit(threads, &args)?
        } else {
            runtime.block_on(http_scenario(name, &bases, &args))?
        };
        outcome.print(name);
    }
    Ok(())
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Load goes to this machine only: the base URL must name a loopback address.
fn loopback_base(base: &str) -> Result<Url, String> {
    let url = Url::parse(base).map_err(|e| format!("--base {base:?}: {e}"))?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    if !loopback || url.scheme() != "http" {
        return Err(format!(
            "--base must be http:// on a loopback address (127.0.0.0/8, [::1], localhost), not {base}"
        ));
    }
    Ok(url)
}

// ---------------------------------------------------------------------------------------------
// Results

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    errors: u64,
    /// What went wrong, by kind ("POST /token: HTTP 500"), with the first answer seen.
    kinds: BTreeMap<String, (u64, String)>,
}

impl Tally {
    fn success(&mut self, took: Duration) {
        self.latencies_us
            .push(took.as_micros().min(u32::MAX as u128) as u32);
    }

    fn failure(&mut self, took: Duration, failure: Failure) {
        self.success(took);
        self.errors += 1;
        let entry = self
            .kinds
            .entry(failure.kind)
            .or_insert_with(|| (0, failure.detail));
        entry.0 += 1;
    }

    fn merge(&mut self, other: Tally) {
        self.latencies_us.extend(other.latencies_us);
        self.errors += other.errors;
        for (kind, (count, detail)) in other.kinds {
            self.kinds.entry(kind).or_insert((0, detail)).0 += count;
        }
    }
}

struct Outcome {
    tally: Tally,
    window: Duration,
    /// The server's CPU milliseconds per request, when its pid was given.
    server_cpu_ms: Option<f64>,
    /// More of the line (` blocked=N` for `stuffing`).
    extra: String,
}

impl Outcome {
    fn print(mut self, name: &str) {
        let lat = &mut self.tally.latencies_us;
        lat.sort_unstable();
        let requests = lat.len();
        let rate = requests as f64 / self.window.as_secs_f64();
        let pct = |p: f64| -> f64 {
            if lat.is_empty() {
                return 0.0;
            }
            let rank = ((p * requests as f64).ceil() as usize).clamp(1, requests);
            lat[rank - 1] as f64 / 1000.0
        };
        let cpu = self
            .server_cpu_ms
            .map(|ms| format!(" server_cpu_ms={ms:.3}"))
            .unwrap_or_default();
        println!(
            "{name} requests={requests} errors={} req/s={rate:.1} p50_ms={:.3} p99_ms={:.3}{cpu}{}",
            self.tally.errors,
            pct(0.50),
            pct(0.99),
            self.extra
        );
        for (kind, (count, detail)) in &self.tally.kinds {
            eprintln!("bench: {name}: {count} error(s): {kind}; first: {detail}");
        }
    }
}

/// Why one iteration failed: `kind` groups them, `detail` is the first answer of that kind.
struct Failure {
    kind: String,
    detail: String,
}

impl Failure {
    fn new(kind: impl Into<String>, detail: impl Into<String>) -> Failure {
        Failure {
            kind: kind.into(),
            detail: detail.into(),
        }
    }

    fn transport(step: &str, e: reqwest::Error) -> Failure {
        let kind = if e.is_timeout() {
            "timeout"
        } else if e.is_connect() {
            "connect"
        } else {
            "transport"
        };
        Failure::new(format!("{step}: {kind} error"), e.to_string())
    }

    async fn status(step: &str, response: Response) -> Failure {
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(|l| format!(" Location: {l}"))
            .unwrap_or_default();
        let body = response.text().await.unwrap_or_default();
        Failure::new(
            format!("{step}: HTTP {}", status.as_u16()),
            format!("{status}{location} {}", one_line(&body)),
        )
    }
}

/// A response body shown in one line: an HTML page by its title and first paragraph, anything
/// else with its white space collapsed, at most 300 characters.
fn one_line(body: &str) -> String {
    let between = |open: &str, close: &str| -> Option<String> {
        let start = body.find(open)? + open.len();
        let len = body[start..].find(close)?;
        Some(body[start..start + len].to_string())
    };
    let text = match (between("<title>", "</title>"), between("<p>", "</p>")) {
        (Some(title), Some(p)) => format!("page {title:?}: {p}"),
        (Some(title), None) => format!("page {title:?}"),
        _ => body.to_string(),
    };
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    text.chars().take(300).collect()
}

// ---------------------------------------------------------------------------------------------
// HTTP scenarios

/// What one worker repeats.
enum Work {
    Get {
        client: Client,
        url: Url,
        label: &'static str,
    },
    ClientCredentials {
        client: Client,
        token_url: Url,
        auth: HeaderValue,
    },
    Introspect {
        client: Client,
        url: Url,
        auth: HeaderValue,
        token: String,
    },
    Userinfo {
        client: Client,
        url: Url,
        bearer: HeaderValue,
    },
    /// An admin API list: a 200 with JSON whose `member` is an array.
    Admin {
        client: Client,
        url: Url,
        bearer: HeaderValue,
        member: &'static str,
    },
    Refresh {
        flow: SignIn,
        refresh_token: Option<String>,
    },
    SignIn {
        flow: SignIn,
    },
    Stuffing(stuffing::Attacker),
}

impl Work {
    /// One request (for `signin`, one whole sign-in).
    async fn once(&mut self) -> Result<(), Failure> {
        match self {
            Work::Get { client, url, label } => {
                let response = client
                    .get(url.clone())
                    .send()
                    .await
                    .map_err(|e| Failure::transport(label, e))?;
                accept_2xx_3xx(label, response).await.map(drop)
            }
            Work::ClientCredentials {
                client,
                token_url,
                auth,
            } => {
                let response = client
                    .post(token_url.clone())
                    .header(AUTHORIZATION, auth.clone())
                    .form(&[("grant_type", "client_credentials")])
                    .send()
                    .await
                    .map_err(|e| Failure::transport("POST /token", e))?;
                let body = json_ok("POST /token", response).await?;
                require_str(&body, "access_token", "POST /token").map(drop)
            }
            Work::Introspect {
                client,
                url,
                auth,
                token,
            } => {
                let response = client
                    .post(url.clone())
                    .header(AUTHORIZATION, auth.clone())
                    .form(&[("token", token.as_str())])
                    .send()
                    .await
                    .map_err(|e| Failure::transport("POST /introspect", e))?;
                let body = json_ok("POST /introspect", response).await?;
                if body.get("active") != Some(&Value::Bool(true)) {
                    return Err(Failure::new(
                        "POST /introspect: token not active",
                        body.to_string(),
                    ));
                }
                Ok(())
            }
            Work::Userinfo {
                client,
                url,
                bearer,
            } => {
                let response = client
                    .get(url.clone())
                    .header(AUTHORIZATION, bearer.clone())
                    .send()
                    .await
                    .map_err(|e| Failure::transport("GET /userinfo", e))?;
                let body = json_ok("GET /userinfo", response).await?;
                require_str(&body, "sub", "GET /userinfo").map(drop)
            }
            Work::Admin {
                client,
                url,
                bearer,
                member,
            } => {
                let step = format!("GET {}", url.path());
                let response = client
                    .get(url.clone())
                    .header(AUTHORIZATION, bearer.clone())
                    .send()
                    .await
                    .map_err(|e| Failure::transport(&step, e))?;
                let body = json_ok(&step, response).await?;
                match body.get(*member) {
                    Some(Value::Array(_)) => Ok(()),
                    _ => Err(Failure::new(
                        format!("{step}: no {member} list"),
                        one_line(&body.to_string()),
                    )),
                }
            }
            Work::Refresh {
                flow,
                refresh_token,
            } => {
                // A failed exchange may or may not have used the token up, and presenting a used
                // one again revokes the whole grant: after any error, start a fresh chain.
                let token = match refresh_token.take() {
                    Some(token) => token,
                    None => {
                        let tokens = flow.run().await?;
                        require_str(&tokens, "refresh_token", "sign-in for a refresh chain")?
                    }
                };
                let tokens = flow.refresh(&token).await?;
                *refresh_token = Some(require_str(&tokens, "refresh_token", "POST /token")?);
                Ok(())
            }
            Work::SignIn { flow } => flow.run().await.map(drop),
            Work::Stuffing(attacker) => attacker.once().await,
        }
    }
}

async fn accept_2xx_3xx(step: &str, response: Response) -> Result<Response, Failure> {
    let status = response.status();
    if status.is_success() || status.is_redirection() {
        Ok(response)
    } else {
        Err(Failure::status(step, response).await)
    }
}

/// Reads the whole body, so the connection is reused, and requires a 200 with JSON.
async fn json_ok(step: &str, response: Response) -> Result<Value, Failure> {
    if response.status() != StatusCode::OK {
        return Err(Failure::status(step, response).await);
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|e| Failure::transport(step, e))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        Failure::new(
            format!("{step}: body is not JSON"),
            format!(
                "{e}: {}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
            ),
        )
    })
}

fn require_str(body: &Value, member: &str, step: &str) -> Result<String, Failure> {
    body.get(member)
        .and_then(Value::as_str)
        .map(String::from)
        .ok_or_else(|| {
            Failure::new(
                format!("{step}: no {member} in the answer"),
                one_line(&body.to_string()),
            )
        })
}

fn basic_auth(id: &str, secret: &str) -> HeaderValue {
    // RFC 6749 §2.3.1: each part form-urlencoded before base64.
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let credentials = STANDARD.encode(format!("{}:{}", enc(id), enc(secret)));
    let mut value = HeaderValue::from_str(&format!("Basic {credentials}"))
        .expect("base64 is a valid header value");
    value.set_sensitive(true);
    value
}

fn http_client(cookies: Option<Arc<FreshJar>>) -> Result<Client, String> {
    let builder = Client::builder()
        .redirect(Policy::none())
        .no_proxy()
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(4);
    let builder = match cookies {
        Some(jar) => builder.cookie_provider(jar),
        None => builder,
    };
    builder.build().map_err(|e| format!("HTTP client: {e}"))
}

fn endpoint(base: &Url, path: &str) -> Result<Url, String> {
    base.join(path).map_err(|e| format!("{path}: {e}"))
}

fn client_credentials(args: &Args) -> Result<(String, String), String> {
    match (&args.client_id, &args.client_secret) {
        (Some(id), Some(secret)) => Ok((id.clone(), secret.clone())),
        _ => Err(
            "this scenario needs --client-id and --client-secret (or BENCH_CLIENT_SECRET)".into(),
        ),
    }
}

fn sign_in_flow(base: &Url, args: &Args, scope: &str) -> Result<SignIn, String> {
    let (client_id, client_secret) = client_credentials(args)?;
    let (Some(username), Some(password)) = (&args.username, &args.password) else {
        return Err("this scenario needs --username and --password (or BENCH_PASSWORD)".into());
    };
    let jar = Arc::new(FreshJar::default());
    Ok(SignIn {
        client: http_client(Some(Arc::clone(&jar)))?,
        jar,
        base: base.clone(),
        auth: basic_auth(&client_id, &client_secret),
        client_id,
        redirect_uri: args.redirect_uri.clone(),
        username: username.clone(),
        password: password.clone(),
        scope: scope.to_string(),
        dpop: None,
    })
}

/// Builds every worker's state (sign-ins for the scenarios that need them happen here, before
/// the clock starts), the workers spread over the nodes in turn, then runs them all against one
/// deadline.
async fn http_scenario(name: &str, bases: &[Url], args: &Args) -> Result<Outcome, String> {
    let blocked = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut workers: Vec<(usize, Work)> = Vec::with_capacity(args.concurrency);
    for (node, base) in bases.iter().enumerate() {
        let n = (args.concurrency + bases.len() - 1 - node) / bases.len();
        for work in node_workers(name, base, n, args, &blocked).await? {
            workers.push((node, work));
        }
    }
    run_workers(name, workers, bases.len(), args, &blocked).await
}

/// `n` workers of scenario `name` for the node at `base`.
async fn node_workers(
    name: &str,
    base: &Url,
    n: usize,
    args: &Args,
    blocked: &Arc<std::sync::atomic::AtomicU64>,
) -> Result<Vec<Work>, String> {
    let mut workers: Vec<Work> = Vec::with_capacity(n);
    match name {
        "discovery" | "jwks" => {
            let (path, label) = if name == "jwks" {
                ("/jwks.json", "GET /jwks.json")
            } else {
                (
                    "/.well-known/openid-configuration",
                    "GET /.well-known/openid-configuration",
                )
            };
            let url = endpoint(base, path)?;
            for _ in 0..n {
                workers.push(Work::Get {
                    client: http_client(None)?,
                    url: url.clone(),
                    label,
                });
            }
        }
        "client_credentials" => {
            let (id, secret) = client_credentials(args)?;
            let token_url = endpoint(base, "/token")?;
            for _ in 0..n {
                workers.push(Work::ClientCredentials {
                    client: http_client(None)?,
                    token_url: token_url.clone(),
                    auth: basic_auth(&id, &secret),
                });
            }
        }
        "introspection" => {
            let (id, secret) = client_credentials(args)?;
            let auth = basic_auth(&id, &secret);
            let client = http_client(None)?;
            let response = client
                .post(endpoint(base, "/token")?)
                .header(AUTHORIZATION, auth.clone())
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await
                .map_err(|e| format!("client_credentials for the token to introspect: {e}"))?;
            let token = json_ok("POST /token", response)
                .await
                .and_then(|body| require_str(&body, "access_token", "POST /token"))
                .map_err(|f| {
                    format!("cannot get a token to introspect: {}: {}", f.kind, f.detail)
                })?;
            let url = endpoint(base, "/introspect")?;
            for _ in 0..n {
                workers.push(Work::Introspect {
                    client: http_client(None)?,
                    url: url.clone(),
                    auth: auth.clone(),
                    token: token.clone(),
                });
            }
        }
        "userinfo" => {
            let flow = sign_in_flow(base, args, "openid profile email")?;
            let tokens = flow.run().await.map_err(|f| {
                format!(
                    "sign-in for a bearer token failed: {}: {}",
                    f.kind, f.detail
                )
            })?;
            let token = require_str(&tokens, "access_token", "POST /token")
                .map_err(|f| format!("{}: {}", f.kind, f.detail))?;
            let bearer = HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|e| format!("access token: {e}"))?;
            let url = endpoint(base, "/userinfo")?;
            for _ in 0..n {
                workers.push(Work::Userinfo {
                    client: http_client(None)?,
                    url: url.clone(),
                    bearer: bearer.clone(),
                });
            }
        }
        "refresh" | "refresh_dpop" => {
            // Every worker starts its own chain with its own sign-in, all at once.
            let mut setups = Vec::with_capacity(n);
            for _ in 0..n {
                let mut flow = sign_in_flow(base, args, "openid profile email offline_access")?;
                if name == "refresh_dpop" {
                    flow.dpop = Some(Arc::new(dpop::DpopKey::generate()?));
                }
                setups.push(tokio::spawn(async move {
                    let tokens = flow.run().await?;
                    let token = require_str(&tokens, "refresh_token", "POST /token")?;
                    Ok::<_, Failure>(Work::Refresh {
                        flow,
                        refresh_token: Some(token),
                    })
                }));
            }
            for setup in setups {
                let work = setup
                    .await
                    .map_err(|e| format!("setup task: {e}"))?
                    .map_err(|f| {
                        format!(
                            "sign-in to start a refresh chain failed: {}: {}",
                            f.kind, f.detail
                        )
                    })?;
                workers.push(work);
            }
        }
        "signin" => {
            for _ in 0..n {
                workers.push(Work::SignIn {
                    flow: sign_in_flow(base, args, "openid profile email")?,
                });
            }
        }
        "stuffing" => {
            let from = args
                .local_address
                .filter(IpAddr::is_loopback)
                .ok_or("this scenario needs --local-address, a loopback address")?;
            for _ in 0..n {
                workers.push(Work::Stuffing(stuffing::Attacker::new(
                    base,
                    from,
                    Arc::clone(blocked),
                )?));
            }
        }
        "admin_search" | "audit_list" | "audit_actor" => {
            let key = args
                .api_key
                .as_deref()
                .ok_or("this scenario needs an admin API key in BENCH_API_KEY (or --api-key)")?;
            let mut bearer = HeaderValue::from_str(&format!("Bearer {key}"))
                .map_err(|e| format!("API key: {e}"))?;
            bearer.set_sensitive(true);
            let (mut url, member) = match name {
                "admin_search" => (endpoint(base, "/admin/api/users")?, "users"),
                _ => (endpoint(base, "/admin/api/audit")?, "entries"),
            };
            let person = || {
                args.username
                    .clone()
                    .ok_or_else(|| format!("{name} needs --username"))
            };
            match name {
                "admin_search" => {
                    let prefix = match &args.search {
                        Some(prefix) => prefix.clone(),
                        None => person()?,
                    };
                    url.query_pairs_mut()
                        .append_pair("q", &prefix)
                        .append_pair("limit", "20");
                }
                "audit_actor" => {
                    url.query_pairs_mut()
                        .append_pair("actor", &person()?)
                        .append_pair("limit", "50");
                }
                _ => {
                    url.query_pairs_mut().append_pair("limit", "50");
                }
            }
            for _ in 0..n {
                workers.push(Work::Admin {
                    client: http_client(None)?,
                    url: url.clone(),
                    bearer: bearer.clone(),
                    member,
                });
            }
        }
        other => return Err(format!("no HTTP scenario {other}")),
    }
    Ok(workers)
}

/// Runs the workers (each tagged with its node) against one deadline and tallies them.
async fn run_workers(
    name: &str,
    workers: Vec<(usize, Work)>,
    nodes: usize,
    args: &Args,
    blocked: &Arc<std::sync::atomic::AtomicU64>,
) -> Result<Outcome, String> {
    let n = workers.len();
    let start = Instant::now();
    let measure_from = start + Duration::from_secs(args.warmup);
    let until = measure_from + Duration::from_secs(args.seconds);
    let meters: Vec<_> = args
        .server_pid
        .iter()
        .map(|&pid| tokio::spawn(server_cpu::Meter::start_at(pid, measure_from)))
        .collect();
    let mut tasks = Vec::with_capacity(n);
    for (node, mut work) in workers {
        tasks.push((
            node,
            tokio::spawn(async move {
                let mut tally = Tally::default();
                loop {
                    let began = Instant::now();
                    if began >= until {
                        break;
                    }
                    let result = work.once().await;
                    if began < measure_from {
                        continue;
                    }
                    match result {
                        Ok(()) => tally.success(began.elapsed()),
                        Err(failure) => tally.failure(began.elapsed(), failure),
                    }
                }
                tally
            }),
        ));
    }
    let mut tally = Tally::default();
    let mut per_node = vec![0usize; nodes];
    for (node, task) in tasks {
        let done = task.await.map_err(|e| format!("worker: {e}"))?;
        per_node[node] += done.latencies_us.len();
        tally.merge(done);
    }
    // Requests begun before the deadline finish after it; the window includes them.
    let window = Instant::now().max(until) - measure_from;
    let mut server_cpu_ms = None;
    for meter in meters {
        let meter = meter
            .await
            .map_err(|e| format!("server CPU meter: {e}"))??;
        let ms = meter.ms_per_request(tally.latencies_us.len())?;
        server_cpu_ms = Some(server_cpu_ms.unwrap_or(0.0) + ms);
    }
    let mut extra = match name {
        "stuffing" => format!(
            " blocked={}",
            blocked.load(std::sync::atomic::Ordering::Relaxed)
        ),
        _ => String::new(),
    };
    if nodes > 1 {
        let shares: Vec<String> = per_node.iter().map(usize::to_string).collect();
        extra.push_str(&format!(" node_requests={}", shares.join("/")));
    }
    Ok(Outcome {
        tally,
        window,
        server_cpu_ms,
        extra,
    })
}

// ---------------------------------------------------------------------------------------------
// The sign-in, as a browser and a web app's back end do it

/// A cookie jar that can be swapped for an empty one, so every sign-in starts as a new browser
/// while the worker keeps its connection.
#[derive(Default)]
struct FreshJar(RwLock<Arc<Jar>>);

impl FreshJar {
    fn current(&self) -> Arc<Jar> {
        match self.0.read() {
            Ok(jar) => Arc::clone(&jar),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    fn clear(&self) {
        match self.0.write() {
            Ok(mut jar) => *jar = Arc::new(Jar::default()),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(Jar::default()),
        }
    }
}

impl CookieStore for FreshJar {
    fn set_cookies(&self, headers: &mut dyn Iterator<Item = &HeaderValue>, url: &Url) {
        self.current().set_cookies(headers, url)
    }

    fn cookies(&self, url: &Url) -> Option<HeaderValue> {
        self.current().cookies(url)
    }
}

struct SignIn {
    client: Client,
    jar: Arc<FreshJar>,
    base: Url,
    client_id: String,
    auth: HeaderValue,
    redirect_uri: String,
    username: String,
    password: String,
    scope: String,
    /// Set for `refresh_dpop`: every refresh carries a fresh proof made with this key.
    dpop: Option<Arc<dpop::DpopKey>>,
}

fn random_b64url<const N: usize>() -> String {
    let mut bytes = [0u8; N];
    openssl::rand::rand_bytes(&mut bytes).expect("the system random generator");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The value of `<input ... name="NAME" value="...">` on a page the server rendered.
fn hidden_input(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    let len = page[start..].find('"')?;
    Some(page[start..start + len].to_string())
}

impl SignIn {
    async fn send(&self, step: &str, request: RequestBuilder) -> Result<Response, Failure> {
        request
            .send()
            .await
            .map_err(|e| Failure::transport(step, e))
    }

    /// A 303 whose Location resolves against the server.
    async fn see_other(&self, step: &str, response: Response) -> Result<Url, Failure> {
        if response.status() != StatusCode::SEE_OTHER {
            return Err(Failure::status(step, response).await);
        }
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        // Drain, so the connection goes back to the pool.
        let _ = response.bytes().await;
        self.base
            .join(&location)
            .map_err(|e| Failure::new(format!("{step}: bad Location"), format!("{location}: {e}")))
    }

    /// The whole sign-in: authorize, login page, login, resume, code, token. The token
    /// endpoint's JSON answer.
    async fn run(&self) -> Result<Value, Failure> {
        self.jar.clear();
        let verifier = random_b64url::<32>();
        let challenge = URL_SAFE_NO_PAD.encode(openssl::sha::sha256(verifier.as_bytes()));
        let state = random_b64url::<16>();
        let nonce = random_b64url::<16>();
        let mut authorize = self.base.join("/authorize").expect("a path");
        authorize
            .query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("scope", &self.scope)
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");

        let step = "GET /authorize";
        let response = self.send(step, self.client.get(authorize)).await?;
        let login = self.see_other(step, response).await?;
        if login.path() != "/login" {
            return Err(Failure::new(
                format!("{step}: not sent to /login"),
                login.to_string(),
            ));
        }

        let step = "GET /login";
        let response = self.send(step, self.client.get(login)).await?;
        if response.status() != StatusCode::OK {
            return Err(Failure::status(step, response).await);
        }
        let page = response
            .text()
            .await
            .map_err(|e| Failure::transport(step, e))?;
        let (Some(req), Some(csrf)) = (hidden_input(&page, "req"), hidden_input(&page, "csrf"))
        else {
            return Err(Failure::new(
                format!("{step}: no req/csrf inputs on the page"),
                one_line(&page),
            ));
        };

        let step = "POST /login";
        let form = [
            ("username", self.username.as_str()),
            ("password", self.password.as_str()),
            ("req", req.as_str()),
            ("csrf", csrf.as_str()),
        ];
        let response = self
            .send(
                step,
                self.client
                    .post(endpoint_of(&self.base, "/login"))
                    .form(&form),
            )
            .await?;
        let resume = self.see_other(step, response).await?;

        let step = "GET /authorize/resume";
        let response = self.send(step, self.client.get(resume)).await?;
        if response.status() == StatusCode::OK {
            return Err(Failure::new(
                format!("{step}: consent page shown"),
                "register the web client with --first-party so no consent is asked",
            ));
        }
        let callback = self.see_other(step, response).await?;
        let param = |name: &str| {
            callback
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        if param("state").as_deref() != Some(state.as_str()) {
            return Err(Failure::new(
                format!("{step}: state not returned"),
                callback.to_string(),
            ));
        }
        let Some(code) = param("code") else {
            return Err(Failure::new(
                format!("{step}: no code in the redirect"),
                callback.to_string(),
            ));
        };

        let step = "POST /token (authorization_code)";
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("code_verifier", verifier.as_str()),
        ];
        let request = self
            .client
            .post(endpoint_of(&self.base, "/token"))
            .header(AUTHORIZATION, self.auth.clone())
            .form(&form);
        let tokens = json_ok(step, self.send(step, request).await?).await?;
        require_str(&tokens, "access_token", step)?;
        require_str(&tokens, "id_token", step)?;
        Ok(tokens)
    }

    async fn refresh(&self, refresh_token: &str) -> Result<Value, Failure> {
        let step = "POST /token (refresh_token)";
        let url = endpoint_of(&self.base, "/token");
        let mut request = self
            .client
            .post(url.clone())
            .header(AUTHORIZATION, self.auth.clone())
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ]);
        if let Some(key) = &self.dpop {
            let proof = key
                .proof("POST", url.as_str())
                .map_err(|e| Failure::new("DPoP proof", e))?;
            request = request.header("DPoP", proof);
        }
        let tokens = json_ok(step, self.send(step, request).await?).await?;
        require_str(&tokens, "access_token", step)?;
        if self.dpop.is_some() && tokens.get("token_type") != Some(&Value::from("DPoP")) {
            return Err(Failure::new(
                "POST /token (refresh_token): not DPoP-bound",
                tokens.to_string(),
            ));
        }
        Ok(tokens)
    }
}

fn endpoint_of(base: &Url, path: &str) -> Url {
    base.join(path)
        .expect("an absolute path joins any http URL")
}

// ---------------------------------------------------------------------------------------------
// Argon2id: how many password verifications this machine can do, which bounds sign-ins

fn argon2_limit(threads: usize, args: &Args) -> Result<Outcome, String> {
    use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
    use argon2::{Algorithm, Argon2, Params, Version};

    let params = Params::new(
        ARGON2_MEMORY_KIB,
        ARGON2_ITERATIONS,
        ARGON2_PARALLELISM,
        None,
    )
    .map_err(|e| format!("argon2 parameters: {e}"))?;
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut salt = [0u8; 16];
    openssl::rand::rand_bytes(&mut salt).map_err(|e| e.to_string())?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    let password = "bench password 123";
    let phc = argon2
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| format!("argon2 hash: {e}"))?
        .to_string();
    eprintln!(
        "bench: argon2: Argon2id m={ARGON2_MEMORY_KIB} KiB t={ARGON2_ITERATIONS} p={ARGON2_PARALLELISM}, {threads} thread(s)"
    );

    let start = Instant::now();
    let measure_from = start + Duration::from_secs(args.warmup);
    let until = measure_from + Duration::from_secs(args.seconds);
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (argon2, phc) = (argon2.clone(), phc.clone());
            std::thread::spawn(move || {
                let parsed = PasswordHash::new(&phc).expect("a PHC string we just made");
                let mut tally = Tally::default();
                loop {
                    let began = Instant::now();
                    if began >= until {
                        break;
                    }
                    let ok = argon2.verify_password(password.as_bytes(), &parsed).is_ok();
                    if began < measure_from {
                        continue;
                    }
                    if ok {
                        tally.success(began.elapsed());
                    } else {
                        let failure = Failure::new("verification failed", "");
                        tally.failure(began.elapsed(), failure);
                    }
                }
                tally
            })
        })
        .collect();
    let mut tally = Tally::default();
    for handle in handles {
        tally.merge(handle.join().map_err(|_| "argon2 thread panicked")?);
    }
    let window = Instant::now().max(until) - measure_from;
    Ok(Outcome {
        tally,
        window,
        server_cpu_ms: None,
        extra: String::new(),
    })
}
