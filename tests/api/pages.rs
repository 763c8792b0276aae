//! Every page a person or an operator sees, walked in headless Chromium as they would reach it,
//! each checked by axe.rs (axe-core at two widths in light and dark, no overflow on a phone).
//! The test fails listing every problem on every page, not only the first.

use crate::account::Authenticator;
use crate::axe::{check_page, install_axe};
use crate::support::{free_port, require, Backend, Prerequisite, TestEnv, PASSWORD};
use crate::webdriver::{self, Browser};

async fn submit(browser: &Browser, form: &str) {
    browser.click(&format!("{form} button[type=submit]")).await;
}

async fn sign_in(browser: &Browser, username: &str, password: &str) {
    browser.type_into("#username", username).await;
    browser.type_into("#password", password).await;
    submit(browser, "form[action='/login']").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_and_fits_a_phone() {
    install_axe();
    if !require(Prerequisite::Browser) || !require(Prerequisite::Axe) {
        return;
    }
    let env = TestEnv::new(Backend::Sqlite);
    env.add_user("alice", "Alice Example");
    env.cli_ok(
        &["user", "add", "root", "--role", "admin"],
        &format!("{PASSWORD}\n"),
    );
    let (redirect_uri, _callbacks) = webdriver::callback_listener();
    // The signed-out page then frames the app (front-channel logout).
    let frontchannel = format!("{redirect_uri}/logout");
    env.cli_ok(
        &[
            "client",
            "add",
            "--name",
            "Example Web App",
            "--id",
            "webapp",
            "--redirect-uri",
            &redirect_uri,
            "--frontchannel-logout-uri",
            &frontchannel,
            "--scope",
            "openid",
            "--scope",
            "profile",
        ],
        "",
    );
    let server = env.start().await;
    let mut problems = Vec::new();
    let authorize = server.url(&format!(
        "/authorize?response_type=code&client_id=webapp&scope=openid%20profile&state=s&nonce=n\
         &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGjSZNvgaQ&code_challenge_method=S256\
         &redirect_uri={}",
        url::form_urlencoded::byte_serialize(redirect_uri.as_bytes()).collect::<String>()
    ));

    let alice = Browser::start().await;
    alice.goto(&server.url("/")).await;
    problems.extend(check_page(&alice, "landing-signed-out").await);
    alice.goto(&server.url("/authorize?client_id=nobody")).await;
    problems.extend(check_page(&alice, "error").await);

    // Sign-in: the form, the form with an error, then consent.
    alice.goto(&authorize).await;
    alice.wait_for_url(|u| u.contains("/login?")).await;
    problems.extend(check_page(&alice, "login").await);
    sign_in(&alice, "alice", "not the password").await;
    alice.wait_for_text("role=\"alert\"").await;
    problems.extend(check_page(&alice, "login-error").await);
    alice.type_into("#password", PASSWORD).await;
    submit(&alice, "form[action='/login']").await;
    alice.wait_for_url(|u| u.contains("/consent")).await;
    problems.extend(check_page(&alice, "consent").await);
    alice.click("button[value=allow]").await;
    alice.wait_for_url(|u| u.starts_with(&redirect_uri)).await;

    // The account page, TOTP enrolment and the backup codes it ends with.
    alice.goto(&server.url("/")).await;
    problems.extend(check_page(&alice, "landing-signed-in").await);
    alice.goto(&server.url("/account")).await;
    problems.extend(check_page(&alice, "account").await);
    alice.goto(&server.url("/account/totp")).await;
    problems.extend(check_page(&alice, "enrolment").await);
    let mut authenticator = Authenticator::from_page(&alice.page_source().await);
    alice.type_into("#code", "000000").await;
    submit(&alice, "form[action='/account/totp']").await;
    alice.wait_for_text("role=\"alert\"").await;
    problems.extend(check_page(&alice, "enrolment-error").await);
    alice.type_into("#code", &authenticator.code().await).await;
    submit(&alice, "form[action='/account/totp']").await;
    alice.wait_for_text("class=\"codes\"").await;
    problems.extend(check_page(&alice, "backup-codes").await);

    // Signing out, and back in with the second factor.
    alice.goto(&server.url("/logout")).await;
    problems.extend(check_page(&alice, "logout").await);
    submit(&alice, "form[action='/logout']").await;
    alice.wait_for_text("You are signed out").await;
    assert!(alice.page_source().await.contains("<iframe"), "framed");
    problems.extend(check_page(&alice, "signed-out").await);
    alice.goto(&server.url("/login?next=/account")).await;
    sign_in(&alice, "alice", PASSWORD).await;
    alice.wait_for_text("id=\"code\"").await;
    problems.extend(check_page(&alice, "second-factor").await);
    alice.type_into("#code", &authenticator.code().await).await;
    submit(&alice, "form").await;
    alice
        .wait_for_url(|u| u.ends_with("/account") && !u.contains("/login?"))
        .await;
    drop(alice);

    // The console, page by page; a user made there chooses a password at first sign-in.
    let root = Browser::start().await;
    root.goto(&server.url("/admin")).await;
    sign_in(&root, "root", PASSWORD).await;
    root.wait_for_url(|u| u.ends_with("/admin") && !u.contains("/login?"))
        .await;
    problems.extend(check_page(&root, "console-overview").await);
    root.goto(&server.url("/admin/users")).await;
    problems.extend(check_page(&root, "console-users").await);
    root.type_into("#username", "carol").await;
    submit(&root, "form[method=post][action='/admin/users']").await;
    root.wait_for_text("once-value").await;
    let temporary = root.value_of("#once-value").await;
    problems.extend(check_page(&root, "console-once").await);
    root.goto(&server.url("/admin/users?q=alice")).await;
    root.click("td a").await;
    root.wait_for_text("Alice Example").await;
    problems.extend(check_page(&root, "console-user").await);
    root.goto(&server.url("/admin/clients")).await;
    problems.extend(check_page(&root, "console-clients").await);
    root.goto(&server.url("/admin/clients/webapp")).await;
    problems.extend(check_page(&root, "console-client").await);
    root.goto(&server.url("/admin/audit")).await;
    problems.extend(check_page(&root, "console-audit").await);
    root.goto(&server.url("/admin/api-keys")).await;
    problems.extend(check_page(&root, "console-api-keys").await);
    env.cli_ok(
        &[
            "client",
            "registration-token",
            "create",
            "--label",
            "partner",
            "--uses",
            "3",
        ],
        "",
    );
    root.goto(&server.url("/admin/registration-tokens")).await;
    problems.extend(check_page(&root, "console-registration-tokens").await);
    root.goto(&server.url("/admin/time-zone")).await;
    problems.extend(check_page(&root, "console-time-zone").await);
    env.cli_ok(
        &[
            "blocks",
            "add",
            "192.0.2.0/24",
            "--reason",
            "a listed block",
        ],
        "",
    );
    root.goto(&server.url("/admin/security")).await;
    problems.extend(check_page(&root, "console-security").await);
    drop(root);

    let carol = Browser::start().await;
    carol.goto(&server.url("/login?next=/account")).await;
    sign_in(&carol, "carol", &temporary).await;
    carol.wait_for_text("new_password").await;
    problems.extend(check_page(&carol, "password-change").await);

    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The passkey pages (WebAuthn needs a domain: the issuer is localhost here): the login page
/// with its passkey button, the account page without and with a passkey, the step up that
/// offers only the passkey, the console's user page listing it; under the same checks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_passkey_pages_pass_axe_and_fit_a_phone() {
    install_axe();
    if !require(Prerequisite::Browser) || !require(Prerequisite::Axe) {
        return;
    }
    let env = TestEnv::new(Backend::Sqlite).with_localhost_issuer();
    env.add_user("alice", "Alice Example");
    env.cli_ok(
        &["user", "add", "root", "--role", "admin"],
        &format!("{PASSWORD}\n"),
    );
    let (redirect_uri, _callbacks) = webdriver::callback_listener();
    env.cli_ok(
        &[
            "client",
            "add",
            "--name",
            "Example Web App",
            "--id",
            "webapp",
            "--redirect-uri",
            &redirect_uri,
            "--first-party",
            "--require-mfa",
        ],
        "",
    );
    let _server = env.start().await;
    let issuer = env.public_issuer();
    let mut problems = Vec::new();

    let alice = Browser::start().await;
    alice.add_virtual_authenticator().await;
    alice.goto(&format!("{issuer}/login?next=/account")).await;
    alice.wait_until_shown("passkey-signin-form").await;
    problems.extend(check_page(&alice, "passkey-login").await);
    sign_in(&alice, "alice", PASSWORD).await;
    alice
        .wait_for_url(|u| u.ends_with("/account") && !u.contains("/login?"))
        .await;
    alice.wait_until_shown("passkey-enrol-form").await;
    problems.extend(check_page(&alice, "passkey-account-none").await);
    alice.click("#passkey-enrol").await;
    alice.wait_for_url(|u| u.contains("done=passkey")).await;
    problems.extend(check_page(&alice, "passkey-account").await);
    let authorize = format!(
        "{issuer}/authorize?response_type=code&client_id=webapp&scope=openid&state=s&nonce=n\
         &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGjSZNvgaQ&code_challenge_method=S256\
         &redirect_uri={}",
        url::form_urlencoded::byte_serialize(redirect_uri.as_bytes()).collect::<String>()
    );
    alice.goto(&authorize).await;
    alice
        .wait_for_url(|u| u.contains("/login/second-factor"))
        .await;
    alice.wait_until_shown("passkey-second-factor-form").await;
    problems.extend(check_page(&alice, "passkey-step-up").await);
    drop(alice);

    let root = Browser::start().await;
    root.goto(&format!("{issuer}/admin")).await;
    sign_in(&root, "root", PASSWORD).await;
    root.wait_for_url(|u| u.ends_with("/admin") && !u.contains("/login?"))
        .await;
    root.goto(&format!("{issuer}/admin/users?q=alice")).await;
    root.click("td a").await;
    root.wait_for_text("Remove passkey").await;
    problems.extend(check_page(&root, "passkey-console-user").await);

    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The pages of forgetting a password, and the mails it sends (opened as files, as a mail
/// program shows their HTML part), under the same checks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mail_pages_and_mails_pass_axe_and_fit_a_phone() {
    install_axe();
    if !require(Prerequisite::Browser)
        || !require(Prerequisite::Axe)
        || !require(Prerequisite::SmtpServer)
    {
        return;
    }
    let mut sink = crate::smtp::MailSink::on_port(free_port());
    sink.run().await;
    let env = crate::mail::mail_env(Backend::Sqlite, &sink);
    env.add_user("alice", "Alice Example");
    let server = env.start().await;
    let mut problems = Vec::new();
    let within = std::time::Duration::from_secs(20);

    let alice = Browser::start().await;
    alice.goto(&server.url("/login/forgot")).await;
    problems.extend(check_page(&alice, "forgot").await);
    alice.type_into("#email", "alice@example.com").await;
    submit(&alice, "form[action='/login/forgot']").await;
    alice.wait_for_text("Check your mailbox").await;
    problems.extend(check_page(&alice, "forgot-sent").await);

    let reset_mail = sink.message_to("alice@example.com", within).await;
    problems.extend(check_mail(&alice, &env, &reset_mail, "mail-password-reset").await);
    alice
        .goto(&crate::recovery::reset_link(&reset_mail, &env.issuer()))
        .await;
    alice.wait_for_text("new_password").await;
    problems.extend(check_page(&alice, "reset").await);
    let new_password = "a brand new passphrase for the walk";
    alice.type_into("#new_password", new_password).await;
    alice.type_into("#confirm_password", new_password).await;
    submit(&alice, "form[action='/login/reset']").await;
    alice.wait_for_text("Your new password is set").await;
    problems.extend(check_page(&alice, "reset-done").await);

    let mails = sink.wait_for(2, within).await;
    let notice = mails
        .iter()
        .find(|m| m["subject"] != reset_mail["subject"])
        .expect("a notice after the reset");
    problems.extend(check_mail(&alice, &env, notice, "mail-password-changed").await);
    sink.stop();

    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The pages of signing up, confirming an address (after a sign-up, and on the way to an app),
/// changing it, and inviting and being invited, and the mails they send, under the same checks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_self_service_pages_and_mails_pass_axe_and_fit_a_phone() {
    install_axe();
    if !require(Prerequisite::Browser)
        || !require(Prerequisite::Axe)
        || !require(Prerequisite::SmtpServer)
    {
        return;
    }
    let sink = crate::signup::sink().await;
    let env = crate::signup::signup_env(Backend::Sqlite, &sink);
    env.add_user("alice", "Alice Example");
    crate::admin::add_user_with_roles(&env, "root", &["admin"]);
    let client = env.add_web_client("app", "App", &[]);
    let server = env.start().await;
    let issuer = env.issuer();
    let mut problems = Vec::new();
    let within = std::time::Duration::from_secs(20);
    let password = crate::signup::CAROL_PASSWORD;

    let carol = Browser::start().await;
    carol.goto(&server.url("/signup")).await;
    problems.extend(check_page(&carol, "signup").await);
    carol.type_into("#username", "carol").await;
    carol.type_into("#email", "carol@example.com").await;
    carol.type_into("#password", password).await;
    submit(&carol, "form[action='/signup']").await;
    carol.wait_for_text("Check your mailbox").await;
    problems.extend(check_page(&carol, "signup-sent").await);
    let verify_mail = sink.message_to("carol@example.com", within).await;
    problems.extend(check_mail(&carol, &env, &verify_mail, "mail-verify-account").await);

    // On the way to an app, before the address is confirmed.
    let request = crate::support::AuthRequest::new(&client, "openid");
    carol.goto(&request.url(&issuer)).await;
    sign_in(&carol, "carol", password).await;
    carol
        .wait_for_text("Confirm your email address first")
        .await;
    problems.extend(check_page(&carol, "verify-needed").await);
    let link = crate::support::mail_link(&verify_mail, &issuer, "/verify-email?token=");
    carol.goto(&link).await;
    carol.wait_for_text("Confirm that").await;
    problems.extend(check_page(&carol, "verify").await);
    submit(&carol, "form[action='/verify-email']").await;
    carol.wait_for_text("Address confirmed").await;
    problems.extend(check_page(&carol, "verify-done").await);

    // A new address from the account page.
    carol.goto(&server.url("/account")).await;
    carol.wait_for_text("Change your email address").await;
    problems.extend(check_page(&carol, "account-with-mail").await);
    carol.type_into("#new_email", "carol.new@example.com").await;
    carol.type_into("#email_password", password).await;
    submit(&carol, "form[action='/account/email']").await;
    carol.wait_for_text("A link is on its way").await;
    let change_mail = sink.message_to("carol.new@example.com", within).await;
    problems.extend(check_mail(&carol, &env, &change_mail, "mail-verify-new-email").await);
    carol
        .goto(&crate::support::mail_link(
            &change_mail,
            &issuer,
            "/verify-email?token=",
        ))
        .await;
    submit(&carol, "form[action='/verify-email']").await;
    carol.wait_for_text("Address confirmed").await;
    let mails = sink.wait_for(3, within).await;
    let notice = mails
        .iter()
        .find(|m| m["subject"] == "Your email address was changed")
        .expect("a notice to the old address");
    problems.extend(check_mail(&carol, &env, notice, "mail-email-changed").await);

    // The mails a taken address and a taken username get.
    let other = crate::support::Browser::new(&server.base);
    crate::signup::sign_up(&other, "mallory", "alice@example.com", password).await;
    crate::signup::sign_up(&other, "alice", "mallory@example.com", password).await;
    let attempt = sink.message_to("alice@example.com", within).await;
    problems.extend(check_mail(&carol, &env, &attempt, "mail-signup-attempt").await);
    let taken = sink.message_to("mallory@example.com", within).await;
    problems.extend(check_mail(&carol, &env, &taken, "mail-username-taken").await);

    // An invitation from the console, its mail, and making the account through it.
    let root = Browser::start().await;
    root.goto(&server.url("/admin")).await;
    sign_in(&root, "root", PASSWORD).await;
    root.wait_for_url(|u| u.ends_with("/admin") && !u.contains("/login?"))
        .await;
    root.goto(&server.url("/admin/invitations")).await;
    root.type_into("#invite-email", "ivy@example.com").await;
    submit(&root, "form[action='/admin/invitations']").await;
    root.wait_for_text("The invitation is on its way").await;
    problems.extend(check_page(&root, "console-invitations").await);
    drop(root);
    let invitation = sink.message_to("ivy@example.com", within).await;
    problems.extend(check_mail(&carol, &env, &invitation, "mail-invitation").await);
    carol
        .goto(&crate::support::mail_link(
            &invitation,
            &issuer,
            "/invitation?token=",
        ))
        .await;
    carol.wait_for_text("Make your account").await;
    problems.extend(check_page(&carol, "invitation").await);
    carol.type_into("#username", "ivy").await;
    carol.type_into("#password", password).await;
    submit(&carol, "form[action='/invitation']").await;
    carol.wait_for_text("Your account is ready").await;
    problems.extend(check_page(&carol, "invitation-done").await);

    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Checks a mail's HTML part as a page of its own.
async fn check_mail(
    browser: &Browser,
    env: &TestEnv,
    mail: &serde_json::Value,
    name: &str,
) -> Vec<String> {
    let html = mail["html"].as_str().expect("an HTML part");
    let file = env.dir.join(format!("{name}.html"));
    std::fs::write(&file, html).unwrap();
    browser.goto(&format!("file://{}", file.display())).await;
    check_page(browser, name).await
}
