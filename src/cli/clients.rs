use clap::Subcommand;

use super::{format_time, open, operator};
use crate::client_registry::{ClientEdit, NewClient};
use crate::config::Config;
use crate::ops;
use crate::store::{clients, unix_now};
use crate::CommandError;

#[derive(Subcommand)]
pub enum ClientCommand {
    /// Register a client. A confidential client's secret is printed once and stored only hashed.
    Add {
        /// Display name shown to people.
        #[arg(long)]
        name: String,
        /// Client id; random when omitted.
        #[arg(long)]
        id: Option<String>,
        /// A public client (browser or native app): no secret, PKCE required.
        #[arg(long)]
        public: bool,
        /// An exact redirect URI (repeatable): absolute, https unless loopback.
        #[arg(long = "redirect-uri")]
        redirect_uris: Vec<String>,
        /// An exact URI people may be sent to after logout (repeatable).
        #[arg(long = "post-logout-redirect-uri")]
        post_logout_redirect_uris: Vec<String>,
        /// A client of this operator's own: people are not asked for consent.
        #[arg(long)]
        first_party: bool,
        /// A grant type (repeatable): authorization_code, refresh_token, client_credentials,
        /// urn:ietf:params:oauth:grant-type:device_code.
        #[arg(long = "grant", default_values_t = ["authorization_code".to_string(), "refresh_token".to_string()])]
        grant_types: Vec<String>,
        /// A scope the client may request (repeatable).
        #[arg(long = "scope", default_values_t = ["openid".to_string(), "profile".to_string(), "email".to_string()])]
        scopes: Vec<String>,
        /// An audience (resource indicator URI) the client may get tokens for (repeatable).
        #[arg(long = "audience")]
        audiences: Vec<String>,
        /// A web origin (scheme://host[:port]) a browser app may call the token, userinfo,
        /// revoke and logout endpoints from, besides the redirect URIs' origins (repeatable).
        #[arg(long = "allowed-origin")]
        allowed_origins: Vec<String>,
        /// A file with the client's JWK Set (public keys): it then authenticates with
        /// private_key_jwt instead of a secret.
        #[arg(long = "jwks-file", conflicts_with_all = ["public", "client_secret_jwt"])]
        jwks_file: Option<std::path::PathBuf>,
        /// The client signs HS256 assertions with its secret (client_secret_jwt, RFC 7523)
        /// instead of sending it; the secret is then also kept sealed with the KEK.
        #[arg(long, conflicts_with = "public")]
        client_secret_jwt: bool,
        /// How its ID tokens are signed: RS256, ES256 or EdDSA.
        #[arg(long = "id-token-alg", default_value = "RS256")]
        id_token_alg: String,
        /// People must sign in with a second factor (TOTP) to use this client.
        #[arg(long)]
        require_mfa: bool,
        /// Authorization requests must come through /par first (RFC 9126).
        #[arg(long)]
        require_par: bool,
        /// Token requests must carry a DPoP proof (RFC 9449): every token is bound to the client's key.
        #[arg(long)]
        require_dpop: bool,
        /// Where logout tokens are posted when a session the client took part in ends
        /// (OpenID Connect Back-Channel Logout): absolute, https unless loopback.
        #[arg(long)]
        backchannel_logout_uri: Option<String>,
        /// The client requires `sid` in its logout tokens (they always carry it).
        #[arg(long)]
        backchannel_logout_session_required: bool,
        /// What the signed-out page loads in a hidden iframe (OpenID Connect Front-Channel
        /// Logout): absolute, https unless loopback.
        #[arg(long)]
        frontchannel_logout_uri: Option<String>,
        /// Add `iss` and `sid` to the front-channel logout URI.
        #[arg(long)]
        frontchannel_logout_session_required: bool,
    },
    /// Change a client's settings; what is not given stays. A repeatable option given at
    /// least once replaces the whole list; --no-… empties it.
    Edit {
        id: String,
        /// Display name shown to people.
        #[arg(long)]
        name: Option<String>,
        /// An exact redirect URI (repeatable): the new list.
        #[arg(long = "redirect-uri", conflicts_with = "no_redirect_uris")]
        redirect_uris: Vec<String>,
        /// Remove every redirect URI.
        #[arg(long)]
        no_redirect_uris: bool,
        /// A post-logout redirect URI (repeatable): the new list.
        #[arg(
            long = "post-logout-redirect-uri",
            conflicts_with = "no_post_logout_redirect_uris"
        )]
        post_logout_redirect_uris: Vec<String>,
        /// Remove every post-logout redirect URI.
        #[arg(long)]
        no_post_logout_redirect_uris: bool,
        /// A grant type (repeatable): the new list.
        #[arg(long = "grant")]
        grant_types: Vec<String>,
        /// A scope (repeatable): the new list.
        #[arg(long = "scope", conflicts_with = "no_scopes")]
        scopes: Vec<String>,
        /// Remove every scope.
        #[arg(long)]
        no_scopes: bool,
        /// An audience (repeatable): the new list.
        #[arg(long = "audience", conflicts_with = "no_audiences")]
        audiences: Vec<String>,
        /// Remove every audience.
        #[arg(long)]
        no_audiences: bool,
        /// An allowed web origin (repeatable): the new list.
        #[arg(long = "allowed-origin", conflicts_with = "no_allowed_origins")]
        allowed_origins: Vec<String>,
        /// Remove every allowed origin (the redirect URIs' origins stay allowed).
        #[arg(long)]
        no_allowed_origins: bool,
        /// true: people are not asked for consent; false: they are.
        #[arg(long)]
        first_party: Option<bool>,
        /// true: people must sign in with a second factor to use this client.
        #[arg(long)]
        require_mfa: Option<bool>,
        /// true: authorization requests must come through /par first (RFC 9126).
        #[arg(long)]
        require_par: Option<bool>,
        /// true: token requests must carry a DPoP proof (RFC 9449).
        #[arg(long)]
        require_dpop: Option<bool>,
        /// Where logout tokens are posted (OpenID Connect Back-Channel Logout).
        #[arg(long, conflicts_with = "no_backchannel_logout_uri")]
        backchannel_logout_uri: Option<String>,
        /// Post no logout tokens to this client.
        #[arg(long)]
        no_backchannel_logout_uri: bool,
        /// true: the client requires `sid` in its logout tokens.
        #[arg(long)]
        backchannel_logout_session_required: Option<bool>,
        /// What the signed-out page loads in a hidden iframe (OpenID Connect Front-Channel Logout).
        #[arg(long, conflicts_with = "no_frontchannel_logout_uri")]
        frontchannel_logout_uri: Option<String>,
        /// Load no front-channel logout iframe for this client.
        #[arg(long)]
        no_frontchannel_logout_uri: bool,
        /// true: add `iss` and `sid` to the front-channel logout URI.
        #[arg(long)]
        frontchannel_logout_session_required: Option<bool>,
    },
    /// Give a confidential client a new secret; the old one keeps working for the overlap.
    RotateSecret {
        id: String,
        /// Seconds the old secret stays valid.
        #[arg(long = "overlap-secs", default_value_t = 86_400)]
        overlap_secs: i64,
    },
    /// List clients.
    List,
    /// Remove a client.
    Remove { id: String },
    /// Initial access tokens for dynamic client registration (RFC 7591).
    #[command(subcommand)]
    RegistrationToken(super::registration_tokens::RegistrationTokenCommand),
}

