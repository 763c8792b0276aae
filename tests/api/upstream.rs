//! Signing in with another identity provider: a real node-oidc-provider (npm `oidc-provider`,
//! started by each test on a free loopback port) is registered through the CLI; the browser
//! goes from our login page's button through the upstream's own login pages and back, and the
//! relying party's ID token carries `amr` `fed`. Matching by `create`, verified `email` and
//! `linked`; refused: a wrong issuer, a bad signature, a replayed state, a nonce mismatch, an
//! unverified email, a disabled account; a second factor the client requires still applies.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use diesel::RunQueryDsl;
use serde_json::Value;

use crate::on_both_backends;
use crate::support::{
    location, npm_install, random_suffix, require, AuthRequest, Backend, Browser, Decision, Form,
    Prerequisite, TestEnv, TestServer, WebClient,
};

on_both_backends!(
    created_account_signs_in_with_fed_and_a_replayed_state_is_refused,
    verified_email_links_and_the_link_can_be_removed,
    linked_accounts_only_and_forged_answers_are_refused,
    admin_api_registers_and_removes_upstreams,
    console_registers_and_removes_upstreams,
);

pub const PROVIDER_PACKAGE: &str = "oidc-provider@9";
const CLIENT_ID: &str = "our-idp";
const CLIENT_SECRET: &str = "upstream-client-secret-value";

pub fn provider_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/upstream-node")
}

pub fn provider_library() -> PathBuf {
    provider_dir().join("node_modules/oidc-provider/package.json")
}

/// node-oidc-provider, running until dropped.
struct Upstream {
    child: Child,
    script: PathBuf,
    issuer: String,
}

impl Drop for Upstream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.script);
    }
}

impl Upstream {
    /// Serves, from now on, a JWKS whose key (same kid) did not sign the ID tokens.
    async fn swap_jwks(&self) {
        let response = reqwest::Client::new()
            .post(format!("{}/__test/swap-jwks", self.issuer))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
    }
}

/// Installs and starts the upstream with our callback as its one client's redirect URI;
/// `None` when it cannot run here (the caller returns).
fn start_upstream(env: &TestEnv) -> Option<Upstream> {
    npm_install(&provider_dir(), PROVIDER_PACKAGE, &provider_library());
    if !require(Prerequisite::UpstreamProvider) {
        return None;
    }
    // ESM resolves packages from the script's own directory: run it from beside node_modules.
    let script = provider_dir().join(format!("provider-{}.mjs", random_suffix()));
    std::fs::write(&script, include_str!("upstream/provider.mjs")).unwrap();
    let callback = format!("{}/login/upstream/callback", env.issuer());
    let mut child = Command::new("node")
        .arg(&script)
        .args([CLIENT_ID, CLIENT_SECRET, &callback])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node runs");
    let mut line = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut line).unwrap();
    // Kept open and drained: the provider would fail writing to a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let started: Value = serde_json::from_str(&line)
        .unwrap_or_else(|_| panic!("the upstream printed no JSON: {line:?}"));
    Some(Upstream {
        child,
        script,
        issuer: started["issuer"].as_str().unwrap().to_string(),
    })
}

/// `idp upstream add ID --issuer ISSUER ... --matching MATCHING`, the secret on stdin.
fn register(env: &TestEnv, id: &str, issuer: &str, matching: &str) {
    let out = env.cli_ok(
        &[
            "upstream",
            "add",
            id,
            "--issuer",
            issuer,
            "--client-id",
            CLIENT_ID,
            "--display-name",
            &format!("{id} SSO"),
            "--matching",
            matching,
        ],
        &format!("{CLIENT_SECRET}\n"),
    );
    assert!(out.contains("/login/upstream/callback"), "{out}");
}

/// Starts `request` at our provider and presses the `provider` button on the login page;
/// returns the upstream authorization URL the browser is sent to.
async fn press_button(browser: &Browser, request: &AuthRequest, provider: &str) -> url::Url {
    let response = press(browser, request, provider).await;
    let Some(upstream) = location(&response) else {
        panic!("no redirect upstream: {}", response.text().await.unwrap());
    };
    url::Url::parse(&upstream).unwrap()
}

