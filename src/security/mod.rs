//! Protections every response gets.

pub mod alerts;
pub mod blocks;
pub mod client_ip;
pub mod cors;
pub mod distinct_counts;
pub mod headers;
pub mod in_flight;
pub mod monitor;
pub mod rate_limit;
pub mod remediation;
pub mod replay;
pub mod response;
pub mod swept_map;
pub mod throttle;
