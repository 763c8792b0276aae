//! Protections every response gets.

pub mod headers;
pub mod replay;
