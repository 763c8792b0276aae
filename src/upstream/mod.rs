//! Signing in with another identity provider (upstream OpenID Connect): the rules a registered
//! provider follows, the relying party we act as towards it, and how an upstream identity finds
//! its account here.

pub mod matching;
pub mod relying_party;

use crate::crypto::kek::KeyEncryptionKey;
use crate::crypto::CryptoError;
use crate::ops::OpsError;
use crate::store::upstream::Provider;

/// Where every upstream sends the browser back; the state names the provider and the sign-in.
pub const CALLBACK_PATH: &str = "/login/upstream/callback";

/// How long a person may take at the upstream.
pub const LOGIN_TTL_SECS: i64 = 600;

/// The redirect URI to register at every upstream.
pub fn callback_url(config: &crate::config::Config) -> String {
    format!("{}{CALLBACK_PATH}", config.issuer.trim_end_matches('/'))
}

/// The `amr` value of a sign-in through an upstream provider (RFC 8176 §2: federated).
pub const AMR_FEDERATED: &str = "fed";

/// How an upstream identity seen for the first time finds its account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matching {
    /// Only identities an operator linked beforehand sign in.
    Linked,
    /// An identity whose upstream says its email is verified links to the account with that
    /// email on first use. Upstreams that do not vouch for email ownership must not get this.
    Email,
    /// An account is created just in time for an identity seen the first time.
    Create,
}

