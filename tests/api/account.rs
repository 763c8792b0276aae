//! The self-service account page over HTTP: enrolling a second factor and signing in with it,
//! codes that work once, backup codes, a password change that ends the other sessions, the
//! sessions and apps lists, and CSRF on every form. Also the helpers `protection.rs` shares:
//! an authenticator that makes TOTP codes from the key the enrolment page shows, and a browser
//! driver that answers the code page.

use std::time::Duration;

use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{
    input_value, location, set_cookie, userinfo, verify_with_jwks, AuthRequest, Backend, Browser,
    Decision, Form, Landing, TestEnv, TestServer, WebClient, OFFLINE_SCOPES, PASSWORD,
};

on_both_backends!(
    enrolment_needs_a_recent_sign_in,
    enrol_on_the_account_page_then_sign_in_with_totp,
    totp_code_is_accepted_once,
    backup_code_works_once_and_new_codes_replace_old,
    change_password_ends_other_sessions,
    common_password_refused_at_the_account_page,
    account_page_needs_a_session_and_csrf,
    sessions_and_consents_on_the_account_page
);

pub const WEB_NAME: &str = "Example Web App";
pub const OFFLINE: &str = "openid profile email offline_access";
const NEW_PASSWORD: &str = "a brand new passphrase of mine";
const CODE_FORM: &str = "<form method=\"post\" action=\"/login/totp\">";

pub use crate::support::unix_now;

/// An authenticator app: makes the codes for the key an enrolment page shows, never the same
/// time step twice (the provider accepts each step once), waiting for the next step if needed.
pub struct Authenticator {
    secret: Vec<u8>,
    last_step: i64,
}

impl Authenticator {
    /// From the base32 key shown as text on an enrolment page.
    pub fn from_key(key: &str) -> Authenticator {
        let secret = totp_rs::Secret::Encoded(key.to_string())
            .to_bytes()
            .unwrap_or_else(|e| panic!("the key {key:?} is not base32: {e:?}"));
        Authenticator {
            secret,
            last_step: 0,
        }
    }

    /// Reads the key from an enrolment page (`Key: <code…>KEY</code>`).
    pub fn from_page(html: &str) -> Authenticator {
        let key = html
            .split("Key: <code")
            .nth(1)
            .and_then(|rest| rest.split_once('>'))
            .and_then(|(_, rest)| rest.split("</code>").next())
            .unwrap_or_else(|| panic!("no key on the enrolment page: {html}"));
        Authenticator::from_key(key.trim())
    }

    fn code_for_step(&self, step: i64) -> String {
        idp::crypto::totp::code_at(&self.secret, step * 30).expect("a TOTP code")
    }

    /// A code for a time step after every one used so far.
    pub async fn code(&mut self) -> String {
        loop {
            let now = unix_now();
            let current = now / 30;
            // Never the step before the current one: it could fall out of the window on the way.
            let step = (self.last_step + 1).max(current);
            if step <= current + 1 {
                self.last_step = step;
                return self.code_for_step(step);
            }
            let wait = (current + 1) * 30 - now;
            tokio::time::sleep(Duration::from_millis(wait as u64 * 1000 + 200)).await;
        }
    }

    /// The code `code` would give next, without using it up.
    pub fn peek(&self) -> String {
        let step = (self.last_step + 1).max(unix_now() / 30);
        self.code_for_step(step)
    }

    /// The code given last, again (a replay).
    pub fn last_code(&self) -> String {
        self.code_for_step(self.last_step)
    }

    /// Six digits that are no valid code now.
    pub fn wrong_code(&self) -> String {
        let current = unix_now() / 30;
        let valid: Vec<String> = (current - 2..=current + 2)
            .map(|s| self.code_for_step(s))
            .collect();
        (0..)
            .map(|n| format!("{:06}", (123_456 + n * 7_919) % 1_000_000))
            .find(|c| !valid.contains(c))
            .unwrap()
    }
}

/// The backup codes listed on a page (`<li><code>xxxxx-xxxxx</code></li>`).
pub fn backup_codes(html: &str) -> Vec<String> {
    html.split("<li><code>")
        .skip(1)
        .filter_map(|rest| rest.split("</code>").next())
        .map(String::from)
        .collect()
}

