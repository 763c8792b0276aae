//! Interaction integrity: only the authorization pipeline issues codes. For each policy a
//! request can carry, the browser is left at a step where a requirement is still unmet, and
//! every interaction endpoint is driven directly — with this browser's cookies and with another
//! signed-in browser's — asserting that no code appears until every requirement is met, and
//! that the tokens then tell the truth (`amr`, `acr`, `auth_time`).

use crate::account::{post, sign_in_to_account, unix_now, WEB_NAME};
use crate::interaction_steps::*;
use crate::on_both_backends;
use crate::support::{
    input_value, AuthRequest, Backend, Browser, Decision, Form, TestEnv, PASSWORD,
};

on_both_backends!(
    consent_post_cannot_skip_a_second_factor,
    every_interaction_resumes_the_whole_policy
);

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

    // A client that requires two factors, and `acr_values=mfa` at an ordinary client; the
    // person has no second factor yet.
    for (case, client, request, username) in [
        (
            "require-mfa",
            &payroll,
            AuthRequest::new(&payroll, "openid profile"),
            "alice",
        ),
        (
            "acr_values=mfa",
            &web,
            AuthRequest::new(&web, "openid profile").set("acr_values", "mfa"),
            "bob",
        ),
    ] {
        let person = Browser::new(&issuer);
        let (step, req) = to_step_after_login(&person, &issuer, &request, username, PASSWORD).await;
        assert_eq!(step.page_path(), "/login/second-factor", "{case}");
        assert_no_code(case, &probe(&person, &issuer, &req, true).await);
        assert_foreign_refused(case, &other, &issuer, &req).await;
        let (_, resume) = enrol_at_step_up(&person, &req).await;
        let resumed = person.get(&resume).await;
        let (claims, _) = finish(&server, &person, client, &request, resumed).await;
        assert_two_factors(case, &claims);
    }

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
