//! Refresh tokens: rotation on every use, reuse detection that revokes the whole family, one
//! winner under concurrency, and binding to the client they were issued to.

use serde_json::Value;

use crate::on_both_backends;
use crate::support::{
    assert_token_error, userinfo, verify_with_jwks, Backend, Browser, TestEnv, OFFLINE_SCOPES,
};

on_both_backends!(
    rotation_issues_new_tokens_and_refuses_the_old,
    reuse_revokes_the_family,
    concurrent_refresh_has_one_winner,
    refresh_token_is_bound_to_its_client,
    refused_scope_does_not_use_up_the_token,
    no_refresh_token_without_the_grant
);

const OFFLINE: &str = "openid profile email offline_access";

fn str_of<'a>(body: &'a Value, field: &str) -> &'a str {
    body[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} missing: {body}"))
}

async fn ok_json(response: reqwest::Response) -> Value {
    let status = response.status();
    let no_store = response
        .headers()
        .get("cache-control")
        .is_some_and(|v| v == "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(no_store, "token responses must not be cached");
    body
}

async fn rotation_issues_new_tokens_and_refuses_the_old(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", "Example Web App", OFFLINE_SCOPES);
    let server = env.start().await;
    let issuer = env.issuer();
    let jwks = server.get_json("/jwks.json").await;
    let browser = Browser::new(&issuer);

    let first = browser.tokens(&server, &web, OFFLINE, "alice").await;
    let rt1 = str_of(&first, "refresh_token");
    let sub = verify_with_jwks(str_of(&first, "id_token"), &jwks)["sub"].clone();

    let second = ok_json(web.refresh(&server, rt1).await).await;
    assert_eq!(second["token_type"], "Bearer");
    assert!(second["expires_in"].as_i64().unwrap() > 0);
    let rt2 = str_of(&second, "refresh_token");
    assert_ne!(rt2, rt1, "the refresh token must rotate");
    assert_ne!(
        str_of(&second, "access_token"),
        str_of(&first, "access_token")
    );
    let id = verify_with_jwks(str_of(&second, "id_token"), &jwks);
    assert_eq!(id["sub"], sub);
    assert_eq!(id["aud"], web.id);
    assert_eq!(id["iss"], issuer);
    let response = userinfo(&server, str_of(&second, "access_token")).await;
    assert_eq!(response.status(), 200);
    let info: Value = response.json().await.unwrap();
    assert_eq!(info["sub"], sub);
    assert_eq!(info["email"], "alice@example.com");

    // The new token works in turn, and may ask for less than was granted.
    let third = ok_json(
        web.token_request(
            &server,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", rt2),
                ("scope", "openid offline_access"),
            ],
        )
        .await,
    )
    .await;
    let rt3 = str_of(&third, "refresh_token");
    assert!(rt3 != rt1 && rt3 != rt2);
    let mut scopes: Vec<&str> = str_of(&third, "scope").split(' ').collect();
    scopes.sort();
    assert_eq!(scopes, ["offline_access", "openid"]);
    let response = userinfo(&server, str_of(&third, "access_token")).await;
    assert_eq!(response.status(), 200);
    let info: Value = response.json().await.unwrap();
    assert_eq!(info["sub"], sub);
    assert!(
        info.get("email").is_none(),
        "narrowed scope still gives email: {info}"
    );

    // A rotated-out token is refused.
    assert_token_error(web.refresh(&server, rt1).await, "invalid_grant").await;
}

async fn reuse_revokes_the_family(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", "Example Web App", OFFLINE_SCOPES);
    let server = env.start().await;
    let browser = Browser::new(&env.issuer());

    let first = browser.tokens(&server, &web, OFFLINE, "alice").await;
    let rt1 = str_of(&first, "refresh_token");
    let second = ok_json(web.refresh(&server, rt1).await).await;
    let rt2 = str_of(&second, "refresh_token");

    // Someone replays the old token: refused, and the newest one dies with it.
    assert_token_error(web.refresh(&server, rt1).await, "invalid_grant").await;
    assert_token_error(web.refresh(&server, rt2).await, "invalid_grant").await;

    // A fresh sign-in starts a new family that works.
    let other = browser.tokens(&server, &web, OFFLINE, "alice").await;
    ok_json(web.refresh(&server, str_of(&other, "refresh_token")).await).await;
}