/// POSTs a form to a path of the provider with the browser's cookies.
pub async fn post<T: serde::Serialize + ?Sized>(
    browser: &Browser,
    path: &str,
    fields: &T,
) -> reqwest::Response {
    browser
        .http
        .post(browser.resolve(path))
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// The page's text, asserting its status.
pub async fn page(response: reqwest::Response, status: u16, what: &str) -> String {
    let actual = response.status();
    let html = response.text().await.unwrap();
    assert_eq!(actual, status, "{what}: {html}");
    html
}

/// Opens the login page without an authorization request and submits the password.
pub async fn password_step(browser: &Browser, username: &str, password: &str) -> reqwest::Response {
    let html = page(browser.get("/login").await, 200, "login page").await;
    let form = Form::parse(&html);
    browser.post_login(&form, username, password).await
}

/// Submits `code` on a code page (the second step of a sign-in).
pub async fn code_step(browser: &Browser, code_page: &str, code: &str) -> reqwest::Response {
    assert!(
        code_page.contains(CODE_FORM),
        "not a code page: {code_page}"
    );
    let field = |name: &str| {
        input_value(code_page, name).unwrap_or_else(|| panic!("no {name} field: {code_page}"))
    };
    let (req, csrf, ticket) = (field("req"), field("csrf"), field("ticket"));
    post(
        browser,
        "/login/totp",
        &[
            ("req", req.as_str()),
            ("csrf", csrf.as_str()),
            ("ticket", ticket.as_str()),
            ("code", code),
        ],
    )
    .await
}

/// Signs in to the account page with a password only.
pub async fn sign_in_to_account(browser: &Browser, username: &str, password: &str) {
    let response = password_step(browser, username, password).await;
    assert_eq!(response.status(), 303, "sign-in of {username}");
    assert_eq!(location(&response).as_deref(), Some("/account"));
}

/// The account page, which must be shown.
pub async fn account_page(browser: &Browser) -> String {
    page(browser.get("/account").await, 200, "account page").await
}

/// Asserts that the browser has no live session: the account page sends it to sign in.
pub async fn assert_signed_out(browser: &Browser, what: &str) {
    let response = browser.get("/account").await;
    assert_eq!(response.status(), 303, "{what}");
    assert_eq!(location(&response).as_deref(), Some("/login"), "{what}");
}

/// Enrols TOTP on the account page of a signed-in browser; returns the authenticator and the
/// backup codes shown.
pub async fn enrol(browser: &Browser) -> (Authenticator, Vec<String>) {
    let html = account_page(browser).await;
    assert!(
        html.contains("href=\"/account/totp\""),
        "a Set up link: {html}"
    );
    let html = page(browser.get("/account/totp").await, 200, "enrolment page").await;
    assert!(
        html.contains("<img class=\"qr\" src=\"data:image/svg+xml;base64,"),
        "{html}"
    );
    assert!(html.contains("action=\"/account/totp\""), "{html}");
    let mut authenticator = Authenticator::from_page(&html);
    let csrf = input_value(&html, "csrf").expect("csrf");
    let code = authenticator.code().await;
    let html = page(
        post(
            browser,
            "/account/totp",
            &[("csrf", csrf.as_str()), ("code", &code)],
        )
        .await,
        200,
        "enrolment with a right code",
    )
    .await;
    let codes = backup_codes(&html);
    assert_eq!(codes.len(), 10, "ten backup codes: {html}");
    (authenticator, codes)
}

/// Carries on from `response` like a person: follows redirects within the provider, signs in
/// (answering a code page with `authenticator`), answers the consent page, until a redirect
/// leaves the provider.
pub async fn drive(
    browser: &Browser,
    issuer: &str,
    mut response: reqwest::Response,
    username: &str,
    mut authenticator: Option<&mut Authenticator>,
) -> Landing {
    let (mut saw_login, mut saw_consent) = (false, false);
    for _ in 0..12 {
        let status = response.status();
        if status.is_redirection() {
            let url = browser.resolve(&location(&response).expect("Location"));
            if !url.as_str().starts_with(issuer) {
                return Landing {
                    params: crate::support::query_params(&url),
                    url,
                    saw_login,
                    saw_consent,
                };
            }
            response = browser.get(url.as_str()).await;
            continue;
        }
        let html = page(response, 200, "a page on the way").await;
        if html.contains("action=\"/login\"") {
            saw_login = true;
            response = browser
                .post_login(&Form::parse(&html), username, PASSWORD)
                .await;
        } else if html.contains(CODE_FORM) {
            let authenticator = authenticator.as_deref_mut().expect("an authenticator");
            let code = authenticator.code().await;
            response = code_step(browser, &html, &code).await;
        } else if html.contains("action=\"/consent\"") {
            saw_consent = true;
            response = browser
                .post_consent(&Form::parse(&html), Decision::Allow)
                .await;
        } else {
            panic!("an unexpected page: {html}");
        }
    }
    panic!("the sign-in never left the provider");
}

/// Redeems the landing's code and returns the token response.
pub async fn redeem(
    server: &TestServer,
    client: &WebClient,
    request: &AuthRequest,
    landing: &Landing,
    issuer: &str,
) -> Value {
    let code = landing.code(request, issuer);
    let response = client.redeem(server, &code, &request.verifier).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "code exchange: {body}");
    body
}

