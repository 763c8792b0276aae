//! Queries only the admin console and admin API need: searching and editing users, and
//! filtering the audit trail.

use diesel::prelude::*;

use super::audit::Entry;
use super::personal_data::index_key;
use super::schema::{audit_events, users};
use super::users::{decrypt_all, expect_one, User, UserRow};
use super::{AnyConnection, StoreError};

/// Escapes `%`, `_` and `\\` so that a search term matches literally at the start of a LIKE
/// pattern.
fn prefix_pattern(term: &str) -> String {
    let mut pattern = String::new();
    for c in term.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// One page of users whose username starts with `search` or whose email is exactly `search`
/// (emails and names are encrypted: only the email's blind index can be searched), by
/// username; and how many match in all.
pub fn search_users(
    conn: &mut AnyConnection,
    search: &str,
    offset: i64,
    limit: i64,
) -> Result<(Vec<User>, i64), StoreError> {
    let pattern = prefix_pattern(search.trim());
    let index = index_key(search)?;
    let matching = || {
        users::table
            .filter(
                users::username
                    .like(pattern.clone())
                    .escape('\\')
                    .or(users::email_index.eq(index.clone())),
            )
            .into_boxed()
    };
    let total: i64 = matching().count().get_result(conn)?;
    let page = matching()
        .select(UserRow::as_select())
        .order(users::username.asc())
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((decrypt_all(page)?, total))
}

pub fn update_profile(
    conn: &mut AnyConnection,
    id: &str,
    name: Option<&str>,
    email: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    super::users::set_email(conn, id, email)?;
    super::users::set_name(conn, id, name, now)
}

pub fn set_roles(
    conn: &mut AnyConnection,
    id: &str,
    roles: &str,
    now: i64,
) -> Result<(), StoreError> {
    let changed = diesel::update(users::table.find(id))
        .set((users::roles.eq(roles), users::updated_at.eq(now)))
        .execute(conn)?;
    expect_one(changed)
}

/// Deletes the user; sessions, grants, consents and backup codes go with it (ON DELETE CASCADE).
pub fn delete_user(conn: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
    expect_one(diesel::delete(users::table.find(id)).execute(conn)?)
}

/// How many enabled users hold `role` (to refuse removing the last admin).
pub fn count_enabled_with_role(conn: &mut AnyConnection, role: &str) -> Result<i64, StoreError> {
    let all: Vec<String> = users::table
        .filter(users::disabled.eq(false))
        .select(users::roles)
        .load(conn)?;
    Ok(all
        .iter()
        .filter(|roles| roles.split_whitespace().any(|r| r == role))
        .count() as i64)
}

#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    /// Entries by any of these actors (none: by anyone).
    pub actors: Vec<String>,
    pub action: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Only entries older than this one (the next page of a newest-first list).
    pub before: Option<i64>,
}

/// Audit entries matching `filter`, newest first.
pub fn audit_search(
    conn: &mut AnyConnection,
    filter: &AuditFilter,
    limit: i64,
) -> Result<Vec<Entry>, StoreError> {
    let mut query = audit_events::table.select(Entry::as_select()).into_boxed();
    if !filter.actors.is_empty() {
        query = query.filter(audit_events::actor.eq_any(filter.actors.clone()));
    }
    if let Some(before) = filter.before {
        query = query.filter(audit_events::seq.lt(before));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_events::action.eq(action.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_events::at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_events::at.le(to));
    }
    Ok(query
        .order(audit_events::seq.desc())
        .limit(limit)
        .load(conn)?)
}
