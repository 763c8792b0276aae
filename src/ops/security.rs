//! Security incidents and address blocks, for the detection rules (actor `system`), the
//! console and the CLI: every new incident, state change, block and lifted block is in the
//! audit chain, written in the transaction of the change. Privilege events are incidents
//! recorded by the operations that make them, in their transaction, so the console, the admin
//! API and the CLI all count.

use super::{audited, missing, Context, OpsError};
use crate::security::client_ip::Cidr;
use crate::store::address_blocks::{self, AddressBlock};
use crate::store::incidents::{self, Incident, Sighting};
use crate::store::{audit, unix_now, write_transaction, AnyConnection};

/// The longest block an operator may set by hand: 30 days.
pub const MAX_BLOCK_SECS: i64 = 30 * 86_400;

/// Counts a rule's sighting on its open incident, or opens one (audited as
/// `incident_opened`); returns the incident and whether it is new.
pub fn record_sighting(
    conn: &mut AnyConnection,
    ctx: &Context,
    sighting: &Sighting,
) -> Result<(Incident, bool), OpsError> {
    write_transaction(conn, |conn| {
        let (incident, opened) = incidents::record(conn, sighting, unix_now())?;
        if opened {
            let mut event = ctx.event("incident_opened", &incident.id);
            event.outcome = "success".into();
            event.detail = format!(
                "{} {} ({})",
                incident.kind, incident.subject, incident.severity
            );
            audit::append(conn, &ctx.audit_key, &event, unix_now())?;
        }
        Ok((incident, opened))
    })
}

/// Acknowledges (someone is looking) or resolves an incident.
pub fn set_incident_state(
    conn: &mut AnyConnection,
    ctx: &Context,
    id: &str,
    state: &str,
) -> Result<Incident, OpsError> {
    let action = match state {
        "acknowledged" => "incident_acknowledge",
        "resolved" => "incident_resolve",
        other => return Err(OpsError::Invalid(format!("no incident state {other:?}"))),
    };
    audited(conn, ctx, action, id, |conn, _| {
        let incident = incidents::get(conn, id).map_err(missing("incident"))?;
        if !incidents::set_state(conn, id, state, &ctx.actor, unix_now())? {
            return Err(OpsError::Invalid(format!(
                "incident {id} is {} already",
                incident.state
            )));
        }
        incidents::get(conn, id).map_err(OpsError::from)
    })
}

/// An address or network as an operator writes it, checked and spelt one way.
pub fn parse_network(text: &str) -> Result<Cidr, OpsError> {
    let network = Cidr::parse(text.trim()).ok_or_else(|| {
        OpsError::Invalid(format!(
            "{text:?} is not an address or network (192.0.2.7, 192.0.2.0/24, 2001:db8::/64)"
        ))
    })?;
    Ok(network.normalised())
}

/// Blocks `network` for `secs` (made by the actor: a rule's block names its incident);
/// audited as `address_block`. False when a block lasting as long was in force already.
pub fn block(
    conn: &mut AnyConnection,
    ctx: &Context,
    network: &Cidr,
    secs: i64,
    reason: &str,
    incident_id: Option<&str>,
) -> Result<bool, OpsError> {
    if !(60..=MAX_BLOCK_SECS).contains(&secs) {
        return Err(OpsError::Invalid(format!(
            "a block lasts 60 to {MAX_BLOCK_SECS} seconds"
        )));
    }
    let reason = super::optional_text(reason, "the reason", 200)?
        .ok_or_else(|| OpsError::Invalid("give the block a reason".into()))?;
    let now = unix_now();
    let block = AddressBlock {
        network: network.to_string(),
        reason,
        incident_id: incident_id.map(str::to_string),
        created_by: ctx.actor.clone(),
        created_at: now,
        expires_at: now + secs,
    };
    audited(conn, ctx, "address_block", &block.network, |conn, event| {
        event.detail = format!("for {secs} s: {}", block.reason);
        Ok(address_blocks::upsert(conn, &block)?)
    })
}

/// Lifts the block of `network`; audited as `address_unblock`.
pub fn unblock(conn: &mut AnyConnection, ctx: &Context, network: &Cidr) -> Result<(), OpsError> {
    let network = network.to_string();
    audited(conn, ctx, "address_unblock", &network, |conn, _| {
        if address_blocks::remove(conn, &network, unix_now())? {
            Ok(())
        } else {
            Err(OpsError::NotFound("block of that address"))
        }
    })
}

/// A block's length as an operator writes it: seconds, or a number with `m`, `h` or `d`.
pub fn parse_duration(text: &str) -> Result<i64, OpsError> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().last() {
        Some((i, unit @ ('s' | 'm' | 'h' | 'd'))) => (&text[..i], unit),
        _ => (text, 's'),
    };
    let scale = match unit {
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => 1,
    };
    number
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .filter(|secs| (60..=MAX_BLOCK_SECS).contains(secs))
        .ok_or_else(|| {
            OpsError::Invalid(format!(
                "{text:?} is not a length from 1m to 30d (e.g. 3600, 90m, 12h, 7d)"
            ))
        })
}

/// A privilege event, within the operation's transaction: counted on the open incident of its
/// kind and subject, or opening one. The address is the actor's (none from the CLI).
pub(crate) fn privilege_event(
    conn: &mut AnyConnection,
    ctx: &Context,
    kind: &str,
    subject: &str,
    severity: &str,
    account: Option<&str>,
    client: Option<&str>,
) -> Result<Incident, OpsError> {
    let sighting = Sighting {
        kind,
        subject,
        severity,
        address: &ctx.client_ip,
        account,
        client,
    };
    record_sighting(conn, ctx, &sighting).map(|(incident, _)| incident)
}

/// Roles newly held by an account (`before` → `after`, space-separated): a `role_granted`
/// event, high when `admin` is among them.
pub(crate) fn roles_granted(
    conn: &mut AnyConnection,
    ctx: &Context,
    user_id: &str,
    before: &str,
    after: &str,
) -> Result<(), OpsError> {
    let old: Vec<&str> = before.split_whitespace().collect();
    let added: Vec<&str> = after
        .split_whitespace()
        .filter(|r| !old.contains(r))
        .collect();
    if added.is_empty() {
        return Ok(());
    }
    let severity = if added.contains(&"admin") {
        "high"
    } else {
        "medium"
    };
    let subject = format!("account:{user_id}");
    privilege_event(
        conn,
        ctx,
        "role_granted",
        &subject,
        severity,
        Some(user_id),
        None,
    )
    .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("3600").unwrap(), 3_600);
        assert_eq!(parse_duration("90m").unwrap(), 5_400);
        assert_eq!(parse_duration("12h").unwrap(), 43_200);
        assert_eq!(parse_duration("7d").unwrap(), 604_800);
        for bad in ["", "h", "10", "31d", "-5m", "1.5h", "1w"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn networks() {
        assert_eq!(
            parse_network(" 192.0.2.9/24").unwrap().to_string(),
            "192.0.2.0/24"
        );
        assert_eq!(
            parse_network("2001:db8::1").unwrap().to_string(),
            "2001:db8::1"
        );
        assert!(parse_network("192.0.2.0/33").is_err());
        assert!(parse_network("example.com").is_err());
    }
}
