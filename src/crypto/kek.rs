//! The key-encryption key (KEK) that seals signing keys at rest with AES-256-GCM.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use openssl::symm::{decrypt_aead, encrypt_aead, Cipher};

use super::secrets::random_bytes;
use super::CryptoError;

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// Where the KEK comes from, in order of precedence.
#[derive(Debug, Clone)]
pub enum KekSource {
    /// Base64 of 32 bytes, from configuration or the environment.
    Inline(String),
    /// A file the operator provides; it must exist and be readable.
    File(PathBuf),
    /// The default: a file in the data directory, created on first start, mode 0600.
    Generated(PathBuf),
}

pub struct KeyEncryptionKey([u8; 32]);

impl KeyEncryptionKey {
    pub fn load(source: &KekSource) -> Result<KeyEncryptionKey, CryptoError> {
        match source {
            KekSource::Inline(b64) => decode(b64.trim(), "keys.encryption_key"),
            KekSource::File(path) => read_file(path),
            KekSource::Generated(path) if path.exists() => read_file(path),
            KekSource::Generated(path) => {
                let key = random_bytes::<32>();
                let created = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(path);
                let mut file = match created {
                    Ok(file) => file,
                    // Another process sharing the data directory is writing it right now.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        return read_when_written(path)
                    }
                    Err(e) => return Err(file_error(path, e)),
                };
                writeln!(file, "{}", STANDARD.encode(key)).map_err(|e| file_error(path, e))?;
                file.sync_all().map_err(|e| file_error(path, e))?;
                Ok(KeyEncryptionKey(key))
            }
        }
    }

    /// A key for another purpose (CSRF tokens, tickets), the same on every node that shares
    /// this KEK and useless for unsealing.
    pub fn derive(&self, label: &str) -> [u8; 32] {
        super::secrets::hmac_sha256(&self.0, label.as_bytes())
    }

    /// A 256-bit key for another purpose by HKDF-SHA-256 (RFC 5869), `label` as its info:
    /// distinct labels give independent keys, none of which reveals the KEK.
    pub fn hkdf(&self, label: &str) -> Result<[u8; 32], CryptoError> {
        use openssl::md::Md;
        use openssl::pkey::Id;
        use openssl::pkey_ctx::PkeyCtx;
        let fail = |e: openssl::error::ErrorStack| CryptoError::Key(e.to_string());
        let mut ctx = PkeyCtx::new_id(Id::HKDF).map_err(fail)?;
        ctx.derive_init().map_err(fail)?;
        ctx.set_hkdf_md(Md::sha256()).map_err(fail)?;
        ctx.set_hkdf_key(&self.0).map_err(fail)?;
        ctx.set_hkdf_salt(b"idp hkdf v1").map_err(fail)?;
        ctx.add_hkdf_info(label.as_bytes()).map_err(fail)?;
        let mut key = [0u8; 32];
        ctx.derive(Some(&mut key)).map_err(fail)?;
        Ok(key)
    }

    /// Returns base64(nonce || ciphertext || tag).
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<String, CryptoError> {
        aead_seal(&self.0, plaintext, aad)
    }

    pub fn open(&self, sealed: &str, aad: &[u8]) -> Option<Vec<u8>> {
        aead_open(&self.0, sealed, aad)
    }
}

/// AES-256-GCM with a random 96-bit nonce: base64(nonce || ciphertext || tag).
pub(super) fn aead_seal(
    key: &[u8; 32],
    plaintext: &[u8],
    aad: &[u8],
) -> Result<String, CryptoError> {
    let nonce = random_bytes::<NONCE_LEN>();
    let mut tag = [0u8; TAG_LEN];
    let ciphertext = encrypt_aead(
        Cipher::aes_256_gcm(),
        key,
        Some(&nonce),
        aad,
        plaintext,
        &mut tag,
    )
    .map_err(|e| CryptoError::Key(e.to_string()))?;
    let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len() + TAG_LEN);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    out.extend_from_slice(&tag);
    Ok(STANDARD.encode(out))
}

/// Opens what `aead_seal` made under the same key and associated data; `None` otherwise.
pub(super) fn aead_open(key: &[u8; 32], sealed: &str, aad: &[u8]) -> Option<Vec<u8>> {
    let raw = STANDARD.decode(sealed).ok()?;
    if raw.len() < NONCE_LEN + TAG_LEN {
        return None;
    }
    let (nonce, rest) = raw.split_at(NONCE_LEN);
    let (ciphertext, tag) = rest.split_at(rest.len() - TAG_LEN);
    decrypt_aead(
        Cipher::aes_256_gcm(),
        key,
        Some(nonce),
        aad,
        ciphertext,
        tag,
    )
    .ok()
}

/// Reads a key file another process has just created, giving it a moment to finish writing.
fn read_when_written(path: &Path) -> Result<KeyEncryptionKey, CryptoError> {
    for _ in 0..50 {
        if std::fs::metadata(path).is_ok_and(|m| m.len() > 0) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    read_file(path)
}

fn read_file(path: &Path) -> Result<KeyEncryptionKey, CryptoError> {
    let text = std::fs::read_to_string(path).map_err(|e| file_error(path, e))?;
    decode(text.trim(), &path.display().to_string())
}

fn decode(b64: &str, origin: &str) -> Result<KeyEncryptionKey, CryptoError> {
    let bytes = STANDARD.decode(b64).map_err(|_| {
        CryptoError::KeyEncryptionKey(format!(
            "key-encryption key from {origin} is not valid base64"
        ))
    })?;
    let key: [u8; 32] = bytes.try_into().map_err(|_| {
        CryptoError::KeyEncryptionKey(format!(
            "key-encryption key from {origin} must be 32 bytes (base64 of 32 random bytes)"
        ))
    })?;
    Ok(KeyEncryptionKey(key))
}

fn file_error(path: &Path, err: std::io::Error) -> CryptoError {
    CryptoError::KeyEncryptionKey(format!(
        "cannot read key-encryption key file {}: {err}",
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open() {
        let kek = decode(&STANDARD.encode([7u8; 32]), "test").unwrap();
        let sealed = kek.seal(b"private", b"kid-1").unwrap();
        assert_eq!(kek.open(&sealed, b"kid-1").unwrap(), b"private");
        assert!(kek.open(&sealed, b"kid-2").is_none(), "bound to its kid");
        let other = decode(&STANDARD.encode([8u8; 32]), "test").unwrap();
        assert!(other.open(&sealed, b"kid-1").is_none(), "wrong KEK refused");
    }

    #[test]
    fn short_key_refused() {
        assert!(decode(&STANDARD.encode([1u8; 16]), "test").is_err());
        assert!(decode("not base64!", "test").is_err());
    }
}
