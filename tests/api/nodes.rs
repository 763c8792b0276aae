//! Several nodes act as one provider: two `idp serve` processes on one PostgreSQL database (and
//! Redis when TEST_REDIS_URL is set), with one issuer as behind a load balancer. A browser
//! session, a pending sign-in, a code, a consent and a refresh token made through one node work
//! through the other; single-use values stay single-use when both nodes receive them at the same
//! moment; rotated keys and revocations reach both. PostgreSQL only: it is what nodes share.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{
    jwt_header, require, token_request, userinfo, verify_with_jwks, AuthRequest, Backend, Browser,
    Decision, Prerequisite, TestEnv, TestServer, WebClient, OFFLINE_SCOPES, PASSWORD,
};

const OFFLINE: &str = "openid profile email offline_access";
/// How many times each race is run, each with fresh values.
const ROUNDS: usize = 10;

/// A PostgreSQL env with one user and one confidential web client, and two nodes on it; `None`
/// when TEST_DATABASE_URL is not set (outside CI).
async fn two_nodes() -> Option<(TestEnv, WebClient, TestServer, TestServer)> {
    if !require(Prerequisite::Postgres) {
        return None;
    }
    let env = TestEnv::new(Backend::Postgres)
        .with_env("IDP_KEYS__REFRESH_SECS", "1")
        .with_env("IDP_KEYS__PUBLISH_LEAD_SECS", "0");
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", "Example Web App", OFFLINE_SCOPES);
    let a = env.start().await;
    let b = env.start_node().await;
    assert_ne!(a.base, b.base);
    Some((env, web, a, b))
}

fn str_of<'a>(body: &'a Value, field: &str) -> &'a str {
    body[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} missing: {body}"))
}

async fn ok_json(response: reqwest::Response, what: &str) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{what}: {body}");
    body
}

/// Signs in (or reuses the browser's session) through `browser` and returns the code and the
/// request it answers.
async fn code(browser: &Browser, web: &WebClient, issuer: &str) -> (String, AuthRequest) {
    let request = AuthRequest::new(web, OFFLINE);
    let landing = browser.sign_in(&request, "alice", Decision::Allow).await;
    (landing.code(&request, issuer), request)
}

