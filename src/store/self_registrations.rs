//! Which accounts people made themselves: those may not sign in to clients before their
//! address is verified, and are deleted when it stays unverified too long (`store::purge`).

use diesel::prelude::*;

use super::schema::self_registrations;
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
