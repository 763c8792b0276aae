//! The console's Security page over HTTP on both stores: an admin sees the open incident and
//! the block a stuffing run made, lifts the block (the address signs in again at once on this
//! node), blocks a network by hand (its clients get 429; bad input gets a readable 400 page and
//! changes nothing), acknowledges and resolves the incident; each change is audited with the
//! admin as the actor. An auditor sees the page without its forms.

use crate::admin::{add_user_with_roles, post_form, sign_in};
use crate::monitoring::{assert_blocked, incidents, login_form, monitored, ATTACKER};
use crate::on_both_backends;
use crate::support::{post_login_from, require, Backend, Prerequisite, PASSWORD};
use crate::webdriver::Browser;

on_both_backends!(admins_handle_incidents_and_blocks_on_the_security_page);

/// A person in Chromium lifts a block with its button and blocks a network with the form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_lifts_and_adds_blocks_in_the_browser() {
    if !require(Prerequisite::Browser) {
        return;
    }
    let env = monitored(Backend::Sqlite);
    add_user_with_roles(&env, "root", &["admin"]);
    env.cli_ok(&["blocks", "add", ATTACKER, "--reason", "stuffing"], "");
    let server = env.start().await;
    let root = Browser::start().await;
    root.goto(&server.url("/admin")).await;
    root.type_into("#username", "root").await;
    root.type_into("#password", PASSWORD).await;
    root.click("form[action='/login'] button[type=submit]")
        .await;
    root.wait_for_url(|u| u.ends_with("/admin") && !u.contains("/login?"))
        .await;
    root.goto(&server.url("/admin/security")).await;
    root.wait_for_text(ATTACKER).await;
    root.click("form[action='/admin/security/blocks/lift'] button[type=submit]")
        .await;
    root.wait_for_text("The block is lifted on every node.")
        .await;
    let (person, form) = login_form(&server).await;
    let response = post_login_from(&person, &form, Some(ATTACKER), "root", PASSWORD).await;
    assert_eq!(response.status(), 303, "lifted");

    root.type_into("#block-network", "203.0.113.0/24").await;
    root.type_into("#block-reason", "seen in the firewall logs")
        .await;
    root.click("form[action='/admin/security/blocks'] button[type=submit]")
        .await;
    root.wait_for_text("The address is blocked on every node.")
        .await;
    let response = post_login_from(&person, &form, Some("203.0.113.9"), "root", PASSWORD).await;
    assert_blocked(&response, 3_600, "blocked in the browser");
}

