//! A client to start tests from.

use super::NewClient;

impl NewClient {
    /// A confidential web client of app.example.com with nothing else set, for tests.
    pub(crate) fn example() -> NewClient {
        NewClient {
            id: None,
            name: "App".into(),
            public: false,
            redirect_uris: vec!["https://app.example.com/cb".into()],
            post_logout_redirect_uris: Vec::new(),
            first_party: false,
            grant_types: vec!["authorization_code".into()],
            scopes: vec!["openid".into()],
            audiences: Vec::new(),
            allowed_origins: Vec::new(),
            jwks: None,
            secret_jwt: false,
            id_token_alg: "RS256".into(),
            require_mfa: false,
            require_par: false,
            require_dpop: false,
            backchannel_logout_uri: None,
            backchannel_logout_session_required: false,
            frontchannel_logout_uri: None,
            frontchannel_logout_session_required: false,
        }
    }
}
