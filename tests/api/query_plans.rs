//! Every statement the hot paths run can use an index. The server logs its statements (without
//! their values: `idp::sql=trace`) while a relying party signs in, refreshes, calls userinfo,
//! and a service gets and introspects a client_credentials token; each distinct statement is
//! then explained on the same database. A full scan of any table that grows with use (users,
//! grants, tokens, sessions, clients, the audit trail…) fails the test, naming the statement.

use std::collections::BTreeSet;
use std::path::Path;

use diesel::sql_types::Text;
use diesel::{Connection, QueryableByName, RunQueryDsl};

use crate::on_both_backends;
use crate::support::{
    token_request, userinfo, Backend, Browser, TestEnv, TestServer, OFFLINE_SCOPES,
};

on_both_backends!(hot_paths_use_indexes);

const OFFLINE: &str = "openid profile email offline_access";

/// Tables that hold configuration, not data that grows with users or requests: a handful of
/// signing keys, the upstream providers an operator configured, the migration list. Scanning
/// them is cheaper than any index.
const SMALL_TABLES: &[&str] = &[
    "signing_keys",
    "upstream_providers",
    "__diesel_schema_migrations",
];

async fn hot_paths_use_indexes(backend: Backend) {
    let env = TestEnv::new(backend).with_env("IDP_LOG__LEVEL", "warn,idp::sql=trace");
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", "Example Web App", OFFLINE_SCOPES);
    let (machine, secret) =
        env.add_machine_client("reporting", "https://api.example.com", &["api.read"]);
    let log = env.dir.join("server.log");
    let server = env.start_logging_to(&log).await;
    // What the start-up ran (migrations, the first admin) is not a hot path.
    let started = std::fs::read_to_string(&log).unwrap().len();

    run_hot_paths(&server, &env, &web, (&machine, &secret)).await;
    // One round of the background work too (delivery and mail pollers, readiness).
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    server.stop();

    let statements = logged_statements(&log, started);
    for expected in ["refresh_tokens", "grants", "users", "clients", "sessions"] {
        assert!(
            statements
                .iter()
                .any(|s| s.contains(&format!("\"{expected}\"")) || s.contains(&format!("`{expected}`"))),
            "no logged statement reads {expected}: the statement log is not working\n{statements:#?}"
        );
    }
    let mut scans = Vec::new();
    for statement in &statements {
        if let Some(scan) = full_scan(&env, statement) {
            scans.push(format!("{scan}\n    in: {statement}"));
        }
    }
    assert!(
        scans.is_empty(),
        "{} of {} hot-path statements scan a whole table:\n{}",
        scans.len(),
        statements.len(),
        scans.join("\n")
    );
}

