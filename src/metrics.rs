//! Prometheus metrics in the text exposition format (0.0.4), kept with atomics: requests and
//! latency per matched route, sign-ins, tokens issued per grant, and database pool use. Served
//! at `/metrics` only to the peers that `metrics.allow` lists; every other peer gets the same
//! 404 as an unknown path.
//!
//! Labels never carry the raw path: a request is counted under the route pattern it matched
//! (`unmatched` when none did), so ids and query strings never become series.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, RwLock};
use std::time::{Duration, Instant};

use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::{header, Method};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::AppError;
use crate::state::AppState;
use crate::store::PoolGauges;

pub const METRICS_PATH: &str = "/metrics";

/// The route label of requests that matched no route.
const UNMATCHED: &str = "unmatched";

/// Upper bounds, in seconds, of the request latency histogram's buckets (`+Inf` is implied).
const LATENCY_BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// The grants whose issued tokens are counted, in the order they are exposed.
const GRANTS: [&str; 4] = [
    "authorization_code",
    "refresh_token",
    "client_credentials",
    "urn:ietf:params:oauth:grant-type:device_code",
];

static SIGNINS_OK: AtomicU64 = AtomicU64::new(0);
static SIGNINS_FAILED: AtomicU64 = AtomicU64::new(0);
static TOKENS_ISSUED: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];
/// The kinds of incident the detection rules open, in the order they are exposed.
pub const INCIDENT_KINDS: [&str; 2] = ["credential_stuffing", "password_spraying"];
static INCIDENTS_OPENED: [AtomicU64; 2] = [AtomicU64::new(0), AtomicU64::new(0)];
static REQUESTS: LazyLock<Requests> = LazyLock::new(Requests::default);

/// Counts a sign-in attempt that reached the password check: `ok` when it succeeded.
pub fn signin(ok: bool) {
    let counter = if ok { &SIGNINS_OK } else { &SIGNINS_FAILED };
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Counts an incident this node opened.
pub fn incident_opened(kind: &str) {
    if let Some(i) = INCIDENT_KINDS.iter().position(|k| *k == kind) {
        INCIDENTS_OPENED[i].fetch_add(1, Ordering::Relaxed);
    }
}

/// The security section: incidents this node opened by kind, and the incidents not yet
/// resolved in the store (every node's), by kind.
fn render_security(out: &mut String, open: &[(String, i64)]) {
    header_lines(
        out,
        "idp_password_verifications_total",
        "counter",
        "Password hashes verified (Argon2 work), including the dummy one of unknown names.",
    );
    let _ = writeln!(
        out,
        "idp_password_verifications_total {}",
        crate::crypto::password::verifications()
    );
    header_lines(
        out,
        "idp_security_incidents_total",
        "counter",
        "Security incidents this node opened, by kind.",
    );
    for (kind, counter) in INCIDENT_KINDS.iter().zip(&INCIDENTS_OPENED) {
        let _ = writeln!(
            out,
            "idp_security_incidents_total{{kind=\"{kind}\"}} {}",
            counter.load(Ordering::Relaxed)
        );
    }
    header_lines(
        out,
        "idp_security_incidents_open",
        "gauge",
        "Security incidents open or acknowledged (all nodes), by kind.",
    );
    for kind in INCIDENT_KINDS {
        let count = open.iter().find(|(k, _)| k == kind).map_or(0, |(_, n)| *n);
        let _ = writeln!(
            out,
            "idp_security_incidents_open{{kind=\"{kind}\"}} {count}"
        );
    }
}

/// Counts a successful token response for `grant_type` (one of the supported grants).
pub fn token_issued(grant_type: &str) {
    if let Some(i) = GRANTS.iter().position(|g| *g == grant_type) {
        TOKENS_ISSUED[i].fetch_add(1, Ordering::Relaxed);
    }
}

/// Tokens this node has issued since it started, per grant type.
pub fn tokens_issued() -> Vec<(&'static str, u64)> {
    GRANTS
        .iter()
        .zip(&TOKENS_ISSUED)
        .map(|(grant, counter)| (*grant, counter.load(Ordering::Relaxed)))
        .collect()
}

/// A latency histogram: per-bucket counts (made cumulative when exposed), count and sum.
struct Histogram {
    buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    fn new() -> Histogram {
        Histogram {
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            count: AtomicU64::new(0),
            sum_micros: AtomicU64::new(0),
        }
    }

    fn observe(&self, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        if let Some(i) = LATENCY_BUCKETS.iter().position(|bound| secs <= *bound) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }
}

/// Per (method, route): a latency histogram and a count per response status.
struct RouteStats {
    latency: Histogram,
    statuses: RwLock<BTreeMap<u16, AtomicU64>>,
}

/// Keyed by (method, route pattern); both come from small fixed sets.
#[derive(Default)]
struct Requests {
    routes: RwLock<BTreeMap<(&'static str, String), Arc<RouteStats>>>,
}

impl Requests {
    fn record(&self, method: &'static str, route: String, status: u16, elapsed: Duration) {
        let key = (method, route);
        let existing = read(&self.routes).get(&key).cloned();
        let stats = match existing {
            Some(stats) => stats,
            None => Arc::clone(write(&self.routes).entry(key).or_insert_with(|| {
                Arc::new(RouteStats {
                    latency: Histogram::new(),
                    statuses: RwLock::new(BTreeMap::new()),
                })
            })),
        };
        stats.latency.observe(elapsed);
        if let Some(counter) = read(&stats.statuses).get(&status) {
            counter.fetch_add(1, Ordering::Relaxed);
            return;
        }
        write(&stats.statuses)
            .entry(status)
            .or_insert_with(|| AtomicU64::new(0))
            .fetch_add(1, Ordering::Relaxed);
    }
}

/// A lock guard even after a panic elsewhere: counters stay usable.
fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Methods outside the usual set are counted together, so a client cannot add series at will.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Middleware that counts every request under its route pattern and observes its latency (to
/// the response head).
pub struct Metrics;

impl<S, B> Transform<S, ServiceRequest> for Metrics
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    S::Future: 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = MetricsMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(MetricsMiddleware { service }))
    }
}

