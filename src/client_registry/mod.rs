//! Registering relying parties and machine clients: the rules a client must meet.

#[cfg(test)]
mod example;
mod logout;
pub mod metadata;
mod origins;

pub use logout::optional_uri;
use origins::canonical_origins;
pub use origins::check_origin;

use crate::config::is_loopback_host;
use crate::crypto::kek::KeyEncryptionKey;
use crate::crypto::keys::SigningAlg;
use crate::crypto::secrets::{hash_secret, random_id, random_token};
use crate::store::clients::{self, Client};
use crate::store::{AnyConnection, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{0}")]
    Invalid(String),
    #[error("a client with that id already exists")]
    Duplicate,
    #[error("no such client")]
    NotFound,
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for ClientError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict => ClientError::Duplicate,
            StoreError::NotFound => ClientError::NotFound,
            other => ClientError::Store(other),
        }
    }
}

pub const KNOWN_GRANTS: [&str; 4] = [
    "authorization_code",
    "refresh_token",
    "client_credentials",
    // RFC 8628: a device without a browser; needs no redirect URI.
    "urn:ietf:params:oauth:grant-type:device_code",
];

pub struct NewClient {
    pub id: Option<String>,
    pub name: String,
    pub public: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub first_party: bool,
    pub grant_types: Vec<String>,
    pub scopes: Vec<String>,
    pub audiences: Vec<String>,
    /// Web origins allowed to call the protocol endpoints from a browser, besides those of the
    /// redirect URIs.
    pub allowed_origins: Vec<String>,
    /// A JWK Set of public keys: the client authenticates with `private_key_jwt` (RFC 7523).
    pub jwks: Option<String>,
    /// The client signs HS256 assertions with its secret (`client_secret_jwt`) instead of
    /// sending the secret itself; the secret is then kept sealed as well as hashed.
    pub secret_jwt: bool,
    pub id_token_alg: String,
    pub require_mfa: bool,
    pub require_par: bool,
    pub require_dpop: bool,
    /// Where logout tokens are posted when a session the client took part in ends
    /// (OpenID Connect Back-Channel Logout 1.0).
    pub backchannel_logout_uri: Option<String>,
    /// The client wants `sid` in its logout tokens (they always carry it).
    pub backchannel_logout_session_required: bool,
    /// What the signed-out page loads in an iframe (OpenID Connect Front-Channel Logout 1.0).
    pub frontchannel_logout_uri: Option<String>,
    /// The client wants `iss` and `sid` added to its front-channel logout URI.
    pub frontchannel_logout_session_required: bool,
}

/// A redirect URI is compared as an exact string, so it must be absolute, carry no fragment,
/// and use https unless it points at this machine's loopback interface.
pub fn check_redirect_uri(uri: &str) -> Result<(), ClientError> {
    check_uri("redirect URI", uri)
}

/// The rules of a redirect URI (see [`check_redirect_uri`]), for any URI of a client that
/// people's browsers or this server are sent to; `what` names it in the refusal.
pub(crate) fn check_uri(what: &str, uri: &str) -> Result<(), ClientError> {
    let invalid = |why: &str| ClientError::Invalid(format!("{what} {uri:?} {why}"));
    // The URL parser would percent-encode a space; in a registered URI it is a typing slip
    // (two URIs on one line), never meant.
    if uri.chars().any(char::is_whitespace) {
        return Err(invalid("must not contain spaces (one URI per line)"));
    }
    let url = url::Url::parse(uri).map_err(|_| invalid("is not an absolute URL"))?;
    if url.fragment().is_some() {
        return Err(invalid("must not have a fragment"));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback_host(&url) => Ok(()),
        _ => Err(invalid("must use https (http only on loopback)")),
    }
}

/// A client's public keys: a JWK Set of RSA, EC or OKP signing keys, with no private part.
pub fn check_jwks(text: &str) -> Result<String, ClientError> {
    let invalid = |why: &str| ClientError::Invalid(format!("the JWK Set {why}"));
    let set: serde_json::Value = serde_json::from_str(text).map_err(|_| invalid("is not JSON"))?;
    let keys = set["keys"]
        .as_array()
        .ok_or_else(|| invalid("has no \"keys\" array"))?;
    if keys.is_empty() {
        return Err(invalid("is empty"));
    }
    for key in keys {
        let map = key
            .as_object()
            .ok_or_else(|| invalid("holds a non-object"))?;
        if ["d", "p", "q", "dp", "dq", "qi", "k"]
            .iter()
            .any(|m| map.contains_key(*m))
        {
            return Err(invalid("holds a private or symmetric key"));
        }
        if !matches!(
            map.get("kty").and_then(|v| v.as_str()),
            Some("RSA" | "EC" | "OKP")
        ) {
            return Err(invalid("holds a key that is not RSA, EC or OKP"));
        }
        josekit::jwk::Jwk::from_map(map.clone()).map_err(|_| invalid("holds a malformed key"))?;
    }
    Ok(set.to_string())
}

