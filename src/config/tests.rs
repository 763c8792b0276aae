//! Loading and checking settings: defaults, TOML, the environment, refusals.

use super::*;

fn load(env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    Config::load(
        None,
        env.iter().map(|(k, v)| (k.to_string(), v.to_string())),
    )
}

fn setting_paths(table: &toml::Table, prefix: &str, out: &mut Vec<String>) {
    for (key, value) in table {
        let path = format!("{prefix}{key}");
        match value {
            toml::Value::Table(inner) => setting_paths(inner, &format!("{path}."), out),
            _ => out.push(path),
        }
    }
}

/// deploy/idp.example.toml lists every setting, and is itself a valid configuration.
#[test]
fn example_configuration_documents_every_setting() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/idp.example.toml");
    let example: toml::Table = std::fs::read_to_string(path).unwrap().parse().unwrap();
    let defaults = toml::Table::try_from(Settings::default()).unwrap();
    let (mut documented, mut known) = (Vec::new(), Vec::new());
    setting_paths(&example, "", &mut documented);
    setting_paths(&defaults, "", &mut known);
    documented.sort();
    known.sort();
    assert_eq!(documented, known);
    Config::load(Some(std::path::Path::new(path)), Vec::new()).unwrap();
}

#[test]
fn a_product_name_must_be_short_and_printable() {
    for bad in ["", "   ", "Line\nbreak", &"x".repeat(61)] {
        assert!(
            load(&[("IDP_BRANDING__PRODUCT_NAME", bad)]).is_err(),
            "{bad:?}"
        );
    }
    let config = load(&[("IDP_BRANDING__PRODUCT_NAME", "Example ID")]).unwrap();
    assert_eq!(config.settings.branding.product_name, "Example ID");
}

#[test]
fn defaults_are_valid() {
    let config = load(&[]).unwrap();
    assert_eq!(config.issuer, "http://127.0.0.1:8080");
    assert!(matches!(config.database, DatabaseLocation::Sqlite(_)));
}

#[test]
fn environment_overrides() {
    let config = load(&[
        ("IDP_SERVER__ISSUER", "https://id.example.com/"),
        ("IDP_DATABASE__POOL_SIZE", "3"),
        ("IDP_PASSWORD__ARGON2__MEMORY_KIB", "47104"),
        ("PATH", "/bin"),
    ])
    .unwrap();
    assert_eq!(config.issuer, "https://id.example.com");
    assert!(config.issuer_is_https);
    assert_eq!(config.settings.database.pool_size, 3);
    assert_eq!(config.settings.password.argon2.memory_kib, 47104);
}

#[test]
fn bad_settings_are_refused() {
    for env in [
        ("IDP_SERVER__ISSUER", "not a url"),
        ("IDP_SERVER__ISSUER", "http://id.example.com"),
        ("IDP_SERVER__ISSUER", "https://id.example.com/?x=1"),
        ("IDP_DATABASE__POOL_SIZE", "many"),
        ("IDP_NO_SUCH", "1"),
        ("IDP_PASSWORD__ARGON2__MEMORY_KIB", "1024"),
        ("IDP_KEYS__ENCRYPTION_KEY_FILE", "/nonexistent/kek"),
        ("IDP_TOKENS__ACCESS_TOKEN_ALG", "HS256"),
        ("IDP_EMAIL__SMTP_URL", "http://mail.example.com"),
        ("IDP_EMAIL__MAX_ATTEMPTS", "0"),
        ("IDP_REGISTRATION__UNVERIFIED_TTL_HOURS", "0"),
        ("IDP_REGISTRATION__INVITATIONS_PER_HOUR", "0"),
        (
            "IDP_REGISTRATION__ALLOWED_EMAIL_DOMAINS",
            "user@example.com",
        ),
        ("IDP_RATE_LIMIT__SIGNUP", "0"),
    ] {
        assert!(load(&[env]).is_err(), "{env:?} accepted");
    }
}

#[test]
fn sign_up_domains_are_compared_in_lower_case() {
    let config = load(&[(
        "IDP_REGISTRATION__ALLOWED_EMAIL_DOMAINS",
        "Example.COM, staff.example.org",
    )])
    .unwrap();
    let registration = &config.settings.registration;
    assert!(!registration.enabled);
    assert!(registration.allows_domain("example.com"));
    assert!(registration.allows_domain("staff.example.org"));
    assert!(!registration.allows_domain("example.org"));
    assert!(load(&[])
        .unwrap()
        .settings
        .registration
        .allows_domain("any.example"));
}

#[test]
fn mail_needs_a_relay_url_and_a_sender() {
    assert!(load(&[]).unwrap().email_from.is_none());
    let relay = ("IDP_EMAIL__SMTP_URL", "smtp://127.0.0.1:2525");
    assert!(load(&[relay]).is_err(), "no sender");
    assert!(load(&[relay, ("IDP_EMAIL__FROM", "not an address")]).is_err());
    let config = load(&[relay, ("IDP_EMAIL__FROM", "Identity <id@example.com>")]).unwrap();
    assert_eq!(
        config.email_from.unwrap().email.to_string(),
        "id@example.com"
    );
}

#[test]
fn loopback_http_issuer_allowed() {
    for issuer in [
        "http://localhost:9000",
        "http://127.0.0.2",
        "http://[::1]:80",
    ] {
        let config = load(&[("IDP_SERVER__ISSUER", issuer)]).unwrap();
        assert!(!config.issuer_is_https);
    }
}

#[test]
fn monitoring_settings_are_checked() {
    for (name, bad) in [
        ("IDP_MONITORING__WINDOW_SECS", "10"),
        ("IDP_MONITORING__IPV4_PREFIX", "16"),
        ("IDP_MONITORING__STUFFING_USERNAMES", "1"),
        ("IDP_MONITORING__BLOCK_AT", "1"),
        ("IDP_MONITORING__BLOCK_SECS", "5"),
        ("IDP_MONITORING__ALLOW", "10.0.0.0/8,not-a-network"),
        ("IDP_MONITORING__BLOCK_CACHE_MS", "600000"),
    ] {
        assert!(load(&[(name, bad)]).is_err(), "{name}={bad}");
    }
    let config = load(&[
        ("IDP_MONITORING__ALLOW", "10.0.0.0/8, 2001:db8::/32"),
        ("IDP_MONITORING__BLOCK_AT", "0"),
    ])
    .unwrap();
    assert_eq!(config.monitoring_allow.len(), 2);
}
