//! OpenID Connect Back-Channel Logout: a relying party signs a person in (code flow) with a
//! `backchannel_logout_uri` on a receiver started here; when the session ends — RP-initiated
//! logout, an admin through the API, a new password on /account, a reset from the CLI — each
//! client of that session gets exactly one logout token, whose signature verifies against
//! /jwks.json and whose claims are those of §2.4; a client of another session gets nothing. A
//! refused post (500, or a redirect) is sent again later; two nodes post each token once.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::account::{id_token_claims, post, sign_in_to_account};
use crate::admin::{add_user_with_roles, create_key, sign_in as console_sign_in, user_id};
use crate::monitoring::cli_error;
use crate::on_both_backends;
use crate::receiver::{Receiver, Request};
use crate::support::{
    input_value, jwt_header, verify_with_jwks, Backend, Browser, TestEnv, TestServer, WebClient,
    PASSWORD,
};

on_both_backends!(
    rp_initiated_logout_tells_each_client_of_the_session_once,
    an_admin_or_a_new_password_tells_the_clients,
    a_refused_logout_token_is_sent_again,
    several_nodes_post_each_token_once,
    invalid_logout_uris_are_refused,
);

const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
const WAIT: Duration = Duration::from_secs(15);
/// Longer than a sender's poll: what has not come by then is not on its way.
const QUIET: Duration = Duration::from_secs(4);

/// A web client whose logout tokens go to `{receiver}/bcl/{id}`.
fn client_with_backchannel(env: &TestEnv, receiver: &Receiver, id: &str) -> WebClient {
    let uri = receiver.url(&format!("/bcl/{id}"));
    env.add_web_client(id, id, &["--backchannel-logout-uri", &uri])
}

/// A fresh browser signs `username` in to each of `clients`; returns it and the verified ID
/// token claims per client (all of one session: one `sid`).
async fn signed_in(
    env: &TestEnv,
    server: &TestServer,
    clients: &[&WebClient],
    username: &str,
) -> (Browser, Vec<(Value, String)>) {
    let browser = Browser::new(&env.issuer());
    let mut tokens = Vec::new();
    for client in clients {
        let response = browser.tokens(server, client, "openid", username).await;
        let claims = id_token_claims(server, &response).await;
        let id_token = response["id_token"].as_str().unwrap().to_string();
        tokens.push((claims, id_token));
    }
    let sids: Vec<&Value> = tokens.iter().map(|(c, _)| &c["sid"]).collect();
    assert!(
        sids.windows(2).all(|w| w[0] == w[1]),
        "one session: {sids:?}"
    );
    (browser, tokens)
}

/// Checks one logout token post for `client_id` about `(sid, sub)`; returns its claims.
fn check_token(
    request: &Request,
    jwks: &Value,
    issuer: &str,
    client_id: &str,
    id_claims: &Value,
) -> Value {
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let form = request.form();
    let token = form.get("logout_token").expect("a logout_token parameter");
    assert_eq!(jwt_header(token)["typ"], "logout+jwt");
    let claims = verify_with_jwks(token, jwks);
    assert_eq!(claims["iss"], issuer, "{claims}");
    assert_eq!(claims["aud"], client_id, "{claims}");
    assert_eq!(claims["sid"], id_claims["sid"], "{claims}");
    assert_eq!(claims["sub"], id_claims["sub"], "{claims}");
    assert_eq!(claims["events"], json!({ EVENT: {} }), "{claims}");
    assert!(claims.get("nonce").is_none(), "never a nonce: {claims}");
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert!(exp > iat && exp - iat <= 300, "short-lived: {claims}");
    assert!(
        claims["jti"].as_str().is_some_and(|j| j.len() >= 16),
        "{claims}"
    );
    claims
}

async fn rp_initiated_logout_tells_each_client_of_the_session_once(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice");
    let receiver = Receiver::ok().await;
    let app1 = client_with_backchannel(&env, &receiver, "app-one");
    let app2 = client_with_backchannel(&env, &receiver, "app-two");
    let other = client_with_backchannel(&env, &receiver, "app-other");
    let server = env.start().await;
    let (browser, tokens) = signed_in(&env, &server, &[&app1, &app2], "alice").await;
    // The same person in another browser: another session, which goes on.
    let (elsewhere, _) = signed_in(&env, &server, &[&other], "alice").await;

    let hint = &tokens[0].1;
    let response = browser.get(&format!("/logout?id_token_hint={hint}")).await;
    assert_eq!(response.status(), StatusCode::OK);

    let jwks = server.get_json("/jwks.json").await;
    let issuer = env.issuer();
    for (client, (claims, _)) in [&app1, &app2].iter().zip(&tokens) {
        let path = format!("/bcl/{}", client.id);
        let got = receiver.wait_for(&path, 1, WAIT).await;
        check_token(&got[0], &jwks, &issuer, &client.id, claims);
    }
    tokio::time::sleep(QUIET).await;
    assert_eq!(receiver.at("/bcl/app-one").len(), 1, "once");
    assert_eq!(receiver.at("/bcl/app-two").len(), 1, "once");
    assert!(receiver.at("/bcl/app-other").is_empty(), "not its session");
    let still = elsewhere.get("/account").await;
    assert_eq!(still.status(), StatusCode::OK, "the other session lives");
}

