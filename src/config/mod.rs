//! Settings: built-in defaults, then a TOML file, then `IDP_*` environment variables
//! (`IDP_SECTION__KEY`, e.g. `IDP_SERVER__ISSUER`). Validated once, before anything starts.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::crypto::kek::KekSource;
use crate::crypto::keys::SigningAlg;
use crate::store::DatabaseLocation;

mod checks;
mod error;
mod settings;
#[cfg(test)]
mod tests;

pub use checks::is_loopback_host;
use checks::{
    validate_brand_colour, validate_email, validate_issuer, validate_passkeys,
    validate_registration, DARK_SURFACES, LIGHT_SURFACES,
};
use error::invalid;
pub use error::ConfigError;
pub use settings::*;

/// Settings after validation, with the derived values every part of the provider uses.
#[derive(Debug, Clone)]
pub struct Config {
    pub settings: Settings,
    pub bind: SocketAddr,
    /// No trailing slash.
    pub issuer: String,
    pub issuer_is_https: bool,
    pub trusted_proxies: Vec<crate::security::client_ip::Cidr>,
    pub database: DatabaseLocation,
    pub kek_source: KekSource,
    pub access_token_alg: SigningAlg,
    /// `metrics.allow`, parsed.
    pub metrics_allow: Vec<crate::security::client_ip::Cidr>,
    /// `monitoring.allow`, parsed: never blocked.
    pub monitoring_allow: Vec<crate::security::client_ip::Cidr>,
    /// `email.from`, parsed, when mail is configured (`email.smtp_url` set).
    pub email_from: Option<lettre::message::Mailbox>,
    /// The trusted attestation roots and models, when passkeys require attestation.
    pub passkey_attestation: Option<webauthn_rs::prelude::AttestationCaList>,
}

