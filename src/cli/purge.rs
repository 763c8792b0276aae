//! `idp purge`: the server's periodic purge of what expired, once, now, a batch at a time
//! (see `store::purge`). A progress line on a terminal; otherwise one summary line.

use std::io::IsTerminal;
use std::time::Instant;

use super::open;
use crate::config::Config;
use crate::store::{purge, unix_now};
use crate::CommandError;

pub fn run(config: &Config) -> Result<(), CommandError> {
    let mut conn = open(config)?;
    let now = unix_now();
    let unverified_ttl = config.settings.registration.unverified_ttl_hours * 3_600;
    let shown = std::io::stderr().is_terminal();
    let started = Instant::now();
    let rate = |removed: u64| (removed as f64 / started.elapsed().as_secs_f64().max(1e-3)) as u64;
    let done = purge::run(
        &mut conn,
        purge::Purge::new(now, now - unverified_ttl),
        |progress| {
            if shown {
                eprint!(
                    "\rpurge: {} rows removed, {} rows/s   ",
                    progress.removed,
                    rate(progress.removed)
                );
            }
        },
    );
    if shown && done.as_ref().map_or(true, |done| done.batches > 0) {
        // Ends the progress line, so that a summary or an error starts a line of its own.
        eprintln!();
    }
    let done = done?;
    println!(
        "purged {} expired rows in {:.1} s ({} rows/s, {} batches of at most {})",
        done.removed,
        started.elapsed().as_secs_f64(),
        rate(done.removed),
        done.batches,
        purge::BATCH
    );
    Ok(())
}
