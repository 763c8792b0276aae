use crate::account::{account_page, assert_signed_out, sign_in_to_account};
use crate::bootstrap::{assert_forced_change, assert_refused, one_time_password};
use crate::on_both_backends;
use crate::support::{assert_token_error, Backend, Browser, TestEnv, OFFLINE_SCOPES, PASSWORD};

on_both_backends!(
    bad_input_fails_and_changes_nothing,
    user_lifecycle,
    reset_password_gives_a_one_time_password_and_ends_access,
    invalid_settings_stop_the_start
);

fn snapshot(env: &TestEnv) -> String {
    env.cli_ok(&["user", "list"], "") + &env.cli_ok(&["client", "list"], "")
}

async fn bad_input_fails_and_changes_nothing(backend: Backend) {
    let env = TestEnv::new(backend);
    env.cli_ok(
        &["user", "add", "dave", "--email", "dave@example.com"],
        "correct horse battery\n",
    );
    env.cli_ok(
        &[
            "client",
            "add",
            "--name",
            "App",
            "--id",
            "app",
            "--redirect-uri",
            "https://app.example.com/cb",
        ],
        "",
    );
    let before = snapshot(&env);

    let refused: Vec<(Vec<&str>, &str)> = vec![
        (vec!["user", "add", "dave"], "correct horse battery\n"),
        (vec!["user", "add", "DAVE"], "correct horse battery\n"),
        (
            vec!["user", "add", "erin", "--email", "dave@example.com"],
            "correct horse battery\n",
        ),
        (vec!["user", "add", "bad name"], "correct horse battery\n"),
        (
            vec!["user", "add", "frank", "--email", "not-an-email"],
            "correct horse battery\n",
        ),
        (vec!["user", "add", "grace"], "short\n"),
        (vec!["user", "add", "grace"], ""),
        (
            vec!["user", "add", "henry-the-eighth"],
            "henry-the-eighth\n",
        ),
        (
            vec!["user", "set-password", "nobody"],
            "correct horse battery\n",
        ),
        (vec!["user", "set-password", "dave"], "short\n"),
        (vec!["user", "reset-password", "nobody"], ""),
        (vec!["user", "disable", "nobody"], ""),
        (
            vec![
                "client",
                "add",
                "--name",
                "X",
                "--redirect-uri",
                "not a url",
            ],
            "",
        ),
        (
            vec![
                "client",
                "add",
                "--name",
                "X",
                "--redirect-uri",
                "http://evil.example.com/cb",
            ],
            "",
        ),
        (
            vec![
                "client",
                "add",
                "--name",
                "X",
                "--redirect-uri",
                "https://a.example.com/cb#frag",
            ],
            "",
        ),
        (vec!["client", "add", "--name", "X"], ""),
        (
            vec![
                "client",
                "add",
                "--name",
                "X",
                "--id",
                "app",
                "--redirect-uri",
                "https://b.example.com/cb",
            ],
            "",
        ),
        (
            vec![
                "client",
                "add",
                "--name",
                "X",
                "--grant",
                "password",
                "--redirect-uri",
                "https://b.example.com/cb",
            ],
            "",
        ),
        (
            vec![
                "client",
                "add",
                "--name",
                "X",
                "--grant",
                "client_credentials",
            ],
            "",
        ),
        (vec!["client", "remove", "no-such-client"], ""),
        (vec!["keys", "rotate", "--alg", "HS256"], ""),
    ];
    for (args, stdin) in refused {
        let out = env.cli(&args, stdin);
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            err.trim().lines().count(),
            1,
            "{args:?}: not one line: {err}"
        );
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    assert_eq!(
        snapshot(&env),
        before,
        "a refused command changed the store"
    );
}

async fn user_lifecycle(backend: Backend) {
    let env = TestEnv::new(backend);
    let out = env.cli_ok(
        &[
            "user",
            "add",
            "Ivy",
            "--email",
            "Ivy@Example.com",
            "--role",
            "admin",
        ],
        "correct horse battery\n",
    );
    assert!(out.contains("created user ivy"), "{out}");
    env.cli_ok(&["user", "disable", "ivy@example.com"], "");
    let list = env.cli_ok(&["user", "list"], "");
    let line = list.lines().find(|l| l.contains("ivy")).unwrap();
    assert!(
        line.contains("disabled") && line.contains("admin"),
        "{line}"
    );
    env.cli_ok(&["user", "enable", "ivy"], "");
    env.cli_ok(&["user", "set-password", "ivy"], "another good password\n");
    let list = env.cli_ok(&["user", "list"], "");
    assert!(list
        .lines()
        .find(|l| l.contains("ivy"))
        .unwrap()
        .contains("active"));

    let out = env.cli_ok(
        &[
            "client",
            "add",
            "--name",
            "Mobile",
            "--public",
            "--redirect-uri",
            "http://127.0.0.1:7000/cb",
        ],
        "",
    );
    assert!(
        out.contains("public client") && !out.contains("client_secret"),
        "{out}"
    );
    let id = out
        .lines()
        .find_map(|l| l.strip_prefix("client_id: "))
        .unwrap()
        .to_string();
    env.cli_ok(&["client", "remove", &id], "");
    assert!(!env.cli_ok(&["client", "list"], "").contains(&id));
    // The password never appears in anything the CLI printed or stored in clear.
    assert!(!env
        .cli_ok(&["user", "list"], "")
        .contains("another good password"));
}

