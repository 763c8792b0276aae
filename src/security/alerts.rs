//! Alerts about incidents: a signed JSON POST to `monitoring.webhook_url`, and a mail to each
//! account with the `admin` role. At most one alert per incident per monitoring window, taken
//! by a conditional update of the incident (so of two nodes seeing it at once, one alerts);
//! both go through durable queues in the database — the mail queue, and the deliveries queue for
//! the webhook, posted by `crate::delivery` on every node, each row claimed for a lease so that
//! two nodes never post it at once, and retried with back-off.

use std::time::Duration;

use crate::crypto::secrets::{hmac_sha256, random_id};
use crate::delivery::post::{Post, Prepared};
use crate::state::AppState;
use crate::store::incidents::{self, Incident};
use crate::store::{deliveries, mail_outbox, unix_now, users, write_transaction, StoreError};

/// The header that carries `sha256=<hex HMAC-SHA256 of the body under the webhook secret>`.
pub const SIGNATURE_HEADER: &str = "X-Idp-Signature";
const POST_TIMEOUT: Duration = Duration::from_secs(10);

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
            state.deliveries_queued();
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
                    let row = random_id::<12>();
                    let kind = deliveries::SECURITY_ALERT;
                    deliveries::insert(conn, &row, kind, &id, body, now)?;
                }
                for mail in &mails {
                    mail_outbox::insert(conn, mail, now)?;
                }
                Ok(true)
            })
        })
        .await?)
}

/// The webhook post of a queued alert, signed now (so a changed secret signs what is still
/// queued); given up when no webhook is configured any more.
pub fn request(state: &AppState, body: &str) -> Prepared {
    let settings = &state.config.settings.monitoring;
    if settings.webhook_url.is_empty() {
        return Prepared::Drop("no webhook is configured".into());
    }
    Prepared::Post(Post {
        url: settings.webhook_url.clone(),
        content_type: "application/json",
        headers: vec![(SIGNATURE_HEADER, signature(&settings.webhook_secret, body))],
        body: body.to_string(),
        timeout: POST_TIMEOUT,
        accepted: &[],
    })
}
