//! Signed tickets that carry a half-finished sign-in from one page to the next (password
//! checked; second factor or new password still owed). A ticket names its purpose, the user, the
//! methods already passed and an expiry, and is bound to the user's current password hash: once
//! the password changes, it no longer works. (Codes need no binding: each TOTP step is claimed
//! once in the store, each backup code used once.)

use crate::crypto::secrets::{b64url, constant_time_eq, hmac_sha256};
use crate::state::AppState;
use crate::store::unix_now;
use crate::store::users::User;

const TTL_SECS: i64 = 600;

pub struct Ticket {
    pub user_id: String,
    /// Space-separated methods already passed, e.g. `pwd` or `pwd otp`.
    pub amr: String,
    expires: i64,
}

fn mac(state: &AppState, purpose: &str, user: &User, amr: &str, expires: i64) -> String {
    let data = format!(
        "{purpose}|{}|{amr}|{expires}|{}",
        user.id, user.password_hash
    );
    b64url(&hmac_sha256(&state.csrf_key, data.as_bytes()))
}

pub fn issue(state: &AppState, purpose: &str, user: &User, amr: &str) -> String {
    let expires = unix_now() + TTL_SECS;
    let amr_field = amr.replace(' ', "+");
    format!(
        "{}.{amr_field}.{expires}.{}",
        user.id,
        mac(state, purpose, user, amr, expires)
    )
}

/// Reads a ticket without trusting it: `check` must pass before anything is done with it.
pub fn parse(text: &str) -> Option<(Ticket, String)> {
    let mut parts = text.splitn(4, '.');
    let user_id = parts.next()?.to_string();
    let amr = parts.next()?.replace('+', " ");
    let expires = parts.next()?.parse().ok()?;
    let mac = parts.next()?.to_string();
    Some((
        Ticket {
            user_id,
            amr,
            expires,
        },
        mac,
    ))
}

pub fn check(
    state: &AppState,
    purpose: &str,
    ticket: &Ticket,
    presented_mac: &str,
    user: &User,
) -> bool {
    ticket.expires > unix_now()
        && user.id == ticket.user_id
        && constant_time_eq(
            mac(state, purpose, user, &ticket.amr, ticket.expires).as_bytes(),
            presented_mac.as_bytes(),
        )
}
