//! Pushed authorization requests (RFC 9126 §2): stored under the digest of their
//! `request_uri`, for one client, usable once before they expire.

use diesel::prelude::*;

use super::schema::pushed_requests;
use super::{AnyConnection, StoreError};

pub fn insert(
    conn: &mut AnyConnection,
    uri_hash: &str,
    client_id: &str,
    params: &str,
    expires_at: i64,
) -> Result<(), StoreError> {
    diesel::insert_into(pushed_requests::table)
        .values((
            pushed_requests::uri_hash.eq(uri_hash),
            pushed_requests::client_id.eq(client_id),
            pushed_requests::params.eq(params),
            pushed_requests::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The parameters pushed for `client_id` under `uri_hash`, claimed by this call: of two uses
/// exactly one gets them; an expired, used, unknown or other client's one gives `None`.
pub fn take(
    conn: &mut AnyConnection,
    uri_hash: &str,
    client_id: &str,
    now: i64,
) -> Result<Option<String>, StoreError> {
    let claimed = diesel::update(
        pushed_requests::table
            .find(uri_hash)
            .filter(pushed_requests::client_id.eq(client_id))
            .filter(pushed_requests::expires_at.gt(now))
            .filter(pushed_requests::used_at.is_null()),
    )
    .set(pushed_requests::used_at.eq(now))
    .execute(conn)?;
    if claimed != 1 {
        return Ok(None);
    }
    Ok(pushed_requests::table
        .find(uri_hash)
        .select(pushed_requests::params)
        .first(conn)
        .optional()?)
}
