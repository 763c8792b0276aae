//! Invitations to make an account, stored with the digest of their link's token: usable once,
//! before they expire, unless revoked.

use diesel::prelude::*;

use super::personal_data::{decrypt, encrypt, index_key, invitation_place};
use super::schema::invitations;
use super::{AnyConnection, StoreError};

/// An invitation, its address in plaintext (in the table it is encrypted, with a blind index).
#[derive(Debug, Clone)]
pub struct Invitation {
    pub id: String,
    pub token_hash: String,
    pub email: String,
    /// The actor who sent it: a user id, or `apikey:{id}`.
    pub invited_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// The account made through it.
    pub user_id: Option<String>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = invitations)]
struct InvitationRow {
    id: String,
    token_hash: String,
    email: String,
    invited_by: String,
    created_at: i64,
    expires_at: i64,
    accepted_at: Option<i64>,
    revoked_at: Option<i64>,
    user_id: Option<String>,
    email_index: Option<String>,
}

impl InvitationRow {
    fn encrypt(invitation: &Invitation) -> Result<InvitationRow, StoreError> {
        Ok(InvitationRow {
            id: invitation.id.clone(),
            token_hash: invitation.token_hash.clone(),
            email: encrypt(&invitation.email, &invitation_place(&invitation.id))?,
            invited_by: invitation.invited_by.clone(),
            created_at: invitation.created_at,
            expires_at: invitation.expires_at,
            accepted_at: invitation.accepted_at,
            revoked_at: invitation.revoked_at,
            user_id: invitation.user_id.clone(),
            email_index: Some(index_key(&invitation.email)?),
        })
    }

    fn decrypt(self) -> Result<Invitation, StoreError> {
        // A row from before encryption (encrypted at the next start) has its '@' in plaintext.
        let email = if self.email.contains('@') {
            self.email
        } else {
            decrypt(&self.email, &invitation_place(&self.id))?
        };
        Ok(Invitation {
            id: self.id,
            token_hash: self.token_hash,
            email,
            invited_by: self.invited_by,
            created_at: self.created_at,
            expires_at: self.expires_at,
            accepted_at: self.accepted_at,
            revoked_at: self.revoked_at,
            user_id: self.user_id,
        })
    }
}

impl Invitation {
    /// `open`, `accepted`, `revoked` or `expired`.
    pub fn status(&self, now: i64) -> &'static str {
        if self.accepted_at.is_some() {
            "accepted"
        } else if self.revoked_at.is_some() {
            "revoked"
        } else if self.expires_at <= now {
            "expired"
        } else {
            "open"
        }
    }
}

pub fn insert(conn: &mut AnyConnection, invitation: &Invitation) -> Result<(), StoreError> {
    diesel::insert_into(invitations::table)
        .values(InvitationRow::encrypt(invitation)?)
        .execute(conn)?;
    Ok(())
}

/// The most recent invitations first, at most `limit`.
pub fn list(conn: &mut AnyConnection, limit: i64) -> Result<Vec<Invitation>, StoreError> {
    invitations::table
        .select(InvitationRow::as_select())
        .order(invitations::created_at.desc())
        .limit(limit)
        .load(conn)?
        .into_iter()
        .map(InvitationRow::decrypt)
        .collect()
}

/// How many invitations `inviter` sent since `since`, and when the oldest of them was sent.
pub fn sent_since(
    conn: &mut AnyConnection,
    inviter: &str,
    since: i64,
) -> Result<(i64, Option<i64>), StoreError> {
    let sent = invitations::table
        .filter(invitations::invited_by.eq(inviter))
        .filter(invitations::created_at.gt(since));
    let count = sent.count().get_result(conn)?;
    let oldest = sent
        .select(diesel::dsl::min(invitations::created_at))
        .first(conn)?;
    Ok((count, oldest))
}

/// The filter of invitations still usable at `$now`.
macro_rules! open {
    ($now:expr) => {
        invitations::accepted_at
            .is_null()
            .and(invitations::revoked_at.is_null())
            .and(invitations::expires_at.gt($now))
    };
}

/// Revokes an open invitation; `false` when there is no such open one.
pub fn revoke(conn: &mut AnyConnection, id: &str, now: i64) -> Result<bool, StoreError> {
    let changed = diesel::update(invitations::table.find(id).filter(open!(now)))
        .set(invitations::revoked_at.eq(now))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Revokes every open invitation to `email` (a newer one replaces them); returns how many.
pub fn revoke_open_to(
    conn: &mut AnyConnection,
    email: &str,
    now: i64,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        invitations::table
            .filter(invitations::email_index.eq(index_key(email)?))
            .filter(open!(now)),
    )
    .set(invitations::revoked_at.eq(now))
    .execute(conn)?)
}

/// The open invitation of `token_hash`, without using it.
pub fn peek(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: i64,
) -> Result<Option<Invitation>, StoreError> {
    invitations::table
        .filter(invitations::token_hash.eq(token_hash))
        .filter(open!(now))
        .select(InvitationRow::as_select())
        .first(conn)
        .optional()?
        .map(InvitationRow::decrypt)
        .transpose()
}

/// Uses the open invitation of `token_hash` for the account `user_id`: of two uses exactly one
/// gets `true`.
pub fn accept(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        invitations::table
            .filter(invitations::token_hash.eq(token_hash))
            .filter(open!(now)),
    )
    .set((
        invitations::accepted_at.eq(now),
        invitations::user_id.eq(user_id),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}
