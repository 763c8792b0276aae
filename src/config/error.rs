//! The one error of loading settings: a line that says what is wrong.

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

pub(super) fn invalid(msg: impl Into<String>) -> ConfigError {
    ConfigError(msg.into())
}
