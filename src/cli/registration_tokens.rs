//! `idp client registration-token`: the initial access tokens developers register clients with
//! at `/register` (RFC 7591 §3), made and revoked by an operator.

use clap::Subcommand;

use super::{format_time, open, operator};
use crate::config::Config;
use crate::ops::dynamic_clients;
use crate::CommandError;

#[derive(Subcommand)]
pub enum RegistrationTokenCommand {
    /// Make an initial access token; it is printed once and stored only as a digest.
    Create {
        /// What the token is for (shown in the list).
        #[arg(long, default_value = "")]
        label: String,
        /// How many clients it may register; no limit when omitted.
        #[arg(long)]
        uses: Option<i64>,
        /// Hours it lasts (default: client_registration.initial_token_ttl_hours).
        #[arg(long = "ttl-hours")]
        ttl_hours: Option<i64>,
    },
    /// List initial access tokens.
    List,
    /// Revoke an initial access token; clients registered with it stay.
    Revoke { id: String },
}

pub fn run(config: &Config, cmd: RegistrationTokenCommand) -> Result<(), CommandError> {
    let mut conn = open(config)?;
    let ctx = operator(config)?;
    match cmd {
        RegistrationTokenCommand::Create {
            label,
            uses,
            ttl_hours,
        } => {
            let hours =
                ttl_hours.unwrap_or(config.settings.client_registration.initial_token_ttl_hours);
            let ttl_secs = hours.saturating_mul(3600);
            let (id, token) =
                dynamic_clients::create_initial_token(&mut conn, &ctx, &label, uses, ttl_secs)?;
            println!("id: {id}");
            println!("initial_access_token: {token}");
            println!("(shown once; send it as a Bearer token to POST /register)");
            if !config.settings.client_registration.enabled {
                println!("note: client_registration.enabled is off: /register answers 404");
            }
        }
        RegistrationTokenCommand::List => {
            println!(
                "{:<10} {:<24} {:<10} {:<20} CREATED BY",
                "ID", "LABEL", "USES LEFT", "EXPIRES"
            );
            for t in dynamic_clients::list_initial_tokens(&mut conn)? {
                println!(
                    "{:<10} {:<24} {:<10} {:<20} {}",
                    t.id,
                    t.label,
                    t.uses_left
                        .map_or("unlimited".to_string(), |n| n.to_string()),
                    t.expires_at.map(format_time).unwrap_or_default(),
                    t.created_by
                );
            }
        }
        RegistrationTokenCommand::Revoke { id } => {
            dynamic_clients::revoke_initial_token(&mut conn, &ctx, &id)?;
            println!("revoked registration token {id}");
        }
    }
    Ok(())
}
