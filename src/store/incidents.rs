//! Security incidents: what a detection rule recognised, about whom, how often. One incident
//! per kind and subject stays open (a partial unique index holds it on both stores) until an
//! operator resolves it; sightings meanwhile raise its count and last-seen time.

use diesel::prelude::*;

use super::schema::security_incidents;
use super::{AnyConnection, StoreError};

/// The states an incident moves through, in order.
pub const STATES: [&str; 3] = ["open", "acknowledged", "resolved"];

/// At most this many addresses, accounts and clients are listed on one incident.
const MAX_LISTED: usize = 20;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = security_incidents)]
pub struct Incident {
    pub id: String,
    pub kind: String,
    pub subject: String,
    pub severity: String,
    /// Space-separated, at most [`MAX_LISTED`] each.
    pub addresses: String,
    pub accounts: String,
    pub clients: String,
    pub first_seen: i64,
    pub last_seen: i64,
    pub count: i64,
    pub state: String,
    pub updated_at: i64,
    pub updated_by: String,
    pub alerted_at: Option<i64>,
    /// The remediation the kind called for when the incident opened (`end_sessions`,
    /// `require_second_factor`); empty when it only alerts.
    pub remediation: String,
    /// The accounts the remediation was applied to (space-separated): each once.
    pub remediated: String,
}

/// One observation of a rule: whom it concerns and what it involved.
pub struct Sighting<'a> {
    pub kind: &'a str,
    pub subject: &'a str,
    pub severity: &'a str,
    pub address: &'a str,
    pub account: Option<&'a str>,
    pub client: Option<&'a str>,
}

/// Counts `sighting` on the open incident of its kind and subject, or opens one; returns the
/// incident and whether it is new. Two nodes opening the same incident at once: the loser's
/// insert meets the unique index, and its second try counts on the winner's row.
pub fn record(
    conn: &mut AnyConnection,
    sighting: &Sighting,
    now: i64,
) -> Result<(Incident, bool), StoreError> {
    match record_once(conn, sighting, now) {
        Err(StoreError::Conflict) => record_once(conn, sighting, now),
        other => other,
    }
}

fn record_once(
    conn: &mut AnyConnection,
    sighting: &Sighting,
    now: i64,
) -> Result<(Incident, bool), StoreError> {
    super::write_transaction(conn, |conn| {
        let open = open_for(conn, sighting.kind, sighting.subject)?;
        let Some(mut incident) = open else {
            let incident = Incident {
                id: crate::crypto::secrets::random_id::<8>(),
                kind: sighting.kind.into(),
                subject: sighting.subject.into(),
                severity: sighting.severity.into(),
                addresses: listed("", Some(sighting.address)),
                accounts: listed("", sighting.account),
                clients: listed("", sighting.client),
                first_seen: now,
                last_seen: now,
                count: 1,
                state: "open".into(),
                updated_at: now,
                updated_by: "system".into(),
                alerted_at: None,
                remediation: String::new(),
                remediated: String::new(),
            };
            diesel::insert_into(security_incidents::table)
                .values(&incident)
                .execute(conn)?;
            return Ok((incident, true));
        };
        incident.addresses = listed(&incident.addresses, Some(sighting.address));
        incident.accounts = listed(&incident.accounts, sighting.account);
        incident.clients = listed(&incident.clients, sighting.client);
        incident.count += 1;
        incident.last_seen = now;
        diesel::update(security_incidents::table.find(&incident.id))
            .set((
                security_incidents::addresses.eq(&incident.addresses),
                security_incidents::accounts.eq(&incident.accounts),
                security_incidents::clients.eq(&incident.clients),
                security_incidents::count.eq(security_incidents::count + 1),
                security_incidents::last_seen.eq(now),
            ))
            .execute(conn)?;
        Ok((incident, false))
    })
}

/// `list` with `item` added when it is new, not empty and there is room.
fn listed(list: &str, item: Option<&str>) -> String {
    let mut items: Vec<&str> = list.split_whitespace().collect();
    if let Some(item) = item.map(str::trim).filter(|i| !i.is_empty()) {
        if !items.contains(&item) && items.len() < MAX_LISTED {
            items.push(item);
        }
    }
    items.join(" ")
}

