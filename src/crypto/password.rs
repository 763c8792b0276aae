//! Argon2id password hashing with PHC strings; parameters come from configuration and may not go
//! below OWASP's minimum.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use super::secrets::{random_bytes, random_token};
use super::CryptoError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Argon2Settings {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for Argon2Settings {
    /// OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1.
    fn default() -> Self {
        Argon2Settings {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

impl Argon2Settings {
    /// OWASP's equivalent Argon2id configurations: less memory needs more passes.
    pub fn meets_owasp_minimum(&self) -> bool {
        let (m, t) = (self.memory_kib, self.iterations);
        self.parallelism >= 1
            && (m >= 47_104
                || (m >= 19_456 && t >= 2)
                || (m >= 12_288 && t >= 3)
                || (m >= 9_216 && t >= 4)
                || (m >= 7_168 && t >= 5))
    }
}

pub enum Verification {
    Match { needs_rehash: bool },
    Mismatch,
}

/// Password verifications this process ran (real or dummy): the Argon2 work, for `/metrics`.
static VERIFICATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many verifications (real or dummy) this process has run.
pub fn verifications() -> u64 {
    VERIFICATIONS.load(std::sync::atomic::Ordering::Relaxed)
}

fn count_verification() {
    VERIFICATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

pub struct PasswordHasher {
    settings: Argon2Settings,
    argon2: Argon2<'static>,
    /// Checked when the account is unknown, so both cases cost the same time.
    dummy_hash: OnceLock<String>,
}

impl PasswordHasher {
    pub fn new(settings: Argon2Settings) -> Result<PasswordHasher, CryptoError> {
        let params = Params::new(
            settings.memory_kib,
            settings.iterations,
            settings.parallelism,
            None,
        )
        .map_err(|e| CryptoError::Password(e.to_string()))?;
        Ok(PasswordHasher {
            settings,
            argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, params),
            dummy_hash: OnceLock::new(),
        })
    }

    pub fn settings(&self) -> Argon2Settings {
        self.settings
    }

    pub fn hash(&self, password: &str) -> Result<String, CryptoError> {
        let salt = SaltString::encode_b64(&random_bytes::<16>())
            .map_err(|e| CryptoError::Password(e.to_string()))?;
        self.argon2
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| CryptoError::Password(e.to_string()))
    }

    pub fn verify(&self, password: &str, phc: &str) -> Verification {
        count_verification();
        let Ok(parsed) = PasswordHash::new(phc) else {
            return Verification::Mismatch;
        };
        // Verify with the parameters recorded in the hash, then ask for a rehash when they
        // differ from the configured ones.
        if self
            .argon2
            .verify_password(password.as_bytes(), &parsed)
            .is_err()
        {
            return Verification::Mismatch;
        }
        let current = Params::try_from(&parsed).ok();
        let needs_rehash = parsed.algorithm != Algorithm::Argon2id.ident()
            || current.is_none_or(|p| {
                p.m_cost() != self.settings.memory_kib
                    || p.t_cost() != self.settings.iterations
                    || p.p_cost() != self.settings.parallelism
            });
        Verification::Match { needs_rehash }
    }

    /// Spends the time of a real verification and always fails.
    pub fn verify_dummy(&self, password: &str) {
        count_verification();
        let dummy = self
            .dummy_hash
            .get_or_init(|| self.hash(&random_token::<16>()).unwrap_or_default());
        let _ = self.verify(password, dummy);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Argon2Settings {
        Argon2Settings {
            memory_kib: 7_168,
            iterations: 5,
            parallelism: 1,
        }
    }

    #[test]
    fn hash_verify_and_rehash() {
        let hasher = PasswordHasher::new(small()).unwrap();
        let phc = hasher.hash("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"));
        assert!(matches!(
            hasher.verify("correct horse battery", &phc),
            Verification::Match {
                needs_rehash: false
            }
        ));
        assert!(matches!(
            hasher.verify("wrong", &phc),
            Verification::Mismatch
        ));
        let stronger = PasswordHasher::new(Argon2Settings::default()).unwrap();
        assert!(matches!(
            stronger.verify("correct horse battery", &phc),
            Verification::Match { needs_rehash: true }
        ));
        assert!(matches!(
            hasher.verify("x", "not a phc string"),
            Verification::Mismatch
        ));
    }

    #[test]
    fn owasp_minimum() {
        assert!(Argon2Settings::default().meets_owasp_minimum());
        assert!(small().meets_owasp_minimum());
        let weak = Argon2Settings {
            memory_kib: 4_096,
            iterations: 3,
            parallelism: 1,
        };
        assert!(!weak.meets_owasp_minimum());
    }
}
