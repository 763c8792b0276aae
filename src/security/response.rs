//! Incident response on the server: replayed refresh tokens and authorization codes as
//! incidents per client (remediated like the others, see `remediation`), the audit chain's
//! check that opens an incident on a break, and the task that alerts about the incidents
//! operations record (privilege events, from the CLI too) and checks the chain periodically.

use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpRequest;

use super::monitor::{record, watched_network};
use super::remediation::remediate;
use crate::error::{AppError, OAuthError};
use crate::ops::response::{self as ops_response, OPERATION_KINDS};
use crate::state::AppState;
use crate::store::incidents::{self, Sighting};
use crate::store::unix_now;

/// How often the task looks for incidents recorded by operations.
const POLL: Duration = Duration::from_secs(2);

/// A replay the token endpoint refuses (`refresh_token_reuse` or `code_replay`): a sighting on
/// the presenting client's incident, listing the address and the grant's account, remediated
/// and alerted like the other kinds; the `invalid_grant` answer saying `why`.
pub async fn replay_refused(
    state: &AppState,
    req: &HttpRequest,
    kind: &str,
    (client_id, account): (&str, Option<&str>),
    why: &'static str,
) -> AppError {
    if state.config.settings.monitoring.enabled {
        replay_seen(state, req, kind, client_id, account).await;
    }
    OAuthError::new("invalid_grant", why).into()
}

async fn replay_seen(
    state: &AppState,
    req: &HttpRequest,
    kind: &str,
    client_id: &str,
    account: Option<&str>,
) {
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

/// [`AppState::verify_audit`], recording a break as an `audit_chain_broken` incident (and
/// alerting about it): for the console's views and the periodic check.
pub async fn verify_audit(state: &AppState) -> Result<Result<i64, i64>, AppError> {
    let outcome = state.verify_audit().await?;
    if let Err(seq) = outcome {
        let ctx = state.system_context();
        let recorded = state
            .store
            .run(move |conn| ops_response::audit_chain_broken(conn, &ctx, seq))
            .await;
        match recorded {
            Ok(incident) => super::alerts::incident_seen(state, &incident, false).await,
            Err(e) => tracing::error!(error = %e, "could not record the audit chain's break"),
        }
    }
    Ok(outcome)
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
            if let Err(e) = verify_audit(&state).await {
                tracing::warn!(error = %e, "could not check the audit chain");
            }
        }
    }
}
