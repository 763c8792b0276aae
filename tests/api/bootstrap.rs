use std::os::unix::fs::PermissionsExt;

use crate::on_both_backends;
use crate::support::{Backend, TestEnv};

on_both_backends!(
    first_start_creates_admin_and_keys_once,
    restart_keeps_keys_users_and_clients
);

fn one_time_password(banner: &str) -> Option<String> {
    let mut lines = banner.lines();
    lines.find(|l| l.contains("one-time password"))?;
    lines.next().map(|l| l.trim().to_string())
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
