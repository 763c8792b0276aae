//! CORS over plain HTTP: which origins a preflight and an actual request are answered for, per
//! client; discovery and the JWKS for anyone; and registering allowed origins from the CLI.

use reqwest::header::HeaderMap;
use reqwest::Method;

use crate::on_both_backends;
use crate::support::{Backend, TestEnv, TestServer};

on_both_backends!(
    cors_answers_registered_origins_per_client,
    allowed_origins_are_registered_and_edited_from_the_cli
);

const SPA_ORIGIN: &str = "http://127.0.0.1:5173";
const OTHER_ORIGIN: &str = "https://other.example.com";

async fn preflight(server: &TestServer, path: &str, origin: &str, method: &str) -> HeaderMap {
    let response = server
        .http
        .request(Method::OPTIONS, server.url(path))
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap();
    if response
        .headers()
        .contains_key("access-control-allow-origin")
    {
        assert_eq!(response.status(), 204, "{path} from {origin}");
    }
    response.headers().clone()
}

fn cors_headers(headers: &HeaderMap) -> Vec<String> {
    headers
        .keys()
        .map(|k| k.as_str().to_string())
        .filter(|k| k.starts_with("access-control-"))
        .collect()
}

fn allow_origin(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap())
}

fn varies_by_origin(headers: &HeaderMap) -> bool {
    headers
        .get_all("vary")
        .iter()
        .any(|v| v.to_str().unwrap().to_ascii_lowercase().contains("origin"))
}

async fn token_from(server: &TestServer, origin: &str, client_id: &str) -> reqwest::Response {
    server
        .http
        .post(server.url("/token"))
        .header("origin", origin)
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "not-a-token"),
            ("client_id", client_id),
        ])
        .send()
        .await
        .unwrap()
}

async fn cors_answers_registered_origins_per_client(backend: Backend) {
    let env = TestEnv::new(backend);
    let spa_redirect = format!("{SPA_ORIGIN}/callback");
    env.cli_ok(
        &[
            "client",
            "add",
            "--name",
            "SPA",
            "--id",
            "spa",
            "--public",
            "--redirect-uri",
            &spa_redirect,
        ],
        "",
    );
    env.cli_ok(
        &[
            "client",
            "add",
            "--name",
            "Other",
            "--id",
            "other",
            "--public",
            "--redirect-uri",
            "https://app.example.com/cb",
            "--allowed-origin",
            OTHER_ORIGIN,
        ],
        "",
    );
    let server = env.start().await;

    // Preflights: the union of every client's origins, with the methods and headers allowed.
    for (path, method) in [
        ("/token", "POST"),
        ("/revoke", "POST"),
        ("/userinfo", "GET"),
        ("/logout", "POST"),
    ] {
        for origin in [SPA_ORIGIN, OTHER_ORIGIN] {
            let headers = preflight(&server, path, origin, method).await;
            assert_eq!(allow_origin(&headers), Some(origin), "{path} {headers:?}");
            assert!(varies_by_origin(&headers), "{path} {headers:?}");
            let methods = headers["access-control-allow-methods"].to_str().unwrap();
            assert!(methods.contains(method), "{path}: {methods}");
            let allowed = headers["access-control-allow-headers"].to_str().unwrap();
            for name in ["Authorization", "Content-Type", "DPoP"] {
                assert!(allowed.contains(name), "{path}: {allowed}");
            }
            assert!(
                headers.contains_key("access-control-max-age"),
                "{headers:?}"
            );
            assert!(!headers.contains_key("access-control-allow-credentials"));
        }
        // An unregistered origin, or a method the endpoint does not take: no CORS headers.
        let stranger = preflight(&server, path, "https://evil.example", method).await;
        assert!(cors_headers(&stranger).is_empty(), "{path}: {stranger:?}");
        let delete = preflight(&server, path, SPA_ORIGIN, "DELETE").await;
        assert!(cors_headers(&delete).is_empty(), "{path}: {delete:?}");
    }
    // Endpoints that browser apps do not call answer no preflight.
    for path in ["/introspect", "/authorize", "/admin/api/users"] {
        let headers = preflight(&server, path, SPA_ORIGIN, "POST").await;
        assert!(cors_headers(&headers).is_empty(), "{path}: {headers:?}");
    }

    // The actual request: only the origins of the client it names, its errors readable too.
    let own = token_from(&server, SPA_ORIGIN, "spa").await;
    assert_eq!(own.status(), 400);
    assert_eq!(allow_origin(own.headers()), Some(SPA_ORIGIN));
    assert!(varies_by_origin(own.headers()));
    assert!(!own
        .headers()
        .contains_key("access-control-allow-credentials"));
    assert_eq!(
        own.json::<serde_json::Value>().await.unwrap()["error"],
        "invalid_grant"
    );
    let allowed = token_from(&server, OTHER_ORIGIN, "other").await;
    assert_eq!(allowed.status(), 400);
    assert_eq!(allow_origin(allowed.headers()), Some(OTHER_ORIGIN));
    // Another client's origin, and an unknown one: no CORS headers, refused before anything.
    for (origin, client) in [(OTHER_ORIGIN, "spa"), ("https://evil.example", "spa")] {
        let crossed = token_from(&server, origin, client).await;
        assert!(cors_headers(crossed.headers()).is_empty(), "{origin}");
        assert!(varies_by_origin(crossed.headers()));
        let body: serde_json::Value = crossed.json().await.unwrap();
        assert_eq!(body["error"], "invalid_request", "{body}");
    }
    // A server-side request (no Origin) is unaffected.
    let backend_call = server
        .http
        .post(server.url("/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "not-a-token"),
            ("client_id", "spa"),
        ])
        .send()
        .await
        .unwrap();
    assert!(cors_headers(backend_call.headers()).is_empty());
    assert_eq!(
        backend_call.json::<serde_json::Value>().await.unwrap()["error"],
        "invalid_grant"
    );
    // Userinfo refused for want of a valid token names no client: the registered origins may
    // read the 401, others not.
    for (origin, expected) in [
        (SPA_ORIGIN, Some(SPA_ORIGIN)),
        ("https://evil.example", None),
    ] {
        let response = server
            .http
            .get(server.url("/userinfo"))
            .header("origin", origin)
            .bearer_auth("not-a-token")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        assert_eq!(allow_origin(response.headers()), expected, "{origin}");
    }

    // Discovery and the JWKS are for anyone.
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
        "/jwks.json",
    ] {
        let response = server
            .http
            .get(server.url(path))
            .header("origin", "https://evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(allow_origin(response.headers()), Some("*"), "{path}");
        let headers = preflight(&server, path, "https://evil.example", "GET").await;
        assert_eq!(allow_origin(&headers), Some("*"), "{path}");
    }
    // Our own pages are not for other origins.
    let login = server
        .http
        .get(server.url("/login"))
        .header("origin", SPA_ORIGIN)
        .send()
        .await
        .unwrap();
    assert!(cors_headers(login.headers()).is_empty());

    // Clients registered on another node count at once: no cache to go stale.
    let later = "https://later.example.com";
    assert!(cors_headers(&preflight(&server, "/token", later, "POST").await).is_empty());
    env.cli_ok(&["client", "edit", "other", "--allowed-origin", later], "");
    let headers = preflight(&server, "/token", later, "POST").await;
    assert_eq!(allow_origin(&headers), Some(later));
    let dropped = preflight(&server, "/token", OTHER_ORIGIN, "POST").await;
    assert!(cors_headers(&dropped).is_empty(), "{dropped:?}");
}

