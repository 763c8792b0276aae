//! `/metrics`: Prometheus text exposition with requests and latency per route pattern (never the
//! raw path), sign-ins, tokens per grant and database pool use; only for the peers
//! `metrics.allow` lists, a 404 for everyone else.

use std::collections::BTreeMap;

use crate::on_both_backends;
use crate::support::{
    location, token_request, AuthRequest, Backend, Browser, Decision, Form, TestEnv, TestServer,
    OFFLINE_SCOPES,
};

on_both_backends!(counters_follow_the_traffic);

/// One sample: metric name, labels, value.
type Sample = (String, BTreeMap<String, String>, f64);

/// Parses the exposition strictly: `# HELP`/`# TYPE` comments, and otherwise only
/// `name{label="value",...} number` or `name number` lines.
fn parse(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    let mut typed = Vec::new();
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix("# ") {
            let mut words = comment.split(' ');
            let kind = words.next().unwrap();
            assert!(
                kind == "HELP" || kind == "TYPE",
                "unexpected comment: {line}"
            );
            if kind == "TYPE" {
                typed.push(words.next().unwrap().to_string());
                let t = words.next().unwrap();
                assert!(["counter", "gauge", "histogram"].contains(&t), "{line}");
            }
            continue;
        }
        assert!(!line.is_empty(), "an empty line in the exposition");
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("not a number: {line}"));
        let (name, labels) = match series.split_once('{') {
            None => (series, BTreeMap::new()),
            Some((name, rest)) => {
                let body = rest
                    .strip_suffix('}')
                    .unwrap_or_else(|| panic!("unclosed labels: {line}"));
                (name, parse_labels(body, line))
            }
        };
        assert!(
            !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad metric name: {line}"
        );
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .filter(|base| typed.iter().any(|t| t == base))
            .unwrap_or(name);
        assert!(typed.iter().any(|t| t == family), "no # TYPE before {line}");
        samples.push((name.to_string(), labels, value));
    }
    samples
}

/// `key="value",key="value"` with `\\`, `\"` and `\n` escapes.
fn parse_labels(body: &str, line: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    let mut rest = body;
    while !rest.is_empty() {
        let (key, after) = rest
            .split_once("=\"")
            .unwrap_or_else(|| panic!("bad labels: {line}"));
        assert!(
            !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "bad label name {key:?}: {line}"
        );
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, c)) => value.push(c),
                    None => panic!("bad escape: {line}"),
                },
                Some((i, '"')) => break i,
                Some((_, c)) => value.push(c),
                None => panic!("unterminated label value: {line}"),
            }
        };
        labels.insert(key.to_string(), value);
        rest = &after[end + 1..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
    labels
}

/// The value of the one sample named `name` with exactly these labels.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let wanted: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    samples
        .iter()
        .find(|(n, l, _)| n == name && *l == wanted)
        .map(|(_, _, v)| *v)
}

async fn scrape(server: &TestServer) -> (String, Vec<Sample>) {
    let response = server
        .http
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = response.text().await.unwrap();
    let samples = parse(&text);
    (text, samples)
}

