//! One-time-use values (client assertion `jti`s): in memory for a single node, in Redis when
//! configured so that every node sees every use.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use redis::aio::ConnectionManager;

use crate::store::unix_now;

/// Entries beyond this trigger a sweep of expired ones (memory only).
const SWEEP_AT: usize = 10_000;
const REDIS_TIMEOUT: Duration = Duration::from_secs(2);
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
#[error("replay cache unavailable: {0}")]
pub struct ReplayError(String);

pub enum ReplayCache {
    Memory(Mutex<HashMap<String, i64>>),
    Redis(std::sync::Arc<RedisHandle>),
}

impl ReplayCache {
    pub fn memory() -> ReplayCache {
        ReplayCache::Memory(Mutex::new(HashMap::new()))
    }

    /// True the first time `key` is seen before `expires_at`; false on any later use.
    pub async fn first_use(&self, key: &str, expires_at: i64) -> Result<bool, ReplayError> {
        match self {
            ReplayCache::Memory(seen) => {
                let now = unix_now();
                let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
                if seen.len() >= SWEEP_AT {
                    seen.retain(|_, until| *until > now);
                }
                match seen.get(key) {
                    Some(until) if *until > now => Ok(false),
                    _ => {
                        seen.insert(key.to_string(), expires_at.max(now + 1));
                        Ok(true)
                    }
                }
            }
            ReplayCache::Redis(redis) => {
                let mut conn = redis.connection().await?;
                let reply: Option<String> = tokio::time::timeout(
                    REDIS_TIMEOUT,
                    redis::cmd("SET")
                        .arg(redis.key(&format!("replay:{key}")))
                        .arg(1)
                        .arg("NX")
                        .arg("EXAT")
                        .arg(expires_at.max(unix_now() + 1))
                        .query_async(&mut conn),
                )
                .await
                .map_err(|_| ReplayError("timed out".into()))?
                .map_err(|e| ReplayError(e.to_string()))?;
                Ok(reply.is_some())
            }
        }
    }
}

/// A Redis connection made on first use and remade after failures, so that the provider starts
/// and keeps serving while Redis is away.
pub struct RedisHandle {
    client: redis::Client,
    prefix: String,
    /// After a failed connection attempt, calls fail at once until then: a Redis that is down
    /// must not add a connection timeout to every request.
    down_until: std::sync::Mutex<Option<std::time::Instant>>,
    conn: tokio::sync::Mutex<Option<ConnectionManager>>,
}

impl RedisHandle {
    pub fn new(url: &str, prefix: &str) -> Result<RedisHandle, ReplayError> {
        let client = redis::Client::open(url).map_err(|e| ReplayError(e.to_string()))?;
        Ok(RedisHandle {
            client,
            prefix: prefix.to_string(),
            down_until: std::sync::Mutex::new(None),
            conn: tokio::sync::Mutex::new(None),
        })
    }

    /// A key in this provider's namespace.
    pub fn key(&self, rest: &str) -> String {
        format!("{}:{rest}", self.prefix)
    }

    pub async fn connection(&self) -> Result<ConnectionManager, ReplayError> {
        let mut guard = self.conn.lock().await;
        if let Some(conn) = guard.as_ref() {
            return Ok(conn.clone());
        }
        let now = std::time::Instant::now();
        let backing_off = |until: &mut Option<std::time::Instant>| until.is_some_and(|t| t > now);
        if backing_off(&mut self.down_until.lock().unwrap_or_else(|p| p.into_inner())) {
            return Err(ReplayError("down (retrying shortly)".into()));
        }
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_number_of_retries(1)
            .set_connection_timeout(REDIS_TIMEOUT)
            .set_response_timeout(REDIS_TIMEOUT);
        let connected = tokio::time::timeout(
            REDIS_TIMEOUT,
            ConnectionManager::new_with_config(self.client.clone(), config),
        )
        .await
        .map_err(|_| ReplayError("connecting timed out".into()))
        .and_then(|r| r.map_err(|e| ReplayError(e.to_string())));
        match connected {
            Ok(conn) => {
                *guard = Some(conn.clone());
                Ok(conn)
            }
            Err(e) => {
                *self.down_until.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some(now + RETRY_AFTER_FAILURE);
                Err(e)
            }
        }
    }

    pub async fn ping(&self) -> Result<(), ReplayError> {
        let mut conn = self.connection().await?;
        tokio::time::timeout(
            REDIS_TIMEOUT,
            redis::cmd("PING").query_async::<String>(&mut conn),
        )
        .await
        .map_err(|_| ReplayError("timed out".into()))?
        .map_err(|e| ReplayError(e.to_string()))?;
        Ok(())
    }
}
