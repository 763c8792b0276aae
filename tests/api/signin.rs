//! The authorization code flow: a person signs in through the login and consent pages, a relying
//! party exchanges the code and reads userinfo; plus every way that must be refused.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};
use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{
    assert_token_error, input_value, jwt_header, location, query_params, set_cookie, userinfo,
    verify_with_jwks, AuthRequest, Backend, Browser, Decision, Form, TestEnv, WebClient,
    OFFLINE_SCOPES, PASSWORD,
};

on_both_backends!(
    relying_party_code_flow,
    public_client_with_pkce,
    unknown_client_or_redirect_uri_is_not_redirected,
    authorization_errors_redirect_to_the_client,
    wrong_code_verifier_is_refused,
    code_replay_revokes_tokens,
    denied_consent_returns_access_denied,
    prompt_none_without_session_or_consent,
    login_without_csrf_is_forbidden,
    failed_logins_look_identical,
    consent_is_remembered_and_first_party_skips_it,
    logout_ends_the_session,
    userinfo_refusals
);

const WEB_NAME: &str = "Example Web App";

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
}

/// Asserts a refusal shown to the person: status 400, an HTML page, and no redirect.
async fn assert_error_page(response: reqwest::Response, what: &str) {
    assert_eq!(response.status(), 400, "{what}");
    assert_eq!(location(&response), None, "{what}: must not redirect");
    let content_type = header(&response, "content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("text/html"),
        "{what}: {content_type}"
    );
}

/// Asserts a 303 error redirect to the client: `error`, the echoed state and `iss`, no code.
fn assert_error_redirect(
    response: &reqwest::Response,
    request: &AuthRequest,
    issuer: &str,
    error: &str,
) {
    assert_eq!(response.status(), 303, "expected {error}");
    let target = url::Url::parse(&location(response).expect("Location")).unwrap();
    assert!(
        target.as_str().starts_with(crate::support::REDIRECT_URI),
        "{target}"
    );
    let params = query_params(&target);
    assert_eq!(
        params.get("error").map(String::as_str),
        Some(error),
        "{target}"
    );
    assert!(params.contains_key("error_description"), "{target}");
    assert_eq!(params.get("state"), Some(&request.state), "{target}");
    assert_eq!(
        params.get("iss").map(String::as_str),
        Some(issuer),
        "{target}"
    );
    assert!(!params.contains_key("code"), "{target}");
}

