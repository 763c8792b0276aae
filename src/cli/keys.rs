use clap::Subcommand;

use super::{format_time, open, operator};
use crate::config::Config;
use crate::crypto::keys::SigningAlg;
use crate::serve::load_kek;
use crate::store::{keys as stored_keys, unix_now};
use crate::CommandError;

#[derive(Subcommand)]
pub enum KeysCommand {
    /// List signing keys and their state.
    List,
    /// Create new signing keys; the old ones stay published until their tokens have expired.
    Rotate {
        /// Only this algorithm (RS256, ES256 or EdDSA); all when omitted.
        #[arg(long)]
        alg: Option<String>,
    },
}

pub fn run(config: &Config, cmd: KeysCommand) -> Result<(), CommandError> {
    let mut conn = open(config)?;
    let now = unix_now();
    match cmd {
        KeysCommand::List => {
            println!("{:<18} {:<6} {:<18} STATE", "KID", "ALG", "CREATED");
            for key in stored_keys::all(&mut conn)? {
                let state = match key.retired_at {
                    _ if key.activates_at > now => {
                        format!("published, signing from {}", format_time(key.activates_at))
                    }
                    None => "signing".to_string(),
                    Some(at) if at > now => format!("published until {}", format_time(at)),
                    Some(_) => "retired".to_string(),
                };
                println!(
                    "{:<18} {:<6} {:<18} {state}",
                    key.kid,
                    key.alg,
                    format_time(key.created_at)
                );
            }
        }
        KeysCommand::Rotate { alg } => {
            let algs = match alg {
                Some(name) => vec![SigningAlg::parse(&name).ok_or_else(|| {
                    CommandError(format!(
                        "unknown algorithm {name:?}: use RS256, ES256 or EdDSA"
                    ))
                })?],
                None => SigningAlg::ALL.to_vec(),
            };
            let kek = load_kek(config)?;
            let timing = config.rotation_timing();
            let ctx = operator(config)?;
            for key in crate::ops::keys::rotate(&mut conn, &ctx, &kek, &algs, timing)? {
                println!(
                    "new {} key {} (published now, signing from {})",
                    key.alg,
                    key.kid,
                    format_time(key.activates_at)
                );
            }
            println!(
                "previous keys stay published until {}",
                format_time(now + timing.publish_lead + timing.retire_after)
            );
        }
    }
    Ok(())
}
