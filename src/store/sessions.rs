//! Browser sessions. The cookie carries a random id; only its SHA-256 digest is stored.

use diesel::prelude::*;

use super::schema::sessions;
use super::{AnyConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id_hash: String,
    /// The public session id put in ID tokens (`sid`); not a credential.
    pub sid: String,
    pub user_id: String,
    pub auth_time: i64,
    /// Space-separated authentication methods (RFC 8176), e.g. `pwd`.
    pub amr: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// The absolute end of the session.
    pub expires_at: i64,
}

pub fn insert(conn: &mut AnyConnection, session: &Session) -> Result<(), StoreError> {
    diesel::insert_into(sessions::table)
        .values(session)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut AnyConnection, id_hash: &str) -> Result<Option<Session>, StoreError> {
    Ok(sessions::table
        .find(id_hash)
        .select(Session::as_select())
        .first(conn)
        .optional()?)
}

pub fn touch(conn: &mut AnyConnection, id_hash: &str, now: i64) -> Result<(), StoreError> {
    diesel::update(sessions::table.find(id_hash))
        .set(sessions::last_seen_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Records the methods the session now rests on (a second factor passed later).
pub fn set_amr(conn: &mut AnyConnection, id_hash: &str, amr: &str) -> Result<(), StoreError> {
    diesel::update(sessions::table.find(id_hash))
        .set(sessions::amr.eq(amr))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut AnyConnection, id_hash: &str) -> Result<Option<Session>, StoreError> {
    let session = find(conn, id_hash)?;
    diesel::delete(sessions::table.find(id_hash)).execute(conn)?;
    Ok(session)
}

/// The user's sessions, newest first (expired ones included until the purge removes them).
pub fn list_for_user(conn: &mut AnyConnection, user_id: &str) -> Result<Vec<Session>, StoreError> {
    Ok(sessions::table
        .filter(sessions::user_id.eq(user_id))
        .select(Session::as_select())
        .order(sessions::created_at.desc())
        .load(conn)?)
}

/// Ends the session with public id `sid` if it belongs to `user_id`; returns it if it did.
pub fn delete_for_user(
    conn: &mut AnyConnection,
    user_id: &str,
    sid: &str,
) -> Result<Option<Session>, StoreError> {
    let session = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::sid.eq(sid))
        .select(Session::as_select())
        .first(conn)
        .optional()?;
    if let Some(session) = &session {
        diesel::delete(sessions::table.find(&session.id_hash)).execute(conn)?;
    }
    Ok(session)
}

/// Ends every session of `user_id` except the one stored as `keep_id_hash`; returns them.
pub fn delete_others(
    conn: &mut AnyConnection,
    user_id: &str,
    keep_id_hash: &str,
) -> Result<Vec<Session>, StoreError> {
    let others = || {
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::id_hash.ne(keep_id_hash))
    };
    let ended = others().select(Session::as_select()).load(conn)?;
    // All of them, also one started since the read (the change that ends them, a new
    // password, must not leave a session behind).
    diesel::delete(others()).execute(conn)?;
    Ok(ended)
}
