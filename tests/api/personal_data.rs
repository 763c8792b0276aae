//! Personal data encrypted at rest: after accounts are made through the real flows (CLI, admin
//! API, invitation, forgot password), no column of any table holds a plaintext address or name,
//! and accounts are still found by email (sign-in, forgot password, admin search, CLI). A
//! database holding plaintext rows from before is encrypted at the next start, by two starts at
//! once without harm, and a later start changes nothing.

use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use reqwest::Method;
use serde_json::json;

use crate::admin::{add_user_with_roles, create_key, sign_in};
use crate::on_both_backends;
use crate::operations::{api, json_of};
use crate::signup::sink;
use crate::support::{post_page_form, require, Backend, Browser, Prerequisite, TestEnv, PASSWORD};

on_both_backends!(
    no_table_holds_plaintext_and_email_still_finds_accounts,
    plaintext_rows_are_encrypted_at_the_next_start
);

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

/// One text value of a query, as `value`.
#[derive(QueryableByName)]
pub struct Cell {
    #[diesel(sql_type = Nullable<Text>)]
    pub value: Option<String>,
}

/// Every value of every column of every table, lower-cased, one per line: what a stolen dump
/// of the database would show.
fn dump(env: &TestEnv) -> String {
    let mut conn = crate::store::connect(env);
    let (tables, columns) = match env.backend {
        Backend::Sqlite => (
            "SELECT name FROM sqlite_master WHERE type = 'table'".to_string(),
            "SELECT name FROM pragma_table_info('{t}')",
        ),
        Backend::Postgres => (
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = 'public'"
                .to_string(),
            "SELECT column_name::text AS name FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = '{t}'",
        ),
    };
    let tables: Vec<Name> = diesel::sql_query(tables).load(&mut conn).unwrap();
    assert!(tables.iter().any(|t| t.name == "users"));
    let mut out = String::new();
    for table in tables {
        let columns: Vec<Name> = diesel::sql_query(columns.replace("{t}", &table.name))
            .load(&mut conn)
            .unwrap();
        for column in columns {
            let cells: Vec<Cell> = diesel::sql_query(format!(
                "SELECT CAST(\"{}\" AS TEXT) AS value FROM \"{}\"",
                column.name, table.name
            ))
            .load(&mut conn)
            .unwrap();
            for value in cells.into_iter().flat_map(|c| c.value) {
                out.push_str(&value.to_lowercase());
                out.push('\n');
            }
        }
    }
    out
}

fn assert_absent(dump: &str, secrets: &[&str]) {
    assert!(
        dump.contains("carol") || dump.contains("legacy"),
        "the dump has rows"
    );
    for secret in secrets {
        assert!(
            !dump.contains(&secret.to_lowercase()),
            "{secret:?} is in the database in plaintext"
        );
    }
}

const CAROL_EMAIL: &str = "carol.person@example.org";
const CAROL_NAME: &str = "Carol Plaintext-Name";
const DAVE_EMAIL: &str = "dave.secret@example.net";
const DAVE_NAME: &str = "Dave Hidden-Name";
const INVITED: &str = "invited.someone@example.com";

