//! Changes to people's accounts: create, edit (name, email, roles), set or reset the password,
//! disable, enable, unlock, reset the second factor, end sessions, delete. Each is audited in
//! its own transaction (see [`super::audited`]).

use super::sessions::{self as ending, Which};
use super::{audited, missing, Context, OpsError};
use crate::accounts::{self, NewUser};
use crate::store::admin as queries;
use crate::store::mail_outbox::{self, NewMail};
use crate::store::users::{self, User};
use crate::store::{backup_codes, grants, unix_now, AnyConnection};

/// The user named by id or username.
pub fn find(conn: &mut AnyConnection, key: &str) -> Result<User, OpsError> {
    users::find(conn, key).map_err(missing("user"))
}

pub fn get(conn: &mut AnyConnection, id: &str) -> Result<User, OpsError> {
    users::get(conn, id)?.ok_or(OpsError::NotFound("user"))
}

/// Stores a checked new account (see `NewUser::checked`) with its already hashed password.
pub fn create(
    conn: &mut AnyConnection,
    ctx: &Context,
    new: NewUser,
    password_hash: String,
) -> Result<User, OpsError> {
    let username = new.username.clone();
    audited(conn, ctx, "admin_user_create", &username, |conn, event| {
        // The first admin of an installation is its setup, not a privilege event.
        let setup = queries::count_enabled_with_role(conn, "admin")? == 0;
        let user = accounts::insert_hashed(conn, new, password_hash, unix_now())?;
        event.target = user.id.clone();
        if !user.roles.is_empty() {
            event.detail = format!("roles: {}", user.roles);
            if !setup {
                super::security::roles_granted(conn, ctx, &user.id, "", &user.roles)?;
            }
        }
        Ok(user)
    })
}

/// What an edit changes; `None` leaves a field as it is. Text is as typed: an empty name or
/// email clears it.
#[derive(Debug, Default, Clone)]
pub struct UserEdit {
    pub name: Option<String>,
    pub email: Option<String>,
    pub roles: Option<Vec<String>>,
}

impl UserEdit {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.email.is_none() && self.roles.is_none()
    }
}

/// Changes name, email and roles in one transaction. Taking the admin role from the last
/// enabled admin is refused, as is an email another account has.
pub fn edit(
    conn: &mut AnyConnection,
    ctx: &Context,
    id: &str,
    edit: UserEdit,
) -> Result<User, OpsError> {
    if edit.is_empty() {
        return Err(OpsError::Invalid("nothing to change".into()));
    }
    let name = edit
        .name
        .as_deref()
        .map(accounts::normalize_name)
        .transpose()?;
    let email = edit
        .email
        .as_deref()
        .map(accounts::optional_email)
        .transpose()?;
    let roles = edit
        .roles
        .as_deref()
        .map(accounts::check_roles)
        .transpose()?;
    let action = if roles.is_some() && name.is_none() && email.is_none() {
        "admin_user_roles"
    } else {
        "admin_user_update"
    };
    audited(conn, ctx, action, id, |conn, event| {
        let user = get(conn, id)?;
        let now = unix_now();
        let name = name.unwrap_or_else(|| user.name.clone());
        let email = email.unwrap_or_else(|| user.email.clone());
        if name != user.name || email != user.email {
            queries::update_profile(conn, &user.id, name.as_deref(), email.as_deref(), now)
                .map_err(|e| match e {
                    crate::store::StoreError::Conflict => {
                        OpsError::Duplicate("another user has that email address".into())
                    }
                    other => other.into(),
                })?;
            // Whoever proved the old address has not proved this one.
            if email != user.email {
                users::set_email_unverified(conn, &user.id)?;
            }
        }
        let mut changes = Vec::new();
        if let Some(roles) = roles {
            let roles = roles.join(" ");
            queries::set_roles(conn, &user.id, &roles, now)?;
            super::security::roles_granted(conn, ctx, &user.id, &user.roles, &roles)?;
            if user.has_role("admin")
                && !user.disabled
                && queries::count_enabled_with_role(conn, "admin")? == 0
            {
                return Err(OpsError::Invalid(
                    "at least one enabled admin must remain".into(),
                ));
            }
            changes.push(format!("roles: {roles}"));
        }
        event.detail = changes.join("; ");
        get(conn, &user.id)
    })
}

/// Sets a new password (already checked and hashed): the account is unlocked and its sessions
/// end. `temporary`: the person must choose their own at the next sign-in (an admin's reset).
pub fn set_password(
    conn: &mut AnyConnection,
    ctx: &Context,
    id: &str,
    password_hash: &str,
    temporary: bool,
) -> Result<(usize, usize), OpsError> {
    let action = if temporary {
        "admin_user_password_reset"
    } else {
        "admin_user_password_set"
    };
    // Someone else set the password: whoever held the account before must lose it, so every
    // session ends and every grant (with its refresh tokens) is revoked.
    audited(conn, ctx, action, id, |conn, event| {
        let now = unix_now();
        users::set_password(conn, id, password_hash, temporary, now).map_err(missing("user"))?;
        users::unlock(conn, id)?;
        // Someone else chose the new password: a second factor demanded of the old one is moot.
        crate::store::second_factor_demands::satisfied(conn, id)?;
        let everything = Which::AllOf {
            user_id: id,
            keep: "",
        };
        let ended = ending::end(conn, everything, now)?.sessions.len();
        let revoked = grants::revoke_all_for_user(conn, id, now)?;
        event.detail = format!("{ended} sessions ended, {revoked} grants revoked");
        Ok((ended, revoked))
    })
}

