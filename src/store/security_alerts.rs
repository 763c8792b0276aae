//! The webhook alerts' queue, claimed as the mail queue is (see `mail_outbox`): a node claims
//! due rows for a lease, so that of several nodes polling at once exactly one posts each row;
//! a node that dies mid-post leaves a claim that runs out, and another posts the row again
//! (at least once; the body's `alert_id` lets the receiver tell a repeat).

use diesel::prelude::*;

use super::schema::security_alerts;
use super::{AnyConnection, StoreError};

/// Rows that failed for good are kept this long, for operators.
const KEEP_FAILED_SECS: i64 = 30 * 86_400;

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = security_alerts)]
pub struct Claimed {
    pub id: String,
    pub body: String,
    /// Attempts so far, this one included.
    pub attempts: i32,
}

/// Queues `body` (in the caller's transaction), to be posted from `now`.
pub fn insert(
    conn: &mut AnyConnection,
    id: &str,
    incident_id: &str,
    body: &str,
    now: i64,
) -> Result<(), StoreError> {
    diesel::insert_into(security_alerts::table)
        .values((
            security_alerts::id.eq(id),
            security_alerts::incident_id.eq(incident_id),
            security_alerts::body.eq(body),
            security_alerts::created_at.eq(now),
            security_alerts::attempts.eq(0),
            security_alerts::next_attempt_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Claims up to `limit` due rows for `node` until `now + lease`, counting one attempt on each
/// (`SKIP LOCKED` on PostgreSQL; the update repeats the "unclaimed" condition either way).
pub fn claim(
    conn: &mut AnyConnection,
    node: &str,
    now: i64,
    lease: i64,
    limit: i64,
) -> Result<Vec<Claimed>, StoreError> {
    let unclaimed = || {
        security_alerts::claimed_until
            .is_null()
            .or(security_alerts::claimed_until.le(now))
    };
    super::write_transaction(conn, |conn| {
        let due = security_alerts::table
            .filter(security_alerts::failed_at.is_null())
            .filter(security_alerts::next_attempt_at.le(now))
            .filter(unclaimed())
            .order(security_alerts::next_attempt_at.asc())
            .limit(limit)
            .select(security_alerts::id);
        let ids: Vec<String> = match conn {
            AnyConnection::Postgresql(pg) => due.for_update().skip_locked().load(pg)?,
            AnyConnection::Sqlite(_) => due.load(conn)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(
            security_alerts::table
                .filter(security_alerts::id.eq_any(&ids))
                .filter(security_alerts::failed_at.is_null())
                .filter(unclaimed()),
        )
        .set((
            security_alerts::claimed_by.eq(node),
            security_alerts::claimed_until.eq(now + lease),
            security_alerts::attempts.eq(security_alerts::attempts + 1),
        ))
        .execute(conn)?;
        Ok(security_alerts::table
            .filter(security_alerts::id.eq_any(&ids))
            .filter(security_alerts::claimed_by.eq(node))
            .filter(security_alerts::claimed_until.eq(now + lease))
            .select(Claimed::as_select())
            .load(conn)?)
    })
}

/// Posted: the row is gone.
pub fn delivered(conn: &mut AnyConnection, id: &str, node: &str) -> Result<(), StoreError> {
    diesel::delete(
        security_alerts::table
            .find(id)
            .filter(security_alerts::claimed_by.eq(node)),
    )
    .execute(conn)?;
    Ok(())
}

/// Released, to be posted again at `next_attempt_at`; or, with `failed_at`, given up.
pub fn release(
    conn: &mut AnyConnection,
    id: &str,
    node: &str,
    next_attempt_at: i64,
    failed_at: Option<i64>,
    error: &str,
) -> Result<(), StoreError> {
    diesel::update(
        security_alerts::table
            .find(id)
            .filter(security_alerts::claimed_by.eq(node)),
    )
    .set((
        security_alerts::claimed_by.eq(None::<String>),
        security_alerts::claimed_until.eq(None::<i64>),
        security_alerts::next_attempt_at.eq(next_attempt_at),
        security_alerts::failed_at.eq(failed_at),
        security_alerts::last_error.eq(error),
    ))
    .execute(conn)?;
    Ok(())
}

pub fn purge(conn: &mut AnyConnection, now: i64) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        security_alerts::table.filter(security_alerts::failed_at.le(now - KEEP_FAILED_SECS)),
    )
    .execute(conn)?)
}
