//! Invitations through a real SMTP server, from the console and the admin API: the mail's link
//! makes an account with a username and password of one's own (address verified), once; an
//! invitation can be revoked and expires; each inviter sends only so many per hour (429).

use std::time::Duration;

use diesel::RunQueryDsl;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::admin::{add_user_with_roles, create_key, post_form, sign_in};
use crate::on_both_backends;
use crate::operations::{api, json_of};
use crate::signup::sink;
use crate::smtp::MailSink;
use crate::support::{
    input_value, mail_link, require, Backend, Browser, Prerequisite, TestServer, PASSWORD,
};

on_both_backends!(invitations_make_accounts_and_can_be_revoked);

/// The invitation link in the one mail to `email`.
async fn invitation_link(sink: &MailSink, server: &TestServer, email: &str) -> String {
    let mail = sink.message_to(email, Duration::from_secs(20)).await;
    assert_eq!(mail["subject"], "You are invited");
    mail_link(&mail, &server.base, "/invitation?token=")
}

/// Opens the link and submits `username` with [`PASSWORD`]: (status, body).
async fn accept(browser: &Browser, link: &str, username: &str) -> (StatusCode, String) {
    let page = browser.get(link).await;
    let status = page.status();
    let html = page.text().await.unwrap();
    if status != StatusCode::OK {
        return (status, html);
    }
    let response = post_form(
        browser,
        "/invitation",
        &[
            ("csrf", &input_value(&html, "csrf").unwrap()),
            ("token", &input_value(&html, "token").unwrap()),
            ("username", username),
            ("password", PASSWORD),
        ],
    )
    .await;
    (response.status(), response.text().await.unwrap())
}

async fn invitations_make_accounts_and_can_be_revoked(backend: Backend) {
    if !require(Prerequisite::SmtpServer) {
        return;
    }
    let sink = sink().await;
    let env = crate::mail::mail_env(backend, &sink)
        .with_env("IDP_REGISTRATION__INVITATIONS_PER_HOUR", "3");
    add_user_with_roles(&env, "root", &["admin"]);
    add_user_with_roles(&env, "uma", &["user_manager"]);
    env.add_user("alice", "Alice");
    let client = env.add_web_client("app", "App", &[]);
    let server = env.start().await;

    // From the console, as a user manager.
    let (uma, csrf) = sign_in(&server, "uma").await;
    let sent = post_form(
        &uma,
        "/admin/invitations",
        &[("csrf", &csrf), ("email", "Ivy@Example.com")],
    )
    .await;
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    let refused = post_form(
        &uma,
        "/admin/invitations",
        &[("csrf", &csrf), ("email", "alice@example.com")],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let html = refused.text().await.unwrap();
    assert!(
        html.contains("An account already has this address."),
        "{html}"
    );
    assert!(html.contains("value=\"alice@example.com\""), "{html}");

    // Ivy chooses her username (a taken one is refused) and password, once.
    let link = invitation_link(&sink, &server, "ivy@example.com").await;
    let ivy = Browser::new(&server.base);
    let (status, body) = accept(&ivy, &link, "alice").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("that username is taken"), "{body}");
    let (status, body) = accept(&ivy, &link, "ivy").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Your account is ready"), "{body}");
    let (status, body) = accept(&ivy, &link, "ivy2").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("This invitation no longer works"), "{body}");
    // She signs in to a client; her address counts as verified.
    let tokens = ivy.tokens(&server, &client, "openid email", "ivy").await;
    let info = crate::support::userinfo(&server, tokens["access_token"].as_str().unwrap()).await;
    let info: serde_json::Value = info.json().await.unwrap();
    assert_eq!(info["email"], "ivy@example.com");
    assert_eq!(info["email_verified"], true);
    let listed = uma.get("/admin/invitations").await.text().await.unwrap();
    assert!(
        listed.contains("ivy@example.com") && listed.contains("accepted"),
        "{listed}"
    );

    // From the admin API: sent, listed, revoked (its link dies), expired; an auditor may not.
    let (root, root_csrf) = sign_in(&server, "root").await;
    let key = create_key(&root, &root_csrf, "invites", &["user_manager"]).await;
    let auditor = create_key(&root, &root_csrf, "reads", &["auditor"]).await;
    let invite = |key: String, email: &'static str| {
        let server = &server;
        async move {
            let body = Some(json!({ "email": email }));
            api(server, &key, Method::POST, "/admin/api/invitations", body).await
        }
    };
    let (status, _) = json_of(invite(auditor.clone(), "nope@example.com").await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, jay) = json_of(invite(key.clone(), "jay@example.com").await).await;
    assert_eq!(status, StatusCode::CREATED, "{jay}");
    assert_eq!(jay["status"], "open");
    let (status, list) = json_of(
        api(
            &server,
            &auditor,
            Method::GET,
            "/admin/api/invitations",
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(list["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["id"] == jay["id"]));
    let revoke = format!("/admin/api/invitations/{}", jay["id"].as_str().unwrap());
    let revoked = api(&server, &key, Method::DELETE, &revoke, None).await;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let (status, _) = json_of(api(&server, &key, Method::DELETE, &revoke, None).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let jay_link = invitation_link(&sink, &server, "jay@example.com").await;
    let (status, _) = accept(&Browser::new(&server.base), &jay_link, "jay").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, kim) = json_of(invite(key.clone(), "kim@example.com").await).await;
    assert_eq!(status, StatusCode::CREATED, "{kim}");
    let mut conn = crate::store::connect(&env);
    // By id: the address is stored encrypted.
    diesel::sql_query(format!(
        "UPDATE invitations SET expires_at = 1 WHERE id = '{}'",
        kim["id"].as_str().unwrap()
    ))
    .execute(&mut conn)
    .unwrap();
    let kim_link = invitation_link(&sink, &server, "kim@example.com").await;
    let (status, body) = accept(&Browser::new(&server.base), &kim_link, "kim").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("This invitation no longer works"), "{body}");

    // Three per inviter per hour: the key sent jay, kim, now lee; the fourth is refused.
    let (status, _) = json_of(invite(key.clone(), "lee@example.com").await).await;
    assert_eq!(status, StatusCode::CREATED);
    let limited = invite(key.clone(), "max@example.com").await;
    let retry = limited
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    let (status, body) = json_of(limited).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(retry.unwrap().parse::<i64>().unwrap() > 0);
    // Another inviter has their own share.
    let sent = post_form(
        &uma,
        "/admin/invitations",
        &[("csrf", &csrf), ("email", "max@example.com")],
    )
    .await;
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
}
