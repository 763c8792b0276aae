//! Personal data at rest: email addresses and names are encrypted with AES-256-GCM under a key
//! derived from the KEK, and found by email through a blind index (an HMAC of the normalised
//! address under a second derived key), so that a copy of the database is not a mailing list.
//!
//! A stored value is `pd<version>:` and base64(nonce || ciphertext || tag); the associated data
//! names the table, the column and the row, so a value copied to another row or column does not
//! open. The version names the key: a later rotation adds a version and re-encrypts.

use std::sync::OnceLock;

use super::kek::{aead_open, aead_seal, KeyEncryptionKey};
use super::secrets::hmac_sha256;
use super::CryptoError;

/// The key version new values are written with.
pub const CURRENT_VERSION: i64 = 1;
const PREFIX: &str = "pd1:";
const ENCRYPTION_LABEL: &str = "idp personal data encryption v1";
const INDEX_LABEL: &str = "idp personal data email index v1";

pub struct PersonalDataKeys {
    encryption: [u8; 32],
    index: [u8; 32],
}

/// The keys of this process: every command that reads or writes accounts installs them from
/// the KEK before it opens the store.
static INSTALLED: OnceLock<PersonalDataKeys> = OnceLock::new();

/// Derives the keys from `kek` and makes them this process's. Installing again (another command
/// step loading the same KEK) keeps the first.
pub fn install(kek: &KeyEncryptionKey) -> Result<(), CryptoError> {
    let keys = PersonalDataKeys::derive(kek)?;
    let _ = INSTALLED.set(keys);
    Ok(())
}

/// This process's keys; an error when nothing installed them (a bug, never data to trust).
pub fn keys() -> Result<&'static PersonalDataKeys, CryptoError> {
    INSTALLED.get().ok_or_else(|| {
        CryptoError::Key("the personal data keys were not derived from the KEK".into())
    })
}

impl PersonalDataKeys {
    pub fn derive(kek: &KeyEncryptionKey) -> Result<PersonalDataKeys, CryptoError> {
        Ok(PersonalDataKeys {
            encryption: kek.hkdf(ENCRYPTION_LABEL)?,
            index: kek.hkdf(INDEX_LABEL)?,
        })
    }

    /// Encrypts `plaintext` bound to `place` (table, column and row).
    pub fn encrypt(&self, plaintext: &str, place: &Place) -> Result<String, CryptoError> {
        let sealed = aead_seal(
            &self.encryption,
            plaintext.as_bytes(),
            place.aad().as_bytes(),
        )?;
        Ok(format!("{PREFIX}{sealed}"))
    }

    /// Decrypts a value `encrypt` made for the same `place`.
    pub fn decrypt(&self, stored: &str, place: &Place) -> Result<String, CryptoError> {
        let damaged = || CryptoError::Key(format!("cannot decrypt {}", place.column_name()));
        let sealed = stored.strip_prefix(PREFIX).ok_or_else(damaged)?;
        let plain =
            aead_open(&self.encryption, sealed, place.aad().as_bytes()).ok_or_else(damaged)?;
        String::from_utf8(plain).map_err(|_| damaged())
    }

    /// The blind index of an email address: the same for every spelling that normalises to the
    /// same address (trimmed, lower-cased), useless without the KEK.
    pub fn email_index(&self, email: &str) -> String {
        let normalised = email.trim().to_lowercase();
        let mac = hmac_sha256(&self.index, normalised.as_bytes());
        mac.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Whether a stored value is one `encrypt` made (rather than a plaintext one from before).
pub fn is_encrypted(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// Where a value lives: its table and column, and the key of its row.
pub struct Place<'a> {
    pub table: &'static str,
    pub column: &'static str,
    pub row: &'a str,
}

impl Place<'_> {
    fn aad(&self) -> String {
        format!("{}.{}:{}", self.table, self.column, self.row)
    }

    fn column_name(&self) -> String {
        format!("{}.{}", self.table, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;

    fn keys() -> PersonalDataKeys {
        let kek = KeyEncryptionKey::load(&super::super::kek::KekSource::Inline(
            STANDARD.encode([5u8; 32]),
        ))
        .unwrap();
        PersonalDataKeys::derive(&kek).unwrap()
    }

    fn place(row: &str) -> Place<'_> {
        Place {
            table: "users",
            column: "email",
            row,
        }
    }

    #[test]
    fn round_trip_bound_to_its_row() {
        let keys = keys();
        let stored = keys.encrypt("alice@example.com", &place("u1")).unwrap();
        assert!(is_encrypted(&stored) && !stored.contains("alice"));
        assert_eq!(
            keys.decrypt(&stored, &place("u1")).unwrap(),
            "alice@example.com"
        );
        assert!(keys.decrypt(&stored, &place("u2")).is_err(), "another row");
        let name = Place {
            table: "users",
            column: "name",
            row: "u1",
        };
        assert!(keys.decrypt(&stored, &name).is_err(), "another column");
        assert_ne!(
            stored,
            keys.encrypt("alice@example.com", &place("u1")).unwrap(),
            "a fresh nonce each time"
        );
    }

    #[test]
    fn index_normalises_and_differs_from_encryption_key() {
        let keys = keys();
        assert_eq!(
            keys.email_index(" Alice@Example.COM "),
            keys.email_index("alice@example.com")
        );
        assert_ne!(
            keys.email_index("alice@example.com"),
            keys.email_index("bob@example.com")
        );
        assert_ne!(keys.encryption, keys.index);
    }
}
