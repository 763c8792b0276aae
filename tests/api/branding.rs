//! `[branding]`: the operator's product name on every page, escaped as text.

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