/// `idp user reset-password`: a new one-time password, printed once, that leads only to the
/// forced password change; the old password, the sessions and the refresh tokens stop working,
/// a lock is lifted, and the audit trail records who did it and still verifies.
async fn reset_password_gives_a_one_time_password_and_ends_access(backend: Backend) {
    let env = TestEnv::new(backend)
        .with_env("IDP_LOCKOUT__THRESHOLD", "2")
        .with_env("USER", "ops-erin");
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", "Example Web App", OFFLINE_SCOPES);
    let server = env.start().await;
    let issuer = env.issuer();

    let browser = Browser::new(&issuer);
    let tokens = browser
        .tokens(&server, &web, "openid offline_access", "alice")
        .await;
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    let account = Browser::new(&issuer);
    sign_in_to_account(&account, "alice", PASSWORD).await;
    account_page(&account).await;
    // Two wrong passwords lock the account.
    assert_refused(&issuer, "alice", "not the password at all").await;
    assert_refused(&issuer, "alice", "not the password either").await;
    assert_refused(&issuer, "alice", PASSWORD).await;

    let out = env.cli_ok(&["user", "reset-password", "alice"], "");
    assert!(
        out.starts_with("password reset for alice: 2 sessions ended, 1 grants revoked\n"),
        "{out}"
    );
    let password = one_time_password(&out).expect("a one-time password printed");
    assert!(password.len() >= 20, "{password}");
    assert!(!out.contains(PASSWORD));

    assert_signed_out(&account, "the account page session").await;
    assert_signed_out(&browser, "the sign-in session").await;
    assert_token_error(web.refresh(&server, refresh_token).await, "invalid_grant").await;
    assert_forced_change(&issuer, "alice", &password).await;
    assert_refused(&issuer, "alice", PASSWORD).await;

    let audit = env.cli_ok(&["audit", "list", "--limit", "100"], "");
    let entry = audit
        .lines()
        .find(|l| l.contains("password_reset"))
        .unwrap_or_else(|| panic!("no password_reset entry: {audit}"));
    assert!(entry.contains("cli:ops-erin"), "{entry}");
    // Without $USER the uid names the operator.
    let unlock = env
        .command()
        .env_remove("USER")
        .args(["user", "unlock", "alice"])
        .output()
        .unwrap();
    assert!(unlock.status.success());
    let audit = env.cli_ok(&["audit", "list", "--limit", "1"], "");
    assert!(
        audit.contains("cli:uid=") && audit.contains("account_unlocked"),
        "{audit}"
    );
    let verified = env.cli_ok(&["audit", "verify"], "");
    assert!(verified.starts_with("audit chain intact"), "{verified}");

    // An unknown name changes nothing, the audit trail included.
    let out = env.cli(&["user", "reset-password", "nobody"], "");
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "error: no such user"
    );
    assert!(out.stdout.is_empty());
    let entries = |said: &str| {
        said.split(" entries")
            .next()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(
        entries(&env.cli_ok(&["audit", "verify"], "")),
        entries(&verified)
    );
}

async fn invalid_settings_stop_the_start(backend: Backend) {
    let env = TestEnv::new(backend);
    let cases = [
        ("IDP_SERVER__ISSUER", "http://id.example.com", "https"),
        ("IDP_SERVER__ISSUER", "id.example.com", "absolute URL"),
        (
            "IDP_KEYS__ENCRYPTION_KEY_FILE",
            "/nonexistent/kek",
            "encryption_key_file",
        ),
        ("IDP_PASSWORD__ARGON2__MEMORY_KIB", "1024", "OWASP"),
        ("IDP_SERVER__WORKERS", "lots", "whole number"),
        ("IDP_SERVER__TYPO", "1", "unknown setting"),
    ];
    for (name, value, expected) in cases {
        let out = env
            .command()
            .env(name, value)
            .arg("serve")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{name}={value} started");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{name}={value}: {err}");
    }
    // An unreadable key file (a directory here) stops the start too.
    let out = env
        .command()
        .env("IDP_KEYS__ENCRYPTION_KEY_FILE", env.dir.as_os_str())
        .arg("serve")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read key-encryption key"));

    // A configuration file is read, and the environment overrides it.
    let file = env.dir.join("idp.toml");
    std::fs::write(&file, "[server]\nissuer = \"http://evil.example.com\"\n").unwrap();
    let out = env
        .command()
        .args(["--config", file.to_str().unwrap(), "serve"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let out = env
        .command()
        .env("IDP_SERVER__ISSUER", "http://127.0.0.1:1")
        .args(["--config", file.to_str().unwrap(), "migrate"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
