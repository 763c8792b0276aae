use clap::Subcommand;

use super::{format_time, open, operator};
use crate::config::Config;
use crate::ops;
use crate::upstream::NewProvider;
use crate::CommandError;

#[derive(Subcommand)]
pub enum UpstreamCommand {
    /// Register an upstream OpenID Connect provider people may sign in with. The client
    /// secret is read from standard input (never the command line) and stored sealed.
    Add {
        /// A short id (a-z, 0-9, -), part of our callback URL.
        id: String,
        /// The issuer URL: https (http only on loopback); its discovery document must name it.
        #[arg(long)]
        issuer: String,
        /// The client id this provider is registered as at the upstream.
        #[arg(long = "client-id")]
        client_id: String,
        /// The name on the login page's button.
        #[arg(long = "display-name")]
        display_name: String,
        /// An https URL of an icon for the button.
        #[arg(long = "icon-url")]
        icon_url: Option<String>,
        /// A scope to request besides openid (repeatable).
        #[arg(long = "scope", default_values_t = ["email".to_string(), "profile".to_string()])]
        scopes: Vec<String>,
        /// How an upstream identity finds its account: linked (only links made beforehand),
        /// email (link by an email the upstream says is verified) or create (a new account).
        #[arg(long, default_value = "linked")]
        matching: String,
    },
    /// List the upstream providers.
    List,
    /// Remove an upstream provider and the links of accounts with it.
    Remove { id: String },
    /// Link an account to an upstream identity (its `sub` at that provider).
    Link {
        id: String,
        /// The account: username, email or id.
        user: String,
        /// The upstream's `sub` for that person.
        subject: String,
    },
}

pub fn run(config: &Config, cmd: UpstreamCommand) -> Result<(), CommandError> {
    let mut conn = open(config)?;
    let ctx = operator(config)?;
    match cmd {
        UpstreamCommand::Add {
            id,
            issuer,
            client_id,
            display_name,
            icon_url,
            scopes,
            matching,
        } => {
            let client_secret = super::read_secret("Client secret: ")?;
            let kek = crate::serve::load_kek(config)?;
            let new = NewProvider {
                id,
                display_name,
                icon_url,
                issuer,
                client_id,
                client_secret,
                scopes,
                matching,
            };
            let provider = ops::upstream::add(&mut conn, &ctx, &kek, new)?;
            println!("added upstream provider {}", provider.id);
            println!("callback URL: {}", crate::upstream::callback_url(config));
        }
        UpstreamCommand::List => {
            println!(
                "{:<16} {:<20} {:<8} {:<40} CREATED",
                "ID", "NAME", "MATCHING", "ISSUER"
            );
            for p in ops::upstream::list(&mut conn)? {
                println!(
                    "{:<16} {:<20} {:<8} {:<40} {}",
                    p.id,
                    p.display_name,
                    p.matching,
                    p.issuer,
                    format_time(p.created_at)
                );
            }
        }
        UpstreamCommand::Remove { id } => {
            ops::upstream::remove(&mut conn, &ctx, &id)?;
            println!("removed upstream provider {id}");
        }
        UpstreamCommand::Link { id, user, subject } => {
            let link = ops::upstream::link(&mut conn, &ctx, &id, &user, &subject)?;
            println!("linked user {} to {} at {}", link.user_id, link.subject, id);
        }
    }
    Ok(())
}
