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
