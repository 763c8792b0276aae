//! Passkeys (WebAuthn) in a real browser: headless Chromium with a virtual authenticator (the
//! WebDriver WebAuthn extension) enrols a passkey on the account page, signs in with it alone
//! through a relying party (code + PKCE), uses it as the second factor a client requires, and
//! the server refuses what it must: a replayed assertion, another ceremony's challenge, a wrong
//! origin, a disabled account, a removed credential; and a ceremony begun on one node finishes
//! on another.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{
    require, verify_with_jwks, AuthRequest, Backend, Prerequisite, TestEnv, TestServer, WebClient,
    PASSWORD,
};
use crate::webdriver::{self, Browser as Chromium, Callback};

/// A server on `http://localhost:PORT` with the account `alice`, a first-party client whose
/// redirect URI is a loopback listener, and a browser with a virtual authenticator.
pub(crate) struct Setup {
    pub(crate) env: TestEnv,
    server: TestServer,
    pub(crate) browser: Chromium,
    pub(crate) authenticator: String,
    client: WebClient,
    callbacks: std::sync::mpsc::Receiver<Callback>,
}

async fn setup(backend: Backend, client_flags: &[&str]) -> Setup {
    setup_in(TestEnv::new(backend), client_flags).await
}

async fn setup_in(env: TestEnv, client_flags: &[&str]) -> Setup {
    setup_speaking(env, client_flags, "ctap2").await
}

/// The same, with an authenticator of CTAP `protocol`.
pub(crate) async fn setup_speaking(env: TestEnv, client_flags: &[&str], protocol: &str) -> Setup {
    let env = env.with_localhost_issuer();
    env.add_user("alice", "Alice Example");
    let (redirect_uri, callbacks) = webdriver::callback_listener();
    let mut args = vec![
        "client",
        "add",
        "--name",
        "Example Web App",
        "--id",
        "webapp",
        "--redirect-uri",
        &redirect_uri,
        "--first-party",
    ];
    args.extend_from_slice(client_flags);
    let out = env.cli_ok(&args, "");
    let secret = out
        .lines()
        .find_map(|l| l.strip_prefix("client_secret: "))
        .map(|s| s.trim().to_string());
    let client = WebClient {
        id: "webapp".into(),
        secret,
        redirect_uri,
    };
    let server = env.start().await;
    let browser = Chromium::start().await;
    let authenticator = browser.add_virtual_authenticator_speaking(protocol).await;
    Setup {
        env,
        server,
        browser,
        authenticator,
        client,
        callbacks,
    }
}

