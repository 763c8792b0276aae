//! Interaction integrity: only the authorization pipeline issues codes. For each policy a
//! request can carry, the browser is left at a step where a requirement is still unmet, and
//! every interaction endpoint is driven directly — with this browser's cookies and with another
//! signed-in browser's — asserting that no code appears until every requirement is met, and
//! that the tokens then tell the truth (`amr`, `acr`, `auth_time`).

use serde_json::{json, Value};

use crate::account::{id_token_claims, page, post, redeem, sign_in_to_account, unix_now};
use crate::account::{Authenticator, WEB_NAME};
use crate::on_both_backends;
use crate::support::{
    input_value, location, AuthRequest, Backend, Browser, Decision, Form, TestEnv, TestServer,
    WebClient, PASSWORD,
};

on_both_backends!(
    consent_post_cannot_skip_a_second_factor,
    every_interaction_resumes_the_whole_policy
);

const EXPIRED: &str = "This sign-in has expired";

/// Where a response leads once redirects inside the provider are followed.
enum Outcome {
    /// A redirect back to the client.
    Client(url::Url),
    /// A page of the provider: status, address, text.
    Page(u16, url::Url, String),
}

impl Outcome {
    fn page_path(&self) -> &str {
        match self {
            Outcome::Page(_, url, _) => url.path(),
            Outcome::Client(url) => panic!("left for the client: {url}"),
        }
    }
}

async fn advance(browser: &Browser, issuer: &str, mut response: reqwest::Response) -> Outcome {
    let mut at = browser.resolve("/");
    for _ in 0..8 {
        if response.status().is_redirection() {
            let url = browser.resolve(&location(&response).expect("Location"));
            if !url.as_str().starts_with(issuer) {
                return Outcome::Client(url);
            }
            response = browser.get(url.as_str()).await;
            at = url;
            continue;
        }
        let status = response.status().as_u16();
        return Outcome::Page(status, at, response.text().await.unwrap());
    }
    panic!("a redirect loop inside the provider");
}

/// Sends `request` and answers the login page with `username`'s password, then stops at the
/// next page the pipeline asks for; returns that page and the pending request's id.
async fn to_step_after_login(
    browser: &Browser,
    issuer: &str,
    request: &AuthRequest,
    username: &str,
    password: &str,
) -> (Outcome, String) {
    let login = advance(browser, issuer, browser.authorize(request).await).await;
    let Outcome::Page(200, _, html) = &login else {
        panic!("no login page");
    };
    assert!(html.contains("action=\"/login\""), "{html}");
    let form = Form::parse(html);
    let response = browser.post_login(&form, username, password).await;
    (advance(browser, issuer, response).await, form.req)
}

/// A CSRF value valid for this browser (from any page with a form).
async fn csrf_of(browser: &Browser) -> String {
    let html = browser.get("/login").await.text().await.unwrap();
    input_value(&html, "csrf").expect("a csrf field")
}

/// Every interaction endpoint driven directly for pending request `req`. `with_consent` adds
/// the consent page's "allow".
async fn probe(
    browser: &Browser,
    issuer: &str,
    req: &str,
    with_consent: bool,
) -> Vec<(&'static str, Outcome)> {
    let csrf = csrf_of(browser).await;
    let fields = |extra: &[(&'static str, &'static str)]| {
        let mut all = vec![("req", req.to_string()), ("csrf", csrf.clone())];
        all.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        all
    };
    let forged_ticket = "someone.pwd+otp.9999999999.bm90LWEtbWFj";
    let mut sent = vec![
        (
            "POST /login/totp",
            post(
                browser,
                "/login/totp",
                &fields(&[("ticket", forged_ticket), ("code", "123456")]),
            )
            .await,
        ),
        (
            "POST /login/second-factor",
            post(
                browser,
                "/login/second-factor",
                &fields(&[("code", "123456")]),
            )
            .await,
        ),
        (
            "POST /login/password",
            post(
                browser,
                "/login/password",
                &fields(&[
                    ("ticket", forged_ticket),
                    ("new_password", "a new password for the attacker"),
                    ("confirm_password", "a new password for the attacker"),
                ]),
            )
            .await,
        ),
        (
            "GET /login",
            browser.get(&format!("/login?req={req}")).await,
        ),
        (
            "GET /consent",
            browser.get(&format!("/consent?req={req}")).await,
        ),
        (
            "GET /authorize/resume",
            browser.get(&format!("/authorize/resume?req={req}")).await,
        ),
    ];
    if with_consent {
        let allow = post(browser, "/consent", &fields(&[("decision", "allow")])).await;
        sent.push(("POST /consent", allow));
    }
    let mut outcomes = Vec::new();
    for (what, response) in sent {
        outcomes.push((what, advance(browser, issuer, response).await));
    }
    outcomes
}

