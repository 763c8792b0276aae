use crate::on_both_backends;
use crate::support::{Backend, TestEnv};

on_both_backends!(
    security_headers_on_every_response,
    unknown_routes_and_big_bodies_are_refused_cleanly
);

async fn security_headers_on_every_response(backend: Backend) {
    let env = TestEnv::new(backend);
    let server = env.start().await;
    for (method, path) in [
        ("GET", "/.well-known/openid-configuration"),
        ("GET", "/jwks.json"),
        ("GET", "/no/such/page"),
        ("POST", "/token"),
        ("GET", "/healthz"),
    ] {
        let request = match method {
            "GET" => server.http.get(server.url(path)),
            _ => server.http.post(server.url(path)),
        };
        let response = request.send().await.unwrap();
        let h = response.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert!(h.get("server").is_none(), "{path} has a server banner");
        assert!(h.get("x-request-id").is_some(), "{path} has no request id");
        // HSTS only makes sense (and is only sent) when the issuer is https.
        assert!(h.get("strict-transport-security").is_none(), "{path}");
    }
}

async fn unknown_routes_and_big_bodies_are_refused_cleanly(backend: Backend) {
    let env = TestEnv::new(backend);
    let server = env.start().await;
    let response = server
        .http
        .get(server.url("/admin/../../etc/passwd"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let page = response.text().await.unwrap();
    assert!(page.contains("Not found"));

    let huge = "a".repeat(200 * 1024);
    let response = server
        .http
        .post(server.url("/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("grant_type=client_credentials&x={huge}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    // The server is still fine afterwards.
    assert_eq!(server.get_json("/healthz").await["status"], "ok");
}

/// `/` is a start page: sign in, or (signed in) the account and, with a role, the console;
/// error pages offer a way on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_start_page_and_error_pages_lead_somewhere() {
    let env = crate::support::TestEnv::new(crate::support::Backend::Sqlite);
    env.add_user("alice", "Alice Example");
    let server = env.start().await;
    let html = server
        .http
        .get(server.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("href=\"/login?next=/account\""), "{html}");
    let browser = crate::support::Browser::new(&env.issuer());
    crate::account::sign_in_to_account(&browser, "alice", crate::support::PASSWORD).await;
    let html = browser.get("/").await.text().await.unwrap();
    assert!(
        html.contains("<strong>alice</strong>") && html.contains("href=\"/account\""),
        "{html}"
    );
    assert!(
        !html.contains("href=\"/admin\""),
        "no console link without a role: {html}"
    );
    let missing = server
        .http
        .get(server.url("/authorize?client_id=nobody"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 400);
    let html = missing.text().await.unwrap();
    assert!(
        html.contains("href=\"/\""),
        "an error page offers a way on: {html}"
    );
}
