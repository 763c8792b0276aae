use diesel::prelude::*;

use super::schema::users;
use super::{AnyConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
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

pub fn insert(conn: &mut AnyConnection, user: &User) -> Result<(), StoreError> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)?;
    Ok(())
}

pub fn count(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(users::table.count().get_result(conn)?)
}

pub fn list(conn: &mut AnyConnection) -> Result<Vec<User>, StoreError> {
    Ok(users::table
        .select(User::as_select())
        .order(users::username.asc())
        .load(conn)?)
}

pub fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<User>, StoreError> {
    Ok(users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// Finds a user by what a person types to sign in: username or email (both stored lower-cased).
pub fn find_by_login(conn: &mut AnyConnection, login: &str) -> Result<Option<User>, StoreError> {
    let lowered = login.trim().to_lowercase();
    Ok(users::table
        .select(User::as_select())
        .filter(users::username.eq(&lowered).or(users::email.eq(&lowered)))
        .first(conn)
        .optional()?)
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
    let changed = diesel::update(users::table.find(id).filter(users::email.eq(email)))
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
    let changed = diesel::update(users::table.find(id))
        .set((
            users::email.eq(email),
            users::email_verified.eq(true),
            users::updated_at.eq(now),
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
    let changed = diesel::update(users::table.find(id))
        .set((users::name.eq(name), users::updated_at.eq(now)))
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