/// Both answers of a race: exactly one 200; the other a clean `invalid_grant`.
async fn one_winner(
    round: usize,
    what: &str,
    (first, second): (reqwest::Response, reqwest::Response),
) -> Value {
    let mut winners = Vec::new();
    for (node, response) in [("A", first), ("B", second)] {
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        match status.as_u16() {
            200 => winners.push(body),
            400 => assert_eq!(body["error"], "invalid_grant", "{what} at {node}: {body}"),
            other => panic!("round {round}: {what} at {node} answered {other}: {body}"),
        }
    }
    assert_eq!(
        winners.len(),
        1,
        "round {round}: {what} sent to both nodes at once must succeed exactly once"
    );
    winners.pop().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_on_one_node_continues_on_the_other() {
    let Some((env, web, a, b)) = two_nodes().await else {
        return;
    };
    let issuer = env.issuer();
    assert_eq!(
        a.get_json("/.well-known/openid-configuration").await["issuer"],
        issuer
    );
    assert_eq!(
        b.get_json("/.well-known/openid-configuration").await["issuer"],
        issuer
    );
    let jwks_b = b.get_json("/jwks.json").await;

    // Sign in on A, exchange the code on B, refresh on A, userinfo on B.
    let browser = Browser::new(&a.base);
    let (code, request) = code(&browser, &web, &issuer).await;
    let tokens = ok_json(web.redeem(&b, &code, &request.verifier).await, "code at B").await;
    let id = verify_with_jwks(str_of(&tokens, "id_token"), &jwks_b);
    assert_eq!(id["iss"], issuer);
    assert_eq!(id["nonce"], request.nonce.as_str());
    let refreshed = ok_json(
        web.refresh(&a, str_of(&tokens, "refresh_token")).await,
        "refresh at A",
    )
    .await;
    let response = userinfo(&b, str_of(&refreshed, "access_token")).await;
    assert_eq!(response.status(), 200);
    let info: Value = response.json().await.unwrap();
    assert_eq!(info["sub"], id["sub"]);
    assert_eq!(info["email"], "alice@example.com");
    // The rotated-out token is refused on B too: the rotation was shared.
    let reuse = web.refresh(&b, str_of(&tokens, "refresh_token")).await;
    assert_eq!(
        reuse.status(),
        400,
        "a used refresh token is refused on every node"
    );

    // The session made on A (and the consent given there) works on B: no login, no consent.
    let on_b = browser.via(&b.base);
    let request = AuthRequest::new(&web, OFFLINE);
    let landing = on_b.sign_in(&request, "alice", Decision::Allow).await;
    assert!(!landing.saw_login, "the session made on A is unknown to B");
    assert!(
        !landing.saw_consent,
        "the consent given on A is unknown to B"
    );
    let code = landing.code(&request, &issuer);
    ok_json(
        web.redeem(&a, &code, &request.verifier).await,
        "code from B at A",
    )
    .await;

    // A sign-in begun on A (the pending request, its CSRF token) is finished on B.
    env.add_user("bob", "Bob Example");
    let bob_on_a = Browser::new(&a.base);
    let bob_on_b = bob_on_a.via(&b.base);
    let request = AuthRequest::new(&web, OFFLINE);
    let started = bob_on_a.authorize(&request).await;
    let landing = bob_on_b
        .follow(started, "bob", PASSWORD, Decision::Allow)
        .await;
    assert!(landing.saw_login && landing.saw_consent);
    let code = landing.code(&request, &issuer);
    let bob = ok_json(web.redeem(&a, &code, &request.verifier).await, "bob's code").await;
    let jwks_a = a.get_json("/jwks.json").await;
    assert_ne!(
        verify_with_jwks(str_of(&bob, "id_token"), &jwks_a)["sub"],
        id["sub"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_sent_to_both_nodes_at_once_is_redeemed_once() {
    let Some((env, web, a, b)) = two_nodes().await else {
        return;
    };
    let issuer = env.issuer();
    let browser = Browser::new(&a.base);
    for round in 0..ROUNDS {
        let (code, request) = code(&browser, &web, &issuer).await;
        let race = tokio::join!(
            web.redeem(&a, &code, &request.verifier),
            web.redeem(&b, &code, &request.verifier)
        );
        one_winner(round, "the same code", race).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_token_sent_to_both_nodes_at_once_is_used_once() {
    let Some((env, web, a, b)) = two_nodes().await else {
        return;
    };
    let issuer = env.issuer();
    let browser = Browser::new(&a.base);
    for round in 0..ROUNDS {
        let (code, request) = code(&browser, &web, &issuer).await;
        let tokens = ok_json(web.redeem(&b, &code, &request.verifier).await, "code").await;
        let refresh_token = str_of(&tokens, "refresh_token");
        let race = tokio::join!(
            web.refresh(&a, refresh_token),
            web.refresh(&b, refresh_token)
        );
        one_winner(round, "the same refresh token", race).await;
    }
}

fn kids(jwks: &Value) -> HashSet<String> {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_reaches_every_node_within_the_refresh_interval() {
    let Some((env, web, a, b)) = two_nodes().await else {
        return;
    };
    let refresh = Duration::from_secs(1); // IDP_KEYS__REFRESH_SECS
    let (id, secret) = env.add_machine_client("svc", "https://api.example.com", &["a"]);
    let old_kids = kids(&a.get_json("/jwks.json").await);
    assert_eq!(old_kids, kids(&b.get_json("/jwks.json").await));

    let out = env.cli_ok(&["keys", "rotate"], "");
    let rotated_at = Instant::now();
    let new_keys: Vec<(String, String)> = out
        .lines()
        .filter_map(|l| l.strip_prefix("new "))
        .map(|rest| {
            let mut words = rest.split_whitespace();
            let alg = words.next().unwrap().to_string();
            assert_eq!(words.next(), Some("key"), "{out}");
            (alg, words.next().unwrap().to_string())
        })
        .collect();
    assert_eq!(new_keys.len(), 3, "one new key per algorithm: {out}");

    // Both nodes publish every new key (and still the old ones) within the refresh interval
    // and the time a reload takes; the slack allows for a loaded machine.
    let deadline = rotated_at + refresh + Duration::from_secs(2);
    let mut pending = vec![(&a, "A"), (&b, "B")];
    while !pending.is_empty() {
        let mut still = Vec::new();
        for (node, name) in pending {
            let published = kids(&node.get_json("/jwks.json").await);
            if new_keys.iter().all(|(_, kid)| published.contains(kid)) {
                assert!(
                    published.is_superset(&old_kids),
                    "node {name} dropped old keys"
                );
                eprintln!(
                    "node {name} serves the new keys after {:?}",
                    rotated_at.elapsed()
                );
            } else {
                assert!(
                    Instant::now() < deadline,
                    "node {name} did not serve the rotated keys within {:?}",
                    deadline - rotated_at
                );
                still.push((node, name));
            }
        }
        pending = still;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Both sign with the new keys, and each node's tokens verify with the other's JWKS.
    let new_kid = |alg: &str| {
        new_keys
            .iter()
            .find(|(a, _)| a == alg)
            .map(|(_, kid)| kid.clone())
            .unwrap()
    };
    let browser = Browser::new(&a.base);
    for (node, other) in [(&a, &b), (&b, &a)] {
        let jwks = other.get_json("/jwks.json").await;
        let response = token_request(
            node,
            Some((&id, &secret)),
            &[("grant_type", "client_credentials")],
        )
        .await;
        let machine = ok_json(response, "client_credentials").await;
        let access_token = str_of(&machine, "access_token");
        assert_eq!(jwt_header(access_token)["kid"], new_kid("ES256").as_str());
        verify_with_jwks(access_token, &jwks);

        let (code, request) = code(&browser, &web, &env.issuer()).await;
        let tokens = ok_json(web.redeem(node, &code, &request.verifier).await, "code").await;
        let id_token = str_of(&tokens, "id_token");
        assert_eq!(jwt_header(id_token)["kid"], new_kid("RS256").as_str());
        verify_with_jwks(id_token, &jwks);
        assert_eq!(
            userinfo(other, str_of(&tokens, "access_token"))
                .await
                .status(),
            200
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_on_one_node_holds_on_the_other() {
    let Some((env, web, a, b)) = two_nodes().await else {
        return;
    };
    let secret = web.secret.clone().expect("a confidential client");
    let introspect = |node: &TestServer, token: &str| {
        node.http
            .post(node.url("/introspect"))
            .basic_auth(&web.id, Some(&secret))
            .form(&[("token", token)])
            .send()
    };
    let browser = Browser::new(&a.base);
    let (code, request) = code(&browser, &web, &env.issuer()).await;
    let tokens = ok_json(web.redeem(&a, &code, &request.verifier).await, "code").await;
    let access_token = str_of(&tokens, "access_token");
    let refresh_token = str_of(&tokens, "refresh_token");

    let before = ok_json(introspect(&b, access_token).await.unwrap(), "introspect").await;
    assert_eq!(before["active"], true, "{before}");

    // An access token revoked at A is inactive at B, and refused by B's userinfo.
    let revoked = a
        .http
        .post(a.url("/revoke"))
        .basic_auth(&web.id, Some(&secret))
        .form(&[("token", access_token), ("token_type_hint", "access_token")])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    let after = ok_json(introspect(&b, access_token).await.unwrap(), "introspect").await;
    assert_eq!(after, serde_json::json!({ "active": false }));
    assert_eq!(userinfo(&b, access_token).await.status(), 401);

    // A refresh token revoked at B cannot be used at A.
    let active = ok_json(introspect(&a, refresh_token).await.unwrap(), "introspect").await;
    assert_eq!(active["active"], true, "{active}");
    let revoked = b
        .http
        .post(b.url("/revoke"))
        .basic_auth(&web.id, Some(&secret))
        .form(&[("token", refresh_token)])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    let refused = web.refresh(&a, refresh_token).await;
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_starting_together_on_an_empty_database_agree() {
    if !require(Prerequisite::Postgres) {
        return;
    }
    // Production's shape: the key-encryption key comes from the configuration, not a file.
    let kek = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode([7u8; 32])
    };
    let env = TestEnv::new(Backend::Postgres).with_env("IDP_KEYS__ENCRYPTION_KEY", &kek);
    let (a, b) = tokio::join!(env.start(), env.start_node());

    // One set of signing keys (one per algorithm), published alike by both.
    let jwks_a = a.get_json("/jwks.json").await;
    let jwks_b = b.get_json("/jwks.json").await;
    assert_eq!(kids(&jwks_a), kids(&jwks_b));
    let mut algs: Vec<&str> = jwks_a["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["alg"].as_str().unwrap())
        .collect();
    algs.sort();
    assert_eq!(algs, ["ES256", "EdDSA", "RS256"], "{jwks_a}");

    // One first admin, announced by exactly one node.
    let announced = [a.output(), b.output()]
        .iter()
        .filter(|out| out.contains("one-time password"))
        .count();
    assert_eq!(announced, 1, "A: {}\nB: {}", a.output(), b.output());
    let users = env.cli_ok(&["user", "list"], "");
    assert_eq!(
        users.lines().filter(|l| l.contains("admin")).count(),
        1,
        "{users}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_on_one_node_ends_the_session_on_the_other() {
    let Some((env, web, a, b)) = two_nodes().await else {
        return;
    };
    let issuer = env.issuer();
    let on_a = Browser::new(&a.base);
    let (code, request) = code(&on_a, &web, &issuer).await;
    let tokens = ok_json(web.redeem(&a, &code, &request.verifier).await, "code").await;

    let on_b = on_a.via(&b.base);
    let logout = url::Url::parse_with_params(
        &b.url("/logout"),
        [("id_token_hint", str_of(&tokens, "id_token"))],
    )
    .unwrap();
    let response = on_b.get(logout.as_str()).await;
    assert!(
        response.status().is_success() || response.status().is_redirection(),
        "logout at B: {}",
        response.status()
    );

    // A no longer knows the session either: the sign-in starts at the login page.
    let request = AuthRequest::new(&web, OFFLINE);
    let response = on_a.authorize(&request).await;
    assert_eq!(response.status(), 303);
    let next = crate::support::location(&response).unwrap();
    assert_eq!(on_a.resolve(&next).path(), "/login", "still signed in at A");
}
