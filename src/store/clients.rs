use diesel::prelude::*;

use super::schema::clients;
use super::users::expect_one;
use super::{AnyConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = clients)]
pub struct Client {
    pub id: String,
    pub name: String,
    /// `None` for a public client (PKCE, no secret). Otherwise a fast keyed hash: client
    /// secrets are high-entropy random values, so a slow password hash would only cost capacity.
    pub secret_hash: Option<String>,
    /// JSON array of exact absolute redirect URIs.
    pub redirect_uris: String,
    /// Space-separated grant types the client may use.
    pub grant_types: String,
    /// Space-separated scopes the client may request.
    pub scopes: String,
    /// Space-separated audiences (resource indicators) the client may obtain tokens for.
    pub audiences: String,
    pub created_at: i64,
    /// JSON array of exact URIs a relying party may send people to after logout.
    pub post_logout_redirect_uris: String,
    /// Trusted clients of the same operator: people are not asked for consent.
    pub first_party: bool,
    /// A JWK Set (JSON) of the client's public keys for `private_key_jwt`; empty otherwise.
    pub jwks: String,
    /// After a secret rotation, the old secret's digest, accepted until it expires.
    pub previous_secret_hash: Option<String>,
    pub previous_secret_expires_at: Option<i64>,
    /// How this client's ID tokens are signed: RS256, ES256 or EdDSA.
    pub id_token_alg: String,
    /// People must sign in with a second factor to use this client.
    pub require_mfa: bool,
    pub require_par: bool,
    pub require_dpop: bool,
    /// Space-separated web origins allowed to call the protocol endpoints from a browser,
    /// besides the origins of the redirect URIs (see [`Client::web_origins`]).
    pub allowed_origins: String,
    /// Only for `client_secret_jwt`: the secret sealed with the KEK (bound to the client id),
    /// since checking an HMAC needs the secret itself. `None` for every other client.
    pub sealed_secret: Option<String>,
    /// After a rotation of such a client's secret, the old one sealed, accepted as long as
    /// [`Client::previous_secret_expires_at`] says.
    pub previous_sealed_secret: Option<String>,
    /// Where logout tokens are posted (Back-Channel Logout 1.0); `None`: no back-channel logout.
    pub backchannel_logout_uri: Option<String>,
    pub backchannel_logout_session_required: bool,
    /// What the signed-out page loads in an iframe (Front-Channel Logout 1.0).
    pub frontchannel_logout_uri: Option<String>,
    /// `iss` and `sid` are added to the front-channel logout URI.
    pub frontchannel_logout_session_required: bool,
}

/// How a client proves who it is at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// `client_secret_basic` or `client_secret_post`.
    Secret,
    /// `client_secret_jwt`: an HS256 assertion keyed with the secret (RFC 7523 §2.2).
    SecretJwt,
    PrivateKeyJwt,
    /// A public client: PKCE instead of a credential.
    None,
}

impl AuthMethod {
    /// The RFC 7591 `token_endpoint_auth_method` value (a secret may also be posted).
    pub fn registered_name(self) -> &'static str {
        match self {
            AuthMethod::Secret => "client_secret_basic",
            AuthMethod::SecretJwt => "client_secret_jwt",
            AuthMethod::PrivateKeyJwt => "private_key_jwt",
            AuthMethod::None => "none",
        }
    }
}

impl Client {
    pub fn is_public(&self) -> bool {
        self.auth_method() == AuthMethod::None
    }

    pub fn auth_method(&self) -> AuthMethod {
        if self.sealed_secret.is_some() {
            AuthMethod::SecretJwt
        } else if self.secret_hash.is_some() {
            AuthMethod::Secret
        } else if !self.jwks.is_empty() {
            AuthMethod::PrivateKeyJwt
        } else {
            AuthMethod::None
        }
    }

    /// Whether the secret replaced by the last rotation is still accepted (its overlap lasts).
    pub fn previous_secret_accepted(&self, now: i64) -> bool {
        self.previous_secret_expires_at
            .is_some_and(|until| until > now)
    }

    pub fn redirect_uri_list(&self) -> Result<Vec<String>, StoreError> {
        json_list(&self.id, &self.redirect_uris)
    }

    pub fn post_logout_redirect_uri_list(&self) -> Result<Vec<String>, StoreError> {
        json_list(&self.id, &self.post_logout_redirect_uris)
    }

    pub fn allows_grant(&self, grant: &str) -> bool {
        self.grant_types.split_whitespace().any(|g| g == grant)
    }

    pub fn scope_list(&self) -> Vec<&str> {
        self.scopes.split_whitespace().collect()
    }

    pub fn audience_list(&self) -> Vec<&str> {
        self.audiences.split_whitespace().collect()
    }

    pub fn allowed_origin_list(&self) -> Vec<&str> {
        self.allowed_origins.split_whitespace().collect()
    }

