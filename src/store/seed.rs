//! Filling a fresh store with synthetic accounts, clients, grants, refresh tokens and audit
//! entries, for measuring how the provider's cost grows with its data (`idp seed`). Rows are
//! written in batches of one multi-row insert each; every row is what the provider itself
//! would write: personal data encrypted with its blind index, secrets as digests, the audit
//! entries a valid chain after whatever the store already holds.

use diesel::prelude::*;

use super::audit::{self, Event};
use super::grants::Grant;
use super::schema::{audit_events, clients, grants, refresh_tokens, users};
use super::users::{User, UserRow};
use super::{write_transaction, AnyConnection, StoreError};
use crate::crypto::secrets::{hash_secret, sha256_hex};

/// One multi-row insert on the concrete connection (diesel's `MultiConnection` has none).
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            AnyConnection::Postgresql(c) => diesel::insert_into($table).values($rows).execute(c),
            AnyConnection::Sqlite(c) => diesel::insert_into($table).values($rows).execute(c),
        }
    };
}

/// Rows per insert: well under SQLite's and PostgreSQL's bound on bound parameters.
pub const BATCH: usize = 1_000;

/// Seeded ids are made from this and a number, so that a load generator can name them.
pub fn user_name(n: u64) -> String {
    format!("seed{n:07}")
}

pub fn client_id(n: u64) -> String {
    format!("seed-client-{n:06}")
}

/// Whether the store holds only what a first start makes (the first admin, keys, their audit
/// entries): seeding refuses any other store, so that it never fills one in use.
pub fn is_fresh(conn: &mut AnyConnection) -> Result<bool, StoreError> {
    let accounts: i64 = users::table.count().get_result(conn)?;
    let registered: i64 = clients::table.count().get_result(conn)?;
    Ok(accounts <= 1 && registered == 0)
}

