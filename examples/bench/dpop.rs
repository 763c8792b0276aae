//! DPoP proofs (RFC 9449) as a client makes them: one ES256 key per worker, a fresh proof with
//! its own `jti` for every request, so the benchmark pays what a real DPoP client pays.

use josekit::jws::{JwsHeader, ES256};
use josekit::jwt::{self, JwtPayload};
use serde_json::Value;

pub struct DpopKey {
    signer: josekit::jws::alg::ecdsa::EcdsaJwsSigner,
    public: josekit::jwk::Jwk,
}

impl DpopKey {
    pub fn generate() -> Result<DpopKey, String> {
        let pair = ES256
            .generate_key_pair()
            .map_err(|e| format!("DPoP key: {e}"))?;
        let signer = ES256
            .signer_from_jwk(&pair.to_jwk_private_key())
            .map_err(|e| format!("DPoP signer: {e}"))?;
        Ok(DpopKey {
            signer,
            public: pair.to_jwk_public_key(),
        })
    }

    /// A proof for one `method` request to `url`.
    pub fn proof(&self, method: &str, url: &str) -> Result<String, String> {
        let mut header = JwsHeader::new();
        header.set_token_type("dpop+jwt");
        header.set_jwk(self.public.clone());
        let mut payload = JwtPayload::new();
        payload.set_jwt_id(super::random_b64url::<16>());
        payload
            .set_claim("htm", Some(Value::String(method.into())))
            .map_err(|e| e.to_string())?;
        payload
            .set_claim("htu", Some(Value::String(url.into())))
            .map_err(|e| e.to_string())?;
        // Whole seconds, as RFC 9449 §4.2 and the server expect (josekit's setter can add a
        // fraction the server refuses).
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|e| e.to_string())?
            .as_secs();
        payload
            .set_claim("iat", Some(Value::from(now)))
            .map_err(|e| e.to_string())?;
        jwt::encode_with_signer(&payload, &header, &self.signer).map_err(|e| e.to_string())
    }
}