/// A single optional value: given sets it, `--no-…` removes it, else unchanged.
fn value_edit(value: Option<String>, clear: bool) -> Option<Option<String>> {
    match (value, clear) {
        (Some(value), _) => Some(Some(value)),
        (None, true) => Some(None),
        (None, false) => None,
    }
}

/// A list option: given at least once replaces the list, `--no-…` empties it, else unchanged.
fn list_edit(values: Vec<String>, clear: bool) -> Option<Vec<String>> {
    (clear || !values.is_empty()).then_some(values)
}

pub fn run(config: &Config, cmd: ClientCommand) -> Result<(), CommandError> {
    let mut conn = open(config)?;
    let ctx = operator(config)?;
    match cmd {
        ClientCommand::Add {
            name,
            id,
            public,
            redirect_uris,
            post_logout_redirect_uris,
            first_party,
            grant_types,
            scopes,
            audiences,
            allowed_origins,
            jwks_file,
            client_secret_jwt,
            id_token_alg,
            require_mfa,
            require_par,
            require_dpop,
            backchannel_logout_uri,
            backchannel_logout_session_required,
            frontchannel_logout_uri,
            frontchannel_logout_session_required,
        } => {
            let jwks = jwks_file
                .map(|path| {
                    std::fs::read_to_string(&path)
                        .map_err(|e| CommandError(format!("cannot read {}: {e}", path.display())))
                })
                .transpose()?;
            let new = NewClient {
                id,
                name,
                public,
                redirect_uris,
                post_logout_redirect_uris,
                first_party,
                grant_types,
                scopes,
                audiences,
                allowed_origins,
                jwks,
                secret_jwt: client_secret_jwt,
                id_token_alg,
                require_mfa,
                require_par,
                require_dpop,
                backchannel_logout_uri,
                backchannel_logout_session_required,
                frontchannel_logout_uri,
                frontchannel_logout_session_required,
            };
            let kek = crate::serve::load_kek(config)?;
            let (client, secret) = ops::clients::register(&mut conn, &ctx, &kek, new)?;
            println!("client_id: {}", client.id);
            match secret {
                Some(secret) if client.sealed_secret.is_some() => {
                    println!("client_secret: {secret}");
                    println!("(shown once; it signs HS256 client assertions: client_secret_jwt)");
                }
                Some(secret) => {
                    println!("client_secret: {secret}");
                    println!("(the secret is shown once; it is stored only as a hash)");
                }
                None if client.is_public() => {
                    println!("public client: no secret, PKCE (S256) required")
                }
                None => println!("authenticates with private_key_jwt (RFC 7523)"),
            }
        }
        ClientCommand::Edit {
            id,
            name,
            redirect_uris,
            no_redirect_uris,
            post_logout_redirect_uris,
            no_post_logout_redirect_uris,
            grant_types,
            scopes,
            no_scopes,
            audiences,
            no_audiences,
            allowed_origins,
            no_allowed_origins,
            first_party,
            require_mfa,
            require_par,
            require_dpop,
            backchannel_logout_uri,
            no_backchannel_logout_uri,
            backchannel_logout_session_required,
            frontchannel_logout_uri,
            no_frontchannel_logout_uri,
            frontchannel_logout_session_required,
        } => {
            let edit = ClientEdit {
                name,
                redirect_uris: list_edit(redirect_uris, no_redirect_uris),
                post_logout_redirect_uris: list_edit(
                    post_logout_redirect_uris,
                    no_post_logout_redirect_uris,
                ),
                grant_types: list_edit(grant_types, false),
                scopes: list_edit(scopes, no_scopes),
                audiences: list_edit(audiences, no_audiences),
                allowed_origins: list_edit(allowed_origins, no_allowed_origins),
                first_party,
                require_mfa,
                require_par,
                require_dpop,
                backchannel_logout_uri: value_edit(
                    backchannel_logout_uri,
                    no_backchannel_logout_uri,
                ),
                backchannel_logout_session_required,
                frontchannel_logout_uri: value_edit(
                    frontchannel_logout_uri,
                    no_frontchannel_logout_uri,
                ),
                frontchannel_logout_session_required,
            };
            let client = ops::clients::edit(&mut conn, &ctx, &id, edit)?;
            println!(
                "updated client {}: name {:?}, redirect URIs {}, grants {}, scopes {}, audiences {}, web origins {}, first party {}",
                client.id,
                client.name,
                client.redirect_uri_list().unwrap_or_default().join(" "),
                client.grant_types,
                client.scopes,
                client.audiences,
                client.web_origins().join(" "),
                client.first_party
            );
            println!(
                "back-channel logout {} (sid required: {}), front-channel logout {} (iss and sid: {})",
                client.backchannel_logout_uri.as_deref().unwrap_or("-"),
                client.backchannel_logout_session_required,
                client.frontchannel_logout_uri.as_deref().unwrap_or("-"),
                client.frontchannel_logout_session_required
            );
        }
        ClientCommand::List => {
            println!(
                "{:<20} {:<24} {:<20} {:<40} CREATED",
                "ID", "NAME", "AUTHENTICATION", "GRANTS"
            );
            for c in clients::list(&mut conn)? {
                println!(
                    "{:<20} {:<24} {:<20} {:<40} {}",
                    c.id,
                    c.name,
                    c.auth_method().registered_name(),
                    c.grant_types,
                    format_time(c.created_at)
                );
            }
        }
        ClientCommand::RotateSecret { id, overlap_secs } => {
            let kek = crate::serve::load_kek(config)?;
            let secret = ops::clients::rotate_secret(&mut conn, &ctx, &kek, &id, overlap_secs)?;
            println!("client_secret: {secret}");
            println!(
                "(shown once; the previous secret stays valid until {})",
                format_time(unix_now() + overlap_secs)
            );
        }
        ClientCommand::Remove { id } => {
            ops::clients::remove(&mut conn, &ctx, &id)?;
            println!("removed client {id}");
        }
        ClientCommand::RegistrationToken(cmd) => {
            drop(conn);
            super::registration_tokens::run(config, cmd)?;
        }
    }
    Ok(())
}
