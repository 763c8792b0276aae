//! Alerts about incidents: a signed JSON POST to `monitoring.webhook_url`, and a mail to each
//! account with the `admin` role. At most one alert per incident per monitoring window, taken
//! by a conditional update of the incident (so of two nodes seeing it at once, one alerts);
//! both go through durable queues in the database — the mail queue, and `security_alerts` for
//! the webhook, posted by the task below on every node, each row claimed for a lease so that
//! two nodes never post it at once, and retried with back-off.

use std::sync::Arc;
use std::time::Duration;

use openidconnect::reqwest;

use crate::crypto::secrets::{hmac_sha256, random_id};
use crate::state::AppState;
use crate::store::incidents::{self, Incident};
use crate::store::{mail_outbox, security_alerts, unix_now, users, write_transaction, StoreError};

/// The header that carries `sha256=<hex HMAC-SHA256 of the body under the webhook secret>`.
pub const SIGNATURE_HEADER: &str = "X-Idp-Signature";
/// Alerts claimed at once.
const BATCH: i64 = 5;
const POST_TIMEOUT: Duration = Duration::from_secs(10);
/// A claim outlives the posts of its batch.
const LEASE_SECS: i64 = BATCH * POST_TIMEOUT.as_secs() as i64 + 30;
/// How often the queue is looked at when nothing wakes the task.
const POLL: Duration = Duration::from_secs(2);
/// Attempts before an alert is given up (the last error stays in the row).
const MAX_ATTEMPTS: i32 = 12;

/// The signature header's value for `body`.
pub fn signature(secret: &str, body: &str) -> String {
    let mac = hmac_sha256(secret.as_bytes(), body.as_bytes());
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

fn list(text: &str) -> Vec<&str> {
    text.split_whitespace().collect()
}

/// Queues the alerts about `incident` unless one was queued within the window.
pub async fn incident_seen(state: &AppState, incident: &Incident, blocked: bool) {
    let settings = &state.config.settings.monitoring;
    let window = settings.window_secs;
    let webhook = !settings.webhook_url.is_empty();
    let mail = settings.alert_mail && state.mail.is_some();
    let recently = incident
        .alerted_at
        .is_some_and(|at| at > unix_now() - window);
    if recently || !(webhook || mail) {
        return;
    }
    match queue(state, incident, blocked, webhook, mail).await {
        Ok(true) => {
            state.alerts_queued.notify_one();
            state.mail_queued();
        }
        Ok(false) => {}
        Err(e) => tracing::error!(error = %e, "could not queue an incident's alerts"),
    }
}

async fn queue(
    state: &AppState,
    incident: &Incident,
    blocked: bool,
    webhook: bool,
    mail: bool,
) -> Result<bool, crate::error::AppError> {
    let admins = if mail {
        state
            .store
            .run(users::list)
            .await?
            .into_iter()
            .filter(|u| u.has_role("admin") && !u.disabled)
            .collect()
    } else {
        Vec::new()
    };
    let mut mails = Vec::new();
    for admin in &admins {
        let render = |to: &str, issuer: &str, _: &str| {
            crate::mail::templates::security_incident(to, issuer, incident, blocked)
        };
        if let Some(sealed) = state.notice(admin, render)? {
            mails.push(sealed);
        }
    }
    let body = webhook.then(|| {
        serde_json::json!({
            "alert_id": random_id::<12>(),
            "issuer": state.config.issuer,
            "blocked": blocked,
            "incident": {
                "id": incident.id,
                "kind": incident.kind,
                "severity": incident.severity,
                "subject": incident.subject,
                "addresses": list(&incident.addresses),
                "accounts": list(&incident.accounts),
                "clients": list(&incident.clients),
                "count": incident.count,
                "first_seen": incident.first_seen,
                "last_seen": incident.last_seen,
                "state": incident.state,
            },
        })
        .to_string()
    });
    let (id, window) = (
        incident.id.clone(),
        state.config.settings.monitoring.window_secs,
    );
    Ok(state
        .store
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let now = unix_now();
                if !incidents::claim_alert(conn, &id, now, window)? {
                    return Ok::<_, StoreError>(false);
                }
                if let Some(body) = &body {
                    security_alerts::insert(conn, &random_id::<12>(), &id, body, now)?;
                }
                for mail in &mails {
                    mail_outbox::insert(conn, mail, now)?;
                }
                Ok(true)
            })
        })
        .await?)
}

/// Posts queued alerts until the process ends; returns at once without a webhook.
pub async fn run(state: Arc<AppState>) {
    let url = state.config.settings.monitoring.webhook_url.clone();
    if url.is_empty() {
        return;
    }
    let client = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(POST_TIMEOUT)
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "cannot make the webhook's HTTP client");
            return;
        }
    };
    let node = random_id::<12>();
    loop {
        match post_due(&state, &client, &url, &node).await {
            Ok(claimed) if claimed == BATCH as usize => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not read the alert queue"),
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = state.alerts_queued.notified() => {}
        }
    }
}

async fn post_due(
    state: &AppState,
    client: &reqwest::Client,
    url: &str,
    node: &str,
) -> Result<usize, StoreError> {
    let claimer = node.to_string();
    let claimed = state
        .store
        .run(move |conn| security_alerts::claim(conn, &claimer, unix_now(), LEASE_SECS, BATCH))
        .await?;
    let count = claimed.len();
    let secret = &state.config.settings.monitoring.webhook_secret;
    for alert in claimed {
        let posted = client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signature(secret, &alert.body))
            .body(alert.body.clone())
            .send()
            .await;
        let error = match posted {
            Ok(response) if response.status().is_success() => None,
            Ok(response) => Some(format!("answered {}", response.status().as_u16())),
            Err(e) if e.is_timeout() => Some("timed out".to_string()),
            Err(_) => Some("could not connect".to_string()),
        };
        let (id, node, now) = (alert.id.clone(), node.to_string(), unix_now());
        let recorded = match error {
            None => {
                tracing::info!(attempts = alert.attempts, "security alert posted");
                state
                    .store
                    .run(move |conn| security_alerts::delivered(conn, &id, &node))
                    .await
            }
            Some(error) => {
                let failed = (alert.attempts >= MAX_ATTEMPTS).then_some(now);
                let next = now + (1i64 << alert.attempts.clamp(0, 9)).min(300);
                tracing::warn!(
                    attempts = alert.attempts,
                    error,
                    given_up = failed.is_some(),
                    "security alert not posted"
                );
                state
                    .store
                    .run(move |conn| {
                        security_alerts::release(conn, &id, &node, next, failed, &error)
                    })
                    .await
            }
        };
        if let Err(e) = recorded {
            tracing::warn!(error = %e, "could not record an alert's outcome");
        }
    }
    Ok(count)
}
