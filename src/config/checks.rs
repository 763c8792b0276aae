//! Checks of single settings that need more than their type: brand colours against WCAG
//! contrast, the mail relay and sender, sign-up's domains, the issuer URL.

use std::net::IpAddr;

use super::error::{invalid, ConfigError};
use super::settings::{
    EmailSettings, MonitoringSettings, PasskeyAttestation, PasskeySettings, RegistrationSettings,
};
use crate::contrast::Rgb;

/// The surfaces a primary colour is read on: the page and the card, light and dark (they are
/// static/style.css's `--page` and `--surface`).
pub(super) const LIGHT_SURFACES: [Rgb; 2] = [Rgb(0xf3, 0xf4, 0xf6), Rgb(0xff, 0xff, 0xff)];
pub(super) const DARK_SURFACES: [Rgb; 2] = [Rgb(0x0d, 0x11, 0x17), Rgb(0x16, 0x1b, 0x22)];

/// A brand colour: `#rrggbb`, legible on every surface of its palette, and with a legible label
/// colour for buttons.
pub(super) fn validate_brand_colour(
    name: &str,
    value: &str,
    surfaces: [Rgb; 2],
) -> Result<(), ConfigError> {
    use crate::contrast::{label_on, ratio, MIN_TEXT_CONTRAST};
    if value.is_empty() {
        return Ok(());
    }
    let colour = Rgb::parse(value).ok_or_else(|| {
        invalid(format!(
            "{name} must be a colour written #rrggbb, not {value:?}"
        ))
    })?;
    for surface in surfaces {
        let contrast = ratio(colour, surface);
        if contrast < MIN_TEXT_CONTRAST {
            return Err(invalid(format!(
                "{name} {value} has a contrast of {contrast:.2}:1 against {}; links and buttons need at least 4.5:1 (WCAG AA)",
                surface.hex()
            )));
        }
    }
    let label = ratio(label_on(colour), colour);
    if label < MIN_TEXT_CONTRAST {
        return Err(invalid(format!(
            "{name} {value}: no button label colour reaches 4.5:1 on it ({label:.2}:1 at best)"
        )));
    }
    Ok(())
}

/// The sender when mail is configured; the relay URL must be one lettre can use.
pub(super) fn validate_email(
    email: &EmailSettings,
) -> Result<Option<lettre::message::Mailbox>, ConfigError> {
    if !(1..=100).contains(&email.max_attempts) || !(1..=3_600).contains(&email.retry_secs) {
        return Err(invalid(
            "email.max_attempts must be 1 to 100 and email.retry_secs 1 to 3600",
        ));
    }
    if email.smtp_url.is_empty() {
        return Ok(None);
    }
    let scheme_ok = email.smtp_url.starts_with("smtp://") || email.smtp_url.starts_with("smtps://");
    let parsed = url::Url::parse(&email.smtp_url);
    if !scheme_ok || parsed.as_ref().map_or(true, |u| u.host_str().is_none()) {
        // Never echo the URL: it may carry the relay's password.
        return Err(invalid(
            "email.smtp_url must be smtp://host:port or smtps://user:pass@host:port",
        ));
    }
    lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&email.smtp_url)
        .map_err(|_| invalid("email.smtp_url is not a relay URL lettre accepts"))?;
    let from = email
        .from
        .parse::<lettre::message::Mailbox>()
        .map_err(|_| {
            invalid("email.from must be an address, e.g. \"Identity <id@example.com>\"")
        })?;
    Ok(Some(from))
}

/// Domains lower-cased; a domain must look like one (no `@`, a dot, no spaces).
pub(super) fn validate_registration(
    registration: &mut RegistrationSettings,
) -> Result<(), ConfigError> {
    if !(1..=8_760).contains(&registration.unverified_ttl_hours)
        || !(1..=8_760).contains(&registration.invitation_ttl_hours)
    {
        return Err(invalid(
            "registration.unverified_ttl_hours and invitation_ttl_hours must be 1 to 8760",
        ));
    }
    if !(1..=10_000).contains(&registration.invitations_per_hour) {
        return Err(invalid(
            "registration.invitations_per_hour must be 1 to 10000",
        ));
    }
    for domain in &mut registration.allowed_email_domains {
        *domain = domain.trim().to_lowercase();
        let looks_right = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !domain.chars().any(|c| c.is_whitespace() || c.is_control());
        if !looks_right {
            return Err(invalid(format!(
                "registration.allowed_email_domains: {domain:?} is not a domain like example.com"
            )));
        }
    }
    Ok(())
}

