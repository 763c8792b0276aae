//! Account protection over HTTP: the password step alone is not a session, lockout and its end,
//! identical answers for unknown, known and locked accounts, rate limits (also across two
//! servers sharing one Redis), a client that requires two factors, and the audit trail's
//! tamper evidence.

use std::time::Duration;

use serde_json::{json, Value};

use crate::account::{
    code_step, drive, enrol, id_token_claims, page, password_step, post, redeem,
    sign_in_to_account, Authenticator, WEB_NAME,
};
use crate::on_both_backends;
use crate::support::{
    input_value, location, post_login_from, random_suffix, require, room_in_window, run_sql,
    set_cookie, AuthRequest, Backend, Browser, Form, Prerequisite, TestEnv, PASSWORD,
};

on_both_backends!(
    password_step_alone_grants_no_session,
    lockout_ends_by_itself,
    unlock_lifts_a_lock,
    wrong_codes_lock_the_account,
    unknown_known_and_locked_accounts_look_identical,
    rate_limits_with_retry_after,
    require_mfa_client_leads_to_enrolment,
    step_up_asks_an_enrolled_user_for_a_code,
    audit_trail_detects_an_edited_entry
);

const LOGIN_FAILED: &str = "Incorrect username or password.";
const WRONG: &str = "not the password at all";

/// A username no other test uses: failures are also counted per name, in the Redis that
/// PostgreSQL runs share.
fn unique_name(prefix: &str) -> String {
    format!("{prefix}-{}", random_suffix())
}

/// The page with what may differ between two people's attempts masked: the csrf token, the
/// ticket and the echoed username.
fn masked(html: &str) -> String {
    let mut out = html.to_string();
    for name in ["csrf", "ticket", "username"] {
        if let Some(value) = input_value(html, name) {
            if !value.is_empty() {
                out = out.replace(&format!("value=\"{value}\""), &format!("value=\"{name}\""));
            }
        }
    }
    out
}

async fn login_failed(response: reqwest::Response, what: &str) -> String {
    assert_eq!(set_cookie(&response, "idp_session"), None, "{what}");
    let html = page(response, 401, what).await;
    assert!(html.contains(LOGIN_FAILED), "{what}: {html}");
    html
}

async fn password_step_alone_grants_no_session(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", WEB_NAME, &[]);
    let server = env.start().await;
    let issuer = env.issuer();
    let enrolled = Browser::new(&env.issuer());
    sign_in_to_account(&enrolled, "alice", PASSWORD).await;
    let (mut authenticator, _) = enrol(&enrolled).await;

    let person = Browser::new(&env.issuer());
    let request = AuthRequest::new(&web, "openid profile");
    let response = person.authorize(&request).await;
    let login = page(
        person.get(&location(&response).unwrap()).await,
        200,
        "login page",
    )
    .await;
    let response = person
        .post_login(&Form::parse(&login), "alice", PASSWORD)
        .await;
    assert_eq!(
        set_cookie(&response, "idp_session"),
        None,
        "no session after the password"
    );
    let code_page = page(response, 200, "the code page").await;
    assert!(
        code_page.contains("<form method=\"post\" action=\"/login/totp\">"),
        "{code_page}"
    );
    for field in ["req", "csrf", "ticket"] {
        assert!(
            input_value(&code_page, field).is_some_and(|v| !v.is_empty()),
            "{field}"
        );
    }
    assert!(code_page.contains("name=\"code\""), "{code_page}");
    assert!(!person.has_cookie("idp_session", "/"));

    // Nothing treats the browser as signed in: the account page, a new authorization request,
    // the step-up page all send it to sign in.
    let response = person.get("/account").await;
    assert_eq!(location(&response).as_deref(), Some("/login"));
    let response = person
        .authorize(&AuthRequest::new(&web, "openid profile"))
        .await;
    let to = location(&response).unwrap_or_default();
    assert!(to.starts_with("/login?req="), "{to}");
    let req = input_value(&code_page, "req").unwrap();
    let response = person.get(&format!("/login/second-factor?req={req}")).await;
    assert!(
        location(&response)
            .unwrap_or_default()
            .starts_with("/login"),
        "step-up"
    );

    // The code finishes the sign-in, with a session and back to the request.
    let code = authenticator.code().await;
    let response = code_step(&person, &code_page, &code).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response),
        Some(format!("/authorize/resume?req={req}"))
    );
    assert!(set_cookie(&response, "idp_session").is_some());
    let landing = drive(
        &person,
        &issuer,
        response,
        "alice",
        Some(&mut authenticator),
    )
    .await;
    let tokens = redeem(&server, &web, &request, &landing, &issuer).await;
    let claims = id_token_claims(&server, &tokens).await;
    assert_eq!(claims["amr"], json!(["pwd", "otp"]), "{claims}");
}

