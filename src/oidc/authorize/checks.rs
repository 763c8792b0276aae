//! The authorization request (OpenID Connect Core §3.1.2.1, RFC 6749 §4.1.1, RFC 7636) as a
//! pipeline of small named checks. The first two decide whether we may redirect at all: until
//! the client and its exact redirect URI are known, errors are shown, never redirected.

use crate::oidc::form::Form;
use crate::store::clients::{self, Client};
use crate::store::{AnyConnection, StoreError};

pub const SCOPES_SUPPORTED: [&str; 5] = ["openid", "profile", "email", "offline_access", "roles"];
/// Authentication context classes: a password alone, or a password and a second factor.
pub const ACR_PASSWORD: &str = "pwd";
pub const ACR_MFA: &str = "mfa";
const PROMPT_VALUES: [&str; 4] = ["none", "login", "consent", "select_account"];
const MAX_PARAM_LEN: usize = 2048;

/// How the authorization response reaches the client (OAuth 2.0 Multiple Response Types §2,
/// Form Post Response Mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMode {
    Query,
    FormPost,
}

impl ResponseMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseMode::Query => "query",
            ResponseMode::FormPost => "form_post",
        }
    }

    pub fn parse(value: &str) -> Option<ResponseMode> {
        match value {
            "query" => Some(ResponseMode::Query),
            "form_post" => Some(ResponseMode::FormPost),
            _ => None,
        }
    }
}

pub const RESPONSE_MODES_SUPPORTED: [&str; 2] = ["query", "form_post"];

pub struct ValidRequest {
    pub client: Client,
    pub redirect_uri: String,
    pub response_mode: ResponseMode,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub prompt: Vec<String>,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    /// Requested authentication context classes, in order of preference (Core §3.1.2.1).
    pub acr_values: Vec<String>,
    /// The first language of `ui_locales` that has a catalog (Core §3.1.2.1): the pages of the
    /// interaction speak it.
    pub ui_locale: Option<String>,
    /// The device authorization request (RFC 8628) a person is approving on `/device`: the
    /// pipeline then ends by recording its decision for the device, not by a redirect.
    pub device_id: Option<String>,
}

impl ValidRequest {
    /// A device's request as the pipeline carries it: no redirect, state, nonce or prompt.
    pub fn for_device(client: Client, scopes: Vec<String>, device_id: String) -> ValidRequest {
        ValidRequest {
            client,
            redirect_uri: String::new(),
            response_mode: ResponseMode::Query,
            scopes,
            state: None,
            nonce: None,
            code_challenge: None,
            prompt: Vec::new(),
            max_age: None,
            login_hint: None,
            acr_values: Vec::new(),
            ui_locale: None,
            device_id: Some(device_id),
        }
    }

    pub fn prompts(&self, value: &str) -> bool {
        self.prompt.iter().any(|p| p == value)
    }

    /// A second factor is needed: the client requires it, or the request asks for `mfa`.
    pub fn needs_second_factor(&self) -> bool {
        self.client.require_mfa || self.acr_values.iter().any(|a| a == ACR_MFA)
    }
}

