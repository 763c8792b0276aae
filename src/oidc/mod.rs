//! The protocol endpoints, one file each: discovery and JWKS, the token endpoint (one file per
//! grant), and client authentication.

pub mod access_token;
pub mod amr;
pub mod authorize;
pub mod backchannel;
pub mod claims;
pub mod client_assertion;
pub mod client_auth;
pub mod device;
pub mod discovery;
pub mod dpop;
pub mod end_session;
pub mod form;
pub mod id_token;
pub mod introspect;
pub mod jwks;
pub mod par;
pub mod paths;
pub mod registration;
pub mod revoke;
pub mod token;
pub mod userinfo;
