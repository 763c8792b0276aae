//! The WebAuthn relying party: its id is the issuer's host and the only origin it accepts is
//! the issuer's origin (scheme, host and port), so an assertion made for another site — a
//! phishing page included — never verifies here.

use std::time::Duration;

use webauthn_rs::prelude::{
    AttestationCaList, AttestationCaListBuilder, Url, Uuid, Webauthn, WebauthnBuilder,
};

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

/// The authenticators accepted when attestation is required: every root certificate in `pem`
/// vouches for the models in `aaguids` and no others.
pub fn attestation_roots(pem: &[u8], aaguids: &[String]) -> Result<AttestationCaList, String> {
    let roots = openssl::x509::X509::stack_from_pem(pem)
        .map_err(|e| format!("not PEM certificates: {e}"))?;
    if roots.is_empty() {
        return Err("no certificate in it".into());
    }
    if aaguids.is_empty() {
        return Err("no AAGUID is allowed".into());
    }
    let models = aaguids
        .iter()
        .map(|text| Uuid::parse_str(text.trim()).map_err(|_| format!("{text:?} is not an AAGUID")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut builder = AttestationCaListBuilder::new();
    for root in &roots {
        let der = root.to_der().map_err(|e| format!("certificate: {e}"))?;
        for model in &models {
            builder
                .insert_device_der(&der, *model, model.to_string(), Default::default())
                .map_err(|e| format!("certificate: {e:?}"))?;
        }
    }
    Ok(builder.build())
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

    #[test]
    fn attestation_roots_need_a_certificate_and_valid_aaguids() {
        let key = openssl::ec::EcKey::generate(
            &openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap(),
        )
        .unwrap();
        let key = openssl::pkey::PKey::from_ec_key(key).unwrap();
        let mut name = openssl::x509::X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", "Test root").unwrap();
        let name = name.build();
        let mut cert = openssl::x509::X509::builder().unwrap();
        cert.set_version(2).unwrap();
        cert.set_subject_name(&name).unwrap();
        cert.set_issuer_name(&name).unwrap();
        cert.set_pubkey(&key).unwrap();
        cert.set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        cert.set_not_after(&openssl::asn1::Asn1Time::days_from_now(1).unwrap())
            .unwrap();
        cert.sign(&key, openssl::hash::MessageDigest::sha256())
            .unwrap();
        let pem = cert.build().to_pem().unwrap();
        let model = "01020304-0506-0708-0102-030405060708".to_string();
        let list = attestation_roots(&pem, std::slice::from_ref(&model)).unwrap();
        assert_eq!(list.len(), 1);
        assert!(attestation_roots(&pem, &[]).is_err());
        assert!(attestation_roots(&pem, &["yubikey".into()]).is_err());
        assert!(attestation_roots(b"not a certificate", &[model]).is_err());
    }
}
