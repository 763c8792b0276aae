//! Personal data at rest (see `crypto::personal_data`): where each encrypted value lives, and
//! the pass that encrypts rows written before encryption, in batches, at every start.

use diesel::prelude::*;

use super::schema::{email_verifications, invitations, upstream_links, users};
use super::{write_transaction, AnyConnection, StoreError};
use crate::crypto::personal_data::{keys, Place, CURRENT_VERSION};
use crate::crypto::CryptoError;

/// Rows encrypted per transaction: short enough not to hold the write lock for long.
pub const BATCH: i64 = 500;

pub(super) fn to_store_error(err: CryptoError) -> StoreError {
    StoreError::Corrupt(err.to_string())
}

pub(super) fn user_place<'a>(column: &'static str, id: &'a str) -> Place<'a> {
    Place {
        table: "users",
        column,
        row: id,
    }
}

pub(super) fn encrypt_optional(
    value: Option<&str>,
    place: &Place,
) -> Result<Option<String>, StoreError> {
    value.map(|v| encrypt(v, place)).transpose()
}

pub(super) fn encrypt(value: &str, place: &Place) -> Result<String, StoreError> {
    keys()
        .and_then(|k| k.encrypt(value, place))
        .map_err(to_store_error)
}

pub(super) fn decrypt(value: &str, place: &Place) -> Result<String, StoreError> {
    keys()
        .and_then(|k| k.decrypt(value, place))
        .map_err(to_store_error)
}

/// The blind index of an email address.
pub(super) fn index_key(email: &str) -> Result<String, StoreError> {
    Ok(keys().map_err(to_store_error)?.email_index(email))
}

/// The row key of a link between an upstream identity and an account.
pub(super) fn link_row(provider_id: &str, subject: &str) -> String {
    // The provider id is a slug without spaces; the subject comes last, whatever it holds.
    format!("{provider_id} {subject}")
}

/// Where the email of such a link lives (`row` from `link_row`).
pub(super) fn link_place(row: &str) -> Place<'_> {
    Place {
        table: "upstream_links",
        column: "email",
        row,
    }
}

/// What one pass encrypted, per table.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Encrypted {
    pub users: usize,
    pub invitations: usize,
    pub email_verifications: usize,
    pub upstream_links: usize,
    /// Whether the tables were rewritten after rows were encrypted (see `drop_old_versions`).
    pub compacted: bool,
}

impl Encrypted {
    pub fn total(&self) -> usize {
        self.users + self.invitations + self.email_verifications + self.upstream_links
    }
}

/// Encrypts every row still holding plaintext personal data, `BATCH` rows per transaction.
/// Safe to run again and on several nodes at once: each update applies only to a row still in
/// plaintext, so a row another node encrypted first is skipped. `progress` hears each batch.
pub fn encrypt_plaintext(
    conn: &mut AnyConnection,
    mut progress: impl FnMut(&Encrypted),
) -> Result<Encrypted, StoreError> {
    let mut done = Encrypted::default();
    loop {
        let before = done;
        done.users += write_transaction(conn, users_batch)?;
        done.invitations += write_transaction(conn, invitations_batch)?;
        done.email_verifications += write_transaction(conn, verifications_batch)?;
        done.upstream_links += write_transaction(conn, links_batch)?;
        if done == before && !any_plaintext(conn)? {
            // Another process busy with the database may keep the rewrite from happening: the
            // caller warns, and an operator's VACUUM does it later.
            done.compacted = done.total() > 0 && drop_old_versions(conn).is_ok();
            return Ok(done);
        }
        progress(&done);
    }
}

/// An update leaves the plaintext it replaced in the files (SQLite's free pages and WAL,
/// PostgreSQL's dead row versions) until the space is reused: rewrite the tables now, so that
/// a copy of the files holds no address either. Runs once, after the pass that encrypted rows.
fn drop_old_versions(conn: &mut AnyConnection) -> Result<(), StoreError> {
    use diesel::connection::SimpleConnection;
    match conn {
        AnyConnection::Sqlite(c) => c.batch_execute("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")?,
        AnyConnection::Postgresql(c) => {
            c.batch_execute("VACUUM FULL users, invitations, email_verifications, upstream_links")?
        }
    }
    Ok(())
}

/// Whether a row is still in plaintext (another node may be encrypting it right now).
fn any_plaintext(conn: &mut AnyConnection) -> Result<bool, StoreError> {
    let users: i64 = users::table
        .filter(users::personal_data_version.is_null())
        .count()
        .get_result(conn)?;
    let invitations: i64 = invitations::table
        .filter(invitations::email.like("%@%"))
        .count()
        .get_result(conn)?;
    let verifications: i64 = email_verifications::table
        .filter(email_verifications::email.like("%@%"))
        .count()
        .get_result(conn)?;
    let links: i64 = upstream_links::table
        .filter(upstream_links::email.like("%@%"))
        .count()
        .get_result(conn)?;
    Ok(users + invitations + verifications + links > 0)
}