impl Matching {
    pub fn parse(raw: &str) -> Result<Matching, OpsError> {
        match raw.trim() {
            "linked" => Ok(Matching::Linked),
            "email" => Ok(Matching::Email),
            "create" => Ok(Matching::Create),
            other => Err(OpsError::Invalid(format!(
                "unknown matching {other:?}: use linked, email or create"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Matching::Linked => "linked",
            Matching::Email => "email",
            Matching::Create => "create",
        }
    }
}

/// What an operator gives to register an upstream provider.
#[derive(Debug, Clone)]
pub struct NewProvider {
    pub id: String,
    pub display_name: String,
    pub icon_url: Option<String>,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: Vec<String>,
    pub matching: String,
}

impl NewProvider {
    /// The provider as stored, its secret sealed; refuses what breaks the rules.
    pub fn checked(self, kek: &KeyEncryptionKey, now: i64) -> Result<Provider, OpsError> {
        let id = self.id.trim().to_lowercase();
        let id_ok = (1..=40).contains(&id.len())
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !id_ok {
            return Err(OpsError::Invalid(
                "a provider id has 1 to 40 characters: a-z, 0-9 and -".into(),
            ));
        }
        let display_name = crate::ops::optional_text(&self.display_name, "a display name", 80)?
            .ok_or_else(|| OpsError::Invalid("a display name is required".into()))?;
        let issuer = check_issuer(&self.issuer)?;
        let icon_url = match self.icon_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(check_icon_url(raw)?),
        };
        let client_id = crate::ops::optional_text(&self.client_id, "a client id", 255)?
            .ok_or_else(|| OpsError::Invalid("a client id is required".into()))?;
        if self.client_secret.is_empty() || self.client_secret.len() > 1024 {
            return Err(OpsError::Invalid(
                "a client secret of 1 to 1024 bytes is required".into(),
            ));
        }
        let mut scopes: Vec<String> = Vec::new();
        for scope in self
            .scopes
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
        {
            let valid = scope.len() <= 64
                && scope
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\');
            if !valid {
                return Err(OpsError::Invalid(format!("invalid scope {scope:?}")));
            }
            if scope != "openid" && !scopes.iter().any(|s| s == scope) {
                scopes.push(scope.to_string());
            }
        }
        let matching = Matching::parse(&self.matching)?;
        let sealed_secret = seal_secret(kek, &id, &self.client_secret)?;
        Ok(Provider {
            id,
            display_name,
            icon_url,
            issuer,
            client_id,
            sealed_secret,
            scopes: scopes.join(" "),
            matching: matching.as_str().to_string(),
            created_at: now,
        })
    }
}

/// The issuer URL, if it is one we may call: https, or http only to a loopback address (for
/// development and tests). No user info, query or fragment (OpenID Connect Discovery §2).
pub fn check_issuer(raw: &str) -> Result<String, OpsError> {
    let refused = |why: &str| OpsError::Invalid(format!("issuer URL {raw:?}: {why}"));
    let url = url::Url::parse(raw.trim()).map_err(|_| refused("not an absolute URL"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        _ => return Err(refused("must be https (http only on a loopback address)")),
    }
    if url.host().is_none() || !url.username().is_empty() || url.password().is_some() {
        return Err(refused("needs a host and no user name or password"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(refused("must have no query or fragment"));
    }
    // Kept as typed (less a trailing slash on the bare origin): discovery must answer it exactly.
    Ok(raw.trim().trim_end_matches('/').to_string())
}

fn check_icon_url(raw: &str) -> Result<String, OpsError> {
    let url = url::Url::parse(raw).map_err(|_| OpsError::Invalid("icon URL: not a URL".into()))?;
    if url.scheme() != "https" || raw.len() > 2048 {
        return Err(OpsError::Invalid("an icon URL must be https".into()));
    }
    Ok(url.to_string())
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

fn secret_context(provider_id: &str) -> Vec<u8> {
    format!("upstream client secret {provider_id}").into_bytes()
}

pub fn seal_secret(
    kek: &KeyEncryptionKey,
    provider_id: &str,
    secret: &str,
) -> Result<String, CryptoError> {
    kek.seal(secret.as_bytes(), &secret_context(provider_id))
}

pub fn open_secret(kek: &KeyEncryptionKey, provider: &Provider) -> Option<String> {
    let opened = kek.open(&provider.sealed_secret, &secret_context(&provider.id))?;
    String::from_utf8(opened).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_are_https_or_loopback() {
        assert!(check_issuer("https://accounts.example.com").is_ok());
        assert_eq!(
            check_issuer("https://idp.example.com/realms/x/").unwrap(),
            "https://idp.example.com/realms/x"
        );
        assert!(check_issuer("http://127.0.0.1:8080").is_ok());
        assert!(check_issuer("http://[::1]:8080").is_ok());
        assert!(check_issuer("http://localhost:3000").is_ok());
        for refused in [
            "http://idp.example.com",
            "ftp://idp.example.com",
            "https://user:pw@idp.example.com",
            "https://idp.example.com/?a=b",
            "https://idp.example.com/#x",
            "idp.example.com",
        ] {
            assert!(check_issuer(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn the_secret_is_sealed_to_its_provider() {
        let kek =
            KeyEncryptionKey::load(&crate::crypto::kek::KekSource::Inline("A".repeat(43) + "="))
                .unwrap();
        let new = NewProvider {
            id: "Corp".into(),
            display_name: "Corp SSO".into(),
            icon_url: None,
            issuer: "https://sso.example.com".into(),
            client_id: "idp".into(),
            client_secret: "s3cret-value".into(),
            scopes: vec!["openid".into(), "email".into(), "email".into()],
            matching: "email".into(),
        };
        let provider = new.clone().checked(&kek, 1).unwrap();
        assert_eq!(
            (provider.id.as_str(), provider.scopes.as_str()),
            ("corp", "email")
        );
        assert!(!provider.sealed_secret.contains("s3cret"));
        assert_eq!(
            open_secret(&kek, &provider).as_deref(),
            Some("s3cret-value")
        );
        let moved = Provider {
            id: "other".into(),
            ..provider
        };
        assert_eq!(open_secret(&kek, &moved), None);
        let bad = NewProvider {
            matching: "anything".into(),
            ..new
        };
        assert!(matches!(bad.checked(&kek, 1), Err(OpsError::Invalid(_))));
    }
}
