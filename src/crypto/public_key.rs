//! Signatures made by others, checked with their public JWKs straight through OpenSSL.
//!
//! josekit's `verifier_from_jwk` turns each JWK into DER and hands it to OpenSSL 3's decoder
//! framework, which took about 0.3 ms per key here: more than the signature check itself. A
//! DPoP proof carries its key, so that was most of what a proof cost the token endpoint. Here a
//! key is built from its members (RFC 7518 §6), and a P-256 key — whose point must be validated,
//! the one costly step — is kept, by its coordinates, for the next proof by the same client.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use josekit::jwk::Jwk;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::ecdsa::EcdsaSig;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, Public};
use openssl::rsa::{Padding, Rsa};
use openssl::sign::{RsaPssSaltlen, Verifier};
use serde_json::Value;

/// RFC 7518 §3.3 and §3.5: RSA keys of at least 2048 bits.
const MIN_RSA_BITS: u32 = 2048;
/// P-256 keys kept; past this the cache starts over (a client's key is met again at once).
const P256_CACHE_SIZE: usize = 4096;

/// Whether `signature` over `message` verifies with `jwk` under the JWS algorithm `alg`.
/// A key whose `use`, `key_ops` or `alg` say otherwise, or of the wrong type or curve, never
/// verifies.
pub fn verifies(alg: &str, jwk: &Jwk, message: &[u8], signature: &[u8]) -> bool {
    if !usable_for(jwk, alg) {
        return false;
    }
    match alg {
        "ES256" => es256(jwk, message, signature).unwrap_or(false),
        "RS256" => rsa(jwk, false, message, signature).unwrap_or(false),
        "PS256" => rsa(jwk, true, message, signature).unwrap_or(false),
        "EdDSA" => eddsa(jwk, &["Ed25519", "Ed448"], message, signature).unwrap_or(false),
        "Ed25519" => eddsa(jwk, &["Ed25519"], message, signature).unwrap_or(false),
        _ => false,
    }
}

fn text<'a>(jwk: &'a Jwk, name: &str) -> Option<&'a str> {
    jwk.parameter(name).and_then(Value::as_str)
}

fn bytes(jwk: &Jwk, name: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text(jwk, name)?).ok()
}

/// RFC 7517 §4.2–4.4: a key meant only for encryption, or for another algorithm, is not used.
fn usable_for(jwk: &Jwk, alg: &str) -> bool {
    let canonical = |a: &str| if a == "Ed25519" { "EdDSA" } else { a }.to_string();
    let use_ok = jwk.parameter("use").is_none() || text(jwk, "use") == Some("sig");
    let ops_ok = match jwk.parameter("key_ops") {
        None => true,
        Some(ops) => ops
            .as_array()
            .is_some_and(|ops| ops.iter().any(|op| op.as_str() == Some("verify"))),
    };
    let alg_ok = jwk.parameter("alg").is_none()
        || text(jwk, "alg").is_some_and(|a| canonical(a) == canonical(alg));
    use_ok && ops_ok && alg_ok
}

fn es256(jwk: &Jwk, message: &[u8], signature: &[u8]) -> Option<bool> {
    if text(jwk, "kty")? != "EC" || text(jwk, "crv")? != "P-256" || signature.len() != 64 {
        return Some(false);
    }
    let (x, y) = (bytes(jwk, "x")?, bytes(jwk, "y")?);
    if x.len() != 32 || y.len() != 32 {
        return Some(false);
    }
    let key = p256_key(&x, &y)?;
    let sig = EcdsaSig::from_private_components(
        BigNum::from_slice(&signature[..32]).ok()?,
        BigNum::from_slice(&signature[32..]).ok()?,
    )
    .ok()?;
    sig.verify(&openssl::sha::sha256(message), &key).ok()
}

/// The validated P-256 key with these coordinates (a point off the curve is refused).
fn p256_key(x: &[u8], y: &[u8]) -> Option<EcKey<Public>> {
    static GROUP: OnceLock<Option<EcGroup>> = OnceLock::new();
    static KEYS: OnceLock<Mutex<HashMap<Vec<u8>, EcKey<Public>>>> = OnceLock::new();
    let id = [x, y].concat();
    let keys = KEYS.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(key) = keys.lock().unwrap_or_else(|p| p.into_inner()).get(&id) {
        return Some(key.clone());
    }
    let group = GROUP
        .get_or_init(|| EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).ok())
        .as_ref()?;
    let (x, y) = (BigNum::from_slice(x).ok()?, BigNum::from_slice(y).ok()?);
    let key = EcKey::from_public_key_affine_coordinates(group, &x, &y).ok()?;
    let mut keys = keys.lock().unwrap_or_else(|p| p.into_inner());
    if keys.len() >= P256_CACHE_SIZE {
        keys.clear();
    }
    keys.insert(id, key.clone());
    Some(key)
}

fn rsa(jwk: &Jwk, pss: bool, message: &[u8], signature: &[u8]) -> Option<bool> {
    if text(jwk, "kty")? != "RSA" {
        return Some(false);
    }
    let n = BigNum::from_slice(&bytes(jwk, "n")?).ok()?;
    let e = BigNum::from_slice(&bytes(jwk, "e")?).ok()?;
    if n.num_bits() < MIN_RSA_BITS as i32 {
        return Some(false);
    }
    let key = PKey::from_rsa(Rsa::from_public_components(n, e).ok()?).ok()?;
    let mut verifier = Verifier::new(MessageDigest::sha256(), &key).ok()?;
    if pss {
        verifier.set_rsa_padding(Padding::PKCS1_PSS).ok()?;
        verifier
            .set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)
            .ok()?;
        verifier.set_rsa_mgf1_md(MessageDigest::sha256()).ok()?;
    }
    verifier.verify_oneshot(signature, message).ok()
}

