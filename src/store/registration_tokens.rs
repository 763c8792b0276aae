//! Bearer tokens of dynamic client registration, kept only as digests: initial access tokens
//! an operator makes so that clients may be registered at `/register` (RFC 7591 §3), and the
//! registration access token each registered client manages itself with (RFC 7592).

use diesel::prelude::*;

use super::schema::registration_tokens;
use super::users::expect_one;
use super::{AnyConnection, StoreError};

pub const INITIAL: &str = "initial";
pub const CLIENT: &str = "client";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = registration_tokens)]
pub struct RegistrationToken {
    pub id: String,
    /// `hash_secret` of the token; the token itself is never stored.
    pub token_hash: String,
    /// [`INITIAL`] or [`CLIENT`].
    pub kind: String,
    /// The client a registration access token manages.
    pub client_id: Option<String>,
    pub label: String,
    /// The token endpoint authentication method a client registered with.
    pub auth_method: Option<String>,
    /// Registrations an initial access token still allows; `None`: no limit.
    pub uses_left: Option<i64>,
    pub expires_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
}

pub fn insert(conn: &mut AnyConnection, token: &RegistrationToken) -> Result<(), StoreError> {
    diesel::insert_into(registration_tokens::table)
        .values(token)
        .execute(conn)?;
    Ok(())
}

/// Uses up one registration of the live initial access token whose digest is `token_hash`;
/// `false` when there is none (unknown, expired or used up). The decrement repeats the
/// "uses left" condition, so two registrations racing for the last use cannot both have it.
pub fn use_initial(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let live = registration_tokens::table
        .filter(registration_tokens::token_hash.eq(token_hash))
        .filter(registration_tokens::kind.eq(INITIAL))
        .filter(
            registration_tokens::expires_at
                .is_null()
                .or(registration_tokens::expires_at.gt(now)),
        );
    let limited = diesel::update(live.filter(registration_tokens::uses_left.gt(0)))
        .set(registration_tokens::uses_left.eq(registration_tokens::uses_left - 1))
        .execute(conn)?;
    if limited == 1 {
        return Ok(true);
    }
    let unlimited = live
        .filter(registration_tokens::uses_left.is_null())
        .count()
        .get_result::<i64>(conn)?;
    Ok(unlimited == 1)
}

/// The registration access token whose digest is `token_hash`.
pub fn find_client_token(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<RegistrationToken>, StoreError> {
    Ok(registration_tokens::table
        .filter(registration_tokens::token_hash.eq(token_hash))
        .filter(registration_tokens::kind.eq(CLIENT))
        .select(RegistrationToken::as_select())
        .first(conn)
        .optional()?)
}

/// The initial access tokens, newest first (expired and used-up ones until they are revoked).
pub fn list_initial(conn: &mut AnyConnection) -> Result<Vec<RegistrationToken>, StoreError> {
    Ok(registration_tokens::table
        .filter(registration_tokens::kind.eq(INITIAL))
        .select(RegistrationToken::as_select())
        .order(registration_tokens::created_at.desc())
        .load(conn)?)
}

/// Deletes an initial access token; registrations made with it stay.
pub fn revoke_initial(conn: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
    expect_one(
        diesel::delete(
            registration_tokens::table
                .find(id)
                .filter(registration_tokens::kind.eq(INITIAL)),
        )
        .execute(conn)?,
    )
}
