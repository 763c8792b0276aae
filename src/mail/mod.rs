//! Outbound mail. A message is rendered from askama templates (a text and an HTML body),
//! sealed with the KEK and queued in the database, in the transaction of the change it reports;
//! a background task on every node (`sender`) hands queued messages to the SMTP relay, with
//! retries. Addresses are masked in logs and the queue; bodies, which may carry one-time links,
//! are never logged.

pub mod self_service;
pub mod sender;
pub mod templates;

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use askama::Template;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::crypto::CryptoError;
use crate::store::mail_outbox::NewMail;
use crate::telemetry::mask_email;

/// How long one conversation with the relay may take.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail is not configured")]
    NotConfigured,
    #[error("the relay settings are not usable: {0}")]
    Relay(String),
    #[error("not a mail address")]
    Address,
    #[error("could not render a mail: {0}")]
    Render(#[from] askama::Error),
    #[error("could not seal a mail: {0}")]
    Seal(#[from] CryptoError),
    #[error("could not encode a mail: {0}")]
    Encode(#[from] serde_json::Error),
}

/// Whether the relay answered lately, as `/readyz` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayStatus {
    NotConfigured,
    /// Not checked yet (the sender checks as it starts).
    Unknown,
    Ok,
    Unavailable,
}

impl RelayStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RelayStatus::NotConfigured => "not configured",
            RelayStatus::Unknown => "unknown",
            RelayStatus::Ok => "ok",
            RelayStatus::Unavailable => "unavailable",
        }
    }
}

/// The relay, the sender and what the sending task shares with the handlers.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// Claims in the queue are made in this name: unique per process.
    node: String,
    relay: AtomicU8,
    /// Rings when this node queued a message, so that it goes out without waiting for a poll.
    wake: tokio::sync::Notify,
    max_attempts: i32,
    retry_secs: i64,
}

impl Mailer {
    /// The mailer of this configuration, or `None` when no relay is set.
    pub fn new(config: &Config) -> Result<Option<Mailer>, MailError> {
        let Some(mut from) = config.email_from.clone() else {
            return Ok(None);
        };
        // A sender without a display name is shown as the service.
        if from.name.is_none() {
            from.name = Some(config.settings.branding.product_name.trim().to_string());
        }
        let email = &config.settings.email;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&email.smtp_url)
            .map_err(|e| MailError::Relay(e.to_string()))?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        Ok(Some(Mailer {
            transport,
            from,
            node: crate::crypto::secrets::random_id::<12>(),
            relay: AtomicU8::new(RelayStatus::Unknown as u8),
            wake: tokio::sync::Notify::new(),
            max_attempts: i32::try_from(email.max_attempts).unwrap_or(10),
            retry_secs: email.retry_secs,
        }))
    }

    pub fn relay_status(&self) -> RelayStatus {
        match self.relay.load(Ordering::Relaxed) {
            x if x == RelayStatus::Ok as u8 => RelayStatus::Ok,
            x if x == RelayStatus::Unavailable as u8 => RelayStatus::Unavailable,
            _ => RelayStatus::Unknown,
        }
    }

    fn set_relay_status(&self, status: RelayStatus) {
        self.relay.store(status as u8, Ordering::Relaxed);
    }

    /// Tells this node's sender that a message was queued.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// How long to wait before attempt `attempts + 1`: doubling from `retry_secs`, at most an hour.
    fn backoff(&self, attempts: i32) -> i64 {
        let doublings = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(16);
        self.retry_secs.saturating_mul(1 << doublings).min(3_600)
    }
}

/// One message as it waits in the queue (sealed as JSON).
#[derive(Debug, Serialize, Deserialize)]
pub struct Outgoing {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Outgoing {
    /// A message to `to` with the two bodies rendered from their templates.
    pub fn render(
        to: &str,
        subject: impl Into<String>,
        text: &impl Template,
        html: &impl Template,
    ) -> Result<Outgoing, MailError> {
        to.parse::<Mailbox>().map_err(|_| MailError::Address)?;
        Ok(Outgoing {
            to: to.to_string(),
            subject: subject.into(),
            // Every mail ends with the service's name, as every page bears it.
            text: format!(
                "{}\n\n-- \n{}\n",
                text.render()?.trim_end(),
                crate::web::brand::product_name()
            ),
            html: html.render()?,
        })
    }

    /// Sealed for the queue with `seal(plaintext, context)` (the KEK's), under a fresh id that
    /// the seal is bound to.
    pub fn seal(
        &self,
        seal: impl FnOnce(&[u8], &str) -> Result<String, CryptoError>,
    ) -> Result<NewMail, MailError> {
        let id = crate::crypto::secrets::random_id::<16>();
        let sealed = seal(&serde_json::to_vec(self)?, &seal_context(&id))?;
        Ok(NewMail {
            recipient_hint: mask_email(&self.to),
            id,
            sealed,
        })
    }
}

/// What a queued message's seal is bound to: its row, so that sealed bodies cannot be swapped.
pub fn seal_context(id: &str) -> String {
    format!("mail:{id}")
}
