use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use openssl::sha::sha256;

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // The OpenSSL CSPRNG only fails when the OS entropy source is broken; nothing safe can
    // continue then.
    #[allow(clippy::expect_used)]
    openssl::rand::rand_bytes(&mut buf).expect("operating system random source failed");
    buf
}

/// A URL-safe random token carrying `N` bytes of entropy.
pub fn random_token<const N: usize>() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<N>())
}

/// An identifier safe in URLs and on command lines (hex never starts with '-').
pub fn random_id<const N: usize>() -> String {
    hex(&random_bytes::<N>())
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&sha256(data))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    // HMAC-SHA256 with an in-memory key cannot fail short of memory exhaustion; an all-zero
    // result then fails every comparison rather than passing one.
    if let Ok(pkey) = openssl::pkey::PKey::hmac(key) {
        if let Ok(mut signer) =
            openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &pkey)
        {
            if let Ok(mac) = signer.sign_oneshot_to_vec(data) {
                out.copy_from_slice(&mac[..32]);
            }
        }
    }
    out
}

/// Base64url without padding, as JOSE and PKCE use it.
pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && openssl::memcmp::eq(a, b)
}

const SECRET_HASH_PREFIX: &str = "sha256:";

/// Client secrets and other high-entropy values are stored as a SHA-256 digest.
pub fn hash_secret(secret: &str) -> String {
    format!("{SECRET_HASH_PREFIX}{}", sha256_hex(secret.as_bytes()))
}

pub fn verify_secret(secret: &str, stored: &str) -> bool {
    constant_time_eq(hash_secret(secret).as_bytes(), stored.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_hash_round_trip() {
        let secret = random_token::<32>();
        let stored = hash_secret(&secret);
        assert!(verify_secret(&secret, &stored));
        assert!(!verify_secret("guess", &stored));
        assert!(!stored.contains(&secret));
    }

    #[test]
    fn tokens_differ() {
        assert_ne!(random_token::<16>(), random_token::<16>());
        assert_eq!(random_token::<32>().len(), 43);
    }
}
