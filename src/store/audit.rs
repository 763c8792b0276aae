//! The audit trail: append-only and tamper-evident. Each entry carries an HMAC over its own
//! content and the previous entry's MAC, so editing, removing or reordering an entry breaks the
//! chain from there on.

use diesel::prelude::*;

use super::schema::audit_events;
use super::{AnyConnection, StoreError};
use crate::crypto::secrets::{b64url, constant_time_eq, hmac_sha256};

/// What happened; free of secrets. `client_ip` and `user_agent` are truncated by the caller.
#[derive(Debug, Clone, Default)]
pub struct Event {
    pub actor: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub client_ip: String,
    pub user_agent: String,
    pub detail: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct Entry {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub client_ip: String,
    pub user_agent: String,
    pub detail: String,
    pub mac: String,
}

const GENESIS: &str = "idp-audit-genesis";

fn mac(key: &[u8], previous: &str, seq: i64, at: i64, e: &Event) -> String {
    // Length-prefixed fields: no two different entries serialise alike.
    let mut data = Vec::new();
    for field in [
        previous,
        &seq.to_string(),
        &at.to_string(),
        &e.actor,
        &e.action,
        &e.target,
        &e.outcome,
        &e.client_ip,
        &e.user_agent,
        &e.detail,
    ] {
        data.extend_from_slice(&(field.len() as u64).to_be_bytes());
        data.extend_from_slice(field.as_bytes());
    }
    b64url(&hmac_sha256(key, &data))
}

/// Appends an event; entries are numbered without gaps under a write lock, on both backends.
pub fn append(
    conn: &mut AnyConnection,
    key: &[u8],
    event: &Event,
    now: i64,
) -> Result<i64, StoreError> {
    super::write_transaction(conn, |conn| append_within(conn, key, event, now))
}

/// `append` inside a write transaction the caller holds (see `super::write_transaction`), so
/// that the event is recorded exactly when the change it describes is committed.
pub fn append_within(
    conn: &mut AnyConnection,
    key: &[u8],
    event: &Event,
    now: i64,
) -> Result<i64, StoreError> {
    super::lock_for(conn, super::Lock::Audit)?;
    let last: Option<(i64, String)> = audit_events::table
        .select((audit_events::seq, audit_events::mac))
        .order(audit_events::seq.desc())
        .first(conn)
        .optional()?;
    let (seq, previous) = match last {
        Some((seq, mac)) => (seq + 1, mac),
        None => (1, GENESIS.to_string()),
    };
    let entry_mac = mac(key, &previous, seq, now, event);
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::seq.eq(seq),
            audit_events::at.eq(now),
            audit_events::actor.eq(&event.actor),
            audit_events::action.eq(&event.action),
            audit_events::target.eq(&event.target),
            audit_events::outcome.eq(&event.outcome),
            audit_events::client_ip.eq(&event.client_ip),
            audit_events::user_agent.eq(&event.user_agent),
            audit_events::detail.eq(&event.detail),
            audit_events::mac.eq(entry_mac),
        ))
        .execute(conn)?;
    Ok(seq)
}

/// Checks the whole chain; returns the number of entries, or the first entry that does not fit.
pub fn verify(conn: &mut AnyConnection, key: &[u8]) -> Result<Result<i64, i64>, StoreError> {
    let entries: Vec<Entry> = audit_events::table
        .select(Entry::as_select())
        .order(audit_events::seq.asc())
        .load(conn)?;
    let mut previous = GENESIS.to_string();
    for (expected_seq, entry) in (1..).zip(entries.iter()) {
        let event = Event {
            actor: entry.actor.clone(),
            action: entry.action.clone(),
            target: entry.target.clone(),
            outcome: entry.outcome.clone(),
            client_ip: entry.client_ip.clone(),
            user_agent: entry.user_agent.clone(),
            detail: entry.detail.clone(),
        };
        let expected = mac(key, &previous, entry.seq, entry.at, &event);
        if entry.seq != expected_seq || !constant_time_eq(expected.as_bytes(), entry.mac.as_bytes())
        {
            return Ok(Err(entry.seq));
        }
        previous = entry.mac.clone();
    }
    Ok(Ok(entries.len() as i64))
}

pub fn recent(conn: &mut AnyConnection, limit: i64) -> Result<Vec<Entry>, StoreError> {
    Ok(audit_events::table
        .select(Entry::as_select())
        .order(audit_events::seq.desc())
        .limit(limit)
        .load(conn)?)
}
