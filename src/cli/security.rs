//! `idp incidents` and `idp blocks`: the security monitoring's incidents and address blocks,
//! through the same operations as the console (audited as the CLI's operator).

use clap::Subcommand;

use super::{format_time, open, operator};
use crate::config::Config;
use crate::ops::security as ops;
use crate::store::{address_blocks, incidents, unix_now};
use crate::CommandError;

#[derive(Subcommand)]
pub enum IncidentsCommand {
    /// List incidents, the latest first: those not resolved, or all with --all.
    List {
        #[arg(long)]
        all: bool,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Acknowledge an incident: someone is looking into it.
    Ack { id: String },
    /// Resolve an incident; a later sighting opens a new one.
    Resolve { id: String },
}

#[derive(Subcommand)]
pub enum BlocksCommand {
    /// List the address blocks in force.
    List,
    /// Block an address or network (192.0.2.7, 192.0.2.0/24, 2001:db8::/64) on every node.
    Add {
        network: String,
        /// How long: seconds, or with m, h or d (90m, 12h, 7d).
        #[arg(long = "for", default_value = "1h")]
        duration: String,
        #[arg(long)]
        reason: String,
    },
    /// Lift the block of an address or network on every node.
    Remove { network: String },
}

pub fn run_incidents(config: &Config, cmd: IncidentsCommand) -> Result<(), CommandError> {
    let mut conn = open(config)?;
    let (id, state) = match cmd {
        IncidentsCommand::List { all, limit } => {
            println!(
                "{:<12} {:<20} {:<22} {:<8} {:>6} {:<18} {:<18} {:<24} STATE",
                "ID",
                "KIND",
                "SUBJECT",
                "SEVERITY",
                "COUNT",
                "FIRST SEEN",
                "LAST SEEN",
                "REMEDIATION"
            );
            for i in incidents::list(&mut conn, all, limit.clamp(1, 10_000))? {
                println!(
                    "{:<12} {:<20} {:<22} {:<8} {:>6} {:<18} {:<18} {:<24} {}",
                    i.id,
                    i.kind,
                    i.subject,
                    i.severity,
                    i.count,
                    format_time(i.first_seen),
                    format_time(i.last_seen),
                    remediation(&i),
                    i.state
                );
            }
            return Ok(());
        }
        IncidentsCommand::Ack { id } => (id, "acknowledged"),
        IncidentsCommand::Resolve { id } => (id, "resolved"),
    };
    let ctx = operator(config)?;
    let incident = ops::set_incident_state(&mut conn, &ctx, id.trim(), state)?;
    println!("incident {} is {}", incident.id, incident.state);
    Ok(())
}

pub fn run_blocks(config: &Config, cmd: BlocksCommand) -> Result<(), CommandError> {
    let mut conn = open(config)?;
    match cmd {
        BlocksCommand::List => {
            let now = unix_now();
            println!(
                "{:<24} {:<18} {:<16} {:<12} REASON",
                "NETWORK", "UNTIL", "BY", "INCIDENT"
            );
            for b in address_blocks::active(&mut conn, now)? {
                println!(
                    "{:<24} {:<18} {:<16} {:<12} {}",
                    b.network,
                    format_time(b.expires_at),
                    b.created_by,
                    b.incident_id.as_deref().unwrap_or("-"),
                    b.reason
                );
            }
        }
        BlocksCommand::Add {
            network,
            duration,
            reason,
        } => {
            let network = ops::parse_network(&network)?;
            let secs = ops::parse_duration(&duration)?;
            let ctx = operator(config)?;
            if ops::block(&mut conn, &ctx, &network, secs, &reason, None)? {
                println!("blocked {network} until {}", format_time(unix_now() + secs));
            } else {
                println!("{network} was blocked for as long already");
            }
        }
        BlocksCommand::Remove { network } => {
            let network = ops::parse_network(&network)?;
            ops::unblock(&mut conn, &operator(config)?, &network)?;
            println!("lifted the block of {network}");
        }
    }
    Ok(())
}

/// What was done about an incident, in one word: `-` (alerts only), else the remediation and
/// how many accounts it was applied to (`end_sessions:2`).
fn remediation(incident: &incidents::Incident) -> String {
    match incident.remediation.as_str() {
        "" => "-".into(),
        done => format!("{done}:{}", incident.remediated.split_whitespace().count()),
    }
}
