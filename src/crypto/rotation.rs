//! The life of signing keys in the store: created on first start, rotated on demand, kept
//! published after rotation until every token they signed has expired.

use super::kek::KeyEncryptionKey;
use super::keys::{generate, KeySet, SigningAlg};
use super::CryptoError;
use crate::store::keys::{self as stored_keys, StoredKey};
use crate::store::{AnyConnection, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

/// Creates a key for every algorithm that has no active one; returns the ones created.
pub fn ensure_keys(
    conn: &mut AnyConnection,
    kek: &KeyEncryptionKey,
    now: i64,
) -> Result<Vec<SigningAlg>, KeyError> {
    crate::store::write_transaction(conn, |conn| {
        let existing = stored_keys::published(conn, now)?;
        let mut created = Vec::new();
        for alg in SigningAlg::ALL {
            let has_active = existing
                .iter()
                .any(|k| k.alg == alg.name() && k.retired_at.is_none());
            if !has_active {
                stored_keys::insert(conn, &generate(alg, kek, now)?)?;
                created.push(alg);
            }
        }
        Ok(created)
    })
}

/// Adds a new key for each of `algs` and schedules the keys it replaces to leave the JWKS
/// after `retire_after` seconds. One transaction: all or nothing.
pub fn rotate(
    conn: &mut AnyConnection,
    kek: &KeyEncryptionKey,
    algs: &[SigningAlg],
    now: i64,
    retire_after: i64,
) -> Result<Vec<StoredKey>, KeyError> {
    crate::store::write_transaction(conn, |conn| {
        let mut created = Vec::new();
        for alg in algs {
            stored_keys::schedule_retirement(conn, alg.name(), now + retire_after)?;
            let key = generate(*alg, kek, now)?;
            stored_keys::insert(conn, &key)?;
            created.push(key);
        }
        Ok(created)
    })
}

/// The published keys as a loaded set, or `None` when `current` already matches them.
pub fn reload(
    conn: &mut AnyConnection,
    kek: &KeyEncryptionKey,
    current: Option<&KeySet>,
    now: i64,
) -> Result<Option<KeySet>, KeyError> {
    let published = stored_keys::published(conn, now)?;
    if current.is_some_and(|set| set.matches(&published)) {
        return Ok(None);
    }
    Ok(Some(KeySet::load(&published, kek)?))
}

impl From<diesel::result::Error> for KeyError {
    fn from(err: diesel::result::Error) -> Self {
        KeyError::Store(err.into())
    }
}
