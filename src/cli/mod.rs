//! The operator's command line, in the same binary as the server.

mod clients;
mod email;
mod keys;
mod purge;
mod registration_tokens;
mod security;
mod seed;
mod upstream;
mod users;

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::store::{self, audit, AnyConnection};
use crate::CommandError;

#[derive(Parser)]
#[command(
    name = "idp",
    version,
    about = "OpenID Connect / OAuth 2.0 identity provider"
)]
pub struct Cli {
    /// A TOML configuration file (also IDP_CONFIG); IDP_* environment variables override it.
    #[arg(long, global = true, env = "IDP_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the provider (creates schema, keys and a first admin on first start).
    Serve,
    /// Apply pending database migrations.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(users::UserCommand),
    /// Manage relying parties and machine clients.
    #[command(subcommand)]
    Client(clients::ClientCommand),
    /// Manage signing keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Upstream identity providers people may sign in with.
    #[command(subcommand)]
    Upstream(upstream::UpstreamCommand),
    /// Outbound mail.
    #[command(subcommand)]
    Email(email::EmailCommand),
    /// The tamper-evident audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Security incidents the monitoring opened: list, acknowledge, resolve.
    #[command(subcommand)]
    Incidents(security::IncidentsCommand),
    /// Address blocks shared by every node: list, add, remove.
    #[command(subcommand)]
    Blocks(security::BlocksCommand),
    /// Fill a fresh store with synthetic data for scale measurements (docs/benchmarks.md).
    Seed(seed::SeedArgs),
    /// Remove expired rows now, in short batches (the server does it every 10 minutes).
    Purge,
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the MAC chain; names the first entry that was altered, removed or reordered.
    Verify,
    /// Show the latest entries.
    List {
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
}

pub fn run(cli: Cli) -> Result<(), CommandError> {
    let config = Config::load(cli.config.as_deref(), std::env::vars())?;
    match cli.command {
        Command::Serve => crate::serve::run(config),
        Command::Migrate => {
            crate::serve::prepare_data_dir(&config)?;
            let mut conn = store::connect(&config.database)?;
            let shown = std::io::stderr().is_terminal();
            let applied = store::migrate_reporting(&mut conn, |name, took| {
                if shown {
                    eprintln!("migration {name}: {:.1} s", took.as_secs_f64());
                }
            })?;
            let kek = crate::serve::load_kek(&config)?;
            let encrypted = crate::serve::encrypt_personal_data(&mut conn, &kek)?;
            println!(
                "{applied} migration(s) applied to {}; personal data encrypted in {} row(s)",
                config.database.describe(),
                encrypted.total()
            );
            if encrypted.total() > 0 && !encrypted.compacted {
                eprintln!(
                    "warning: the replaced plaintext could not be rewritten away (the database \
                     is busy): run VACUUM (SQLite) or VACUUM FULL users (PostgreSQL) later"
                );
            }
            Ok(())
        }
        Command::User(cmd) => users::run(&config, cmd),
        Command::Client(cmd) => clients::run(&config, cmd),
        Command::Keys(cmd) => keys::run(&config, cmd),
        Command::Upstream(cmd) => upstream::run(&config, cmd),
        Command::Email(cmd) => email::run(&config, cmd),
        Command::Audit(cmd) => audit_command(&config, cmd),
        Command::Incidents(cmd) => security::run_incidents(&config, cmd),
        Command::Blocks(cmd) => security::run_blocks(&config, cmd),
        Command::Seed(args) => seed::run(&config, args),
        Command::Purge => purge::run(&config),
    }
}

fn audit_key(config: &Config) -> Result<[u8; 32], CommandError> {
    Ok(crate::serve::load_kek(config)?.derive(crate::state::AUDIT_KEY_LABEL))
}

/// The operator as an actor of operations: `cli:<os user>`, audited with the server's key.
fn operator(config: &Config) -> Result<crate::ops::Context, CommandError> {
    Ok(crate::ops::Context::cli(audit_key(config)?))
}

/// `audit verify`, a page at a time, with a progress line on a terminal (none otherwise): the
/// entries checked, and how many a second. Returns the count and the rate.
fn verify_with_progress(
    conn: &mut crate::store::AnyConnection,
    key: &[u8],
) -> Result<Result<(i64, u64), i64>, CommandError> {
    let total = audit::count(conn)?;
    let shown = std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    let rate = |checked: i64| (checked as f64 / started.elapsed().as_secs_f64().max(1e-3)) as u64;
    let outcome = audit::verify_after(conn, key, audit::Checkpoint::genesis(), |checked| {
        if shown {
            eprint!(
                "\raudit verify: {checked} of {total} entries, {} entries/s   ",
                rate(checked)
            );
        }
    })?;
    if shown {
        eprintln!();
    }
    Ok(outcome.map(|end| (end.seq, rate(end.seq))))
}

fn audit_command(config: &Config, cmd: AuditCommand) -> Result<(), CommandError> {
    let mut conn = open(config)?;
    match cmd {
        AuditCommand::Verify => match verify_with_progress(&mut conn, &audit_key(config)?)? {
            Ok((count, rate)) => println!("audit chain intact: {count} entries ({rate} entries/s)"),
            Err(seq) => {
                // An incident too, which the server alerts about.
                let ctx = crate::ops::Context::cli(audit_key(config)?);
                if let Err(e) = crate::ops::response::audit_chain_broken(&mut conn, &ctx, seq) {
                    tracing::error!(error = %e, "could not record the break as an incident");
                }
                return Err(CommandError(format!(
                "audit chain broken at entry {seq}: it was altered, or one before it was removed"
            )));
            }
        },
        AuditCommand::List { limit } => {
            for e in audit::recent(&mut conn, limit.clamp(1, 10_000))? {
                println!(
                    "{:>6} {} {:<10} {:<20} {:<24} {:<8} {}",
                    e.seq,
                    format_time(e.at),
                    e.actor,
                    e.action,
                    e.target,
                    e.outcome,
                    e.client_ip
                );
            }
        }
    }
    Ok(())
}

/// One migrated connection for a command.
fn open(config: &Config) -> Result<AnyConnection, CommandError> {
    crate::serve::prepare_data_dir(config)?;
    let mut conn = store::connect(&config.database)?;
    store::migrate(&mut conn)?;
    let kek = crate::serve::load_kek(config)?;
    crate::serve::encrypt_personal_data(&mut conn, &kek)?;
    Ok(conn)
}

/// Reads a secret from a prompt on a terminal, or one line of standard input otherwise; never
/// from the command line, where other users and shell history would see it.
fn read_secret(prompt: &str) -> Result<String, CommandError> {
    let secret = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(prompt)
            .map_err(|e| CommandError(format!("cannot read password: {e}")))?;
        let again = rpassword::prompt_password("Again: ")
            .map_err(|e| CommandError(format!("cannot read password: {e}")))?;
        if first != again {
            return Err(CommandError("the two passwords differ".into()));
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| CommandError(format!("cannot read password from stdin: {e}")))?;
        line.trim_end_matches(['\n', '\r']).to_string()
    };
    if secret.is_empty() {
        return Err(CommandError("no password given on standard input".into()));
    }
    Ok(secret)
}

fn format_time(unix: i64) -> String {
    // Days since the epoch to a civil date (proleptic Gregorian), without a date crate.
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_times() {
        assert_eq!(super::format_time(0), "1970-01-01 00:00Z");
        assert_eq!(super::format_time(1_795_000_000), "2026-11-18 11:06Z");
    }
}
