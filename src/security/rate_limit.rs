//! Per-client-IP rate limits in fixed windows: in memory for one node, in Redis when configured
//! so that several nodes enforce one limit. When Redis is unreachable, limits fail open (the
//! provider keeps serving and says so in its logs and readiness); account lockout, kept in the
//! database, still guards passwords.

use std::sync::{Arc, Mutex};

use super::replay::RedisHandle;
use super::swept_map::SweptMap;
use crate::store::unix_now;

/// The size at which the memory counters are first swept of past windows.
const SWEEP_FLOOR: usize = 50_000;

pub enum RateLimiter {
    Memory(Mutex<SweptMap<(i64, u32)>>),
    Redis(Arc<RedisHandle>),
}

pub enum Decision {
    Allowed,
    Limited { retry_after: i64 },
}

impl RateLimiter {
    pub fn memory() -> RateLimiter {
        RateLimiter::Memory(Mutex::new(SweptMap::new(SWEEP_FLOOR)))
    }

    /// Counts one event of `key` in `bucket` and returns how many there were in this window.
    /// Fails open (0) without Redis.
    pub async fn count(&self, bucket: &str, key: &str, window: i64) -> u32 {
        match self.hit(bucket, key, u32::MAX, window).await {
            Decision::Allowed => self.peek(bucket, key, window).await,
            Decision::Limited { .. } => u32::MAX,
        }
    }

    async fn peek(&self, bucket: &str, key: &str, window: i64) -> u32 {
        let index = unix_now() / window;
        match self {
            RateLimiter::Memory(counts) => {
                let counts = counts.lock().unwrap_or_else(|p| p.into_inner());
                counts
                    .get(&format!("{bucket}:{key}"))
                    .filter(|(i, _)| *i == index)
                    .map_or(0, |(_, n)| *n)
            }
            RateLimiter::Redis(redis) => {
                let key = redis.key(&format!("rl:{bucket}:{key}:{index}"));
                redis
                    .execute(move |mut conn| async move {
                        redis::cmd("GET")
                            .arg(key)
                            .query_async::<Option<u32>>(&mut conn)
                            .await
                    })
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or(0)
            }
        }
    }

    /// Counts one request of `key` in `bucket` against `limit` per `window` seconds.
    pub async fn hit(&self, bucket: &str, key: &str, limit: u32, window: i64) -> Decision {
        let now = unix_now();
        let index = now / window;
        let retry_after = (index + 1) * window - now;
        let count = match self {
            RateLimiter::Memory(counts) => {
                let mut counts = counts.lock().unwrap_or_else(|p| p.into_inner());
                counts.sweep_if_due(|(i, _)| *i == index);
                let entry = counts
                    .entry(format!("{bucket}:{key}"))
                    .or_insert((index, 0));
                if entry.0 != index {
                    *entry = (index, 0);
                }
                entry.1 += 1;
                entry.1
            }
            RateLimiter::Redis(redis) => match redis_hit(
                redis,
                &redis.key(&format!("rl:{bucket}:{key}:{index}")),
                window,
            )
            .await
            {
                Ok(count) => count,
                Err(e) => {
                    tracing::warn!(error = %e, bucket, "redis unavailable: rate limit not enforced");
                    return Decision::Allowed;
                }
            },
        };
        if count > limit {
            Decision::Limited { retry_after }
        } else {
            Decision::Allowed
        }
    }
}

async fn redis_hit(redis: &RedisHandle, key: &str, window: i64) -> Result<u32, String> {
    let key = key.to_string();
    let (count, _): (u32, i64) = redis
        .execute(move |mut conn| async move {
            redis::pipe()
                .atomic()
                .incr(&key, 1)
                .expire(&key, window * 2)
                .query_async(&mut conn)
                .await
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok(count)
}
