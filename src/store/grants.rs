//! Grants: one per sign-in of a person to a client. Authorization codes and refresh tokens hang
//! off a grant; revoking the grant kills every token issued under it.

use diesel::prelude::*;

use super::schema::{authorization_codes, grants, refresh_tokens, users};
use super::users::{User, UserRow};
use super::{AnyConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = grants)]
pub struct Grant {
    pub id: String,
    pub user_id: String,
    pub client_id: String,
    pub sid: String,
    pub scope: String,
    pub auth_time: i64,
    pub amr: String,
    pub created_at: i64,
    /// The absolute end of the grant: no refresh beyond it.
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    /// A public client's grant bound to a DPoP key (RFC 9449 §5): its thumbprint.
    pub dpop_jkt: Option<String>,
}

impl Grant {
    pub fn is_live(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = authorization_codes)]
pub struct AuthorizationCode {
    pub code_hash: String,
    pub grant_id: String,
    pub redirect_uri: String,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub token_hash: String,
    pub grant_id: String,
    pub created_at: i64,
    /// The idle end: each rotation moves it on, never past the grant's absolute end.
    pub expires_at: i64,
    pub used_at: Option<i64>,
    /// The token it was rotated into, sealed with the KEK; only with a reuse grace window.
    pub successor_sealed: Option<String>,
}

/// What presenting a single-use value found.
pub enum Use<T> {
    /// This call consumed it.
    First(T),
    /// It had been consumed before: a replay.
    Replayed(T),
    Unknown,
}

pub fn insert_grant(conn: &mut AnyConnection, grant: &Grant) -> Result<(), StoreError> {
    diesel::insert_into(grants::table)
        .values(grant)
        .execute(conn)?;
    Ok(())
}

pub fn find_grant(conn: &mut AnyConnection, id: &str) -> Result<Option<Grant>, StoreError> {
    Ok(grants::table
        .find(id)
        .select(Grant::as_select())
        .first(conn)
        .optional()?)
}

/// Binds the grant (and so its refresh tokens) to a DPoP key, unless it is bound already.
pub fn bind_dpop_key(conn: &mut AnyConnection, id: &str, jkt: &str) -> Result<(), StoreError> {
    diesel::update(grants::table.find(id).filter(grants::dpop_jkt.is_null()))
        .set(grants::dpop_jkt.eq(jkt))
        .execute(conn)?;
    Ok(())
}

pub fn revoke_grant(conn: &mut AnyConnection, id: &str, now: i64) -> Result<(), StoreError> {
    diesel::update(grants::table.find(id).filter(grants::revoked_at.is_null()))
        .set(grants::revoked_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Revokes the grants made in one browser session, except those meant to outlive it
/// (`offline_access`).
pub fn revoke_session_grants(
    conn: &mut AnyConnection,
    sid: &str,
    now: i64,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        grants::table
            .filter(grants::sid.eq(sid))
            .filter(grants::revoked_at.is_null())
            .filter(grants::scope.not_like("%offline_access%")),
    )
    .set(grants::revoked_at.eq(now))
    .execute(conn)?)
}

/// The clients that were issued tokens in the browser session `sid`, each once: those to tell
/// when it ends (whatever became of their grants since).
pub fn clients_of_session(conn: &mut AnyConnection, sid: &str) -> Result<Vec<String>, StoreError> {
    Ok(grants::table
        .filter(grants::sid.eq(sid))
        .select(grants::client_id)
        .distinct()
        .order(grants::client_id.asc())
        .load(conn)?)
}

pub fn insert_code(conn: &mut AnyConnection, code: &AuthorizationCode) -> Result<(), StoreError> {
    diesel::insert_into(authorization_codes::table)
        .values(code)
        .execute(conn)?;
    Ok(())
}

/// Marks the code used. The conditional update is atomic on both backends, so of two
/// simultaneous presentations exactly one sees `First`.
pub fn consume_code(
    conn: &mut AnyConnection,
    code_hash: &str,
    now: i64,
) -> Result<Use<AuthorizationCode>, StoreError> {
    let Some(code) = authorization_codes::table
        .find(code_hash)
        .select(AuthorizationCode::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(Use::Unknown);
    };
    let claimed = diesel::update(
        authorization_codes::table
            .find(code_hash)
            .filter(authorization_codes::used_at.is_null()),
    )
    .set(authorization_codes::used_at.eq(now))
    .execute(conn)?;
    Ok(if claimed == 1 {
        Use::First(code)
    } else {
        Use::Replayed(code)
    })
}

pub fn insert_refresh_token(
    conn: &mut AnyConnection,
    token: &RefreshToken,
) -> Result<(), StoreError> {
    diesel::insert_into(refresh_tokens::table)
        .values(token)
        .execute(conn)?;
    Ok(())
}

pub fn find_refresh_token(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<RefreshToken>, StoreError> {
    Ok(refresh_tokens::table
        .find(token_hash)
        .select(RefreshToken::as_select())
        .first(conn)
        .optional()?)
}

/// Marks the refresh token used (rotated), in one statement that also reads it: the token as
/// stored, or None when it does not exist or had been used already (a replay, or the loser of
/// two simultaneous claims: the conditional update is atomic on both backends).
/// `successor_sealed` is kept with it for the reuse grace window. A caller that then refuses
/// the request rolls its transaction back, which leaves the token unused.
pub fn claim_refresh_token(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: i64,
    successor_sealed: Option<&str>,
) -> Result<Option<RefreshToken>, StoreError> {
    let unused = refresh_tokens::table
        .find(token_hash)
        .filter(refresh_tokens::used_at.is_null());
    let claim = (
        refresh_tokens::used_at.eq(now),
        refresh_tokens::successor_sealed.eq(successor_sealed),
    );
    let claimed = match conn {
        AnyConnection::Postgresql(c) => diesel::update(unused)
            .set(claim)
            .returning(RefreshToken::as_returning())
            .get_result(c),
        AnyConnection::Sqlite(c) => diesel::update(unused)
            .set(claim)
            .returning(RefreshToken::as_returning())
            .get_result(c),
    };
    Ok(claimed.optional()?)
}

/// A grant with its account, in one query.
pub fn find_grant_with_user(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<(Grant, User)>, StoreError> {
    let found: Option<(Grant, UserRow)> = grants::table
        .inner_join(users::table)
        .filter(grants::id.eq(id))
        .select((Grant::as_select(), UserRow::as_select()))
        .first(conn)
        .optional()?;
    found
        .map(|(grant, row)| Ok((grant, row.decrypt()?)))
        .transpose()
}

/// Revokes every live grant of the user (a password change): their refresh tokens stop working
/// and userinfo refuses their access tokens.
pub fn revoke_all_for_user(
    conn: &mut AnyConnection,
    user_id: &str,
    now: i64,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        grants::table
            .filter(grants::user_id.eq(user_id))
            .filter(grants::revoked_at.is_null()),
    )
    .set(grants::revoked_at.eq(now))
    .execute(conn)?)
}

/// Revokes the user's live grants to one client (consent withdrawn).
pub fn revoke_for_user_client(
    conn: &mut AnyConnection,
    user_id: &str,
    client_id: &str,
    now: i64,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        grants::table
            .filter(grants::user_id.eq(user_id))
            .filter(grants::client_id.eq(client_id))
            .filter(grants::revoked_at.is_null()),
    )
    .set(grants::revoked_at.eq(now))
    .execute(conn)?)
}
