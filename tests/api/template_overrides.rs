//! `branding.templates_dir`: the operator's own HTML for the head, the header and a footer of
//! every person-facing page (the console keeps its own); a file that is no such part stops the
//! start, naming it.

use crate::admin::{add_user_with_roles, sign_in};
use crate::branding::refused_start;
use crate::support::{Backend, TestEnv};

const HEAD: &str = r#"<link rel="icon" href="/static/brand/logo">"#;
const HEADER: &str = r#"<a href="/">Acme <strong>Identity</strong></a>"#;
const FOOTER: &str =
    r#"<p>Need help? Write to <a href="mailto:help@example.com">help@example.com</a>.</p>"#;

fn env_with(files: &[(&str, &str)]) -> TestEnv {
    let env = TestEnv::new(Backend::Sqlite);
    let dir = env.dir.join("templates");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, html) in files {
        std::fs::write(dir.join(name), html).unwrap();
    }
    env.with_env("IDP_BRANDING__TEMPLATES_DIR", dir.to_str().unwrap())
}

#[tokio::test]
async fn the_operators_head_header_and_footer_are_on_every_page() {
    let env = env_with(&[
        ("head.html", HEAD),
        ("header.html", HEADER),
        ("footer.html", FOOTER),
        ("README.txt", "notes beside the overrides are left alone"),
    ]);
    add_user_with_roles(&env, "root", &["admin"]);
    let server = env.start().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
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
        let head = &page[..page.find("</head>").unwrap()];
        assert!(head.contains(HEAD), "{path}: {page}");
        assert!(
            page.contains(&format!("<header class=\"brand\">{HEADER}</header>")),
            "{path}: {page}"
        );
        assert!(
            page.contains(&format!("<div class=\"brand\">{FOOTER}</div>")),
            "{path}: {page}"
        );
        // The forms are still ours.
        if path.starts_with("/login") {
            assert!(page.contains("name=\"csrf\""), "{page}");
        }
    }
    // The console keeps its own frame.
    let (root, _) = sign_in(&server, "root").await;
    let console = root.get("/admin").await.text().await.unwrap();
    assert!(!console.contains("Need help?"), "{console}");
}

#[tokio::test]
async fn without_overrides_the_pages_keep_their_own_header_and_no_footer() {
    let server = env_with(&[("footer.html", FOOTER)]).start().await;
    let page = reqwest::get(server.url("/"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<header class=\"brand\"><a href=\"/\">"),
        "{page}"
    );
    assert!(page.contains("Need help?"), "{page}");
    let plain = TestEnv::new(Backend::Sqlite).start().await;
    let page = reqwest::get(plain.url("/"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("<div class=\"brand\">"), "{page}");
}

#[test]
fn a_file_that_is_no_part_stops_the_start() {
    let misspelt = env_with(&[("foter.html", FOOTER)]);
    let err = refused_start(&misspelt);
    assert!(
        err.contains("foter.html is not a part that can be overridden"),
        "{err}"
    );
    let missing = TestEnv::new(Backend::Sqlite)
        .with_env("IDP_BRANDING__TEMPLATES_DIR", "/nonexistent/templates");
    assert!(refused_start(&missing).contains("branding.templates_dir: cannot read"));
}