/// The sealed form of a `client_secret_jwt` client's secret, bound to the client id.
pub fn seal_secret(kek: &KeyEncryptionKey, id: &str, secret: &str) -> Result<String, ClientError> {
    kek.seal(secret.as_bytes(), &secret_context(id))
        .map_err(|e| ClientError::Store(StoreError::Corrupt(format!("sealing a secret: {e}"))))
}

/// The secret of a `client_secret_jwt` client, from its sealed form.
pub fn open_secret(kek: &KeyEncryptionKey, id: &str, sealed: &str) -> Option<Vec<u8>> {
    kek.open(sealed, &secret_context(id))
}

fn secret_context(id: &str) -> Vec<u8> {
    format!("client secret {id}").into_bytes()
}

/// Replaces a confidential client's secret; the old one is accepted for `overlap_secs` more.
pub fn rotate_secret(
    conn: &mut AnyConnection,
    kek: &KeyEncryptionKey,
    id: &str,
    overlap_secs: i64,
    now: i64,
) -> Result<String, ClientError> {
    let client = clients::find(conn, id)?;
    if client.secret_hash.is_none() {
        return Err(ClientError::Invalid(
            "this client has no secret to rotate".into(),
        ));
    }
    if !(0..=30 * 86_400).contains(&overlap_secs) {
        return Err(ClientError::Invalid(
            "the overlap must be between 0 and 30 days".into(),
        ));
    }
    let secret = random_token::<32>();
    let sealed = match client.sealed_secret {
        Some(_) => Some(seal_secret(kek, id, &secret)?),
        None => None,
    };
    clients::rotate_secret(
        conn,
        id,
        &hash_secret(&secret),
        sealed.as_deref(),
        now + overlap_secs,
    )?;
    Ok(secret)
}

