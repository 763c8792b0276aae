//! Client metadata as dynamic registration speaks it (RFC 7591 §2, RFC 7592): a JSON object
//! read into the registry's own [`NewClient`], and a registered client described back. The
//! same registration rules apply as for clients an operator adds; only what a developer may
//! choose for themselves is read (a dynamically registered client is never first party, never
//! a machine client with audiences, and asks people for consent).

use serde_json::{json, Map, Value};

use super::{check_redirect_uri, NewClient};
use crate::store::clients::{AuthMethod, Client};

/// Grant types a client may register for itself; `client_credentials` needs audiences, which
/// only an operator grants.
const SELF_SERVICE_GRANTS: [&str; 3] = [
    "authorization_code",
    "refresh_token",
    "urn:ietf:params:oauth:grant-type:device_code",
];

const AUTH_METHODS: [&str; 5] = [
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
    "private_key_jwt",
    "none",
];

/// Scopes a client gets when it names none.
const DEFAULT_SCOPE: &str = "openid profile email";

/// Why metadata is refused, as RFC 7591 §3.2.2 names it.
#[derive(Debug, PartialEq)]
pub enum MetadataError {
    /// `invalid_redirect_uri`
    RedirectUri(String),
    /// `invalid_client_metadata`
    Metadata(String),
    /// `invalid_software_statement`
    SoftwareStatement,
}

impl MetadataError {
    pub fn code(&self) -> &'static str {
        match self {
            MetadataError::RedirectUri(_) => "invalid_redirect_uri",
            MetadataError::Metadata(_) => "invalid_client_metadata",
            MetadataError::SoftwareStatement => "invalid_software_statement",
        }
    }

    pub fn description(&self) -> String {
        match self {
            MetadataError::RedirectUri(why) | MetadataError::Metadata(why) => why.clone(),
            MetadataError::SoftwareStatement => "software statements are not accepted".into(),
        }
    }
}

/// Registration metadata read into the registry's terms.
pub struct Requested {
    pub client: NewClient,
    /// The `token_endpoint_auth_method`, one of RFC 7591's names.
    pub auth_method: &'static str,
}

fn invalid(why: impl Into<String>) -> MetadataError {
    MetadataError::Metadata(why.into())
}

fn string_list(
    body: &Map<String, Value>,
    name: &str,
) -> Result<Option<Vec<String>>, MetadataError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(String::from)
                    .ok_or_else(|| invalid(format!("{name} must be an array of strings")))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(invalid(format!("{name} must be an array of strings"))),
    }
}

fn string<'a>(body: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, MetadataError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(format!("{name} must be a string"))),
    }
}

fn flag(body: &Map<String, Value>, name: &str) -> Result<bool, MetadataError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(invalid(format!("{name} must be true or false"))),
    }
}