fn open_for(
    conn: &mut AnyConnection,
    kind: &str,
    subject: &str,
) -> Result<Option<Incident>, StoreError> {
    Ok(security_incidents::table
        .filter(security_incidents::kind.eq(kind))
        .filter(security_incidents::subject.eq(subject))
        .filter(security_incidents::state.ne("resolved"))
        .select(Incident::as_select())
        .first(conn)
        .optional()?)
}

pub fn get(conn: &mut AnyConnection, id: &str) -> Result<Incident, StoreError> {
    Ok(security_incidents::table
        .find(id)
        .select(Incident::as_select())
        .first(conn)?)
}

/// The newest incidents first; only those not resolved unless `all`.
pub fn list(conn: &mut AnyConnection, all: bool, limit: i64) -> Result<Vec<Incident>, StoreError> {
    let mut query = security_incidents::table
        .select(Incident::as_select())
        .order(security_incidents::last_seen.desc())
        .limit(limit)
        .into_boxed();
    if !all {
        query = query.filter(security_incidents::state.ne("resolved"));
    }
    Ok(query.load(conn)?)
}

/// Moves the incident to `state` (a later one than it has); false when it is already there.
pub fn set_state(
    conn: &mut AnyConnection,
    id: &str,
    state: &str,
    by: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let earlier: Vec<&str> = STATES
        .iter()
        .take_while(|s| **s != state)
        .copied()
        .collect();
    Ok(diesel::update(
        security_incidents::table
            .find(id)
            .filter(security_incidents::state.eq_any(earlier)),
    )
    .set((
        security_incidents::state.eq(state),
        security_incidents::updated_at.eq(now),
        security_incidents::updated_by.eq(by),
    ))
    .execute(conn)?
        == 1)
}

/// Open and acknowledged incidents, per kind (for the gauge).
pub fn open_by_kind(conn: &mut AnyConnection) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(security_incidents::table
        .filter(security_incidents::state.ne("resolved"))
        .group_by(security_incidents::kind)
        .select((security_incidents::kind, diesel::dsl::count_star()))
        .load(conn)?)
}

/// Takes the right to alert about incident `id` now: true (once, on one node) when no alert
/// was queued for it in the last `window` seconds.
pub fn claim_alert(
    conn: &mut AnyConnection,
    id: &str,
    now: i64,
    window: i64,
) -> Result<bool, StoreError> {
    Ok(diesel::update(
        security_incidents::table.find(id).filter(
            security_incidents::alerted_at
                .is_null()
                .or(security_incidents::alerted_at.le(now - window)),
        ),
    )
    .set(security_incidents::alerted_at.eq(now))
    .execute(conn)?
        == 1)
}

/// Sets what remediation the incident calls for and the accounts it was applied to.
pub fn set_remediated(
    conn: &mut AnyConnection,
    id: &str,
    remediation: &str,
    remediated: &str,
) -> Result<(), StoreError> {
    diesel::update(security_incidents::table.find(id))
        .set((
            security_incidents::remediation.eq(remediation),
            security_incidents::remediated.eq(remediated),
        ))
        .execute(conn)?;
    Ok(())
}

/// Incidents of `kinds` not resolved that were seen since their last alert and may be
/// alerted about now (none in the last `window` seconds): those recorded where no alert could
/// be queued at once (by the CLI, or inside an operation's transaction).
pub fn awaiting_alert(
    conn: &mut AnyConnection,
    kinds: &[&str],
    now: i64,
    window: i64,
) -> Result<Vec<Incident>, StoreError> {
    Ok(security_incidents::table
        .filter(security_incidents::kind.eq_any(kinds))
        .filter(security_incidents::state.ne("resolved"))
        .filter(
            security_incidents::alerted_at
                .is_null()
                .or(security_incidents::alerted_at.le(now - window).and(
                    security_incidents::last_seen
                        .nullable()
                        .gt(security_incidents::alerted_at),
                )),
        )
        .select(Incident::as_select())
        .order(security_incidents::last_seen.asc())
        .limit(50)
        .load(conn)?)
}
