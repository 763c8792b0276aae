//! Sign-up: what a request to make an account leads to, decided after the person was already
//! answered (the same answer whatever the outcome). A free username and address make an
//! account, unverified, with a link to verify its address; an address that has an account gets
//! its owner a mail with a password reset link instead; a taken username with a new address
//! gets that address a mail saying to choose another. Each is audited.

use super::{audited, Context, OpsError};
use crate::accounts::{self, NewUser};
use crate::store::email_verifications::{self, Purpose, Verification};
use crate::store::mail_outbox::{self, NewMail};
use crate::store::users::User;
use crate::store::{password_resets, self_registrations, unix_now, AnyConnection};

use super::email_verification::VERIFY_TTL_SECS;
use super::password_reset::RESET_TTL_SECS;

/// Makes the account (address not yet verified) with a verification link (its token's digest)
/// and queues the mail carrying the link, together. `Duplicate` when the username or address
/// was taken in the meantime.
pub fn register(
    conn: &mut AnyConnection,
    ctx: &Context,
    new: NewUser,
    password_hash: String,
    token_hash: &str,
    mail: &NewMail,
) -> Result<User, OpsError> {
    let username = new.username.clone();
    audited(conn, ctx, "signup", &username, |conn, event| {
        let now = unix_now();
        let user = accounts::insert_hashed(conn, new, password_hash, now)?;
        event.target = user.id.clone();
        self_registrations::insert(conn, &user.id, now)?;
        let email = user
            .email
            .clone()
            .ok_or_else(|| OpsError::Invalid("a sign-up needs an email address".into()))?;
        let verification = Verification {
            user_id: user.id.clone(),
            email,
            purpose: Purpose::Account,
        };
        email_verifications::insert(conn, token_hash, &verification, now, now + VERIFY_TTL_SECS)?;
        mail_outbox::insert(conn, mail, now)?;
        Ok(user)
    })
}

/// Someone signed up with the address of `owner`: nothing is made; the owner gets a mail with
/// a password reset link (its token's digest stored here), in case it was them.
pub fn notify_email_taken(
    conn: &mut AnyConnection,
    ctx: &Context,
    owner: &User,
    reset_token_hash: &str,
    mail: &NewMail,
) -> Result<(), OpsError> {
    audited(conn, ctx, "signup_email_taken", &owner.id, |conn, _| {
        let now = unix_now();
        password_resets::insert(conn, reset_token_hash, &owner.id, now, now + RESET_TTL_SECS)?;
        mail_outbox::insert(conn, mail, now)?;
        Ok(())
    })
}

/// Someone signed up with a new address and a taken username: nothing is made; the address
/// (shown masked in the audit log as `address_hint`) gets a mail saying to choose another.
pub fn notify_username_taken(
    conn: &mut AnyConnection,
    ctx: &Context,
    address_hint: &str,
    mail: &NewMail,
) -> Result<(), OpsError> {
    audited(
        conn,
        ctx,
        "signup_username_taken",
        address_hint,
        |conn, _| {
            mail_outbox::insert(conn, mail, unix_now())?;
            Ok(())
        },
    )
}
