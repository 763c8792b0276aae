use diesel::prelude::*;

use super::personal_data::{self, encrypt_optional, index_key, user_place};
use super::schema::users;
use super::{AnyConnection, StoreError};
use crate::crypto::personal_data::CURRENT_VERSION;

/// An account as the rest of the provider sees it: email and name in plaintext. In the table
/// they are encrypted (see `UserRow`).
#[derive(Debug, Clone)]
pub struct User {
    /// Opaque and stable: this is the `sub` of every token, never the username.
    pub id: String,
    pub username: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub password_hash: String,
    /// Space-separated role names.
    pub roles: String,
    pub disabled: bool,
    pub must_change_password: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub email_verified: bool,
    /// Consecutive failed sign-ins; reset by a success.
    pub failed_logins: i64,
    pub locked_until: Option<i64>,
    /// The TOTP secret sealed with the KEK (associated data: the user id).
    pub totp_secret: Option<String>,
    /// Set once the person has proved the authenticator works.
    pub totp_enabled: bool,
    /// The last TOTP time step accepted: a code is good once.
    pub totp_last_step: Option<i64>,
}

impl User {
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.split_whitespace().any(|r| r == role)
    }
}

/// A row of the users table: email and name encrypted, the email's blind index, and the key
/// version (`None`: a row from before encryption, still in plaintext until the next start).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub(super) struct UserRow {
    id: String,
    username: String,
    email: Option<String>,
    name: Option<String>,
    password_hash: String,
    roles: String,
    disabled: bool,
    must_change_password: bool,
    created_at: i64,
    updated_at: i64,
    email_verified: bool,
    failed_logins: i64,
    locked_until: Option<i64>,
    totp_secret: Option<String>,
    totp_enabled: bool,
    totp_last_step: Option<i64>,
    email_index: Option<String>,
    personal_data_version: Option<i64>,
}

impl UserRow {
    pub(super) fn encrypt(user: &User) -> Result<UserRow, StoreError> {
        let email = encrypt_optional(user.email.as_deref(), &user_place("email", &user.id))?;
        let name = encrypt_optional(user.name.as_deref(), &user_place("name", &user.id))?;
        Ok(UserRow {
            id: user.id.clone(),
            username: user.username.clone(),
            email,
            name,
            password_hash: user.password_hash.clone(),
            roles: user.roles.clone(),
            disabled: user.disabled,
            must_change_password: user.must_change_password,
            created_at: user.created_at,
            updated_at: user.updated_at,
            email_verified: user.email_verified,
            failed_logins: user.failed_logins,
            locked_until: user.locked_until,
            totp_secret: user.totp_secret.clone(),
            totp_enabled: user.totp_enabled,
            totp_last_step: user.totp_last_step,
            email_index: user.email.as_deref().map(index_key).transpose()?,
            personal_data_version: Some(CURRENT_VERSION),
        })
    }

    pub(super) fn decrypt(self) -> Result<User, StoreError> {
        let (email, name) = match self.personal_data_version {
            None => (self.email, self.name),
            Some(_) => {
                let open = |value: Option<String>, column| {
                    value
                        .map(|v| personal_data::decrypt(&v, &user_place(column, &self.id)))
                        .transpose()
                };
                (open(self.email, "email")?, open(self.name, "name")?)
            }
        };
        Ok(User {
            id: self.id,
            username: self.username,
            email,
            name,
            password_hash: self.password_hash,
            roles: self.roles,
            disabled: self.disabled,
            must_change_password: self.must_change_password,
            created_at: self.created_at,
            updated_at: self.updated_at,
            email_verified: self.email_verified,
            failed_logins: self.failed_logins,
            locked_until: self.locked_until,
            totp_secret: self.totp_secret,
            totp_enabled: self.totp_enabled,
            totp_last_step: self.totp_last_step,
        })
    }
}

pub(super) fn decrypt_all(rows: Vec<UserRow>) -> Result<Vec<User>, StoreError> {
    rows.into_iter().map(UserRow::decrypt).collect()
}

pub fn insert(conn: &mut AnyConnection, user: &User) -> Result<(), StoreError> {
    diesel::insert_into(users::table)
        .values(UserRow::encrypt(user)?)
        .execute(conn)?;
    Ok(())
}

pub fn count(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(users::table.count().get_result(conn)?)
}

pub fn list(conn: &mut AnyConnection) -> Result<Vec<User>, StoreError> {
    decrypt_all(
        users::table
            .select(UserRow::as_select())
            .order(users::username.asc())
            .load(conn)?,
    )
}

pub fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<User>, StoreError> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(UserRow::decrypt)
        .transpose()
}

/// Finds a user by what a person types to sign in: username (stored lower-cased) or email
/// (through its blind index, which normalises the same way).
pub fn find_by_login(conn: &mut AnyConnection, login: &str) -> Result<Option<User>, StoreError> {
    let lowered = login.trim().to_lowercase();
    let index = index_key(&lowered)?;
    users::table
        .select(UserRow::as_select())
        .filter(
            users::username
                .eq(&lowered)
                .or(users::email_index.eq(&index)),
        )
        .first(conn)
        .optional()?
        .map(UserRow::decrypt)
        .transpose()
}

/// Finds a user by username, email or id, for operators.
pub fn find(conn: &mut AnyConnection, key: &str) -> Result<User, StoreError> {
    match find_by_login(conn, key)? {
        Some(user) => Ok(user),
        None => get(conn, key)?.ok_or(StoreError::NotFound),
    }
}

pub fn update_password_hash(
    conn: &mut AnyConnection,
    id: &str,
    password_hash: &str,
) -> Result<(), StoreError> {
    diesel::update(users::table.find(id))
        .set(users::password_hash.eq(password_hash))
        .execute(conn)?;
    Ok(())
}

