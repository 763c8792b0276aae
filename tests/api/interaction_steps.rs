//! The steps of the interaction table test (`interactions.rs`): follow a sign-in to the page
//! the pipeline asks for, drive every interaction endpoint directly, and finish a sign-in to
//! read what the tokens say.

use serde_json::{json, Value};

use crate::account::{id_token_claims, page, post, redeem, Authenticator};
use crate::support::{
    input_value, location, AuthRequest, Browser, Decision, Form, TestServer, WebClient,
};

pub(crate) const EXPIRED: &str = "This sign-in has expired";

/// Where a response leads once redirects inside the provider are followed.
pub(crate) enum Outcome {
    /// A redirect back to the client.
    Client(url::Url),
    /// A page of the provider: status, address, text.
    Page(u16, url::Url, String),
}

impl Outcome {
    pub(crate) fn page_path(&self) -> &str {
        match self {
            Outcome::Page(_, url, _) => url.path(),
            Outcome::Client(url) => panic!("left for the client: {url}"),
        }
    }
}

pub(crate) async fn advance(
    browser: &Browser,
    issuer: &str,
    mut response: reqwest::Response,
) -> Outcome {
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
pub(crate) async fn to_step_after_login(
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
pub(crate) async fn csrf_of(browser: &Browser) -> String {
    let html = browser.get("/login").await.text().await.unwrap();
    input_value(&html, "csrf").expect("a csrf field")
}

/// Every interaction endpoint driven directly for pending request `req`. `with_consent` adds
/// the consent page's "allow".
pub(crate) async fn probe(
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
pub(crate) fn assert_no_code(case: &str, outcomes: &[(&str, Outcome)]) {
    for (what, outcome) in outcomes {
        if let Outcome::Client(url) = outcome {
            panic!("{case}: {what} answered the client before every requirement was met: {url}");
        }
    }
}

/// Another browser presenting the id gets the expired page at every endpoint.
pub(crate) async fn assert_foreign_refused(case: &str, other: &Browser, issuer: &str, req: &str) {
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
pub(crate) async fn enrol_at_step_up(browser: &Browser, req: &str) -> (Authenticator, String) {
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
pub(crate) async fn finish(
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

pub(crate) fn assert_password_only(case: &str, claims: &Value) {
    assert_eq!(claims["amr"], json!(["pwd"]), "{case}: {claims}");
    assert_eq!(claims["acr"], "pwd", "{case}: {claims}");
}

pub(crate) fn assert_two_factors(case: &str, claims: &Value) {
    assert_eq!(claims["amr"], json!(["pwd", "otp"]), "{case}: {claims}");
    assert_eq!(claims["acr"], "mfa", "{case}: {claims}");
}
