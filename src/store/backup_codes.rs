//! Backup codes for the second factor: stored only as digests, each usable once; a new set
//! replaces the old one whole.

use diesel::prelude::*;

use super::schema::backup_codes;
use super::{AnyConnection, StoreError};

pub fn replace(
    conn: &mut AnyConnection,
    user_id: &str,
    hashes: &[String],
) -> Result<(), StoreError> {
    super::write_transaction(conn, |conn| {
        diesel::delete(backup_codes::table.filter(backup_codes::user_id.eq(user_id)))
            .execute(conn)?;
        for hash in hashes {
            diesel::insert_into(backup_codes::table)
                .values((
                    backup_codes::user_id.eq(user_id),
                    backup_codes::code_hash.eq(hash),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Uses the code if it is one of the user's and unused; true exactly once.
pub fn consume(
    conn: &mut AnyConnection,
    user_id: &str,
    hash: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let used = diesel::update(
        backup_codes::table
            .find((user_id, hash))
            .filter(backup_codes::used_at.is_null()),
    )
    .set(backup_codes::used_at.eq(now))
    .execute(conn)?;
    Ok(used == 1)
}

pub fn remaining(conn: &mut AnyConnection, user_id: &str) -> Result<i64, StoreError> {
    Ok(backup_codes::table
        .filter(backup_codes::user_id.eq(user_id))
        .filter(backup_codes::used_at.is_null())
        .count()
        .get_result(conn)?)
}

pub fn remove_all(conn: &mut AnyConnection, user_id: &str) -> Result<(), StoreError> {
    diesel::delete(backup_codes::table.filter(backup_codes::user_id.eq(user_id))).execute(conn)?;
    Ok(())
}