/// Signs in with the password on the login page (to the account page).
pub(crate) async fn sign_in_with_password(browser: &Chromium, issuer: &str) {
    browser.goto(&format!("{issuer}/login?next=/account")).await;
    browser.type_into("#username", "alice").await;
    browser.type_into("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    browser
        .wait_for_url(|u| u.ends_with("/account") && !u.contains("/login?"))
        .await;
}

/// Adds a passkey named `name` on the account page (the session must be fresh).
async fn enrol(browser: &Chromium, name: &str) {
    browser.wait_until_shown("passkey-enrol-form").await;
    browser
        .execute(
            "document.getElementById('passkey_name').value = arguments[0];",
            json!([name]),
        )
        .await;
    browser.click("#passkey-enrol").await;
    browser.wait_for_url(|u| u.contains("done=passkey")).await;
    browser.wait_for_text(name).await;
}

/// The ID token's claims after the browser landed at the client with a code.
async fn id_token_claims(setup: &Setup, request: &AuthRequest) -> Value {
    let landed = setup
        .browser
        .wait_for_url(|u| u.starts_with(&setup.client.redirect_uri))
        .await;
    let callback = setup
        .callbacks
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("callback reached");
    assert!(landed.ends_with(&callback.target), "{landed}");
    let landed = url::Url::parse(&landed).unwrap();
    let params: std::collections::HashMap<_, _> = landed.query_pairs().into_owned().collect();
    assert_eq!(params.get("state"), Some(&request.state), "{landed}");
    assert_eq!(params.get("iss"), Some(&setup.env.public_issuer()));
    let response = setup
        .client
        .redeem(&setup.server, &params["code"], &request.verifier)
        .await;
    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.unwrap();
    let jwks = setup.server.get_json("/jwks.json").await;
    let claims = verify_with_jwks(tokens["id_token"].as_str().unwrap(), &jwks);
    assert_eq!(claims["nonce"], request.nonce.as_str());
    claims
}

/// Enrols a passkey, forgets the session (signs out), and signs in to the client with the
/// passkey alone: no password, and the ID token says so.
async fn a_passkey_alone_signs_in_through_a_relying_party(backend: Backend) {
    if !require(Prerequisite::Browser) {
        return;
    }
    let setup = setup(backend, &[]).await;
    let (browser, issuer) = (&setup.browser, setup.env.public_issuer());
    sign_in_with_password(browser, &issuer).await;
    enrol(browser, "Work laptop").await;
    let account = browser.page_source().await;
    assert!(account.contains("Work laptop"), "{account}");
    assert!(account.contains("last used never"), "{account}");
    browser.screenshot("passkey-01-enrolled").await;
    let held = browser
        .authenticator_credentials(&setup.authenticator)
        .await;
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(
        held[0]["isResidentCredential"], true,
        "discoverable: {held:?}"
    );
    assert_eq!(held[0]["rpId"], "localhost");

    // Signed out, the passkey appears in the username field's autofill (conditional
    // mediation), which the virtual authenticator accepts at once: signed in, no password.
    browser.goto(&format!("{issuer}/")).await;
    browser.delete_cookie("idp_session").await;
    let request = AuthRequest::new(&setup.client, "openid profile");
    browser.goto(&request.url(&issuer)).await;
    let claims = id_token_claims(&setup, &request).await;
    assert_eq!(claims["preferred_username"], "alice");
    assert_eq!(claims["amr"], json!(["hwk", "user", "mfa"]), "{claims}");
    assert_eq!(claims["acr"], "mfa");

    // A browser without that autofill: the "Sign in with a passkey" button.
    browser.goto(&format!("{issuer}/")).await;
    browser.delete_cookie("idp_session").await;
    browser.without_passkey_autofill().await;
    let request = AuthRequest::new(&setup.client, "openid profile");
    browser.goto(&request.url(&issuer)).await;
    browser.wait_for_url(|u| u.contains("/login?req=")).await;
    browser.wait_until_shown("passkey-signin-form").await;
    let login = browser.page_source().await;
    assert!(
        login.contains("autocomplete=\"username webauthn\""),
        "{login}"
    );
    browser.screenshot("passkey-02-login").await;
    browser.click("#passkey-signin").await;
    let claims = id_token_claims(&setup, &request).await;
    assert_eq!(claims["amr"], json!(["hwk", "user", "mfa"]), "{claims}");
    assert_eq!(claims["acr"], "mfa");

    // The account page shows the passkey's use.
    browser.goto(&format!("{issuer}/account")).await;
    let account = browser.page_source().await;
    assert!(!account.contains("last used never"), "{account}");
}

/// A client that requires two factors: a session signed in with the password alone steps up
/// with the passkey, and the ID token names both factors.
async fn a_passkey_is_the_second_factor_a_client_requires(backend: Backend) {
    if !require(Prerequisite::Browser) {
        return;
    }
    let setup = setup(backend, &["--require-mfa"]).await;
    let (browser, issuer) = (&setup.browser, setup.env.public_issuer());
    sign_in_with_password(browser, &issuer).await;
    enrol(browser, "Phone").await;

    let request = AuthRequest::new(&setup.client, "openid");
    browser.goto(&request.url(&issuer)).await;
    browser
        .wait_for_url(|u| u.contains("/login/second-factor?req="))
        .await;
    browser.wait_until_shown("passkey-second-factor-form").await;
    let page = browser.page_source().await;
    assert!(page.contains("Confirm with your passkey"), "{page}");
    browser.screenshot("passkey-03-second-factor").await;
    browser.click("#passkey-second-factor").await;

    let claims = id_token_claims(&setup, &request).await;
    assert_eq!(
        claims["amr"],
        json!(["pwd", "hwk", "user", "mfa"]),
        "{claims}"
    );
    assert_eq!(claims["acr"], "mfa");
}

on_both_backends!(
    a_passkey_alone_signs_in_through_a_relying_party,
    a_passkey_is_the_second_factor_a_client_requires,
    a_passkey_follows_the_password_beside_totp,
    refused_assertions,
    an_administrator_removes_a_passkey,
    failed_passkeys_lock_the_account,
    bad_passkey_requests_get_json_errors,
);

/// Failed passkey sign-ins count towards the account's lock as wrong passwords do; a locked
/// account's right passkey is refused alike, and the lock is audited.
async fn failed_passkeys_lock_the_account(backend: Backend) {
    if !require(Prerequisite::Browser) {
        return;
    }
    let env = TestEnv::new(backend).with_env("IDP_LOCKOUT__THRESHOLD", "3");
    let setup = setup_in(env, &[]).await;
    let (browser, issuer) = (&setup.browser, setup.env.public_issuer());
    sign_in_with_password(browser, &issuer).await;
    enrol(browser, "Laptop").await;
    browser.without_passkey_autofill().await;
    let csrf = csrf_on_login_page(browser, &issuer).await;

    let signed = assertion(browser, &csrf).await;
    for attempt in 1..=3 {
        // A right signature over another ceremony's challenge.
        let other = assertion(browser, &csrf).await;
        let refused = finish(browser, &csrf, &other["ceremony"], &signed["credential"]).await;
        assert_refused(&refused, 401, &format!("failure {attempt}"));
    }
    let right = assertion(browser, &csrf).await;
    let refused = finish(browser, &csrf, &right["ceremony"], &right["credential"]).await;
    assert_refused(&refused, 401, "the right passkey of a locked account");
    let audit = setup.env.cli_ok(&["audit", "list"], "");
    assert!(audit.contains("account_locked"), "{audit}");

    // The lock lifted, the same passkey signs in.
    setup.env.cli_ok(&["user", "unlock", "alice"], "");
    let right = assertion(browser, &csrf).await;
    let accepted = finish(browser, &csrf, &right["ceremony"], &right["credential"]).await;
    assert_eq!(accepted["status"], 200, "{accepted}");
}

/// An account with an authenticator app and a passkey: after the password, the code page
/// offers the passkey too, which finishes the sign-in with both factors.
async fn a_passkey_follows_the_password_beside_totp(backend: Backend) {
    if !require(Prerequisite::Browser) {
        return;
    }
    let setup = setup(backend, &[]).await;
    let (browser, issuer) = (&setup.browser, setup.env.public_issuer());
    sign_in_with_password(browser, &issuer).await;
    enrol(browser, "Security key").await;
    // The authenticator app, set up on the account page with a code computed here.
    browser.goto(&format!("{issuer}/account/totp")).await;
    let mut app = crate::account::Authenticator::from_page(&browser.page_source().await);
    browser.type_into("#code", &app.code().await).await;
    browser
        .click("form[action='/account/totp'] button[type=submit]")
        .await;
    browser.wait_for_text("Two-step sign-in is on").await;

    browser.goto(&format!("{issuer}/")).await;
    browser.delete_cookie("idp_session").await;
    browser.without_passkey_autofill().await;
    let request = AuthRequest::new(&setup.client, "openid");
    browser.goto(&request.url(&issuer)).await;
    browser.wait_for_url(|u| u.contains("/login?req=")).await;
    browser.type_into("#username", "alice").await;
    browser.type_into("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    browser.wait_for_text("Enter your code").await;
    browser.wait_until_shown("passkey-second-factor-form").await;
    browser.screenshot("passkey-04-code-or-passkey").await;
    browser.click("#passkey-second-factor").await;

    let claims = id_token_claims(&setup, &request).await;
    assert_eq!(
        claims["amr"],
        json!(["pwd", "hwk", "user", "mfa"]),
        "{claims}"
    );
    assert_eq!(claims["acr"], "mfa");
}

/// An administrator sees the passkey on the user's console page and removes it (confirming
/// with their own password): audited, mailed to the person, and the passkey no longer signs in.
async fn an_administrator_removes_a_passkey(backend: Backend) {
    if !require(Prerequisite::Browser) || !require(Prerequisite::SmtpServer) {
        return;
    }
    let mut sink = crate::smtp::MailSink::on_port(crate::support::free_port());
    sink.run().await;
    let env = crate::mail::mail_env(backend, &sink);
    crate::admin::add_user_with_roles(&env, "root", &["admin"]);
    let setup = setup_in(env, &[]).await;
    let (browser, issuer) = (&setup.browser, setup.env.public_issuer());
    sign_in_with_password(browser, &issuer).await;
    enrol(browser, "Old phone").await;

    let (root, csrf) = crate::admin::sign_in(&setup.server, "root").await;
    let id = crate::admin::user_id(&root, "alice").await;
    let html = root
        .get(&format!("/admin/users/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Old phone (device-bound)"), "{html}");
    let marker = format!("action=\"/admin/users/{id}/passkeys/");
    let start = html.find(&marker).expect("a remove form") + marker.len();
    let passkey = html[start..].split('/').next().unwrap().to_string();
    let path = format!("/admin/users/{id}/passkeys/{passkey}/remove");

    let refused = crate::admin::post_form(
        &root,
        &path,
        &[("csrf", &csrf), ("password", "not the password")],
    )
    .await;
    assert!(refused.status().is_client_error(), "{}", refused.status());
    let removed =
        crate::admin::post_form(&root, &path, &[("csrf", &csrf), ("password", PASSWORD)]).await;
    assert_eq!(removed.status(), 303);
    let html = root
        .get(&format!("/admin/users/{id}?done=passkey"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("The passkey was removed."), "{html}");
    assert!(!html.contains("Old phone"), "{html}");
    let audit = root.get("/admin/audit").await.text().await.unwrap();
    assert!(audit.contains("admin_user_passkey_removed"), "{audit}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !sink.messages().iter().any(|m| {
        m["envelope_to"][0] == "alice@example.com"
            && m["subject"] == "A passkey was removed from your account"
    }) {
        assert!(std::time::Instant::now() < deadline, "no notice mailed");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    browser.without_passkey_autofill().await;
    let csrf = csrf_on_login_page(browser, &issuer).await;
    let signed = assertion(browser, &csrf).await;
    let refused = finish(browser, &csrf, &signed["ceremony"], &signed["credential"]).await;
    assert_refused(&refused, 401, "a passkey an administrator removed");
}

/// Runs in a page of the provider: begins a passkey sign-in and has the authenticator sign
/// its challenge, without finishing; returns `{ceremony, credential}` (base64url JSON).
const ASSERT: &str = r#"
const [csrf] = arguments;
const done = arguments[arguments.length - 1];
const b64 = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)))
  .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const bytes = (text) => {
  const s = text.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(s + "=".repeat((4 - (s.length % 4)) % 4)), (c) => c.charCodeAt(0));
};
(async () => {
  const begun = await fetch("/login/passkey/begin", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ csrf, req: "" }),
  }).then((r) => r.json());
  const options = begun.options.publicKey;
  options.challenge = bytes(options.challenge);
  options.allowCredentials = (options.allowCredentials || []).map((c) => ({ ...c, id: bytes(c.id) }));
  const credential = await navigator.credentials.get({ publicKey: options });
  const r = credential.response;
  done({ ceremony: begun.ceremony, credential: {
    id: credential.id, rawId: b64(credential.rawId), type: credential.type,
    response: {
      clientDataJSON: b64(r.clientDataJSON), authenticatorData: b64(r.authenticatorData),
      signature: b64(r.signature), userHandle: r.userHandle ? b64(r.userHandle) : null,
    },
    extensions: {},
  } });
})().catch((e) => done({ error: String(e) }));
"#;

