//! The provider as Node apps meet it: openid-client (the npm package, installed under target/)
//! runs a web app that authenticates with `client_secret_jwt` — sign-in through PAR with PKCE
//! and DPoP, the ID token and userinfo checked by the library, refresh, introspection,
//! revocation — and a service that authenticates with an Ed25519 key, which the library names
//! `Ed25519` (RFC 9864).

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::on_both_backends;
use crate::support::{
    ed25519_client_key, npm_install, random_suffix, require, Backend, Browser, Prerequisite,
    TestEnv, OFFLINE_SCOPES, REDIRECT_URI,
};

on_both_backends!(openid_client_signs_in_with_client_secret_jwt_and_ed25519);

const AUDIENCE: &str = "https://api.example.com";

pub fn node_library_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/node-rp")
}

pub fn node_library() -> PathBuf {
    node_library_dir().join("node_modules/openid-client/package.json")
}

/// Reads one JSON line the script wrote; its error line fails the test with what it said.
fn read_line(out: &mut impl BufRead) -> Value {
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let value: Value = serde_json::from_str(&line)
        .unwrap_or_else(|_| panic!("openid-client printed no JSON: {line:?}"));
    assert!(
        value.get("error").is_none(),
        "openid-client failed: {value}"
    );
    value
}

async fn openid_client_signs_in_with_client_secret_jwt_and_ed25519(backend: Backend) {
    npm_install(&node_library_dir(), "openid-client@6", &node_library());
    if !require(Prerequisite::NodeClientLibrary) {
        return;
    }
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice Example");
    let mut extra = vec!["--client-secret-jwt"];
    extra.extend_from_slice(OFFLINE_SCOPES);
    let web = env.add_web_client("node-web", "Node web app", &extra);
    let (pem, jwks) = ed25519_client_key(&env, "ed-1");
    let key_file = env.dir.join("service-key.pem");
    std::fs::write(&key_file, pem).unwrap();
    env.cli_ok(
        &[
            "client",
            "add",
            "--name",
            "Node service",
            "--id",
            "node-service",
            "--grant",
            "client_credentials",
            "--audience",
            AUDIENCE,
            "--jwks-file",
            jwks.to_str().unwrap(),
        ],
        "",
    );
    let server = env.start().await;
    let issuer = env.issuer();

    // ESM resolves packages from the script's own directory: run it from beside node_modules.
    let script = node_library_dir().join(format!("rp-{}.mjs", random_suffix()));
    std::fs::write(&script, include_str!("node/rp.mjs")).unwrap();
    let mut node = Command::new("node")
        .arg(&script)
        .args([
            &issuer,
            &web.id,
            web.secret.as_deref().unwrap(),
            REDIRECT_URI,
            "node-service",
        ])
        .arg(&key_file)
        .arg(AUDIENCE)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs");
    let mut stdin = node.stdin.take().unwrap();
    let mut stdout = BufReader::new(node.stdout.take().unwrap());
    let first = tokio::task::spawn_blocking(move || (read_line(&mut stdout), stdout));
    let (first, mut stdout) = first.await.unwrap();
    let authorize = first["authorize"].as_str().unwrap().to_string();
    assert!(
        authorize.contains("request_uri="),
        "PAR was used: {authorize}"
    );

    let browser = Browser::new(&issuer);
    let response = browser.get(&authorize).await;
    let landing = browser
        .follow(
            response,
            "alice",
            crate::support::PASSWORD,
            crate::support::Decision::Allow,
        )
        .await;
    writeln!(stdin, "{}", landing.url).unwrap();
    let result = tokio::task::spawn_blocking(move || read_line(&mut stdout))
        .await
        .unwrap();
    drop(stdin);
    let _ = std::fs::remove_file(&script);
    assert!(node.wait().unwrap().success());

    let web = &result["web"];
    assert_eq!(web["token_type"], "dpop", "{web}");
    assert_eq!(web["claims"]["iss"], issuer.as_str());
    assert_eq!(web["claims"]["aud"], "node-web");
    assert_eq!(web["userinfo"]["email"], "alice@example.com");
    assert_eq!(web["userinfo"]["sub"], web["claims"]["sub"]);
    assert_eq!(web["refreshed_token_type"], "dpop");
    assert_eq!(web["rotated"], true);
    assert_eq!(web["introspected"]["active"], true);
    assert!(web["introspected"]["cnf"]["jkt"].is_string(), "{web}");
    assert_eq!(web["after_revocation"], "invalid_grant", "{web}");

    let service = &result["service"];
    assert_eq!(service["token_type"], "bearer", "{service}");
    let token = service["access_token"].as_str().unwrap();
    let claims = crate::support::verify_with_jwks(token, &server.get_json("/jwks.json").await);
    assert_eq!(claims["client_id"], "node-service");
    assert_eq!(claims["aud"], AUDIENCE);
}