pub struct MetricsMiddleware<S> {
    service: S,
}

type BoxedResponse<B> = Pin<Box<dyn Future<Output = Result<ServiceResponse<B>, actix_web::Error>>>>;

impl<S, B> Service<ServiceRequest> for MetricsMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    S::Future: 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = BoxedResponse<B>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let start = Instant::now();
        let method = method_label(req.method());
        let route = req.match_pattern().unwrap_or_else(|| UNMATCHED.to_string());
        let response = self.service.call(req);
        Box::pin(async move {
            let result = response.await;
            let status = match &result {
                Ok(response) => response.status(),
                Err(err) => err.as_response_error().status_code(),
            };
            REQUESTS.record(method, route, status.as_u16(), start.elapsed());
            result
        })
    }
}

/// `GET /metrics`: the exposition, for allowed peers only (the TCP peer, never a forwarded
/// header, which anyone can write).
pub async fn serve(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let allowed = req.peer_addr().is_some_and(|peer| {
        state
            .config
            .metrics_allow
            .iter()
            .any(|cidr| cidr.contains(peer.ip()))
    });
    if !allowed {
        return Err(AppError::NotFound);
    }
    let pool = state.store.pool_use();
    // The open incidents are the store's; a scrape while it is down still answers the rest.
    let open = state
        .store
        .run(crate::store::incidents::open_by_kind)
        .await
        .unwrap_or_default();
    let mut text = render(Some(pool));
    render_security(&mut text, &open);
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(text))
}