pub fn set_password(
    conn: &mut AnyConnection,
    id: &str,
    password_hash: &str,
    must_change: bool,
    now: i64,
) -> Result<(), StoreError> {
    let changed = diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(password_hash),
            users::must_change_password.eq(must_change),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    expect_one(changed)
}

pub fn set_disabled(
    conn: &mut AnyConnection,
    id: &str,
    disabled: bool,
    now: i64,
) -> Result<(), StoreError> {
    let changed = diesel::update(users::table.find(id))
        .set((users::disabled.eq(disabled), users::updated_at.eq(now)))
        .execute(conn)?;
    expect_one(changed)
}

pub(super) fn expect_one(changed: usize) -> Result<(), StoreError> {
    if changed == 1 {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

/// Counts a failed sign-in; locks the account for `lock_secs` at the `threshold`-th in a row.
/// Returns whether the account is now locked.
pub fn record_failure(
    conn: &mut AnyConnection,
    id: &str,
    threshold: i64,
    lock_secs: i64,
    now: i64,
) -> Result<bool, StoreError> {
    super::write_transaction(conn, |conn| {
        diesel::update(users::table.find(id))
            .set(users::failed_logins.eq(users::failed_logins + 1))
            .execute(conn)?;
        let failures: i64 = users::table
            .find(id)
            .select(users::failed_logins)
            .first(conn)?;
        if failures >= threshold {
            diesel::update(users::table.find(id))
                .set((
                    users::locked_until.eq(now + lock_secs),
                    users::failed_logins.eq(0),
                ))
                .execute(conn)?;
            return Ok(true);
        }
        Ok(false)
    })
}

pub fn record_success(conn: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
    diesel::update(users::table.find(id).filter(users::failed_logins.ne(0)))
        .set(users::failed_logins.eq(0))
        .execute(conn)?;
    Ok(())
}

pub fn unlock(conn: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
    let changed = diesel::update(users::table.find(id))
        .set((
            users::locked_until.eq(None::<i64>),
            users::failed_logins.eq(0),
        ))
        .execute(conn)?;
    expect_one(changed)
}

/// Stores a new, not yet enabled TOTP secret (sealed).
pub fn set_totp_secret(
    conn: &mut AnyConnection,
    id: &str,
    sealed: Option<&str>,
    enabled: bool,
) -> Result<(), StoreError> {
    let changed = diesel::update(users::table.find(id))
        .set((
            users::totp_secret.eq(sealed),
            users::totp_enabled.eq(enabled),
            users::totp_last_step.eq(None::<i64>),
        ))
        .execute(conn)?;
    expect_one(changed)
}

pub fn enable_totp(conn: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
    expect_one(
        diesel::update(
            users::table
                .find(id)
                .filter(users::totp_secret.is_not_null()),
        )
        .set(users::totp_enabled.eq(true))
        .execute(conn)?,
    )
}

/// Records `step` as used if it is later than any used before: true exactly once per step, on
/// every node, so a code cannot be replayed within its window.
pub fn claim_totp_step(conn: &mut AnyConnection, id: &str, step: i64) -> Result<bool, StoreError> {
    let claimed = diesel::update(
        users::table.find(id).filter(
            users::totp_last_step
                .is_null()
                .or(users::totp_last_step.lt(step)),
        ),
    )
    .set(users::totp_last_step.eq(step))
    .execute(conn)?;
    Ok(claimed == 1)
}

/// Marks the account's address verified if it is still `email` (a link proves the address it
/// was sent to, not whatever the account has now). Returns whether it did.
pub fn mark_email_verified(
    conn: &mut AnyConnection,
    id: &str,
    email: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let index = index_key(email)?;
    let changed = diesel::update(users::table.find(id).filter(users::email_index.eq(index)))
        .set((users::email_verified.eq(true), users::updated_at.eq(now)))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Replaces the account's address with a proved one (`Conflict` when another account has it).
pub fn set_verified_email(
    conn: &mut AnyConnection,
    id: &str,
    email: &str,
    now: i64,
) -> Result<(), StoreError> {
    set_email(conn, id, Some(email))?;
    let changed = diesel::update(users::table.find(id))
        .set((users::email_verified.eq(true), users::updated_at.eq(now)))
        .execute(conn)?;
    expect_one(changed)
}

/// Stores `email` encrypted with its blind index (`Conflict` when another account has it).
pub(super) fn set_email(
    conn: &mut AnyConnection,
    id: &str,
    email: Option<&str>,
) -> Result<(), StoreError> {
    // A row still in plaintext is encrypted whole first: one version for all its columns.
    personal_data::encrypt_user(conn, id)?;
    let stored = encrypt_optional(email, &user_place("email", id))?;
    let index = email.map(index_key).transpose()?;
    let changed = diesel::update(users::table.find(id))
        .set((
            users::email.eq(stored),
            users::email_index.eq(index),
            users::personal_data_version.eq(CURRENT_VERSION),
        ))
        .execute(conn)?;
    expect_one(changed)
}

pub fn set_name(
    conn: &mut AnyConnection,
    id: &str,
    name: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    personal_data::encrypt_user(conn, id)?;
    let stored = encrypt_optional(name, &user_place("name", id))?;
    let changed = diesel::update(users::table.find(id))
        .set((
            users::name.eq(stored),
            users::personal_data_version.eq(CURRENT_VERSION),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    expect_one(changed)
}

/// After an operator set another address: nobody has proved it yet.
pub fn set_email_unverified(conn: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
    let changed = diesel::update(users::table.find(id))
        .set(users::email_verified.eq(false))
        .execute(conn)?;
    expect_one(changed)
}
