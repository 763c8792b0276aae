//! Console times in the viewer's time zone: UTC until the viewer picks a zone, then every time
//! (audit log, sessions, keys) in that zone with its name, and date filters meaning the
//! viewer's day; any console role may choose; a name that is no zone is refused beside the
//! field. The user page lists each session with the applications it signed in to, by name.

use reqwest::StatusCode;

use crate::admin::{add_user_with_roles, post_form, sign_in};
use crate::on_both_backends;
use crate::support::{input_value, location, Backend, Browser, TestEnv};

on_both_backends!(console_times_follow_the_viewers_time_zone);

/// The times (`YYYY-MM-DD HH:MM ZONE`) on a page whose zone is `zone`.
fn times(html: &str, zone: &str) -> Vec<String> {
    let suffix = format!(" {zone}</");
    html.split("<td")
        .filter_map(|cell| {
            let content = &cell[cell.find('>')? + 1..];
            let content = content.strip_prefix("<time>").unwrap_or(content);
            let time = &content[..content.find(&suffix)?];
            (time.len() == 16 && time.as_bytes()[4] == b'-').then(|| time.to_string())
        })
        .collect()
}

/// Minutes since the epoch of `YYYY-MM-DD HH:MM` read as UTC.
fn minutes(text: &str) -> i64 {
    let civil: jiff::civil::DateTime = format!("{}T{}:00", &text[..10], &text[11..16])
        .parse()
        .unwrap();
    civil
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
        .as_second()
        / 60
}

async fn choose(browser: &Browser, zone: &str) -> reqwest::Response {
    let page = browser.get("/admin/time-zone").await.text().await.unwrap();
    let csrf = input_value(&page, "csrf").unwrap();
    post_form(
        browser,
        "/admin/time-zone",
        &[("csrf", &csrf), ("zone", zone)],
    )
    .await
}

async fn console_times_follow_the_viewers_time_zone(backend: Backend) {
    let env = TestEnv::new(backend);
    add_user_with_roles(&env, "root", &["admin"]);
    add_user_with_roles(&env, "reader", &["auditor"]);
    let client = env.add_web_client("webapp", "Example Web App", &["--first-party"]);
    let server = env.start().await;
    let (root, _) = sign_in(&server, "root").await;

    // UTC at first, named as such.
    let audit = root.get("/admin/audit").await.text().await.unwrap();
    assert!(audit.contains(">UTC</a>"), "the navigation names the zone");
    let utc_times = times(&audit, "UTC");
    assert!(!utc_times.is_empty(), "{audit}");

    // Kolkata is 5:30 ahead of UTC all year: the same entries read 330 minutes later.
    let chosen = choose(&root, "asia/kolkata").await;
    assert_eq!(chosen.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&chosen).as_deref(), Some("/admin?done=time-zone"));
    let audit = root.get("/admin/audit").await.text().await.unwrap();
    assert!(audit.contains(">Asia/Kolkata</a>"), "{audit}");
    let local_times = times(&audit, "IST");
    assert_eq!(local_times.len(), utc_times.len(), "{audit}");
    for (utc, local) in utc_times.iter().zip(&local_times) {
        assert_eq!(minutes(local) - minutes(utc), 330, "{utc} → {local}");
    }
    // A day typed in the filter is the viewer's day: today in Kolkata holds the entries, the
    // day after holds none.
    let today = &local_times[0][..10];
    let filtered = root
        .get(&format!("/admin/audit?from={today}&to={today}"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(times(&filtered, "IST").len(), local_times.len());

    // The session signed in to an application lists it by name, in the same zone.
    root.tokens(&server, &client, "openid", "root").await;
    let users = root.get("/admin/users").await.text().await.unwrap();
    let root_id = users
        .split("\">root</a>")
        .next()
        .and_then(|before| before.rsplit("href=\"/admin/users/").next())
        .unwrap();
    let root_page = root
        .get(&format!("/admin/users/{root_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        root_page.contains("<td data-label=\"Signed in to\">Example Web App</td>"),
        "{root_page}"
    );
    assert!(!times(&root_page, "IST").is_empty(), "{root_page}");

    // A name that is no zone: refused beside the field, what was typed kept.
    let refused = choose(&root, "Mars/Olympus_Mons").await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let page = refused.text().await.unwrap();
    assert!(page.contains("That is not a time zone name"), "{page}");
    assert!(page.contains("value=\"Mars/Olympus_Mons\""), "{page}");
    assert!(page.contains("aria-invalid=\"true\""), "{page}");

    // An auditor, who may change nothing else, chooses their own zone.
    let (reader, _) = sign_in(&server, "reader").await;
    let chosen = choose(&reader, "Europe/Berlin").await;
    assert_eq!(chosen.status(), StatusCode::SEE_OTHER);
    let audit = reader.get("/admin/audit").await.text().await.unwrap();
    assert!(audit.contains(">Europe/Berlin</a>"), "{audit}");
    assert!(
        !times(&audit, "CET").is_empty() || !times(&audit, "CEST").is_empty(),
        "{audit}"
    );
}
