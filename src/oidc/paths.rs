//! Where the protocol endpoints are served; discovery advertises these.

pub const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";
pub const AS_METADATA_PATH: &str = "/.well-known/oauth-authorization-server";
pub const JWKS_PATH: &str = "/jwks.json";
pub const TOKEN_PATH: &str = "/token";
pub const AUTHORIZE_PATH: &str = "/authorize";
pub const USERINFO_PATH: &str = "/userinfo";
pub const END_SESSION_PATH: &str = "/logout";
pub const INTROSPECT_PATH: &str = "/introspect";
pub const REVOKE_PATH: &str = "/revoke";
pub const PAR_PATH: &str = "/par";
pub const REGISTRATION_PATH: &str = "/register";
pub const DEVICE_AUTHORIZATION_PATH: &str = "/device_authorization";
/// Where people enter a device's user code (RFC 8628 `verification_uri`).
pub const DEVICE_VERIFICATION_PATH: &str = "/device";
