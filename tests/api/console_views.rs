//! The console shows rather than lists: the overview's attention list and its server-drawn
//! charts (sign-ins per hour from the audit trail, tokens per grant), each for the roles that
//! may see it; the audit log by names, a page at a time.

use reqwest::StatusCode;

use crate::admin::{add_user_with_roles, sign_in};
use crate::on_both_backends;
use crate::support::{input_value, run_sql, Backend, Browser, Form, TestEnv};

on_both_backends!(
    the_overview_charts_sign_ins_and_lists_what_needs_attention,
    the_audit_log_shows_names_a_page_at_a_time,
    the_console_checks_new_entries_and_notices_an_edit
);

/// A failed sign-in of `username` through the login page.
async fn fail_login(server_base: &str, username: &str) {
    let browser = Browser::new(server_base);
    let form = Form::parse(&browser.get("/login").await.text().await.unwrap());
    let response = browser
        .post_login(&form, username, "not the password")
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{username}");
}

/// The cells of each row of the table with this id, as text.
fn table_rows(html: &str, id: &str) -> Vec<Vec<String>> {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no table {id}: {html}"));
    let body = &html[start..];
    let body = &body[body.find("<tbody>").unwrap()..body.find("</tbody>").unwrap()];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    let content = &cell[cell.find('>').unwrap() + 1..];
                    content[..content.find("</td>").unwrap()].to_string()
                })
                .collect()
        })
        .collect()
}

fn column_sum(rows: &[Vec<String>], column: usize) -> u64 {
    rows.iter().map(|r| r[column].parse::<u64>().unwrap()).sum()
}

