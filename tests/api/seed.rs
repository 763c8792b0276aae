//! `idp seed`: a fresh store filled with synthetic data the provider then serves as its own:
//! a seeded person signs in to a seeded client, its secret works, the audit chain holds, and
//! a store in use is refused.

use serde_json::Value;

use crate::on_both_backends;
use crate::support::{AuthRequest, Backend, Browser, Decision, TestEnv, WebClient};

on_both_backends!(a_seeded_store_is_served_as_its_own);

fn printed(out: &str, label: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(label))
        .unwrap_or_else(|| panic!("{label} missing from: {out}"))
        .trim()
        .to_string()
}

async fn a_seeded_store_is_served_as_its_own(backend: Backend) {
    let env = TestEnv::new(backend);
    let out = env.cli_ok(
        &[
            "seed",
            "--users",
            "2500",
            "--clients",
            "30",
            "--grants",
            "4000",
            "--audit",
            "3000",
        ],
        "",
    );
    assert!(out.contains("users: 2500 in"), "{out}");
    assert!(out.contains("audit entries: 3000 in"), "{out}");
    let password = printed(&out, "seeded users' password: ");
    let secret = printed(&out, "seeded clients' secret: ");
    let verified = env.cli_ok(&["audit", "verify"], "");
    assert!(
        verified.contains("audit chain intact: 3000 entries"),
        "{verified}"
    );
    let again = env.cli(
        &[
            "seed",
            "--users",
            "1",
            "--clients",
            "1",
            "--grants",
            "1",
            "--audit",
            "1",
        ],
        "",
    );
    assert!(!again.status.success());
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(
        said.starts_with("error: this store already holds"),
        "{said}"
    );

    let server = env.start().await;
    let client = WebClient {
        id: "seed-client-000007".into(),
        secret: Some(secret),
        redirect_uri: "https://app7.seed.example/cb".into(),
    };
    let request = AuthRequest::new(&client, "openid profile offline_access");
    let browser = Browser::new(&env.issuer());
    let response = browser.authorize(&request).await;
    let landing = browser
        // By email: stored encrypted, found through its blind index.
        .follow(
            response,
            "seed0001234@seed.example",
            &password,
            Decision::Allow,
        )
        .await;
    let code = landing.code(&request, &env.issuer());
    let response = client.redeem(&server, &code, &request.verifier).await;
    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.unwrap();
    let refreshed = client
        .refresh(&server, tokens["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(refreshed.status(), 200);
}
