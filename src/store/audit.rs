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

impl Entry {
    /// The MAC this entry should carry after `previous`.
    fn expected_mac(&self, key: &[u8], previous: &str) -> String {
        let event = Event {
            actor: self.actor.clone(),
            action: self.action.clone(),
            target: self.target.clone(),
            outcome: self.outcome.clone(),
            client_ip: self.client_ip.clone(),
            user_agent: self.user_agent.clone(),
            detail: self.detail.clone(),
        };
        mac(key, previous, self.seq, self.at, &event)
    }
}

/// The MAC of the entry `seq` made at `at` of `e`, chained to the `previous` entry's MAC.
pub(super) fn link(key: &[u8], previous: &str, seq: i64, at: i64, e: &Event) -> String {
    mac(key, previous, seq, at, e)
}

/// The last entry's number and MAC (0 and the genesis value for an empty trail); the caller
/// holds the audit lock.
pub(super) fn last_link(conn: &mut AnyConnection) -> Result<(i64, String), StoreError> {
    let last: Option<(i64, String)> = audit_events::table
        .select((audit_events::seq, audit_events::mac))
        .order(audit_events::seq.desc())
        .first(conn)
        .optional()?;
    Ok(last.unwrap_or_else(|| (0, GENESIS.to_string())))
}

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
    let (last, previous) = last_link(conn)?;
    let seq = last + 1;
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

/// How far a verification got: the last entry checked and its MAC, which the next entry's MAC
/// covers. Entries are numbered from 1 without gaps, so `seq` is also how many were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: i64,
    pub mac: String,
}

impl Checkpoint {
    /// Before the first entry.
    pub fn genesis() -> Checkpoint {
        Checkpoint {
            seq: 0,
            mac: GENESIS.to_string(),
        }
    }
}

/// Entries read at a time while verifying: memory stays bounded whatever the table's size.
const VERIFY_PAGE: i64 = 2_000;

/// Checks the chain after `from`, a page at a time, calling `progress(last seq checked)` after
/// each page; returns where the chain ends, or the first entry that does not fit.
pub fn verify_after(
    conn: &mut AnyConnection,
    key: &[u8],
    from: Checkpoint,
    mut progress: impl FnMut(i64),
) -> Result<Result<Checkpoint, i64>, StoreError> {
    let mut reached = from;
    loop {
        let page: Vec<Entry> = audit_events::table
            .select(Entry::as_select())
            .filter(audit_events::seq.gt(reached.seq))
            .order(audit_events::seq.asc())
            .limit(VERIFY_PAGE)
            .load(conn)?;
        if page.is_empty() {
            return Ok(Ok(reached));
        }
        for entry in page {
            let expected = entry.expected_mac(key, &reached.mac);
            if entry.seq != reached.seq + 1
                || !constant_time_eq(expected.as_bytes(), entry.mac.as_bytes())
            {
                return Ok(Err(entry.seq));
            }
            reached = Checkpoint {
                seq: entry.seq,
                mac: entry.mac,
            };
        }
        progress(reached.seq);
    }
}

/// Checks the whole chain; returns the number of entries, or the first entry that does not fit.
pub fn verify(conn: &mut AnyConnection, key: &[u8]) -> Result<Result<i64, i64>, StoreError> {
    Ok(verify_after(conn, key, Checkpoint::genesis(), |_| {})?.map(|end| end.seq))
}

/// Whether the entry a checkpoint names is still there and still fits its predecessor: its
/// content matches its MAC, and that MAC is the one the checkpoint took.
pub fn holds(
    conn: &mut AnyConnection,
    key: &[u8],
    checkpoint: &Checkpoint,
) -> Result<bool, StoreError> {
    if checkpoint.seq == 0 {
        return Ok(true);
    }
    let previous = match checkpoint.seq {
        1 => Some(GENESIS.to_string()),
        seq => audit_events::table
            .select(audit_events::mac)
            .filter(audit_events::seq.eq(seq - 1))
            .first(conn)
            .optional()?,
    };
    let Some(previous) = previous else {
        return Ok(false);
    };
    let start = Checkpoint {
        seq: checkpoint.seq - 1,
        mac: previous,
    };
    let entry: Option<Entry> = audit_events::table
        .select(Entry::as_select())
        .filter(audit_events::seq.eq(checkpoint.seq))
        .first(conn)
        .optional()?;
    Ok(entry.is_some_and(|entry| {
        let expected = entry.expected_mac(key, &start.mac);
        constant_time_eq(expected.as_bytes(), entry.mac.as_bytes())
            && constant_time_eq(entry.mac.as_bytes(), checkpoint.mac.as_bytes())
    }))
}

/// The number of entries (the last one's number).
pub fn count(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(audit_events::table
        .select(diesel::dsl::max(audit_events::seq))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0))
}

pub fn recent(conn: &mut AnyConnection, limit: i64) -> Result<Vec<Entry>, StoreError> {
    Ok(audit_events::table
        .select(Entry::as_select())
        .order(audit_events::seq.desc())
        .limit(limit)
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use diesel::Connection;

    use super::*;

    fn memory() -> AnyConnection {
        let mut conn =
            AnyConnection::Sqlite(diesel::sqlite::SqliteConnection::establish(":memory:").unwrap());
        crate::store::migrate(&mut conn).unwrap();
        conn
    }

    fn event(n: i64) -> Event {
        Event {
            actor: format!("actor-{n}"),
            action: "login".into(),
            ..Event::default()
        }
    }

    #[test]
    fn verification_goes_a_page_at_a_time_and_resumes_from_a_checkpoint() {
        let key = [3; 32];
        let mut conn = memory();
        let entries = 2 * VERIFY_PAGE + 7;
        for n in 1..=entries {
            append(&mut conn, &key, &event(n), 1_000 + n).unwrap();
        }
        let mut pages = Vec::new();
        let end = verify_after(&mut conn, &key, Checkpoint::genesis(), |seq| {
            pages.push(seq)
        })
        .unwrap()
        .unwrap();
        assert_eq!(end.seq, entries);
        assert_eq!(pages, [VERIFY_PAGE, 2 * VERIFY_PAGE, entries]);
        assert_eq!(count(&mut conn).unwrap(), entries);
        assert!(holds(&mut conn, &key, &end).unwrap());

        // From the checkpoint only the new entries are read.
        append(&mut conn, &key, &event(0), 9_999).unwrap();
        let mut read = Vec::new();
        let next = verify_after(&mut conn, &key, end.clone(), |seq| read.push(seq))
            .unwrap()
            .unwrap();
        assert_eq!((next.seq, read), (entries + 1, vec![entries + 1]));

        // An edit is found by a full check, and a checkpoint on the edited entry no longer holds.
        diesel::sql_query(format!(
            "UPDATE audit_events SET detail = 'x' WHERE seq IN (2, {})",
            end.seq
        ))
        .execute(&mut conn)
        .unwrap();
        assert_eq!(verify(&mut conn, &key).unwrap(), Err(2));
        assert!(!holds(&mut conn, &key, &end).unwrap());
        let elsewhere = Checkpoint {
            seq: 1,
            mac: "not the mac".into(),
        };
        assert!(!holds(&mut conn, &key, &elsewhere).unwrap());
        // Another key: nothing fits.
        assert_eq!(verify(&mut conn, &[4; 32]).unwrap(), Err(1));
    }
}