async fn lockout_ends_by_itself(backend: Backend) {
    let name = unique_name("carol");
    let env = TestEnv::new(backend)
        .with_env("IDP_LOCKOUT__THRESHOLD", "3")
        .with_env("IDP_LOCKOUT__LOCK_SECS", "3");
    env.add_user(&name, "Carol Example");
    let _server = env.start().await;
    let person = Browser::new(&env.issuer());
    let form = Form::parse(&page(person.get("/login").await, 200, "login").await);

    // Failures for one name are slowed down from the third: 250 ms, then 500 ms, ...
    let mut took = Vec::new();
    for n in 1..=3 {
        let started = std::time::Instant::now();
        login_failed(
            person.post_login(&form, &name, WRONG).await,
            &format!("failure {n}"),
        )
        .await;
        took.push(started.elapsed());
    }
    assert!(
        took[2] >= Duration::from_millis(250),
        "third failure: {took:?}"
    );
    // Locked: the right password is refused the same way (and counts as a failure).
    let started = std::time::Instant::now();
    login_failed(person.post_login(&form, &name, PASSWORD).await, "locked").await;
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "fourth failure"
    );
    // The lock ends by itself.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let response = person.post_login(&form, &name, PASSWORD).await;
    assert_eq!(response.status(), 303, "after the lock expired");

    let audit = env.cli_ok(&["audit", "list", "--limit", "100"], "");
    assert!(audit.contains("account_locked"), "{audit}");
    assert!(
        !audit.contains(WRONG) && !audit.contains(PASSWORD),
        "no passwords in the audit trail"
    );
}

async fn unlock_lifts_a_lock(backend: Backend) {
    let name = unique_name("dave");
    let env = TestEnv::new(backend).with_env("IDP_LOCKOUT__THRESHOLD", "3");
    env.add_user(&name, "Dave Example");
    let _server = env.start().await;
    let person = Browser::new(&env.issuer());
    let form = Form::parse(&page(person.get("/login").await, 200, "login").await);
    for n in 1..=3 {
        login_failed(
            person.post_login(&form, &name, WRONG).await,
            &format!("failure {n}"),
        )
        .await;
    }
    login_failed(person.post_login(&form, &name, PASSWORD).await, "locked").await;
    let out = env.cli_ok(&["user", "unlock", &name], "");
    assert!(out.contains("unlocked"), "{out}");
    let response = person.post_login(&form, &name, PASSWORD).await;
    assert_eq!(response.status(), 303, "after user unlock");
    let audit = env.cli_ok(&["audit", "list", "--limit", "100"], "");
    assert!(audit.contains("account_unlocked"), "{audit}");
}

