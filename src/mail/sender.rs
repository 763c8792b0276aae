//! The background task that empties the queue: it claims due messages, hands each to the
//! relay, and deletes it, retries it later with back-off, or gives it up. Every node runs one;
//! the claims (see `store::mail_outbox::claim`) keep them from sending a message twice.

use std::sync::Arc;
use std::time::{Duration, Instant};

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncTransport, Message};

use super::{seal_context, Mailer, Outgoing, RelayStatus, SEND_TIMEOUT};
use crate::state::AppState;
use crate::store::mail_outbox::{self, Claimed};
use crate::store::unix_now;

/// Messages claimed at once.
const BATCH: i64 = 5;
/// A claim outlives the sends of its batch, so that no other node takes a row still being sent.
const LEASE_SECS: i64 = BATCH * SEND_TIMEOUT.as_secs() as i64 + 60;
/// How often the queue is looked at when nothing wakes the task (mail queued by other nodes or
/// the CLI, retries coming due).
const POLL: Duration = Duration::from_secs(2);
/// How often an idle relay is checked for `/readyz`.
const PROBE_EVERY: Duration = Duration::from_secs(15);

/// Runs until the process ends; returns at once when mail is not configured.
pub async fn run(state: Arc<AppState>) {
    let Some(mailer) = state.mail.as_ref() else {
        return;
    };
    let mut last_probe: Option<Instant> = None;
    loop {
        match deliver_due(&state, mailer).await {
            // A full batch: there may be more.
            Ok(claimed) if claimed == BATCH as usize => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not read the mail queue"),
        }
        if last_probe.is_none_or(|at| at.elapsed() >= PROBE_EVERY) {
            last_probe = Some(Instant::now());
            probe(mailer).await;
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = mailer.wake.notified() => {}
        }
    }
}

/// Checks that the relay answers (a NOOP), for `/readyz`.
async fn probe(mailer: &Mailer) {
    let answered = tokio::time::timeout(SEND_TIMEOUT, mailer.transport.test_connection()).await;
    let status = match answered {
        Ok(Ok(true)) => RelayStatus::Ok,
        Ok(Ok(false)) | Ok(Err(_)) | Err(_) => RelayStatus::Unavailable,
    };
    if status == RelayStatus::Unavailable && mailer.relay_status() != RelayStatus::Unavailable {
        tracing::warn!("mail relay unavailable");
    }
    mailer.set_relay_status(status);
}

/// Claims a batch of due messages and sends them; returns how many were claimed.
async fn deliver_due(
    state: &Arc<AppState>,
    mailer: &Mailer,
) -> Result<usize, crate::store::StoreError> {
    let node = mailer.node.clone();
    let claimed = state
        .store
        .run(move |conn| mail_outbox::claim(conn, &node, unix_now(), LEASE_SECS, BATCH))
        .await?;
    let count = claimed.len();
    for row in claimed {
        let outcome = send(state, mailer, &row).await;
        let (id, node, now) = (row.id.clone(), mailer.node.clone(), unix_now());
        let recorded = match outcome {
            Outcome::Sent => {
                tracing::info!(to = %row.recipient_hint, attempts = row.attempts, "mail sent");
                state
                    .store
                    .run(move |conn| mail_outbox::delivered(conn, &id, &node))
                    .await
            }
            Outcome::Retry(error) if row.attempts < mailer.max_attempts => {
                let next = now + mailer.backoff(row.attempts);
                tracing::warn!(to = %row.recipient_hint, attempts = row.attempts, error, "mail deferred");
                state
                    .store
                    .run(move |conn| mail_outbox::retry_later(conn, &id, &node, next, &error))
                    .await
            }
            Outcome::Retry(error) | Outcome::GiveUp(error) => {
                tracing::error!(to = %row.recipient_hint, attempts = row.attempts, error, "mail given up");
                state
                    .store
                    .run(move |conn| mail_outbox::give_up(conn, &id, &node, now, &error))
                    .await
            }
        };
        if let Err(e) = recorded {
            tracing::warn!(error = %e, "could not record a mail's outcome");
        }
    }
    Ok(count)
}

enum Outcome {
    Sent,
    /// Worth another attempt later (the relay was away, or answered 4xx).
    Retry(String),
    /// Never deliverable (refused with 5xx, or the stored message is unusable).
    GiveUp(String),
}

async fn send(state: &AppState, mailer: &Mailer, row: &Claimed) -> Outcome {
    let Some(plain) = state.open(&row.sealed, &seal_context(&row.id)) else {
        return Outcome::GiveUp("the sealed message cannot be opened with this KEK".into());
    };
    let Ok(outgoing) = serde_json::from_slice::<Outgoing>(&plain) else {
        return Outcome::GiveUp("the stored message is not readable".into());
    };
    let message = match build(mailer, &row.id, &outgoing) {
        Ok(message) => message,
        Err(error) => return Outcome::GiveUp(error),
    };
    match tokio::time::timeout(SEND_TIMEOUT, mailer.transport.send(message)).await {
        Err(_) => {
            mailer.set_relay_status(RelayStatus::Unavailable);
            Outcome::Retry("the relay did not answer in time".into())
        }
        Ok(Ok(_)) => {
            mailer.set_relay_status(RelayStatus::Ok);
            Outcome::Sent
        }
        Ok(Err(e)) => {
            // Only the class and code: a relay's reply text may echo the address.
            let code = e.status().map(|c| c.to_string()).unwrap_or_default();
            if e.is_permanent() {
                mailer.set_relay_status(RelayStatus::Ok);
                Outcome::GiveUp(format!("refused by the relay ({code})"))
            } else if e.is_transient() {
                mailer.set_relay_status(RelayStatus::Ok);
                Outcome::Retry(format!("deferred by the relay ({code})"))
            } else {
                mailer.set_relay_status(RelayStatus::Unavailable);
                Outcome::Retry(if e.is_timeout() {
                    "the relay timed out".into()
                } else {
                    "could not talk to the relay".into()
                })
            }
        }
    }
}

/// The MIME message. Its `Message-ID` is the queue row's, the same on every attempt, so that a
/// message sent again after a node died mid-send can be recognised as one.
fn build(mailer: &Mailer, id: &str, outgoing: &Outgoing) -> Result<Message, String> {
    let to: Mailbox = outgoing
        .to
        .parse()
        .map_err(|_| "the recipient is not an address".to_string())?;
    let domain = mailer.from.email.domain().to_string();
    Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(outgoing.subject.clone())
        .message_id(Some(format!("<{id}@{domain}>")))
        .multipart(MultiPart::alternative_plain_html(
            outgoing.text.clone(),
            outgoing.html.clone(),
        ))
        .map_err(|_| "the message cannot be built".to_string())
}