/// The verified claims of the ID token in a token response.
pub async fn id_token_claims(server: &TestServer, tokens: &Value) -> Value {
    let jwks = server.get_json("/jwks.json").await;
    verify_with_jwks(tokens["id_token"].as_str().expect("id_token"), &jwks)
}

async fn enrol_on_the_account_page_then_sign_in_with_totp(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    env.add_user("bob", "Bob Example");
    let web = env.add_web_client("webapp", WEB_NAME, &[]);
    let server = env.start().await;
    let issuer = env.issuer();

    let browser = Browser::new(&env.issuer());
    sign_in_to_account(&browser, "alice", PASSWORD).await;
    let html = account_page(&browser).await;
    assert!(
        html.contains("alice") && html.contains("alice@example.com"),
        "{html}"
    );
    for action in ["/account/password", "/account/sessions/end"] {
        assert!(
            html.contains(&format!("action=\"{action}\"")),
            "{action}: {html}"
        );
    }
    assert!(!html.contains("<script"), "no JavaScript");
    for field in ["current_password", "new_password", "confirm_password"] {
        assert!(
            html.contains(&format!("<label for=\"{field}\"")),
            "{field} labelled"
        );
    }

    // A wrong first code leaves the factor off and shows the form again.
    let setup = page(browser.get("/account/totp").await, 200, "enrolment page").await;
    let mut authenticator = Authenticator::from_page(&setup);
    let csrf = input_value(&setup, "csrf").unwrap();
    let wrong = authenticator.wrong_code();
    let html = page(
        post(
            &browser,
            "/account/totp",
            &[("csrf", csrf.as_str()), ("code", &wrong)],
        )
        .await,
        401,
        "a wrong enrolment code",
    )
    .await;
    assert!(
        html.contains("action=\"/account/totp\"") && html.contains("not valid"),
        "{html}"
    );
    // Without the CSRF token the right code changes nothing.
    let code = authenticator.peek();
    let response = post(
        &browser,
        "/account/totp",
        &[("csrf", "forged"), ("code", &code)],
    )
    .await;
    assert_eq!(response.status(), 403);
    let html = account_page(&browser).await;
    assert!(html.contains("href=\"/account/totp\""), "still off: {html}");

    // The right code turns it on and shows ten backup codes once.
    let code = authenticator.code().await;
    let html = page(
        post(
            &browser,
            "/account/totp",
            &[("csrf", csrf.as_str()), ("code", &code)],
        )
        .await,
        200,
        "enrolment",
    )
    .await;
    assert_eq!(backup_codes(&html).len(), 10, "{html}");
    let html = account_page(&browser).await;
    assert!(html.contains("action=\"/account/totp/disable\""), "{html}");
    assert!(html.contains("action=\"/account/backup-codes\""), "{html}");
    assert!(!html.contains("href=\"/account/totp\""), "{html}");
    assert!(html.contains("Backup codes left: 10"), "{html}");

    // Signing in now takes the password and a code; the password alone grants no session.
    let second = Browser::new(&env.issuer());
    let response = password_step(&second, "alice", PASSWORD).await;
    assert_eq!(set_cookie(&response, "idp_session"), None);
    let code_page = page(response, 200, "the code page").await;
    assert!(code_page.contains(CODE_FORM), "{code_page}");
    assert!(!second.has_cookie("idp_session", "/account"));
    assert_signed_out(&second, "after the password step only").await;
    let code = authenticator.code().await;
    let response = code_step(&second, &code_page, &code).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response).as_deref(), Some("/account"));
    assert!(set_cookie(&response, "idp_session").is_some());
    account_page(&second).await;

    // Through a relying party: the ID token says two factors.
    let third = Browser::new(&env.issuer());
    let request = AuthRequest::new(&web, "openid profile");
    let response = third.authorize(&request).await;
    let landing = drive(&third, &issuer, response, "alice", Some(&mut authenticator)).await;
    assert!(landing.saw_login);
    let tokens = redeem(&server, &web, &request, &landing, &issuer).await;
    let claims = id_token_claims(&server, &tokens).await;
    assert_eq!(claims["amr"], json!(["pwd", "otp"]), "{claims}");
    assert_eq!(claims["acr"], "mfa", "{claims}");
    // A password-only person's token says so.
    let request = AuthRequest::new(&web, "openid profile");
    let bobs = Browser::new(&env.issuer());
    let response = bobs.authorize(&request).await;
    let landing = drive(&bobs, &issuer, response, "bob", None).await;
    let tokens = redeem(&server, &web, &request, &landing, &issuer).await;
    let claims = id_token_claims(&server, &tokens).await;
    assert_eq!(claims["amr"], json!(["pwd"]), "{claims}");
    assert_eq!(claims["acr"], "pwd", "{claims}");

    // Turning it off takes a code or the password.
    let html = account_page(&browser).await;
    let csrf = input_value(&html, "csrf").unwrap();
    let refused = page(
        post(
            &browser,
            "/account/totp/disable",
            &[
                ("csrf", csrf.as_str()),
                ("code", ""),
                ("password", "not my password at all"),
            ],
        )
        .await,
        401,
        "disable with a wrong password",
    )
    .await;
    assert!(refused.contains("class=\"error\""), "{refused}");
    let response = post(
        &browser,
        "/account/totp/disable",
        &[
            ("csrf", csrf.as_str()),
            ("code", ""),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    let html = account_page(&browser).await;
    assert!(html.contains("href=\"/account/totp\""), "off again: {html}");
    // The password alone signs in again.
    sign_in_to_account(&Browser::new(&env.issuer()), "alice", PASSWORD).await;
}

async fn totp_code_is_accepted_once(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let _server = env.start().await;
    let browser = Browser::new(&env.issuer());
    sign_in_to_account(&browser, "alice", PASSWORD).await;
    let (mut authenticator, _) = enrol(&browser).await;

    let first = Browser::new(&env.issuer());
    let code_page = page(
        password_step(&first, "alice", PASSWORD).await,
        200,
        "code page",
    )
    .await;
    let code = authenticator.code().await;
    let response = code_step(&first, &code_page, &code).await;
    assert_eq!(response.status(), 303, "the first use of a code");

    // The same code again, within its 30 seconds, from another browser: refused.
    let second = Browser::new(&env.issuer());
    let code_page = page(
        password_step(&second, "alice", PASSWORD).await,
        200,
        "code page",
    )
    .await;
    let response = code_step(&second, &code_page, &authenticator.last_code()).await;
    assert_eq!(set_cookie(&response, "idp_session"), None);
    let again = page(response, 401, "a replayed code").await;
    assert!(again.contains(CODE_FORM), "the same page again: {again}");
    assert_signed_out(&second, "after a replayed code").await;
    // A wrong code is refused the same way.
    let response = code_step(&second, &again, &authenticator.wrong_code()).await;
    let again = page(response, 401, "a wrong code").await;
    // The next code works.
    let code = authenticator.code().await;
    let response = code_step(&second, &again, &code).await;
    assert_eq!(response.status(), 303, "a fresh code");
    account_page(&second).await;
}

async fn backup_code_works_once_and_new_codes_replace_old(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let _server = env.start().await;
    let browser = Browser::new(&env.issuer());
    sign_in_to_account(&browser, "alice", PASSWORD).await;
    let (mut authenticator, codes) = enrol(&browser).await;

    let first = Browser::new(&env.issuer());
    let code_page = page(
        password_step(&first, "alice", PASSWORD).await,
        200,
        "code page",
    )
    .await;
    let response = code_step(&first, &code_page, &codes[0]).await;
    assert_eq!(response.status(), 303, "a backup code");
    assert!(set_cookie(&response, "idp_session").is_some());
    let html = account_page(&first).await;
    assert!(html.contains("Backup codes left: 9"), "{html}");

    let second = Browser::new(&env.issuer());
    let code_page = page(
        password_step(&second, "alice", PASSWORD).await,
        200,
        "code page",
    )
    .await;
    let response = code_step(&second, &code_page, &codes[0]).await;
    let again = page(response, 401, "a used backup code").await;
    assert!(again.contains(CODE_FORM), "{again}");

    // New codes need a current authenticator code (a backup code will not do).
    let html = account_page(&browser).await;
    let csrf = input_value(&html, "csrf").unwrap();
    let refused = page(
        post(
            &browser,
            "/account/backup-codes",
            &[("csrf", csrf.as_str()), ("code", &codes[1])],
        )
        .await,
        401,
        "new backup codes with a backup code",
    )
    .await;
    assert!(refused.contains("class=\"error\""), "{refused}");
    let response = post(
        &browser,
        "/account/backup-codes",
        &[("csrf", "forged"), ("code", "123456")],
    )
    .await;
    assert_eq!(response.status(), 403);
    let code = authenticator.code().await;
    let html = page(
        post(
            &browser,
            "/account/backup-codes",
            &[("csrf", csrf.as_str()), ("code", &code)],
        )
        .await,
        200,
        "new backup codes",
    )
    .await;
    let fresh = backup_codes(&html);
    assert_eq!(fresh.len(), 10, "{html}");
    assert!(fresh.iter().all(|c| !codes.contains(c)));

    // The old set no longer works; the new one does. (A code page's ticket is bound to the
    // last TOTP step used, which the new codes' TOTP code moved on: sign in afresh.)
    let again = page(
        password_step(&second, "alice", PASSWORD).await,
        200,
        "code page",
    )
    .await;
    let response = code_step(&second, &again, &codes[1]).await;
    let again = page(response, 401, "an old backup code").await;
    let response = code_step(&second, &again, &fresh[0]).await;
    assert_eq!(response.status(), 303, "a new backup code");

    let audit = env.cli_ok(&["audit", "list", "--limit", "100"], "");
    for action in [
        "totp_enrolled",
        "backup_code_used",
        "backup_codes_regenerated",
    ] {
        assert!(audit.contains(action), "{action} audited: {audit}");
    }
    assert!(
        !audit.contains(&codes[0]) && !audit.contains(&fresh[0]),
        "no codes in the audit trail"
    );
}

/// Signs in through the client with offline access; returns the token response.
async fn offline_tokens(
    server: &TestServer,
    issuer: &str,
    web: &WebClient,
    browser: &Browser,
) -> Value {
    let request = AuthRequest::new(web, OFFLINE);
    let response = browser.authorize(&request).await;
    let landing = drive(browser, issuer, response, "alice", None).await;
    let tokens = redeem(server, web, &request, &landing, issuer).await;
    assert!(tokens["refresh_token"].is_string(), "{tokens}");
    tokens
}

async fn refresh_error(server: &TestServer, web: &WebClient, refresh_token: &str) -> String {
    let response = web.refresh(server, refresh_token).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 400, "{body}");
    body["error"].as_str().unwrap_or_default().to_string()
}

