//! A standalone OpenID Connect / OAuth 2.0 identity provider.

// A panic in a request is a denial of service and a 500: library code handles every error.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod accounts;
pub mod admin;
pub mod app;
pub mod bootstrap;
pub mod cli;
pub mod client_registry;
pub mod config;
pub mod contrast;
pub mod crypto;
pub mod delivery;
pub mod error;
pub mod health;
pub mod i18n;
pub mod mail;
pub mod metrics;
pub mod oidc;
pub mod ops;
pub mod readiness;
pub mod security;
pub mod serve;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod upstream;
pub mod web;

/// A command failed; the message is one line for the operator.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CommandError(pub String);

macro_rules! command_error_from {
    ($($t:ty),*) => {$(
        impl From<$t> for CommandError {
            fn from(err: $t) -> Self {
                CommandError(err.to_string())
            }
        }
    )*};
}

command_error_from!(
    store::StoreError,
    crypto::CryptoError,
    crypto::rotation::KeyError,
    config::ConfigError,
    accounts::AccountError,
    client_registry::ClientError,
    ops::OpsError,
    mail::MailError
);
