//! A passkey between the store and the relying-party library: made from a finished
//! registration, read back for a ceremony, and updated after each use (counter, backup state).

use webauthn_rs::prelude::{AuthenticationResult, Passkey};

use crate::crypto::secrets::{b64url, random_id};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::passkeys::{self, StoredPasskey};
use crate::store::unix_now;
use crate::store::users::User;

/// The longest name a person may give a passkey.
pub const NAME_MAX_CHARS: usize = 64;

/// A credential id as stored and compared: base64url without padding.
pub fn credential_id_text(id: &[u8]) -> String {
    b64url(id)
}

/// The row for a newly registered passkey of `user_id`.
pub fn new_row(
    user_id: &str,
    user_handle: &str,
    name: &str,
    passkey: &Passkey,
) -> Result<StoredPasskey, AppError> {
    let serialised = serde_json::to_value(passkey).map_err(AppError::failed)?;
    // The library keeps the counter and the backup flags inside its credential and shows them
    // only after an authentication; at registration they are read from its serialised form.
    let inner = &serialised["cred"];
    let now = unix_now();
    Ok(StoredPasskey {
        id: random_id::<16>(),
        user_id: user_id.to_string(),
        user_handle: user_handle.to_string(),
        credential_id: credential_id_text(passkey.cred_id().as_ref()),
        name: name.to_string(),
        credential: serialised.to_string(),
        sign_count: inner["counter"].as_i64().unwrap_or(0),
        backup_eligible: inner["backup_eligible"].as_bool().unwrap_or(false),
        backed_up: inner["backup_state"].as_bool().unwrap_or(false),
        created_at: now,
        last_used_at: None,
    })
}

pub fn parse(stored: &StoredPasskey) -> Result<Passkey, AppError> {
    serde_json::from_str(&stored.credential)
        .map_err(|e| AppError::Internal(format!("stored passkey {} unreadable: {e}", stored.id)))
}

/// Records a successful use: the counter and flags the authenticator reported, and when.
pub async fn record_use(
    state: &AppState,
    stored: &StoredPasskey,
    mut passkey: Passkey,
    result: &AuthenticationResult,
) -> Result<(), AppError> {
    passkey.update_credential(result);
    let credential = serde_json::to_string(&passkey).map_err(AppError::failed)?;
    let (id, sign_count, backed_up) = (
        stored.id.clone(),
        i64::from(result.counter()),
        result.backup_state(),
    );
    state
        .store
        .run(move |conn| {
            passkeys::record_use(conn, &id, &credential, sign_count, backed_up, unix_now())
        })
        .await?;
    Ok(())
}

/// A name a person gave: trimmed, at most `NAME_MAX_CHARS`, "Passkey" when empty.
pub fn clean_name(name: &str) -> String {
    let name: String = name
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(NAME_MAX_CHARS)
        .collect();
    if name.is_empty() {
        "Passkey".to_string()
    } else {
        name
    }
}

/// Whether the account has a passkey to offer as the second factor (and passkeys work here).
pub async fn offered(state: &AppState, user: &User) -> Result<bool, AppError> {
    if state.webauthn.is_none() {
        return Ok(false);
    }
    let id = user.id.clone();
    let count = state
        .store
        .run(move |conn| passkeys::count_for_user(conn, &id))
        .await?;
    Ok(count > 0)
}
