//! Accounts whose next sign-in must pass a second factor: an incident's remediation
//! (`require_second_factor`). Kept apart from the account row, so the demand names the
//! incident that made it and goes away on its own when the account does.

use diesel::prelude::*;

use super::schema::second_factor_demands;
use super::{AnyConnection, StoreError};

/// Demands a second factor at `user_id`'s next sign-in (an earlier demand stays as it was).
pub fn demand(
    conn: &mut AnyConnection,
    user_id: &str,
    incident_id: &str,
    now: i64,
) -> Result<(), StoreError> {
    // Looked up first rather than inserted and caught: a failed insert would end a
    // PostgreSQL transaction the caller is in.
    if demanded(conn, user_id)?.is_none() {
        diesel::insert_into(second_factor_demands::table)
            .values((
                second_factor_demands::user_id.eq(user_id),
                second_factor_demands::incident_id.eq(incident_id),
                second_factor_demands::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The incident that demands a second factor of `user_id`, if one does.
pub fn demanded(conn: &mut AnyConnection, user_id: &str) -> Result<Option<String>, StoreError> {
    Ok(second_factor_demands::table
        .find(user_id)
        .select(second_factor_demands::incident_id)
        .first(conn)
        .optional()?)
}

/// The demand is met (a sign-in with a second factor, or a new password set for the account);
/// whether there was one.
pub fn satisfied(conn: &mut AnyConnection, user_id: &str) -> Result<bool, StoreError> {
    Ok(diesel::delete(second_factor_demands::table.find(user_id)).execute(conn)? > 0)
}