async fn change_password_ends_other_sessions(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", WEB_NAME, OFFLINE_SCOPES);
    let server = env.start().await;
    let issuer = env.issuer();

    let here = Browser::new(&env.issuer());
    let there = Browser::new(&env.issuer());
    let here_tokens = offline_tokens(&server, &issuer, &web, &here).await;
    let there_tokens = offline_tokens(&server, &issuer, &web, &there).await;
    account_page(&there).await;

    let html = account_page(&here).await;
    let csrf = input_value(&html, "csrf").unwrap();
    let change = |current: &'static str, new: &'static str, confirm: &'static str| {
        let csrf = csrf.clone();
        let here = &here;
        async move {
            post(
                here,
                "/account/password",
                &[
                    ("csrf", csrf.as_str()),
                    ("current_password", current),
                    ("new_password", new),
                    ("confirm_password", confirm),
                ],
            )
            .await
        }
    };
    let html = page(
        change("not my password at all", NEW_PASSWORD, NEW_PASSWORD).await,
        401,
        "wrong current password",
    )
    .await;
    assert!(html.contains("class=\"error\""), "{html}");
    let html = page(
        change(PASSWORD, NEW_PASSWORD, "something else entirely").await,
        400,
        "confirmation differs",
    )
    .await;
    assert!(html.contains("class=\"error\""), "{html}");
    let html = page(change(PASSWORD, "short", "short").await, 400, "too short").await;
    assert!(html.contains("at least 12 characters"), "{html}");
    // Nothing changed so far: the other browser is still signed in.
    account_page(&there).await;

    let response = change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response).as_deref(),
        Some("/account?done=password")
    );
    // This browser stays signed in; the other is signed out.
    let html = page(
        here.get("/account?done=password").await,
        200,
        "after the change",
    )
    .await;
    assert!(html.contains("role=\"status\""), "a notice: {html}");
    assert_signed_out(&there, "the other browser after the change").await;

    // Every grant is revoked: refresh tokens of both sessions, access tokens at userinfo.
    for tokens in [&here_tokens, &there_tokens] {
        let refresh = tokens["refresh_token"].as_str().unwrap();
        assert_eq!(refresh_error(&server, &web, refresh).await, "invalid_grant");
        let access = tokens["access_token"].as_str().unwrap();
        assert_eq!(userinfo(&server, access).await.status(), 401);
    }

    // The old password no longer works; the new one does.
    let response = password_step(&Browser::new(&env.issuer()), "alice", PASSWORD).await;
    assert_eq!(response.status(), 401);
    sign_in_to_account(&Browser::new(&env.issuer()), "alice", NEW_PASSWORD).await;

    let audit = env.cli_ok(&["audit", "list", "--limit", "100"], "");
    assert!(audit.contains("password_changed"), "{audit}");
    assert!(!audit.contains(NEW_PASSWORD) && !audit.contains(PASSWORD));
}