async fn no_table_holds_plaintext_and_email_still_finds_accounts(backend: Backend) {
    if !require(Prerequisite::SmtpServer) {
        return;
    }
    let sink = sink().await;
    let env = crate::mail::mail_env(backend, &sink);
    add_user_with_roles(&env, "root", &["admin"]);
    env.cli_ok(
        &[
            "user",
            "add",
            "carol",
            "--email",
            " Carol.Person@Example.ORG ",
            "--name",
            CAROL_NAME,
        ],
        &format!("{PASSWORD}\n"),
    );
    let server = env.start().await;
    let (root, csrf) = sign_in(&server, "root").await;
    let key = create_key(&root, &csrf, "automation", &["admin"]).await;

    let body = json!({"username": "dave", "email": DAVE_EMAIL, "name": DAVE_NAME});
    let (status, _) =
        json_of(api(&server, &key, Method::POST, "/admin/api/users", Some(body)).await).await;
    assert_eq!(status, 201);
    let body = json!({"email": INVITED});
    let (status, _) = json_of(
        api(
            &server,
            &key,
            Method::POST,
            "/admin/api/invitations",
            Some(body),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201);
    sink.message_to(INVITED, Duration::from_secs(20)).await;

    // Found by email through the blind index, however it is spelled: sign-in, forgot password.
    sign_in(&server, " CAROL.Person@example.org").await;
    let person = Browser::new(&server.base);
    let (status, ..) = post_page_form(
        &person,
        "/login/forgot",
        &[("email", "Carol.Person@Example.org")],
    )
    .await;
    assert_eq!(status, 200);
    let mail = sink.message_to(CAROL_EMAIL, Duration::from_secs(20)).await;
    assert_eq!(mail["subject"], "Reset your password");

    // The admin search: an exact email, or the start of a username; emails come back readable.
    let search = |q: &str| {
        let path = format!("/admin/api/users?q={}", urlencoding(q));
        let (server, key) = (&server, &key);
        async move {
            json_of(api(server, key, Method::GET, &path, None).await)
                .await
                .1
        }
    };
    let found = search("Dave.Secret@example.net").await;
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["users"][0]["username"], "dave");
    assert_eq!(found["users"][0]["email"], DAVE_EMAIL);
    assert_eq!(found["users"][0]["name"], DAVE_NAME);
    let found = search("ca").await;
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["users"][0]["email"], CAROL_EMAIL);
    assert_eq!(search("arol").await["total"], 0, "a prefix, not any part");
    assert_eq!(
        search("dave.secret@").await["total"],
        0,
        "an exact address only"
    );

    // The operator finds accounts by email too, and sees them decrypted.
    let listed = env.cli_ok(&["user", "list"], "");
    assert!(
        listed.contains(CAROL_EMAIL) && listed.contains(DAVE_EMAIL),
        "{listed}"
    );
    env.cli_ok(&["user", "unlock", "DAVE.SECRET@example.net"], "");

    assert_absent(
        &dump(&env),
        &[
            CAROL_EMAIL,
            CAROL_NAME,
            DAVE_EMAIL,
            DAVE_NAME,
            INVITED,
            "root@example.com",
        ],
    );
}

