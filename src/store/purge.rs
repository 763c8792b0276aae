//! Removes what has expired, so that tables hold only what can still be used or checked.
//!
//! A table is purged in batches of at most [`BATCH`] rows, each its own short write
//! transaction: a purge of millions of rows never holds SQLite's one write lock (or
//! PostgreSQL's row locks) longer than a batch takes, so sign-ins and refreshes wait at most
//! that long instead of the whole purge.
//!
//! The count a purge reports is of the rows its own statements deleted. Rows a database
//! cascade takes along are not counted; in practice there are none, because a grant's codes
//! and refresh tokens never outlive it and are purged, and counted, before it.

use std::time::Duration;

use diesel::RunQueryDsl;

use super::{write_transaction, AnyConnection, StoreError};

/// Rows per batch: large enough that a batch's fixed cost is small, small enough that its
/// transaction takes milliseconds.
pub const BATCH: usize = 2_000;

/// What is purged, in order: each table with the condition its expired rows meet as of `now`.
/// Plain SQL rather than diesel's query builder: a batch picks its rows by the storage's own
/// row address (SQLite's rowid, PostgreSQL's ctid), which every table has (monitor_marks has
/// no one-column key) and diesel cannot name. The numbers are computed here, never input.
/// Each condition can be answered from an index (`plans_use_indexes` below checks it).
fn rules(now: i64, unverified_before: i64) -> [(&'static str, String); 18] {
    let expired = format!("expires_at <= {now}");
    let failed_before = now - super::queue::KEEP_FAILED_SECS;
    // Ended invitations stay listed (with their outcome) for 30 days.
    let ended = now - 30 * 86_400;
    [
        ("authorization_requests", expired.clone()),
        // Used codes and rotated refresh tokens are kept until they expire: until then a
        // second presentation is recognised as a replay and revokes its grant.
        ("authorization_codes", expired.clone()),
        ("refresh_tokens", expired.clone()),
        ("sessions", expired.clone()),
        // Grants end absolutely; whatever of theirs is left goes with them (ON DELETE CASCADE),
        // so a batch of grants stays bounded too.
        ("grants", expired.clone()),
        ("revoked_tokens", expired.clone()),
        ("pushed_requests", expired.clone()),
        // A used device request's grant lives on without it.
        ("device_authorizations", expired.clone()),
        // Queued mail and deliveries given up are kept a while for operators.
        ("mail_outbox", format!("failed_at <= {failed_before}")),
        ("password_resets", expired.clone()),
        ("webauthn_ceremonies", expired.clone()),
        ("email_verifications", expired.clone()),
        (
            "invitations",
            format!("expires_at <= {ended} OR revoked_at <= {ended} OR accepted_at <= {ended}"),
        ),
        // Used upstream sign-ins stay until they expire, so that a replay is recognised.
        ("upstream_logins", expired.clone()),
        ("address_blocks", expired),
        ("deliveries", format!("failed_at <= {failed_before}")),
        // Marks outlive any detection window (at most a day) before they go.
        ("monitor_marks", format!("window_start < {}", now - 86_400)),
        // Accounts people made themselves and never verified (their links, sessions and the
        // rest go with them).
        (
            "users",
            format!(
                "email_verified = FALSE AND id IN (SELECT user_id FROM self_registrations \
                 WHERE registered_at < {unverified_before})"
            ),
        ),
    ]
}

/// One batch's statement: the first `BATCH` matching rows, by row address.
fn batch_sql(conn: &AnyConnection, table: &str, condition: &str) -> String {
    match conn {
        AnyConnection::Sqlite(_) => format!(
            "DELETE FROM {table} WHERE rowid IN \
             (SELECT rowid FROM {table} WHERE {condition} LIMIT {BATCH})"
        ),
        // Rows another transaction holds are left for the next purge rather than waited for.
        AnyConnection::Postgresql(_) => format!(
            "DELETE FROM {table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM {table} \
             WHERE {condition} LIMIT {BATCH} FOR UPDATE SKIP LOCKED))"
        ),
    }
}

/// A purge in progress: every table in turn, a batch at a time. Plain data, so that it can
/// move to the blocking pool for a batch and back.
#[derive(Debug, Clone, Copy)]
pub struct Purge {
    now: i64,
    unverified_before: i64,
    next: usize,
    /// Rows deleted so far.
    pub removed: u64,
    /// Batches that deleted something.
    pub batches: u64,
}

impl Purge {
    /// Removes what expired by `now`, and self-made accounts registered before
    /// `unverified_before` and still unverified.
    pub fn new(now: i64, unverified_before: i64) -> Purge {
        Purge {
            now,
            unverified_before,
            next: 0,
            removed: 0,
            batches: 0,
        }
    }

    /// Deletes the next batch, in its own write transaction; false once nothing is left.
    pub fn step(&mut self, conn: &mut AnyConnection) -> Result<bool, StoreError> {
        let rules = rules(self.now, self.unverified_before);
        while let Some((table, condition)) = rules.get(self.next) {
            let sql = batch_sql(conn, table, condition);
            let removed = write_transaction(conn, |conn| diesel::sql_query(&sql).execute(conn))?;
            if removed < BATCH {
                self.next += 1;
            }
            if removed > 0 {
                self.removed += removed as u64;
                self.batches += 1;
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// How long to leave the store alone after a batch that took `batch`. SQLite has one writer:
/// writers in other processes poll its busy timeout at growing intervals, and the server's own
/// writers queue on a gate that is not first come, first served (`writer_gate`), so a purge that
/// took the lock again at once could keep them waiting batch after batch. PostgreSQL's writers wait
/// only on the rows the purge deletes, so it goes on at once.
pub fn pause_after(conn: &AnyConnection, batch: Duration) -> Duration {
    match conn {
        AnyConnection::Sqlite(_) => batch.min(Duration::from_millis(200)),
        AnyConnection::Postgresql(_) => Duration::ZERO,
    }
}

/// The whole purge on one connection, pausing between batches; `progress` sees the purge
/// after each batch.
pub fn run(
    conn: &mut AnyConnection,
    mut purge: Purge,
    mut progress: impl FnMut(&Purge),
) -> Result<Purge, StoreError> {
    loop {
        let started = std::time::Instant::now();
        if !purge.step(conn)? {
            return Ok(purge);
        }
        progress(&purge);
        std::thread::sleep(pause_after(conn, started.elapsed()));
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;

    use super::*;
    use crate::store::{connect, migrate, DatabaseLocation};

    /// A migrated SQLite file of its own (a second connection must see it), removed on drop.
    struct Dir(std::path::PathBuf);

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn store(name: &str) -> (Dir, DatabaseLocation, AnyConnection) {
        let dir = std::env::temp_dir().join(format!("idp-purge-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let location = DatabaseLocation::Sqlite(dir.join("idp.db"));
        let mut conn = connect(&location).unwrap();
        migrate(&mut conn).unwrap();
        (Dir(dir), location, conn)
    }

    /// Every condition is answered from an index: a full scan of a table of millions of rows
    /// would take long for every batch (and on PostgreSQL lock what it reads).
    #[test]
    fn plans_use_indexes() {
        let (_dir, _location, mut conn) = store("plans");
        let AnyConnection::Sqlite(sqlite) = &mut conn else {
            unreachable!()
        };
        #[derive(diesel::QueryableByName)]
        struct Step {
            #[diesel(sql_type = diesel::sql_types::Text)]
            detail: String,
        }
        for (table, condition) in rules(1_000_000, 900_000) {
            let plan: Vec<Step> = diesel::sql_query(format!(
                "EXPLAIN QUERY PLAN SELECT rowid FROM {table} WHERE {condition} LIMIT {BATCH}"
            ))
            .load(sqlite)
            .unwrap();
            let plan: Vec<String> = plan.into_iter().map(|s| s.detail).collect();
            assert!(
                plan.iter().all(|step| !step.starts_with("SCAN ")),
                "{table}: {plan:?}"
            );
        }
    }

    /// Between two batches another writer gets the write lock at once (no busy wait): each
    /// batch committed on its own. One transaction for the whole purge would refuse it.
    #[test]
    fn batches_commit_one_by_one() {
        let (_dir, location, mut conn) = store("batches");
        let total = 2 * BATCH + 500;
        let mut values = Vec::new();
        for n in 0..total + 3 {
            // Three live rows among the expired ones.
            let expires = if n < total { 100 } else { 2_000 };
            values.push(format!("('jti{n}', {expires})"));
        }
        conn.batch_execute(&format!(
            "INSERT INTO revoked_tokens (jti, expires_at) VALUES {}",
            values.join(", ")
        ))
        .unwrap();
        let DatabaseLocation::Sqlite(path) = &location else {
            unreachable!()
        };
        let mut other = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        other.batch_execute("PRAGMA busy_timeout = 0;").unwrap();
        let mut written = 0;
        let done = run(&mut conn, Purge::new(1_000, 0), |purge| {
            other
                .batch_execute(&format!(
                    "INSERT INTO revoked_tokens (jti, expires_at) VALUES ('between{}', 5000)",
                    purge.batches
                ))
                .expect("the purge holds no lock between batches");
            written += 1;
        })
        .unwrap();
        assert_eq!((done.removed, done.batches, written), (total as u64, 3, 3));
        let left: i64 = crate::store::schema::revoked_tokens::table
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(left, 3 + 3);
        let again = run(&mut conn, Purge::new(1_000, 0), |_| {}).unwrap();
        assert_eq!((again.removed, again.batches), (0, 0));
    }
}
