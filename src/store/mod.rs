//! Storage: one diesel connection type over SQLite (embedded default) and PostgreSQL (production),
//! an r2d2 pool, embedded migrations per backend, and one file per aggregate.

pub mod activity;
pub mod address_blocks;
pub mod admin;
pub mod api_keys;
pub mod audit;
pub mod auth_requests;
pub mod backup_codes;
pub mod clients;
pub mod consents;
pub mod deliveries;
pub mod device_authorizations;
pub mod email_verifications;
pub mod grants;
pub mod incidents;
pub mod invitations;
pub mod keys;
pub mod mail_outbox;
pub mod monitor_marks;
pub mod passkeys;
pub mod password_resets;
pub mod personal_data;
pub mod purge;
pub mod pushed_requests;
pub mod queue;
pub mod registration_tokens;
pub mod revocations;
pub mod second_factor_demands;
pub mod seed;
pub mod self_registrations;

mod schema;
pub mod sessions;
mod statement_log;
pub mod upstream;
pub mod users;
pub mod webauthn_ceremonies;
mod writer_gate;

use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{CustomizeConnection, ManageConnection, Pool, PooledConnection, R2D2Connection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sqlite::SqliteConnection;
use diesel::RunQueryDsl;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Serialises concurrent `migrate` runs of several nodes starting on one PostgreSQL.
const MIGRATION_LOCK_ID: i64 = 0x1D9_0001;

#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("already exists")]
    Conflict,
    #[error("not found")]
    NotFound,
    #[error("database error: {0}")]
    Database(DieselError),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("invalid stored data: {0}")]
    Corrupt(String),
}

impl From<DieselError> for StoreError {
    fn from(err: DieselError) -> Self {
        match err {
            DieselError::NotFound => StoreError::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                StoreError::Conflict
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                StoreError::Unavailable(info.message().to_string())
            }
            other => StoreError::Database(other),
        }
    }
}

/// Where the data lives, parsed from the configured database URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

impl DatabaseLocation {
    pub fn parse(url: &str) -> DatabaseLocation {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            DatabaseLocation::Postgres(url.to_string())
        } else {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            DatabaseLocation::Sqlite(path.into())
        }
    }

    /// A description safe to print: never the PostgreSQL password.
    pub fn describe(&self) -> String {
        match self {
            DatabaseLocation::Sqlite(path) => format!("SQLite file {}", path.display()),
            DatabaseLocation::Postgres(url) => match url::Url::parse(url) {
                Ok(u) => format!(
                    "PostgreSQL database {} on {}",
                    u.path().trim_start_matches('/'),
                    u.host_str().unwrap_or("localhost")
                ),
                Err(_) => "PostgreSQL".to_string(),
            },
        }
    }
}

#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<AnyConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut AnyConnection) -> Result<(), diesel::r2d2::Error> {
        if let AnyConnection::Sqlite(c) = conn {
            // WAL lets readers proceed beside the one writer; the busy timeout makes writers
            // queue instead of failing with SQLITE_BUSY under concurrent requests.
            c.batch_execute(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
            )
            .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

#[derive(Clone)]
pub struct Store {
    pool: Pool<Manager>,
}

pub type Conn = PooledConnection<Manager>;

/// Makes connections of the one backend the URL names. (The derived `AnyConnection::establish`
/// tries every backend in turn and, when the right one fails, reports only that none worked.)
pub struct Manager {
    location: DatabaseLocation,
    url: String,
}

impl Manager {
    fn establish(&self) -> diesel::ConnectionResult<AnyConnection> {
        use diesel::Connection;
        let mut conn = match self.location {
            DatabaseLocation::Sqlite(_) => {
                SqliteConnection::establish(&self.url).map(AnyConnection::Sqlite)
            }
            DatabaseLocation::Postgres(_) => {
                PgConnection::establish(&self.url).map(AnyConnection::Postgresql)
            }
        }?;
        statement_log::attach(&mut conn);
        Ok(conn)
    }
}

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, diesel::r2d2::Error> {
        self.establish()
            .map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), diesel::r2d2::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

impl Store {
    pub fn open(location: &DatabaseLocation, pool_size: u32) -> Result<Store, StoreError> {
        let manager = Manager {
            url: connection_url(location)?,
            location: location.clone(),
        };
        let pool = Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(5))
            .connection_customizer(Box::new(SqlitePragmas))
            .build(manager)
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(Store { pool })
    }

    pub fn conn(&self) -> Result<Conn, StoreError> {
        self.pool
            .get()
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    /// Runs blocking database work on the blocking thread pool, never on an executor thread.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = store.conn()?;
            work(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("database task failed: {e}")))?
    }

    pub fn migrate(&self) -> Result<usize, StoreError> {
        migrate(&mut *self.conn()?)
    }

    /// The pool's use now (for `/metrics`): open connections, idle ones, and its maximum.
    pub fn pool_use(&self) -> PoolGauges {
        let state = self.pool.state();
        PoolGauges {
            connections: state.connections,
            idle: state.idle_connections,
            max: self.pool.max_size(),
        }
    }

    /// Whether the database answers, waiting at most `timeout` for a connection.
    pub fn ping_within(&self, timeout: Duration) -> Result<(), StoreError> {
        let mut conn = self
            .pool
            .get_timeout(timeout)
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        diesel::sql_query("SELECT 1").execute(&mut *conn)?;
        Ok(())
    }
}