async fn admins_handle_incidents_and_blocks_on_the_security_page(backend: Backend) {
    let env = monitored(backend);
    add_user_with_roles(&env, "root", &["admin"]);
    add_user_with_roles(&env, "watcher", &["auditor"]);
    let server = env.start().await;
    let (person, form) = login_form(&server).await;
    for n in 1..=6 {
        let name = format!("stolen{n}");
        let response = post_login_from(&person, &form, Some(ATTACKER), &name, &name).await;
        assert_eq!(response.status(), 401);
    }
    let id = incidents(&env, false)[0].0.clone();

    // The auditor reads, without the forms.
    let (auditor, _) = sign_in(&server, "watcher").await;
    let html = auditor.get("/admin/security").await.text().await.unwrap();
    assert!(
        html.contains("credential stuffing") && html.contains(ATTACKER),
        "{html}"
    );
    assert!(!html.contains("/admin/security/blocks/lift"), "{html}");

    let (root, csrf) = sign_in(&server, "root").await;
    let html = root.get("/admin/security").await.text().await.unwrap();
    assert!(
        html.contains("credential stuffing") && html.contains(ATTACKER),
        "{html}"
    );
    assert!(
        html.contains("<h2 id=\"blocks-heading\">Blocked addresses</h2>"),
        "{html}"
    );
    assert!(
        html.contains(&format!("/admin/security/incidents/{id}/resolve")),
        "{html}"
    );
    assert_eq!(failures_charted(&html), 6, "the chart's numbers: {html}");

    // Lift: the node that served the form admits the address at once.
    let response = post_form(
        &root,
        "/admin/security/blocks/lift",
        &[("csrf", &csrf), ("network", ATTACKER)],
    )
    .await;
    assert_eq!(response.status(), 303);
    let (again, again_form) = login_form(&server).await;
    let response = post_login_from(&again, &again_form, Some(ATTACKER), "root", PASSWORD).await;
    assert_eq!(response.status(), 303, "lifted at once");

    // Bad input: a readable page, nothing written.
    for (network, duration, reason) in [
        ("not an address", "1h", "x"),
        ("192.0.2.0/24", "5", "x"),
        ("192.0.2.0/24", "1h", ""),
    ] {
        let response = post_form(
            &root,
            "/admin/security/blocks",
            &[
                ("csrf", &csrf),
                ("network", network),
                ("duration", duration),
                ("reason", reason),
            ],
        )
        .await;
        assert_eq!(response.status(), 400, "{network} {duration} {reason:?}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains("<h1>Not done</h1>") || html.contains("Not done"),
            "{html}"
        );
    }
    assert_eq!(
        env.cli_ok(&["blocks", "list"], "").lines().count(),
        1,
        "no block"
    );

    // Block a network by hand: any of its clients is refused; others are not.
    let fields = [
        ("csrf", csrf.as_str()),
        ("network", "192.0.2.9/24"),
        ("duration", "2h"),
        ("reason", "seen in the firewall logs"),
    ];
    assert_eq!(
        post_form(&root, "/admin/security/blocks", &fields)
            .await
            .status(),
        303
    );
    let response =
        post_login_from(&again, &again_form, Some("192.0.2.200"), "root", PASSWORD).await;
    assert_blocked(&response, 7_200, "a client of the blocked network");
    let response = post_login_from(&again, &again_form, Some("192.0.3.1"), "root", PASSWORD).await;
    assert_eq!(response.status(), 303);
    let html = root.get("/admin/security").await.text().await.unwrap();
    assert!(
        html.contains("192.0.2.0/24") && html.contains("seen in the firewall logs"),
        "{html}"
    );

    // Acknowledge, then resolve.
    for (action, state) in [("acknowledge", "acknowledged"), ("resolve", "resolved")] {
        let path = format!("/admin/security/incidents/{id}/{action}");
        let response = post_form(&root, &path, &[("csrf", &csrf)]).await;
        assert_eq!(response.status(), 303, "{action}");
        assert_eq!(incidents(&env, true)[0].4, state);
    }
    let response = post_form(
        &root,
        &format!("/admin/security/incidents/{id}/resolve"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(response.status(), 400, "resolved already");
    // Without the CSRF token nothing happens.
    let response = post_form(
        &root,
        "/admin/security/blocks/lift",
        &[("network", "192.0.2.0/24")],
    )
    .await;
    assert_ne!(response.status(), 303);

    let audit = env.cli_ok(&["audit", "list", "--limit", "200"], "");
    let blocks_made = audit
        .lines()
        .filter(|l| l.contains(" address_block ") && l.contains("success"))
        .count();
    assert_eq!(blocks_made, 2, "the rule's block and the admin's: {audit}");
    for action in [
        "address_unblock",
        "address_block",
        "incident_acknowledge",
        "incident_resolve",
    ] {
        assert!(
            audit
                .lines()
                .any(|l| l.contains(action) && !l.contains("cli:") && l.contains("success")),
            "{action} by the admin: {audit}"
        );
    }
}

/// The sum of the failed sign-ins per hour in the page's chart (its table of numbers).
fn failures_charted(html: &str) -> u64 {
    assert!(html.contains("id=\"failures-chart\""), "{html}");
    let table = html.split("id=\"failures-numbers\"").nth(1).unwrap();
    let body = table.split("</table>").next().unwrap();
    body.split("<tr><td>")
        .skip(1)
        .map(|row| {
            let cells: Vec<&str> = row.split("<td>").collect();
            cells[1]
                .split("</td>")
                .next()
                .unwrap()
                .parse::<u64>()
                .unwrap()
        })
        .sum()
}
