//! Dynamic client registration (RFC 7591, RFC 7592): initial access tokens an operator hands
//! to developers, and the clients they register, read, update and delete with them. Tokens are
//! shown once and kept as digests; every registration and every refusal is audited.

use super::{audited, missing, Context, OpsError};
use crate::client_registry::metadata::{self, Requested};
use crate::client_registry::{self, ClientEdit};
use crate::config::is_loopback_host;
use crate::crypto::kek::KeyEncryptionKey;
use crate::crypto::secrets::{hash_secret, random_id, random_token, verify_secret};
use crate::store::clients::{self, Client};
use crate::store::registration_tokens::{self, RegistrationToken, CLIENT, INITIAL};
use crate::store::{unix_now, AnyConnection};

/// What lets a registration in.
pub enum Admission<'a> {
    /// An initial access token an operator made (RFC 7591 §3).
    InitialToken(&'a str),
    /// No token: open registration, which the operator allows for native apps only.
    Open { allowed: bool },
}

/// A client just registered: its secret and registration access token are shown only now.
pub struct Registered {
    pub client: Client,
    pub secret: Option<String>,
    pub registration_access_token: String,
    pub auth_method: &'static str,
}

fn refused() -> OpsError {
    OpsError::Forbidden("the access token is invalid, expired or used up".into())
}

/// A native app (RFC 8252 §7.3): public, and redirected to this machine's loopback only.
fn is_native(requested: &Requested) -> bool {
    requested.client.public
        && requested.client.redirect_uris.iter().all(|uri| {
            url::Url::parse(uri)
                .map(|url| url.scheme() == "http" && is_loopback_host(&url))
                .unwrap_or(false)
        })
}

/// Makes an initial access token good for `uses` registrations (none: no limit) until
/// `ttl_secs` from now; returns its id and the token itself.
pub fn create_initial_token(
    conn: &mut AnyConnection,
    ctx: &Context,
    label: &str,
    uses: Option<i64>,
    ttl_secs: i64,
) -> Result<(String, String), OpsError> {
    let label = super::optional_text(label, "a token's label", 100)?.unwrap_or_default();
    if uses.is_some_and(|n| !(1..=100_000).contains(&n)) {
        return Err(OpsError::Invalid(
            "uses must be between 1 and 100000".into(),
        ));
    }
    if !(60..=366 * 86_400).contains(&ttl_secs) {
        return Err(OpsError::Invalid(
            "a token lasts between a minute and a year".into(),
        ));
    }
    audited(
        conn,
        ctx,
        "client_registration_token_create",
        "",
        |conn, event| {
            let (id, token) = (random_id::<8>(), format!("idpr_{}", random_token::<32>()));
            let now = unix_now();
            registration_tokens::insert(
                conn,
                &RegistrationToken {
                    id: id.clone(),
                    token_hash: hash_secret(&token),
                    kind: INITIAL.into(),
                    client_id: None,
                    label: label.clone(),
                    auth_method: None,
                    uses_left: uses,
                    expires_at: Some(now + ttl_secs),
                    created_by: ctx.actor.clone(),
                    created_at: now,
                },
            )?;
            event.target = id.clone();
            event.detail = match uses {
                Some(n) => format!("{n} uses, {ttl_secs}s"),
                None => format!("unlimited uses, {ttl_secs}s"),
            };
            Ok((id, token))
        },
    )
}

pub fn list_initial_tokens(conn: &mut AnyConnection) -> Result<Vec<RegistrationToken>, OpsError> {
    Ok(registration_tokens::list_initial(conn)?)
}

pub fn revoke_initial_token(
    conn: &mut AnyConnection,
    ctx: &Context,
    id: &str,
) -> Result<(), OpsError> {
    audited(
        conn,
        ctx,
        "client_registration_token_revoke",
        id,
        |conn, _| {
            registration_tokens::revoke_initial(conn, id).map_err(missing("registration token"))
        },
    )
}

