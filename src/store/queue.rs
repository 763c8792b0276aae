//! What the store's outbound queues (`mail_outbox`, `deliveries`) share: any node may send any
//! row, but first claims a batch for a lease (`claimed_until`), so that of several nodes polling
//! at once exactly one sends each row. A node that dies mid-send leaves a claim that runs out,
//! and another node sends the row again: delivery is at least once. A row sent is deleted; one
//! given up keeps `failed_at` and its last error for operators until the purge.
//!
//! The tables differ only in their payload columns, and diesel's types are per table, so the
//! functions are made for each table by [`leased_queue!`].

/// Rows that failed for good are kept this long, for operators (`store::purge` removes them).
pub const KEEP_FAILED_SECS: i64 = 30 * 86_400;

/// Defines `claim`, `delivered` and `release` in the calling module for
/// `$table` (a module of `store::schema` with the queue columns), claiming rows as `$claimed`.
macro_rules! leased_queue {
    ($table:ident, $claimed:ident) => {
        /// Claims up to `limit` due rows for `node` until `now + lease`, counting one attempt
        /// on each. On PostgreSQL the candidates are locked with `SKIP LOCKED`, so concurrent
        /// claimers take different rows instead of waiting on each other; SQLite has one writer
        /// at a time. Either way the update repeats the "due and unclaimed" condition, so a row
        /// is claimed at most once.
        pub fn claim(
            conn: &mut $crate::store::AnyConnection,
            node: &str,
            now: i64,
            lease: i64,
            limit: i64,
        ) -> Result<Vec<$claimed>, $crate::store::StoreError> {
            use $crate::store::schema::$table as t;
            use $crate::store::AnyConnection;
            let unclaimed = || t::claimed_until.is_null().or(t::claimed_until.le(now));
            $crate::store::write_transaction(conn, |conn| {
                let due = t::table
                    .filter(t::failed_at.is_null())
                    .filter(t::next_attempt_at.le(now))
                    .filter(unclaimed())
                    .order(t::next_attempt_at.asc())
                    .limit(limit)
                    .select(t::id);
                let ids: Vec<String> = match conn {
                    AnyConnection::Postgresql(pg) => due.for_update().skip_locked().load(pg)?,
                    AnyConnection::Sqlite(_) => due.load(conn)?,
                };
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                diesel::update(
                    t::table
                        .filter(t::id.eq_any(&ids))
                        .filter(t::failed_at.is_null())
                        .filter(unclaimed()),
                )
                .set((
                    t::claimed_by.eq(node),
                    t::claimed_until.eq(now + lease),
                    t::attempts.eq(t::attempts + 1),
                ))
                .execute(conn)?;
                Ok(t::table
                    .filter(t::id.eq_any(&ids))
                    .filter(t::claimed_by.eq(node))
                    .filter(t::claimed_until.eq(now + lease))
                    .select($claimed::as_select())
                    .load(conn)?)
            })
        }

        /// Sent: the row is gone (if this node still holds it).
        pub fn delivered(
            conn: &mut $crate::store::AnyConnection,
            id: &str,
            node: &str,
        ) -> Result<(), $crate::store::StoreError> {
            use $crate::store::schema::$table as t;
            diesel::delete(t::table.find(id).filter(t::claimed_by.eq(node))).execute(conn)?;
            Ok(())
        }

        /// Released by `node`: to be sent again at `next_attempt_at`, or, with `failed_at`,
        /// given up; `error` says why it was not sent.
        pub fn release(
            conn: &mut $crate::store::AnyConnection,
            id: &str,
            node: &str,
            next_attempt_at: i64,
            failed_at: Option<i64>,
            error: &str,
        ) -> Result<(), $crate::store::StoreError> {
            use $crate::store::schema::$table as t;
            diesel::update(t::table.find(id).filter(t::claimed_by.eq(node)))
                .set((
                    t::claimed_by.eq(None::<String>),
                    t::claimed_until.eq(None::<i64>),
                    t::next_attempt_at.eq(next_attempt_at),
                    t::failed_at.eq(failed_at),
                    t::last_error.eq(error),
                ))
                .execute(conn)?;
            Ok(())
        }
    };
}

pub(crate) use leased_queue;
