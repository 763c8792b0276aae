//! The address blocks in force, as this node checks them on every guarded request before any
//! password work: read from the database (where every node and the CLI write them) and kept
//! for `monitoring.block_cache_ms`, so that the check costs a lookup in memory, and a block
//! lifted on another node holds here at most that much longer. A change made on this node
//! drops the copy at once.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::client_ip::Cidr;
use crate::store::{address_blocks, unix_now, Store};

/// The blocks in force: each network with its expiry.
type Blocks = Arc<Vec<(Cidr, i64)>>;

#[derive(Default)]
pub struct BlockList {
    /// The blocks and when they were read.
    cached: Mutex<Option<(Instant, Blocks)>>,
}

impl BlockList {
    /// Forgets the copy: the next check reads the database.
    pub fn invalidate(&self) {
        *self.cached.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    async fn current(&self, store: &Store, cache_ms: u64) -> Option<Blocks> {
        let fresh_for = Duration::from_millis(cache_ms);
        if let Some((read_at, blocks)) = &*self.cached.lock().unwrap_or_else(|p| p.into_inner()) {
            if read_at.elapsed() < fresh_for {
                return Some(Arc::clone(blocks));
            }
        }
        let read_at = Instant::now();
        let rows = store
            .run(|conn| address_blocks::active(conn, unix_now()))
            .await;
        let blocks = match rows {
            Ok(rows) => Arc::new(
                rows.into_iter()
                    .filter_map(|b| Some((Cidr::parse(&b.network)?, b.expires_at)))
                    .collect::<Vec<_>>(),
            ),
            Err(e) => {
                // Fail open: the database being away already fails what blocks would guard.
                tracing::warn!(error = %e, "could not read the address blocks");
                return None;
            }
        };
        *self.cached.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((read_at, Arc::clone(&blocks)));
        Some(blocks)
    }

    /// Seconds until `ip`'s block runs out, when it is blocked (the caller leaves out the
    /// addresses that are never blocked).
    pub async fn retry_after(&self, store: &Store, cache_ms: u64, ip: IpAddr) -> Option<i64> {
        let now = unix_now();
        self.current(store, cache_ms)
            .await?
            .iter()
            .filter(|(network, expires_at)| *expires_at > now && network.contains(ip))
            .map(|(_, expires_at)| expires_at - now)
            .max()
    }
}