    /// The web origins a browser may call the protocol endpoints from for this client: those
    /// of its redirect URIs and its registered allowed origins (ASCII serialisation, no slash).
    pub fn web_origins(&self) -> Vec<String> {
        let mut origins: Vec<String> = self
            .redirect_uri_list()
            .unwrap_or_default()
            .iter()
            .filter_map(|uri| url::Url::parse(uri).ok())
            .map(|url| url.origin())
            .filter(|origin| origin.is_tuple())
            .map(|origin| origin.ascii_serialization())
            .chain(self.allowed_origin_list().into_iter().map(String::from))
            .collect();
        origins.sort();
        origins.dedup();
        origins
    }

    /// The front-channel logout URL for the session `sid`: the registered URI, with `iss` and
    /// `sid` added to its query when the client asked for them (Front-Channel Logout §2).
    pub fn frontchannel_logout_url(&self, issuer: &str, sid: &str) -> Option<url::Url> {
        let mut url = url::Url::parse(self.frontchannel_logout_uri.as_deref()?).ok()?;
        if self.frontchannel_logout_session_required {
            url.query_pairs_mut()
                .append_pair("iss", issuer)
                .append_pair("sid", sid);
        }
        Some(url)
    }

    pub fn allows_origin(&self, origin: &str) -> bool {
        self.web_origins().iter().any(|o| o == origin)
    }
}

fn json_list(client_id: &str, json: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(json)
        .map_err(|e| StoreError::Corrupt(format!("client {client_id} URI list: {e}")))
}

pub fn insert(conn: &mut AnyConnection, client: &Client) -> Result<(), StoreError> {
    diesel::insert_into(clients::table)
        .values(client)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut AnyConnection, id: &str) -> Result<Client, StoreError> {
    Ok(clients::table
        .find(id)
        .select(Client::as_select())
        .first(conn)?)
}

pub fn count(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(clients::table.count().get_result(conn)?)
}

pub fn list(conn: &mut AnyConnection) -> Result<Vec<Client>, StoreError> {
    Ok(clients::table
        .select(Client::as_select())
        .order(clients::id.asc())
        .load(conn)?)
}

/// Replaces the secret (its digest, and for `client_secret_jwt` its sealed form); the old one
/// keeps working until `previous_expires_at`.
pub fn rotate_secret(
    conn: &mut AnyConnection,
    id: &str,
    new_hash: &str,
    new_sealed: Option<&str>,
    previous_expires_at: i64,
) -> Result<(), StoreError> {
    super::write_transaction(conn, |conn| {
        let client = find(conn, id)?;
        let changed = diesel::update(clients::table.find(id))
            .set((
                clients::secret_hash.eq(new_hash),
                clients::previous_secret_hash.eq(client.secret_hash),
                clients::sealed_secret.eq(new_sealed),
                clients::previous_sealed_secret.eq(client.sealed_secret),
                clients::previous_secret_expires_at.eq(previous_expires_at),
            ))
            .execute(conn)?;
        expect_one(changed)
    })
}

pub fn remove(conn: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
    expect_one(diesel::delete(clients::table.find(id)).execute(conn)?)
}

/// Saves a client's editable settings (name, URIs, origins, grants, scopes, audiences, flags); its id,
/// credentials and creation time stay.
pub fn update(conn: &mut AnyConnection, client: &Client) -> Result<(), StoreError> {
    let changed = diesel::update(clients::table.find(&client.id))
        .set((
            clients::name.eq(&client.name),
            clients::redirect_uris.eq(&client.redirect_uris),
            clients::post_logout_redirect_uris.eq(&client.post_logout_redirect_uris),
            clients::grant_types.eq(&client.grant_types),
            clients::scopes.eq(&client.scopes),
            clients::audiences.eq(&client.audiences),
            clients::first_party.eq(client.first_party),
            clients::require_mfa.eq(client.require_mfa),
            clients::require_par.eq(client.require_par),
            clients::require_dpop.eq(client.require_dpop),
            clients::allowed_origins.eq(&client.allowed_origins),
            clients::backchannel_logout_uri.eq(&client.backchannel_logout_uri),
            clients::backchannel_logout_session_required
                .eq(client.backchannel_logout_session_required),
            clients::frontchannel_logout_uri.eq(&client.frontchannel_logout_uri),
            clients::frontchannel_logout_session_required
                .eq(client.frontchannel_logout_session_required),
        ))
        .execute(conn)?;
    expect_one(changed)
}

/// Whether any client may call from `origin`: what a CORS preflight, which names no client, is
/// allowed on. Read from the store each time, so a change made on another node counts at once.
pub fn any_allows_origin(conn: &mut AnyConnection, origin: &str) -> Result<bool, StoreError> {
    Ok(list(conn)?
        .iter()
        .any(|client| client.allows_origin(origin)))
}
