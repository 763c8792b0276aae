//! Readiness as load balancers see it. A background task checks the dependencies every second,
//! each within a short timeout, and `/readyz` answers from the last result: a database that
//! hangs must not make the probe hang too. A node that is draining reports not ready at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::RwLock;
use std::time::Duration;

use crate::security::replay::ReplayCache;
use crate::store::Store;

/// How long one check of a dependency may take.
pub const CHECK_TIMEOUT: Duration = Duration::from_millis(800);
/// How often the background task checks.
pub const CHECK_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisStatus {
    NotConfigured,
    Ok,
    Unavailable,
}

impl RedisStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RedisStatus::NotConfigured => "not configured",
            RedisStatus::Ok => "ok",
            RedisStatus::Unavailable => "unavailable",
        }
    }
}

/// What the last check found.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// `Err` holds why the database did not answer.
    pub database: Result<(), String>,
    pub redis: RedisStatus,
}

pub struct Readiness {
    last: RwLock<Snapshot>,
    draining: AtomicBool,
}

impl Readiness {
    /// Until the first check (which `serve` makes before answering anything): the store was
    /// just opened and migrated, so it answered.
    pub fn new(replay: &ReplayCache) -> Readiness {
        let redis = match replay {
            ReplayCache::Memory(_) => RedisStatus::NotConfigured,
            ReplayCache::Redis(_) => RedisStatus::Ok,
        };
        Readiness {
            last: RwLock::new(Snapshot {
                database: Ok(()),
                redis,
            }),
            draining: AtomicBool::new(false),
        }
    }

    pub fn snapshot(&self) -> Snapshot {
        match self.last.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn record(&self, snapshot: Snapshot) {
        match self.last.write() {
            Ok(mut guard) => *guard = snapshot,
            Err(poisoned) => *poisoned.into_inner() = snapshot,
        }
    }

    /// From now on the node reports not ready (it is about to stop).
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    pub fn draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// Checks every dependency once and records the result.
    pub async fn check(&self, store: &Store, replay: &ReplayCache) {
        let pinged = {
            let store = store.clone();
            tokio::task::spawn_blocking(move || store.ping_within(CHECK_TIMEOUT)).await
        };
        let database = match pinged {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(e) => Err(format!("database check failed: {e}")),
        };
        let redis = match replay {
            ReplayCache::Memory(_) => RedisStatus::NotConfigured,
            ReplayCache::Redis(redis) => match redis.ping().await {
                Ok(()) => RedisStatus::Ok,
                Err(e) => {
                    tracing::warn!(error = %e, "redis unavailable");
                    RedisStatus::Unavailable
                }
            },
        };
        if let Err(e) = &database {
            tracing::warn!(error = %e, "database unavailable");
        }
        self.record(Snapshot { database, redis });
    }
}
