//! The protocol endpoints, one file each: discovery and JWKS, the token endpoint (one file per
//! grant), and client authentication.

pub mod access_token;
pub mod client_auth;
pub mod discovery;
pub mod form;
pub mod jwks;
pub mod token;