/// Asserts a 401 from userinfo whose challenge says `invalid_token`.
async fn assert_invalid_token(response: reqwest::Response, what: &str) {
    assert_eq!(response.status(), 401, "{what}");
    let challenge = header(&response, "www-authenticate").unwrap_or_default();
    assert!(challenge.starts_with("Bearer"), "{what}: {challenge}");
    assert!(
        challenge.contains("error=\"invalid_token\""),
        "{what}: {challenge}"
    );
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn scopes_of(body: &Value) -> Vec<String> {
    let mut scopes: Vec<String> = body["scope"]
        .as_str()
        .unwrap_or_default()
        .split(' ')
        .map(String::from)
        .collect();
    scopes.sort();
    scopes
}

async fn relying_party_code_flow(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", WEB_NAME, &[]);
    let server = env.start().await;
    let issuer = env.issuer();

    // Discovery advertises the code flow.
    let doc = server.get_json("/.well-known/openid-configuration").await;
    for (field, path) in [
        ("authorization_endpoint", "/authorize"),
        ("token_endpoint", "/token"),
        ("userinfo_endpoint", "/userinfo"),
        ("end_session_endpoint", "/logout"),
    ] {
        assert_eq!(doc[field], format!("{issuer}{path}"), "{field}");
    }
    assert!(doc["jwks_uri"].is_string());
    assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    let has = |field: &str, value: &str| {
        doc[field]
            .as_array()
            .unwrap_or_else(|| panic!("{field} missing"))
            .iter()
            .any(|v| v == value)
    };
    for grant in ["authorization_code", "refresh_token", "client_credentials"] {
        assert!(has("grant_types_supported", grant), "{grant}");
    }
    for method in ["client_secret_basic", "client_secret_post", "none"] {
        assert!(
            has("token_endpoint_auth_methods_supported", method),
            "{method}"
        );
    }
    for scope in ["openid", "profile", "email", "offline_access"] {
        assert!(has("scopes_supported", scope), "{scope}");
    }

    // A stock relying party discovers the provider and builds its request.
    let http = openidconnect::reqwest::ClientBuilder::new()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(issuer.clone()).unwrap(), &http)
            .await
            .expect("discovery");
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(web.id.clone()),
        Some(ClientSecret::new(web.secret.clone().unwrap())),
    )
    .set_redirect_uri(RedirectUrl::new(web.redirect_uri.clone()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .url();
    assert!(auth_url
        .as_str()
        .starts_with(&format!("{issuer}/authorize?")));

    // No session yet: the provider sends the browser to its login page.
    let browser = Browser::new(&issuer);
    let response = browser.get(auth_url.as_str()).await;
    assert_eq!(response.status(), 303);
    let login_url = browser.resolve(&location(&response).unwrap());
    assert_eq!(login_url.origin(), browser.resolve("/").origin());
    assert_eq!(login_url.path(), "/login");
    let req = query_params(&login_url)
        .get("req")
        .cloned()
        .expect("req in the login URL");

    let response = browser.get(login_url.as_str()).await;
    assert_eq!(response.status(), 200);
    assert!(
        set_cookie(&response, "idp_csrf").is_some(),
        "no idp_csrf cookie"
    );
    let html = response.text().await.unwrap();
    assert!(
        html.contains(r#"<form method="post" action="/login">"#),
        "{html}"
    );
    assert!(html.contains(r#"name="username""#), "{html}");
    assert!(html.contains(r#"name="password""#), "{html}");
    let form = Form::parse(&html);
    assert_eq!(form.req, req);
    assert!(!form.csrf.is_empty());

    // The password is right: a session starts and the request resumes.
    let response = browser.post_login(&form, "alice", PASSWORD).await;
    assert_eq!(response.status(), 303);
    let cookie = set_cookie(&response, "idp_session").expect("idp_session cookie set");
    let attributes = cookie.to_ascii_lowercase();
    assert!(attributes.contains("httponly"), "{cookie}");
    assert!(attributes.contains("samesite=lax"), "{cookie}");
    let resume = browser.resolve(&location(&response).unwrap());
    assert_eq!(resume.path(), "/authorize/resume");
    assert_eq!(query_params(&resume).get("req"), Some(&req));

    // The client is not first-party: the pipeline sends the person to the consent page, which
    // names the client.
    let response = browser.get(resume.as_str()).await;
    assert_eq!(response.status(), 303);
    let consent = browser.resolve(&location(&response).unwrap());
    assert_eq!(consent.path(), "/consent");
    let response = browser.get(consent.as_str()).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(
        html.contains(r#"<form method="post" action="/consent">"#),
        "{html}"
    );
    assert!(html.contains(WEB_NAME), "client name not shown: {html}");
    assert!(html.contains(r#"name="decision" value="allow""#), "{html}");
    assert!(html.contains(r#"name="decision" value="deny""#), "{html}");
    let form = Form::parse(&html);
    assert_eq!(form.req, req);

    // The answer is recorded, and the pipeline resumes to issue the code.
    let response = browser.post_consent(&form, Decision::Allow).await;
    assert_eq!(response.status(), 303);
    let resume = browser.resolve(&location(&response).unwrap());
    assert_eq!(resume.path(), "/authorize/resume");
    let response = browser.get(resume.as_str()).await;
    assert_eq!(response.status(), 303);
    let callback = url::Url::parse(&location(&response).unwrap()).unwrap();
    assert!(
        callback.as_str().starts_with(&web.redirect_uri),
        "{callback}"
    );
    let params = query_params(&callback);
    assert_eq!(params.get("state"), Some(state.secret()));
    assert_eq!(params.get("iss"), Some(&issuer));
    let code = params.get("code").expect("code").clone();

    // The relying party exchanges the code and checks the ID token.
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange");
    assert!(
        tokens.refresh_token().is_none(),
        "no refresh token without offline_access"
    );
    let id_token = tokens.id_token().expect("id_token");
    let id_verifier = client.id_token_verifier();
    let claims = id_token
        .claims(&id_verifier, &nonce)
        .expect("ID token verifies");
    assert_eq!(claims.issuer().as_str(), issuer);
    assert_eq!(claims.audiences().len(), 1);
    assert_eq!(claims.audiences()[0].as_str(), web.id);
    let subject = claims.subject().clone();
    assert_ne!(subject.as_str(), "alice", "sub must be opaque");
    assert!(claims.auth_time().is_some());
    let expected_hash = claims.access_token_hash().expect("at_hash");
    let actual_hash = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&id_verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(actual_hash.as_str(), expected_hash.as_str());

    let jwks = server.get_json("/jwks.json").await;
    let id_token = id_token.to_string();
    assert_eq!(jwt_header(&id_token)["alg"], "RS256");
    let raw = verify_with_jwks(&id_token, &jwks);
    assert_eq!(raw["nonce"], nonce.secret().as_str());
    assert_eq!(raw["amr"], json!(["pwd"]));
    assert!(!raw["sid"].as_str().unwrap_or_default().is_empty(), "{raw}");
    for claim in ["iat", "exp", "auth_time"] {
        assert!(raw[claim].is_i64(), "{claim}: {raw}");
    }

    // The access token is a JWT for resource servers.
    let access_token = tokens.access_token().secret().clone();
    assert_eq!(jwt_header(&access_token)["typ"], "at+jwt");
    let at = verify_with_jwks(&access_token, &jwks);
    assert_eq!(at["iss"], issuer);
    assert_eq!(at["sub"], subject.as_str());
    assert_eq!(at["client_id"], web.id);

    // Userinfo, through the relying party and by hand (GET and POST).
    let info: CoreUserInfoClaims = client
        .user_info(tokens.access_token().clone(), Some(subject.clone()))
        .unwrap()
        .request_async(&http)
        .await
        .expect("userinfo");
    assert_eq!(info.subject(), &subject);
    assert_eq!(info.preferred_username().map(|u| u.as_str()), Some("alice"));
    assert_eq!(
        info.name().and_then(|n| n.get(None)).map(|n| n.as_str()),
        Some("Alice Example")
    );
    assert_eq!(info.email().map(|e| e.as_str()), Some("alice@example.com"));
    assert!(info.email_verified().is_some());
    assert!(info.updated_at().is_some());

    let response = userinfo(&server, &access_token).await;
    assert_eq!(response.status(), 200);
    let by_get: Value = response.json().await.unwrap();
    let response = server
        .http
        .post(server.url("/userinfo"))
        .bearer_auth(&access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let by_post: Value = response.json().await.unwrap();
    assert_eq!(by_get, by_post);
    assert_eq!(by_get["sub"], subject.as_str());
    assert!(by_get["email_verified"].is_boolean(), "{by_get}");
}

async fn public_client_with_pkce(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let spa = env.add_web_client("spa", "Single Page App", &["--public"]);
    let server = env.start().await;
    let issuer = env.issuer();
    let browser = Browser::new(&issuer);

    // The authorization endpoint takes a POSTed form as well.
    let request = AuthRequest::new(&spa, "openid email");
    let response = browser
        .http
        .post(server.url("/authorize"))
        .form(&request.params)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        browser.resolve(&location(&response).unwrap()).path(),
        "/login"
    );
    let landing = browser
        .follow(response, "alice", PASSWORD, Decision::Allow)
        .await;
    assert!(landing.saw_login && landing.saw_consent);
    let code = landing.code(&request, &issuer);

    // No secret: the client identifies itself and proves possession of the verifier.
    let response = spa.redeem(&server, &code, &request.verifier).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "cache-control").as_deref(),
        Some("no-store")
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_i64().unwrap() > 0);
    assert_eq!(scopes_of(&body), ["email", "openid"]);
    assert!(body.get("refresh_token").is_none(), "{body}");
    let jwks = server.get_json("/jwks.json").await;
    let id = verify_with_jwks(body["id_token"].as_str().unwrap(), &jwks);
    assert_eq!(id["aud"], "spa");
    assert_eq!(id["iss"], issuer);
    assert_eq!(id["nonce"], request.nonce);

    // Email scope only: no profile claims.
    let response = userinfo(&server, body["access_token"].as_str().unwrap()).await;
    assert_eq!(response.status(), 200);
    let info: Value = response.json().await.unwrap();
    assert_eq!(info["sub"], id["sub"]);
    assert_eq!(info["email"], "alice@example.com");
    assert!(info.get("name").is_none(), "{info}");
}

async fn unknown_client_or_redirect_uri_is_not_redirected(backend: Backend) {
    let env = TestEnv::new(backend);
    let web = env.add_web_client("webapp", WEB_NAME, &[]);
    let server = env.start().await;
    let issuer = env.issuer();
    let browser = Browser::new(&issuer);

    let unknown = AuthRequest::new(&web, "openid").set("client_id", "no-such-client");
    assert_error_page(browser.authorize(&unknown).await, "unknown client").await;
    let response = browser
        .http
        .post(server.url("/authorize"))
        .form(&unknown.params)
        .send()
        .await
        .unwrap();
    assert_error_page(response, "unknown client (POST)").await;

    for bad in [
        "https://evil.example.com/cb",
        "https://app.example.com/cb/more",
        "https://app.example.com/cb?next=1",
        "https://app.example.com/c",
        "http://app.example.com/cb",
    ] {
        let request = AuthRequest::new(&web, "openid").set("redirect_uri", bad);
        assert_error_page(browser.authorize(&request).await, bad).await;
    }
}

async fn authorization_errors_redirect_to_the_client(backend: Backend) {
    let env = TestEnv::new(backend);
    let web = env.add_web_client("webapp", WEB_NAME, &[]);
    let spa = env.add_web_client("spa", "Single Page App", &["--public"]);
    let _server = env.start().await;
    let issuer = env.issuer();
    let browser = Browser::new(&issuer);

    let cases = [
        (
            AuthRequest::new(&web, "openid").set("code_challenge_method", "plain"),
            "invalid_request",
        ),
        (
            AuthRequest::new(&spa, "openid")
                .set("code_challenge_method", "plain")
                .set("code_challenge", &"a".repeat(43)),
            "invalid_request",
        ),
        (
            AuthRequest::new(&spa, "openid")
                .remove("code_challenge")
                .remove("code_challenge_method"),
            "invalid_request",
        ),
        (AuthRequest::new(&web, "profile email"), "invalid_scope"),
        (
            AuthRequest::new(&web, "openid offline_access"),
            "invalid_scope",
        ),
        (AuthRequest::new(&web, "openid admin"), "invalid_scope"),
        (
            AuthRequest::new(&web, "openid").set("response_type", "token"),
            "unsupported_response_type",
        ),
    ];
    for (request, error) in cases {
        let response = browser.authorize(&request).await;
        assert_error_redirect(&response, &request, &issuer, error);
    }
}

/// Signs in (or reuses the session and consent) and returns a fresh code and its verifier.
async fn new_code(browser: &Browser, client: &WebClient, issuer: &str) -> (String, String) {
    let request = AuthRequest::new(client, "openid");
    let landing = browser.sign_in(&request, "alice", Decision::Allow).await;
    (landing.code(&request, issuer), request.verifier)
}

async fn wrong_code_verifier_is_refused(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", WEB_NAME, &[]);
    let server = env.start().await;
    let issuer = env.issuer();
    let browser = Browser::new(&issuer);

    // A verifier that does not hash to the challenge.
    let (code, verifier) = new_code(&browser, &web, &issuer).await;
    let (_, other_verifier) = PkceCodeChallenge::new_random_sha256();
    assert_ne!(other_verifier.secret(), &verifier);
    let response = web.redeem(&server, &code, other_verifier.secret()).await;
    assert_token_error(response, "invalid_grant").await;

    // No verifier, though a challenge was sent.
    let (code, _) = new_code(&browser, &web, &issuer).await;
    let response = web
        .token_request(
            &server,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", &web.redirect_uri),
            ],
        )
        .await;
    assert_token_error(response, "invalid_grant").await;

    // A redirect_uri other than the one the code was issued to.
    let (code, verifier) = new_code(&browser, &web, &issuer).await;
    let response = web
        .token_request(
            &server,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", "https://app.example.com/other"),
                ("code_verifier", &verifier),
            ],
        )
        .await;
    assert_token_error(response, "invalid_grant").await;

    // The right verifier works.
    let (code, verifier) = new_code(&browser, &web, &issuer).await;
    let response = web.redeem(&server, &code, &verifier).await;
    assert_eq!(response.status(), 200);
}

async fn code_replay_revokes_tokens(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", WEB_NAME, OFFLINE_SCOPES);
    let server = env.start().await;
    let issuer = env.issuer();
    let browser = Browser::new(&issuer);

    let request = AuthRequest::new(&web, "openid profile offline_access");
    let code = browser
        .sign_in(&request, "alice", Decision::Allow)
        .await
        .code(&request, &issuer);
    let response = web.redeem(&server, &code, &request.verifier).await;
    assert_eq!(response.status(), 200);
    let first: Value = response.json().await.unwrap();
    let access_token = first["access_token"].as_str().unwrap();
    let refresh_token = first["refresh_token"]
        .as_str()
        .expect("refresh_token with offline_access");
    assert_eq!(userinfo(&server, access_token).await.status(), 200);

    // The code again: refused, and what it bought is revoked.
    let response = web.redeem(&server, &code, &request.verifier).await;
    assert_token_error(response, "invalid_grant").await;
    assert_invalid_token(
        userinfo(&server, access_token).await,
        "access token of a replayed code",
    )
    .await;
    assert_token_error(web.refresh(&server, refresh_token).await, "invalid_grant").await;
}

async fn denied_consent_returns_access_denied(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", WEB_NAME, &[]);
    let _server = env.start().await;
    let issuer = env.issuer();
    let browser = Browser::new(&issuer);

    let request = AuthRequest::new(&web, "openid profile");
    let landing = browser.sign_in(&request, "alice", Decision::Deny).await;
    assert!(landing.saw_consent);
    assert!(landing.url.as_str().starts_with(&web.redirect_uri));
    assert_eq!(landing.param("error"), Some("access_denied"));
    assert_eq!(landing.param("state"), Some(request.state.as_str()));
    assert_eq!(landing.param("code"), None);
    if let Some(iss) = landing.param("iss") {
        assert_eq!(iss, issuer);
    }

    // A refusal is not remembered as consent: the next request asks again.
    let request = AuthRequest::new(&web, "openid profile");
    let response = browser.authorize(&request).await;
    if let Some(target) = location(&response) {
        assert!(
            !query_params(&browser.resolve(&target)).contains_key("code"),
            "a code without consent: {target}"
        );
    }
    let landing = browser
        .follow(response, "alice", PASSWORD, Decision::Allow)
        .await;
    assert!(
        landing.saw_consent,
        "consent not asked again after a denial"
    );
    assert!(
        !landing.saw_login,
        "the session should have survived the denial"
    );
    landing.code(&request, &issuer);
}

async fn prompt_none_without_session_or_consent(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", WEB_NAME, &[]);
    let other = env.add_web_client("other", "Other App", &[]);
    let _server = env.start().await;
    let issuer = env.issuer();
    let browser = Browser::new(&issuer);

    // No session.
    let request = AuthRequest::new(&web, "openid").set("prompt", "none");
    let response = browser.authorize(&request).await;
    assert_error_redirect(&response, &request, &issuer, "login_required");

    // A session, and consent for one client but not the other.
    let request = AuthRequest::new(&web, "openid");
    browser
        .sign_in(&request, "alice", Decision::Allow)
        .await
        .code(&request, &issuer);
    let request = AuthRequest::new(&other, "openid").set("prompt", "none");
    let response = browser.authorize(&request).await;
    assert_error_redirect(&response, &request, &issuer, "consent_required");

    // Where nothing is missing, prompt=none answers with a code at once.
    let request = AuthRequest::new(&web, "openid").set("prompt", "none");
    let response = browser.authorize(&request).await;
    assert_eq!(response.status(), 303);
    let landing = browser
        .follow(response, "alice", PASSWORD, Decision::Deny)
        .await;
    assert!(!landing.saw_login && !landing.saw_consent);
    landing.code(&request, &issuer);
}

/// Starts a sign-in and returns the login form's hidden fields.
async fn open_login(browser: &Browser, client: &WebClient) -> Form {
    let response = browser.authorize(&AuthRequest::new(client, "openid")).await;
    assert_eq!(response.status(), 303);
    let response = browser.get(&location(&response).unwrap()).await;
    assert_eq!(response.status(), 200);
    Form::parse(&response.text().await.unwrap())
}

async fn login_without_csrf_is_forbidden(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", WEB_NAME, &[]);
    let server = env.start().await;
    let issuer = env.issuer();

    let browser = Browser::new(&issuer);
    let form = open_login(&browser, &web).await;

    let assert_forbidden = |response: reqwest::Response, browser: &Browser, what: &str| {
        assert_eq!(response.status(), 403, "{what}");
        assert_eq!(set_cookie(&response, "idp_session"), None, "{what}");
        assert!(!browser.has_cookie("idp_session", "/authorize"), "{what}");
    };

    // No csrf field at all.
    let response = browser
        .http
        .post(server.url("/login"))
        .form(&[
            ("username", "alice"),
            ("password", PASSWORD),
            ("req", &form.req),
        ])
        .send()
        .await
        .unwrap();
    assert_forbidden(response, &browser, "missing csrf");

    // A wrong value.
    let wrong = Form {
        csrf: format!("{}x", form.csrf),
        ..form.clone()
    };
    let response = browser.post_login(&wrong, "alice", PASSWORD).await;
    assert_forbidden(response, &browser, "wrong csrf");

    // Another browser's token (login CSRF): it does not match this browser's cookie.
    let attacker = Browser::new(&issuer);
    let attacker_form = open_login(&attacker, &web).await;
    let response = browser.post_login(&attacker_form, "alice", PASSWORD).await;
    assert_forbidden(response, &browser, "another browser's csrf");
    let fresh = Browser::new(&issuer);
    let response = fresh.post_login(&form, "alice", PASSWORD).await;
    assert_forbidden(response, &fresh, "no csrf cookie");

    // Nothing happened: the request is still pending, and the right token signs in.
    let response = browser.authorize(&AuthRequest::new(&web, "openid")).await;
    assert_eq!(
        browser.resolve(&location(&response).unwrap()).path(),
        "/login",
        "a session started without a valid csrf"
    );
    let response = browser.post_login(&form, "alice", PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert!(set_cookie(&response, "idp_session").is_some());
    assert!(browser.has_cookie("idp_session", "/authorize"));
}

async fn failed_logins_look_identical(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    env.add_user("bob", "Bob Example");
    env.cli_ok(&["user", "disable", "bob"], "");
    let web = env.add_web_client("webapp", WEB_NAME, &[]);
    let _server = env.start().await;
    let issuer = env.issuer();
    let browser = Browser::new(&issuer);

    let mut form = open_login(&browser, &web).await;

    let mut pages = Vec::new();
    for (username, password, what) in [
        ("alice", "not the password at all", "wrong password"),
        ("bob", PASSWORD, "disabled user"),
        ("mallory", PASSWORD, "unknown user"),
    ] {
        let response = browser.post_login(&form, username, password).await;
        assert_eq!(response.status(), 401, "{what}");
        assert_eq!(set_cookie(&response, "idp_session"), None, "{what}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains("Incorrect username or password."),
            "{what}: {html}"
        );
        // The page may carry a fresh csrf token and echo the username; nothing else may differ.
        if let Some(csrf) = input_value(&html, "csrf") {
            form.csrf = csrf;
        }
        let normalized = html
            .replace(&form.csrf, "CSRF")
            .replace(&format!("value=\"{username}\""), "value=\"USER\"");
        pages.push((what, normalized));
    }
    assert!(!browser.has_cookie("idp_session", "/authorize"));
    for (what, page) in &pages[1..] {
        assert_eq!(page, &pages[0].1, "{what} page differs from wrong password");
    }

    // The right password still works afterwards.
    let response = browser.post_login(&form, "alice", PASSWORD).await;
    assert_eq!(response.status(), 303);
}

async fn consent_is_remembered_and_first_party_skips_it(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", WEB_NAME, &[]);
    let portal = env.add_web_client("portal", "Staff Portal", &["--first-party"]);
    let server = env.start().await;
    let issuer = env.issuer();
    let browser = Browser::new(&issuer);

    let request = AuthRequest::new(&web, "openid profile");
    let landing = browser.sign_in(&request, "alice", Decision::Allow).await;
    assert!(landing.saw_login && landing.saw_consent);
    landing.code(&request, &issuer);

    // Same client, same scopes, same session: straight back with a code.
    let request = AuthRequest::new(&web, "openid profile");
    let response = browser.authorize(&request).await;
    assert_eq!(response.status(), 303);
    let target = browser.resolve(&location(&response).unwrap());
    assert!(
        target.as_str().starts_with(&web.redirect_uri),
        "remembered consent should skip every page, went to {target}"
    );
    let landing = browser
        .follow(response, "alice", PASSWORD, Decision::Deny)
        .await;
    let code = landing.code(&request, &issuer);
    assert_eq!(
        web.redeem(&server, &code, &request.verifier).await.status(),
        200
    );

    // A scope not consented to yet is asked about.
    let request = AuthRequest::new(&web, "openid profile email");
    let landing = browser.sign_in(&request, "alice", Decision::Allow).await;
    assert!(!landing.saw_login);
    assert!(landing.saw_consent, "new scope granted without asking");
    landing.code(&request, &issuer);

    // A first-party client never asks, even on a first sign-in.
    let other_browser = Browser::new(&issuer);
    let request = AuthRequest::new(&portal, "openid profile email");
    let landing = other_browser
        .sign_in(&request, "alice", Decision::Deny)
        .await;
    assert!(landing.saw_login);
    assert!(
        !landing.saw_consent,
        "first-party client shown a consent page"
    );
    let code = landing.code(&request, &issuer);
    assert_eq!(
        portal
            .redeem(&server, &code, &request.verifier)
            .await
            .status(),
        200
    );
}

async fn logout_ends_the_session(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let bye = "https://app.example.com/bye";
    let web = env.add_web_client("webapp", WEB_NAME, &["--post-logout-redirect-uri", bye]);
    let server = env.start().await;
    let issuer = env.issuer();
    let browser = Browser::new(&issuer);
    let tokens = browser.tokens(&server, &web, "openid", "alice").await;
    let id_token = tokens["id_token"].as_str().unwrap();
    let logout_url = |target: &str| {
        url::Url::parse_with_params(
            &format!("{issuer}/logout"),
            [
                ("id_token_hint", id_token),
                ("post_logout_redirect_uri", target),
                ("state", "xyz"),
            ],
        )
        .unwrap()
        .to_string()
    };

    // An unregistered target is refused without a redirect.
    let response = browser
        .get(&logout_url("https://evil.example.com/bye"))
        .await;
    assert_error_page(response, "unregistered post_logout_redirect_uri").await;

    let response = browser.get(&logout_url(bye)).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response).as_deref(),
        Some("https://app.example.com/bye?state=xyz")
    );

    // The session is over.
    let request = AuthRequest::new(&web, "openid");
    let response = browser.authorize(&request).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        browser.resolve(&location(&response).unwrap()).path(),
        "/login",
        "still signed in after logout"
    );
    let request = AuthRequest::new(&web, "openid").set("prompt", "none");
    let response = browser.authorize(&request).await;
    assert_error_redirect(&response, &request, &issuer, "login_required");
}

async fn userinfo_refusals(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", WEB_NAME, &[]);
    let (machine, machine_secret) =
        env.add_machine_client("svc", "https://api.example.com", &["reports.read"]);
    let server = env.start().await;
    let browser = Browser::new(&env.issuer());
    let tokens = browser
        .tokens(&server, &web, "openid profile email", "alice")
        .await;
    let access_token = tokens["access_token"].as_str().unwrap();
    assert_eq!(userinfo(&server, access_token).await.status(), 200);

    // No token.
    for response in [
        server
            .http
            .get(server.url("/userinfo"))
            .send()
            .await
            .unwrap(),
        server
            .http
            .post(server.url("/userinfo"))
            .send()
            .await
            .unwrap(),
    ] {
        assert_eq!(response.status(), 401);
        let challenge = header(&response, "www-authenticate").unwrap_or_default();
        assert!(challenge.starts_with("Bearer"), "{challenge}");
    }

    // A changed payload under the original signature.
    let parts: Vec<&str> = access_token.split('.').collect();
    let mut payload: Value = {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    };
    payload["sub"] = json!("someone-else");
    let payload = b64(payload.to_string().as_bytes());
    let forged = format!("{}.{}.{}", parts[0], payload, parts[2]);
    assert_invalid_token(userinfo(&server, &forged).await, "forged signature").await;

    // alg none, with the original claims and no signature.
    let none_header = b64(br#"{"alg":"none","typ":"at+jwt"}"#);
    let unsigned = format!("{none_header}.{}.", parts[1]);
    assert_invalid_token(userinfo(&server, &unsigned).await, "alg none").await;

    // Garbage.
    assert_invalid_token(userinfo(&server, "not-a-jwt").await, "garbage").await;

    // A genuine token, but for another audience (client_credentials).
    let response = crate::support::token_request(
        &server,
        Some((&machine, &machine_secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let machine_token = body["access_token"].as_str().unwrap();
    assert_invalid_token(
        userinfo(&server, machine_token).await,
        "client_credentials token",
    )
    .await;
}
