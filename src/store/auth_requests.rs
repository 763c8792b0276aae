//! Authorization requests waiting for the person to sign in or consent. Stored server-side so
//! that any node can resume them and nothing in the browser can alter them.

use diesel::prelude::*;

use super::schema::authorization_requests;
use super::{AnyConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = authorization_requests)]
pub struct PendingRequest {
    pub id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    /// Space-separated `prompt` values.
    pub prompt: String,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub acr_values: Option<String>,
}

pub fn insert(conn: &mut AnyConnection, request: &PendingRequest) -> Result<(), StoreError> {
    diesel::insert_into(authorization_requests::table)
        .values(request)
        .execute(conn)?;
    Ok(())
}

/// The request, if it exists and has not expired.
pub fn find(
    conn: &mut AnyConnection,
    id: &str,
    now: i64,
) -> Result<Option<PendingRequest>, StoreError> {
    Ok(authorization_requests::table
        .find(id)
        .filter(authorization_requests::expires_at.gt(now))
        .select(PendingRequest::as_select())
        .first(conn)
        .optional()?)
}

pub fn delete(conn: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
    diesel::delete(authorization_requests::table.find(id)).execute(conn)?;
    Ok(())
}
