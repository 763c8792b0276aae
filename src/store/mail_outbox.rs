//! The outbound mail queue, claimed for leases as every store queue is (see `queue`): delivery
//! is at least once, and the `Message-ID` (the row id) stays the same across attempts.

use diesel::prelude::*;

use super::schema::mail_outbox;
use super::{AnyConnection, StoreError};

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

super::queue::leased_queue!(mail_outbox, Claimed);

/// The relay refused for now: released, to be tried again at `next_attempt_at`.
pub fn retry_later(
    conn: &mut AnyConnection,
    id: &str,
    node: &str,
    next_attempt_at: i64,
    error: &str,
) -> Result<(), StoreError> {
    release(conn, id, node, next_attempt_at, None, error)
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
    super::write_transaction(conn, |conn| {
        diesel::update(
            mail_outbox::table
                .find(id)
                .filter(mail_outbox::claimed_by.eq(node)),
        )
        .set(mail_outbox::sealed.eq(""))
        .execute(conn)?;
        release(conn, id, node, now, Some(now), error)
    })
}

/// Messages waiting to be sent (not failed for good).
pub fn waiting(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(mail_outbox::table
        .filter(mail_outbox::failed_at.is_null())
        .count()
        .get_result(conn)?)
}