/// Registers a client from its metadata, using up one use of the initial access token in the
/// same transaction (a refused registration uses none).
pub fn register(
    conn: &mut AnyConnection,
    ctx: &Context,
    kek: &KeyEncryptionKey,
    requested: Requested,
    admission: Admission,
) -> Result<Registered, OpsError> {
    if let Admission::Open { allowed } = admission {
        if !allowed || !is_native(&requested) {
            return Err(refused());
        }
    }
    audited(conn, ctx, "client_register_dynamic", "", |conn, event| {
        if let Admission::InitialToken(token) = admission {
            if !registration_tokens::use_initial(conn, &hash_secret(token), unix_now())? {
                return Err(refused());
            }
        }
        let auth_method = requested.auth_method;
        let (client, secret) = client_registry::register(conn, kek, requested.client, unix_now())?;
        let access_token = format!("idpm_{}", random_token::<32>());
        registration_tokens::insert(
            conn,
            &RegistrationToken {
                id: random_id::<8>(),
                token_hash: hash_secret(&access_token),
                kind: CLIENT.into(),
                client_id: Some(client.id.clone()),
                label: String::new(),
                auth_method: Some(auth_method.into()),
                uses_left: None,
                expires_at: None,
                created_by: ctx.actor.clone(),
                created_at: unix_now(),
            },
        )?;
        event.target = client.id.clone();
        event.detail = auth_method.into();
        Ok(Registered {
            client,
            secret,
            registration_access_token: access_token,
            auth_method,
        })
    })
}

/// The client `client_id` and its registered method, when `token` is its registration access
/// token (RFC 7592 §3: a token for another client is refused as an unknown one).
pub fn read(
    conn: &mut AnyConnection,
    client_id: &str,
    token: &str,
) -> Result<(Client, &'static str), OpsError> {
    let stored = registration_tokens::find_client_token(conn, &hash_secret(token))?
        .filter(|t| t.client_id.as_deref() == Some(client_id))
        .ok_or_else(refused)?;
    let client = clients::find(conn, client_id).map_err(missing("client"))?;
    let method = metadata::auth_method_of(&client, stored.auth_method.as_deref());
    Ok((client, method))
}

/// Replaces the client's metadata with `requested` (RFC 7592 §2.2). The credentials stay: the
/// authentication method and keys cannot change, and a `client_secret` sent along must be the
/// client's own.
pub fn update(
    conn: &mut AnyConnection,
    ctx: &Context,
    client_id: &str,
    token: &str,
    requested: Requested,
    client_secret: Option<&str>,
) -> Result<(Client, &'static str), OpsError> {
    audited(
        conn,
        ctx,
        "client_update_dynamic",
        client_id,
        |conn, event| {
            let (client, method) = read(conn, client_id, token)?;
            if requested.auth_method != method {
                return Err(OpsError::Invalid(
                    "token_endpoint_auth_method cannot change; register a new client".into(),
                ));
            }
            if requested.client.id_token_alg != client.id_token_alg {
                return Err(OpsError::Invalid(
                    "id_token_signed_response_alg cannot change; register a new client".into(),
                ));
            }
            if requested
                .client
                .jwks
                .as_ref()
                .is_some_and(|keys| *keys != client.jwks)
            {
                return Err(OpsError::Invalid(
                    "the keys cannot change; register a new client".into(),
                ));
            }
            let own_secret = client.secret_hash.as_deref().is_some_and(|hash| {
                client_secret.is_some_and(|secret| verify_secret(secret, hash))
            });
            if client_secret.is_some() && !own_secret {
                return Err(OpsError::Invalid(
                    "client_secret does not match the client's".into(),
                ));
            }
            let new = requested.client;
            let edit = ClientEdit {
                name: Some(new.name),
                redirect_uris: Some(new.redirect_uris),
                post_logout_redirect_uris: Some(new.post_logout_redirect_uris),
                grant_types: Some(new.grant_types),
                scopes: Some(new.scopes),
                audiences: None,
                allowed_origins: None,
                first_party: None,
                require_mfa: None,
                require_par: Some(new.require_par),
                require_dpop: Some(new.require_dpop),
                backchannel_logout_uri: Some(new.backchannel_logout_uri),
                backchannel_logout_session_required: Some(new.backchannel_logout_session_required),
                frontchannel_logout_uri: Some(new.frontchannel_logout_uri),
                frontchannel_logout_session_required: Some(
                    new.frontchannel_logout_session_required,
                ),
            };
            let (updated, changed) = client_registry::apply_edit(&client, edit)?;
            clients::update(conn, &updated).map_err(missing("client"))?;
            event.detail = changed.join(", ");
            Ok((updated, method))
        },
    )
}

/// Deletes the client (RFC 7592 §2.3); its grants, tokens and registration access token go too.
pub fn delete(
    conn: &mut AnyConnection,
    ctx: &Context,
    client_id: &str,
    token: &str,
) -> Result<(), OpsError> {
    audited(conn, ctx, "client_delete_dynamic", client_id, |conn, _| {
        read(conn, client_id, token)?;
        clients::remove(conn, client_id).map_err(missing("client"))
    })
}