async fn wrong_codes_lock_the_account(backend: Backend) {
    let env = TestEnv::new(backend).with_env("IDP_LOCKOUT__THRESHOLD", "3");
    env.add_user("alice", "Alice Example");
    let _server = env.start().await;
    let enrolled = Browser::new(&env.issuer());
    sign_in_to_account(&enrolled, "alice", PASSWORD).await;
    let (mut authenticator, codes) = enrol(&enrolled).await;

    // The password is right; three wrong codes lock the account.
    let person = Browser::new(&env.issuer());
    let mut code_page = page(
        password_step(&person, "alice", PASSWORD).await,
        200,
        "code page",
    )
    .await;
    for n in 1..=3 {
        let response = code_step(&person, &code_page, &authenticator.wrong_code()).await;
        code_page = page(response, 401, &format!("wrong code {n}")).await;
    }
    // Now even a right code, or an unused backup code, is refused like a wrong one.
    let code = authenticator.peek();
    let response = code_step(&person, &code_page, &code).await;
    assert_eq!(set_cookie(&response, "idp_session"), None);
    code_page = page(response, 401, "a right code while locked").await;
    assert!(code_page.contains("not valid"), "{code_page}");
    let response = code_step(&person, &code_page, &codes[0]).await;
    page(response, 401, "a backup code while locked").await;
    // And so is the password.
    login_failed(
        password_step(&person, "alice", PASSWORD).await,
        "password while locked",
    )
    .await;

    env.cli_ok(&["user", "unlock", "alice"], "");
    let code_page = page(
        password_step(&person, "alice", PASSWORD).await,
        200,
        "code page",
    )
    .await;
    let code = authenticator.code().await;
    let response = code_step(&person, &code_page, &code).await;
    assert_eq!(response.status(), 303, "after user unlock");
    // The backup code tried while locked was not used up.
    let other = Browser::new(&env.issuer());
    let code_page = page(
        password_step(&other, "alice", PASSWORD).await,
        200,
        "code page",
    )
    .await;
    let response = code_step(&other, &code_page, &codes[0]).await;
    assert_eq!(response.status(), 303, "the backup code still works");
}

async fn unknown_known_and_locked_accounts_look_identical(backend: Backend) {
    let name = unique_name("erin");
    let env = TestEnv::new(backend).with_env("IDP_LOCKOUT__THRESHOLD", "3");
    env.add_user(&name, "Erin Example");
    let _server = env.start().await;

    // Each attempt from a browser of its own: nothing but the masked values may differ.
    let attempt = |username: String, password: &'static str| {
        let person = Browser::new(&env.issuer());
        async move {
            let form = Form::parse(&page(person.get("/login").await, 200, "login").await);
            person.post_login(&form, &username, password).await
        }
    };
    let known = login_failed(attempt(name.clone(), WRONG).await, "wrong password").await;
    let unknown = login_failed(
        attempt(unique_name("nobody"), PASSWORD).await,
        "unknown user",
    )
    .await;
    login_failed(attempt(name.clone(), WRONG).await, "failure 2").await;
    login_failed(attempt(name.clone(), WRONG).await, "failure 3, locking").await;
    let locked = login_failed(attempt(name.clone(), PASSWORD).await, "locked account").await;
    assert_eq!(
        masked(&unknown),
        masked(&known),
        "unknown user vs wrong password"
    );
    assert_eq!(
        masked(&locked),
        masked(&known),
        "locked account vs wrong password"
    );
}

/// POSTs the login form from the client address `ip` (through the trusted proxy) or directly.
fn retry_after(response: &reqwest::Response, window: i64) -> i64 {
    let value: i64 = response
        .headers()
        .get("retry-after")
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=window).contains(&value), "Retry-After {value}");
    value
}

