//! Signing keys: generation, sealing at rest, the published JWKS, and JWT signing.

use josekit::jwk::{Jwk, KeyPair};
use josekit::jws::{EdDSA, JwsHeader, JwsSigner, JwsVerifier, ES256, RS256};
use josekit::jwt::{self, JwtPayload};
use serde_json::{Map, Value};

use super::kek::KeyEncryptionKey;
use super::secrets::{random_id, sha256_hex};
use super::CryptoError;
use crate::store::keys::StoredKey;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SigningAlg {
    Rs256,
    Es256,
    EdDsa,
}

impl SigningAlg {
    /// RS256 first: OpenID Connect makes it mandatory to support.
    pub const ALL: [SigningAlg; 3] = [SigningAlg::Rs256, SigningAlg::Es256, SigningAlg::EdDsa];

    pub fn name(self) -> &'static str {
        match self {
            SigningAlg::Rs256 => "RS256",
            SigningAlg::Es256 => "ES256",
            SigningAlg::EdDsa => "EdDSA",
        }
    }

    pub fn parse(name: &str) -> Option<SigningAlg> {
        SigningAlg::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// Public JWK members that may be published; anything else (a private part above all) is dropped.
const PUBLIC_JWK_MEMBERS: [&str; 9] = ["kty", "kid", "alg", "use", "n", "e", "crv", "x", "y"];

pub fn generate(
    alg: SigningAlg,
    kek: &KeyEncryptionKey,
    now: i64,
    activates_at: i64,
) -> Result<StoredKey, CryptoError> {
    let kid = random_id::<8>();
    let (pem, mut jwk): (Vec<u8>, Jwk) = match alg {
        SigningAlg::Rs256 => {
            let pair = RS256.generate_key_pair(2048)?;
            (pair.to_pem_private_key(), pair.to_jwk_public_key())
        }
        SigningAlg::Es256 => {
            let pair = ES256.generate_key_pair()?;
            (pair.to_pem_private_key(), pair.to_jwk_public_key())
        }
        SigningAlg::EdDsa => {
            let pair = EdDSA.generate_key_pair(josekit::jwk::alg::ed::EdCurve::Ed25519)?;
            (pair.to_pem_private_key(), pair.to_jwk_public_key())
        }
    };
    jwk.set_key_id(&kid);
    jwk.set_algorithm(alg.name());
    jwk.set_key_use("sig");
    Ok(StoredKey {
        private_key: kek.seal(&pem, kid.as_bytes())?,
        public_jwk: public_members(&jwk).to_string(),
        kid,
        alg: alg.name().to_string(),
        created_at: now,
        retired_at: None,
        activates_at,
    })
}

fn public_members(jwk: &Jwk) -> Value {
    let members: Map<String, Value> = jwk
        .as_ref()
        .iter()
        .filter(|(name, _)| PUBLIC_JWK_MEMBERS.contains(&name.as_str()))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    Value::Object(members)
}

struct LoadedKey {
    kid: String,
    alg: SigningAlg,
    /// Keys on their way out are still published but sign nothing new.
    /// It signs only from then on, once verifiers have had time to fetch it.
    activates_at: i64,
    /// A newer key of the same algorithm has been created to take over from this one.
    replaced: bool,
    signer: Box<dyn JwsSigner>,
    verifier: Box<dyn JwsVerifier>,
}

/// The keys in force: what the JWKS publishes and what signs.
pub struct KeySet {
    keys: Vec<LoadedKey>,
    jwks_body: String,
    jwks_etag: String,
    fingerprint: String,
}

impl KeySet {
    /// `stored` is every published key, oldest first.
    pub fn load(stored: &[StoredKey], kek: &KeyEncryptionKey) -> Result<KeySet, CryptoError> {
        let mut keys = Vec::with_capacity(stored.len());
        let mut published = Vec::with_capacity(stored.len());
        for key in stored {
            let alg = SigningAlg::parse(&key.alg)
                .ok_or_else(|| CryptoError::Key(format!("key {} has unknown alg", key.kid)))?;
            let pem = kek
                .open(&key.private_key, key.kid.as_bytes())
                .ok_or_else(|| CryptoError::Unseal {
                    kid: key.kid.clone(),
                })?;
            let signer: Box<dyn JwsSigner> = match alg {
                SigningAlg::Rs256 => Box::new(RS256.signer_from_pem(&pem)?),
                SigningAlg::Es256 => Box::new(ES256.signer_from_pem(&pem)?),
                SigningAlg::EdDsa => Box::new(EdDSA.signer_from_pem(&pem)?),
            };
            let jwk: Value = serde_json::from_str(&key.public_jwk)
                .map_err(|e| CryptoError::Key(format!("key {} public JWK: {e}", key.kid)))?;
            let jwk = Jwk::from_map(jwk.as_object().cloned().unwrap_or_default())
                .map_err(|e| CryptoError::Key(format!("key {}: {e}", key.kid)))?;
            let verifier: Box<dyn JwsVerifier> = match alg {
                SigningAlg::Rs256 => Box::new(RS256.verifier_from_jwk(&jwk)?),
                SigningAlg::Es256 => Box::new(ES256.verifier_from_jwk(&jwk)?),
                SigningAlg::EdDsa => Box::new(EdDSA.verifier_from_jwk(&jwk)?),
            };
            published.push(public_members(&jwk));
            keys.push(LoadedKey {
                kid: key.kid.clone(),
                alg,
                activates_at: key.activates_at,
                replaced: key.retired_at.is_some(),
                signer,
                verifier,
            });
        }
        let jwks_body = serde_json::json!({ "keys": published }).to_string();
        let jwks_etag = format!("\"{}\"", &sha256_hex(jwks_body.as_bytes())[..32]);
        Ok(KeySet {
            keys,
            jwks_body,
            jwks_etag,
            fingerprint: fingerprint(stored),
        })
    }

    pub fn jwks_body(&self) -> &str {
        &self.jwks_body
    }

    pub fn jwks_etag(&self) -> &str {
        &self.jwks_etag
    }

    /// Whether `stored` describes the same keys in the same states as this set.
    pub fn matches(&self, stored: &[StoredKey]) -> bool {
        self.fingerprint == fingerprint(stored)
    }

    pub fn algorithms(&self) -> Vec<SigningAlg> {
        SigningAlg::ALL
            .into_iter()
            .filter(|alg| self.keys.iter().any(|k| k.alg == *alg))
            .collect()
    }

    /// Signs `claims` as a compact JWS with the newest key of `alg` that is active.
    pub fn sign(
        &self,
        alg: SigningAlg,
        typ: &str,
        claims: Map<String, Value>,
    ) -> Result<String, CryptoError> {
        let now = crate::store::unix_now();
        // The newest key already active; keys are loaded oldest first.
        let active = || {
            self.keys
                .iter()
                .filter(move |k| k.alg == alg && k.activates_at <= now)
        };
        // A replaced key signs only until its successor is active.
        let key = active()
            .rfind(|k| !k.replaced)
            .or_else(|| active().next_back())
            .or_else(|| self.keys.iter().find(|k| k.alg == alg))
            .ok_or_else(|| CryptoError::Key(format!("no {} signing key", alg.name())))?;
        let mut header = JwsHeader::new();
        header.set_token_type(typ);
        header.set_key_id(&key.kid);
        let payload = JwtPayload::from_map(claims)?;
        Ok(jwt::encode_with_signer(&payload, &header, &*key.signer)?)
    }
}

impl KeySet {
    /// Verifies a compact JWS signed by one of our published keys and returns its claims.
    /// The header is trusted for nothing but choosing among our own keys by `kid`: its `alg`
    /// must be that key's algorithm (no `none`, no HMAC with a public key), and `jku`, `x5u`
    /// or an embedded `jwk` are never followed. `typ`, when given, must be `expected_typ`.
    pub fn verify(&self, token: &str, expected_typ: &str) -> Option<Map<String, Value>> {
        let header = jwt::decode_header(token).ok()?;
        let kid = header.claim("kid")?.as_str()?;
        let alg = header.claim("alg")?.as_str()?;
        let key = self.keys.iter().find(|k| k.kid == kid)?;
        if key.alg.name() != alg {
            return None;
        }
        let typ = header.claim("typ").and_then(|t| t.as_str()).unwrap_or("");
        let typ = typ.strip_prefix("application/").unwrap_or(typ);
        if !typ.eq_ignore_ascii_case(expected_typ) {
            return None;
        }
        let (payload, _) = jwt::decode_with_verifier(token, &*key.verifier).ok()?;
        Some(payload.claims_set().clone())
    }
}

fn fingerprint(stored: &[StoredKey]) -> String {
    stored
        .iter()
        .map(|k| format!("{}:{}", k.kid, k.retired_at.is_some()))
        .collect::<Vec<_>>()
        .join(",")
}
