//! One-time-use values (client assertion `jti`s): in memory for a single node, in Redis when
//! configured so that every node sees every use.

use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;

use super::swept_map::SweptMap;
use crate::store::unix_now;

/// The size at which the memory cache is first swept of expired values.
const SWEEP_FLOOR: usize = 10_000;
/// Redis answers a healthy node in well under a millisecond; this is only for a sick one.
const COMMAND_TIMEOUT: Duration = Duration::from_millis(500);
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
#[error("replay cache unavailable: {0}")]
pub struct ReplayError(String);

pub enum ReplayCache {
    Memory(Mutex<SweptMap<i64>>),
    Redis(std::sync::Arc<RedisHandle>),
}

impl ReplayCache {
    pub fn memory() -> ReplayCache {
        ReplayCache::Memory(Mutex::new(SweptMap::new(SWEEP_FLOOR)))
    }

    /// True the first time `key` is seen before `expires_at`; false on any later use.
    pub async fn first_use(&self, key: &str, expires_at: i64) -> Result<bool, ReplayError> {
        match self {
            ReplayCache::Memory(seen) => {
                let now = unix_now();
                let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
                seen.sweep_if_due(|until| *until > now);
                match seen.get(key) {
                    Some(until) if *until > now => Ok(false),
                    _ => {
                        seen.insert(key.to_string(), expires_at.max(now + 1));
                        Ok(true)
                    }
                }
            }
            ReplayCache::Redis(redis) => {
                let key = redis.key(&format!("replay:{key}"));
                let until = expires_at.max(unix_now() + 1);
                let reply: Option<String> = redis
                    .execute(move |mut conn| async move {
                        redis::cmd("SET")
                            .arg(key)
                            .arg(1)
                            .arg("NX")
                            .arg("EXAT")
                            .arg(until)
                            .query_async(&mut conn)
                            .await
                    })
                    .await?;
                Ok(reply.is_some())
            }
        }
    }
}

/// A Redis connection made on first use and remade after failures, so that the provider starts
/// and keeps serving while Redis is away. After any failure — connecting, or a command that
/// errs or times out — every call fails at once for `RETRY_AFTER_FAILURE`; then one call tries
/// again while the others still fail fast. So a Redis that is down costs one timeout per back-off
/// period, not one per request.
pub struct RedisHandle {
    client: redis::Client,
    prefix: String,
    down_until: std::sync::Mutex<Option<Instant>>,
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

    /// Runs one command (or pipeline) on the shared connection, within `COMMAND_TIMEOUT`,
    /// unless Redis failed recently.
    pub async fn execute<T, F, Fut>(&self, command: F) -> Result<T, ReplayError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let probing = self.may_try()?;
        let result = match self.connection().await {
            Ok(conn) => match tokio::time::timeout(COMMAND_TIMEOUT, command(conn)).await {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(e)) => Err(ReplayError(e.to_string())),
                Err(_) => Err(ReplayError("timed out".into())),
            },
            Err(e) => Err(e),
        };
        let mut down = self.down_until.lock().unwrap_or_else(|p| p.into_inner());
        match &result {
            Ok(_) if probing => *down = None,
            Ok(_) => {}
            Err(_) => *down = Some(Instant::now() + RETRY_AFTER_FAILURE),
        }
        result
    }

    /// Whether a call may reach Redis now: `Ok(true)` when it is the one retrying after a
    /// failure (the back-off is renewed meanwhile, so that the others keep failing fast).
    fn may_try(&self) -> Result<bool, ReplayError> {
        let mut down = self.down_until.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        match *down {
            None => Ok(false),
            Some(until) if until > now => Err(ReplayError("down (retrying shortly)".into())),
            Some(_) => {
                *down = Some(now + RETRY_AFTER_FAILURE);
                Ok(true)
            }
        }
    }

    async fn connection(&self) -> Result<ConnectionManager, ReplayError> {
        let mut guard = self.conn.lock().await;
        if let Some(conn) = guard.as_ref() {
            return Ok(conn.clone());
        }
        // The manager reconnects by itself later; its own retries stay within one timeout.
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_number_of_retries(0)
            .set_connection_timeout(COMMAND_TIMEOUT)
            .set_response_timeout(COMMAND_TIMEOUT);
        let conn = tokio::time::timeout(
            COMMAND_TIMEOUT,
            ConnectionManager::new_with_config(self.client.clone(), config),
        )
        .await
        .map_err(|_| ReplayError("connecting timed out".into()))?
        .map_err(|e| ReplayError(e.to_string()))?;
        *guard = Some(conn.clone());
        Ok(conn)
    }

    pub async fn ping(&self) -> Result<(), ReplayError> {
        self.execute(
            |mut conn| async move { redis::cmd("PING").query_async::<String>(&mut conn).await },
        )
        .await
        .map(|_| ())
    }
}