/// Reads a registration request's metadata (RFC 7591 §2), with its defaults: grant
/// `authorization_code`, response type `code`, `client_secret_basic`, RS256 ID tokens.
/// Metadata this provider does not act on (contacts, logo and policy URIs) is ignored, as
/// §3.1 allows; a software statement is refused rather than ignored, as it would carry
/// metadata unread.
pub fn read(body: &Value) -> Result<Requested, MetadataError> {
    let body = body
        .as_object()
        .ok_or_else(|| invalid("the body must be a JSON object"))?;
    if body.contains_key("software_statement") {
        return Err(MetadataError::SoftwareStatement);
    }
    if body.contains_key("jwks_uri") {
        return Err(invalid("jwks_uri is not supported: send the keys as jwks"));
    }
    let redirect_uris = string_list(body, "redirect_uris")?.unwrap_or_default();
    for uri in &redirect_uris {
        check_redirect_uri(uri).map_err(|e| MetadataError::RedirectUri(e.to_string()))?;
    }
    let post_logout_redirect_uris =
        string_list(body, "post_logout_redirect_uris")?.unwrap_or_default();
    for uri in &post_logout_redirect_uris {
        check_redirect_uri(uri).map_err(|e| invalid(format!("post-logout {e}")))?;
    }
    let grant_types =
        string_list(body, "grant_types")?.unwrap_or_else(|| vec!["authorization_code".to_string()]);
    if let Some(grant) = grant_types
        .iter()
        .find(|g| !SELF_SERVICE_GRANTS.contains(&g.as_str()))
    {
        return Err(invalid(format!(
            "grant type {grant:?} cannot be registered here ({})",
            SELF_SERVICE_GRANTS.join(", ")
        )));
    }
    // RFC 7591 §2.1: the response type `code` goes with the grant `authorization_code`.
    let uses_code = grant_types.iter().any(|g| g == "authorization_code");
    let response_types = string_list(body, "response_types")?
        .unwrap_or_else(|| uses_code.then(|| "code".to_string()).into_iter().collect());
    if response_types.iter().any(|r| r != "code") {
        return Err(invalid("the only response type is code"));
    }
    if uses_code != response_types.iter().any(|r| r == "code") {
        return Err(invalid(
            "response type code and grant type authorization_code go together",
        ));
    }
    if uses_code && redirect_uris.is_empty() {
        return Err(MetadataError::RedirectUri(
            "redirect_uris is required for the authorization_code grant".into(),
        ));
    }
    let auth_method = match string(body, "token_endpoint_auth_method")? {
        None => "client_secret_basic",
        Some(name) => AUTH_METHODS
            .into_iter()
            .find(|m| *m == name)
            .ok_or_else(|| invalid(format!("unknown token_endpoint_auth_method {name:?}")))?,
    };
    let jwks = match (body.get("jwks"), auth_method) {
        (None | Some(Value::Null), "private_key_jwt") => {
            return Err(invalid(
                "private_key_jwt needs the client's public keys in jwks",
            ))
        }
        (None | Some(Value::Null), _) => None,
        (Some(keys), "private_key_jwt") => {
            Some(super::check_jwks(&keys.to_string()).map_err(|e| invalid(e.to_string()))?)
        }
        (Some(_), _) => return Err(invalid("jwks goes only with private_key_jwt")),
    };
    let scopes = string(body, "scope")?
        .unwrap_or(DEFAULT_SCOPE)
        .split_whitespace()
        .map(String::from)
        .collect();
    let name = match string(body, "client_name")? {
        Some(name) => name.to_string(),
        None => default_name(&redirect_uris),
    };
    let client = NewClient {
        id: None,
        name,
        public: auth_method == "none",
        redirect_uris,
        post_logout_redirect_uris,
        first_party: false,
        grant_types,
        scopes,
        audiences: Vec::new(),
        allowed_origins: Vec::new(),
        jwks,
        secret_jwt: auth_method == "client_secret_jwt",
        id_token_alg: string(body, "id_token_signed_response_alg")?
            .unwrap_or("RS256")
            .to_string(),
        require_mfa: false,
        require_par: flag(body, "require_pushed_authorization_requests")?,
        require_dpop: flag(body, "dpop_bound_access_tokens")?,
        backchannel_logout_uri: string(body, "backchannel_logout_uri")?.map(String::from),
        backchannel_logout_session_required: flag(body, "backchannel_logout_session_required")?,
        frontchannel_logout_uri: string(body, "frontchannel_logout_uri")?.map(String::from),
        frontchannel_logout_session_required: flag(body, "frontchannel_logout_session_required")?,
    };
    super::check_settings(&client).map_err(|e| invalid(e.to_string()))?;
    Ok(Requested {
        client,
        auth_method,
    })
}

/// A client that names itself nothing is shown by its redirect URI's host.
fn default_name(redirect_uris: &[String]) -> String {
    redirect_uris
        .first()
        .and_then(|uri| url::Url::parse(uri).ok())
        .and_then(|url| url.host_str().map(String::from))
        .unwrap_or_else(|| "Unnamed client".to_string())
}

/// The method a client authenticates with, in RFC 7591's words; `registered` is the one it
/// chose at registration (the secret methods are stored alike).
pub fn auth_method_of(client: &Client, registered: Option<&str>) -> &'static str {
    match client.auth_method() {
        AuthMethod::None => "none",
        AuthMethod::PrivateKeyJwt => "private_key_jwt",
        AuthMethod::SecretJwt => "client_secret_jwt",
        AuthMethod::Secret if registered == Some("client_secret_post") => "client_secret_post",
        AuthMethod::Secret => "client_secret_basic",
    }
}