async fn an_admin_or_a_new_password_tells_the_clients(backend: Backend) {
    let env = TestEnv::new(backend);
    add_user_with_roles(&env, "root", &["admin"]);
    for name in ["alice", "bob", "carol"] {
        env.add_user(name, name);
    }
    let receiver = Receiver::ok().await;
    let app = client_with_backchannel(&env, &receiver, "app");
    let server = env.start().await;
    let jwks = server.get_json("/jwks.json").await;
    let issuer = env.issuer();

    // An admin ends alice's sessions through the API.
    let (_, alice) = signed_in(&env, &server, &[&app], "alice").await;
    let (root, csrf) = console_sign_in(&server, "root").await;
    let key = create_key(&root, &csrf, "logout", &["admin"]).await;
    let alice_id = user_id(&root, "alice").await;
    let response = server
        .http
        .post(server.url(&format!("/admin/api/users/{alice_id}/sessions/end")))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let got = receiver.wait_for("/bcl/app", 1, WAIT).await;
    check_token(&got[0], &jwks, &issuer, "app", &alice[0].0);

    // Bob changes his password on /account in another browser: the app's session ends.
    let (_, bob) = signed_in(&env, &server, &[&app], "bob").await;
    let account = Browser::new(&env.issuer());
    sign_in_to_account(&account, "bob", PASSWORD).await;
    let html = account.get("/account").await.text().await.unwrap();
    let csrf = input_value(&html, "csrf").unwrap();
    let new = "an entirely new passphrase for bob";
    let fields = [
        ("csrf", csrf.as_str()),
        ("current_password", PASSWORD),
        ("new_password", new),
        ("confirm_password", new),
    ];
    let response = post(&account, "/account/password", &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let got = receiver.wait_for("/bcl/app", 2, WAIT).await;
    check_token(&got[1], &jwks, &issuer, "app", &bob[0].0);

    // An operator resets carol's password from the CLI: no server is woken, the queue is read.
    let (_, carol) = signed_in(&env, &server, &[&app], "carol").await;
    env.cli_ok(&["user", "reset-password", "carol"], "");
    let got = receiver.wait_for("/bcl/app", 3, WAIT).await;
    check_token(&got[2], &jwks, &issuer, "app", &carol[0].0);

    tokio::time::sleep(QUIET).await;
    assert_eq!(receiver.at("/bcl/app").len(), 3, "one token per ending");
}

async fn a_refused_logout_token_is_sent_again(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice");
    // The first post to each is refused: a 500, and a redirect, which is not followed.
    let receiver = Receiver::start(|request, earlier| match (request.path(), earlier) {
        ("/bcl/failing", 0) => 500,
        ("/bcl/moved", 0) => 302,
        ("/bcl/moved", _) => 204,
        _ => 200,
    })
    .await;
    let failing = client_with_backchannel(&env, &receiver, "failing");
    let moved = client_with_backchannel(&env, &receiver, "moved");
    let server = env.start().await;
    let (browser, tokens) = signed_in(&env, &server, &[&failing, &moved], "alice").await;
    let hint = &tokens[0].1;
    let response = browser.get(&format!("/logout?id_token_hint={hint}")).await;
    assert_eq!(response.status(), StatusCode::OK);

    let jwks = server.get_json("/jwks.json").await;
    for client in ["failing", "moved"] {
        let path = format!("/bcl/{client}");
        let got = receiver.wait_for(&path, 2, WAIT).await;
        let first = check_token(&got[0], &jwks, &env.issuer(), client, &tokens[0].0);
        let again = check_token(&got[1], &jwks, &env.issuer(), client, &tokens[0].0);
        assert_ne!(first["jti"], again["jti"], "each attempt a fresh token");
    }
    tokio::time::sleep(QUIET).await;
    assert_eq!(
        receiver.at("/bcl/failing").len(),
        2,
        "taken the second time"
    );
    assert_eq!(receiver.at("/bcl/moved").len(), 2, "taken the second time");
    assert!(receiver.at("/elsewhere").is_empty());
}

/// On PostgreSQL two nodes run the sender: the CLI queues the tokens (waking neither), both
/// poll, and each token is still posted once.
async fn several_nodes_post_each_token_once(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice");
    let receiver = Receiver::ok().await;
    let app1 = client_with_backchannel(&env, &receiver, "app-one");
    let app2 = client_with_backchannel(&env, &receiver, "app-two");
    let a = env.start().await;
    let b = match backend {
        Backend::Postgres => Some(env.start_node().await),
        Backend::Sqlite => None,
    };
    let mut sids = Vec::new();
    for _ in 0..3 {
        let (_, tokens) = signed_in(&env, &a, &[&app1, &app2], "alice").await;
        sids.push(tokens[0].0["sid"].as_str().unwrap().to_string());
    }
    env.cli_ok(&["user", "reset-password", "alice"], "");
    for path in ["/bcl/app-one", "/bcl/app-two"] {
        receiver.wait_for(path, 3, WAIT).await;
    }
    tokio::time::sleep(QUIET).await;
    let jwks = a.get_json("/jwks.json").await;
    for path in ["/bcl/app-one", "/bcl/app-two"] {
        let got = receiver.at(path);
        assert_eq!(got.len(), 3, "{path}: one per session");
        let mut seen: Vec<String> = got
            .iter()
            .map(|r| {
                let token = &r.form()["logout_token"];
                verify_with_jwks(token, &jwks)["sid"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        seen.sort();
        let mut expected = sids.clone();
        expected.sort();
        assert_eq!(seen, expected, "{path}: each session once");
    }
    drop(b);
}

async fn invalid_logout_uris_are_refused(backend: Backend) {
    let env = TestEnv::new(backend);
    add_user_with_roles(&env, "root", &["admin"]);
    for (flag, uri) in [
        ("--backchannel-logout-uri", "http://app.example.com/bcl"),
        (
            "--backchannel-logout-uri",
            "https://app.example.com/bcl#top",
        ),
        ("--frontchannel-logout-uri", "app.example.com/fcl"),
    ] {
        let args = [
            "client",
            "add",
            "--name",
            "Bad",
            "--redirect-uri",
            "https://app.example.com/cb",
            flag,
            uri,
        ];
        let err = cli_error(&env, &args);
        assert!(err.contains("logout_uri"), "{err}");
    }
    env.add_web_client("good", "Good", &[]);
    let err = cli_error(
        &env,
        &[
            "client",
            "edit",
            "good",
            "--frontchannel-logout-uri",
            "ftp://app.example.com/f",
        ],
    );
    assert!(err.contains("frontchannel_logout_uri"), "{err}");
    let out = env.cli_ok(
        &[
            "client",
            "edit",
            "good",
            "--frontchannel-logout-uri",
            "https://app.example.com/fcl?x=1",
            "--frontchannel-logout-session-required",
            "true",
        ],
        "",
    );
    assert!(
        out.contains("front-channel logout https://app.example.com/fcl?x=1"),
        "{out}"
    );

    let server = env.start().await;
    let (root, csrf) = console_sign_in(&server, "root").await;
    let key = create_key(&root, &csrf, "clients", &["admin"]).await;
    let create = |body: Value| {
        server
            .http
            .post(server.url("/admin/api/clients"))
            .bearer_auth(&key)
            .json(&body)
            .send()
    };
    let refused = create(
        json!({"name": "Bad", "redirect_uris": ["https://app.example.com/cb"],
        "backchannel_logout_uri": "https://app.example.com/bcl#frag"}),
    )
    .await
    .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request", "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("backchannel_logout_uri"),
        "{body}"
    );
    let created = create(json!({"name": "Api", "client_id": "api-app",
        "redirect_uris": ["https://app.example.com/cb"],
        "backchannel_logout_uri": "https://app.example.com/bcl",
        "backchannel_logout_session_required": true}))
    .await
    .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let client: Value = created.json().await.unwrap();
    assert_eq!(
        client["backchannel_logout_uri"],
        "https://app.example.com/bcl"
    );
    assert_eq!(client["backchannel_logout_session_required"], true);
    assert_eq!(client["frontchannel_logout_uri"], Value::Null);
    // The console shows them.
    let html = root.get("/admin/clients/good").await.text().await.unwrap();
    assert!(html.contains("https://app.example.com/fcl?x=1"), "{html}");
    assert!(html.contains("(with iss and sid)"), "{html}");
}