async fn concurrent_refresh_has_one_winner(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", "Example Web App", OFFLINE_SCOPES);
    let server = env.start().await;
    let browser = Browser::new(&env.issuer());

    for round in 0..10 {
        // A new family each round: the loser's attempt counts as reuse.
        let tokens = browser.tokens(&server, &web, OFFLINE, "alice").await;
        let rt = str_of(&tokens, "refresh_token");
        let (a, b) = tokio::join!(web.refresh(&server, rt), web.refresh(&server, rt));
        let mut outcomes = Vec::new();
        for response in [a, b] {
            let status = response.status().as_u16();
            let text = response.text().await.unwrap();
            let body: Value = serde_json::from_str(&text)
                .unwrap_or_else(|_| panic!("round {round}: status {status}, not JSON: {text:?}"));
            outcomes.push((status, body));
        }
        outcomes.sort_by_key(|(status, _)| *status);
        let statuses: Vec<u16> = outcomes.iter().map(|(s, _)| *s).collect();
        assert_eq!(
            statuses,
            [200, 400],
            "round {round}: exactly one refresh must win: {outcomes:?}"
        );
        assert!(outcomes[0].1["refresh_token"].is_string(), "round {round}");
        assert_eq!(
            outcomes[1].1["error"], "invalid_grant",
            "round {round}: {outcomes:?}"
        );
    }
}

/// Another client presenting a refresh token gets `invalid_grant`, and the token and its grant
/// are left as they were (see the comment in src/oidc/token/refresh_token.rs).
async fn refresh_token_is_bound_to_its_client(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", "Example Web App", OFFLINE_SCOPES);
    let other = env.add_web_client("other", "Other App", OFFLINE_SCOPES);
    let mut public_args = vec!["--public"];
    public_args.extend_from_slice(OFFLINE_SCOPES);
    let spa = env.add_web_client("spa", "Single Page App", &public_args);
    let server = env.start().await;
    let browser = Browser::new(&env.issuer());

    let tokens = browser.tokens(&server, &web, OFFLINE, "alice").await;
    let rt = str_of(&tokens, "refresh_token");

    // Another confidential client, with its own valid credentials.
    assert_token_error(other.refresh(&server, rt).await, "invalid_grant").await;
    // A public client naming itself.
    assert_token_error(spa.refresh(&server, rt).await, "invalid_grant").await;

    // Their attempts left the token and its grant alone: the owner still refreshes with it,
    // once, and the tokens it gets work.
    let renewed = ok_json(web.refresh(&server, rt).await).await;
    let response = userinfo(&server, str_of(&renewed, "access_token")).await;
    assert_eq!(response.status(), 200);
    let rt2 = str_of(&renewed, "refresh_token");
    // Another client presenting the owner's used token is no replay by the owner: the grant
    // survives it (the owner's own old token coming back revokes it, see
    // reuse_revokes_the_family).
    assert_token_error(other.refresh(&server, rt).await, "invalid_grant").await;
    assert_token_error(spa.refresh(&server, rt2).await, "invalid_grant").await;
    let third = ok_json(web.refresh(&server, rt2).await).await;
    ok_json(web.refresh(&server, str_of(&third, "refresh_token")).await).await;
    assert_token_error(web.refresh(&server, rt2).await, "invalid_grant").await;

    // The public client's own refresh tokens do work for it.
    let tokens = browser.tokens(&server, &spa, OFFLINE, "alice").await;
    ok_json(spa.refresh(&server, str_of(&tokens, "refresh_token")).await).await;
}

/// A refresh that asks for more than was granted is refused without using the token up: the
/// client's next ordinary refresh works (once), instead of counting as a replay.
async fn refused_scope_does_not_use_up_the_token(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", "Example Web App", OFFLINE_SCOPES);
    let server = env.start().await;
    let browser = Browser::new(&env.issuer());

    let tokens = browser
        .tokens(&server, &web, "openid profile offline_access", "alice")
        .await;
    let rt = str_of(&tokens, "refresh_token");
    // `email` is registered for the client but was not granted; `admin` is neither.
    for wider in ["openid profile email offline_access", "openid admin"] {
        let refused = web
            .token_request(
                &server,
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", rt),
                    ("scope", wider),
                ],
            )
            .await;
        assert_token_error(refused, "invalid_scope").await;
    }

    let renewed = ok_json(web.refresh(&server, rt).await).await;
    let rt2 = str_of(&renewed, "refresh_token");
    assert_ne!(rt2, rt);
    let mut scopes: Vec<&str> = str_of(&renewed, "scope").split(' ').collect();
    scopes.sort();
    assert_eq!(scopes, ["offline_access", "openid", "profile"]);
    // Exactly once: the same token again is a replay, which ends the grant.
    assert_token_error(web.refresh(&server, rt).await, "invalid_grant").await;
    assert_token_error(web.refresh(&server, rt2).await, "invalid_grant").await;
}

async fn no_refresh_token_without_the_grant(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let mut args = vec!["--grant", "authorization_code"];
    args.extend_from_slice(OFFLINE_SCOPES);
    let web = env.add_web_client("webapp", "Example Web App", &args);
    let server = env.start().await;
    let browser = Browser::new(&env.issuer());

    let tokens = browser.tokens(&server, &web, OFFLINE, "alice").await;
    assert!(str_of(&tokens, "access_token").len() > 16);
    assert!(
        tokens.get("refresh_token").is_none(),
        "refresh token for a client without the refresh_token grant: {tokens}"
    );
}