async fn common_password_refused_at_the_account_page(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let _server = env.start().await;
    let browser = Browser::new(&env.issuer());
    sign_in_to_account(&browser, "alice", PASSWORD).await;
    let csrf = input_value(&account_page(&browser).await, "csrf").unwrap();
    for common in ["password1234", "qwertyuiop123", "QwertyUiop123"] {
        let response = post(
            &browser,
            "/account/password",
            &[
                ("csrf", csrf.as_str()),
                ("current_password", PASSWORD),
                ("new_password", common),
                ("confirm_password", common),
            ],
        )
        .await;
        let html = page(response, 400, common).await;
        assert!(html.contains("most common"), "{common}: {html}");
    }
    // The password is unchanged.
    sign_in_to_account(&Browser::new(&env.issuer()), "alice", PASSWORD).await;
    // The CLI refuses them too.
    let out = env.cli(
        &["user", "add", "carol", "--email", "carol@example.com"],
        "password1234\n",
    );
    assert!(!out.status.success(), "user add with a common password");
}

async fn account_page_needs_a_session_and_csrf(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let _server = env.start().await;

    let stranger = Browser::new(&env.issuer());
    assert_signed_out(&stranger, "no session").await;
    let response = stranger.get("/account/totp").await;
    assert_eq!(location(&response).as_deref(), Some("/login"));
    // The login page without a request leads to the account page.
    let response = password_step(&stranger, "alice", PASSWORD).await;
    assert_eq!(location(&response).as_deref(), Some("/account"));
    let html = account_page(&stranger).await;
    let csrf = input_value(&html, "csrf").unwrap();
    let sid = input_value(&html, "sid").unwrap();

    // Every form refuses a missing or forged token, and changes nothing.
    for token in [None, Some("forged"), Some("")] {
        let with = |fields: &[(&'static str, &str)]| {
            let mut all: Vec<(String, String)> = fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            if let Some(token) = token {
                all.push(("csrf".into(), token.into()));
            }
            all
        };
        for (path, fields) in [
            (
                "/account/password",
                with(&[
                    ("current_password", PASSWORD),
                    ("new_password", NEW_PASSWORD),
                    ("confirm_password", NEW_PASSWORD),
                ]),
            ),
            ("/account/sessions/end", with(&[("sid", sid.as_str())])),
            (
                "/account/consents/withdraw",
                with(&[("client_id", "webapp")]),
            ),
            ("/account/totp", with(&[("code", "123456")])),
            (
                "/account/totp/disable",
                with(&[("code", ""), ("password", PASSWORD)]),
            ),
            ("/account/backup-codes", with(&[("code", "123456")])),
        ] {
            let response = stranger
                .http
                .post(stranger.resolve(path))
                .form(&fields)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 403, "{path} with csrf {token:?}");
        }
    }
    account_page(&stranger).await;
    sign_in_to_account(&Browser::new(&env.issuer()), "alice", PASSWORD).await;

    // A valid token from another browser is no good either (it is bound to the cookie).
    let other = Browser::new(&env.issuer());
    sign_in_to_account(&other, "alice", PASSWORD).await;
    let response = post(
        &other,
        "/account/sessions/end",
        &[("csrf", csrf.as_str()), ("sid", &sid)],
    )
    .await;
    assert_eq!(response.status(), 403);
    account_page(&stranger).await;

    // Ending its own session signs the browser out; then a valid token leads to the login page.
    let response = post(
        &stranger,
        "/account/sessions/end",
        &[("csrf", csrf.as_str()), ("sid", &sid)],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response).as_deref(),
        Some("/login"),
        "ending its own session"
    );
    assert!(
        set_cookie(&response, "idp_session").is_some(),
        "the cookie is removed"
    );
    let response = post(
        &stranger,
        "/account/password",
        &[
            ("csrf", csrf.as_str()),
            ("current_password", PASSWORD),
            ("new_password", NEW_PASSWORD),
            ("confirm_password", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response).as_deref(), Some("/login"));
    sign_in_to_account(&Browser::new(&env.issuer()), "alice", PASSWORD).await;
}

