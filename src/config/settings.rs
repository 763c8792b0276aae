//! The settings as written: every section with its built-in defaults. `super::Config::load`
//! reads them from TOML and the environment and checks them.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::crypto::password::Argon2Settings;

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
    pub client_registration: ClientRegistrationSettings,
    pub passkeys: PasskeySettings,
    pub monitoring: MonitoringSettings,
}

/// Dynamic client registration (RFC 7591 / 7592) at `/register`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientRegistrationSettings {
    /// Whether `/register` takes registrations (with an initial access token).
    pub enabled: bool,
    /// Whether native apps (public clients redirected only to http loopback URIs, RFC 8252)
    /// may register without an initial access token.
    pub open_for_native_apps: bool,
    /// How long an initial access token lasts when its maker names no time.
    pub initial_token_ttl_hours: i64,
}

impl Default for ClientRegistrationSettings {
    fn default() -> Self {
        ClientRegistrationSettings {
            enabled: false,
            open_for_native_apps: false,
            initial_token_ttl_hours: 24,
        }
    }
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

/// Which authenticators may become passkeys.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasskeySettings {
    /// `none` (any authenticator, no attestation asked) or `required`: only authenticators
    /// that prove their make and model, signed by one of `attestation_roots`, with an AAGUID
    /// in `allowed_aaguids` (for organisations that hand out security keys).
    pub attestation: PasskeyAttestation,
    /// A PEM file of the manufacturers' attestation root certificates trusted when
    /// attestation is required.
    pub attestation_roots: String,
    /// The authenticator models (AAGUIDs) accepted when attestation is required.
    pub allowed_aaguids: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PasskeyAttestation {
    #[default]
    None,
    Required,
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
    /// A directory of the operator's own HTML for the person-facing pages: `head.html` (more
    /// tags in every page's head), `header.html` (what the top of every page shows instead of
    /// the logo and name) and `footer.html` (a footer on every page).
    pub templates_dir: String,
}

impl Default for BrandingSettings {
    fn default() -> Self {
        BrandingSettings {
            product_name: "Sign-in service".into(),
            logo: String::new(),
            primary_color: String::new(),
            primary_color_dark: String::new(),
            stylesheet: String::new(),
            templates_dir: String::new(),
        }
    }
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

/// Security monitoring: the detection rules on failed sign-ins and the blocks they apply.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MonitoringSettings {
    pub enabled: bool,
    /// The window the rules count distinct usernames, accounts and addresses in.
    pub window_secs: i64,
    /// Whom the stuffing rule counts for an IPv4 client: its address (32) or its /24 (24).
    /// An IPv6 client is always counted by its /64.
    pub ipv4_prefix: u8,
    /// Credential stuffing: distinct usernames failing from one address (network) in a window.
    pub stuffing_usernames: i64,
    /// Password spraying: distinct accounts one password failed against in a window.
    pub spraying_accounts: i64,
    /// Password spraying: distinct addresses failing on one account in a window.
    pub spraying_addresses: i64,
    /// The distinct count at which stuffing or spraying from an address also blocks that
    /// address (its network); 0 never blocks automatically.
    pub block_at: i64,
    /// How long an automatic block lasts.
    pub block_secs: i64,
    /// Addresses or CIDRs never blocked (trusted proxies never are either).
    pub allow: Vec<String>,
    /// How long a node trusts its copy of the block list before reading it again; a block
    /// lifted elsewhere holds at most this much longer on this node.
    pub block_cache_ms: u64,
    /// Where incidents are posted as signed JSON (http or https); empty: no webhook.
    pub webhook_url: String,
    /// The HMAC-SHA256 key of the `X-Idp-Signature` header (at least 32 characters).
    pub webhook_secret: String,
    /// Mail each account with the `admin` role (and an address) about incidents, when mail
    /// is configured.
    pub alert_mail: bool,
    /// What each kind of incident does to the accounts it targets, besides alerting.
    pub remediation: RemediationSettings,
    /// How often each node checks the audit chain (the entries added since its last check);
    /// a break opens an `audit_chain_broken` incident. 0: only when the console shows it.
    pub audit_check_secs: u64,
}

/// A remediation: only alert, demand a second factor at the targeted accounts' next sign-in,
/// or end their sessions and refresh tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Remediation {
    Alert,
    RequireSecondFactor,
    EndSessions,
}

impl Remediation {
    pub fn as_str(self) -> &'static str {
        match self {
            Remediation::Alert => "alert",
            Remediation::RequireSecondFactor => "require_second_factor",
            Remediation::EndSessions => "end_sessions",
        }
    }
}

/// The remediation per incident kind that targets accounts. Privilege events and a broken
/// audit chain only alert: the accounts they name are the operators'.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RemediationSettings {
    pub credential_stuffing: Remediation,
    pub password_spraying: Remediation,
    pub refresh_token_reuse: Remediation,
    pub code_replay: Remediation,
}

impl Default for RemediationSettings {
    fn default() -> Self {
        // Alerting changes nothing for people; acting on their accounts is the operator's choice.
        RemediationSettings {
            credential_stuffing: Remediation::Alert,
            password_spraying: Remediation::Alert,
            refresh_token_reuse: Remediation::Alert,
            code_replay: Remediation::Alert,
        }
    }
}

impl RemediationSettings {
    /// The remediation for incidents of `kind` (alerting for kinds without a setting).
    pub fn for_kind(&self, kind: &str) -> Remediation {
        match kind {
            "credential_stuffing" => self.credential_stuffing,
            "password_spraying" => self.password_spraying,
            "refresh_token_reuse" => self.refresh_token_reuse,
            "code_replay" => self.code_replay,
            _ => Remediation::Alert,
        }
    }
}

impl Default for MonitoringSettings {
    fn default() -> Self {
        MonitoringSettings {
            enabled: true,
            window_secs: 600,
            ipv4_prefix: 32,
            stuffing_usernames: 20,
            spraying_accounts: 10,
            spraying_addresses: 10,
            block_at: 30,
            block_secs: 3_600,
            allow: Vec::new(),
            block_cache_ms: 500,
            webhook_url: String::new(),
            webhook_secret: String::new(),
            alert_mail: true,
            remediation: RemediationSettings::default(),
            audit_check_secs: 300,
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
    /// User codes entered on `/device` per client IP per window: guesses (RFC 8628 §5.1).
    pub device: u32,
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
            device: 10,
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
    /// How long a device authorization request's codes live (RFC 8628 `expires_in`).
    pub device_code_ttl_secs: i64,
    /// How often a device may poll the token endpoint at first (RFC 8628 `interval`).
    pub device_interval_secs: i64,
}

impl Default for AuthorizationSettings {
    fn default() -> Self {
        AuthorizationSettings {
            require_par: false,
            par_ttl_secs: 60,
            device_code_ttl_secs: 600,
            device_interval_secs: 5,
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
