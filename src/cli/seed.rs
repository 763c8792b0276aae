//! `idp seed`: fills a fresh store with synthetic data for scale measurements (see
//! docs/benchmarks.md): accounts, clients, grants with their refresh tokens, audit entries,
//! and expired grants for the purge to remove.
//! It refuses a store that holds more than a first start made.

use std::io::IsTerminal;
use std::time::Instant;

use clap::Args;

use super::{audit_key, open};
use crate::config::Config;
use crate::crypto::password::PasswordHasher;
use crate::crypto::secrets::random_token;
use crate::store::{seed, unix_now, AnyConnection, StoreError};
use crate::CommandError;

#[derive(Args)]
pub struct SeedArgs {
    /// Accounts (usernames seed0000000, seed0000001, …; one shared password, printed).
    #[arg(long, default_value_t = 1_000_000)]
    users: u64,
    /// Confidential clients (ids seed-client-000000, …; one shared secret, printed).
    #[arg(long, default_value_t = 100_000)]
    clients: u64,
    /// Grants, each with one live refresh token.
    #[arg(long, default_value_t = 5_000_000)]
    grants: u64,
    /// Audit entries, chained after those already there.
    #[arg(long, default_value_t = 10_000_000)]
    audit: u64,
    /// Grants that already expired, each with its expired refresh token: work for `idp purge`.
    #[arg(long, default_value_t = 0)]
    expired_grants: u64,
}

/// Runs `write` over `0..total` in batches, with a progress line on a terminal.
fn in_batches(
    what: &str,
    total: u64,
    mut write: impl FnMut(u64, u64) -> Result<(), StoreError>,
) -> Result<(), CommandError> {
    let shown = std::io::stderr().is_terminal();
    let started = Instant::now();
    let batch = seed::BATCH as u64;
    let mut done = 0;
    while done < total {
        let count = batch.min(total - done);
        write(done, count)?;
        done += count;
        if shown {
            let rate = done as f64 / started.elapsed().as_secs_f64().max(1e-3);
            eprint!("\rseed: {what} {done} of {total} ({rate:.0}/s)   ");
        }
    }
    if shown {
        eprintln!();
    }
    println!(
        "{what}: {total} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub fn run(config: &Config, args: SeedArgs) -> Result<(), CommandError> {
    if args.grants + args.expired_grants > 0 && (args.users == 0 || args.clients == 0) {
        return Err(CommandError(
            "grants need at least one seeded user and client".into(),
        ));
    }
    let mut conn: AnyConnection = open(config)?;
    if !seed::is_fresh(&mut conn)? {
        return Err(CommandError(
            "this store already holds accounts or clients: seed only a fresh one".into(),
        ));
    }
    let (password, secret) = (random_token::<12>(), random_token::<24>());
    let hash = PasswordHasher::new(config.settings.password.argon2)?.hash(&password)?;
    let now = unix_now();
    in_batches("users", args.users, |from, n| {
        seed::users(&mut conn, from, n, &hash, now)
    })?;
    in_batches("clients", args.clients, |from, n| {
        seed::clients(&mut conn, from, n, &secret, now)
    })?;
    let population = (args.users, args.clients);
    in_batches("grants and refresh tokens", args.grants, |from, n| {
        seed::grants(&mut conn, from, n, population, now)
    })?;
    in_batches("expired grants", args.expired_grants, |from, n| {
        seed::expired_grants(&mut conn, from, n, population, now)
    })?;
    let key = audit_key(config)?;
    in_batches("audit entries", args.audit, |_, n| {
        seed::audit_entries(&mut conn, &key, n, now).map(|_| ())
    })?;
    println!("seeded users' password: {password}");
    println!("seeded clients' secret: {secret}");
    Ok(())
}
