//! Protections every response gets.

pub mod client_ip;
pub mod cors;
pub mod headers;
pub mod in_flight;
pub mod rate_limit;
pub mod replay;
pub mod swept_map;
pub mod throttle;