pub(super) fn validate_issuer(raw: &str) -> Result<(String, bool), ConfigError> {
    let url = url::Url::parse(raw)
        .map_err(|_| invalid(format!("server.issuer {raw:?} is not an absolute URL")))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("server.issuer must not have a query or fragment"));
    }
    let https = match url.scheme() {
        "https" => true,
        "http" if is_loopback_host(&url) => false,
        "http" => {
            return Err(invalid(format!(
                "server.issuer {raw:?} uses http on a non-loopback host; use https"
            )))
        }
        _ => return Err(invalid("server.issuer must be an https URL")),
    };
    Ok((raw.trim_end_matches('/').to_string(), https))
}

/// Loopback: `localhost`, 127.0.0.0/8 or ::1.
pub fn is_loopback_host(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// The attestation roots and models when passkeys require attestation; `None` when any
/// authenticator is accepted.
pub(super) fn validate_passkeys(
    passkeys: &PasskeySettings,
) -> Result<Option<webauthn_rs::prelude::AttestationCaList>, ConfigError> {
    if passkeys.attestation == PasskeyAttestation::None {
        return Ok(None);
    }
    if passkeys.attestation_roots.is_empty() {
        return Err(invalid(
            "passkeys.attestation = \"required\" needs passkeys.attestation_roots (a PEM file)",
        ));
    }
    let pem = std::fs::read(&passkeys.attestation_roots).map_err(|e| {
        invalid(format!(
            "passkeys.attestation_roots {}: {e}",
            passkeys.attestation_roots
        ))
    })?;
    crate::crypto::webauthn::attestation_roots(&pem, &passkeys.allowed_aaguids)
        .map(Some)
        .map_err(|e| invalid(format!("passkeys: {e}")))
}

/// The monitoring rules' numbers in range; returns the allow-list, parsed.
pub(super) fn check_monitoring(
    monitoring: &MonitoringSettings,
) -> Result<Vec<crate::security::client_ip::Cidr>, ConfigError> {
    if !(60..=86_400).contains(&monitoring.window_secs) {
        return Err(invalid("monitoring.window_secs must be 60 to 86400"));
    }
    if ![24, 32].contains(&monitoring.ipv4_prefix) {
        return Err(invalid("monitoring.ipv4_prefix must be 24 or 32"));
    }
    let thresholds = [
        ("stuffing_usernames", monitoring.stuffing_usernames),
        ("spraying_accounts", monitoring.spraying_accounts),
        ("spraying_addresses", monitoring.spraying_addresses),
    ];
    for (name, value) in thresholds {
        if !(2..=100_000).contains(&value) {
            return Err(invalid(format!("monitoring.{name} must be 2 to 100000")));
        }
    }
    if monitoring.block_at < 0 || monitoring.block_at == 1 || monitoring.block_at > 100_000 {
        return Err(invalid(
            "monitoring.block_at must be 0 (never block) or 2 to 100000",
        ));
    }
    if !(60..=30 * 86_400).contains(&monitoring.block_secs) {
        return Err(invalid("monitoring.block_secs must be 60 to 2592000"));
    }
    if monitoring.block_cache_ms > 60_000 {
        return Err(invalid("monitoring.block_cache_ms must be at most 60000"));
    }
    if !monitoring.webhook_url.is_empty() {
        let url = url::Url::parse(&monitoring.webhook_url).ok();
        if !url.is_some_and(|u| ["http", "https"].contains(&u.scheme()) && u.has_host()) {
            return Err(invalid("monitoring.webhook_url must be an http(s) URL"));
        }
        if monitoring.webhook_secret.chars().count() < 32 {
            return Err(invalid(
                "monitoring.webhook_secret must have at least 32 characters when a webhook is set",
            ));
        }
    }
    monitoring
        .allow
        .iter()
        .map(|entry| {
            crate::security::client_ip::Cidr::parse(entry).ok_or_else(|| {
                invalid(format!(
                    "monitoring.allow: {entry:?} is not an address or CIDR"
                ))
            })
        })
        .collect()
}
