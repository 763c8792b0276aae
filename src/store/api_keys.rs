//! Admin API keys: random values shown once, stored only as SHA-256 digests, scoped to roles,
//! revocable, with the time they were last used.

use diesel::prelude::*;

use super::schema::admin_api_keys;
use super::users::expect_one;
use super::{AnyConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = admin_api_keys)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    /// `hash_secret` of the key; the key itself is never stored.
    pub key_hash: String,
    /// Space-separated role names the key acts with.
    pub roles: String,
    /// The user id of the admin who created it.
    pub created_by: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked: bool,
    pub revoked_at: Option<i64>,
}

pub fn insert(conn: &mut AnyConnection, key: &ApiKey) -> Result<(), StoreError> {
    diesel::insert_into(admin_api_keys::table)
        .values(key)
        .execute(conn)?;
    Ok(())
}

pub fn list(conn: &mut AnyConnection) -> Result<Vec<ApiKey>, StoreError> {
    Ok(admin_api_keys::table
        .select(ApiKey::as_select())
        .order(admin_api_keys::created_at.desc())
        .load(conn)?)
}

/// The live (not revoked) key whose digest is `key_hash`.
pub fn find_live(conn: &mut AnyConnection, key_hash: &str) -> Result<Option<ApiKey>, StoreError> {
    Ok(admin_api_keys::table
        .filter(admin_api_keys::key_hash.eq(key_hash))
        .filter(admin_api_keys::revoked.eq(false))
        .select(ApiKey::as_select())
        .first(conn)
        .optional()?)
}

pub fn touch(conn: &mut AnyConnection, id: &str, now: i64) -> Result<(), StoreError> {
    diesel::update(admin_api_keys::table.find(id))
        .set(admin_api_keys::last_used_at.eq(now))
        .execute(conn)?;
    Ok(())
}

pub fn revoke(conn: &mut AnyConnection, id: &str, now: i64) -> Result<(), StoreError> {
    expect_one(
        diesel::update(
            admin_api_keys::table
                .find(id)
                .filter(admin_api_keys::revoked.eq(false)),
        )
        .set((
            admin_api_keys::revoked.eq(true),
            admin_api_keys::revoked_at.eq(now),
        ))
        .execute(conn)?,
    )
}