fn check_id(id: &str) -> Result<(), ClientError> {
    let valid = (3..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if valid {
        Ok(())
    } else {
        Err(ClientError::Invalid(
            "a client id has 3 to 64 letters, digits, '.', '_' or '-'".into(),
        ))
    }
}

fn check_token(kind: &str, value: &str) -> Result<(), ClientError> {
    if value.is_empty()
        || value
            .chars()
            .any(|c| c.is_whitespace() || c == '"' || c == '\\')
    {
        return Err(ClientError::Invalid(format!(
            "{kind} {value:?} is not valid"
        )));
    }
    Ok(())
}

/// Checks every setting of a client being registered or edited (not its id or keys).
pub fn check_settings(new: &NewClient) -> Result<(), ClientError> {
    if new.name.trim().is_empty() || new.name.chars().count() > 200 {
        return Err(ClientError::Invalid(
            "a client needs a name (up to 200 characters)".into(),
        ));
    }
    for uri in new
        .redirect_uris
        .iter()
        .chain(&new.post_logout_redirect_uris)
    {
        check_redirect_uri(uri)?;
    }
    logout::check(new)?;
    if new.grant_types.is_empty() {
        return Err(ClientError::Invalid(
            "a client needs at least one grant type".into(),
        ));
    }
    for grant in &new.grant_types {
        if !KNOWN_GRANTS.contains(&grant.as_str()) {
            return Err(ClientError::Invalid(format!(
                "unknown grant type {grant:?}"
            )));
        }
    }
    let uses = |g: &str| new.grant_types.iter().any(|x| x == g);
    if uses("authorization_code") && new.redirect_uris.is_empty() {
        return Err(ClientError::Invalid(
            "authorization_code needs at least one redirect URI".into(),
        ));
    }
    if uses("client_credentials") {
        if new.public {
            return Err(ClientError::Invalid(
                "a public client cannot use client_credentials".into(),
            ));
        }
        if new.audiences.is_empty() {
            return Err(ClientError::Invalid(
                "client_credentials needs at least one audience".into(),
            ));
        }
    }
    for scope in &new.scopes {
        check_token("scope", scope)?;
    }
    for origin in &new.allowed_origins {
        check_origin(origin)?;
    }
    for audience in &new.audiences {
        url::Url::parse(audience).map_err(|_| {
            ClientError::Invalid(format!("audience {audience:?} is not an absolute URI"))
        })?;
    }
    if SigningAlg::parse(&new.id_token_alg).is_none() {
        return Err(ClientError::Invalid(format!(
            "unknown ID token algorithm {:?}: use RS256, ES256 or EdDSA",
            new.id_token_alg
        )));
    }
    Ok(())
}

fn json_list(uris: &[String]) -> Result<String, ClientError> {
    serde_json::to_string(uris).map_err(|e| ClientError::Invalid(e.to_string()))
}

/// What an edit changes; `None` leaves a setting as it is.
#[derive(Debug, Default, Clone)]
pub struct ClientEdit {
    pub name: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    pub grant_types: Option<Vec<String>>,
    pub scopes: Option<Vec<String>>,
    pub audiences: Option<Vec<String>>,
    pub allowed_origins: Option<Vec<String>>,
    pub first_party: Option<bool>,
    pub require_mfa: Option<bool>,
    pub require_par: Option<bool>,
    pub require_dpop: Option<bool>,
    /// `Some(None)` removes it.
    pub backchannel_logout_uri: Option<Option<String>>,
    pub backchannel_logout_session_required: Option<bool>,
    /// `Some(None)` removes it.
    pub frontchannel_logout_uri: Option<Option<String>>,
    pub frontchannel_logout_session_required: Option<bool>,
}

impl ClientEdit {
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.redirect_uris.is_none()
            && self.post_logout_redirect_uris.is_none()
            && self.grant_types.is_none()
            && self.scopes.is_none()
            && self.audiences.is_none()
            && self.allowed_origins.is_none()
            && self.first_party.is_none()
            && self.require_mfa.is_none()
            && self.require_par.is_none()
            && self.require_dpop.is_none()
            && self.backchannel_logout_uri.is_none()
            && self.backchannel_logout_session_required.is_none()
            && self.frontchannel_logout_uri.is_none()
            && self.frontchannel_logout_session_required.is_none()
    }
}

/// Applies `edit` to `client` under the registration rules; returns the changed client and the
/// names of the settings that changed.
pub fn apply_edit(
    client: &Client,
    edit: ClientEdit,
) -> Result<(Client, Vec<&'static str>), ClientError> {
    let mut settings = NewClient {
        id: Some(client.id.clone()),
        name: client.name.clone(),
        public: client.is_public(),
        secret_jwt: client.sealed_secret.is_some(),
        redirect_uris: client.redirect_uri_list()?,
        post_logout_redirect_uris: client.post_logout_redirect_uri_list()?,
        first_party: client.first_party,
        grant_types: client
            .grant_types
            .split_whitespace()
            .map(String::from)
            .collect(),
        scopes: client.scopes.split_whitespace().map(String::from).collect(),
        audiences: client
            .audiences
            .split_whitespace()
            .map(String::from)
            .collect(),
        allowed_origins: client
            .allowed_origin_list()
            .into_iter()
            .map(String::from)
            .collect(),
        jwks: None,
        id_token_alg: client.id_token_alg.clone(),
        require_mfa: client.require_mfa,
        require_par: client.require_par,
        require_dpop: client.require_dpop,
        backchannel_logout_uri: client.backchannel_logout_uri.clone(),
        backchannel_logout_session_required: client.backchannel_logout_session_required,
        frontchannel_logout_uri: client.frontchannel_logout_uri.clone(),
        frontchannel_logout_session_required: client.frontchannel_logout_session_required,
    };
    let mut changed = Vec::new();
    macro_rules! take {
        ($field:ident, $label:literal) => {
            if let Some(value) = edit.$field {
                if value != settings.$field {
                    changed.push($label);
                }
                settings.$field = value;
            }
        };
    }
    take!(name, "name");
    take!(redirect_uris, "redirect URIs");
    take!(post_logout_redirect_uris, "post-logout redirect URIs");
    take!(grant_types, "grant types");
    take!(scopes, "scopes");
    take!(audiences, "audiences");
    if let Some(origins) = edit.allowed_origins {
        let origins = canonical_origins(&origins)?;
        if origins != settings.allowed_origins {
            changed.push("allowed origins");
        }
        settings.allowed_origins = origins;
    }
    take!(first_party, "first party");
    take!(require_mfa, "require MFA");
    take!(require_par, "require PAR");
    take!(require_dpop, "require DPoP");
    take!(backchannel_logout_uri, "back-channel logout URI");
    take!(
        backchannel_logout_session_required,
        "back-channel logout session required"
    );
    take!(frontchannel_logout_uri, "front-channel logout URI");
    take!(
        frontchannel_logout_session_required,
        "front-channel logout session required"
    );
    check_settings(&settings)?;
    let updated = Client {
        name: settings.name.trim().to_string(),
        redirect_uris: json_list(&settings.redirect_uris)?,
        post_logout_redirect_uris: json_list(&settings.post_logout_redirect_uris)?,
        grant_types: settings.grant_types.join(" "),
        scopes: settings.scopes.join(" "),
        audiences: settings.audiences.join(" "),
        allowed_origins: settings.allowed_origins.join(" "),
        first_party: settings.first_party,
        require_mfa: settings.require_mfa,
        require_par: settings.require_par,
        require_dpop: settings.require_dpop,
        backchannel_logout_uri: settings.backchannel_logout_uri,
        backchannel_logout_session_required: settings.backchannel_logout_session_required,
        frontchannel_logout_uri: settings.frontchannel_logout_uri,
        frontchannel_logout_session_required: settings.frontchannel_logout_session_required,
        ..client.clone()
    };
    Ok((updated, changed))
}

