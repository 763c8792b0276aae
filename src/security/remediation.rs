//! The remediation `monitoring.remediation` sets for an incident's kind, applied on the server
//! after a sighting (see `ops::response::remediate`: each targeted account once per incident).

use crate::config::Remediation;
use crate::ops::response as ops_response;
use crate::state::AppState;
use crate::store::incidents::{self, Incident};

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
    if remediation == Remediation::Alert {
        return incident;
    }
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
