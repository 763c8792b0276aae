//! Removes what has expired, so that tables hold only what can still be used or checked.

use diesel::prelude::*;

use super::schema::{
    authorization_codes, authorization_requests, grants, refresh_tokens, sessions,
};
use super::{AnyConnection, StoreError};

/// Used codes and rotated refresh tokens are kept until they expire: until then a second
/// presentation is recognised as a replay and revokes its grant.
pub fn expired(conn: &mut AnyConnection, now: i64) -> Result<usize, StoreError> {
    super::write_transaction(conn, |conn| {
        let mut removed = 0;
        removed += diesel::delete(
            authorization_requests::table.filter(authorization_requests::expires_at.le(now)),
        )
        .execute(conn)?;
        removed += diesel::delete(
            authorization_codes::table.filter(authorization_codes::expires_at.le(now)),
        )
        .execute(conn)?;
        removed += diesel::delete(refresh_tokens::table.filter(refresh_tokens::expires_at.le(now)))
            .execute(conn)?;
        removed +=
            diesel::delete(sessions::table.filter(sessions::expires_at.le(now))).execute(conn)?;
        // Grants end absolutely; their codes and refresh tokens go with them (ON DELETE CASCADE).
        removed +=
            diesel::delete(grants::table.filter(grants::expires_at.le(now))).execute(conn)?;
        removed += super::revocations::purge(conn, now)?;
        removed += super::pushed_requests::purge(conn, now)?;
        removed += super::device_authorizations::purge(conn, now)?;
        removed += super::mail_outbox::purge(conn, now)?;
        removed += super::password_resets::purge(conn, now)?;
        removed += super::webauthn_ceremonies::purge(conn, now)?;
        removed += super::email_verifications::purge(conn, now)?;
        // Ended invitations stay listed (with their outcome) for 30 days.
        removed += super::invitations::purge(conn, now - 30 * 86_400)?;
        removed += super::upstream::purge(conn, now)?;
        removed += super::address_blocks::purge(conn, now)?;
        removed += super::deliveries::purge(conn, now)?;
        // Marks outlive any detection window (at most a day) before they go.
        removed += super::monitor_marks::purge(conn, now - 86_400)?;
        Ok(removed)
    })
}
