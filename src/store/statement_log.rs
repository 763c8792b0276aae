//! Logs every SQL statement the provider runs, without its bound values, under the tracing
//! target `idp::sql` at TRACE level (e.g. `log.level = "info,idp::sql=trace"`). The statements
//! carry no data: values travel as bind parameters, and those (token digests, emails' blind
//! indexes, sealed personal data) are cut off before anything is written. The index test
//! (tests/api/query_plans.rs) reads this log to check every statement of the hot paths.

use diesel::connection::{Connection, InstrumentationEvent};

use super::AnyConnection;

pub const TARGET: &str = "idp::sql";

/// Attaches the statement log to `conn` when the log level asks for it; otherwise leaves the
/// connection without instrumentation, so that it costs nothing.
pub fn attach(conn: &mut AnyConnection) {
    if !tracing::enabled!(target: TARGET, tracing::Level::TRACE) {
        return;
    }
    match conn {
        AnyConnection::Sqlite(c) => c.set_instrumentation(log_statement),
        AnyConnection::Postgresql(c) => c.set_instrumentation(log_statement),
    }
}

fn log_statement(event: InstrumentationEvent<'_>) {
    if let InstrumentationEvent::StartQuery { query, .. } = event {
        let rendered = query.to_string();
        tracing::trace!(target: TARGET, statement = without_binds(&rendered));
    }
}

/// The SQL text of diesel's rendering `SQL -- binds: [...]`.
fn without_binds(rendered: &str) -> &str {
    rendered
        .split_once(" -- binds: ")
        .map_or(rendered, |(sql, _)| sql)
}

#[cfg(test)]
mod tests {
    #[test]
    fn bound_values_are_cut_off() {
        assert_eq!(
            super::without_binds(r#"SELECT "a" FROM "t" WHERE "b" = ? -- binds: ["secret"]"#),
            r#"SELECT "a" FROM "t" WHERE "b" = ?"#
        );
        assert_eq!(super::without_binds("BEGIN"), "BEGIN");
    }
}
