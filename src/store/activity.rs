//! What the console shows about recent activity: sign-ins over the last hours, accounts that
//! are locked, and the names behind the ids the audit trail records.

use std::collections::HashMap;

use diesel::prelude::*;

use super::schema::{admin_api_keys, clients, grants, users};
use super::{AnyConnection, StoreError};

/// The audit action of a sign-in attempt that reached the password check.
pub const LOGIN_ACTION: &str = "login";
/// Successful and failed sign-ins per hour since `since` (hours counted from the Unix epoch),
/// counted by the database: one row per hour and outcome comes back, however many sign-ins.
pub fn logins_per_hour(
    conn: &mut AnyConnection,
    since: i64,
) -> Result<HashMap<i64, (u64, u64)>, StoreError> {
    #[derive(QueryableByName)]
    struct HourCount {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        hour: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        succeeded: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        sign_ins: i64,
    }
    // `since` is a number of ours, never text from a request; `audit_events_at` serves the
    // time range.
    let counted: Vec<HourCount> = diesel::sql_query(format!(
        "SELECT at / 3600 AS hour, \
                CAST(SUM(CASE WHEN outcome = 'success' THEN 1 ELSE 0 END) AS BIGINT) AS succeeded, \
                COUNT(*) AS sign_ins \
         FROM audit_events WHERE at >= {since} AND action = '{LOGIN_ACTION}' \
         GROUP BY at / 3600"
    ))
    .load(conn)?;
    Ok(counted
        .into_iter()
        .map(|c| {
            let ok = c.succeeded.max(0) as u64;
            (c.hour, (ok, (c.sign_ins.max(0) as u64).saturating_sub(ok)))
        })
        .collect())
}

/// Accounts locked by failed sign-ins at `now`.
pub fn locked_accounts(conn: &mut AnyConnection, now: i64) -> Result<i64, StoreError> {
    Ok(users::table
        .filter(users::locked_until.gt(now))
        .count()
        .get_result(conn)?)
}

/// What to show for each id the audit trail may hold as an actor or a target: a username, a
/// client's name, or an admin API key's name (actors `apikey:{id}`). Ids that name nothing
/// (removed, or not an id at all: `system`, `cli:root`, an address) are left out.
pub fn display_names(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<HashMap<String, String>, StoreError> {
    let mut names = HashMap::new();
    if ids.is_empty() {
        return Ok(names);
    }
    let people: Vec<(String, String)> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::username))
        .load(conn)?;
    names.extend(people);
    let apps: Vec<(String, String)> = clients::table
        .filter(clients::id.eq_any(ids))
        .select((clients::id, clients::name))
        .load(conn)?;
    names.extend(apps);
    let key_ids: Vec<&str> = ids
        .iter()
        .filter_map(|id| id.strip_prefix("apikey:"))
        .collect();
    if !key_ids.is_empty() {
        let keys: Vec<(String, String)> = admin_api_keys::table
            .filter(admin_api_keys::id.eq_any(&key_ids))
            .select((admin_api_keys::id, admin_api_keys::name))
            .load(conn)?;
        names.extend(
            keys.into_iter()
                .map(|(id, name)| (format!("apikey:{id}"), format!("API key {name}"))),
        );
    }
    Ok(names)
}

/// The id of the account with this username, for a filter typed as a name.
pub fn user_id_by_username(
    conn: &mut AnyConnection,
    username: &str,
) -> Result<Option<String>, StoreError> {
    Ok(users::table
        .filter(users::username.eq(username))
        .select(users::id)
        .first(conn)
        .optional()?)
}

/// The names of the applications each session of `user_id` signed in to (by the session's
/// public id), from its grants still in force.
pub fn session_apps(
    conn: &mut AnyConnection,
    user_id: &str,
    now: i64,
) -> Result<HashMap<String, Vec<String>>, StoreError> {
    let held: Vec<(String, String)> = grants::table
        .filter(grants::user_id.eq(user_id))
        .filter(grants::revoked_at.is_null())
        .filter(grants::expires_at.gt(now))
        .select((grants::sid, grants::client_id))
        .distinct()
        .load(conn)?;
    let client_ids: Vec<&String> = held.iter().map(|(_, client)| client).collect();
    let names: HashMap<String, String> = clients::table
        .filter(clients::id.eq_any(client_ids))
        .select((clients::id, clients::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let mut apps: HashMap<String, Vec<String>> = HashMap::new();
    for (sid, client) in held {
        let name = names.get(&client).cloned().unwrap_or(client);
        apps.entry(sid).or_default().push(name);
    }
    for names in apps.values_mut() {
        names.sort();
        names.dedup();
    }
    Ok(apps)
}