async fn counters_follow_the_traffic(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", "Example Web App", OFFLINE_SCOPES);
    let (svc, secret) = env.add_machine_client("svc", "https://api.example.com", &["a"]);
    let server = env.start().await;
    let issuer = env.issuer();

    // A failed sign-in, then a good one; the code exchanged, the refresh token used.
    let browser = Browser::new(&issuer);
    let request = AuthRequest::new(&web, "openid offline_access");
    let to_login = browser.authorize(&request).await;
    let page = browser.get(&location(&to_login).unwrap()).await;
    let form = Form::parse(&page.text().await.unwrap());
    let failed = browser.post_login(&form, "alice", "not the password").await;
    assert_eq!(failed.status(), 401);
    let form = Form::parse(&failed.text().await.unwrap());
    let signed_in = browser
        .post_login(&form, "alice", crate::support::PASSWORD)
        .await;
    let landing = browser
        .follow(signed_in, "alice", "unused", Decision::Allow)
        .await;
    let code = landing.code(&request, &issuer);
    let response = web.redeem(&server, &code, &request.verifier).await;
    assert_eq!(response.status(), 200);
    let tokens: serde_json::Value = response.json().await.unwrap();
    let response = web
        .refresh(&server, tokens["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(response.status(), 200);
    let response = token_request(
        &server,
        Some((&svc, &secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(response.status(), 200);
    // A failed token request is not an issued token.
    let response = token_request(
        &server,
        Some((&svc, "wrong")),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(response.status(), 401);

    // Paths with ids and queries; a path no route matches.
    for _ in 0..2 {
        server.get_json("/jwks.json").await;
    }
    let resume = server
        .http
        .get(server.url("/authorize/resume?req=secret-id-123"))
        .send()
        .await
        .unwrap();
    assert!(resume.status().is_client_error());
    let unknown = server
        .http
        .get(server.url("/users/alice-4711/profile"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);

    let (text, samples) = scrape(&server).await;
    let requests = "idp_http_requests_total";
    let count = |method, route, status| {
        value(
            &samples,
            requests,
            &[("method", method), ("route", route), ("status", status)],
        )
    };
    assert_eq!(count("GET", "/jwks.json", "200"), Some(2.0), "{text}");
    assert_eq!(count("POST", "/login", "401"), Some(1.0), "{text}");
    assert_eq!(count("POST", "/login", "303"), Some(1.0), "{text}");
    assert_eq!(count("POST", "/token", "200"), Some(3.0), "{text}");
    assert_eq!(count("POST", "/token", "401"), Some(1.0), "{text}");
    assert!(count("GET", "/authorize", "303").is_some(), "{text}");
    assert!(count("GET", "/healthz", "200").is_some(), "{text}");
    assert_eq!(count("GET", "unmatched", "404"), Some(1.0), "{text}");
    // Route patterns only: no id, query or unmatched path ever becomes a label.
    assert!(
        samples
            .iter()
            .filter(|(name, _, _)| name.starts_with("idp_http_"))
            .all(|(_, labels, _)| {
                let route = &labels["route"];
                route == "unmatched" || (route.starts_with('/') && !route.contains('?'))
            }),
        "{text}"
    );
    for leaked in ["secret-id-123", "alice-4711", "req="] {
        assert!(!text.contains(leaked), "{leaked} in the metrics: {text}");
    }
    assert!(samples.iter().any(|(name, labels, _)| name == requests
        && labels.get("route").map(String::as_str) == Some("/authorize/resume")));

    // The latency histogram: cumulative buckets ending in +Inf = count.
    let jwks = [("method", "GET"), ("route", "/jwks.json")];
    let buckets: Vec<(f64, f64)> = samples
        .iter()
        .filter(|(name, labels, _)| {
            name == "idp_http_request_duration_seconds_bucket"
                && jwks.iter().all(|(k, v)| labels[*k] == *v)
        })
        .map(|(_, labels, value)| {
            let le = match labels["le"].as_str() {
                "+Inf" => f64::INFINITY,
                le => le.parse().unwrap(),
            };
            (le, *value)
        })
        .collect();
    assert!(buckets.len() >= 4, "a few buckets: {text}");
    assert!(buckets
        .windows(2)
        .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1));
    assert_eq!(buckets.last().unwrap(), &(f64::INFINITY, 2.0));
    assert_eq!(
        value(&samples, "idp_http_request_duration_seconds_count", &jwks),
        Some(2.0)
    );
    assert!(value(&samples, "idp_http_request_duration_seconds_sum", &jwks).unwrap() > 0.0);

    // Sign-ins and tokens.
    let signins = |result| value(&samples, "idp_signins_total", &[("result", result)]);
    assert_eq!(signins("ok"), Some(1.0), "{text}");
    assert_eq!(signins("failed"), Some(1.0), "{text}");
    let issued = |grant| {
        value(
            &samples,
            "idp_tokens_issued_total",
            &[("grant_type", grant)],
        )
    };
    assert_eq!(issued("authorization_code"), Some(1.0), "{text}");
    assert_eq!(issued("refresh_token"), Some(1.0), "{text}");
    assert_eq!(issued("client_credentials"), Some(1.0), "{text}");

    // The database pool.
    let max = value(&samples, "idp_db_pool_max_connections", &[]).expect("pool size");
    let open = value(&samples, "idp_db_pool_connections", &[]).expect("connections");
    let idle = value(&samples, "idp_db_pool_idle_connections", &[]).expect("idle");
    assert_eq!(max, 8.0);
    assert!(open >= 1.0 && open <= max && idle <= open, "{text}");

    // The scrape itself is counted from the next one on.
    let (_, again) = scrape(&server).await;
    assert_eq!(
        value(
            &again,
            requests,
            &[("method", "GET"), ("route", "/metrics"), ("status", "200")]
        ),
        Some(1.0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_outside_the_allow_list_get_404() {
    for allow in ["10.0.0.0/8, fd00::/8", ""] {
        let env = TestEnv::new(Backend::Sqlite).with_env("IDP_METRICS__ALLOW", allow);
        let server = env.start().await;
        let metrics = server
            .http
            .get(server.url("/metrics"))
            .send()
            .await
            .unwrap();
        let unknown = server
            .http
            .get(server.url("/nothing"))
            .send()
            .await
            .unwrap();
        assert_eq!(metrics.status(), 404, "allow = {allow:?}");
        assert_eq!(
            metrics.headers().get("content-type"),
            unknown.headers().get("content-type")
        );
        let body = metrics.text().await.unwrap();
        assert!(!body.contains("idp_"), "{body}");
        assert_eq!(body, unknown.text().await.unwrap());
    }
    // Loopback allowed explicitly, as a list in the environment.
    let env =
        TestEnv::new(Backend::Sqlite).with_env("IDP_METRICS__ALLOW", "10.0.0.0/8,127.0.0.0/8");
    let server = env.start().await;
    scrape(&server).await;
}

#[test]
fn a_bad_allow_list_stops_the_start() {
    for bad in ["everyone", "127.0.0.0/33"] {
        let env = TestEnv::new(Backend::Sqlite).with_env("IDP_METRICS__ALLOW", bad);
        let out = env.cli(&["serve"], "");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{bad:?} accepted");
        assert!(stderr.contains("metrics.allow"), "{bad:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one clear line: {stderr}");
    }
}