/// Posts `body` to `path` from the page (its cookies go along); returns `{status, body}`.
const POST: &str = r#"
const [path, body] = arguments;
const done = arguments[arguments.length - 1];
fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
  .then(async (r) => done({ status: r.status, body: await r.json().catch(() => null) }))
  .catch((e) => done({ status: 0, body: String(e) }));
"#;

/// A signed assertion for a fresh sign-in ceremony.
async fn assertion(browser: &Chromium, csrf: &str) -> Value {
    let signed = browser.execute_async(ASSERT, json!([csrf])).await;
    assert!(signed.get("error").is_none(), "{signed}");
    signed
}

async fn finish(browser: &Chromium, csrf: &str, ceremony: &Value, credential: &Value) -> Value {
    let body = json!({ "csrf": csrf, "req": "", "ceremony": ceremony, "credential": credential });
    browser
        .execute_async(POST, json!(["/login/passkey/finish", body]))
        .await
}

/// The CSRF form value of this browser, from the login page, which then stays open: its policy
/// lets our script talk to the server. (Its autofill request would compete with ours: callers
/// turn it off first with `without_passkey_autofill`.)
async fn csrf_on_login_page(browser: &Chromium, issuer: &str) -> String {
    browser.goto(&format!("{issuer}/login")).await;
    browser.wait_until_shown("passkey-signin-form").await;
    let csrf = browser
        .execute(
            "return document.querySelector('#passkey-signin-form input[name=csrf]').value;",
            json!([]),
        )
        .await;
    csrf.as_str().unwrap().to_string()
}

