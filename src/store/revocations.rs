//! Revoked access tokens by `jti`, kept until the token would have expired anyway. In the
//! database so that every node refuses them.

use diesel::prelude::*;

use super::schema::revoked_tokens;
use super::{AnyConnection, StoreError};

pub fn revoke(conn: &mut AnyConnection, jti: &str, expires_at: i64) -> Result<(), StoreError> {
    let inserted = diesel::insert_into(revoked_tokens::table)
        .values((
            revoked_tokens::jti.eq(jti),
            revoked_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn);
    match inserted {
        Ok(_)
        | Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

pub fn is_revoked(conn: &mut AnyConnection, jti: &str) -> Result<bool, StoreError> {
    let found: Option<String> = revoked_tokens::table
        .find(jti)
        .select(revoked_tokens::jti)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}