/// No probe of this browser reached the client.
fn assert_no_code(case: &str, outcomes: &[(&str, Outcome)]) {
    for (what, outcome) in outcomes {
        if let Outcome::Client(url) = outcome {
            panic!("{case}: {what} answered the client before every requirement was met: {url}");
        }
    }
}

/// Another browser presenting the id gets the expired page at every endpoint.
async fn assert_foreign_refused(case: &str, other: &Browser, issuer: &str, req: &str) {
    for (what, outcome) in probe(other, issuer, req, true).await {
        match outcome {
            Outcome::Page(400, _, html) if html.contains(EXPIRED) => {}
            Outcome::Page(status, url, html) => {
                panic!("{case}: {what} from another browser: {status} at {url}: {html}")
            }
            Outcome::Client(url) => panic!("{case}: {what} from another browser reached {url}"),
        }
    }
}

/// Enrols TOTP on the step-up page the browser is sent to; returns the authenticator and the
/// resume address the page continues to.
async fn enrol_at_step_up(browser: &Browser, req: &str) -> (Authenticator, String) {
    let path = format!("/login/second-factor?req={req}");
    let html = page(browser.get(&path).await, 200, "enrolment").await;
    let mut authenticator = Authenticator::from_page(&html);
    let csrf = input_value(&html, "csrf").unwrap();
    let code = authenticator.code().await;
    let fields = [
        ("req", req),
        ("csrf", csrf.as_str()),
        ("code", code.as_str()),
    ];
    let done = page(
        post(browser, "/login/second-factor", &fields).await,
        200,
        "enrolled",
    )
    .await;
    let resume = format!("/authorize/resume?req={req}");
    assert!(done.contains(&format!("href=\"{resume}\"")), "{done}");
    (authenticator, resume)
}

/// Follows `response` to the end, allowing consent if asked; returns the verified ID token
/// claims and whether a consent page was shown.
async fn finish(
    server: &TestServer,
    browser: &Browser,
    client: &WebClient,
    request: &AuthRequest,
    response: reqwest::Response,
) -> (Value, bool) {
    let issuer = server.base.clone();
    let mut outcome = advance(browser, &issuer, response).await;
    let mut saw_consent = false;
    if let Outcome::Page(200, _, html) = &outcome {
        assert!(html.contains("action=\"/consent\""), "{html}");
        saw_consent = true;
        let allow = browser
            .post_consent(&Form::parse(html), Decision::Allow)
            .await;
        outcome = advance(browser, &issuer, allow).await;
    }
    let Outcome::Client(url) = outcome else {
        panic!("no answer to the client");
    };
    let landing = crate::support::Landing {
        params: crate::support::query_params(&url),
        url,
        saw_login: false,
        saw_consent,
    };
    let tokens = redeem(server, client, request, &landing, &issuer).await;
    (id_token_claims(server, &tokens).await, saw_consent)
}

fn assert_password_only(case: &str, claims: &Value) {
    assert_eq!(claims["amr"], json!(["pwd"]), "{case}: {claims}");
    assert_eq!(claims["acr"], "pwd", "{case}: {claims}");
}

fn assert_two_factors(case: &str, claims: &Value) {
    assert_eq!(claims["amr"], json!(["pwd", "otp"]), "{case}: {claims}");
    assert_eq!(claims["acr"], "mfa", "{case}: {claims}");
}

