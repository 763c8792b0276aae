//! Incident response in the operations layer: the kinds operations record (privilege events,
//! see `security::privilege_event`, and a broken audit chain), and the remediation an
//! incident's kind calls for, applied to the accounts it targets once each.

use super::security::privilege_event;
use super::{audited, Context, OpsError};
use crate::config::Remediation;
use crate::store::incidents::{self, Incident};
use crate::store::{grants, second_factor_demands, unix_now, AnyConnection};

/// The kinds of privilege events, and a broken audit chain: recorded by operations (the CLI
/// among them, which cannot alert), so the server's response task alerts about them.
pub const OPERATION_KINDS: [&str; 5] = [
    "role_granted",
    "api_key_created",
    "redirect_uris_changed",
    "keys_rotated_manually",
    "audit_chain_broken",
];

/// The audit chain failed verification at entry `seq`: a critical incident (one open at a
/// time, counted on while the break stays).
pub fn audit_chain_broken(
    conn: &mut AnyConnection,
    ctx: &Context,
    seq: i64,
) -> Result<Incident, OpsError> {
    let incident = privilege_event(
        conn,
        ctx,
        "audit_chain_broken",
        "audit_chain",
        "critical",
        None,
        None,
    )?;
    tracing::error!(event = "audit_chain_broken", seq, incident = %incident.id);
    Ok(incident)
}

/// Applies `remediation` to the incident's accounts not remediated yet, and records it on
/// the incident (audited as `incident_remediated`); returns the accounts it was applied to
/// now. `end_sessions` ends their sessions through [`super::users::end_sessions`] and revokes
/// their grants (their refresh tokens stop working); `require_second_factor` demands a second
/// factor at their next sign-in.
pub fn remediate(
    conn: &mut AnyConnection,
    ctx: &Context,
    incident_id: &str,
    remediation: Remediation,
) -> Result<Vec<String>, OpsError> {
    if remediation == Remediation::Alert {
        return Ok(Vec::new());
    }
    let action = remediation.as_str();
    let recorded = incidents::get(conn, incident_id)?;
    let pending = |incident: &Incident| {
        let done: Vec<&str> = incident.remediated.split_whitespace().collect();
        incident
            .accounts
            .split_whitespace()
            .any(|a| !done.contains(&a))
    };
    // Nothing new to apply: no entry in the audit chain for every sighting.
    if recorded.remediation == action && !pending(&recorded) {
        return Ok(Vec::new());
    }
    audited(
        conn,
        ctx,
        "incident_remediated",
        incident_id,
        |conn, event| {
            let incident = incidents::get(conn, incident_id)?;
            let done: Vec<&str> = incident.remediated.split_whitespace().collect();
            let due: Vec<String> = incident
                .accounts
                .split_whitespace()
                .filter(|a| !done.contains(a))
                .map(str::to_string)
                .collect();
            let now = unix_now();
            for account in &due {
                match remediation {
                    Remediation::EndSessions => {
                        match super::users::end_sessions(conn, ctx, account, None) {
                            Ok(()) | Err(OpsError::NotFound(_)) => {}
                            Err(e) => return Err(e),
                        }
                        grants::revoke_all_for_user(conn, account, now)?;
                    }
                    Remediation::RequireSecondFactor => {
                        if crate::store::users::get(conn, account)?.is_some() {
                            second_factor_demands::demand(conn, account, incident_id, now)?;
                        }
                    }
                    Remediation::Alert => {}
                }
            }
            let remediated: Vec<&str> = done
                .iter()
                .copied()
                .chain(due.iter().map(String::as_str))
                .collect();
            incidents::set_remediated(conn, incident_id, action, &remediated.join(" "))?;
            event.detail = format!("{action}: {}", due.join(" "));
            Ok(due)
        },
    )
}