/// Accounts `from..from + count`, all with `password_hash` (one Argon2 hash: hashing a million
/// passwords would measure Argon2, not the store).
pub fn users(
    conn: &mut AnyConnection,
    from: u64,
    count: u64,
    password_hash: &str,
    now: i64,
) -> Result<(), StoreError> {
    let rows = (from..from + count)
        .map(|n| {
            let name = user_name(n);
            UserRow::encrypt(&User {
                id: user_id(n),
                email: Some(format!("{name}@seed.example")),
                name: Some(format!("Seeded Person {n}")),
                username: name,
                password_hash: password_hash.to_string(),
                roles: String::new(),
                disabled: false,
                must_change_password: false,
                created_at: now,
                updated_at: now,
                email_verified: true,
                failed_logins: 0,
                locked_until: None,
                totp_secret: None,
                totp_enabled: false,
                totp_last_step: None,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    insert_all!(conn, users::table, &rows)?;
    Ok(())
}

/// The id a seeded account has (see [`users`]).
pub fn user_id(n: u64) -> String {
    sha256_hex(user_name(n).as_bytes())[..24].to_string()
}

/// Confidential clients `from..from + count` with the secret `secret`.
pub fn clients(
    conn: &mut AnyConnection,
    from: u64,
    count: u64,
    secret: &str,
    now: i64,
) -> Result<(), StoreError> {
    let digest = hash_secret(secret);
    let rows: Vec<_> = (from..from + count)
        .map(|n| {
            (
                clients::id.eq(client_id(n)),
                clients::name.eq(format!("Seeded App {n}")),
                clients::secret_hash.eq(Some(digest.clone())),
                clients::redirect_uris.eq(format!("[\"https://app{n}.seed.example/cb\"]")),
                clients::grant_types.eq("authorization_code refresh_token client_credentials"),
                clients::scopes.eq("openid profile email offline_access"),
                clients::audiences.eq("https://api.seed.example"),
                clients::created_at.eq(now),
                clients::post_logout_redirect_uris.eq("[]"),
                clients::first_party.eq(false),
                clients::jwks.eq(""),
                clients::id_token_alg.eq("RS256"),
                clients::require_mfa.eq(false),
                clients::require_par.eq(false),
                clients::require_dpop.eq(false),
                clients::allowed_origins.eq(""),
            )
        })
        .collect();
    insert_all!(conn, clients::table, &rows)?;
    Ok(())
}

/// Grants `from..from + count`, each of one seeded account with one seeded client and holding
/// one live refresh token (stored, as always, as a digest of a value nobody keeps).
pub fn grants(
    conn: &mut AnyConnection,
    from: u64,
    count: u64,
    population: (u64, u64),
    now: i64,
) -> Result<(), StoreError> {
    let times = Times {
        created: now,
        grant_ends: now + 365 * 86_400,
        token_ends: now + 30 * 86_400,
    };
    insert_grants(conn, "grant", from..from + count, population, times)
}

/// Grants `from..from + count` as [`grants`] makes them, but made a year and a day before `now`
/// and expired a day before it, with their refresh tokens (which never outlive their grant):
/// what the purge removes.
pub fn expired_grants(
    conn: &mut AnyConnection,
    from: u64,
    count: u64,
    population: (u64, u64),
    now: i64,
) -> Result<(), StoreError> {
    let times = Times {
        created: now - 366 * 86_400,
        grant_ends: now - 86_400,
        token_ends: now - 86_400,
    };
    insert_grants(conn, "expired grant", from..from + count, population, times)
}

struct Times {
    created: i64,
    grant_ends: i64,
    token_ends: i64,
}

fn insert_grants(
    conn: &mut AnyConnection,
    label: &str,
    numbers: std::ops::Range<u64>,
    (accounts, apps): (u64, u64),
    times: Times,
) -> Result<(), StoreError> {
    let rows: Vec<Grant> = numbers
        .map(|n| Grant {
            id: sha256_hex(format!("{label} {n}").as_bytes())[..24].to_string(),
            user_id: user_id(n % accounts),
            client_id: client_id(n % apps),
            sid: sha256_hex(format!("sid {label} {n}").as_bytes())[..22].to_string(),
            scope: "openid profile offline_access".into(),
            auth_time: times.created,
            amr: "pwd".into(),
            created_at: times.created,
            expires_at: times.grant_ends,
            revoked_at: None,
            dpop_jkt: None,
        })
        .collect();
    let tokens: Vec<_> = rows
        .iter()
        .map(|grant| {
            (
                refresh_tokens::token_hash
                    .eq(sha256_hex(format!("refresh {}", grant.id).as_bytes())),
                refresh_tokens::grant_id.eq(grant.id.clone()),
                refresh_tokens::created_at.eq(times.created),
                refresh_tokens::expires_at.eq(times.token_ends),
            )
        })
        .collect();
    write_transaction(conn, |conn| {
        insert_all!(conn, grants::table, &rows)?;
        insert_all!(conn, refresh_tokens::table, &tokens)?;
        Ok(())
    })
}

/// `count` audit entries after the store's last one, chained under `key` as the provider
/// chains its own; returns the new last sequence number.
pub fn audit_entries(
    conn: &mut AnyConnection,
    key: &[u8],
    count: u64,
    now: i64,
) -> Result<i64, StoreError> {
    write_transaction(conn, |conn| {
        super::lock_for(conn, super::Lock::Audit)?;
        let (mut seq, mut previous) = audit::last_link(conn)?;
        let mut rows = Vec::with_capacity(count as usize);
        for i in 0..count {
            seq += 1;
            let event = Event {
                actor: user_id(i % 1_000),
                action: "login_success".into(),
                target: user_name(i % 1_000),
                outcome: "success".into(),
                client_ip: format!("192.0.2.{}", i % 250),
                user_agent: "seed".into(),
                detail: String::new(),
            };
            let mac = audit::link(key, &previous, seq, now, &event);
            rows.push((
                audit_events::seq.eq(seq),
                audit_events::at.eq(now),
                audit_events::actor.eq(event.actor),
                audit_events::action.eq(event.action),
                audit_events::target.eq(event.target),
                audit_events::outcome.eq(event.outcome),
                audit_events::client_ip.eq(event.client_ip),
                audit_events::user_agent.eq(event.user_agent),
                audit_events::detail.eq(event.detail),
                audit_events::mac.eq(mac.clone()),
            ));
            previous = mac;
        }
        insert_all!(conn, audit_events::table, &rows)?;
        Ok(seq)
    })
}
