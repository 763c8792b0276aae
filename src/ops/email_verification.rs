//! Proving an address by a link sent to it: the account's own after a sign-up, or a new one the
//! person asked for on their account page, which replaces the old address only once proved
//! (the old address then gets a notice, and reset links mailed to it stop working). A link works once, for 24 hours; a newer link, or a
//! proved address, ends the account's other links.

use super::{audited, Context, OpsError};
use crate::store::email_verifications::{self, Purpose, Verification};
use crate::store::mail_outbox::{self, NewMail};
use crate::store::{password_resets, unix_now, users, AnyConnection, StoreError};

/// How long a verification link works.
pub const VERIFY_TTL_SECS: i64 = 24 * 3_600;

/// Stores a link (its token's digest) for `verification` and queues the mail carrying it,
/// together; the account's earlier unused links stop working.
pub fn issue(
    conn: &mut AnyConnection,
    ctx: &Context,
    verification: &Verification,
    token_hash: &str,
    mail: &NewMail,
) -> Result<(), OpsError> {
    let action = match verification.purpose {
        Purpose::Account => "email_verification_sent",
        Purpose::Change => "email_change_requested",
    };
    audited(conn, ctx, action, &verification.user_id, |conn, _| {
        let now = unix_now();
        email_verifications::remove_unused_for_user(conn, &verification.user_id)?;
        email_verifications::insert(conn, token_hash, verification, now, now + VERIFY_TTL_SECS)?;
        mail_outbox::insert(conn, mail, now)?;
        Ok(())
    })
}

/// What following a link did.
#[derive(Debug, PartialEq, Eq)]
pub enum Confirmed {
    /// The address is now the account's, verified.
    Done,
    /// The link was used or expired meanwhile, or no longer matches the account: nothing changed.
    LinkInvalid,
    /// Another account has the new address now: nothing changed.
    AddressTaken,
}

/// Uses the link `token_hash` (as `peek` found it: `verification`) once. For a change, the
/// account's address becomes the new one and `notice` (to the old address) is queued.
pub fn confirm(
    conn: &mut AnyConnection,
    ctx: &Context,
    token_hash: &str,
    verification: &Verification,
    notice: Option<&NewMail>,
) -> Result<Confirmed, OpsError> {
    let action = match verification.purpose {
        Purpose::Account => "email_verified",
        Purpose::Change => "email_changed",
    };
    let user_id = verification.user_id.as_str();
    let result = audited(conn, ctx, action, user_id, |conn, _| {
        let now = unix_now();
        if !email_verifications::take(conn, token_hash, user_id, now)? {
            return Err(OpsError::Invalid("the link is no longer valid".into()));
        }
        match verification.purpose {
            Purpose::Account => {
                if !users::mark_email_verified(conn, user_id, &verification.email, now)? {
                    return Err(OpsError::Invalid(
                        "the account no longer has this address".into(),
                    ));
                }
            }
            Purpose::Change => {
                users::set_verified_email(conn, user_id, &verification.email, now).map_err(
                    |e| match e {
                        StoreError::Conflict => {
                            OpsError::Duplicate("another account has this address".into())
                        }
                        other => other.into(),
                    },
                )?;
                // Reset links mailed to the old address must not outlive its ownership.
                password_resets::remove_for_user(conn, user_id)?;
                if let Some(notice) = notice {
                    mail_outbox::insert(conn, notice, now)?;
                }
            }
        }
        email_verifications::remove_unused_for_user(conn, user_id)?;
        Ok(Confirmed::Done)
    });
    match result {
        Err(OpsError::Invalid(_)) => Ok(Confirmed::LinkInvalid),
        Err(OpsError::Duplicate(_)) => Ok(Confirmed::AddressTaken),
        other => other,
    }
}

/// A person sets their own display name (`None` clears it).
pub fn set_own_name(
    conn: &mut AnyConnection,
    ctx: &Context,
    user_id: &str,
    name: Option<&str>,
) -> Result<(), OpsError> {
    audited(conn, ctx, "profile_name_changed", user_id, |conn, _| {
        Ok(users::set_name(conn, user_id, name, unix_now())?)
    })
}
