use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::on_both_backends;
use crate::support::{Backend, Browser, Form, TestEnv};

on_both_backends!(
    first_start_creates_admin_and_keys_once,
    restart_keeps_keys_users_and_clients,
    busy_port_fails_before_the_first_admin_exists
);

/// The password on the line after "one-time password" (the start banner, `user reset-password`).
pub fn one_time_password(output: &str) -> Option<String> {
    let mut lines = output.lines();
    lines.find(|l| l.contains("one-time password"))?;
    lines.next().map(|l| l.trim().to_string())
}

/// Signs in at `/login` with a one-time password: the forced password change page must follow,
/// and no session may start before it is done.
pub async fn assert_forced_change(issuer: &str, username: &str, password: &str) {
    let person = Browser::new(issuer);
    let login = person.get("/login").await.text().await.unwrap();
    let response = person
        .post_login(&Form::parse(&login), username, password)
        .await;
    let status = response.status();
    let html = response.text().await.unwrap();
    assert_eq!(status, 200, "{username} with a one-time password: {html}");
    assert!(
        html.contains("action=\"/login/password\""),
        "not the password change page: {html}"
    );
    let account = person.get("/account").await;
    assert_eq!(account.status(), 303, "a session started before the change");
}

/// Signs in at `/login` with a password that must be refused.
pub async fn assert_refused(issuer: &str, username: &str, password: &str) {
    let person = Browser::new(issuer);
    let login = person.get("/login").await.text().await.unwrap();
    let response = person
        .post_login(&Form::parse(&login), username, password)
        .await;
    assert_eq!(
        response.status(),
        401,
        "{username} signed in with {password:?}"
    );
}

async fn first_start_creates_admin_and_keys_once(backend: Backend) {
    let env = TestEnv::new(backend);
    let server = env.start().await;
    let banner = server.output();
    assert!(
        banner.contains("first admin:   username \"admin\""),
        "{banner}"
    );
    let password = one_time_password(&banner).expect("one-time password printed");
    assert!(password.len() >= 16);
    assert!(
        banner.contains("signing keys:  created RS256, ES256, EdDSA"),
        "{banner}"
    );
    match backend {
        Backend::Sqlite => assert!(banner.contains("SQLite file"), "{banner}"),
        Backend::Postgres => assert!(banner.contains("PostgreSQL database"), "{banner}"),
    }
    assert!(
        !banner.contains("postgres://"),
        "database credentials printed: {banner}"
    );
    let users = env.cli_ok(&["user", "list"], "");
    assert!(users.contains("admin"), "{users}");

    // The key-encryption key is private to its owner, and no private key is stored in clear.
    let data = env.data_dir();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data.join("signing-keys.kek")), 0o600);
    assert_eq!(mode(&data), 0o700);
    server.stop();
    if backend == Backend::Sqlite {
        assert_eq!(mode(&data.join("idp.db")), 0o600);
    }
    let stored = env.cli_ok(&["keys", "list"], "");
    assert_eq!(
        stored.lines().filter(|l| l.contains("signing")).count(),
        3,
        "{stored}"
    );
    assert_no_plain_private_key(&env);
}

fn assert_no_plain_private_key(env: &TestEnv) {
    if env.backend != Backend::Sqlite {
        return;
    }
    for entry in std::fs::read_dir(env.dir.join("data")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("PRIVATE KEY"),
            "a private key is stored unsealed"
        );
    }
}

async fn restart_keeps_keys_users_and_clients(backend: Backend) {
    let env = TestEnv::new(backend);
    let server = env.start().await;
    let jwks_before = server.get_json("/jwks.json").await;
    server.stop();
    env.cli_ok(
        &["user", "add", "carol", "--email", "carol@example.com"],
        "a long enough password\n",
    );
    env.cli_ok(
        &[
            "client",
            "add",
            "--name",
            "Web",
            "--id",
            "web",
            "--redirect-uri",
            "https://app.example.com/cb",
        ],
        "",
    );

    let server = env.start().await;
    let banner = server.output();
    assert!(
        one_time_password(&banner).is_none(),
        "second start printed a password: {banner}"
    );
    assert!(!banner.contains("signing keys:  created"), "{banner}");
    assert_eq!(server.get_json("/jwks.json").await, jwks_before);
    let users = env.cli_ok(&["user", "list"], "");
    assert!(
        users.contains("carol") && users.contains("admin"),
        "{users}"
    );
    assert!(env.cli_ok(&["client", "list"], "").contains("web"));

    // A different key-encryption key cannot open the stored keys: the start stops, clearly.
    server.stop();
    let wrong = env
        .command()
        .env(
            "IDP_KEYS__ENCRYPTION_KEY",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        )
        .arg("serve")
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert!(err.contains("wrong key-encryption key"), "{err}");
}

/// A start that cannot listen stops with one clear line before it creates anything, the first
/// admin above all; the next start that can listen creates the admin and prints its password.
async fn busy_port_fails_before_the_first_admin_exists(backend: Backend) {
    let env = TestEnv::new(backend);
    let taken = TcpListener::bind(("127.0.0.1", env.port)).expect("hold the test's port");
    let mut child = env
        .command()
        .arg("serve")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("idp serve kept running on a busy port");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "not one line: {err}");
    assert!(
        err.starts_with(&format!("error: cannot listen on 127.0.0.1:{}", env.port)),
        "{err}"
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(one_time_password(&printed).is_none(), "{printed}");
    assert!(
        !env.data_dir().exists(),
        "the refused start created the data directory"
    );
    let users = env.cli_ok(&["user", "list"], "");
    assert_eq!(users.lines().count(), 1, "accounts exist: {users}");

    drop(taken);
    let server = env.start().await;
    let banner = server.output();
    let password = one_time_password(&banner).expect("the admin's one-time password printed");
    assert_forced_change(&env.issuer(), "admin", &password).await;

    // An admin who lost it gets a new one from the CLI; the old one stops working.
    let out = env.cli_ok(&["user", "reset-password", "admin"], "");
    let again = one_time_password(&out).expect("a new one-time password printed");
    assert_ne!(again, password);
    assert_refused(&env.issuer(), "admin", &password).await;
    assert_forced_change(&env.issuer(), "admin", &again).await;
}
