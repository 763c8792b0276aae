//! Protections every response gets.

pub mod headers;