async fn rate_limits_with_retry_after(backend: Backend) {
    let env = TestEnv::new(backend)
        .with_env("IDP_RATE_LIMIT__LOGIN", "3")
        .with_env("IDP_RATE_LIMIT__TOKEN", "5")
        // As behind a load balancer: its X-Forwarded-For names the client.
        .with_env("IDP_SERVER__TRUSTED_PROXIES", "127.0.0.1");
    env.add_user("alice", "Alice Example");
    let (machine, _) = env.add_machine_client("machine", "https://api.example.com", &[]);
    let server = env.start().await;
    let person = Browser::new(&env.issuer());
    let form = Form::parse(&page(person.get("/login").await, 200, "login").await);
    let name = unique_name("frank");

    room_in_window(60, 20).await;
    for n in 1..=3 {
        let response = post_login_from(&person, &form, None, &name, WRONG).await;
        assert_eq!(response.status(), 401, "attempt {n}");
    }
    // Over the limit: refused before the password is looked at, even a right one.
    let response = post_login_from(&person, &form, None, "alice", PASSWORD).await;
    assert_eq!(response.status(), 429);
    retry_after(&response, 60);
    assert_eq!(set_cookie(&response, "idp_session"), None);
    // The pages themselves, and other addresses, are not limited.
    assert_eq!(person.get("/login").await.status(), 200);
    let elsewhere = post_login_from(&person, &form, Some("192.0.2.77"), "alice", PASSWORD).await;
    assert_eq!(elsewhere.status(), 303, "another client address");

    // The token endpoint: five requests, then 429 with an OAuth error body.
    room_in_window(60, 15).await;
    let mut statuses = Vec::new();
    let mut limited = None;
    for _ in 0..6 {
        let response = server
            .http
            .post(server.url("/token"))
            .basic_auth(&machine, Some("not the secret"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            limited = Some(response);
            break;
        }
    }
    assert_eq!(
        statuses,
        [401, 401, 401, 401, 401, 429],
        "the sixth token request"
    );
    let response = limited.unwrap();
    retry_after(&response, 60);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable", "{body}");
}

/// Two `idp serve` processes on one PostgreSQL database and one Redis count one limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_sharing_redis_enforce_one_limit() {
    if !require(Prerequisite::Postgres) || !require(Prerequisite::Redis) {
        return;
    }
    let env = TestEnv::new(Backend::Postgres).with_env("IDP_RATE_LIMIT__LOGIN", "3");
    env.add_user("alice", "Alice Example");
    let a = env.start().await;
    let b = env.start_node().await;
    assert_ne!(a.base, b.base);
    let on_a = Browser::new(&a.base);
    let on_b = on_a.via(&b.base);
    let form = Form::parse(&page(on_a.get("/login").await, 200, "login").await);
    let name = unique_name("grace");

    room_in_window(60, 20).await;
    for (n, node) in [&on_a, &on_b, &on_a].into_iter().enumerate() {
        let response = post_login_from(node, &form, None, &name, WRONG).await;
        assert_eq!(
            response.status(),
            401,
            "attempt {} (one per node in turn)",
            n + 1
        );
    }
    for node in [&on_b, &on_a] {
        let response = post_login_from(node, &form, None, "alice", PASSWORD).await;
        assert_eq!(response.status(), 429, "the limit is shared");
        retry_after(&response, 60);
    }
}

