//! Device authorization requests (RFC 8628 §3.1): stored under digests of their device code and
//! user code. A person's decision moves one from `pending` to `approved` (with the grant the
//! authorization pipeline made) or `denied`; the client's token request then claims an approved
//! one exactly once (`used`). Every change is a conditional update, so of two nodes acting on
//! the same request at once exactly one succeeds.

use diesel::prelude::*;

use super::schema::device_authorizations;
use super::{AnyConnection, StoreError};

pub const PENDING: &str = "pending";
pub const APPROVED: &str = "approved";
pub const DENIED: &str = "denied";
pub const USED: &str = "used";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = device_authorizations)]
pub struct DeviceAuthorization {
    pub id: String,
    pub device_code_hash: String,
    pub user_code_hash: String,
    pub client_id: String,
    pub scope: String,
    pub created_at: i64,
    pub expires_at: i64,
    /// The polling interval the client must keep; each `slow_down` adds 5 s (RFC 8628 §3.5).
    pub interval_secs: i64,
    pub last_polled_at: Option<i64>,
    pub status: String,
    pub grant_id: Option<String>,
}

/// Stores a new request; `StoreError::Conflict` when a live request holds the same user code.
pub fn insert(conn: &mut AnyConnection, request: &DeviceAuthorization) -> Result<(), StoreError> {
    diesel::insert_into(device_authorizations::table)
        .values(request)
        .execute(conn)?;
    Ok(())
}

/// The pending, unexpired request whose user code has this digest.
pub fn find_pending_by_user_code(
    conn: &mut AnyConnection,
    user_code_hash: &str,
    now: i64,
) -> Result<Option<DeviceAuthorization>, StoreError> {
    Ok(device_authorizations::table
        .filter(device_authorizations::user_code_hash.eq(user_code_hash))
        .filter(device_authorizations::status.eq(PENDING))
        .filter(device_authorizations::expires_at.gt(now))
        .select(DeviceAuthorization::as_select())
        .first(conn)
        .optional()?)
}

/// The request whose device code has this digest, in whatever state.
pub fn find_by_device_code(
    conn: &mut AnyConnection,
    device_code_hash: &str,
) -> Result<Option<DeviceAuthorization>, StoreError> {
    Ok(device_authorizations::table
        .filter(device_authorizations::device_code_hash.eq(device_code_hash))
        .select(DeviceAuthorization::as_select())
        .first(conn)
        .optional()?)
}

/// Moves a pending, unexpired request to `status` (approved or denied); `false` when it was
/// decided, used or expired before.
pub fn decide(
    conn: &mut AnyConnection,
    id: &str,
    status: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        device_authorizations::table
            .find(id)
            .filter(device_authorizations::status.eq(PENDING))
            .filter(device_authorizations::expires_at.gt(now)),
    )
    .set(device_authorizations::status.eq(status))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Records the grant an approval made (in the transaction that approved it).
pub fn attach_grant(conn: &mut AnyConnection, id: &str, grant_id: &str) -> Result<(), StoreError> {
    diesel::update(device_authorizations::table.find(id))
        .set(device_authorizations::grant_id.eq(grant_id))
        .execute(conn)?;
    Ok(())
}

/// Records a token request's poll, and the interval the client must keep from now on.
pub fn record_poll(
    conn: &mut AnyConnection,
    id: &str,
    now: i64,
    interval_secs: i64,
) -> Result<(), StoreError> {
    diesel::update(device_authorizations::table.find(id))
        .set((
            device_authorizations::last_polled_at.eq(now),
            device_authorizations::interval_secs.eq(interval_secs),
        ))
        .execute(conn)?;
    Ok(())
}

/// Claims an approved request for its one token response: of two concurrent claims (on any
/// nodes) exactly one gets `true`.
pub fn claim(conn: &mut AnyConnection, id: &str) -> Result<bool, StoreError> {
    let claimed = diesel::update(
        device_authorizations::table
            .find(id)
            .filter(device_authorizations::status.eq(APPROVED)),
    )
    .set(device_authorizations::status.eq(USED))
    .execute(conn)?;
    Ok(claimed == 1)
}
