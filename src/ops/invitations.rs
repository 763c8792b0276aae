//! Invitations: an admin or user manager (console or admin API) invites an address; the link
//! in the mail lets its holder choose a username and password, which makes an account whose
//! address is proved by the mail. Each inviter may send only so many per hour; an invitation
//! expires, and may be revoked until used.

use super::{audited, Context, OpsError};
use crate::accounts::{self, NewUser};
use crate::store::invitations::{self, Invitation};
use crate::store::mail_outbox::{self, NewMail};
use crate::store::users::{self, User};
use crate::store::{unix_now, AnyConnection, StoreError};

/// The window of the per-inviter limit.
const LIMIT_WINDOW_SECS: i64 = 3_600;

/// What an invitation is sent with.
pub struct NewInvitation {
    /// Normalised already.
    pub email: String,
    pub token_hash: String,
    pub ttl_secs: i64,
    /// Invitations one inviter may send per hour.
    pub per_hour: i64,
}

/// Stores the invitation and queues its mail, together; an earlier open invitation to the same
/// address ends. Refused when an account has the address (409), or when the inviter sent their
/// hourly share already (429).
pub fn invite(
    conn: &mut AnyConnection,
    ctx: &Context,
    new: NewInvitation,
    mail: &NewMail,
) -> Result<Invitation, OpsError> {
    let target = crate::telemetry::mask_email(&new.email);
    audited(conn, ctx, "invitation_sent", &target, |conn, event| {
        let now = unix_now();
        let (sent, oldest) = invitations::sent_since(conn, &ctx.actor, now - LIMIT_WINDOW_SECS)?;
        if sent >= new.per_hour {
            let retry_after = oldest.map_or(LIMIT_WINDOW_SECS, |t| t + LIMIT_WINDOW_SECS - now);
            return Err(OpsError::Limited {
                retry_after: retry_after.max(1),
            });
        }
        if users::find_by_login(conn, &new.email)?.is_some() {
            return Err(OpsError::Duplicate(
                "an account already has this address".into(),
            ));
        }
        invitations::revoke_open_to(conn, &new.email, now)?;
        let invitation = Invitation {
            id: crate::crypto::secrets::random_id::<12>(),
            token_hash: new.token_hash,
            email: new.email,
            invited_by: ctx.actor.clone(),
            created_at: now,
            expires_at: now + new.ttl_secs,
            accepted_at: None,
            revoked_at: None,
            user_id: None,
        };
        invitations::insert(conn, &invitation)?;
        mail_outbox::insert(conn, mail, now)?;
        event.detail = format!("invitation {}", invitation.id);
        Ok(invitation)
    })
}

/// Revokes an open invitation (404 when there is none by that id, or it ended already).
pub fn revoke(conn: &mut AnyConnection, ctx: &Context, id: &str) -> Result<(), OpsError> {
    audited(conn, ctx, "invitation_revoked", id, |conn, _| {
        if invitations::revoke(conn, id, unix_now())? {
            Ok(())
        } else {
            Err(OpsError::NotFound("open invitation"))
        }
    })
}

/// Makes the account through the invitation of `token_hash`, once: the address is the
/// invitation's, proved by its mail. `Duplicate` (and nothing used) when the username, or by
/// now the address, is taken; `Invalid` when the invitation ended meanwhile.
pub fn accept(
    conn: &mut AnyConnection,
    ctx: &Context,
    token_hash: &str,
    invitation: &Invitation,
    username: String,
    password_hash: String,
) -> Result<User, OpsError> {
    audited(
        conn,
        ctx,
        "invitation_accepted",
        &invitation.id,
        |conn, event| {
            let now = unix_now();
            if users::find_by_login(conn, &invitation.email)?.is_some() {
                return Err(OpsError::Invalid(
                    "an account already has this address".into(),
                ));
            }
            let new = NewUser {
                username,
                email: Some(invitation.email.clone()),
                name: None,
                roles: Vec::new(),
                must_change_password: false,
                email_verified: true,
            };
            let user =
                accounts::insert_hashed(conn, new, password_hash, now).map_err(|e| match e {
                    accounts::AccountError::Duplicate => {
                        OpsError::Duplicate("that username is taken; choose another".into())
                    }
                    other => other.into(),
                })?;
            if !invitations::accept(conn, token_hash, &user.id, now)? {
                return Err(OpsError::Invalid(
                    "the invitation is no longer valid".into(),
                ));
            }
            event.detail = format!("user {}", user.id);
            Ok(user)
        },
    )
}

/// The invitations to list, newest first.
pub fn list(conn: &mut AnyConnection, limit: i64) -> Result<Vec<Invitation>, StoreError> {
    invitations::list(conn, limit)
}
