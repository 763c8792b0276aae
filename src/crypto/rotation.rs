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
        // Nodes starting together on an empty database: one creates the keys, the others see them.
        crate::store::lock_for(conn, crate::store::Lock::KeyRotation)?;
        let existing = stored_keys::published(conn, now)?;
        let mut created = Vec::new();
        for alg in SigningAlg::ALL {
            let has_active = existing
                .iter()
                .any(|k| k.alg == alg.name() && k.retired_at.is_none());
            if !has_active {
                // Nothing was published before: the first keys sign at once.
                stored_keys::insert(conn, &generate(alg, kek, now, now)?)?;
                created.push(alg);
            }
        }
        Ok(created)
    })
}

/// When rotated keys start signing and when the keys they replace leave the JWKS.
#[derive(Debug, Clone, Copy)]
pub struct RotationTiming {
    /// A new key is published this long before it signs (at least the JWKS cache lifetime).
    pub publish_lead: i64,
    /// A replaced key stays published this long after it stops signing (the longest token
    /// lifetime), so that everything it signed keeps verifying.
    pub retire_after: i64,
}

/// Adds a new key for each of `algs`, published now and signing after the lead time, and
/// schedules the keys it replaces to leave the JWKS once their tokens have expired. One
/// transaction: all or nothing.
pub fn rotate(
    conn: &mut AnyConnection,
    kek: &KeyEncryptionKey,
    algs: &[SigningAlg],
    now: i64,
    timing: RotationTiming,
) -> Result<Vec<StoredKey>, KeyError> {
    crate::store::write_transaction(conn, |conn| rotate_in(conn, kek, algs, now, timing))
}

fn rotate_in(
    conn: &mut AnyConnection,
    kek: &KeyEncryptionKey,
    algs: &[SigningAlg],
    now: i64,
    timing: RotationTiming,
) -> Result<Vec<StoredKey>, KeyError> {
    let activates_at = now + timing.publish_lead;
    let mut created = Vec::new();
    for alg in algs {
        stored_keys::schedule_retirement(conn, alg.name(), activates_at + timing.retire_after)?;
        let key = generate(*alg, kek, now, activates_at)?;
        stored_keys::insert(conn, &key)?;
        created.push(key);
    }
    Ok(created)
}

/// Rotates every algorithm whose newest key is older than `period`. Several nodes may call this
/// at once: the check and the rotation happen under one lock, so only one rotates.
pub fn rotate_due(
    conn: &mut AnyConnection,
    kek: &KeyEncryptionKey,
    period: i64,
    now: i64,
    timing: RotationTiming,
) -> Result<Vec<StoredKey>, KeyError> {
    crate::store::write_transaction(conn, |conn| {
        crate::store::lock_for(conn, crate::store::Lock::KeyRotation)?;
        let published = stored_keys::published(conn, now)?;
        let due: Vec<SigningAlg> = SigningAlg::ALL
            .into_iter()
            .filter(|alg| {
                published
                    .iter()
                    .filter(|k| k.alg == alg.name())
                    .map(|k| k.created_at)
                    .max()
                    .is_some_and(|newest| newest + period <= now)
            })
            .collect();
        rotate_in(conn, kek, &due, now, timing)
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
