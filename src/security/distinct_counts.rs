//! The detection rules' distinct counts in fixed windows: in Redis when configured (shared
//! by every node); else in the database (`monitor_marks`), so that nodes on one PostgreSQL
//! still count together — except what must never be written there (the HMACs of attempted
//! passwords), which is then counted in this node's memory.

use std::collections::HashSet;
use std::sync::Mutex;

use base64::Engine as _;

use super::rate_limit::RateLimiter;
use super::swept_map::SweptMap;
use crate::crypto::secrets::hmac_sha256;
use crate::store::{monitor_marks, unix_now, Store, StoreError};

/// The label of the key the attempts' HMACs are made with.
pub const MONITOR_KEY_LABEL: &str = "idp monitor v1";

/// The size at which the memory counts are first swept of past windows.
const SWEEP_FLOOR: usize = 20_000;

/// Distinct counts of what the detection rules watch.
pub struct DistinctCounts {
    key: [u8; 32],
    /// (window index, members) per rule and subject, for what stays in this node's memory.
    memory: Mutex<SweptMap<(i64, HashSet<String>)>>,
}

/// Where a count may be kept: `Shared` counts go to the database without Redis; `Ephemeral`
/// ones (of secrets' HMACs) never do.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Keeping {
    Shared,
    Ephemeral,
}

impl DistinctCounts {
    pub fn new(key: [u8; 32]) -> DistinctCounts {
        DistinctCounts {
            key,
            memory: Mutex::new(SweptMap::new(SWEEP_FLOOR)),
        }
    }

    /// A short keyed digest of `value` under `purpose`: equal values compare equal, the value
    /// itself cannot be read back or guessed without the key.
    pub fn mac(&self, purpose: &str, value: &str) -> String {
        let digest = hmac_sha256(&self.key, format!("{purpose}\0{value}").as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
    }

    /// Adds `member` to (`rule`, `subject`) in the current window; returns the distinct members
    /// there now, 0 when the count could not be kept (the rule then stays quiet: fail open).
    #[allow(clippy::too_many_arguments)]
    pub async fn add(
        &self,
        limiter: &RateLimiter,
        store: &Store,
        window: i64,
        keeping: Keeping,
        rule: &'static str,
        subject: String,
        member: String,
    ) -> i64 {
        let index = unix_now() / window;
        match (limiter, keeping) {
            (RateLimiter::Redis(redis), _) => {
                let key = redis.key(&format!("mon:{rule}:{subject}:{index}"));
                let counted = redis
                    .execute(move |mut conn| async move {
                        let (_, _, count): (i64, i64, i64) = redis::pipe()
                            .atomic()
                            .sadd(&key, member)
                            .expire(&key, window * 2)
                            .scard(&key)
                            .query_async(&mut conn)
                            .await?;
                        Ok(count)
                    })
                    .await;
                counted.unwrap_or_else(|e| {
                    tracing::warn!(error = %e, rule, "redis unavailable: detection not counted");
                    0
                })
            }
            (RateLimiter::Memory(_), Keeping::Shared) => store
                .run(move |conn| monitor_marks::mark(conn, rule, &subject, &member, index * window))
                .await
                .unwrap_or_else(|e: StoreError| {
                    tracing::warn!(error = %e, rule, "detection not counted");
                    0
                }),
            (RateLimiter::Memory(_), Keeping::Ephemeral) => {
                let mut memory = self.memory.lock().unwrap_or_else(|p| p.into_inner());
                memory.sweep_if_due(|(i, _)| *i == index);
                let entry = memory
                    .entry(format!("{rule}:{subject}"))
                    .or_insert_with(|| (index, HashSet::new()));
                if entry.0 != index {
                    *entry = (index, HashSet::new());
                }
                entry.1.insert(member);
                entry.1.len() as i64
            }
        }
    }
}