async fn allowed_origins_are_registered_and_edited_from_the_cli(backend: Backend) {
    let env = TestEnv::new(backend);
    for bad in [
        "https://app.example.com/path",
        "http://app.example.com",
        "app.example.com",
        "https://app.example.com?x",
    ] {
        let out = env.cli(
            &[
                "client",
                "add",
                "--name",
                "Bad",
                "--id",
                "bad",
                "--public",
                "--redirect-uri",
                "https://app.example.com/cb",
                "--allowed-origin",
                bad,
            ],
            "",
        );
        assert!(!out.status.success(), "{bad}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{stderr}");
        assert!(
            lines[0].starts_with("error: origin") && lines[0].contains(bad),
            "{stderr}"
        );
    }
    assert!(!env.cli_ok(&["client", "list"], "").contains("bad"));
    env.cli_ok(
        &[
            "client",
            "add",
            "--name",
            "SPA",
            "--id",
            "spa",
            "--public",
            "--redirect-uri",
            "https://app.example.com/cb",
            "--allowed-origin",
            "https://Admin.Example.com:443/",
            "--allowed-origin",
            "http://localhost:3000",
        ],
        "",
    );
    let out = env.cli_ok(&["client", "edit", "spa", "--name", "SPA 2"], "");
    assert!(
        out.contains(
            "web origins http://localhost:3000 https://admin.example.com https://app.example.com"
        ),
        "{out}"
    );
    let out = env.cli_ok(&["client", "edit", "spa", "--no-allowed-origins"], "");
    assert!(
        out.contains("web origins https://app.example.com,"),
        "{out}"
    );
    let refused = env.cli(
        &[
            "client",
            "edit",
            "spa",
            "--allowed-origin",
            "https://x.example.com/a",
        ],
        "",
    );
    assert!(!refused.status.success());
    let out = env.cli_ok(&["client", "edit", "spa", "--name", "SPA 3"], "");
    assert!(
        out.contains("web origins https://app.example.com,"),
        "{out}"
    );
}