/// The whole exposition text.
pub fn render(pool: Option<PoolGauges>) -> String {
    let mut out = String::with_capacity(4096);
    let routes: Vec<_> = read(&REQUESTS.routes)
        .iter()
        .map(|(key, stats)| (key.clone(), Arc::clone(stats)))
        .collect();

    header_lines(
        &mut out,
        "idp_http_requests_total",
        "counter",
        "HTTP requests answered, by method, matched route pattern and status.",
    );
    for ((method, route), stats) in &routes {
        for (status, count) in read(&stats.statuses).iter() {
            let _ = writeln!(
                out,
                "idp_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {}",
                escape(route),
                count.load(Ordering::Relaxed)
            );
        }
    }

    header_lines(
        &mut out,
        "idp_http_request_duration_seconds",
        "histogram",
        "Time to the response head, by method and matched route pattern.",
    );
    for ((method, route), stats) in &routes {
        let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
        let latency = &stats.latency;
        // Read the count first: the buckets then never exceed it in this scrape's +Inf.
        let count = latency.count.load(Ordering::Relaxed);
        let mut cumulative = 0;
        for (bound, bucket) in LATENCY_BUCKETS.iter().zip(&latency.buckets) {
            cumulative += bucket.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "idp_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
                cumulative.min(count)
            );
        }
        let _ = writeln!(
            out,
            "idp_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}"
        );
        let sum = latency.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(
            out,
            "idp_http_request_duration_seconds_sum{{{labels}}} {sum}"
        );
        let _ = writeln!(
            out,
            "idp_http_request_duration_seconds_count{{{labels}}} {count}"
        );
    }

    header_lines(
        &mut out,
        "idp_signins_total",
        "counter",
        "Password sign-ins, by result.",
    );
    for (result, counter) in [("ok", &SIGNINS_OK), ("failed", &SIGNINS_FAILED)] {
        let _ = writeln!(
            out,
            "idp_signins_total{{result=\"{result}\"}} {}",
            counter.load(Ordering::Relaxed)
        );
    }

    header_lines(
        &mut out,
        "idp_tokens_issued_total",
        "counter",
        "Successful token endpoint responses, by grant type.",
    );
    for (grant, counter) in GRANTS.iter().zip(&TOKENS_ISSUED) {
        let _ = writeln!(
            out,
            "idp_tokens_issued_total{{grant_type=\"{grant}\"}} {}",
            counter.load(Ordering::Relaxed)
        );
    }

    if let Some(pool) = pool {
        for (name, help, value) in [
            (
                "idp_db_pool_connections",
                "Open database connections in this process's pool.",
                pool.connections,
            ),
            (
                "idp_db_pool_idle_connections",
                "Open database connections not in use.",
                pool.idle,
            ),
            (
                "idp_db_pool_max_connections",
                "The most connections the pool opens (database.pool_size).",
                pool.max,
            ),
        ] {
            header_lines(&mut out, name, "gauge", help);
            let _ = writeln!(out, "{name} {value}");
        }
    }
    out
}

fn header_lines(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A label value as the exposition format wants it.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::security::client_ip::Cidr;

    fn load(env: &[(&str, &str)]) -> Result<Config, crate::config::ConfigError> {
        Config::load(
            None,
            env.iter().map(|(k, v)| (k.to_string(), v.to_string())),
        )
    }

    #[test]
    fn allow_list_setting() {
        let default = load(&[]).unwrap();
        assert_eq!(
            default.metrics_allow,
            [
                Cidr::parse("127.0.0.1/32").unwrap(),
                Cidr::parse("::1/128").unwrap()
            ]
        );
        let env = load(&[("IDP_METRICS__ALLOW", "10.0.0.0/8, fd00::/8")]).unwrap();
        assert_eq!(
            env.metrics_allow,
            [
                Cidr::parse("10.0.0.0/8").unwrap(),
                Cidr::parse("fd00::/8").unwrap()
            ]
        );
        assert!(load(&[("IDP_METRICS__ALLOW", "")])
            .unwrap()
            .metrics_allow
            .is_empty());
        let allowed = |config: &Config, ip: &str| {
            let ip = ip.parse().unwrap();
            config.metrics_allow.iter().any(|cidr| cidr.contains(ip))
        };
        assert!(allowed(&default, "127.0.0.1"));
        assert!(allowed(&default, "::ffff:127.0.0.1"));
        assert!(allowed(&default, "::1"));
        assert!(!allowed(&default, "127.0.0.2"));
        assert!(!allowed(&default, "10.0.0.1"));
        assert!(allowed(&env, "10.200.0.1"));
        assert!(!allowed(&env, "127.0.0.1"));
        for bad in ["everyone", "10.0.0.0/33", "::1/129", "10.0.0.0/x"] {
            assert!(load(&[("IDP_METRICS__ALLOW", bad)]).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn exposition_lines_parse() {
        signin(true);
        signin(false);
        token_issued("refresh_token");
        token_issued("no_such_grant");
        REQUESTS.record(
            "GET",
            "/a \"quoted\" route".into(),
            200,
            Duration::from_millis(3),
        );
        REQUESTS.record(
            "GET",
            "/a \"quoted\" route".into(),
            404,
            Duration::from_secs(30),
        );
        let text = render(Some(PoolGauges {
            connections: 2,
            idle: 1,
            max: 8,
        }));
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (series, value) = line.rsplit_once(' ').expect(line);
            assert!(value.parse::<f64>().is_ok(), "{line}");
            let name = series.split('{').next().unwrap();
            assert!(
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
                "{line}"
            );
        }
        assert!(text.contains(
            "idp_http_request_duration_seconds_bucket{method=\"GET\",route=\"/a \\\"quoted\\\" route\",le=\"+Inf\"} 2"
        ));
        assert!(text.contains(
            "idp_http_request_duration_seconds_bucket{method=\"GET\",route=\"/a \\\"quoted\\\" route\",le=\"0.005\"} 1"
        ));
        assert!(text.contains("idp_db_pool_max_connections 8"));
    }
}
