//! The WebAuthn relying party: its id is the issuer's host and the only origin it accepts is
//! the issuer's origin (scheme, host and port), so an assertion made for another site — a
//! phishing page included — never verifies here.

use std::time::Duration;

use webauthn_rs::prelude::{Url, Webauthn, WebauthnBuilder};

/// How long a person has between starting a ceremony and finishing it; the stored ceremony
/// expires at the same time.
pub const CEREMONY_TTL_SECS: i64 = 300;

/// The relying party of `issuer`, shown to people as `name`.
pub fn relying_party(issuer: &str, name: &str) -> Result<Webauthn, String> {
    let origin = Url::parse(issuer).map_err(|e| format!("issuer is not a URL: {e}"))?;
    let rp_id = match origin.host() {
        Some(url::Host::Domain(domain)) => domain.to_string(),
        // Browsers accept only a domain name as a relying party id.
        Some(_) => return Err("the issuer's host is an IP address, not a domain name".into()),
        None => return Err("the issuer has no host".into()),
    };
    // The origin alone: the issuer may have a path, the browser's origin never has one.
    let origin = Url::parse(&origin.origin().ascii_serialization())
        .map_err(|e| format!("issuer origin: {e}"))?;
    WebauthnBuilder::new(&rp_id, &origin)
        .and_then(|builder| {
            builder
                .rp_name(name)
                .timeout(Duration::from_secs(CEREMONY_TTL_SECS as u64))
                .build()
        })
        .map_err(|e| format!("relying party for {rp_id}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issuer_host_is_the_relying_party_and_its_origin_the_only_one() {
        let rp = relying_party("https://id.example.com/tenant", "Example").unwrap();
        let origins: Vec<String> = rp
            .get_allowed_origins()
            .iter()
            .map(|u| u.origin().ascii_serialization())
            .collect();
        assert_eq!(origins, ["https://id.example.com"]);
        assert!(relying_party("http://localhost:8080", "Example").is_ok());
        assert!(relying_party("http://127.0.0.1:8080", "Example").is_err());
    }
}
