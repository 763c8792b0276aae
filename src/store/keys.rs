use diesel::prelude::*;

use super::schema::signing_keys;
use super::{AnyConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = signing_keys)]
pub struct StoredKey {
    pub kid: String,
    pub alg: String,
    /// The public JWK as JSON: what the JWKS publishes.
    pub public_jwk: String,
    /// PKCS#8 PEM sealed with the key-encryption key (AES-256-GCM, kid as associated data).
    pub private_key: String,
    pub created_at: i64,
    /// When it leaves the JWKS; set when a newer key replaces it.
    pub retired_at: Option<i64>,
    /// When it starts signing: after it has been published long enough for verifiers to see it.
    pub activates_at: i64,
}

pub fn insert(conn: &mut AnyConnection, key: &StoredKey) -> Result<(), StoreError> {
    diesel::insert_into(signing_keys::table)
        .values(key)
        .execute(conn)?;
    Ok(())
}

/// Every key still published at `now`, oldest first.
pub fn published(conn: &mut AnyConnection, now: i64) -> Result<Vec<StoredKey>, StoreError> {
    Ok(signing_keys::table
        .select(StoredKey::as_select())
        .filter(
            signing_keys::retired_at
                .is_null()
                .or(signing_keys::retired_at.gt(now)),
        )
        .order((signing_keys::created_at.asc(), signing_keys::kid.asc()))
        .load(conn)?)
}

/// Marks every active key of `alg` to leave the JWKS at `at`; returns how many.
pub fn schedule_retirement(
    conn: &mut AnyConnection,
    alg: &str,
    at: i64,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        signing_keys::table
            .filter(signing_keys::alg.eq(alg))
            .filter(signing_keys::retired_at.is_null()),
    )
    .set(signing_keys::retired_at.eq(at))
    .execute(conn)?)
}

pub fn all(conn: &mut AnyConnection) -> Result<Vec<StoredKey>, StoreError> {
    Ok(signing_keys::table
        .select(StoredKey::as_select())
        .order((signing_keys::created_at.asc(), signing_keys::kid.asc()))
        .load(conn)?)
}
