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
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// A search counts its matches up to this many; past it, the console and API say "more than",
/// so that a short or empty term does not count a million rows on every page.
pub const COUNT_CAP: i64 = 10_000;

/// The least string greater than every string that starts with `prefix`, in code point order
/// (SQLite's BINARY and PostgreSQL's "C" byte order agree with it for UTF-8); `None` when
/// there is none.
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = (last as u32 + 1..=char::MAX as u32).find_map(char::from_u32) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// One page of users whose username starts with `search` or whose email is exactly `search`
/// (emails and names are encrypted: only the email's blind index can be searched), by
/// username; and how many match in all, counted up to [`COUNT_CAP`] + 1.
pub fn search_users(
    conn: &mut AnyConnection,
    search: &str,
    offset: i64,
    limit: i64,
) -> Result<(Vec<User>, i64), StoreError> {
    let term = search.trim().to_lowercase();
    let pattern = prefix_pattern(&term);
    let end = prefix_end(&term);
    let index = index_key(search)?;
    let matching = || {
        let query = users::table.into_boxed();
        if term.is_empty() {
            return query;
        }
        // The LIKE alone cannot use the username index (SQLite's LIKE ignores case, and an
        // ESCAPE clause turns its prefix optimisation off): the range narrows to the prefix,
        // the LIKE keeps the match exact.
        let Some(upper) = end.clone() else {
            // Nothing follows the term: no username (ASCII only) starts with it.
            return query.filter(users::email_index.eq(index.clone()));
        };
        let by_username = users::username
            .ge(term.clone())
            .and(users::username.lt(upper))
            .and(users::username.like(pattern.clone()).escape('\\'));
        query.filter(by_username.or(users::email_index.eq(index.clone())))
    };
    // Counting matching usernames reads the index only.
    let counted: Vec<String> = matching()
        .select(users::username)
        .limit(COUNT_CAP + 1)
        .load(conn)?;
    let page = matching()
        .select(UserRow::as_select())
        .order(users::username.asc())
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((decrypt_all(page)?, counted.len() as i64))
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
    if filter.actors.len() < 2 {
        return audit_page(conn, filter, filter.actors.first(), limit);
    }
    // `actor IN (…)` would read every entry of every actor to sort them; one backward walk
    // of the (actor, seq) index per actor, merged, reads at most `limit` entries each.
    let mut entries = Vec::new();
    for actor in &filter.actors {
        entries.extend(audit_page(conn, filter, Some(actor), limit)?);
    }
    entries.sort_by_key(|e| std::cmp::Reverse(e.seq));
    entries.dedup_by_key(|e| e.seq);
    entries.truncate(limit.max(0) as usize);
    Ok(entries)
}

fn audit_page(
    conn: &mut AnyConnection,
    filter: &AuditFilter,
    actor: Option<&String>,
    limit: i64,
) -> Result<Vec<Entry>, StoreError> {
    let mut query = audit_events::table.select(Entry::as_select()).into_boxed();
    if let Some(actor) = actor {
        query = query.filter(audit_events::actor.eq(actor.clone()));
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
