//! Passkeys (WebAuthn credentials): one row per credential, owned by one account. A credential
//! id is unique across all accounts; the counter and backup flags are updated at each use.

use diesel::prelude::*;

use super::schema::passkeys;
use super::{AnyConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = passkeys)]
pub struct StoredPasskey {
    /// Our own random id, which forms name (never the credential id).
    pub id: String,
    pub user_id: String,
    /// The account's WebAuthn user handle (a UUID), shared by all its passkeys.
    pub user_handle: String,
    /// The credential id, base64url without padding.
    pub credential_id: String,
    pub name: String,
    /// The relying-party library's serialised credential (public key, counter, flags).
    pub credential: String,
    pub sign_count: i64,
    pub backup_eligible: bool,
    pub backed_up: bool,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// Stores a new passkey; `Conflict` if its credential id is registered already (to anyone).
pub fn insert(conn: &mut AnyConnection, passkey: &StoredPasskey) -> Result<(), StoreError> {
    diesel::insert_into(passkeys::table)
        .values(passkey)
        .execute(conn)?;
    Ok(())
}

pub fn list_for_user(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<Vec<StoredPasskey>, StoreError> {
    Ok(passkeys::table
        .filter(passkeys::user_id.eq(user_id))
        .order((passkeys::created_at.asc(), passkeys::id.asc()))
        .select(StoredPasskey::as_select())
        .load(conn)?)
}

pub fn count_for_user(conn: &mut AnyConnection, user_id: &str) -> Result<i64, StoreError> {
    Ok(passkeys::table
        .filter(passkeys::user_id.eq(user_id))
        .count()
        .get_result(conn)?)
}

/// The passkey with this credential id, whichever account it belongs to.
pub fn find_by_credential_id(
    conn: &mut AnyConnection,
    credential_id: &str,
) -> Result<Option<StoredPasskey>, StoreError> {
    Ok(passkeys::table
        .filter(passkeys::credential_id.eq(credential_id))
        .select(StoredPasskey::as_select())
        .first(conn)
        .optional()?)
}

/// The user handle the account's passkeys share, if it has any.
pub fn user_handle(conn: &mut AnyConnection, user_id: &str) -> Result<Option<String>, StoreError> {
    Ok(passkeys::table
        .filter(passkeys::user_id.eq(user_id))
        .select(passkeys::user_handle)
        .first(conn)
        .optional()?)
}

/// What a successful use changes: the credential (its counter and flags) and when.
pub fn record_use(
    conn: &mut AnyConnection,
    id: &str,
    credential: &str,
    sign_count: i64,
    backed_up: bool,
    now: i64,
) -> Result<(), StoreError> {
    diesel::update(passkeys::table.find(id))
        .set((
            passkeys::credential.eq(credential),
            passkeys::sign_count.eq(sign_count),
            passkeys::backed_up.eq(backed_up),
            passkeys::last_used_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Removes one of the account's passkeys; returns it if this call did.
pub fn remove(
    conn: &mut AnyConnection,
    user_id: &str,
    id: &str,
) -> Result<Option<StoredPasskey>, StoreError> {
    super::write_transaction(conn, |conn| {
        let found = passkeys::table
            .find(id)
            .filter(passkeys::user_id.eq(user_id))
            .select(StoredPasskey::as_select())
            .first(conn)
            .optional()?;
        if found.is_some() {
            diesel::delete(passkeys::table.find(id)).execute(conn)?;
        }
        Ok(found)
    })
}
