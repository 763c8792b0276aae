//! `idp purge`: what expired goes, a batch at a time, and what lives stays; not on a terminal
//! the command prints one summary line and nothing else.

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::on_both_backends;
use crate::support::{Backend, TestEnv};

on_both_backends!(purge_removes_expired_grants_in_batches);

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Rows of `table` meeting `condition`, through the test's own connection.
fn count(env: &TestEnv, table: &str, condition: &str) -> i64 {
    let mut conn = crate::store::connect(env);
    diesel::sql_query(format!(
        "SELECT COUNT(*) AS n FROM {table} WHERE {condition}"
    ))
    .get_result::<Count>(&mut conn)
    .unwrap()
    .n
}

/// The one summary line, with nothing on stderr (it is no terminal).
fn purge(env: &TestEnv) -> String {
    let out = env.cli(&["purge"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    stdout
}

async fn purge_removes_expired_grants_in_batches(backend: Backend) {
    let env = TestEnv::new(backend);
    let seeded = env.cli_ok(
        &[
            "seed",
            "--users",
            "50",
            "--clients",
            "5",
            "--grants",
            "300",
            "--audit",
            "0",
            "--expired-grants",
            "4500",
        ],
        "",
    );
    assert!(seeded.contains("expired grants: 4500 in"), "{seeded}");
    assert_eq!(count(&env, "grants", "1 = 1"), 4800);
    assert_eq!(count(&env, "refresh_tokens", "1 = 1"), 4800);

    // The count is of rows the purge's statements deleted: the 4500 expired refresh tokens
    // (which never outlive their grants, so they go first) and the 4500 grants. At 2,000 rows
    // a batch, each table takes three.
    let out = purge(&env);
    assert!(out.starts_with("purged 9000 expired rows in "), "{out}");
    assert!(out.contains(" rows/s, 6 batches of at most 2000)"), "{out}");

    let now = crate::support::unix_now();
    assert_eq!(count(&env, "grants", "1 = 1"), 300);
    assert_eq!(count(&env, "grants", &format!("expires_at > {now}")), 300);
    assert_eq!(count(&env, "refresh_tokens", "1 = 1"), 300);
    assert_eq!(
        count(
            &env,
            "refresh_tokens",
            "grant_id IN (SELECT id FROM grants)"
        ),
        300
    );
    // The seeded accounts and clients are no one's to purge.
    assert_eq!(count(&env, "clients", "1 = 1"), 5);

    let again = purge(&env);
    assert!(again.starts_with("purged 0 expired rows in "), "{again}");
    assert!(again.contains(", 0 batches of"), "{again}");
}

/// A store that cannot be reached: one `error:` line, and a failure status.
#[test]
fn purge_reports_an_unreachable_store_in_one_line() {
    let env = TestEnv::new(Backend::Sqlite)
        .with_env("IDP_DATABASE__URL", "postgres://idp:secret@127.0.0.1:1/idp");
    let out = env.cli(&["purge"], "");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(said.starts_with("error: "), "{said}");
    assert!(!said.contains("secret"), "{said}");
}