fn assert_refused(answer: &Value, status: u64, what: &str) {
    assert_eq!(answer["status"], status, "{what}: {answer}");
    assert!(
        answer["body"]["error"].is_string() && answer["body"]["redirect"].is_null(),
        "{what}: {answer}"
    );
}

/// What the server must refuse, each answered as a JSON error (never a session): a replayed
/// assertion, an assertion of another ceremony's challenge, one made for another origin, one of
/// a disabled account, one of a removed passkey. Between them, a right one is accepted.
async fn refused_assertions(backend: Backend) {
    if !require(Prerequisite::Browser) {
        return;
    }
    let setup = setup(backend, &[]).await;
    let (browser, issuer) = (&setup.browser, setup.env.public_issuer());
    sign_in_with_password(browser, &issuer).await;
    enrol(browser, "Laptop").await;
    browser.without_passkey_autofill().await;
    let csrf = csrf_on_login_page(browser, &issuer).await;

    let first = assertion(browser, &csrf).await;
    let accepted = finish(browser, &csrf, &first["ceremony"], &first["credential"]).await;
    assert_eq!(accepted["status"], 200, "{accepted}");
    assert_eq!(accepted["body"]["redirect"], "/account");

    let replayed = finish(browser, &csrf, &first["ceremony"], &first["credential"]).await;
    assert_refused(&replayed, 400, "the same assertion again");

    let other = assertion(browser, &csrf).await;
    let crossed = finish(browser, &csrf, &other["ceremony"], &first["credential"]).await;
    assert_refused(
        &crossed,
        401,
        "an assertion of another ceremony's challenge",
    );

    let phished = assertion(browser, &csrf).await;
    let mut credential = phished["credential"].clone();
    let client_data = credential["response"]["clientDataJSON"].as_str().unwrap();
    let mut client_data: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(client_data).unwrap()).unwrap();
    assert_eq!(client_data["origin"], issuer.as_str());
    client_data["origin"] = json!("http://localhost:1");
    credential["response"]["clientDataJSON"] =
        json!(URL_SAFE_NO_PAD.encode(client_data.to_string()));
    let wrong_origin = finish(browser, &csrf, &phished["ceremony"], &credential).await;
    assert_refused(&wrong_origin, 401, "an assertion for another origin");

    setup.env.cli_ok(&["user", "disable", "alice"], "");
    let disabled = assertion(browser, &csrf).await;
    let refused = finish(
        browser,
        &csrf,
        &disabled["ceremony"],
        &disabled["credential"],
    )
    .await;
    assert_refused(&refused, 401, "a disabled account");
    setup.env.cli_ok(&["user", "enable", "alice"], "");
    let again = assertion(browser, &csrf).await;
    let accepted = finish(browser, &csrf, &again["ceremony"], &again["credential"]).await;
    assert_eq!(accepted["status"], 200, "enabled again: {accepted}");

    // Removed on the account page (the sign-in just now is fresh: no password asked).
    browser.goto(&format!("{issuer}/account")).await;
    browser
        .click("form[action='/account/passkeys/remove'] button")
        .await;
    browser
        .wait_for_url(|u| u.contains("done=passkey-removed"))
        .await;
    csrf_on_login_page(browser, &issuer).await;
    let removed = assertion(browser, &csrf).await;
    let refused = finish(browser, &csrf, &removed["ceremony"], &removed["credential"]).await;
    assert_refused(&refused, 401, "a removed passkey");
}

