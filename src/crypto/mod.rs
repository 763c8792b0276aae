//! Keys and cryptography: signing keys and the JWKS, the key-encryption key that seals private
//! keys at rest, password hashing, and random secrets.

pub mod jws;
pub mod kek;
pub mod keys;
pub mod password;
pub mod personal_data;
pub mod public_key;
pub mod rotation;
pub mod secrets;
pub mod totp;
pub mod webauthn;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("{0}")]
    KeyEncryptionKey(String),
    #[error("cannot open sealed private key {kid}: wrong key-encryption key or damaged data")]
    Unseal { kid: String },
    #[error("key operation failed: {0}")]
    Key(String),
    #[error("password hashing failed: {0}")]
    Password(String),
}

impl From<josekit::JoseError> for CryptoError {
    fn from(err: josekit::JoseError) -> Self {
        CryptoError::Key(err.to_string())
    }
}
