//! Settings: built-in defaults, then a TOML file, then `IDP_*` environment variables
//! (`IDP_SECTION__KEY`, e.g. `IDP_SERVER__ISSUER`). Validated once, before anything starts.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::contrast::Rgb;
use crate::crypto::kek::KekSource;
use crate::crypto::keys::SigningAlg;
use crate::crypto::password::Argon2Settings;
use crate::store::DatabaseLocation;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub keys: KeySettings,
    pub password: PasswordSettings,
    pub tokens: TokenSettings,
    pub authorization: AuthorizationSettings,
    pub dpop: DpopSettings,
    pub session: SessionSettings,
    pub lockout: LockoutSettings,
    pub rate_limit: RateLimitSettings,
    pub redis: RedisSettings,
    pub log: LogSettings,
    pub metrics: MetricsSettings,
    pub branding: BrandingSettings,
    pub email: EmailSettings,
    pub registration: RegistrationSettings,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistrationSettings {
    /// Whether people may make their own accounts at `/signup` (it also needs mail).
    pub enabled: bool,
    /// When not empty, sign-up takes only addresses at these domains (exact, case-insensitive).
    pub allowed_email_domains: Vec<String>,
    /// Self-registered accounts may not sign in to clients before their address is verified.
    pub require_verified_email: bool,
    /// Self-registered accounts still unverified after this long are deleted.
    pub unverified_ttl_hours: i64,
    /// How long an invitation's link works.
    pub invitation_ttl_hours: i64,
    /// Invitations one admin or user manager (or API key) may send per hour.
    pub invitations_per_hour: i64,
}

impl Default for RegistrationSettings {
    fn default() -> Self {
        RegistrationSettings {
            enabled: false,
            allowed_email_domains: Vec::new(),
            require_verified_email: true,
            unverified_ttl_hours: 72,
            invitation_ttl_hours: 72,
            invitations_per_hour: 20,
        }
    }
}

