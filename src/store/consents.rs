//! Consent remembered per user and client: the union of the scopes the person has allowed.

use diesel::prelude::*;

use super::schema::consents;
use super::{AnyConnection, StoreError};

pub fn granted_scopes(
    conn: &mut AnyConnection,
    user_id: &str,
    client_id: &str,
) -> Result<Vec<String>, StoreError> {
    let scope: Option<String> = consents::table
        .find((user_id, client_id))
        .select(consents::scope)
        .first(conn)
        .optional()?;
    Ok(scope
        .map(|s| s.split_whitespace().map(String::from).collect())
        .unwrap_or_default())
}

/// Adds `scopes` to what the person has allowed this client. Two statements: call it inside a
/// write transaction.
pub fn remember(
    conn: &mut AnyConnection,
    user_id: &str,
    client_id: &str,
    scopes: &[&str],
    now: i64,
) -> Result<(), StoreError> {
    let mut all = granted_scopes(conn, user_id, client_id)?;
    for scope in scopes {
        if !all.iter().any(|s| s == scope) {
            all.push(scope.to_string());
        }
    }
    all.sort();
    diesel::delete(consents::table.find((user_id, client_id))).execute(conn)?;
    diesel::insert_into(consents::table)
        .values((
            consents::user_id.eq(user_id),
            consents::client_id.eq(client_id),
            consents::scope.eq(all.join(" ")),
            consents::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// One client's remembered consent.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = consents)]
pub struct Consent {
    pub user_id: String,
    pub client_id: String,
    /// Space-separated scopes.
    pub scope: String,
    pub created_at: i64,
}

/// The clients the user has consented to, by client id.
pub fn list_for_user(conn: &mut AnyConnection, user_id: &str) -> Result<Vec<Consent>, StoreError> {
    Ok(consents::table
        .filter(consents::user_id.eq(user_id))
        .select(Consent::as_select())
        .order(consents::client_id.asc())
        .load(conn)?)
}

/// Forgets the user's consent to `client_id`; true if there was one.
pub fn withdraw(
    conn: &mut AnyConnection,
    user_id: &str,
    client_id: &str,
) -> Result<bool, StoreError> {
    Ok(diesel::delete(consents::table.find((user_id, client_id))).execute(conn)? == 1)
}
