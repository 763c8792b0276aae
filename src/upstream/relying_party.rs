//! Our side of the code flow towards an upstream provider, through the `openidconnect` crate:
//! discovery (whose `issuer` must be exactly the registered one), the authorization URL with
//! state, nonce and PKCE, and the code exchange whose ID token is verified against the
//! upstream's JWKS, issuer, audience, expiry and our nonce.

use std::sync::OnceLock;
use std::time::Duration;

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::reqwest;
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};

use crate::store::upstream::Provider;

/// An upstream that does not answer within this is treated as down.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a sign-in through an upstream failed; the text is safe to log (no token, code or secret).
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    #[error("the upstream could not be reached or its discovery document was refused: {0}")]
    Discovery(String),
    #[error("the upstream refused the code exchange: {0}")]
    Exchange(String),
    #[error("the upstream sent no ID token")]
    NoIdToken,
    #[error("the upstream's ID token was refused: {0}")]
    IdToken(String),
    #[error("the upstream is misconfigured here: {0}")]
    Configuration(String),
}

/// The upstream identity an ID token vouched for.
#[derive(Debug, Clone)]
pub struct Identity {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub preferred_username: Option<String>,
}

/// What a sign-in sent upstream must remember until the answer comes back.
pub struct Started {
    pub authorization_url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// One HTTP client for every upstream: timeouts, and no redirects followed (a redirect could
/// lead a request from our network to somewhere the operator never registered).
fn http_client() -> Result<&'static reqwest::Client, UpstreamError> {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    if let Some(client) = CLIENT.get() {
        return Ok(client);
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .build()
        .map_err(|e| UpstreamError::Configuration(e.to_string()))?;
    Ok(CLIENT.get_or_init(|| client))
}

async fn discover(provider: &Provider) -> Result<CoreProviderMetadata, UpstreamError> {
    let issuer = IssuerUrl::new(provider.issuer.clone())
        .map_err(|e| UpstreamError::Configuration(e.to_string()))?;
    CoreProviderMetadata::discover_async(issuer, http_client()?)
        .await
        .map_err(|e| UpstreamError::Discovery(describe(&e)))
}

/// The error and its causes on one line.
fn describe(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.chars().take(300).collect()
}

fn client_for(
    provider: &Provider,
    metadata: CoreProviderMetadata,
    secret: &str,
    redirect_uri: &str,
) -> Result<
    CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    UpstreamError,
> {
    let redirect = RedirectUrl::new(redirect_uri.to_string())
        .map_err(|e| UpstreamError::Configuration(e.to_string()))?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(provider.client_id.clone()),
        Some(ClientSecret::new(secret.to_string())),
    )
    .set_redirect_uri(redirect))
}

/// Discovers the upstream and makes the authorization URL to send the browser to.
pub async fn start(
    provider: &Provider,
    secret: &str,
    redirect_uri: &str,
) -> Result<Started, UpstreamError> {
    let client = client_for(provider, discover(provider).await?, secret, redirect_uri)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let scopes = provider
        .scopes
        .split_whitespace()
        .map(|s| Scope::new(s.to_string()));
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scopes(scopes)
        .set_pkce_challenge(challenge)
        .url();
    Ok(Started {
        authorization_url: url.to_string(),
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
    })
}

/// Exchanges the code and returns the identity its verified ID token names.
pub async fn finish(
    provider: &Provider,
    secret: &str,
    redirect_uri: &str,
    code: &str,
    pkce_verifier: &str,
    nonce: &str,
) -> Result<Identity, UpstreamError> {
    let client = client_for(provider, discover(provider).await?, secret, redirect_uri)?;
    let response = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .map_err(|e| UpstreamError::Configuration(e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
        .request_async(http_client()?)
        .await
        .map_err(|e| UpstreamError::Exchange(describe(&e)))?;
    let id_token = response.id_token().ok_or(UpstreamError::NoIdToken)?;
    let expected_nonce = Nonce::new(nonce.to_string());
    let claims = id_token
        .claims(&client.id_token_verifier(), &expected_nonce)
        .map_err(|e| UpstreamError::IdToken(describe(&e)))?;
    Ok(Identity {
        subject: claims.subject().to_string(),
        email: claims.email().map(|e| e.to_string()),
        // Absent means not vouched for.
        email_verified: claims.email_verified().unwrap_or(false),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.to_string()),
        preferred_username: claims.preferred_username().map(|u| u.to_string()),
    })
}