/// The client's registered metadata (RFC 7591 §3.2.1, RFC 7592 §3): what the provider holds,
/// which may differ from what was asked where defaults applied.
pub fn describe(client: &Client, auth_method: &str) -> Map<String, Value> {
    let grants: Vec<&str> = client.grant_types.split_whitespace().collect();
    let response_types: Vec<&str> = if grants.contains(&"authorization_code") {
        vec!["code"]
    } else {
        Vec::new()
    };
    let mut out = json!({
        "client_id": client.id,
        "client_id_issued_at": client.created_at,
        "client_name": client.name,
        "redirect_uris": client.redirect_uri_list().unwrap_or_default(),
        "post_logout_redirect_uris": client.post_logout_redirect_uri_list().unwrap_or_default(),
        "grant_types": grants,
        "response_types": response_types,
        "scope": client.scopes,
        "token_endpoint_auth_method": auth_method,
        "id_token_signed_response_alg": client.id_token_alg,
        "require_pushed_authorization_requests": client.require_par,
        "dpop_bound_access_tokens": client.require_dpop,
        "backchannel_logout_session_required": client.backchannel_logout_session_required,
        "frontchannel_logout_session_required": client.frontchannel_logout_session_required,
    });
    if let Some(uri) = &client.backchannel_logout_uri {
        out["backchannel_logout_uri"] = json!(uri);
    }
    if let Some(uri) = &client.frontchannel_logout_uri {
        out["frontchannel_logout_uri"] = json!(uri);
    }
    if let Ok(keys) = serde_json::from_str::<Value>(&client.jwks) {
        out["jwks"] = keys;
    }
    if client.secret_hash.is_some() {
        // The secret does not expire (RFC 7591 §3.2.1: 0).
        out["client_secret_expires_at"] = json!(0);
    }
    match out {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_json(body: Value) -> Result<Requested, MetadataError> {
        read(&body)
    }

    #[test]
    fn defaults_are_a_confidential_code_client() {
        let r = read_json(json!({"redirect_uris": ["https://app.example/cb"]})).unwrap();
        assert_eq!(r.auth_method, "client_secret_basic");
        assert!(!r.client.public && !r.client.first_party);
        assert_eq!(r.client.grant_types, ["authorization_code"]);
        assert_eq!(r.client.scopes, ["openid", "profile", "email"]);
        assert_eq!(r.client.name, "app.example");
    }

    #[test]
    fn a_device_client_needs_no_redirect_uri() {
        let r = read_json(json!({
            "grant_types": ["urn:ietf:params:oauth:grant-type:device_code"],
            "token_endpoint_auth_method": "none",
            "client_name": "TV"
        }))
        .unwrap();
        assert!(r.client.public && r.client.redirect_uris.is_empty());
    }

    #[test]
    fn refusals_name_the_rfc_error() {
        let code = |body: Value| read_json(body).err().map(|e| e.code());
        assert_eq!(
            code(json!({"redirect_uris": ["http://app.example/cb"]})),
            Some("invalid_redirect_uri")
        );
        assert_eq!(code(json!({})), Some("invalid_redirect_uri"));
        assert_eq!(
            code(json!({"grant_types": ["client_credentials"]})),
            Some("invalid_client_metadata")
        );
        assert_eq!(
            code(json!({"redirect_uris": ["https://a.example/cb"], "response_types": ["token"]})),
            Some("invalid_client_metadata")
        );
        assert_eq!(
            code(json!({"redirect_uris": "https://a.example/cb"})),
            Some("invalid_client_metadata")
        );
        assert_eq!(
            code(
                json!({"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "private_key_jwt"})
            ),
            Some("invalid_client_metadata")
        );
        assert_eq!(
            code(json!({"software_statement": "x"})),
            Some("invalid_software_statement")
        );
        assert_eq!(code(json!([1])), Some("invalid_client_metadata"));
    }
}