fn urlencoding(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Rows as an older version wrote them: plaintext address and name, no blind index.
fn write_plaintext_rows(env: &TestEnv, many: usize) {
    let mut conn = crate::store::connect(env);
    diesel::sql_query(
        "UPDATE users SET email = 'legacy.person@example.com', name = 'Legacy Person', \
         email_index = NULL, personal_data_version = NULL WHERE username = 'legacy'",
    )
    .execute(&mut conn)
    .unwrap();
    let legacy_id: Vec<Name> =
        diesel::sql_query("SELECT id AS name FROM users WHERE username = 'legacy'")
            .load(&mut conn)
            .unwrap();
    let far = crate::support::unix_now() + 86_400;
    diesel::sql_query(format!(
        "INSERT INTO email_verifications (token_hash, user_id, email, purpose, created_at, \
         expires_at) VALUES ('legacy-link', '{}', 'legacy.change@example.com', 'change', 0, {far})",
        legacy_id[0].name
    ))
    .execute(&mut conn)
    .unwrap();
    diesel::sql_query(format!(
        "INSERT INTO invitations (id, token_hash, email, invited_by, created_at, expires_at) \
         VALUES ('legacy-invitation', 'h', 'legacy.invited@example.com', 'cli', 0, {far})"
    ))
    .execute(&mut conn)
    .unwrap();
    // More rows than one batch, in statements SQLite accepts (at most 500 rows each).
    let rows: Vec<String> = (0..many)
        .map(|i| {
            format!(
                "('old-{i}', 'old{i}', 'old.person{i}@example.com', 'Old Person {i}', 'x', '', \
                 false, false, 0, 0, true, 0, false)"
            )
        })
        .collect();
    for chunk in rows.chunks(400) {
        diesel::sql_query(format!(
            "INSERT INTO users (id, username, email, name, password_hash, roles, disabled, \
             must_change_password, created_at, updated_at, email_verified, failed_logins, \
             totp_enabled) VALUES {}",
            chunk.join(", ")
        ))
        .execute(&mut conn)
        .unwrap();
    }
}

/// The encrypted users columns of every account, to compare two starts.
fn users_snapshot(env: &TestEnv) -> String {
    let mut conn = crate::store::connect(env);
    let rows: Vec<Cell> = diesel::sql_query(
        "SELECT id || '|' || COALESCE(email, '') || '|' || COALESCE(name, '') || '|' || \
         COALESCE(email_index, '') || '|' || CAST(personal_data_version AS TEXT) AS value \
         FROM users ORDER BY id",
    )
    .load(&mut conn)
    .unwrap();
    rows.into_iter()
        .flat_map(|c| c.value)
        .collect::<Vec<_>>()
        .join("\n")
}

async fn plaintext_rows_are_encrypted_at_the_next_start(backend: Backend) {
    const MANY: usize = 1_100;
    let env = TestEnv::new(backend);
    env.cli_ok(
        &["user", "add", "legacy", "--name", "Anyone"],
        &format!("{PASSWORD}\n"),
    );
    write_plaintext_rows(&env, MANY);
    let plain = dump(&env);
    assert!(plain.contains("legacy.person@example.com") && plain.contains("old person 7"));

    // Two nodes starting at once share the work; no row is encrypted twice.
    let spawn = || {
        env.command()
            .arg("migrate")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (spawn(), spawn());
    let mut encrypted = 0;
    for child in [first, second] {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let errors = String::from_utf8_lossy(&out.stderr);
        assert!(!errors.contains("VACUUM"), "tables rewritten: {errors}");
        let text = String::from_utf8(out.stdout).unwrap();
        let count = text
            .trim()
            .rsplit_once("encrypted in ")
            .and_then(|(_, n)| n.strip_suffix(" row(s)"))
            .unwrap_or_else(|| panic!("{text}"));
        encrypted += count.parse::<usize>().unwrap();
    }
    // The accounts, the legacy one, its pending link and the invitation.
    assert_eq!(encrypted, MANY + 3);
    assert_absent(
        &dump(&env),
        &[
            "legacy.person@example.com",
            "legacy person",
            "legacy.change@example.com",
            "legacy.invited@example.com",
            "old.person7@example.com",
            "old person 7",
        ],
    );

    // A start finds nothing more to do and changes nothing.
    let before = users_snapshot(&env);
    let server = env.start().await;
    assert!(
        !server.output().contains("@example.com"),
        "logs name no address"
    );
    sign_in(&server, "Legacy.Person@example.com").await;
    server.stop();
    assert_eq!(users_snapshot(&env), before);
    let again = env.cli_ok(&["migrate"], "");
    assert!(again.trim().ends_with("encrypted in 0 row(s)"), "{again}");
    let listed = env.cli_ok(&["user", "list"], "");
    assert!(
        listed.contains("old.person1099@example.com"),
        "decrypted for the operator"
    );

    // Not even the files keep the replaced plaintext (free pages, the WAL): a copy of them is
    // no mailing list either.
    if backend == Backend::Sqlite {
        for file in ["idp.db", "idp.db-wal"] {
            let bytes = std::fs::read(env.data_dir().join(file)).unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes).to_lowercase();
            assert!(!text.contains("@example.com"), "an address in {file}");
            assert!(!text.contains("old person"), "a name in {file}");
        }
    }
}