/// The defect as reported: the consent form posted from the second-factor page gave a code
/// with `amr=["pwd"]` to a client that requires two factors.
async fn consent_post_cannot_skip_a_second_factor(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let payroll = env.add_web_client("payroll", "Payroll", &["--require-mfa"]);
    let server = env.start().await;
    let issuer = env.issuer();
    let person = Browser::new(&issuer);
    let request = AuthRequest::new(&payroll, "openid profile");
    let (step, req) = to_step_after_login(&person, &issuer, &request, "alice", PASSWORD).await;
    assert_eq!(step.page_path(), "/login/second-factor");
    let Outcome::Page(_, _, html) = &step else {
        unreachable!()
    };
    let csrf = input_value(html, "csrf").unwrap();
    let fields = [
        ("req", req.as_str()),
        ("csrf", &csrf),
        ("decision", "allow"),
    ];
    let outcome = advance(&person, &issuer, post(&person, "/consent", &fields).await).await;
    assert_eq!(outcome.page_path(), "/login/second-factor");
    // Once the second factor is in, the code follows, and the tokens say so.
    let (_, resume) = enrol_at_step_up(&person, &req).await;
    let (claims, _) = finish(
        &server,
        &person,
        &payroll,
        &request,
        person.get(&resume).await,
    )
    .await;
    assert_two_factors("require-mfa", &claims);
}

