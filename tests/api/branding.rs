//! `[branding]`: the operator's product name on every page, escaped as text; a logo, brand
//! colours held to WCAG contrast, and an extra stylesheet.

use crate::support::{Backend, TestEnv};

#[tokio::test]
async fn the_product_name_is_on_every_page() {
    let env =
        TestEnv::new(Backend::Sqlite).with_env("IDP_BRANDING__PRODUCT_NAME", "Example & Co ID");
    let server = env.start().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let shown = "Example &#38; Co ID";
    for path in [
        "/",
        "/login?next=/account",
        "/authorize?client_id=nobody",
        "/logout",
    ] {
        let page = http
            .get(server.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains(&format!("<a href=\"/\">{shown}</a>"))
                && page.contains(&format!("· {shown}</title>")),
            "{path}: {page}"
        );
        assert!(
            !page.contains("Sign-in service"),
            "{path}: the default name is gone: {page}"
        );
    }
}

/// `idp serve` with these settings, expected to stop at once: its one line on stderr.
pub(crate) fn refused_start(env: &TestEnv) -> String {
    let out = env
        .command()
        .arg("serve")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success(), "the start was not refused");
    let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
    assert_eq!(err.lines().count(), 1, "not one line: {err}");
    assert!(err.starts_with("error: "), "{err}");
    err
}

/// A logo, brand colours and an extra stylesheet: served by the provider, linked from every
/// page, the button label colour chosen for contrast; the mails bear the name.
#[tokio::test]
async fn logo_colours_and_stylesheet_are_served_and_linked() {
    let env = TestEnv::new(Backend::Sqlite);
    let logo = env.dir.join("logo.svg");
    let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#7a1f5c"/></svg>"##;
    std::fs::write(&logo, svg).unwrap();
    let extra = env.dir.join("extra.css");
    std::fs::write(&extra, "header.brand a { letter-spacing: .02em; }\n").unwrap();
    let env = env
        .with_env("IDP_BRANDING__LOGO", logo.to_str().unwrap())
        .with_env("IDP_BRANDING__PRIMARY_COLOR", "#7A1F5C")
        .with_env("IDP_BRANDING__PRIMARY_COLOR_DARK", "#f0a6d3")
        .with_env("IDP_BRANDING__STYLESHEET", extra.to_str().unwrap());
    let server = env.start().await;

    let logo = server
        .http
        .get(server.url("/static/brand/logo"))
        .send()
        .await
        .unwrap();
    assert_eq!(logo.status(), 200);
    assert_eq!(logo.headers()["content-type"], "image/svg+xml");
    assert_eq!(logo.text().await.unwrap(), svg);
    let css = server
        .http
        .get(server.url("/static/brand.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    let css = css.text().await.unwrap();
    assert!(
        css.contains("@media (prefers-color-scheme: light) { :root { --primary: #7a1f5c; --on-primary: #ffffff; } }"),
        "{css}"
    );
    assert!(
        css.contains("@media (prefers-color-scheme: dark) { :root { --primary: #f0a6d3; --on-primary: #0d1117; } }"),
        "{css}"
    );
    assert!(
        css.ends_with("header.brand a { letter-spacing: .02em; }\n"),
        "{css}"
    );
    for path in ["/", "/login?next=/account", "/logout"] {
        let page = server
            .http
            .get(server.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains(r#"<link rel="stylesheet" href="/static/brand.css">"#),
            "{path}: {page}"
        );
        assert!(
            page.contains(r#"<img src="/static/brand/logo" alt="">"#),
            "{path}: {page}"
        );
    }
}

/// Without branding files, neither address answers and no page links them.
#[tokio::test]
async fn no_branding_files_no_links() {
    let server = TestEnv::new(Backend::Sqlite).start().await;
    for path in ["/static/brand/logo", "/static/brand.css"] {
        let response = server.http.get(server.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
    let page = server
        .http
        .get(server.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("brand.css") && !page.contains("brand/logo"),
        "{page}"
    );
}

/// A colour too light to read on the light surfaces, one that is no colour, a logo of another
/// kind and a missing file: each stops the start with one line saying why.
#[test]
fn illegible_colours_and_bad_files_stop_the_start() {
    let env = TestEnv::new(Backend::Sqlite);
    let dir = env.dir.clone();
    let pale = env.with_env("IDP_BRANDING__PRIMARY_COLOR", "#9ecbff");
    let err = refused_start(&pale);
    assert!(
        err.contains("branding.primary_color #9ecbff has a contrast of") && err.contains("4.5:1"),
        "{err}"
    );
    let named = TestEnv::new(Backend::Sqlite).with_env("IDP_BRANDING__PRIMARY_COLOR_DARK", "pink");
    assert!(refused_start(&named).contains("#rrggbb"));
    let exe = dir.join("logo.exe");
    std::fs::write(&exe, b"MZ").unwrap();
    let wrong_kind =
        TestEnv::new(Backend::Sqlite).with_env("IDP_BRANDING__LOGO", exe.to_str().unwrap());
    assert!(refused_start(&wrong_kind).contains(".png, .jpg, .gif, .webp or .svg"));
    let missing = TestEnv::new(Backend::Sqlite)
        .with_env("IDP_BRANDING__STYLESHEET", "/nonexistent/brand.css");
    assert!(
        refused_start(&missing).contains("branding.stylesheet: cannot read /nonexistent/brand.css")
    );
}