async fn require_mfa_client_leads_to_enrolment(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    env.add_user("bob", "Bob Example");
    let payroll = env.add_web_client("payroll", "Payroll", &["--require-mfa"]);
    let web = env.add_web_client("webapp", WEB_NAME, &[]);
    let server = env.start().await;
    let issuer = env.issuer();

    let person = Browser::new(&env.issuer());
    let request = AuthRequest::new(&payroll, "openid profile");
    let response = person.authorize(&request).await;
    let login = page(
        person.get(&location(&response).unwrap()).await,
        200,
        "login",
    )
    .await;
    let response = person
        .post_login(&Form::parse(&login), "alice", PASSWORD)
        .await;
    assert_eq!(response.status(), 303);
    let resume = location(&response).unwrap();
    assert!(resume.starts_with("/authorize/resume?req="), "{resume}");
    let req = resume
        .trim_start_matches("/authorize/resume?req=")
        .to_string();
    let response = person.get(&resume).await;
    assert_eq!(
        location(&response),
        Some(format!("/login/second-factor?req={req}"))
    );

    // No TOTP yet: enrol first. A wrong code shows the page again.
    let html = page(
        person.get(&format!("/login/second-factor?req={req}")).await,
        200,
        "enrolment",
    )
    .await;
    assert!(
        html.contains("<img class=\"qr\" src=\"data:image/svg+xml;base64,"),
        "{html}"
    );
    assert!(html.contains("action=\"/login/second-factor\""), "{html}");
    let mut authenticator = Authenticator::from_page(&html);
    let csrf = input_value(&html, "csrf").unwrap();
    let wrong = authenticator.wrong_code();
    let fields = |code: String| vec![("req", req.clone()), ("csrf", csrf.clone()), ("code", code)];
    let again = page(
        post(&person, "/login/second-factor", &fields(wrong)).await,
        401,
        "wrong code",
    )
    .await;
    assert!(again.contains("action=\"/login/second-factor\""), "{again}");
    let code = authenticator.code().await;
    let html = page(
        post(&person, "/login/second-factor", &fields(code)).await,
        200,
        "enrolled",
    )
    .await;
    assert_eq!(crate::account::backup_codes(&html).len(), 10, "{html}");
    let continue_to = format!("href=\"/authorize/resume?req={req}\"");
    assert!(html.contains(&continue_to), "a Continue link: {html}");

    let response = person.get(&format!("/authorize/resume?req={req}")).await;
    let landing = drive(
        &person,
        &issuer,
        response,
        "alice",
        Some(&mut authenticator),
    )
    .await;
    assert!(landing.saw_consent);
    let tokens = redeem(&server, &payroll, &request, &landing, &issuer).await;
    let claims = id_token_claims(&server, &tokens).await;
    assert_eq!(claims["acr"], "mfa", "{claims}");
    assert_eq!(claims["amr"], json!(["pwd", "otp"]), "{claims}");

    // Next time, in a new browser, the code is asked at sign-in.
    let other = Browser::new(&env.issuer());
    let request = AuthRequest::new(&payroll, "openid profile");
    let response = other.authorize(&request).await;
    let landing = drive(&other, &issuer, response, "alice", Some(&mut authenticator)).await;
    let tokens = redeem(&server, &payroll, &request, &landing, &issuer).await;
    assert_eq!(id_token_claims(&server, &tokens).await["acr"], "mfa");

    // `acr_values=mfa` at an ordinary client asks the same of a password-only session.
    let bobs = Browser::new(&env.issuer());
    let request = AuthRequest::new(&web, "openid profile").set("acr_values", "mfa");
    let response = bobs.authorize(&request).await;
    let login = page(bobs.get(&location(&response).unwrap()).await, 200, "login").await;
    let response = bobs.post_login(&Form::parse(&login), "bob", PASSWORD).await;
    let response = bobs.get(&location(&response).unwrap()).await;
    let to = location(&response).unwrap_or_default();
    assert!(to.starts_with("/login/second-factor?req="), "{to}");
    // Without acr_values the same session goes on with a password only.
    let request = AuthRequest::new(&web, "openid profile");
    let response = bobs.authorize(&request).await;
    let landing = drive(&bobs, &issuer, response, "bob", None).await;
    let tokens = redeem(&server, &web, &request, &landing, &issuer).await;
    assert_eq!(id_token_claims(&server, &tokens).await["acr"], "pwd");
}