impl Config {
    /// Reads the file (if any), applies `IDP_*` variables from `env`, and validates.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut table = match file {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| invalid(format!("cannot read {}: {e}", path.display())))?
                .parse::<toml::Table>()
                .map_err(|e| invalid(format!("{}: {e}", path.display())))?,
            None => toml::Table::new(),
        };
        let defaults = toml::Table::try_from(Settings::default())
            .map_err(|e| invalid(format!("defaults: {e}")))?;
        for (name, value) in env {
            let Some(rest) = name.strip_prefix("IDP_") else {
                continue;
            };
            if rest == "CONFIG" {
                continue;
            }
            let path: Vec<String> = rest.split("__").map(|p| p.to_lowercase()).collect();
            set_path(&mut table, &defaults, &path, &value)
                .map_err(|msg| invalid(format!("{name}: {msg}")))?;
        }
        let settings: Settings = table
            .try_into()
            .map_err(|e: toml::de::Error| invalid(e.message().to_string()))?;
        Config::validate(settings)
    }

    fn validate(mut settings: Settings) -> Result<Config, ConfigError> {
        if settings.data_dir.as_os_str().is_empty() {
            settings.data_dir = PathBuf::from("./data");
        }
        let bind: SocketAddr = settings.server.bind.parse().map_err(|_| {
            invalid(format!(
                "server.bind {:?} is not an address like 127.0.0.1:8080",
                settings.server.bind
            ))
        })?;
        if settings.server.issuer.is_empty() {
            if bind.ip().is_unspecified() {
                return Err(invalid(
                    "server.issuer must be set when binding to all interfaces",
                ));
            }
            settings.server.issuer = format!("http://{bind}");
        }
        let (issuer, issuer_is_https) = validate_issuer(&settings.server.issuer)?;
        if !(1024..=10 * 1024 * 1024).contains(&settings.server.max_body_bytes) {
            return Err(invalid(
                "server.max_body_bytes must be between 1 KiB and 10 MiB",
            ));
        }
        if settings.server.drain_secs > 300 {
            return Err(invalid("server.drain_secs must be at most 300"));
        }
        if !(1..=300).contains(&settings.server.body_timeout_secs) {
            return Err(invalid(
                "server.body_timeout_secs must be between 1 and 300",
            ));
        }
        if settings.server.max_requests_per_client == 0 {
            return Err(invalid("server.max_requests_per_client must be at least 1"));
        }
        if settings.database.pool_size == 0 {
            return Err(invalid("database.pool_size must be at least 1"));
        }
        if !settings.password.argon2.meets_owasp_minimum() {
            return Err(invalid(
                "password.argon2 is below OWASP's minimum (e.g. memory_kib = 19456, iterations = 2)",
            ));
        }
        if !(8..=128).contains(&settings.password.min_length) {
            return Err(invalid("password.min_length must be between 8 and 128"));
        }
        let tokens = &settings.tokens;
        if !(10..=86_400).contains(&tokens.access_token_ttl_secs) {
            return Err(invalid(
                "tokens.access_token_ttl_secs must be between 10 and 86400",
            ));
        }
        for (name, value, range) in [
            (
                "tokens.id_token_ttl_secs",
                tokens.id_token_ttl_secs,
                10..=86_400,
            ),
            ("tokens.code_ttl_secs", tokens.code_ttl_secs, 5..=600),
            (
                "tokens.refresh_idle_secs",
                tokens.refresh_idle_secs,
                60..=365 * 86_400,
            ),
            (
                "tokens.refresh_absolute_secs",
                tokens.refresh_absolute_secs,
                60..=365 * 86_400,
            ),
            (
                "tokens.refresh_reuse_grace_secs",
                tokens.refresh_reuse_grace_secs,
                0..=60,
            ),
            (
                "authorization.par_ttl_secs",
                settings.authorization.par_ttl_secs,
                10..=600,
            ),
            (
                "authorization.device_code_ttl_secs",
                settings.authorization.device_code_ttl_secs,
                5..=3600,
            ),
            (
                "authorization.device_interval_secs",
                settings.authorization.device_interval_secs,
                1..=60,
            ),
            (
                "session.idle_secs",
                settings.session.idle_secs,
                60..=30 * 86_400,
            ),
            (
                "session.absolute_secs",
                settings.session.absolute_secs,
                60..=90 * 86_400,
            ),
            (
                "session.reauth_secs",
                settings.session.reauth_secs,
                1..=86_400,
            ),
            (
                "keys.publish_lead_secs",
                settings.keys.publish_lead_secs,
                0..=86_400,
            ),
            (
                "keys.rotate_after_secs",
                settings.keys.rotate_after_secs,
                0..=3650 * 86_400,
            ),
            (
                "client_registration.initial_token_ttl_hours",
                settings.client_registration.initial_token_ttl_hours,
                1..=8_784,
            ),
        ] {
            if !range.contains(&value) {
                return Err(invalid(format!(
                    "{name} must be between {} and {}",
                    range.start(),
                    range.end()
                )));
            }
        }
        let access_token_alg = SigningAlg::parse(&tokens.access_token_alg)
            .ok_or_else(|| invalid("tokens.access_token_alg must be RS256, ES256 or EdDSA"))?;
        if settings.keys.retire_after_secs
            < tokens.access_token_ttl_secs.max(tokens.id_token_ttl_secs)
        {
            return Err(invalid(
                "keys.retire_after_secs must be at least the access and ID token lifetimes",
            ));
        }
        if settings.keys.refresh_secs == 0 {
            return Err(invalid("keys.refresh_secs must be at least 1"));
        }
        let mut trusted_proxies = Vec::new();
        for proxy in &settings.server.trusted_proxies {
            trusted_proxies.push(crate::security::client_ip::Cidr::parse(proxy).ok_or_else(
                || {
                    invalid(format!(
                        "server.trusted_proxies: {proxy:?} is not an address or CIDR"
                    ))
                },
            )?);
        }
        let monitoring_allow = checks::check_monitoring(&settings.monitoring)?;
        let lockout = &settings.lockout;
        if !(1..=100).contains(&lockout.threshold) || !(1..=86_400).contains(&lockout.lock_secs) {
            return Err(invalid(
                "lockout.threshold must be 1 to 100 and lockout.lock_secs 1 to 86400",
            ));
        }
        let limits = &settings.rate_limit;
        if !(1..=3_600).contains(&limits.window_secs)
            || limits.login == 0
            || limits.token == 0
            || limits.authorize == 0
            || limits.recovery == 0
            || limits.recovery_per_address == 0
            || limits.signup == 0
            || limits.signup_per_address == 0
            || limits.device == 0
        {
            return Err(invalid(
                "rate_limit.window_secs must be 1 to 3600 and every limit at least 1",
            ));
        }
        let redis_url = &settings.redis.url;
        let redis_scheme = redis_url.starts_with("redis://") || redis_url.starts_with("rediss://");
        if !redis_url.is_empty() && !redis_scheme {
            return Err(invalid("redis.url must be a redis:// or rediss:// URL"));
        }
        if !matches!(settings.log.format.as_str(), "json" | "text") {
            return Err(invalid("log.format must be json or text"));
        }
        let name = settings.branding.product_name.trim();
        if name.is_empty() || name.chars().count() > 60 || name.chars().any(char::is_control) {
            return Err(invalid(
                "branding.product_name must be 1 to 60 printable characters",
            ));
        }
        let branding = &settings.branding;
        validate_brand_colour(
            "branding.primary_color",
            &branding.primary_color,
            LIGHT_SURFACES,
        )?;
        validate_brand_colour(
            "branding.primary_color_dark",
            &branding.primary_color_dark,
            DARK_SURFACES,
        )?;
        let metrics_allow = settings
            .metrics
            .allow
            .iter()
            .map(|block| {
                crate::security::client_ip::Cidr::parse(block).ok_or_else(|| {
                    invalid(format!(
                        "metrics.allow: {block:?} is not an address or CIDR"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let email_from = validate_email(&settings.email)?;
        validate_registration(&mut settings.registration)?;
        let passkey_attestation = validate_passkeys(&settings.passkeys)?;
        let kek_source = if !settings.keys.encryption_key.is_empty() {
            KekSource::Inline(settings.keys.encryption_key.clone())
        } else if !settings.keys.encryption_key_file.is_empty() {
            let path = PathBuf::from(&settings.keys.encryption_key_file);
            std::fs::metadata(&path).map_err(|e| {
                invalid(format!("keys.encryption_key_file {}: {e}", path.display()))
            })?;
            KekSource::File(path)
        } else {
            KekSource::Generated(settings.data_dir.join("signing-keys.kek"))
        };
        let database = if settings.database.url.is_empty() {
            DatabaseLocation::Sqlite(settings.data_dir.join("idp.db"))
        } else {
            DatabaseLocation::parse(&settings.database.url)
        };
        Ok(Config {
            trusted_proxies,
            bind,
            issuer,
            issuer_is_https,
            database,
            kek_source,
            access_token_alg,
            metrics_allow,
            monitoring_allow,
            email_from,
            passkey_attestation,
            settings,
        })
    }

    pub fn rotation_timing(&self) -> crate::crypto::rotation::RotationTiming {
        crate::crypto::rotation::RotationTiming {
            publish_lead: self.settings.keys.publish_lead_secs,
            retire_after: self.settings.keys.retire_after_secs,
        }
    }

    /// An absolute URL of one of our endpoints.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }
}

/// Sets `path` in `table` to `raw`, typed like the default at that path.
fn set_path(
    table: &mut toml::Table,
    defaults: &toml::Table,
    path: &[String],
    raw: &str,
) -> Result<(), String> {
    let (last, parents) = path.split_last().ok_or("empty setting name")?;
    let mut target = table;
    let mut default = defaults;
    for part in parents {
        default = default
            .get(part)
            .and_then(|v| v.as_table())
            .ok_or("unknown setting")?;
        target = target
            .entry(part.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .ok_or("not a section in the file")?;
    }
    let value = match default.get(last).ok_or("unknown setting")? {
        toml::Value::Integer(_) => toml::Value::Integer(
            raw.trim()
                .parse()
                .map_err(|_| "must be a whole number".to_string())?,
        ),
        toml::Value::Boolean(_) => toml::Value::Boolean(
            raw.trim()
                .parse()
                .map_err(|_| "must be true or false".to_string())?,
        ),
        toml::Value::Table(_) => return Err("is a section, not a setting".into()),
        // A list: comma-separated values (`IDP_METRICS__ALLOW=10.0.0.0/8,::1/128`).
        toml::Value::Array(_) => toml::Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(|item| toml::Value::String(item.to_string()))
                .collect(),
        ),
        _ => toml::Value::String(raw.to_string()),
    };
    target.insert(last.clone(), value);
    Ok(())
}