/// A person's own password change (already checked and hashed): their other sessions end and
/// every grant they made is revoked. Returns how many sessions ended and grants were revoked.
pub fn change_own_password(
    conn: &mut AnyConnection,
    ctx: &Context,
    id: &str,
    password_hash: &str,
    keep_session_hash: &str,
    notice: Option<&NewMail>,
) -> Result<(usize, usize), OpsError> {
    audited(conn, ctx, "password_changed", id, |conn, event| {
        let now = unix_now();
        users::set_password(conn, id, password_hash, false, now).map_err(missing("user"))?;
        let others = Which::AllOf {
            user_id: id,
            keep: keep_session_hash,
        };
        let ended = ending::end(conn, others, now)?.sessions.len();
        let revoked = grants::revoke_all_for_user(conn, id, now)?;
        if let Some(notice) = notice {
            mail_outbox::insert(conn, notice, now)?;
        }
        event.detail = format!("{ended} other sessions ended, {revoked} grants revoked");
        Ok((ended, revoked))
    })
}

/// Disables (and signs out everywhere) or enables an account; not one's own.
pub fn set_disabled(
    conn: &mut AnyConnection,
    ctx: &Context,
    id: &str,
    disabled: bool,
) -> Result<User, OpsError> {
    let action = if disabled {
        "admin_user_disable"
    } else {
        "admin_user_enable"
    };
    audited(conn, ctx, action, id, |conn, _| {
        if disabled && ctx.acting_user.as_deref() == Some(id) {
            return Err(OpsError::Forbidden(
                "you cannot disable your own account".into(),
            ));
        }
        let now = unix_now();
        users::set_disabled(conn, id, disabled, now).map_err(missing("user"))?;
        if disabled {
            let everything = Which::AllOf {
                user_id: id,
                keep: "",
            };
            ending::end(conn, everything, now)?;
        }
        get(conn, id)
    })
}

/// Lifts a lock set by repeated failed sign-ins.
pub fn unlock(conn: &mut AnyConnection, ctx: &Context, id: &str) -> Result<(), OpsError> {
    audited(conn, ctx, "account_unlocked", id, |conn, _| {
        get(conn, id)?;
        Ok(users::unlock(conn, id)?)
    })
}

/// Turns the second factor off and removes the backup codes; the person may enrol again. The
/// `notice` to the account's address, if any, is queued with the change.
pub fn reset_second_factor(
    conn: &mut AnyConnection,
    ctx: &Context,
    id: &str,
    notice: Option<&NewMail>,
) -> Result<(), OpsError> {
    audited(conn, ctx, "admin_user_totp_reset", id, |conn, _| {
        get(conn, id)?;
        users::set_totp_secret(conn, id, None, false)?;
        if let Some(notice) = notice {
            mail_outbox::insert(conn, notice, unix_now())?;
        }
        Ok(backup_codes::remove_all(conn, id)?)
    })
}

/// Ends one session (by its public id) or, with `None`, all of them.
pub fn end_sessions(
    conn: &mut AnyConnection,
    ctx: &Context,
    id: &str,
    sid: Option<&str>,
) -> Result<(), OpsError> {
    audited(conn, ctx, "admin_user_sessions_end", id, |conn, event| {
        get(conn, id)?;
        let now = unix_now();
        match sid {
            Some(sid) => {
                ending::end(conn, Which::Sid { user_id: id, sid }, now)?;
                event.detail = format!("sid {sid}");
            }
            None => {
                let everything = Which::AllOf {
                    user_id: id,
                    keep: "",
                };
                let ended = ending::end(conn, everything, now)?.sessions.len();
                event.detail = format!("{ended} sessions ended");
            }
        }
        Ok(())
    })
}

/// Deletes an account (not one's own, not the last enabled admin); its sessions, grants,
/// consents and backup codes go with it, its sessions' clients told first.
pub fn delete(conn: &mut AnyConnection, ctx: &Context, id: &str) -> Result<User, OpsError> {
    audited(conn, ctx, "admin_user_delete", id, |conn, event| {
        if ctx.acting_user.as_deref() == Some(id) {
            return Err(OpsError::Forbidden(
                "you cannot delete your own account".into(),
            ));
        }
        let user = get(conn, id)?;
        event.detail = format!("username {}", user.username);
        if user.has_role("admin")
            && !user.disabled
            && queries::count_enabled_with_role(conn, "admin")? <= 1
        {
            return Err(OpsError::Invalid(
                "the last enabled admin cannot be deleted".into(),
            ));
        }
        let everything = Which::AllOf {
            user_id: id,
            keep: "",
        };
        ending::end(conn, everything, unix_now())?;
        queries::delete_user(conn, id)?;
        Ok(user)
    })
}
