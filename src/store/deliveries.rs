//! The queue of outbound HTTP posts, claimed for leases as every store queue is (see `queue`):
//! several nodes never post one row at once, and a node that dies after the commit that queued
//! a row, or in the middle of posting it, leaves it for another. Each row has a kind, which
//! says how its body becomes a request (see `crate::delivery`).

use diesel::prelude::*;

use super::schema::deliveries;
use super::{AnyConnection, StoreError};

/// A webhook alert about a security incident; the body is the JSON posted.
pub const SECURITY_ALERT: &str = "security_alert";
/// A logout token for a client's `backchannel_logout_uri`; the body says for whom (see
/// `crate::oidc::backchannel`), the token is made at each attempt.
pub const BACKCHANNEL_LOGOUT: &str = "backchannel_logout";

/// A row this node claimed and now posts.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = deliveries)]
pub struct Claimed {
    pub id: String,
    pub kind: String,
    pub about: String,
    pub body: String,
    /// Attempts so far, this one included.
    pub attempts: i32,
}

/// Queues a post of `kind` (in the caller's transaction, so that it commits with the change it
/// reports or not at all), to be sent from `now`. `about` names what it concerns for operators.
pub fn insert(
    conn: &mut AnyConnection,
    id: &str,
    kind: &str,
    about: &str,
    body: &str,
    now: i64,
) -> Result<(), StoreError> {
    diesel::insert_into(deliveries::table)
        .values((
            deliveries::id.eq(id),
            deliveries::kind.eq(kind),
            deliveries::about.eq(about),
            deliveries::body.eq(body),
            deliveries::created_at.eq(now),
            deliveries::attempts.eq(0),
            deliveries::next_attempt_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

super::queue::leased_queue!(deliveries, Claimed);