/// One connection without a pool, for short-lived commands: a pool's background threads could
/// still be connecting when the process exits.
pub fn connect(location: &DatabaseLocation) -> Result<AnyConnection, StoreError> {
    let manager = Manager {
        url: connection_url(location)?,
        location: location.clone(),
    };
    let mut conn = manager
        .establish()
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    SqlitePragmas
        .on_acquire(&mut conn)
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    Ok(conn)
}

fn connection_url(location: &DatabaseLocation) -> Result<String, StoreError> {
    Ok(match location {
        DatabaseLocation::Sqlite(path) => {
            create_private_file(path)?;
            path.to_string_lossy().into_owned()
        }
        DatabaseLocation::Postgres(url) => url.clone(),
    })
}

/// Applies pending migrations; several nodes starting at once on PostgreSQL take turns.
pub fn migrate(conn: &mut AnyConnection) -> Result<usize, StoreError> {
    migrate_reporting(conn, |_, _| {})
}

/// [`migrate`], calling `applied` with each migration's name and how long it took (on a large
/// store an index build can take minutes: the CLI shows them).
pub fn migrate_reporting(
    conn: &mut AnyConnection,
    applied: impl FnMut(&str, Duration),
) -> Result<usize, StoreError> {
    match conn {
        AnyConnection::Sqlite(c) => run_migrations(c, SQLITE_MIGRATIONS, applied),
        AnyConnection::Postgresql(c) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_ID})"))
                .execute(c)?;
            let result = run_migrations(c, POSTGRES_MIGRATIONS, applied);
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_ID})"))
                .execute(c)?;
            result
        }
    }
}

/// One migration at a time, each in its own transaction (as diesel runs them).
fn run_migrations<C>(
    conn: &mut C,
    migrations: EmbeddedMigrations,
    mut applied: impl FnMut(&str, Duration),
) -> Result<usize, StoreError>
where
    C: MigrationHarness<<C as diesel::Connection>::Backend> + diesel::Connection,
{
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| StoreError::Migration(e.to_string());
    let pending = conn.pending_migrations(migrations).map_err(failed)?;
    for migration in &pending {
        let started = std::time::Instant::now();
        conn.run_migration(migration.as_ref()).map_err(failed)?;
        applied(&migration.name().to_string(), started.elapsed());
    }
    Ok(pending.len())
}

/// Creates the SQLite file readable only by its owner before SQLite opens it; SQLite gives its
/// WAL and shared-memory files the same mode.
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map(|_| ())
        .map_err(|e| StoreError::Unavailable(format!("cannot open {}: {e}", path.display())))
}

/// What a transaction-scoped lock serialises between nodes.
#[derive(Debug, Clone, Copy)]
pub enum Lock {
    KeyRotation = 1,
    Audit = 2,
}

/// Takes `lock` until the end of the transaction on PostgreSQL; SQLite's `BEGIN IMMEDIATE`
/// (see `write_transaction`) already serialises writers.
pub fn lock_for(conn: &mut AnyConnection, lock: Lock) -> Result<(), StoreError> {
    if let AnyConnection::Postgresql(c) = conn {
        let id = MIGRATION_LOCK_ID + lock as i64;
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({id})")).execute(c)?;
    }
    Ok(())
}

/// A transaction that will write. On SQLite it takes the write lock at `BEGIN IMMEDIATE`, so
/// that concurrent writers queue on the busy timeout instead of failing when a read transaction
/// tries to become a write one; on PostgreSQL it is an ordinary transaction. Nested in another
/// transaction it is a savepoint, so that an operation and its audit entry commit together.
pub fn write_transaction<T, E, F>(conn: &mut AnyConnection, work: F) -> Result<T, E>
where
    E: From<DieselError>,
    F: FnOnce(&mut AnyConnection) -> Result<T, E>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    use diesel::Connection;
    match conn {
        AnyConnection::Postgresql(_) => conn.transaction(work),
        AnyConnection::Sqlite(sqlite) => {
            let nested = <AnsiTransactionManager as TransactionManager<SqliteConnection>>::transaction_manager_status_mut(sqlite)
                .transaction_depth()?
                .is_some();
            if nested {
                // Inside a write transaction already (the lock is held): a savepoint.
                return conn.transaction(work);
            }
            // Same as SQLite's busy timeout (see SqlitePragmas).
            let _turn = writer_gate::enter(Duration::from_secs(5));
            AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
            let result = work(conn);
            let AnyConnection::Sqlite(sqlite) = conn else {
                unreachable!("the connection kind does not change")
            };
            match result {
                Ok(value) => {
                    <AnsiTransactionManager as TransactionManager<SqliteConnection>>::commit_transaction(sqlite)?;
                    Ok(value)
                }
                Err(err) => {
                    let _ = <AnsiTransactionManager as TransactionManager<SqliteConnection>>::rollback_transaction(sqlite);
                    Err(err)
                }
            }
        }
    }
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The database pool's use at the moment of a scrape.
#[derive(Debug, Clone, Copy)]
pub struct PoolGauges {
    pub connections: u32,
    pub idle: u32,
    pub max: u32,
}
