//! The admin API's audit list and user search over a seeded store: roles, filters, paging,
//! refusals as JSON, and the search's capped count past 10,000 matches.

use reqwest::StatusCode;
use serde_json::Value;

use crate::admin::{add_user_with_roles, create_key, sign_in};
use crate::on_both_backends;
use crate::support::{Backend, TestEnv, TestServer};

on_both_backends!(audit_list_and_user_search_over_a_seeded_store);

async fn get(server: &TestServer, key: &str, path: &str) -> (StatusCode, Value) {
    let response = server
        .http
        .get(server.url(path))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

fn seqs(page: &Value) -> Vec<i64> {
    page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect()
}

async fn audit_list_and_user_search_over_a_seeded_store(backend: Backend) {
    let env = TestEnv::new(backend);
    // 3,000 seeded sign-ins by seed0000000…seed0000999 in turn: three by each.
    let seeded = [
        "seed",
        "--users",
        "10050",
        "--clients",
        "1",
        "--grants",
        "0",
        "--audit",
        "3000",
    ];
    env.cli_ok(&seeded, "");
    add_user_with_roles(&env, "root", &["admin"]);
    let server = env.start().await;
    let (root, csrf) = sign_in(&server, "root").await;
    let auditor = create_key(&root, &csrf, "reader", &["auditor"]).await;
    let manager = create_key(&root, &csrf, "people", &["user_manager"]).await;

    let (status, newest) = get(&server, &auditor, "/admin/api/audit?limit=5").await;
    assert_eq!(status, 200, "{newest}");
    let newest_seqs = seqs(&newest);
    assert_eq!(newest_seqs.len(), 5);
    assert!(newest_seqs.windows(2).all(|w| w[0] > w[1]), "{newest}");
    // The newest entry is the console's own: the second key made.
    let latest = &newest["entries"][0];
    assert_eq!(latest["action"], "admin_api_key_create", "{newest}");
    assert_eq!(latest["detail"], "roles: user_manager");
    assert!(newest["entries"][0].get("mac").is_none());

    // By username, a page of two and then the last one, oldest at the end.
    let path = "/admin/api/audit?actor=seed0000007&action=login_success&limit=2";
    let (_, first) = get(&server, &auditor, path).await;
    assert_eq!(seqs(&first).len(), 2, "{first}");
    assert!(first["entries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["target"] == "seed0000007" && e["action"] == "login_success"));
    let before = first["next_before"].as_i64().expect("a next page");
    assert_eq!(before, seqs(&first)[1]);
    let (_, last) = get(&server, &auditor, &format!("{path}&before={before}")).await;
    assert_eq!(seqs(&last).len(), 1, "{last}");
    assert!(seqs(&last)[0] < before);
    assert!(last["next_before"].is_null());
    let (_, none) = get(
        &server,
        &auditor,
        "/admin/api/audit?action=login_success&from=4102444800",
    )
    .await;
    assert_eq!(seqs(&none), Vec::<i64>::new());

    // A user manager's key may not read the trail.
    let (status, body) = get(&server, &manager, "/admin/api/audit").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "forbidden");
    for bad in [
        "limit=0",
        "limit=1001",
        "from=yesterday",
        "before=",
        "actor=a&actor=b",
        "acton=login_success",
    ] {
        let (status, body) = get(&server, &auditor, &format!("/admin/api/audit?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["error"], "invalid_request", "{bad}");
        assert!(body["error_description"].as_str().unwrap().len() > 5);
    }

    // The search counts up to 10,000 and says there are more.
    let (_, all) = get(&server, &manager, "/admin/api/users?q=seed&limit=3").await;
    assert_eq!(all["total"], 10_000, "{all}");
    assert_eq!(all["more_than_total"], true);
    assert_eq!(all["users"][0]["username"], "seed0000000");
    let (_, ten) = get(&server, &manager, "/admin/api/users?q=SEED000001").await;
    assert_eq!(ten["total"], 10, "{ten}");
    assert_eq!(ten["more_than_total"], false);
    assert_eq!(ten["users"][9]["username"], "seed0000019");
    let (_, tail) = get(&server, &manager, "/admin/api/users?q=seed001").await;
    assert_eq!(tail["total"], 50, "{tail}");
    for literal in ["seed_", "seed%", "seed\\"] {
        let query = url::form_urlencoded::byte_serialize(literal.as_bytes()).collect::<String>();
        let (_, found) = get(&server, &manager, &format!("/admin/api/users?q={query}")).await;
        assert_eq!(found["total"], 0, "{literal}: {found}");
    }
    let html = root.get("/admin/users").await.text().await.unwrap();
    assert!(
        html.contains("More than 10000 found; page 1 of more than 400."),
        "{html}"
    );
    assert!(html.contains("rel=\"next\""));
}
