//! Which accounts people made themselves: those may not sign in to clients before their
//! address is verified, and are deleted when it stays unverified too long.

use diesel::prelude::*;

use super::schema::{self_registrations, users};
use super::{AnyConnection, StoreError};

pub fn insert(conn: &mut AnyConnection, user_id: &str, now: i64) -> Result<(), StoreError> {
    diesel::insert_into(self_registrations::table)
        .values((
            self_registrations::user_id.eq(user_id),
            self_registrations::registered_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether `user_id` signed up by themselves.
pub fn is_self_registered(conn: &mut AnyConnection, user_id: &str) -> Result<bool, StoreError> {
    Ok(self_registrations::table
        .find(user_id)
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// Deletes the accounts made by sign-up before `registered_before` whose address was never
/// verified (their links, sessions and the rest go with them); returns how many.
pub fn purge_unverified(
    conn: &mut AnyConnection,
    registered_before: i64,
) -> Result<usize, StoreError> {
    let stale = self_registrations::table
        .filter(self_registrations::registered_at.lt(registered_before))
        .select(self_registrations::user_id);
    Ok(diesel::delete(
        users::table
            .filter(users::id.eq_any(stale))
            .filter(users::email_verified.eq(false)),
    )
    .execute(conn)?)
}