/// Starts `request` and presses the `provider` button: our answer to the button.
async fn press(browser: &Browser, request: &AuthRequest, provider: &str) -> reqwest::Response {
    let response = browser.authorize(request).await;
    assert_eq!(response.status(), 303);
    let login = browser.get(&location(&response).unwrap()).await;
    let html = login.text().await.unwrap();
    assert!(
        html.contains(&format!("name=\"provider\" value=\"{provider}\"")),
        "the login page has a button for {provider}: {html}"
    );
    let form = Form::parse(&html);
    browser
        .http
        .post(browser.resolve("/login/upstream"))
        .form(&[
            ("req", form.req.as_str()),
            ("csrf", &form.csrf),
            ("provider", provider),
        ])
        .send()
        .await
        .unwrap()
}

/// Follows the upstream's login (as `login`, any password) and consent pages from `start`
/// until the upstream sends the browser back to `ours`; returns that callback URL.
async fn through_upstream(browser: &Browser, start: url::Url, login: &str, ours: &str) -> url::Url {
    let mut current = start.clone();
    let mut response = browser.http.get(start).send().await.unwrap();
    for _ in 0..12 {
        if response.status().is_redirection() {
            let next = current.join(&location(&response).unwrap()).unwrap();
            if next.as_str().starts_with(ours) {
                return next;
            }
            response = browser.http.get(next.clone()).send().await.unwrap();
            current = next;
            continue;
        }
        let status = response.status();
        let html = response.text().await.unwrap();
        assert_eq!(status, 200, "unexpected upstream page: {html}");
        let action = html
            .split("action=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("no form on the upstream page: {html}"));
        let target = current.join(action).unwrap();
        let fields: Vec<(&str, &str)> = if html.contains("value=\"login\"") {
            vec![("prompt", "login"), ("login", login), ("password", "any")]
        } else {
            vec![("prompt", "consent")]
        };
        response = browser
            .http
            .post(target.clone())
            .form(&fields)
            .send()
            .await
            .unwrap();
        current = target;
    }
    panic!("the upstream never sent the browser back");
}

/// The whole way from `request` to our callback's answer, signing in upstream as `login`.
async fn sign_in_upstream(
    browser: &Browser,
    server: &TestServer,
    request: &AuthRequest,
    provider: &str,
    login: &str,
) -> (url::Url, reqwest::Response) {
    let start = press_button(browser, request, provider).await;
    let callback = through_upstream(
        browser,
        start,
        login,
        &server.url("/login/upstream/callback"),
    )
    .await;
    let response = browser.http.get(callback.clone()).send().await.unwrap();
    (callback, response)
}

/// Carries on from our callback's redirect to the client and redeems the code: the ID token's
/// claims.
async fn id_token_claims(
    browser: &Browser,
    server: &TestServer,
    client: &WebClient,
    request: &AuthRequest,
    response: reqwest::Response,
) -> Value {
    if response.status() != 303 {
        panic!("the callback refused: {}", response.text().await.unwrap());
    }
    let landing = browser.follow(response, "", "", Decision::Allow).await;
    assert!(!landing.saw_login, "no password asked after the upstream");
    let issuer = server.url("");
    let code = landing.code(request, issuer.trim_end_matches('/'));
    let tokens = client.redeem(server, &code, &request.verifier).await;
    assert_eq!(tokens.status(), 200);
    let tokens: Value = tokens.json().await.unwrap();
    let jwks = server.get_json("/jwks.json").await;
    let claims = crate::support::verify_with_jwks(tokens["id_token"].as_str().unwrap(), &jwks);
    assert_eq!(claims["nonce"], request.nonce.as_str());
    claims
}

fn amr(claims: &Value) -> Vec<String> {
    claims["amr"]
        .as_array()
        .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// A refusal page: its status and its text.
async fn refused(response: reqwest::Response, status: u16, says: &str) {
    assert_eq!(response.status(), status);
    let html = response.text().await.unwrap();
    assert!(html.contains(says), "the page says {says:?}: {html}");
}

/// Our own subject for `username`, from a password sign-in in a browser of its own.
async fn password_subject(
    env: &TestEnv,
    server: &TestServer,
    client: &WebClient,
    username: &str,
) -> String {
    let browser = Browser::new(&env.issuer());
    let tokens = browser.tokens(server, client, "openid", username).await;
    let jwks = server.get_json("/jwks.json").await;
    let claims = crate::support::verify_with_jwks(tokens["id_token"].as_str().unwrap(), &jwks);
    claims["sub"].as_str().unwrap().to_string()
}

async fn created_account_signs_in_with_fed_and_a_replayed_state_is_refused(backend: Backend) {
    let env = TestEnv::new(backend);
    let Some(upstream) = start_upstream(&env) else {
        return;
    };
    let client = env.add_web_client("app", "App", &["--first-party"]);
    register(&env, "corp", &upstream.issuer, "create");
    let listed = env.cli_ok(&["upstream", "list"], "");
    assert!(
        listed.contains("corp") && listed.contains(&upstream.issuer),
        "{listed}"
    );
    // The secret is given on stdin and never printed or stored in the clear.
    assert!(!listed.contains(CLIENT_SECRET));
    let server = env.start().await;

    let browser = Browser::new(&env.issuer());
    let request = AuthRequest::new(&client, "openid email");
    let (callback, response) = sign_in_upstream(
        &browser,
        &server,
        &request,
        "corp",
        "carol@upstream.example",
    )
    .await;
    let claims = id_token_claims(&browser, &server, &client, &request, response).await;
    assert_eq!(amr(&claims), ["fed"]);
    let subject = claims["sub"].as_str().unwrap().to_string();

    // The same answer again: its state was claimed once, and is refused now.
    let replayed = browser.http.get(callback).send().await.unwrap();
    refused(replayed, 400, "This sign-in has expired").await;

    // The same upstream identity comes back to the same account, from another browser.
    let other = Browser::new(&env.issuer());
    let request = AuthRequest::new(&client, "openid");
    let (_, response) =
        sign_in_upstream(&other, &server, &request, "corp", "carol@upstream.example").await;
    let again = id_token_claims(&other, &server, &client, &request, response).await;
    assert_eq!(again["sub"], subject.as_str());

    // The account has no password: its one link cannot be removed.
    let page = other.get("/account").await.text().await.unwrap();
    assert!(
        page.contains("corp SSO") && page.contains("carol@upstream.example"),
        "{page}"
    );
    let unlink = other
        .http
        .post(other.resolve("/account/upstream/unlink"))
        .form(&[
            (
                "csrf",
                crate::support::input_value(&page, "csrf").unwrap().as_str(),
            ),
            ("provider", "corp"),
            ("subject", "carol@upstream.example"),
        ])
        .send()
        .await
        .unwrap();
    refused(unlink, 403, "only way to sign in").await;

    // A disabled account cannot sign in through the upstream either.
    env.cli_ok(&["user", "disable", "carol"], "");
    let third = Browser::new(&env.issuer());
    let request = AuthRequest::new(&client, "openid");
    let (_, response) =
        sign_in_upstream(&third, &server, &request, "corp", "carol@upstream.example").await;
    refused(response, 403, "You cannot sign in this way").await;
    let audit = env.cli_ok(&["audit", "list", "--limit", "50"], "");
    assert!(audit.contains("upstream_account_create"), "{audit}");
    assert!(audit.contains("upstream:corp"), "{audit}");
}

async fn verified_email_links_and_the_link_can_be_removed(backend: Backend) {
    let env = TestEnv::new(backend);
    let Some(upstream) = start_upstream(&env) else {
        return;
    };
    env.add_user("alice", "Alice Example");
    let client = env.add_web_client("app", "App", &["--first-party"]);
    register(&env, "corp", &upstream.issuer, "email");
    let server = env.start().await;
    let alice = password_subject(&env, &server, &client, "alice").await;

    // The upstream does not vouch for the email: no link, whatever the address.
    let browser = Browser::new(&env.issuer());
    let request = AuthRequest::new(&client, "openid");
    let (_, response) = sign_in_upstream(
        &browser,
        &server,
        &request,
        "corp",
        "unverified:alice@example.com",
    )
    .await;
    refused(response, 403, "has not confirmed your email address").await;
    // (A browser of its own: the upstream remembers who signed in there.)
    let nobody = Browser::new(&env.issuer());
    let request = AuthRequest::new(&client, "openid");
    let (_, response) =
        sign_in_upstream(&nobody, &server, &request, "corp", "nobody@example.com").await;
    refused(response, 403, "No account here has the email address").await;

    let browser = Browser::new(&env.issuer());
    let request = AuthRequest::new(&client, "openid");
    let (_, response) =
        sign_in_upstream(&browser, &server, &request, "corp", "alice@example.com").await;
    let claims = id_token_claims(&browser, &server, &client, &request, response).await;
    assert_eq!(claims["sub"], alice.as_str());
    assert_eq!(amr(&claims), ["fed"]);

    // Alice sees the link on her account page and removes it (her password remains).
    let page = browser.get("/account").await.text().await.unwrap();
    assert!(
        page.contains("corp SSO") && page.contains("alice@example.com"),
        "{page}"
    );
    // The link remembers the upstream email encrypted (this upstream's subject is the address).
    let stored: Vec<crate::personal_data::Cell> =
        diesel::sql_query("SELECT email AS value FROM upstream_links")
            .load(&mut crate::store::connect(&env))
            .unwrap();
    assert_eq!(stored.len(), 1);
    let stored = stored[0].value.clone().unwrap();
    assert!(
        stored.starts_with("pd1:") && !stored.contains('@'),
        "{stored}"
    );
    let unlink = browser
        .http
        .post(browser.resolve("/account/upstream/unlink"))
        .form(&[
            (
                "csrf",
                crate::support::input_value(&page, "csrf").unwrap().as_str(),
            ),
            ("provider", "corp"),
            ("subject", "alice@example.com"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(unlink.status(), 303);
    assert_eq!(location(&unlink).as_deref(), Some("/account?done=unlinked"));
    let page = browser.get("/account").await.text().await.unwrap();
    assert!(!page.contains("corp SSO"), "{page}");
    let audit = env.cli_ok(&["audit", "list", "--limit", "50"], "");
    assert!(
        audit.contains("upstream_link") && audit.contains("upstream_unlink"),
        "{audit}"
    );
}

async fn linked_accounts_only_and_forged_answers_are_refused(backend: Backend) {
    let env = TestEnv::new(backend);
    let Some(upstream) = start_upstream(&env) else {
        return;
    };
    env.add_user("alice", "Alice Example");
    let client = env.add_web_client("app", "App", &["--first-party"]);
    let strict = env.add_web_client("strict", "Strict", &["--first-party", "--require-mfa"]);
    register(&env, "corp", &upstream.issuer, "linked");
    // The same upstream under another name of the host: its discovery names another issuer.
    let port = url::Url::parse(&upstream.issuer).unwrap().port().unwrap();
    register(&env, "wrong", &format!("http://localhost:{port}"), "linked");
    let server = env.start().await;
    let alice = password_subject(&env, &server, &client, "alice").await;

    let browser = Browser::new(&env.issuer());
    let request = AuthRequest::new(&client, "openid");
    let (_, response) =
        sign_in_upstream(&browser, &server, &request, "corp", "bob@example.com").await;
    refused(response, 403, "is not linked to an account here").await;

    env.cli_ok(
        &["upstream", "link", "corp", "alice", "bob@example.com"],
        "",
    );
    let request = AuthRequest::new(&client, "openid");
    let (_, response) =
        sign_in_upstream(&browser, &server, &request, "corp", "bob@example.com").await;
    let claims = id_token_claims(&browser, &server, &client, &request, response).await;
    assert_eq!(claims["sub"], alice.as_str());
    assert_eq!(amr(&claims), ["fed"]);

    // A client that requires a second factor still gets one asked after the upstream.
    let mfa = Browser::new(&env.issuer());
    let request = AuthRequest::new(&strict, "openid");
    let (_, response) = sign_in_upstream(&mfa, &server, &request, "corp", "bob@example.com").await;
    assert_eq!(response.status(), 303);
    let resumed = mfa.get(&location(&response).unwrap()).await;
    assert_eq!(resumed.status(), 303);
    let next = location(&resumed).unwrap();
    assert!(next.starts_with("/login/second-factor"), "{next}");
    // Enrolled there, the code comes with both methods: the upstream's and ours.
    let req = next.split("req=").nth(1).unwrap().to_string();
    let (mut authenticator, resume) = crate::interaction_steps::enrol_at_step_up(&mfa, &req).await;
    let response = mfa.get(&resume).await;
    let claims = id_token_claims(&mfa, &server, &strict, &request, response).await;
    assert_eq!(amr(&claims), ["fed", "otp"]);
    assert_eq!(claims["sub"], alice.as_str());

    // Now that the account has its own second factor, the upstream alone is not enough, even
    // for a client that does not require two.
    let second = Browser::new(&env.issuer());
    let request = AuthRequest::new(&client, "openid");
    let (_, response) =
        sign_in_upstream(&second, &server, &request, "corp", "bob@example.com").await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("action=\"/login/totp\""), "{html}");
    let code = authenticator.code().await;
    let ticket = crate::support::input_value(&html, "ticket").unwrap();
    let form = Form::parse(&html);
    let response = second
        .http
        .post(second.resolve("/login/totp"))
        .form(&[
            ("req", form.req.as_str()),
            ("csrf", &form.csrf),
            ("ticket", &ticket),
            ("code", &code),
        ])
        .send()
        .await
        .unwrap();
    let claims = id_token_claims(&second, &server, &client, &request, response).await;
    assert_eq!(amr(&claims), ["fed", "otp"]);

    // Discovery that names another issuer than the registered one: refused before leaving.
    let request = AuthRequest::new(&client, "openid");
    let response = press(&Browser::new(&env.issuer()), &request, "wrong").await;
    refused(response, 502, "did not answer").await;

    // The ID token carries another nonce than the one we sent.
    let tampered = Browser::new(&env.issuer());
    let request = AuthRequest::new(&client, "openid");
    let mut start = press_button(&tampered, &request, "corp").await;
    let params: Vec<(String, String)> = start
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "nonce" {
                "forged-nonce-value".into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    start.query_pairs_mut().clear().extend_pairs(&params);
    let callback = through_upstream(
        &tampered,
        start,
        "bob@example.com",
        &server.url("/login/upstream/callback"),
    )
    .await;
    let response = tampered.http.get(callback).send().await.unwrap();
    refused(response, 403, "was not accepted").await;

    // The upstream's keys no longer match its ID tokens' signatures.
    upstream.swap_jwks().await;
    let swapped = Browser::new(&env.issuer());
    let request = AuthRequest::new(&client, "openid");
    let (_, response) =
        sign_in_upstream(&swapped, &server, &request, "corp", "bob@example.com").await;
    refused(response, 403, "was not accepted").await;
}

async fn admin_api_registers_and_removes_upstreams(backend: Backend) {
    let env = TestEnv::new(backend);
    let Some(upstream) = start_upstream(&env) else {
        return;
    };
    crate::admin::add_user_with_roles(&env, "root", &["admin"]);
    let client = env.add_web_client("app", "App", &["--first-party"]);
    let server = env.start().await;
    let (root, csrf) = crate::admin::sign_in(&server, "root").await;
    let key = crate::admin::create_key(&root, &csrf, "automation", &["admin"]).await;
    let api = |method: reqwest::Method, path: &str| {
        server
            .http
            .request(method, server.url(path))
            .bearer_auth(&key)
    };
    let body = |issuer: &str| {
        serde_json::json!({
            "id": "corp",
            "issuer": issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "display_name": "Corp SSO",
            "matching": "create",
        })
    };

    // Plain http to a host that is not loopback: refused, as JSON.
    let response = api(reqwest::Method::POST, "/admin/api/upstreams")
        .json(&body("http://idp.example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"], "invalid_request");
    let description = error["error_description"].as_str().unwrap();
    assert!(description.contains("must be https"), "{description}");

    let response = api(reqwest::Method::POST, "/admin/api/upstreams")
        .json(&body(&upstream.issuer))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["matching"], "create");
    assert!(!created.to_string().contains(CLIENT_SECRET), "{created}");
    let again = api(reqwest::Method::POST, "/admin/api/upstreams")
        .json(&body(&upstream.issuer))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    let listed: Value = api(reqwest::Method::GET, "/admin/api/upstreams")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"][0]["id"], "corp");
    assert_eq!(listed["items"][0]["issuer"], upstream.issuer.as_str());

    // The provider registered through the API signs people in (its sealed secret opens).
    let browser = Browser::new(&env.issuer());
    let request = AuthRequest::new(&client, "openid");
    let (_, response) =
        sign_in_upstream(&browser, &server, &request, "corp", "dan@upstream.example").await;
    let claims = id_token_claims(&browser, &server, &client, &request, response).await;
    assert_eq!(amr(&claims), ["fed"]);

    let deleted = api(reqwest::Method::DELETE, "/admin/api/upstreams/corp")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let gone = api(reqwest::Method::DELETE, "/admin/api/upstreams/corp")
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    let page = Browser::new(&env.issuer())
        .get("/login")
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("/login/upstream"), "{page}");
}

async fn console_registers_and_removes_upstreams(backend: Backend) {
    let env = TestEnv::new(backend);
    crate::admin::add_user_with_roles(&env, "root", &["admin"]);
    let server = env.start().await;
    let (root, csrf) = crate::admin::sign_in(&server, "root").await;
    let page = root.get("/admin/upstreams").await.text().await.unwrap();
    assert!(page.contains("/login/upstream/callback"), "{page}");
    let form = |issuer: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("id", "corp".to_string()),
            ("display_name", "Corp SSO".to_string()),
            ("issuer", issuer.to_string()),
            ("client_id", CLIENT_ID.to_string()),
            ("client_secret", CLIENT_SECRET.to_string()),
            ("scopes", "email".to_string()),
            ("matching", "email".to_string()),
        ]
    };
    // Refused: shown again with the reason, filled in, but without the secret.
    let refused_form = root
        .http
        .post(root.resolve("/admin/upstreams"))
        .form(&form("http://sso.example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused_form.status(), 400);
    let html = refused_form.text().await.unwrap();
    assert!(
        html.contains("must be https") && html.contains("Corp SSO"),
        "{html}"
    );
    assert!(!html.contains(CLIENT_SECRET), "{html}");

    let added = root
        .http
        .post(root.resolve("/admin/upstreams"))
        .form(&form("https://sso.example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 303);
    let page = root.get("/admin/upstreams").await.text().await.unwrap();
    assert!(
        page.contains("https://sso.example.com") && page.contains(">email<"),
        "{page}"
    );
    let login = Browser::new(&env.issuer())
        .get("/login")
        .await
        .text()
        .await
        .unwrap();
    assert!(login.contains("Corp SSO"), "{login}");

    let remove = |confirm: &str| {
        root.http
            .post(root.resolve("/admin/upstreams/corp/delete"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("confirm", confirm),
                ("password", crate::support::PASSWORD),
            ])
            .send()
    };
    assert_eq!(remove("other").await.unwrap().status(), 400);
    assert_eq!(remove("corp").await.unwrap().status(), 303);
    let page = root.get("/admin/upstreams").await.text().await.unwrap();
    assert!(!page.contains("https://sso.example.com"), "{page}");
    let audit = env.cli_ok(&["audit", "list", "--limit", "20"], "");
    assert!(
        audit.contains("admin_upstream_create") && audit.contains("admin_upstream_delete"),
        "{audit}"
    );
}