/// Registers the client; returns it with its secret (shown once, never stored) if confidential.
pub fn register(
    conn: &mut AnyConnection,
    kek: &KeyEncryptionKey,
    mut new: NewClient,
    now: i64,
) -> Result<(Client, Option<String>), ClientError> {
    let id = match new.id {
        Some(ref id) => {
            check_id(id)?;
            id.clone()
        }
        None => random_id::<12>(),
    };
    new.allowed_origins = canonical_origins(&new.allowed_origins)?;
    check_settings(&new)?;
    let jwks = match &new.jwks {
        Some(_) if new.public => {
            return Err(ClientError::Invalid("a public client has no keys".into()))
        }
        Some(_) if new.secret_jwt => {
            return Err(ClientError::Invalid(
                "a client_secret_jwt client signs with its secret, not with keys".into(),
            ))
        }
        Some(text) => check_jwks(text)?,
        None => String::new(),
    };
    if new.secret_jwt && new.public {
        return Err(ClientError::Invalid(
            "a public client has no secret to sign with".into(),
        ));
    }
    let secret = (!new.public && jwks.is_empty()).then(random_token::<32>);
    let sealed_secret = match (&secret, new.secret_jwt) {
        (Some(secret), true) => Some(seal_secret(kek, &id, secret)?),
        _ => None,
    };
    let client = Client {
        id,
        name: new.name.trim().to_string(),
        secret_hash: secret.as_deref().map(hash_secret),
        redirect_uris: json_list(&new.redirect_uris)?,
        post_logout_redirect_uris: json_list(&new.post_logout_redirect_uris)?,
        first_party: new.first_party,
        jwks,
        previous_secret_hash: None,
        previous_secret_expires_at: None,
        sealed_secret,
        previous_sealed_secret: None,
        id_token_alg: new.id_token_alg,
        require_mfa: new.require_mfa,
        require_par: new.require_par,
        require_dpop: new.require_dpop,
        grant_types: new.grant_types.join(" "),
        scopes: new.scopes.join(" "),
        audiences: new.audiences.join(" "),
        allowed_origins: new.allowed_origins.join(" "),
        created_at: now,
        backchannel_logout_uri: new.backchannel_logout_uri,
        backchannel_logout_session_required: new.backchannel_logout_session_required,
        frontchannel_logout_uri: new.frontchannel_logout_uri,
        frontchannel_logout_session_required: new.frontchannel_logout_session_required,
    };
    clients::insert(conn, &client)?;
    Ok((client, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uri_rules() {
        assert!(check_redirect_uri("https://app.example.com/cb").is_ok());
        assert!(check_redirect_uri("http://127.0.0.1:9000/cb").is_ok());
        assert!(check_redirect_uri("http://localhost/cb").is_ok());
        assert!(check_redirect_uri("http://app.example.com/cb").is_err());
        assert!(check_redirect_uri("https://app.example.com/cb#x").is_err());
        assert!(check_redirect_uri("/cb").is_err());
        assert!(check_redirect_uri("javascript:alert(1)").is_err());
    }
}