impl RegistrationSettings {
    /// Whether sign-up takes addresses at `domain` (lower case).
    pub fn allows_domain(&self, domain: &str) -> bool {
        self.allowed_email_domains.is_empty()
            || self
                .allowed_email_domains
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(domain))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BrandingSettings {
    /// The service's name: above every page, in page titles, and as the issuer label an
    /// authenticator app shows beside the account.
    pub product_name: String,
    /// A logo file (PNG, JPEG, GIF, WebP or SVG, at most 512 KiB) shown beside the name; read
    /// at start and served from this provider, so no page makes the browser ask a third party.
    pub logo: String,
    /// The primary colour (`#rrggbb`) of links and buttons in the light palette; it must
    /// reach 4.5:1 against the light surfaces.
    pub primary_color: String,
    /// The same for the dark palette, against the dark surfaces.
    pub primary_color_dark: String,
    /// A stylesheet file (at most 512 KiB) served after ours, for the operator's own touches.
    pub stylesheet: String,
}

impl Default for BrandingSettings {
    fn default() -> Self {
        BrandingSettings {
            product_name: "Sign-in service".into(),
            logo: String::new(),
            primary_color: String::new(),
            primary_color_dark: String::new(),
            stylesheet: String::new(),
        }
    }
}

/// The surfaces a primary colour is read on: the page and the card, light and dark (they are
/// static/style.css's `--page` and `--surface`).
const LIGHT_SURFACES: [Rgb; 2] = [Rgb(0xf3, 0xf4, 0xf6), Rgb(0xff, 0xff, 0xff)];
const DARK_SURFACES: [Rgb; 2] = [Rgb(0x0d, 0x11, 0x17), Rgb(0x16, 0x1b, 0x22)];

/// A brand colour: `#rrggbb`, legible on every surface of its palette, and with a legible label
/// colour for buttons.
fn validate_brand_colour(name: &str, value: &str, surfaces: [Rgb; 2]) -> Result<(), ConfigError> {
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

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmailSettings {
    /// The relay: `smtp://host:port` (plain), `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS), `smtps://user:pass@host:465` (implicit TLS). Empty: no mail, and the flows
    /// that need it are off.
    pub smtp_url: String,
    /// The sender, `Name <address>` or an address.
    pub from: String,
    /// Attempts per message before it is given up.
    pub max_attempts: i64,
    /// The wait after the first failed attempt; each further one doubles it (at most an hour).
    pub retry_secs: i64,
}

impl Default for EmailSettings {
    fn default() -> Self {
        EmailSettings {
            smtp_url: String::new(),
            from: String::new(),
            max_attempts: 10,
            retry_secs: 30,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSettings {
    /// Address blocks (CIDR) whose peers may read `/metrics`; everyone else gets 404. In the
    /// environment: comma-separated. Empty: nobody.
    pub allow: Vec<String>,
}

impl Default for MetricsSettings {
    fn default() -> Self {
        MetricsSettings {
            allow: vec!["127.0.0.1/32".into(), "::1/128".into()],
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedisSettings {
    /// `redis://host:port/db`. Empty: one-time-use caches live in this process's memory, which
    /// is right for one node only.
    pub url: String,
    /// Prefix of every key, so that several providers can share one Redis.
    pub prefix: String,
}

impl Default for RedisSettings {
    fn default() -> Self {
        RedisSettings {
            url: String::new(),
            prefix: "idp".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    pub bind: String,
    /// The public URL of the provider; defaults to `http://{bind}`.
    pub issuer: String,
    /// HTTP worker threads; 0 means one per CPU core.
    pub workers: usize,
    pub max_body_bytes: usize,
    /// Proxies (addresses or CIDRs) whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<String>,
    /// After SIGTERM: how long the node keeps serving (readiness 503) before it stops.
    pub drain_secs: u64,
    /// How long a client may take to send a request body.
    pub body_timeout_secs: u64,
    /// Requests one client address may have in flight at once.
    pub max_requests_per_client: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LockoutSettings {
    /// Failed sign-ins in a row that lock an account.
    pub threshold: i64,
    /// How long a lock lasts.
    pub lock_secs: i64,
}

impl Default for LockoutSettings {
    fn default() -> Self {
        LockoutSettings {
            threshold: 5,
            lock_secs: 900,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    pub enabled: bool,
    pub window_secs: i64,
    /// Password and second-factor submissions per client IP per window.
    pub login: u32,
    /// Token, introspection and revocation requests per client IP per window.
    pub token: u32,
    /// Authorization requests per client IP per window.
    pub authorize: u32,
    /// Password reset requests and submissions per client IP per window.
    pub recovery: u32,
    /// Password reset mails asked for one address per hour (from any IP).
    pub recovery_per_address: u32,
    /// Sign-ups, verification links and email changes per client IP per window.
    pub signup: u32,
    /// Sign-up and verification mails asked for one address per hour (from any IP).
    pub signup_per_address: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        RateLimitSettings {
            enabled: true,
            window_secs: 60,
            login: 20,
            token: 3_000,
            authorize: 300,
            recovery: 10,
            recovery_per_address: 5,
            signup: 10,
            signup_per_address: 5,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `postgres://…` for PostgreSQL; a path or `sqlite://path` for SQLite; empty for
    /// `{data_dir}/idp.db`.
    pub url: String,
    pub pool_size: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KeySettings {
    /// Base64 of 32 random bytes. Takes precedence over `encryption_key_file`.
    pub encryption_key: String,
    /// Empty: `{data_dir}/signing-keys.kek`, generated on first start.
    pub encryption_key_file: String,
    /// How often a running server re-reads the signing keys (to see rotations made elsewhere).
    pub refresh_secs: u64,
    /// How long a rotated-out key stays published; at least the longest token lifetime.
    pub retire_after_secs: i64,
    /// How long a new key is published before it signs; at least the JWKS cache lifetime.
    pub publish_lead_secs: i64,
    /// Keys older than this are rotated automatically; 0 turns automatic rotation off.
    pub rotate_after_secs: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordSettings {
    pub min_length: usize,
    pub argon2: Argon2Settings,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TokenSettings {
    pub access_token_ttl_secs: i64,
    pub access_token_alg: String,
    pub id_token_ttl_secs: i64,
    /// Authorization codes live at most this long (RFC 6749 §4.1.2 recommends ≤ 10 minutes).
    pub code_ttl_secs: i64,
    /// A refresh token unused this long expires; every rotation starts the period again.
    pub refresh_idle_secs: i64,
    /// No refresh beyond this long after sign-in.
    pub refresh_absolute_secs: i64,
    /// A just-rotated refresh token presented again within this many seconds returns the same
    /// successor instead of revoking the grant (tabs of one SPA racing); 0 = strict rotation.
    pub refresh_reuse_grace_secs: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DpopSettings {
    /// DPoP proofs must carry a nonce we issued (RFC 9449 §8): a proof without a current one
    /// is answered `use_dpop_nonce` with a fresh nonce in `DPoP-Nonce`.
    pub require_nonce: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthorizationSettings {
    /// Every authorization request must come through `/par` first (RFC 9126 §5).
    pub require_par: bool,
    /// How long a pushed request's `request_uri` may be used (once).
    pub par_ttl_secs: i64,
}

impl Default for AuthorizationSettings {
    fn default() -> Self {
        AuthorizationSettings {
            require_par: false,
            par_ttl_secs: 60,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionSettings {
    /// A browser session unused this long ends.
    pub idle_secs: i64,
    /// A browser session ends this long after sign-in, however active.
    pub absolute_secs: i64,
    /// Sensitive steps (the admin console, enrolling an authenticator) need a sign-in at most
    /// this old; an older session is sent through the login again.
    pub reauth_secs: i64,
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            idle_secs: 3_600,
            absolute_secs: 43_200,
            reauth_secs: 900,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// A tracing filter, e.g. `info` or `idp=debug,info`.
    pub level: String,
    /// `json` (default) or `text`.
    pub format: String,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            bind: "127.0.0.1:8080".into(),
            issuer: String::new(),
            workers: 0,
            max_body_bytes: 64 * 1024,
            trusted_proxies: Vec::new(),
            drain_secs: 5,
            body_timeout_secs: 10,
            max_requests_per_client: 64,
        }
    }
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings {
            url: String::new(),
            pool_size: 8,
        }
    }
}

impl Default for KeySettings {
    fn default() -> Self {
        KeySettings {
            encryption_key: String::new(),
            encryption_key_file: String::new(),
            refresh_secs: 30,
            retire_after_secs: 86_400,
            publish_lead_secs: 300,
            rotate_after_secs: 90 * 86_400,
        }
    }
}

impl Default for PasswordSettings {
    fn default() -> Self {
        PasswordSettings {
            min_length: 12,
            argon2: Argon2Settings::default(),
        }
    }
}

impl Default for TokenSettings {
    fn default() -> Self {
        TokenSettings {
            access_token_ttl_secs: 300,
            access_token_alg: "ES256".into(),
            id_token_ttl_secs: 300,
            code_ttl_secs: 60,
            refresh_idle_secs: 14 * 86_400,
            refresh_absolute_secs: 30 * 86_400,
            refresh_reuse_grace_secs: 0,
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            level: "info".into(),
            format: "json".into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

fn invalid(msg: impl Into<String>) -> ConfigError {
    ConfigError(msg.into())
}

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
    /// `email.from`, parsed, when mail is configured (`email.smtp_url` set).
    pub email_from: Option<lettre::message::Mailbox>,
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
            email_from,
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

/// The sender when mail is configured; the relay URL must be one lettre can use.
fn validate_email(email: &EmailSettings) -> Result<Option<lettre::message::Mailbox>, ConfigError> {
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
fn validate_registration(registration: &mut RegistrationSettings) -> Result<(), ConfigError> {
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

fn validate_issuer(raw: &str) -> Result<(String, bool), ConfigError> {
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

#[cfg(test)]
mod tests {
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
}
