//! Changes to upstream identity providers and to the links of accounts with them.

use super::{audited, missing, Context, OpsError};
use crate::crypto::kek::KeyEncryptionKey;
use crate::store::upstream::{self, Link, Provider};
use crate::store::{unix_now, users, AnyConnection};
use crate::upstream::NewProvider;

/// Registers an upstream provider (its secret sealed with the KEK). Discovery happens when
/// people sign in, so that a provider can be registered before it is reachable from here.
pub fn add(
    conn: &mut AnyConnection,
    ctx: &Context,
    kek: &KeyEncryptionKey,
    new: NewProvider,
) -> Result<Provider, OpsError> {
    let target = new.id.clone();
    audited(
        conn,
        ctx,
        "admin_upstream_create",
        &target,
        |conn, event| {
            let provider = new.checked(kek, unix_now())?;
            upstream::insert_provider(conn, &provider).map_err(|e| match e {
                crate::store::StoreError::Conflict => {
                    OpsError::Duplicate("an upstream provider with that id already exists".into())
                }
                other => other.into(),
            })?;
            event.target = provider.id.clone();
            event.detail = format!("issuer {}, matching {}", provider.issuer, provider.matching);
            Ok(provider)
        },
    )
}

pub fn list(conn: &mut AnyConnection) -> Result<Vec<Provider>, OpsError> {
    Ok(upstream::providers(conn)?)
}

/// Removes a provider; the links of accounts with it go too (the accounts stay).
pub fn remove(conn: &mut AnyConnection, ctx: &Context, id: &str) -> Result<(), OpsError> {
    audited(conn, ctx, "admin_upstream_delete", id, |conn, _| {
        upstream::remove_provider(conn, id).map_err(missing("upstream provider"))
    })
}

/// Links account `user` (username, email or id) to the upstream identity `subject`, so that it
/// may sign in through a provider whose matching is `linked`.
pub fn link(
    conn: &mut AnyConnection,
    ctx: &Context,
    provider_id: &str,
    user: &str,
    subject: &str,
) -> Result<Link, OpsError> {
    audited(conn, ctx, "admin_upstream_link", user, |conn, event| {
        let provider =
            upstream::find_provider(conn, provider_id).map_err(missing("upstream provider"))?;
        let user = users::find(conn, user).map_err(missing("user"))?;
        let subject = subject.trim();
        if subject.is_empty() || subject.len() > 255 {
            return Err(OpsError::Invalid(
                "an upstream subject has 1 to 255 characters".into(),
            ));
        }
        let link = Link {
            provider_id: provider.id.clone(),
            subject: subject.to_string(),
            user_id: user.id.clone(),
            email: None,
            created_at: unix_now(),
        };
        upstream::insert_link(conn, &link).map_err(|e| match e {
            crate::store::StoreError::Conflict => {
                OpsError::Duplicate("that upstream identity is linked already".into())
            }
            other => other.into(),
        })?;
        event.target = user.id;
        event.detail = format!("provider {}", provider.id);
        Ok(link)
    })
}

/// The person removes one of their links. Refused when it is their last way to sign in (no
/// password, no passkey and no other link).
pub fn unlink(
    conn: &mut AnyConnection,
    ctx: &Context,
    user_id: &str,
    provider_id: &str,
    subject: &str,
) -> Result<(), OpsError> {
    audited(conn, ctx, "upstream_unlink", user_id, |conn, event| {
        let user = users::get(conn, user_id)?.ok_or(OpsError::NotFound("user"))?;
        let links = upstream::count_links_of(conn, user_id)?;
        let passkeys = crate::store::passkeys::list_for_user(conn, user_id)?;
        if user.password_hash.is_empty() && passkeys.is_empty() && links <= 1 {
            return Err(OpsError::Forbidden(
                "this is your only way to sign in: add a passkey or set a password first".into(),
            ));
        }
        if !upstream::remove_link(conn, user_id, provider_id, subject)? {
            return Err(OpsError::NotFound("linked account"));
        }
        event.detail = format!("provider {provider_id}");
        Ok(())
    })
}