async fn the_overview_charts_sign_ins_and_lists_what_needs_attention(backend: Backend) {
    let env = TestEnv::new(backend)
        .with_env("IDP_LOCKOUT__THRESHOLD", "2")
        .with_env("IDP_RATE_LIMIT__LOGIN", "1000");
    add_user_with_roles(&env, "root", &["admin"]);
    add_user_with_roles(&env, "keeper", &["user_manager"]);
    add_user_with_roles(&env, "bob", &[]);
    let (machine, secret) = env.add_machine_client("machine", "https://api.example.com", &[]);
    let server = env.start().await;

    // Two failures lock bob; one more fails for a name that is no account.
    fail_login(&server.base, "bob").await;
    fail_login(&server.base, "bob").await;
    fail_login(&server.base, "nobody-at-all").await;
    let token = server
        .http
        .post(server.url("/token"))
        .basic_auth(&machine, Some(&secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), StatusCode::OK);
    let (root, _) = sign_in(&server, "root").await;

    let html = root.get("/admin").await.text().await.unwrap();
    assert!(html.contains("1 account is locked"), "{html}");
    assert!(html.contains("The audit chain is intact"), "{html}");
    for alg in ["RS256", "ES256", "EdDSA"] {
        assert!(
            html.contains(&format!("{alg} signing key made")),
            "{alg}: {html}"
        );
    }
    assert!(html.contains("next rotation 20"), "{html}");
    // The chart: 24 hours, a bar per outcome each, named for screen readers; the table under it
    // counts root's sign-in and the three failures (summed, in case the hour turned meanwhile).
    assert!(
        html.contains(r#"role="img" aria-labelledby="signins-title""#),
        "{html}"
    );
    assert_eq!(html.matches(r#"<rect class="bar-ok""#).count(), 24);
    assert_eq!(html.matches(r#"<rect class="bar-failed""#).count(), 24);
    let hours = table_rows(&html, "signins-numbers");
    assert_eq!(hours.len(), 24);
    assert_eq!(column_sum(&hours, 1), 1, "successful sign-ins");
    assert_eq!(column_sum(&hours, 2), 3, "failed sign-ins");
    let tokens = table_rows(&html, "tokens-numbers");
    assert!(
        tokens.contains(&vec!["client_credentials".to_string(), "1".to_string()]),
        "{tokens:?}"
    );

    // A user manager sees the locked account but neither the sign-in chart nor the chain.
    let (keeper, _) = sign_in(&server, "keeper").await;
    let html = keeper.get("/admin").await.text().await.unwrap();
    assert!(html.contains("1 account is locked"), "{html}");
    assert!(!html.contains("signins-chart"), "{html}");
    assert!(!html.contains("audit chain"), "{html}");
    assert!(html.contains("tokens-chart"), "{html}");
}

async fn the_audit_log_shows_names_a_page_at_a_time(backend: Backend) {
    let env = TestEnv::new(backend).with_env("IDP_RATE_LIMIT__LOGIN", "1000");
    add_user_with_roles(&env, "root", &["admin"]);
    let server = env.start().await;
    for n in 0..12 {
        fail_login(&server.base, &format!("ghost-{n}")).await;
    }
    let (root, _) = sign_in(&server, "root").await;

    // The actor typed as a username finds root's sign-in, shown by name with the id on hover.
    let html = root
        .get("/admin/audit?actor=root&action=login")
        .await
        .text()
        .await
        .unwrap();
    let rows = table_rows(&html, "audit");
    assert_eq!(rows.len(), 1, "{html}");
    let actor = &rows[0][2];
    assert!(actor.ends_with(">root</span>"), "{actor}");
    let id = actor
        .split("title=\"")
        .nth(1)
        .and_then(|t| t.split('"').next());
    assert!(
        id.is_some_and(|id| id.len() >= 20 && id != "root"),
        "{actor}"
    );

    // Ten a page, newest first; "older" continues below the last one shown.
    let first = root.get("/admin/audit?n=10").await.text().await.unwrap();
    let first_rows = table_rows(&first, "audit");
    assert_eq!(first_rows.len(), 10);
    let seqs =
        |rows: &[Vec<String>]| -> Vec<i64> { rows.iter().map(|r| r[0].parse().unwrap()).collect() };
    let first_seqs = seqs(&first_rows);
    assert!(first_seqs.windows(2).all(|w| w[0] > w[1]), "{first_seqs:?}");
    assert!(!first.contains("Newest entries"));
    let older = first
        .split("href=\"/admin/audit?")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|q| q.replace("&amp;", "&"))
        .expect("a link to older entries");
    let second = root
        .get(&format!("/admin/audit?{older}"))
        .await
        .text()
        .await
        .unwrap();
    let second_seqs = seqs(&table_rows(&second, "audit"));
    assert!(!second_seqs.is_empty());
    assert!(
        second_seqs[0] < *first_seqs.last().unwrap(),
        "{second_seqs:?} after {first_seqs:?}"
    );
    assert!(second.contains("Newest entries"));
    // The form keeps the filters typed.
    let filtered = root
        .get("/admin/audit?actor=root")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(input_value(&filtered, "actor").as_deref(), Some("root"));
}

/// The console checks the entries added since its last look, and a change to the entry that
/// look ended at sends it through the whole chain again, which finds the edit.
async fn the_console_checks_new_entries_and_notices_an_edit(backend: Backend) {
    let env = TestEnv::new(backend).with_env("IDP_RATE_LIMIT__LOGIN", "1000");
    add_user_with_roles(&env, "root", &["admin"]);
    let server = env.start().await;
    let (root, _) = sign_in(&server, "root").await;
    let intact = |html: &str| -> i64 {
        html.split("all ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{html}"))
    };
    let first = intact(&root.get("/admin/audit").await.text().await.unwrap());
    for n in 0..3 {
        fail_login(&server.base, &format!("ghost-{n}")).await;
    }
    let second = intact(&root.get("/admin/audit").await.text().await.unwrap());
    assert_eq!(second, first + 3);

    run_sql(
        &env,
        &format!("UPDATE audit_events SET detail = 'edited' WHERE seq = {second}"),
    );
    let html = root.get("/admin/audit").await.text().await.unwrap();
    assert!(
        html.contains(&format!("Chain broken at entry {second}")),
        "{html}"
    );
    let html = root.get("/admin").await.text().await.unwrap();
    assert!(
        html.contains(&format!("The audit chain is broken at entry {second}")),
        "{html}"
    );
}