pub enum Rejection {
    /// Shown to the person (a catalog message id): the redirect URI cannot be trusted.
    Page(&'static str),
    /// Sent back to the client (RFC 6749 §4.1.2.1).
    Redirect {
        redirect_uri: String,
        response_mode: ResponseMode,
        state: Option<String>,
        error: &'static str,
        description: String,
    },
}

pub type Refusal = (&'static str, String);

fn refuse(error: &'static str, description: &str) -> Refusal {
    (error, description.to_string())
}

pub fn validate(conn: &mut AnyConnection, form: &Form) -> Result<ValidRequest, Rejection> {
    let client = check_client(conn, form)?;
    let redirect_uri = check_redirect_uri(&client, form)?;
    let state = form.single("state").ok().flatten().map(String::from);
    let refusal = |response_mode: ResponseMode| {
        let (redirect_uri, state) = (&redirect_uri, &state);
        move |(error, description): Refusal| Rejection::Redirect {
            redirect_uri: redirect_uri.clone(),
            response_mode,
            state: state.clone(),
            error,
            description,
        }
    };
    // Until the response mode is known, refusals go back in the query.
    let response_mode = check_response_mode(form).map_err(refusal(ResponseMode::Query))?;
    let redirect = refusal(response_mode);
    check_no_request_object(form).map_err(redirect)?;
    check_response_type(form).map_err(redirect)?;
    check_client_may_sign_in(&client).map_err(redirect)?;
    let scopes = check_scope(&client, form).map_err(redirect)?;
    let code_challenge = check_pkce(&client, form).map_err(redirect)?;
    let prompt = check_prompt(form).map_err(redirect)?;
    let max_age = check_max_age(form).map_err(redirect)?;
    let nonce = check_length(form, "nonce").map_err(redirect)?;
    let login_hint = check_length(form, "login_hint").map_err(redirect)?;
    let acr_values = check_length(form, "acr_values")
        .map_err(redirect)?
        .map(|v| {
            v.split(' ')
                .filter(|a| !a.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    check_length(form, "state").map_err(redirect)?;
    let ui_locale = check_length(form, "ui_locales")
        .map_err(redirect)?
        .and_then(|list| crate::i18n::first_supported(&list))
        .map(|lang| lang.tag().to_string());
    Ok(ValidRequest {
        client,
        redirect_uri,
        response_mode,
        scopes,
        state,
        nonce,
        code_challenge,
        prompt,
        max_age,
        login_hint,
        acr_values,
        ui_locale,
        device_id: None,
    })
}

fn check_client(conn: &mut AnyConnection, form: &Form) -> Result<Client, Rejection> {
    let unknown = Rejection::Page("error-unknown-client");
    let Ok(Some(client_id)) = form.single("client_id") else {
        return Err(unknown);
    };
    match clients::find(conn, client_id) {
        Ok(client) => Ok(client),
        Err(StoreError::NotFound) => Err(unknown),
        Err(_) => Err(Rejection::Page("error-request-unavailable")),
    }
}

/// Exact string comparison with a registered URI (RFC 9700 §4.1.3): no prefix or pattern match.
fn check_redirect_uri(client: &Client, form: &Form) -> Result<String, Rejection> {
    let mismatch = Rejection::Page("error-unregistered-redirect");
    let Ok(Some(uri)) = form.single("redirect_uri") else {
        return Err(mismatch);
    };
    let registered = client.redirect_uri_list().map_err(|_| mismatch_page())?;
    if registered.iter().any(|r| r == uri) {
        Ok(uri.to_string())
    } else {
        Err(mismatch)
    }
}

fn mismatch_page() -> Rejection {
    Rejection::Page("error-client-damaged")
}

fn check_no_request_object(form: &Form) -> Result<(), Refusal> {
    if !form.all("request").is_empty() {
        return Err(refuse(
            "request_not_supported",
            "request objects are not supported",
        ));
    }
    if !form.all("request_uri").is_empty() {
        return Err(refuse(
            "request_uri_not_supported",
            "request_uri is not supported",
        ));
    }
    Ok(())
}

fn check_response_type(form: &Form) -> Result<(), Refusal> {
    match form
        .single("response_type")
        .map_err(|e| (e.code, e.description))?
    {
        Some("code") => Ok(()),
        Some(_) => Err(refuse(
            "unsupported_response_type",
            "only response_type=code is supported",
        )),
        None => Err(refuse("invalid_request", "response_type is missing")),
    }
}

fn check_response_mode(form: &Form) -> Result<ResponseMode, Refusal> {
    match form
        .single("response_mode")
        .map_err(|e| (e.code, e.description))?
    {
        None => Ok(ResponseMode::Query),
        Some(mode) => ResponseMode::parse(mode).ok_or_else(|| {
            refuse(
                "invalid_request",
                "response_mode must be query or form_post",
            )
        }),
    }
}

fn check_client_may_sign_in(client: &Client) -> Result<(), Refusal> {
    if client.allows_grant("authorization_code") {
        Ok(())
    } else {
        Err(refuse(
            "unauthorized_client",
            "this client may not use the authorization code flow",
        ))
    }
}

fn check_scope(client: &Client, form: &Form) -> Result<Vec<String>, Refusal> {
    let scopes = requested_scopes(client, form)?;
    if !scopes.iter().any(|s| s == "openid") {
        return Err(refuse("invalid_scope", "the openid scope is required"));
    }
    Ok(scopes)
}

/// The requested scopes, without repeats, each one the client may ask for. The device
/// authorization endpoint checks its requests' scopes with this too.
pub fn requested_scopes(client: &Client, form: &Form) -> Result<Vec<String>, Refusal> {
    let requested = check_length(form, "scope")?.unwrap_or_default();
    let mut scopes: Vec<String> = Vec::new();
    for scope in requested.split(' ').filter(|s| !s.is_empty()) {
        if !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_string());
        }
    }
    let allowed = client.scope_list();
    if scopes.iter().any(|s| !allowed.contains(&s.as_str())) {
        return Err(refuse(
            "invalid_scope",
            "a requested scope is not allowed for this client",
        ));
    }
    Ok(scopes)
}

/// RFC 7636 with RFC 9700 §2.1.1: S256 only; required for public clients.
fn check_pkce(client: &Client, form: &Form) -> Result<Option<String>, Refusal> {
    let as_refusal = |e: crate::error::OAuthError| (e.code, e.description);
    let challenge = form.single("code_challenge").map_err(as_refusal)?;
    let method = form.single("code_challenge_method").map_err(as_refusal)?;
    match (challenge, method) {
        (None, None) if client.is_public() => Err(refuse(
            "invalid_request",
            "PKCE (code_challenge with S256) is required for this client",
        )),
        (None, None) => Ok(None),
        (None, Some(_)) => Err(refuse("invalid_request", "code_challenge is missing")),
        (Some(_), None) | (Some(_), Some("plain")) => Err(refuse(
            "invalid_request",
            "code_challenge_method must be S256; plain is not accepted",
        )),
        (Some(challenge), Some("S256")) => {
            let well_formed = challenge.len() == 43
                && challenge
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if well_formed {
                Ok(Some(challenge.to_string()))
            } else {
                Err(refuse(
                    "invalid_request",
                    "code_challenge is not a base64url SHA-256 digest",
                ))
            }
        }
        (Some(_), Some(_)) => Err(refuse(
            "invalid_request",
            "code_challenge_method must be S256",
        )),
    }
}

fn check_prompt(form: &Form) -> Result<Vec<String>, Refusal> {
    let raw = form
        .single("prompt")
        .map_err(|e| (e.code, e.description))?
        .unwrap_or("");
    let values: Vec<String> = raw
        .split(' ')
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect();
    if values.iter().any(|p| !PROMPT_VALUES.contains(&p.as_str())) {
        return Err(refuse("invalid_request", "unknown prompt value"));
    }
    if values.iter().any(|p| p == "none") && values.len() > 1 {
        return Err(refuse(
            "invalid_request",
            "prompt=none cannot be combined with other values",
        ));
    }
    Ok(values)
}

fn check_max_age(form: &Form) -> Result<Option<i64>, Refusal> {
    match form
        .single("max_age")
        .map_err(|e| (e.code, e.description))?
    {
        None => Ok(None),
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .filter(|v| *v >= 0)
            .map(Some)
            .ok_or_else(|| refuse("invalid_request", "max_age must be a non-negative integer")),
    }
}

fn check_length(form: &Form, name: &'static str) -> Result<Option<String>, Refusal> {
    match form.single(name).map_err(|e| (e.code, e.description))? {
        Some(value) if value.len() > MAX_PARAM_LEN => {
            Err((("invalid_request"), format!("{name} is too long")))
        }
        value => Ok(value.map(String::from)),
    }
}
