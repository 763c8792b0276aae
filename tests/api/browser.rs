//! A real browser (headless Chromium over WebDriver) signs a person in to a relying party built
//! on the `openidconnect` crate; the relying party then exchanges the code and refreshes.

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};

use crate::support::{require, Backend, Prerequisite, TestEnv, PASSWORD};
use crate::webdriver;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_signs_in_through_a_stock_relying_party() {
    if !require(Prerequisite::Browser) {
        return;
    }
    let env = TestEnv::new(Backend::Sqlite);
    env.add_user("alice", "Alice Example");
    let (redirect_uri, callbacks) = webdriver::callback_listener();
    let out = env.cli_ok(
        &[
            "client",
            "add",
            "--name",
            "Example Web App",
            "--id",
            "webapp",
            "--redirect-uri",
            &redirect_uri,
            "--scope",
            "openid",
            "--scope",
            "profile",
            "--scope",
            "email",
            "--scope",
            "offline_access",
        ],
        "",
    );
    let secret = out
        .lines()
        .find_map(|l| l.strip_prefix("client_secret: "))
        .unwrap()
        .to_string();
    let server = env.start().await;

    let http = openidconnect::reqwest::ClientBuilder::new()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(env.issuer()).unwrap(), &http)
            .await
            .expect("discovery");
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new("webapp".into()),
        Some(ClientSecret::new(secret)),
    )
    .set_redirect_uri(RedirectUrl::new(redirect_uri.clone()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();

    let browser = webdriver::Browser::start().await;
    browser.goto(auth_url.as_str()).await;
    browser.wait_for_url(|u| u.contains("/login?")).await;
    browser.screenshot("01-login").await;
    browser.type_into("#username", "alice").await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("button[type=submit]").await;

    browser.wait_for_url(|u| u.contains("/consent?req=")).await;
    let consent = browser.page_source().await;
    assert!(consent.contains("Example Web App"), "{consent}");
    browser.screenshot("02-consent").await;
    browser.click("button[value=allow]").await;

    let landed = browser.wait_for_url(|u| u.starts_with(&redirect_uri)).await;
    let target = callbacks
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("callback reached")
        .target;
    assert!(landed.ends_with(&target), "{landed} vs {target}");
    browser.screenshot("03-back-at-the-app").await;
    let landed = url::Url::parse(&landed).unwrap();
    let params: std::collections::HashMap<_, _> = landed.query_pairs().into_owned().collect();
    assert_eq!(params.get("state"), Some(state.secret()));
    assert_eq!(params.get("iss"), Some(&env.issuer()));

    let tokens = client
        .exchange_code(AuthorizationCode::new(params["code"].clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange");
    let claims = tokens
        .id_token()
        .expect("id token")
        .claims(&client.id_token_verifier(), &nonce)
        .expect("ID token verifies");
    assert_eq!(
        claims.preferred_username().map(|u| u.as_str()),
        Some("alice")
    );

    let refresh = tokens
        .refresh_token()
        .expect("offline_access gives a refresh token");
    let refreshed = client
        .exchange_refresh_token(refresh)
        .unwrap()
        .request_async(&http)
        .await
        .expect("refresh");
    assert_ne!(
        refreshed.refresh_token().unwrap().secret(),
        refresh.secret(),
        "rotated"
    );
    assert_ne!(
        refreshed.access_token().secret(),
        tokens.access_token().secret()
    );
    drop(server);
}

/// An admin runs the provider from the console in a real browser: signs in through the
/// provider's own login, creates a user and a client; then that user signs in through the
/// client (choosing their own password first), and a stock relying party gets the tokens.
/// Screenshots of each console page go to target/browser-screenshots/.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sets_up_a_user_and_a_client_from_the_console() {
    if !require(Prerequisite::Browser) {
        return;
    }
    let env = TestEnv::new(Backend::Sqlite);
    env.cli_ok(
        &["user", "add", "root", "--role", "admin"],
        &format!("{PASSWORD}\n"),
    );
    let (redirect_uri, callbacks) = webdriver::callback_listener();
    let server = env.start().await;
    let admin = webdriver::Browser::start().await;

    admin.goto(&server.url("/admin")).await;
    admin
        .wait_for_url(|u| u.contains("/login?next=/admin"))
        .await;
    admin.type_into("#username", "root").await;
    admin.type_into("#password", PASSWORD).await;
    admin.click("button[type=submit]").await;
    admin
        .wait_for_url(|u| u.ends_with("/admin") && !u.contains("/login?"))
        .await;
    admin.screenshot("console-01-home").await;

    admin.goto(&server.url("/admin/users")).await;
    admin.type_into("#username", "bob").await;
    admin.type_into("#email", "bob@example.com").await;
    admin.type_into("#name", "Bob Example").await;
    admin.screenshot("console-02-users").await;
    admin
        .click("form[method=post][action='/admin/users'] button[type=submit]")
        .await;
    admin.wait_for_text("once-value").await;
    let temporary = admin.value_of("#once-value").await;
    assert!(temporary.len() >= 12, "a temporary password is shown once");
    admin.screenshot("console-03-user-created").await;

    // Bob's own page: profile, roles, sessions, the sensitive actions.
    admin.goto(&server.url("/admin/users?q=bob")).await;
    admin.click("td a").await;
    admin.wait_for_text("Bob Example").await;
    admin.screenshot("console-03b-user").await;

    admin.goto(&server.url("/admin/clients")).await;
    admin.type_into("#client-name", "Browser App").await;
    admin.type_into("#client-id", "browserapp").await;
    admin.type_into("#redirect-uris", &redirect_uri).await;
    admin.click("input[name=first_party]").await;
    admin.screenshot("console-04-clients").await;
    admin
        .click("form[method=post][action='/admin/clients'] button[type=submit]")
        .await;
    admin.wait_for_text("once-value").await;
    let secret = admin.value_of("#once-value").await;
    assert!(secret.len() >= 32, "the client secret is shown once");
    admin.screenshot("console-05-client-created").await;
    admin.goto(&server.url("/admin/audit")).await;
    let audit = admin.page_source().await;
    assert!(
        audit.contains("intact") || audit.contains("verifies"),
        "chain indicator: {audit}"
    );
    admin.screenshot("console-06-audit").await;
    admin.goto(&server.url("/admin/api-keys")).await;
    admin.screenshot("console-06b-api-keys").await;
    drop(admin);

    // Bob signs in to the new client; his temporary password must be replaced first.
    let http = openidconnect::reqwest::ClientBuilder::new()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(env.issuer()).unwrap(), &http)
            .await
            .unwrap();
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new("browserapp".into()),
        Some(ClientSecret::new(secret)),
    )
    .set_redirect_uri(RedirectUrl::new(redirect_uri.clone()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, _state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge)
        .url();
    let bob = webdriver::Browser::start().await;
    bob.goto(auth_url.as_str()).await;
    bob.wait_for_url(|u| u.contains("/login?")).await;
    bob.type_into("#username", "bob").await;
    bob.type_into("#password", &temporary).await;
    bob.click("button[type=submit]").await;
    bob.wait_for_url(|u| u.ends_with("/login")).await;
    bob.screenshot("console-07-bob-chooses-a-password").await;
    bob.type_into("#new_password", "bob's own long passphrase")
        .await;
    bob.type_into("#confirm_password", "bob's own long passphrase")
        .await;
    bob.click("button[type=submit]").await;
    let landed = bob.wait_for_url(|u| u.starts_with(&redirect_uri)).await;
    callbacks
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("callback reached");
    let landed = url::Url::parse(&landed).unwrap();
    let code = landed
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange");
    let claims = tokens
        .id_token()
        .unwrap()
        .claims(&client.id_token_verifier(), &nonce)
        .unwrap();
    assert_ne!(claims.subject().as_str(), "bob");
}
