//! Password reset by mail: issuing a link, and setting the password through it. The person
//! proves only that they read the account's mailbox, so the reset treats the account as
//! possibly taken over: every session ends, every grant (with its refresh tokens) is revoked,
//! the lock is lifted, other links die, and a notice goes to the address. It does not touch the
//! second factor: the next sign-in still asks for it.

use super::sessions::{self as ending, Which};
use super::{audited, Context, OpsError};
use crate::store::mail_outbox::{self, NewMail};
use crate::store::{grants, password_resets, unix_now, users, AnyConnection};

/// How long a reset link works.
pub const RESET_TTL_SECS: i64 = 30 * 60;

/// Stores a link (its token's digest) for `user_id` and queues the mail carrying it, together.
pub fn issue(
    conn: &mut AnyConnection,
    ctx: &Context,
    user_id: &str,
    token_hash: &str,
    mail: &NewMail,
) -> Result<(), OpsError> {
    audited(conn, ctx, "password_reset_requested", user_id, |conn, _| {
        let now = unix_now();
        password_resets::insert(conn, token_hash, user_id, now, now + RESET_TTL_SECS)?;
        mail_outbox::insert(conn, mail, now)?;
        Ok(())
    })
}

/// Sets the password (checked and hashed) through the link, once. `Ok(false)`: the link was
/// used or expired in the meantime, and nothing changed.
pub fn complete(
    conn: &mut AnyConnection,
    ctx: &Context,
    user_id: &str,
    token_hash: &str,
    password_hash: &str,
    notice: Option<&NewMail>,
) -> Result<bool, OpsError> {
    audited(conn, ctx, "password_reset", user_id, |conn, event| {
        let now = unix_now();
        if !password_resets::take(conn, token_hash, user_id, now)? {
            return Err(OpsError::Invalid("the link is no longer valid".into()));
        }
        users::set_password(conn, user_id, password_hash, false, now)?;
        users::unlock(conn, user_id)?;
        password_resets::remove_for_user(conn, user_id)?;
        // The link proved the mailbox and the password is new: a demanded second factor is met.
        crate::store::second_factor_demands::satisfied(conn, user_id)?;
        let everything = Which::AllOf { user_id, keep: "" };
        let ended = ending::end(conn, everything, now)?.sessions.len();
        let revoked = grants::revoke_all_for_user(conn, user_id, now)?;
        if let Some(notice) = notice {
            mail_outbox::insert(conn, notice, now)?;
        }
        event.detail = format!("{ended} sessions ended, {revoked} grants revoked");
        Ok(true)
    })
    .or_else(|err| match err {
        OpsError::Invalid(_) => Ok(false),
        other => Err(other),
    })
}
