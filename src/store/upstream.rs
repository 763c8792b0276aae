//! Upstream identity providers, the links from their identities to our accounts, and the
//! sign-ins sent to them and not yet back (claimed once, by whichever node gets the answer).

use diesel::prelude::*;

use super::personal_data::{decrypt, encrypt, link_place, link_row};
use super::schema::{upstream_links, upstream_logins, upstream_providers};
use super::{AnyConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = upstream_providers)]
pub struct Provider {
    /// A short slug chosen by the operator; it appears in our URLs.
    pub id: String,
    pub display_name: String,
    pub icon_url: Option<String>,
    /// The issuer as configured; discovery must answer exactly this `issuer`.
    pub issuer: String,
    pub client_id: String,
    /// The client secret sealed with the KEK (associated data: the provider id).
    pub sealed_secret: String,
    /// Space-separated scopes requested besides `openid`.
    pub scopes: String,
    /// `linked`, `email` or `create`.
    pub matching: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = upstream_links)]
pub struct Link {
    pub provider_id: String,
    /// The upstream's `sub`: stable per provider, unlike its email.
    pub subject: String,
    pub user_id: String,
    /// The upstream email when the link was made, only to show the person which one it is.
    pub email: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = upstream_logins)]
pub struct PendingLogin {
    /// SHA-256 of the `state` sent upstream; the value itself is only in the browser's URL.
    pub state_hash: String,
    pub provider_id: String,
    pub nonce: String,
    /// The PKCE verifier sealed with the KEK (associated data: the state digest).
    pub pkce_verifier: String,
    /// SHA-256 of the browser-binding cookie of the browser that started the sign-in.
    pub browser_hash: String,
    /// Our own pending authorization request (or a local page) the sign-in continues.
    pub pending_id: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

pub fn insert_provider(conn: &mut AnyConnection, provider: &Provider) -> Result<(), StoreError> {
    diesel::insert_into(upstream_providers::table)
        .values(provider)
        .execute(conn)?;
    Ok(())
}

pub fn providers(conn: &mut AnyConnection) -> Result<Vec<Provider>, StoreError> {
    Ok(upstream_providers::table
        .select(Provider::as_select())
        .order(upstream_providers::display_name.asc())
        .load(conn)?)
}

pub fn find_provider(conn: &mut AnyConnection, id: &str) -> Result<Provider, StoreError> {
    Ok(upstream_providers::table
        .find(id)
        .select(Provider::as_select())
        .first(conn)?)
}

/// Removes a provider; its links and sign-ins in flight go with it (ON DELETE CASCADE).
pub fn remove_provider(conn: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
    match diesel::delete(upstream_providers::table.find(id)).execute(conn)? {
        0 => Err(StoreError::NotFound),
        _ => Ok(()),
    }
}

/// The email is stored encrypted, bound to the link.
pub fn insert_link(conn: &mut AnyConnection, link: &Link) -> Result<(), StoreError> {
    let row = link_row(&link.provider_id, &link.subject);
    let mut stored = link.clone();
    stored.email = link
        .email
        .as_deref()
        .map(|email| encrypt(email, &link_place(&row)))
        .transpose()?;
    diesel::insert_into(upstream_links::table)
        .values(stored)
        .execute(conn)?;
    Ok(())
}

/// The link with its email decrypted (one from before encryption has its '@' in plaintext).
fn decrypt_link(mut link: Link) -> Result<Link, StoreError> {
    if let Some(stored) = link.email.as_deref().filter(|e| !e.contains('@')) {
        let row = link_row(&link.provider_id, &link.subject);
        link.email = Some(decrypt(stored, &link_place(&row))?);
    }
    Ok(link)
}

pub fn find_link(
    conn: &mut AnyConnection,
    provider_id: &str,
    subject: &str,
) -> Result<Option<Link>, StoreError> {
    upstream_links::table
        .find((provider_id, subject))
        .select(Link::as_select())
        .first(conn)
        .optional()?
        .map(decrypt_link)
        .transpose()
}

/// The account's links with their provider's display name, for the account page.
pub fn links_of(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<Vec<(Link, String)>, StoreError> {
    let links: Vec<(Link, String)> = upstream_links::table
        .inner_join(upstream_providers::table)
        .filter(upstream_links::user_id.eq(user_id))
        .select((Link::as_select(), upstream_providers::display_name))
        .order(upstream_links::created_at.asc())
        .load(conn)?;
    links
        .into_iter()
        .map(|(link, name)| Ok((decrypt_link(link)?, name)))
        .collect()
}

pub fn count_links_of(conn: &mut AnyConnection, user_id: &str) -> Result<i64, StoreError> {
    Ok(upstream_links::table
        .filter(upstream_links::user_id.eq(user_id))
        .count()
        .get_result(conn)?)
}

/// Removes the account's link; says whether there was one.
pub fn remove_link(
    conn: &mut AnyConnection,
    user_id: &str,
    provider_id: &str,
    subject: &str,
) -> Result<bool, StoreError> {
    let removed = diesel::delete(
        upstream_links::table
            .find((provider_id, subject))
            .filter(upstream_links::user_id.eq(user_id)),
    )
    .execute(conn)?;
    Ok(removed == 1)
}

pub fn insert_login(conn: &mut AnyConnection, login: &PendingLogin) -> Result<(), StoreError> {
    diesel::insert_into(upstream_logins::table)
        .values(login)
        .execute(conn)?;
    Ok(())
}

/// The sign-in sent upstream with this state, claimed by this call: of two answers carrying
/// the same state exactly one gets it; a used, expired or unknown one gives `None`.
pub fn claim_login(
    conn: &mut AnyConnection,
    state_hash: &str,
    now: i64,
) -> Result<Option<PendingLogin>, StoreError> {
    let claimed = diesel::update(
        upstream_logins::table
            .find(state_hash)
            .filter(upstream_logins::expires_at.gt(now))
            .filter(upstream_logins::used_at.is_null()),
    )
    .set(upstream_logins::used_at.eq(now))
    .execute(conn)?;
    if claimed != 1 {
        return Ok(None);
    }
    Ok(upstream_logins::table
        .find(state_hash)
        .select(PendingLogin::as_select())
        .first(conn)
        .optional()?)
}
