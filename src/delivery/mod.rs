//! The background task that empties the deliveries queue (`store::deliveries`): every node runs
//! one. It claims due rows, turns each into an HTTP POST by its kind (a webhook alert, a logout
//! token), posts it without following redirects, and deletes the row when the receiver took it
//! (2xx, or what its kind accepts), or retries it later with back-off, or gives it up after [`MAX_ATTEMPTS`] (the row and
//! its last error stay for operators). The claims keep two nodes from posting one row at once.

pub mod post;

use std::sync::Arc;
use std::time::Duration;

use openidconnect::reqwest;

use crate::crypto::secrets::random_id;
use crate::state::AppState;
use crate::store::deliveries::{self, Claimed, BACKCHANNEL_LOGOUT, SECURITY_ALERT};
use crate::store::{unix_now, StoreError};
use post::{Post, Prepared};

/// Rows claimed at once.
const BATCH: i64 = 5;
/// The longest any one post may take (a kind may ask for less).
const LONGEST_POST: Duration = Duration::from_secs(10);
/// A claim outlives the posts of its batch, so that no other node takes a row still being sent.
const LEASE_SECS: i64 = BATCH * LONGEST_POST.as_secs() as i64 + 30;
/// How often the queue is looked at when nothing wakes the task (rows queued by other nodes or
/// the CLI, retries coming due).
const POLL: Duration = Duration::from_secs(2);
/// Attempts before a row is given up.
const MAX_ATTEMPTS: i32 = 12;
/// The longest wait between two attempts.
const MAX_BACKOFF_SECS: i64 = 300;

/// Posts queued rows until the process ends.
pub async fn run(state: Arc<AppState>) {
    // Loading the system's root certificates takes a while: not on the runtime's thread, which
    // has yet to install the stop signal's handler (a SIGTERM meanwhile would kill the node).
    let built = tokio::task::spawn_blocking(|| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(LONGEST_POST)
            .build()
            .map_err(|e| e.to_string())
    })
    .await;
    let client = match built.map_err(|e| e.to_string()).and_then(|b| b) {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "cannot make the deliveries' HTTP client");
            return;
        }
    };
    let node = random_id::<12>();
    loop {
        match post_due(&state, &client, &node).await {
            // A full batch: there may be more.
            Ok(claimed) if claimed == BATCH as usize => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not read the deliveries queue"),
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = state.deliveries_wake.notified() => {}
        }
    }
}

/// Claims a batch of due rows and posts them; returns how many were claimed.
async fn post_due(
    state: &AppState,
    client: &reqwest::Client,
    node: &str,
) -> Result<usize, StoreError> {
    let claimer = node.to_string();
    let claimed = state
        .store
        .run(move |conn| deliveries::claim(conn, &claimer, unix_now(), LEASE_SECS, BATCH))
        .await?;
    let count = claimed.len();
    for row in claimed {
        let (error, give_up) = match prepare(state, &row).await {
            Prepared::Post(post) => (send(client, post).await.err(), false),
            Prepared::Drop(why) => (Some(why), true),
            Prepared::Later(why) => (Some(why), false),
        };
        let (id, node, now) = (row.id.clone(), node.to_string(), unix_now());
        let recorded = match error {
            None => {
                tracing::info!(kind = %row.kind, attempts = row.attempts, "delivery posted");
                state
                    .store
                    .run(move |conn| deliveries::delivered(conn, &id, &node))
                    .await
            }
            Some(error) => {
                let failed = (give_up || row.attempts >= MAX_ATTEMPTS).then_some(now);
                let next = now + (1i64 << row.attempts.clamp(0, 9)).min(MAX_BACKOFF_SECS);
                tracing::warn!(
                    kind = %row.kind,
                    about = %row.about,
                    attempts = row.attempts,
                    error,
                    given_up = failed.is_some(),
                    "delivery not posted"
                );
                state
                    .store
                    .run(move |conn| deliveries::release(conn, &id, &node, next, failed, &error))
                    .await
            }
        };
        if let Err(e) = recorded {
            tracing::warn!(error = %e, "could not record a delivery's outcome");
        }
    }
    Ok(count)
}

/// The request a row makes at this attempt, by its kind.
async fn prepare(state: &AppState, row: &Claimed) -> Prepared {
    match row.kind.as_str() {
        SECURITY_ALERT => crate::security::alerts::request(state, &row.body),
        BACKCHANNEL_LOGOUT => crate::oidc::backchannel::request(state, &row.body).await,
        other => Prepared::Drop(format!("unknown kind {other:?}")),
    }
}

/// Posts once: `Ok` when the receiver answered 2xx; otherwise what went wrong, in words that
/// carry no part of the body. A redirect is a failure: it is not followed.
async fn send(client: &reqwest::Client, post: Post) -> Result<(), String> {
    let accepted = post.accepted;
    let mut request = client
        .post(&post.url)
        .timeout(post.timeout)
        .header(reqwest::header::CONTENT_TYPE, post.content_type)
        .body(post.body);
    for (name, value) in post.headers {
        request = request.header(name, value);
    }
    match request.send().await {
        Ok(response) => {
            let status = response.status();
            let received = match accepted {
                [] => status.is_success(),
                list => list.contains(&status.as_u16()),
            };
            match received {
                true => Ok(()),
                false => Err(format!("answered {}", status.as_u16())),
            }
        }
        Err(e) if e.is_timeout() => Err("timed out".to_string()),
        Err(_) => Err("could not connect".to_string()),
    }
}
