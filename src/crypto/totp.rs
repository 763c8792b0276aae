//! TOTP (RFC 6238: SHA-1, 6 digits, 30-second steps, ±1 step of clock skew) and what enrolment
//! shows: the `otpauth://` URI as a QR code drawn here (no outside service) and as text.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use qrcodegen::{QrCode, QrCodeEcc};
use totp_rs::{Algorithm, Secret, TOTP};

use super::secrets::random_bytes;

const STEP_SECS: u64 = 30;
const DIGITS: usize = 6;

pub fn new_secret() -> Vec<u8> {
    random_bytes::<20>().to_vec()
}

fn totp(secret: &[u8], issuer: &str, account: &str) -> Option<TOTP> {
    // The otpauth label may not contain ':'.
    let clean = |s: &str| s.replace(':', "");
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        1,
        STEP_SECS,
        secret.to_vec(),
        Some(clean(issuer)),
        clean(account),
    )
    .ok()
}

/// The time step a code belongs to, if it is right now (allowing one step either side).
pub fn matching_step(secret: &[u8], code: &str, now: i64) -> Option<i64> {
    let code = code.trim().replace(' ', "");
    if code.len() != DIGITS || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let generator = totp(secret, "idp", "user")?;
    let current = now as u64 / STEP_SECS;
    (current.saturating_sub(1)..=current + 1)
        .find(|step| {
            let expected = generator.generate(step * STEP_SECS);
            super::secrets::constant_time_eq(expected.as_bytes(), code.as_bytes())
        })
        .map(|step| step as i64)
}

/// The code for `now`, for tests and for showing nothing else.
pub fn code_at(secret: &[u8], now: i64) -> Option<String> {
    Some(totp(secret, "idp", "user")?.generate(now as u64))
}

pub fn base32(secret: &[u8]) -> String {
    match Secret::Raw(secret.to_vec()).to_encoded() {
        Secret::Encoded(text) => text,
        Secret::Raw(_) => String::new(),
    }
}

pub fn otpauth_uri(secret: &[u8], issuer: &str, account: &str) -> Option<String> {
    Some(totp(secret, issuer, account)?.get_url())
}

/// The QR code of `text` as an SVG `data:` URI (allowed by our CSP's `img-src data:`).
pub fn qr_data_uri(text: &str) -> Option<String> {
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let border = 4;
    let size = qr.size() + border * 2;
    let mut path = String::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" shape-rendering=\"crispEdges\">\
         <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    );
    Some(format!(
        "data:image/svg+xml;base64,{}",
        STANDARD.encode(svg)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vector() {
        // RFC 6238 Appendix B, SHA-1, T = 59 s: 94287082 (8 digits); our 6 digits: 287082.
        let secret = b"12345678901234567890";
        assert_eq!(matching_step(secret, "287082", 59), Some(1));
        assert_eq!(
            matching_step(secret, "287082", 59 + 30),
            Some(1),
            "one step of skew"
        );
        assert_eq!(matching_step(secret, "287082", 59 + 90), None);
        assert_eq!(matching_step(secret, "28708", 59), None);
        assert_eq!(matching_step(secret, "abcdef", 59), None);
    }

    #[test]
    fn enrolment_material() {
        let secret = new_secret();
        let uri = otpauth_uri(&secret, "id.example.com", "alice").unwrap();
        assert!(uri.starts_with("otpauth://totp/"), "{uri}");
        assert!(uri.contains(&base32(&secret)));
        assert!(qr_data_uri(&uri)
            .unwrap()
            .starts_with("data:image/svg+xml;base64,"));
    }
}
