//! The detection rules' distinct counts on the database (when no Redis is configured): every
//! node on one database adds its marks to the same rows, so one count covers them all.

use diesel::prelude::*;

use super::schema::monitor_marks;
use super::{AnyConnection, StoreError};

/// Marks `member` under (`rule`, `subject`) in the window starting at `window_start`; returns
/// how many distinct members that window now holds.
pub fn mark(
    conn: &mut AnyConnection,
    rule: &str,
    subject: &str,
    member: &str,
    window_start: i64,
) -> Result<i64, StoreError> {
    let inserted = diesel::insert_into(monitor_marks::table)
        .values((
            monitor_marks::rule.eq(rule),
            monitor_marks::subject.eq(subject),
            monitor_marks::member.eq(member),
            monitor_marks::window_start.eq(window_start),
        ))
        .execute(conn);
    match inserted {
        Ok(_)
        | Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(monitor_marks::table
        .filter(monitor_marks::rule.eq(rule))
        .filter(monitor_marks::subject.eq(subject))
        .filter(monitor_marks::window_start.eq(window_start))
        .count()
        .get_result(conn)?)
}