fn eddsa(jwk: &Jwk, curves: &[&str], message: &[u8], signature: &[u8]) -> Option<bool> {
    let crv = text(jwk, "crv")?;
    if text(jwk, "kty")? != "OKP" || !curves.contains(&crv) {
        return Some(false);
    }
    let id = if crv == "Ed25519" {
        Id::ED25519
    } else {
        Id::ED448
    };
    let key = PKey::public_key_from_raw_bytes(&bytes(jwk, "x")?, id).ok()?;
    let mut verifier = Verifier::new_without_digest(&key).ok()?;
    verifier.verify_oneshot(signature, message).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use josekit::jws::{EdDSA, JwsSigner, ES256, PS256, RS256};

    /// Each algorithm: a signature by the key verifies, one over other bytes or by another key
    /// does not, and a key refuses to serve another algorithm.
    #[test]
    fn signatures_verify_only_with_their_key_and_algorithm() {
        let ec = ES256.generate_key_pair().unwrap();
        let other_ec = ES256.generate_key_pair().unwrap();
        let ed = EdDSA
            .generate_key_pair(josekit::jwk::alg::ed::EdCurve::Ed25519)
            .unwrap();
        let rsa = RS256.generate_key_pair(2048).unwrap();
        let pss = PS256.generate_key_pair(2048).unwrap();
        let cases: Vec<(&str, Box<dyn JwsSigner>, Jwk)> = vec![
            (
                "ES256",
                Box::new(ES256.signer_from_jwk(&ec.to_jwk_private_key()).unwrap()),
                ec.to_jwk_public_key(),
            ),
            (
                "EdDSA",
                Box::new(EdDSA.signer_from_jwk(&ed.to_jwk_private_key()).unwrap()),
                ed.to_jwk_public_key(),
            ),
            (
                "Ed25519",
                Box::new(EdDSA.signer_from_jwk(&ed.to_jwk_private_key()).unwrap()),
                ed.to_jwk_public_key(),
            ),
            (
                "RS256",
                Box::new(RS256.signer_from_jwk(&rsa.to_jwk_private_key()).unwrap()),
                rsa.to_jwk_public_key(),
            ),
            (
                "PS256",
                Box::new(PS256.signer_from_jwk(&pss.to_jwk_private_key()).unwrap()),
                pss.to_jwk_public_key(),
            ),
        ];
        for (alg, signer, public) in cases {
            let signature = signer.sign(b"message").unwrap();
            assert!(verifies(alg, &public, b"message", &signature), "{alg}");
            assert!(
                !verifies(alg, &public, b"massage", &signature),
                "{alg}: other bytes"
            );
            assert!(
                !verifies(alg, &other_ec.to_jwk_public_key(), b"message", &signature),
                "{alg}: other key"
            );
            let other_alg = if alg == "ES256" { "RS256" } else { "ES256" };
            assert!(
                !verifies(other_alg, &public, b"message", &signature),
                "{alg} as {other_alg}"
            );
        }
        // RS256 and PS256 paddings are not interchangeable, even for a key that names no alg.
        let signer = PS256.signer_from_jwk(&pss.to_jwk_private_key()).unwrap();
        let signature = signer.sign(b"message").unwrap();
        let mut members = pss.to_jwk_public_key().as_ref().clone();
        members.remove("alg");
        let any_alg = Jwk::from_map(members).unwrap();
        assert!(verifies("PS256", &any_alg, b"message", &signature));
        assert!(!verifies("RS256", &any_alg, b"message", &signature));
    }

    #[test]
    fn keys_marked_for_other_uses_or_too_small_never_verify() {
        let ec = ES256.generate_key_pair().unwrap();
        let signer = ES256.signer_from_jwk(&ec.to_jwk_private_key()).unwrap();
        let signature = signer.sign(b"message").unwrap();
        for (name, value) in [
            ("use", serde_json::json!("enc")),
            ("key_ops", serde_json::json!(["encrypt"])),
            ("alg", serde_json::json!("RS256")),
        ] {
            let mut public = ec.to_jwk_public_key();
            public.set_parameter(name, Some(value)).unwrap();
            assert!(
                !verifies("ES256", &public, b"message", &signature),
                "{name}"
            );
        }
        // An RSA key of 1,024 bits, made and used with OpenSSL (josekit makes none that small).
        let small = Rsa::generate(1024).unwrap();
        let b64 = |n: &openssl::bn::BigNumRef| URL_SAFE_NO_PAD.encode(n.to_vec());
        let public = serde_json::json!({"kty": "RSA", "n": b64(small.n()), "e": b64(small.e())});
        let public = Jwk::from_map(public.as_object().unwrap().clone()).unwrap();
        let key = PKey::from_rsa(small).unwrap();
        let mut signer = openssl::sign::Signer::new(MessageDigest::sha256(), &key).unwrap();
        let signature = signer.sign_oneshot_to_vec(b"message").unwrap();
        assert!(!verifies("RS256", &public, b"message", &signature));
    }

    /// A point that is not on P-256 is refused, not cached.
    #[test]
    fn a_point_off_the_curve_is_refused() {
        let ec = ES256.generate_key_pair().unwrap();
        let signer = ES256.signer_from_jwk(&ec.to_jwk_private_key()).unwrap();
        let signature = signer.sign(b"message").unwrap();
        let mut public = ec.to_jwk_public_key();
        let mut y = bytes(&public, "y").unwrap();
        y[31] ^= 1;
        public
            .set_parameter("y", Some(Value::from(URL_SAFE_NO_PAD.encode(&y))))
            .unwrap();
        assert!(!verifies("ES256", &public, b"message", &signature));
    }
}