/// Encrypts the account `id` if it is still in plaintext (before one of its columns is written
/// encrypted, so that the row has one version for all of them).
pub(super) fn encrypt_user(conn: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
    let row: Option<(String, Option<String>, Option<String>)> = users::table
        .find(id)
        .filter(users::personal_data_version.is_null())
        .select((users::id, users::email, users::name))
        .first(conn)
        .optional()?;
    if let Some(row) = row {
        encrypt_user_row(conn, row)?;
    }
    Ok(())
}

fn users_batch(conn: &mut AnyConnection) -> Result<usize, StoreError> {
    let rows: Vec<(String, Option<String>, Option<String>)> = users::table
        .filter(users::personal_data_version.is_null())
        .select((users::id, users::email, users::name))
        .order(users::id.asc())
        .limit(BATCH)
        .load(conn)?;
    let mut changed = 0;
    for row in rows {
        changed += encrypt_user_row(conn, row)?;
    }
    Ok(changed)
}

fn encrypt_user_row(
    conn: &mut AnyConnection,
    (id, email, name): (String, Option<String>, Option<String>),
) -> Result<usize, StoreError> {
    let sealed_email = encrypt_optional(email.as_deref(), &user_place("email", &id))?;
    let sealed_name = encrypt_optional(name.as_deref(), &user_place("name", &id))?;
    let index = email.as_deref().map(index_key).transpose()?;
    Ok(diesel::update(
        users::table
            .find(&id)
            .filter(users::personal_data_version.is_null()),
    )
    .set((
        users::email.eq(sealed_email),
        users::name.eq(sealed_name),
        users::email_index.eq(index),
        users::personal_data_version.eq(CURRENT_VERSION),
    ))
    .execute(conn)?)
}

fn invitations_batch(conn: &mut AnyConnection) -> Result<usize, StoreError> {
    let rows: Vec<(String, String)> = invitations::table
        .filter(invitations::email.like("%@%"))
        .select((invitations::id, invitations::email))
        .order(invitations::id.asc())
        .limit(BATCH)
        .load(conn)?;
    let mut changed = 0;
    for (id, email) in rows {
        let sealed = encrypt(&email, &invitation_place(&id))?;
        changed += diesel::update(
            invitations::table
                .find(&id)
                .filter(invitations::email.eq(&email)),
        )
        .set((
            invitations::email.eq(sealed),
            invitations::email_index.eq(index_key(&email)?),
        ))
        .execute(conn)?;
    }
    Ok(changed)
}

pub(super) fn invitation_place(id: &str) -> Place<'_> {
    Place {
        table: "invitations",
        column: "email",
        row: id,
    }
}

pub(super) fn verification_place(token_hash: &str) -> Place<'_> {
    Place {
        table: "email_verifications",
        column: "email",
        row: token_hash,
    }
}

fn verifications_batch(conn: &mut AnyConnection) -> Result<usize, StoreError> {
    let rows: Vec<(String, String)> = email_verifications::table
        .filter(email_verifications::email.like("%@%"))
        .select((email_verifications::token_hash, email_verifications::email))
        .order(email_verifications::token_hash.asc())
        .limit(BATCH)
        .load(conn)?;
    let mut changed = 0;
    for (token_hash, email) in rows {
        let sealed = encrypt(&email, &verification_place(&token_hash))?;
        changed += diesel::update(
            email_verifications::table
                .find(&token_hash)
                .filter(email_verifications::email.eq(&email)),
        )
        .set(email_verifications::email.eq(sealed))
        .execute(conn)?;
    }
    Ok(changed)
}

fn links_batch(conn: &mut AnyConnection) -> Result<usize, StoreError> {
    let rows: Vec<(String, String, Option<String>)> = upstream_links::table
        .filter(upstream_links::email.like("%@%"))
        .select((
            upstream_links::provider_id,
            upstream_links::subject,
            upstream_links::email,
        ))
        .order((
            upstream_links::provider_id.asc(),
            upstream_links::subject.asc(),
        ))
        .limit(BATCH)
        .load(conn)?;
    let mut changed = 0;
    for (provider_id, subject, email) in rows {
        let Some(email) = email else { continue };
        let row = link_row(&provider_id, &subject);
        let sealed = encrypt(&email, &link_place(&row))?;
        changed += diesel::update(
            upstream_links::table
                .find((&provider_id, &subject))
                .filter(upstream_links::email.eq(&email)),
        )
        .set(upstream_links::email.eq(sealed))
        .execute(conn)?;
    }
    Ok(changed)
}