async fn run_hot_paths(
    server: &TestServer,
    env: &TestEnv,
    web: &crate::support::WebClient,
    (machine, secret): (&str, &str),
) {
    let browser = Browser::new(&env.issuer());
    let tokens = browser.tokens(server, web, OFFLINE, "alice").await;
    // A second sign-in rides on the session the first one made.
    browser.tokens(server, web, OFFLINE, "alice").await;
    let mut refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    for _ in 0..2 {
        let answer = web.refresh(server, &refresh).await;
        assert_eq!(answer.status(), 200);
        let body: serde_json::Value = answer.json().await.unwrap();
        refresh = body["refresh_token"].as_str().unwrap().to_string();
    }
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(userinfo(server, access).await.status(), 200);

    let form = [("grant_type", "client_credentials"), ("scope", "api.read")];
    let answer = token_request(server, Some((machine, secret)), &form).await;
    assert_eq!(answer.status(), 200);
    let body: serde_json::Value = answer.json().await.unwrap();
    let introspected = server
        .http
        .post(server.url("/introspect"))
        .basic_auth(machine, Some(secret))
        .form(&[("token", body["access_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(introspected.status(), 200);
}

/// The distinct statements logged after the first `skip` bytes of the log.
fn logged_statements(log: &Path, skip: usize) -> BTreeSet<String> {
    let text = std::fs::read_to_string(log).unwrap();
    text[skip..]
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|entry| entry["target"] == "idp::sql")
        .filter_map(|entry| entry["fields"]["statement"].as_str().map(str::to_string))
        .filter(|sql| {
            let verb = sql.split_whitespace().next().unwrap_or("").to_uppercase();
            matches!(
                verb.as_str(),
                "SELECT" | "UPDATE" | "DELETE" | "INSERT" | "WITH"
            )
        })
        .collect()
}

#[derive(QueryableByName)]
struct SqlitePlanRow {
    #[diesel(sql_type = Text)]
    detail: String,
}

#[derive(QueryableByName)]
struct PostgresPlanRow {
    #[diesel(sql_type = Text)]
    #[diesel(column_name = "QUERY PLAN")]
    line: String,
}

/// The plan step that reads a whole growing table, if the statement has one.
fn full_scan(env: &TestEnv, statement: &str) -> Option<String> {
    match env.backend {
        Backend::Sqlite => {
            let path = env.data_dir().join("idp.db");
            let mut conn = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
            let plan: Vec<SqlitePlanRow> =
                diesel::sql_query(format!("EXPLAIN QUERY PLAN {statement}"))
                    .load(&mut conn)
                    .unwrap_or_else(|e| panic!("cannot explain {statement}: {e}"));
            let ordered_in_place = !plan.iter().any(|row| row.detail.contains("TEMP B-TREE"));
            plan.into_iter()
                .map(|row| row.detail)
                .find(|step| sqlite_step_scans(step, statement, ordered_in_place))
        }
        Backend::Postgres => {
            let mut conn = diesel::PgConnection::establish(&env.db.url).unwrap();
            // A generic plan (parameters unknown, as a prepared statement's) with sequential
            // scans priced out: a Seq Scan that remains means no index can serve the statement.
            for setting in [
                "plan_cache_mode = force_generic_plan",
                "enable_seqscan = off",
            ] {
                diesel::sql_query(format!("SET {setting}"))
                    .execute(&mut conn)
                    .unwrap();
            }
            diesel::sql_query(format!("PREPARE hot AS {statement}"))
                .execute(&mut conn)
                .unwrap_or_else(|e| panic!("cannot prepare {statement}: {e}"));
            let nulls = vec!["NULL"; parameters(statement)].join(", ");
            let execute = if nulls.is_empty() {
                "EXPLAIN EXECUTE hot".to_string()
            } else {
                format!("EXPLAIN EXECUTE hot({nulls})")
            };
            let plan: Vec<PostgresPlanRow> = diesel::sql_query(execute)
                .load(&mut conn)
                .unwrap_or_else(|e| panic!("cannot explain {statement}: {e}"));
            plan.into_iter()
                .map(|row| row.line.trim().to_string())
                .find(|step| {
                    step.split("Seq Scan on ")
                        .nth(1)
                        .and_then(|rest| rest.split_whitespace().next())
                        .is_some_and(|table| !SMALL_TABLES.contains(&table.trim_matches('"')))
                })
        }
    }
}

/// SQLite's `SCAN t` reads the whole table, except a newest-first page with no condition whose
/// order the table already has (`ORDER BY seq DESC LIMIT n`): it stops after n rows.
fn sqlite_step_scans(step: &str, statement: &str, ordered_in_place: bool) -> bool {
    let Some(rest) = step.strip_prefix("SCAN ") else {
        return false;
    };
    let table = rest
        .split_whitespace()
        .next()
        .unwrap_or("")
        .trim_matches('`');
    if table == "CONSTANT" || SMALL_TABLES.contains(&table) {
        return false;
    }
    let upper = statement.to_uppercase();
    let stops_early = ordered_in_place && upper.contains(" LIMIT ") && !upper.contains(" WHERE ");
    !stops_early
}

/// How many `$n` parameters a PostgreSQL statement takes.
fn parameters(statement: &str) -> usize {
    statement
        .split('$')
        .skip(1)
        .filter_map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<usize>().ok()
        })
        .max()
        .unwrap_or(0)
}