/// The `sid` values on an account page: (this browser's, the others').
fn sids(html: &str) -> (String, Vec<String>) {
    let mut current = None;
    let mut others = Vec::new();
    for item in html.split("<li>").skip(1) {
        let Some(sid) = input_value(item, "sid") else {
            continue;
        };
        if item.split("</li>").next().unwrap().contains("This browser") {
            assert!(
                current.replace(sid).is_none(),
                "one current session: {html}"
            );
        } else {
            others.push(sid);
        }
    }
    (current.expect("the current session is marked"), others)
}

async fn sessions_and_consents_on_the_account_page(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    env.add_user("bob", "Bob Example");
    let web = env.add_web_client("webapp", WEB_NAME, OFFLINE_SCOPES);
    let server = env.start().await;
    let issuer = env.issuer();

    let here = Browser::new(&env.issuer());
    let here_tokens = offline_tokens(&server, &issuer, &web, &here).await;
    // Another browser: one grant without offline access, one with.
    let there = Browser::new(&env.issuer());
    let request = AuthRequest::new(&web, "openid profile");
    let response = there.authorize(&request).await;
    let landing = drive(&there, &issuer, response, "alice", None).await;
    let online = redeem(&server, &web, &request, &landing, &issuer).await;
    let offline = offline_tokens(&server, &issuer, &web, &there).await;

    let html = account_page(&here).await;
    let (mine, others) = sids(&html);
    assert_eq!(others.len(), 1, "two sessions listed: {html}");
    assert!(html.contains(WEB_NAME), "the app is listed: {html}");
    let csrf = input_value(&html, "csrf").unwrap();

    // Someone else's session cannot be ended from here.
    let bobs = Browser::new(&env.issuer());
    sign_in_to_account(&bobs, "bob", PASSWORD).await;
    let (bobs_sid, _) = sids(&account_page(&bobs).await);
    let response = post(
        &here,
        "/account/sessions/end",
        &[("csrf", csrf.as_str()), ("sid", &bobs_sid)],
    )
    .await;
    assert_eq!(response.status(), 303);
    account_page(&bobs).await;

    // Ending the other browser's session signs it out and revokes its grants, except offline.
    let response = post(
        &here,
        "/account/sessions/end",
        &[("csrf", csrf.as_str()), ("sid", &others[0])],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response).as_deref(),
        Some("/account?done=session")
    );
    assert_signed_out(&there, "the ended session").await;
    let access = online["access_token"].as_str().unwrap();
    assert_eq!(
        userinfo(&server, access).await.status(),
        401,
        "a grant of the ended session"
    );
    let refresh = offline["refresh_token"].as_str().unwrap();
    assert_eq!(
        web.refresh(&server, refresh).await.status(),
        200,
        "offline access outlives it"
    );
    let html = account_page(&here).await;
    let (still_mine, others) = sids(&html);
    assert_eq!((still_mine, others.len()), (mine.clone(), 0), "{html}");

    // Withdrawing consent revokes every grant to the app and asks again next time.
    let response = post(
        &here,
        "/account/consents/withdraw",
        &[("csrf", csrf.as_str()), ("client_id", &web.id)],
    )
    .await;
    assert_eq!(response.status(), 303);
    let refresh = here_tokens["refresh_token"].as_str().unwrap();
    assert_eq!(refresh_error(&server, &web, refresh).await, "invalid_grant");
    let access = here_tokens["access_token"].as_str().unwrap();
    assert_eq!(userinfo(&server, access).await.status(), 401);
    let html = account_page(&here).await;
    assert!(
        !html.contains("action=\"/account/consents/withdraw\""),
        "{html}"
    );
    let request = AuthRequest::new(&web, "openid profile");
    let response = here.authorize(&request).await;
    let landing = drive(&here, &issuer, response, "alice", None).await;
    assert!(
        landing.saw_consent && !landing.saw_login,
        "consent asked again, same session"
    );
    landing.code(&request, &issuer);

    // Ending this browser's own session signs it out.
    let response = post(
        &here,
        "/account/sessions/end",
        &[("csrf", csrf.as_str()), ("sid", &mine)],
    )
    .await;
    assert_eq!(location(&response).as_deref(), Some("/login"));
    assert_signed_out(&here, "after ending its own session").await;

    let audit = env.cli_ok(&["audit", "list", "--limit", "100"], "");
    for action in ["session_ended", "consent_withdrawn"] {
        assert!(audit.contains(action), "{action}: {audit}");
    }
}

/// Binding an authenticator needs a recent sign-in: an older session (a stolen cookie, say) is
/// sent through the login again before it can enrol.
async fn enrolment_needs_a_recent_sign_in(backend: Backend) {
    let env = TestEnv::new(backend).with_env("IDP_SESSION__REAUTH_SECS", "3");
    env.add_user("alice", "Alice Example");
    let server = env.start().await;
    let browser = Browser::new(&server.base);
    sign_in_to_account(&browser, "alice", PASSWORD).await;
    tokio::time::sleep(Duration::from_millis(4_100)).await;
    let response = browser.get("/account/totp").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response).as_deref(), Some("/login?next=/account"));
    // The session itself still works for the account page.
    account_page(&browser).await;
    // After signing in again, enrolment goes ahead.
    sign_in_to_account(&browser, "alice", PASSWORD).await;
    let (authenticator, codes) = enrol(&browser).await;
    assert_eq!(codes.len(), 10);
    drop(authenticator);
}
