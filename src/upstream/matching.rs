//! Which account an upstream identity signs in to: a link made before, or — by the provider's
//! matching rule — a link made now to the account with the same verified email, or a new
//! account. Linking and creating are audited in the same transaction as the change.

use super::relying_party::Identity;
use super::Matching;
use crate::accounts::{self, NewUser};
use crate::crypto::secrets::random_id;
use crate::ops::{audited, Context, OpsError};
use crate::store::upstream::{self, Link, Provider};
use crate::store::users::{self, User};
use crate::store::{unix_now, AnyConnection, StoreError};

/// Why an upstream identity gets no account here; each has its own page and audit detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `linked`: nobody linked this identity to an account.
    NotLinked,
    /// `email`: the upstream does not vouch for the email (absent or `email_verified` not true).
    EmailUnverified,
    /// `email`: no account has that email.
    NoAccountWithEmail,
    /// `create`: an account has that email already; linking it needs the person's consent.
    EmailTaken,
    /// The account is disabled.
    Disabled,
}

impl Refusal {
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::NotLinked => "identity not linked to an account",
            Refusal::EmailUnverified => "upstream email not verified",
            Refusal::NoAccountWithEmail => "no account with the upstream email",
            Refusal::EmailTaken => "an account has the upstream email already",
            Refusal::Disabled => "account disabled",
        }
    }
}

pub enum Resolution {
    Account(Box<User>),
    Refused(Refusal),
}

/// Finds (or, by the provider's rule, links or creates) the account of `identity`.
pub fn resolve(
    conn: &mut AnyConnection,
    ctx: &Context,
    provider: &Provider,
    identity: &Identity,
) -> Result<Resolution, OpsError> {
    let user = match upstream::find_link(conn, &provider.id, &identity.subject)? {
        Some(link) => users::get(conn, &link.user_id)?.ok_or(StoreError::NotFound)?,
        None => match Matching::parse(&provider.matching)? {
            Matching::Linked => return Ok(Resolution::Refused(Refusal::NotLinked)),
            Matching::Email => match link_by_email(conn, ctx, provider, identity)? {
                Ok(user) => user,
                Err(refusal) => return Ok(Resolution::Refused(refusal)),
            },
            Matching::Create => match create_account(conn, ctx, provider, identity)? {
                Ok(user) => user,
                Err(refusal) => return Ok(Resolution::Refused(refusal)),
            },
        },
    };
    if user.disabled {
        return Ok(Resolution::Refused(Refusal::Disabled));
    }
    Ok(Resolution::Account(Box::new(user)))
}

/// The upstream's email, lower-cased, only when it vouches for it.
fn verified_email(identity: &Identity) -> Option<String> {
    let email = identity.email.as_deref()?;
    if !identity.email_verified {
        return None;
    }
    accounts::normalize_email(email).ok()
}

fn link_by_email(
    conn: &mut AnyConnection,
    ctx: &Context,
    provider: &Provider,
    identity: &Identity,
) -> Result<Result<User, Refusal>, OpsError> {
    let Some(email) = verified_email(identity) else {
        return Ok(Err(Refusal::EmailUnverified));
    };
    // Usernames cannot hold '@': a login that looks like an email only finds emails.
    let found =
        users::find_by_login(conn, &email)?.filter(|u| u.email.as_deref() == Some(email.as_str()));
    let Some(user) = found else {
        return Ok(Err(Refusal::NoAccountWithEmail));
    };
    audited(conn, ctx, "upstream_link", &user.id, |conn, event| {
        insert_link(conn, provider, identity, &user.id)?;
        event.detail = format!("provider {} by verified email", provider.id);
        Ok(())
    })?;
    Ok(Ok(user))
}

fn create_account(
    conn: &mut AnyConnection,
    ctx: &Context,
    provider: &Provider,
    identity: &Identity,
) -> Result<Result<User, Refusal>, OpsError> {
    // An unverified email is not kept: it could name someone else's mailbox, which password
    // recovery would then trust.
    let email = verified_email(identity);
    if let Some(email) = &email {
        if users::find_by_login(conn, email)?.is_some() {
            return Ok(Err(Refusal::EmailTaken));
        }
    }
    let base = username_base(identity);
    let name = identity
        .name
        .as_deref()
        .and_then(|n| accounts::normalize_name(n).ok().flatten());
    let user = audited(conn, ctx, "upstream_account_create", "", |conn, event| {
        let mut username = base.clone();
        for _ in 0..3 {
            if users::find_by_login(conn, &username)?.is_none() {
                break;
            }
            username = format!("{base}-{}", random_id::<4>());
        }
        let new = NewUser {
            username,
            email: email.clone(),
            name: name.clone(),
            roles: Vec::new(),
            must_change_password: false,
            email_verified: email.is_some(),
        };
        // No password: the account signs in through the upstream until the person sets one.
        let user = accounts::insert_hashed(conn, new, String::new(), unix_now())?;
        insert_link(conn, provider, identity, &user.id)?;
        event.target = user.id.clone();
        event.detail = format!("provider {}", provider.id);
        Ok(user)
    })?;
    Ok(Ok(user))
}

/// A username from the upstream's preferred username or email, in our alphabet.
fn username_base(identity: &Identity) -> String {
    let source = identity
        .preferred_username
        .as_deref()
        .or_else(|| identity.email.as_deref().and_then(|e| e.split('@').next()))
        .unwrap_or("user");
    let cleaned: String = source
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .take(40)
        .collect();
    if cleaned.is_empty() {
        "user".to_string()
    } else {
        cleaned
    }
}

fn insert_link(
    conn: &mut AnyConnection,
    provider: &Provider,
    identity: &Identity,
    user_id: &str,
) -> Result<(), StoreError> {
    upstream::insert_link(
        conn,
        &Link {
            provider_id: provider.id.clone(),
            subject: identity.subject.clone(),
            user_id: user_id.to_string(),
            email: identity.email.clone(),
            created_at: unix_now(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_come_from_the_upstream_in_our_alphabet() {
        let identity = |preferred: Option<&str>, email: Option<&str>| Identity {
            subject: "s".into(),
            email: email.map(String::from),
            email_verified: true,
            name: None,
            preferred_username: preferred.map(String::from),
        };
        assert_eq!(username_base(&identity(Some("Ann Lee"), None)), "annlee");
        assert_eq!(username_base(&identity(None, Some("bo.x@e.com"))), "bo.x");
        assert_eq!(username_base(&identity(Some("ü"), None)), "user");
        assert_eq!(username_base(&identity(None, None)), "user");
    }
}
