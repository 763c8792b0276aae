//! Requests each client address has in flight. One address must not be able to hold the
//! server's connections (e.g. by sending bodies byte by byte from many connections).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct InFlight {
    counts: Arc<Mutex<HashMap<IpAddr, u32>>>,
}

/// One admitted request; the count goes down when it is dropped.
pub struct Admitted {
    counts: Arc<Mutex<HashMap<IpAddr, u32>>>,
    ip: IpAddr,
}

impl InFlight {
    /// Admits a request from `ip` if it has fewer than `limit` in flight.
    pub fn admit(&self, ip: IpAddr, limit: u32) -> Option<Admitted> {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let count = counts.entry(ip).or_insert(0);
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(Admitted {
            counts: Arc::clone(&self.counts),
            ip,
        })
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = counts.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_up_to_the_limit_and_again_after_a_request_ends() {
        let in_flight = InFlight::default();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        let first = in_flight.admit(ip, 2).unwrap();
        let _second = in_flight.admit(ip, 2).unwrap();
        assert!(in_flight.admit(ip, 2).is_none());
        assert!(
            in_flight.admit(other, 2).is_some(),
            "limits are per address"
        );
        drop(first);
        assert!(in_flight.admit(ip, 2).is_some());
    }
}
