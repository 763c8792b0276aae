//! Ending sessions on purpose: every way one ends — RP-initiated logout, the person on
//! `/account`, an admin, a new password, a disabled or deleted account — comes through
//! [`end`], in the transaction of the change that ends them. With the sessions, each client
//! that was issued tokens in one of them and registered a `backchannel_logout_uri` gets a logout
//! token queued (OpenID Connect Back-Channel Logout 1.0), committed with the change or not at
//! all; those with a `frontchannel_logout_uri` are returned for the signed-out page.
//!
//! Sessions that merely run out (idle or absolute end) are not reported.

use crate::oidc::backchannel;
use crate::store::clients::{self, Client};
use crate::store::sessions::{self, Session};
use crate::store::{grants, write_transaction, AnyConnection, StoreError};

/// Which sessions end.
#[derive(Debug, Clone, Copy)]
pub enum Which<'a> {
    /// The one stored as this digest of its cookie (the browser's own).
    Stored(&'a str),
    /// The person's session with this public id.
    Sid { user_id: &'a str, sid: &'a str },
    /// Every session of the person except the one stored as `keep` (`""`: every one).
    AllOf { user_id: &'a str, keep: &'a str },
}

/// A client to load in an iframe on the signed-out page, for the session `sid`.
pub struct FrontChannel {
    pub client: Client,
    pub sid: String,
}

/// What ending sessions did.
#[derive(Default)]
pub struct Ended {
    pub sessions: Vec<Session>,
    /// Logout tokens queued: wake the deliveries sender once this commits.
    pub tokens_queued: usize,
    pub front_channel: Vec<FrontChannel>,
}

/// Ends `which` sessions and queues their clients' logout tokens (inside the caller's
/// transaction, or in its own).
pub fn end(conn: &mut AnyConnection, which: Which, now: i64) -> Result<Ended, StoreError> {
    write_transaction(conn, |conn| {
        let sessions: Vec<Session> = match which {
            Which::Stored(id_hash) => sessions::delete(conn, id_hash)?.into_iter().collect(),
            Which::Sid { user_id, sid } => sessions::delete_for_user(conn, user_id, sid)?
                .into_iter()
                .collect(),
            Which::AllOf { user_id, keep } => sessions::delete_others(conn, user_id, keep)?,
        };
        let mut ended = Ended::default();
        for session in &sessions {
            for client_id in grants::clients_of_session(conn, &session.sid)? {
                let client = match clients::find(conn, &client_id) {
                    Ok(client) => client,
                    // Removed since: no one to tell.
                    Err(StoreError::NotFound) => continue,
                    Err(e) => return Err(e),
                };
                let sid = &session.sid;
                if backchannel::queue(conn, &client, sid, &session.user_id, now)? {
                    ended.tokens_queued += 1;
                }
                if client.frontchannel_logout_uri.is_some() {
                    let sid = sid.clone();
                    ended.front_channel.push(FrontChannel { client, sid });
                }
            }
        }
        ended.sessions = sessions;
        Ok(ended)
    })
}