async fn every_interaction_resumes_the_whole_policy(backend: Backend) {
    // Started on an empty store, so that the first admin exists with a one-time password.
    let env = TestEnv::new(backend);
    let server = env.start().await;
    let issuer = env.issuer();
    for name in ["alice", "bob", "carol", "dave"] {
        env.add_user(name, name);
    }
    let payroll = env.add_web_client("payroll", "Payroll", &["--require-mfa"]);
    let web = env.add_web_client("webapp", WEB_NAME, &[]);
    let portal = env.add_web_client("portal", "Portal", &["--first-party"]);
    let admin_password = server
        .output()
        .lines()
        .skip_while(|l| !l.contains("one-time password"))
        .nth(1)
        .expect("the first admin's one-time password")
        .trim()
        .to_string();

    // Another browser, signed in as carol, who has consented to every client.
    let other = Browser::new(&issuer);
    for client in [&web, &portal] {
        let request = AuthRequest::new(client, "openid profile");
        other
            .sign_in(&request, "carol", Decision::Allow)
            .await
            .code(&request, &issuer);
    }

    // A client that requires two factors; the person has none yet.
    let person = Browser::new(&issuer);
    let request = AuthRequest::new(&payroll, "openid profile");
    let (step, req) = to_step_after_login(&person, &issuer, &request, "alice", PASSWORD).await;
    assert_eq!(step.page_path(), "/login/second-factor");
    assert_no_code("require-mfa", &probe(&person, &issuer, &req, true).await);
    assert_foreign_refused("require-mfa", &other, &issuer, &req).await;
    let (_, resume) = enrol_at_step_up(&person, &req).await;
    let (claims, _) = finish(
        &server,
        &person,
        &payroll,
        &request,
        person.get(&resume).await,
    )
    .await;
    assert_two_factors("require-mfa", &claims);

    // `acr_values=mfa` at an ordinary client.
    let person = Browser::new(&issuer);
    let request = AuthRequest::new(&web, "openid profile").set("acr_values", "mfa");
    let (step, req) = to_step_after_login(&person, &issuer, &request, "bob", PASSWORD).await;
    assert_eq!(step.page_path(), "/login/second-factor");
    assert_no_code("acr_values=mfa", &probe(&person, &issuer, &req, true).await);
    assert_foreign_refused("acr_values=mfa", &other, &issuer, &req).await;
    let (_, resume) = enrol_at_step_up(&person, &req).await;
    let (claims, _) = finish(&server, &person, &web, &request, person.get(&resume).await).await;
    assert_two_factors("acr_values=mfa", &claims);

    // `prompt=login` and `max_age=0` with a live but older session: a new sign-in is owed.
    let person = Browser::new(&issuer);
    sign_in_to_account(&person, "dave", PASSWORD).await;
    for (case, request) in [
        (
            "prompt=login",
            AuthRequest::new(&web, "openid").set("prompt", "login"),
        ),
        (
            "max_age=0",
            AuthRequest::new(&web, "openid").set("max_age", "0"),
        ),
    ] {
        // The session's sign-in is at least a second old.
        tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
        let requested_at = unix_now();
        let outcome = advance(&person, &issuer, person.authorize(&request).await).await;
        assert_eq!(outcome.page_path(), "/login", "{case}");
        let Outcome::Page(_, _, html) = &outcome else {
            unreachable!()
        };
        let form = Form::parse(html);
        assert_no_code(case, &probe(&person, &issuer, &form.req, true).await);
        assert_foreign_refused(case, &other, &issuer, &form.req).await;
        let login = person.post_login(&form, "dave", PASSWORD).await;
        let (claims, _) = finish(&server, &person, &web, &request, login).await;
        assert_password_only(case, &claims);
        let auth_time = claims["auth_time"].as_i64().unwrap();
        assert!(
            auth_time >= requested_at,
            "{case}: {auth_time} < {requested_at}"
        );
    }

    // Consent remembered: no page. `prompt=consent` asks again, and only "allow" gives a code.
    let request = AuthRequest::new(&web, "openid");
    let (claims, saw_consent) = finish(
        &server,
        &person,
        &web,
        &request,
        person.authorize(&request).await,
    )
    .await;
    assert!(!saw_consent, "remembered consent asked again");
    assert_password_only("remembered consent", &claims);
    let request = AuthRequest::new(&web, "openid").set("prompt", "consent");
    let outcome = advance(&person, &issuer, person.authorize(&request).await).await;
    assert_eq!(outcome.page_path(), "/consent");
    let Outcome::Page(_, _, html) = &outcome else {
        unreachable!()
    };
    let req = Form::parse(html).req;
    assert_no_code(
        "prompt=consent",
        &probe(&person, &issuer, &req, false).await,
    );
    assert_foreign_refused("prompt=consent", &other, &issuer, &req).await;
    let resume = person.get(&format!("/authorize/resume?req={req}")).await;
    let (claims, saw_consent) = finish(&server, &person, &web, &request, resume).await;
    assert!(saw_consent, "prompt=consent without the consent page");
    assert_password_only("prompt=consent", &claims);

    // A first-party client never asks; a foreign browser still cannot finish the request.
    let person = Browser::new(&issuer);
    let request = AuthRequest::new(&portal, "openid profile");
    let login = advance(&person, &issuer, person.authorize(&request).await).await;
    let Outcome::Page(200, _, html) = &login else {
        panic!("no login page")
    };
    let form = Form::parse(html);
    assert_foreign_refused("first-party", &other, &issuer, &form.req).await;
    let response = person.post_login(&form, "dave", PASSWORD).await;
    let (claims, saw_consent) = finish(&server, &person, &portal, &request, response).await;
    assert!(!saw_consent, "a first-party client asked for consent");
    assert_password_only("first-party", &claims);

    // The forced password change: no session, so no code, until the new password is set.
    let person = Browser::new(&issuer);
    let request = AuthRequest::new(&portal, "openid");
    let (step, req) =
        to_step_after_login(&person, &issuer, &request, "admin", &admin_password).await;
    let Outcome::Page(200, _, html) = &step else {
        panic!("no password change page")
    };
    assert!(html.contains("action=\"/login/password\""), "{html}");
    let ticket = input_value(html, "ticket").unwrap();
    assert_no_code(
        "password change",
        &probe(&person, &issuer, &req, true).await,
    );
    assert_foreign_refused("password change", &other, &issuer, &req).await;
    let csrf = csrf_of(&person).await;
    let new_password = "the admin's own long passphrase";
    let fields = [
        ("req", req.as_str()),
        ("csrf", &csrf),
        ("ticket", &ticket),
        ("new_password", new_password),
        ("confirm_password", new_password),
    ];
    let changed = post(&person, "/login/password", &fields).await;
    let (claims, _) = finish(&server, &person, &portal, &request, changed).await;
    assert_password_only("password change", &claims);

    // Finished requests are used up: the resume address now shows the expired page.
    let again = advance(
        &person,
        &issuer,
        person.get(&format!("/authorize/resume?req={req}")).await,
    );
    let Outcome::Page(400, _, html) = again.await else {
        panic!("a finished request resumed")
    };
    assert!(html.contains(EXPIRED), "{html}");
}
