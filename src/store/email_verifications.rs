//! Email verification links, stored as the digest of their token: usable once, before they
//! expire. A link proves one address for one account: its own after a sign-up, or a new one it
//! asked to change to.

use diesel::prelude::*;

use super::personal_data::{decrypt, encrypt, verification_place};
use super::schema::email_verifications;
use super::{AnyConnection, StoreError};

/// What a link proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The account's own address, as given at sign-up (or set by an administrator).
    Account,
    /// A new address, which replaces the account's once proved.
    Change,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Account => "account",
            Purpose::Change => "change",
        }
    }

    fn parse(text: &str) -> Option<Purpose> {
        match text {
            "account" => Some(Purpose::Account),
            "change" => Some(Purpose::Change),
            _ => None,
        }
    }
}

/// A link that still works.
#[derive(Debug, Clone)]
pub struct Verification {
    pub user_id: String,
    pub email: String,
    pub purpose: Purpose,
}

pub fn insert(
    conn: &mut AnyConnection,
    token_hash: &str,
    verification: &Verification,
    now: i64,
    expires_at: i64,
) -> Result<(), StoreError> {
    diesel::insert_into(email_verifications::table)
        .values((
            email_verifications::token_hash.eq(token_hash),
            email_verifications::user_id.eq(&verification.user_id),
            email_verifications::email.eq(encrypt(
                &verification.email,
                &verification_place(token_hash),
            )?),
            email_verifications::purpose.eq(verification.purpose.as_str()),
            email_verifications::created_at.eq(now),
            email_verifications::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The link of `token_hash` if it is unused and unexpired (without using it).
pub fn peek(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: i64,
) -> Result<Option<Verification>, StoreError> {
    let row: Option<(String, String, String)> = email_verifications::table
        .find(token_hash)
        .filter(email_verifications::expires_at.gt(now))
        .filter(email_verifications::used_at.is_null())
        .select((
            email_verifications::user_id,
            email_verifications::email,
            email_verifications::purpose,
        ))
        .first(conn)
        .optional()?;
    let Some((user_id, stored, purpose)) = row else {
        return Ok(None);
    };
    // A link from before encryption (encrypted at the next start) has its '@' in plaintext.
    let email = if stored.contains('@') {
        stored
    } else {
        decrypt(&stored, &verification_place(token_hash))?
    };
    Ok(Purpose::parse(&purpose).map(|purpose| Verification {
        user_id,
        email,
        purpose,
    }))
}

/// Uses the link: of two uses exactly one gets `true`; an expired, used or unknown link, or
/// one for another account, gives `false`.
pub fn take(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let claimed = diesel::update(
        email_verifications::table
            .find(token_hash)
            .filter(email_verifications::user_id.eq(user_id))
            .filter(email_verifications::expires_at.gt(now))
            .filter(email_verifications::used_at.is_null()),
    )
    .set(email_verifications::used_at.eq(now))
    .execute(conn)?;
    Ok(claimed == 1)
}

/// Ends the account's other unused links (a newer link, or a proved address, supersedes them).
pub fn remove_unused_for_user(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        email_verifications::table
            .filter(email_verifications::user_id.eq(user_id))
            .filter(email_verifications::used_at.is_null()),
    )
    .execute(conn)?)
}
