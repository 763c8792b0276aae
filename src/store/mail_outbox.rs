//! The outbound mail queue. Any node may send any row; a node first claims a batch for a lease
//! (`claimed_until`), so that of several nodes polling at once exactly one sends each row. A
//! node that dies mid-send leaves a claim that runs out, and another node sends the row again:
//! delivery is at least once, and the `Message-ID` (the row id) stays the same across attempts.

use diesel::prelude::*;

use super::schema::mail_outbox;
use super::{AnyConnection, StoreError};

/// Rows that failed for good are kept this long (masked recipient and error, for operators).
pub const KEEP_FAILED_SECS: i64 = 30 * 86_400;

/// A message ready to be queued: sealed by the caller, with its masked recipient.
pub struct NewMail {
    pub id: String,
    pub recipient_hint: String,
    pub sealed: String,
}

/// A row this node claimed and now sends.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = mail_outbox)]
pub struct Claimed {
    pub id: String,
    pub recipient_hint: String,
    pub sealed: String,
    /// Attempts so far, this one included.
    pub attempts: i32,
}

/// Queues a message, to be sent from `now`. Inside the caller's transaction, the message
/// commits with the change it reports (a token and the mail carrying it) or not at all.
pub fn insert(conn: &mut AnyConnection, mail: &NewMail, now: i64) -> Result<(), StoreError> {
    diesel::insert_into(mail_outbox::table)
        .values((
            mail_outbox::id.eq(&mail.id),
            mail_outbox::recipient_hint.eq(&mail.recipient_hint),
            mail_outbox::sealed.eq(&mail.sealed),
            mail_outbox::created_at.eq(now),
            mail_outbox::attempts.eq(0),
            mail_outbox::next_attempt_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Claims up to `limit` due rows for `node` until `now + lease`, counting one attempt on each.
/// On PostgreSQL the candidates are locked with `SKIP LOCKED`, so concurrent claimers take
/// different rows instead of waiting on each other; SQLite has one writer at a time. Either
/// way the update repeats the "due and unclaimed" condition, so a row is claimed at most once.
pub fn claim(
    conn: &mut AnyConnection,
    node: &str,
    now: i64,
    lease: i64,
    limit: i64,
) -> Result<Vec<Claimed>, StoreError> {
    super::write_transaction(conn, |conn| {
        let due = mail_outbox::table
            .filter(mail_outbox::failed_at.is_null())
            .filter(mail_outbox::next_attempt_at.le(now))
            .filter(
                mail_outbox::claimed_until
                    .is_null()
                    .or(mail_outbox::claimed_until.le(now)),
            )
            .order(mail_outbox::next_attempt_at.asc())
            .limit(limit)
            .select(mail_outbox::id);
        let ids: Vec<String> = match conn {
            AnyConnection::Postgresql(pg) => due.for_update().skip_locked().load(pg)?,
            AnyConnection::Sqlite(_) => due.load(conn)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(
            mail_outbox::table
                .filter(mail_outbox::id.eq_any(&ids))
                .filter(mail_outbox::failed_at.is_null())
                .filter(
                    mail_outbox::claimed_until
                        .is_null()
                        .or(mail_outbox::claimed_until.le(now)),
                ),
        )
        .set((
            mail_outbox::claimed_by.eq(node),
            mail_outbox::claimed_until.eq(now + lease),
            mail_outbox::attempts.eq(mail_outbox::attempts + 1),
        ))
        .execute(conn)?;
        Ok(mail_outbox::table
            .filter(mail_outbox::id.eq_any(&ids))
            .filter(mail_outbox::claimed_by.eq(node))
            .filter(mail_outbox::claimed_until.eq(now + lease))
            .select(Claimed::as_select())
            .load(conn)?)
    })
}

/// The message went to the relay: the row (and the sealed links in it) is gone.
pub fn delivered(conn: &mut AnyConnection, id: &str, node: &str) -> Result<(), StoreError> {
    diesel::delete(
        mail_outbox::table
            .find(id)
            .filter(mail_outbox::claimed_by.eq(node)),
    )
    .execute(conn)?;
    Ok(())
}

/// The relay refused for now: released, to be tried again at `next_attempt_at`.
pub fn retry_later(
    conn: &mut AnyConnection,
    id: &str,
    node: &str,
    next_attempt_at: i64,
    error: &str,
) -> Result<(), StoreError> {
    diesel::update(
        mail_outbox::table
            .find(id)
            .filter(mail_outbox::claimed_by.eq(node)),
    )
    .set((
        mail_outbox::claimed_by.eq(None::<String>),
        mail_outbox::claimed_until.eq(None::<i64>),
        mail_outbox::next_attempt_at.eq(next_attempt_at),
        mail_outbox::last_error.eq(error),
    ))
    .execute(conn)?;
    Ok(())
}

/// The message cannot be delivered (refused for good, or out of attempts): its sealed content
/// is dropped and the row kept, masked, for operators.
pub fn give_up(
    conn: &mut AnyConnection,
    id: &str,
    node: &str,
    now: i64,
    error: &str,
) -> Result<(), StoreError> {
    diesel::update(
        mail_outbox::table
            .find(id)
            .filter(mail_outbox::claimed_by.eq(node)),
    )
    .set((
        mail_outbox::sealed.eq(""),
        mail_outbox::claimed_by.eq(None::<String>),
        mail_outbox::claimed_until.eq(None::<i64>),
        mail_outbox::failed_at.eq(now),
        mail_outbox::last_error.eq(error),
    ))
    .execute(conn)?;
    Ok(())
}

/// Messages waiting to be sent (not failed for good).
pub fn waiting(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(mail_outbox::table
        .filter(mail_outbox::failed_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Removes failed rows older than [`KEEP_FAILED_SECS`]; returns how many.
pub fn purge(conn: &mut AnyConnection, now: i64) -> Result<usize, StoreError> {
    Ok(
        diesel::delete(
            mail_outbox::table.filter(mail_outbox::failed_at.le(now - KEEP_FAILED_SECS)),
        )
        .execute(conn)?,
    )
}
