//! Admin API keys: making one (shown once, stored hashed), revoking it, and what a key may do
//! when it is used: never more than the person who made it may do at that moment.

use super::{audited, missing, Context, OpsError};
use crate::accounts;
use crate::crypto::secrets::{hash_secret, random_id, random_token};
use crate::store::api_keys::{self, ApiKey};
use crate::store::users::{self, User};
use crate::store::{unix_now, AnyConnection, StoreError};

/// `last_used_at` is written at most this often per key.
const TOUCH_INTERVAL_SECS: i64 = 60;

/// Makes a key with `roles` for `creator`, who must hold every one of them; returns its id and
/// the key itself (shown once, stored only as a digest).
pub fn create(
    conn: &mut AnyConnection,
    ctx: &Context,
    name: &str,
    roles: &[String],
    creator: &User,
) -> Result<(String, String), OpsError> {
    let roles = accounts::check_roles(roles)?;
    if roles.is_empty() {
        return Err(OpsError::Invalid(
            "choose at least one role for the key".into(),
        ));
    }
    let name = super::optional_text(name, "a key's name", 100)?
        .ok_or_else(|| OpsError::Invalid("give the key a name".into()))?;
    audited(conn, ctx, "admin_api_key_create", "", |conn, event| {
        if let Some(role) = roles.iter().find(|r| !holds(creator, r)) {
            return Err(OpsError::Forbidden(format!(
                "you do not hold the role {role} yourself"
            )));
        }
        let id = random_id::<8>();
        let key = format!("idpk_{}", random_token::<32>());
        api_keys::insert(
            conn,
            &ApiKey {
                id: id.clone(),
                name: name.clone(),
                key_hash: hash_secret(&key),
                roles: roles.join(" "),
                created_by: creator.id.clone(),
                created_at: unix_now(),
                last_used_at: None,
                revoked: false,
                revoked_at: None,
            },
        )?;
        event.target = id.clone();
        event.detail = format!("roles: {}", roles.join(" "));
        let severity = if roles.iter().any(|r| r == "admin") {
            "high"
        } else {
            "medium"
        };
        let subject = format!("account:{}", creator.id);
        super::security::privilege_event(
            conn,
            ctx,
            "api_key_created",
            &subject,
            severity,
            Some(&creator.id),
            None,
        )?;
        Ok((id, key))
    })
}

pub fn revoke(conn: &mut AnyConnection, ctx: &Context, id: &str) -> Result<(), OpsError> {
    audited(conn, ctx, "admin_api_key_revoke", id, |conn, _| {
        api_keys::revoke(conn, id, unix_now()).map_err(missing("API key"))
    })
}

/// Whether `user` may do all that `role` allows: they hold it, or `admin`, which allows
/// everything.
fn holds(user: &User, role: &str) -> bool {
    user.has_role(role) || user.has_role("admin")
}

/// What bounds a key at each use: the roles its creator holds now, none when the creator is
/// gone or disabled. A key may do only what both its own roles and these allow.
pub fn creator_roles(creator: Option<&User>) -> String {
    match creator {
        Some(creator) if !creator.disabled => creator.roles.clone(),
        _ => String::new(),
    }
}

/// The live key whose digest is `key_hash`, with its creator's current roles (see
/// [`creator_roles`]); records its use.
pub fn authenticate(
    conn: &mut AnyConnection,
    key_hash: &str,
) -> Result<Option<(ApiKey, String)>, StoreError> {
    let Some(key) = api_keys::find_live(conn, key_hash)? else {
        return Ok(None);
    };
    let now = unix_now();
    if key
        .last_used_at
        .is_none_or(|t| now - t >= TOUCH_INTERVAL_SECS)
    {
        api_keys::touch(conn, &key.id, now)?;
    }
    let creator = users::get(conn, &key.created_by)?;
    let ceiling = creator_roles(creator.as_ref());
    Ok(Some((key, ceiling)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(roles: &str, disabled: bool) -> User {
        User {
            id: "u".into(),
            username: "u".into(),
            email: None,
            name: None,
            password_hash: String::new(),
            roles: roles.into(),
            disabled,
            must_change_password: false,
            created_at: 0,
            updated_at: 0,
            email_verified: false,
            failed_logins: 0,
            locked_until: None,
            totp_secret: None,
            totp_enabled: false,
            totp_last_step: None,
        }
    }

    #[test]
    fn a_key_is_bounded_by_its_creator() {
        assert_eq!(
            creator_roles(Some(&user("admin auditor", false))),
            "admin auditor"
        );
        assert_eq!(creator_roles(Some(&user("admin", true))), "");
        assert_eq!(creator_roles(None), "");
        assert!(holds(&user("admin", false), "auditor"));
        assert!(holds(&user("auditor", false), "auditor"));
        assert!(!holds(&user("auditor", false), "user_manager"));
    }
}
