//! Incident response on the server: replayed refresh tokens and authorization codes as
//! incidents per client, the remediation of each incident's kind (see
//! `ops::response::remediate`), and the task that alerts about the incidents operations record
//! (privilege events, from the CLI too, and a broken audit chain) and checks the audit chain.

use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpRequest;

use super::monitor::{record, watched_network};
use crate::ops::response::{self as ops_response, OPERATION_KINDS};
use crate::state::AppState;
use crate::store::incidents::{self, Incident, Sighting};
use crate::store::unix_now;

/// How often the task looks for incidents recorded by operations.
const POLL: Duration = Duration::from_secs(2);

/// A replay the token endpoint refused (`refresh_token_reuse` or `code_replay`): a sighting on
/// the presenting client's incident, listing the address and the grant's account; remediated
/// and alerted like the other kinds.
pub async fn replay_seen(
    state: &AppState,
    req: &HttpRequest,
    kind: &str,
    client_id: &str,
    account: Option<&str>,
) {
    if !state.config.settings.monitoring.enabled {
        return;
    }
    let address = state
        .client_ip(req)
        .map(|ip| watched_network(state, ip).to_string())
        .unwrap_or_default();
    let subject = format!("client:{client_id}");
    let severity = match kind {
        "refresh_token_reuse" => "high",
        _ => "medium",
    };
    let sighting = Sighting {
        kind,
        subject: &subject,
        severity,
        address: &address,
        account,
        client: Some(client_id),
    };
    let ctx = state.ops_context(req, "system");
    if let Some(incident) = record(state, &ctx, &sighting).await {
        let incident = remediate(state, &ctx, incident).await;
        super::alerts::incident_seen(state, &incident, false).await;
    }
}

/// Applies the remediation `monitoring.remediation` sets for the incident's kind to the
/// accounts it targets that were not yet remediated; the incident as it is then.
pub async fn remediate(
    state: &AppState,
    ctx: &crate::ops::Context,
    incident: Incident,
) -> Incident {
    let remediation = state
        .config
        .settings
        .monitoring
        .remediation
        .for_kind(&incident.kind);
    let (ctx, id) = (ctx.clone(), incident.id.clone());
    let result = state
        .store
        .run(move |conn| {
            let applied = ops_response::remediate(conn, &ctx, &id, remediation)?;
            Ok::<_, crate::ops::OpsError>((applied, incidents::get(conn, &id)?))
        })
        .await;
    match result {
        Ok((applied, updated)) => {
            if !applied.is_empty() {
                tracing::warn!(
                    event = "incident_remediated",
                    id = %updated.id,
                    remediation = remediation.as_str(),
                    accounts = applied.len()
                );
            }
            updated
        }
        Err(e) => {
            tracing::error!(error = %e, "could not remediate an incident");
            incident
        }
    }
}

/// Alerts about incidents operations recorded, as they come; checks the audit chain every
/// `monitoring.audit_check_secs`. Runs until the process ends.
pub async fn run(state: Arc<AppState>) {
    let settings = &state.config.settings.monitoring;
    if !settings.enabled {
        return;
    }
    let alerts = !settings.webhook_url.is_empty() || (settings.alert_mail && state.mail.is_some());
    let check_every = settings.audit_check_secs as i64;
    let mut checked_at = unix_now();
    loop {
        tokio::time::sleep(POLL).await;
        let (now, window) = (unix_now(), settings.window_secs);
        let due = match alerts {
            true => {
                state
                    .store
                    .run(move |conn| incidents::awaiting_alert(conn, &OPERATION_KINDS, now, window))
                    .await
            }
            false => Ok(Vec::new()),
        };
        match due {
            Ok(due) => {
                for incident in due {
                    super::alerts::incident_seen(&state, &incident, false).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not read the incidents to alert about"),
        }
        if check_every > 0 && now - checked_at >= check_every {
            checked_at = now;
            // A break is recorded (and alerted) by the check itself.
            if let Err(e) = state.verify_audit().await {
                tracing::warn!(error = %e, "could not check the audit chain");
            }
        }
    }
}