async fn step_up_asks_an_enrolled_user_for_a_code(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let payroll = env.add_web_client("payroll", "Payroll", &["--require-mfa"]);
    let server = env.start().await;
    let issuer = env.issuer();

    // A session with a password only, made before the second factor was set up elsewhere.
    let earlier = Browser::new(&issuer);
    sign_in_to_account(&earlier, "alice", PASSWORD).await;
    let enrolling = Browser::new(&issuer);
    sign_in_to_account(&enrolling, "alice", PASSWORD).await;
    let (mut authenticator, _) = enrol(&enrolling).await;

    let request = AuthRequest::new(&payroll, "openid profile");
    let response = earlier.authorize(&request).await;
    let to = location(&response).unwrap_or_default();
    assert!(to.starts_with("/login/second-factor?req="), "{to}");
    let req = to
        .trim_start_matches("/login/second-factor?req=")
        .to_string();
    let html = page(earlier.get(&to).await, 200, "the code form").await;
    assert!(html.contains("action=\"/login/second-factor\""), "{html}");
    assert!(
        !html.contains("class=\"qr\""),
        "no enrolment for an enrolled user: {html}"
    );
    let csrf = input_value(&html, "csrf").unwrap();
    let fields = |code: String| vec![("req", req.clone()), ("csrf", csrf.clone()), ("code", code)];
    let wrong = authenticator.wrong_code();
    page(
        post(&earlier, "/login/second-factor", &fields(wrong)).await,
        401,
        "a wrong code",
    )
    .await;
    let code = authenticator.code().await;
    let response = post(&earlier, "/login/second-factor", &fields(code.clone())).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response),
        Some(format!("/authorize/resume?req={req}"))
    );
    let landing = drive(&earlier, &issuer, response, "alice", None).await;
    let tokens = redeem(&server, &payroll, &request, &landing, &issuer).await;
    let claims = id_token_claims(&server, &tokens).await;
    assert_eq!(claims["acr"], "mfa", "{claims}");
    assert_eq!(claims["amr"], json!(["pwd", "otp"]), "{claims}");
}

fn tamper_with_entry_2(env: &TestEnv) {
    let changed = run_sql(env, "UPDATE audit_events SET detail = 'x' WHERE seq = 2");
    assert_eq!(changed, 1, "entry 2 edited");
}

async fn audit_trail_detects_an_edited_entry(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let _server = env.start().await;
    for password in [WRONG, PASSWORD, PASSWORD] {
        let _ = password_step(&Browser::new(&env.issuer()), "alice", password).await;
    }
    let list = env.cli_ok(&["audit", "list", "--limit", "100"], "");
    assert!(list.contains("login"), "{list}");
    let out = env.cli_ok(&["audit", "verify"], "");
    let count: i64 = out
        .split("intact: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(count >= 3, "{out}");

    tamper_with_entry_2(&env);
    let out = env.cli(&["audit", "verify"], "");
    assert!(!out.status.success(), "verify must fail after an edit");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("entry 2"), "names entry 2: {said}");
}

/// Redis configured but down: the provider keeps serving — rate limits fail open, sign-in works —
/// says so in readiness, and refuses what must not work without it (one-time client assertions).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_keeps_the_provider_serving() {
    let env = TestEnv::new(Backend::Sqlite)
        // Nothing listens on port 1.
        .with_env("IDP_REDIS__URL", "redis://127.0.0.1:1")
        .with_env("IDP_RATE_LIMIT__LOGIN", "2");
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", "Example Web App", crate::support::OFFLINE_SCOPES);
    let server = env.start().await;

    let ready: serde_json::Value = server.get_json("/readyz").await;
    assert_eq!(ready["redis"], "unavailable", "{ready}");
    assert_eq!(ready["database"], "ok");

    // More sign-ins than the (unenforceable) limit: all succeed.
    for _ in 0..3 {
        let browser = crate::support::Browser::new(&env.issuer());
        let tokens = browser
            .tokens(&server, &web, "openid profile", "alice")
            .await;
        assert!(tokens["access_token"].is_string());
    }

    // A valid client assertion cannot be checked for replay: refused, fail closed.
    let (key, jwks_path) = crate::services::client_key(&env);
    env.cli_ok(
        &[
            "client",
            "add",
            "--name",
            "Signed",
            "--id",
            "signed",
            "--grant",
            "client_credentials",
            "--audience",
            "https://api.example.com",
            "--jwks-file",
            jwks_path.to_str().unwrap(),
        ],
        "",
    );
    let assertion = crate::services::assertion(&key, "signed", &server.url("/token"), 60, "jti");
    let response = crate::services::with_assertion(&server, &assertion, &[]).await;
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
}
