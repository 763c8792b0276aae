//! Password reset links, stored as the digest of their token: usable once, before they expire.

use diesel::prelude::*;

use super::schema::password_resets;
use super::{AnyConnection, StoreError};

pub fn insert(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), StoreError> {
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::token_hash.eq(token_hash),
            password_resets::user_id.eq(user_id),
            password_resets::created_at.eq(now),
            password_resets::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The account of an unused, unexpired link (without using it).
pub fn peek(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: i64,
) -> Result<Option<String>, StoreError> {
    Ok(password_resets::table
        .find(token_hash)
        .filter(password_resets::expires_at.gt(now))
        .filter(password_resets::used_at.is_null())
        .select(password_resets::user_id)
        .first(conn)
        .optional()?)
}

/// Uses the link for `user_id`: of two uses exactly one gets `true`; an expired, used or
/// unknown link gives `false`.
pub fn take(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let claimed = diesel::update(
        password_resets::table
            .find(token_hash)
            .filter(password_resets::user_id.eq(user_id))
            .filter(password_resets::expires_at.gt(now))
            .filter(password_resets::used_at.is_null()),
    )
    .set(password_resets::used_at.eq(now))
    .execute(conn)?;
    Ok(claimed == 1)
}

/// Ends every other link of the account (after a reset, an older mail must not work).
pub fn remove_for_user(conn: &mut AnyConnection, user_id: &str) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        password_resets::table
            .filter(password_resets::user_id.eq(user_id))
            .filter(password_resets::used_at.is_null()),
    )
    .execute(conn)?)
}