/// Two nodes on one PostgreSQL: the ceremony begins on one and finishes on the other (the
/// browser's cookies go along, as behind a load balancer), which starts the session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ceremony_begun_on_one_node_finishes_on_another() {
    if !require(Prerequisite::Browser) || !require(Prerequisite::Postgres) {
        return;
    }
    let setup = setup(Backend::Postgres, &[]).await;
    let (browser, issuer) = (&setup.browser, setup.env.public_issuer());
    let other = setup.env.start_node().await;
    sign_in_with_password(browser, &issuer).await;
    enrol(browser, "Laptop").await;
    browser.without_passkey_autofill().await;
    let csrf = csrf_on_login_page(browser, &issuer).await;
    let signed = assertion(browser, &csrf).await;

    let mut cookies = Vec::new();
    for name in ["idp_browser", "idp_csrf"] {
        let value = browser.cookie(name).await.expect(name);
        cookies.push(format!("{name}={value}"));
    }
    let body = json!({
        "csrf": csrf, "req": "", "ceremony": signed["ceremony"], "credential": signed["credential"],
    });
    let response = other
        .http
        .post(other.url("/login/passkey/finish"))
        .header("cookie", cookies.join("; "))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let session = crate::support::set_cookie(&response, "idp_session").expect("a session");
    let session = session.split(';').next().unwrap().to_string();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["redirect"], "/account");
    let account = other
        .http
        .get(other.url("/account"))
        .header("cookie", session)
        .send()
        .await
        .unwrap();
    assert_eq!(account.status(), 200);
    assert!(account.text().await.unwrap().contains("Laptop"));

    // A ceremony is bound to the browser that began it: without its cookie, refused.
    let stolen = assertion(browser, &csrf).await;
    let body = json!({
        "csrf": csrf, "req": "", "ceremony": stolen["ceremony"], "credential": stolen["credential"],
    });
    let csrf_cookie = browser.cookie("idp_csrf").await.unwrap();
    let response = other
        .http
        .post(other.url("/login/passkey/finish"))
        .header("cookie", format!("idp_csrf={csrf_cookie}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(crate::support::set_cookie(&response, "idp_session").is_none());
}

/// Bad input at the passkey endpoints gets a JSON error (never a page, a 500 or a session), and
/// finishing a ceremony counts against the login rate limit.
async fn bad_passkey_requests_get_json_errors(backend: Backend) {
    let env = TestEnv::new(backend)
        .with_localhost_issuer()
        .with_env("IDP_RATE_LIMIT__LOGIN", "3");
    let server = env.start().await;
    let browser = crate::support::Browser::new(&server.base);
    let login = browser.get("/login").await.text().await.unwrap();
    let csrf = crate::support::input_value(&login, "csrf").expect("a CSRF token");
    let post = |path: &'static str, body: Value| {
        let request = browser.http.post(browser.resolve(path)).json(&body);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            assert!(
                content_type.starts_with("application/json"),
                "{path}: {content_type}"
            );
            (status, response.json::<Value>().await.unwrap())
        }
    };

    let (status, body) = post("/login/passkey/begin", json!({ "req": "" })).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
    let (status, body) = post("/login/passkey/begin", json!({ "csrf": csrf })).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["ceremony"].is_string() && body["options"]["publicKey"]["challenge"].is_string());
    assert_eq!(body["options"]["publicKey"]["rpId"], "localhost");

    let garbled = json!({ "csrf": csrf, "ceremony": body["ceremony"], "credential": { "id": 1 } });
    let (status, answer) = post("/login/passkey/finish", garbled).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let not_json = browser
        .http
        .post(browser.resolve("/login/passkey/finish"))
        .header("content-type", "application/json")
        .body("{ not json")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
    let (status, answer) = post(
        "/login/passkey/second-factor/finish",
        json!({ "csrf": csrf, "ticket": "forged", "credential": {} }),
    )
    .await;
    assert_eq!((status, answer["error"].as_str()), (400, Some("expired")));
    let (status, _) = post("/login/passkey/finish", json!({ "csrf": csrf })).await;
    assert_eq!(status, 429, "the fourth finish in the window");
    let (status, answer) = post("/account/passkeys/begin", json!({ "csrf": csrf })).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (403, Some("login_required"))
    );
    assert_eq!(answer["redirect"], "/login?next=/account");
}
