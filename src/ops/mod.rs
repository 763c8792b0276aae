//! The one operations layer: every change an operator makes to users, clients, API keys and
//! signing keys, whether from the console, the admin API or the CLI. Each operation checks its
//! rules, makes its change and appends its audit entry in one write transaction (a refusal is
//! audited as a failure after the rollback), and fails with one typed [`OpsError`] that
//! `error.rs` turns into an HTTP answer and the CLI into one `error:` line.
//!
//! Operations are synchronous functions on a connection: the server runs them with
//! `Store::run`, the CLI on its one connection. Password hashing happens before, outside the
//! transaction (on the server through `AppState::hash_password`, which limits it per core).

pub mod api_keys;
pub mod clients;
pub mod dynamic_clients;
pub mod email_verification;
pub mod invitations;
pub mod keys;
pub mod passkeys;
pub mod password_reset;
pub mod registration;
pub mod response;
pub mod security;
pub mod sessions;
pub mod upstream;
pub mod users;

use crate::accounts::AccountError;
use crate::client_registry::ClientError;
use crate::crypto::CryptoError;
use crate::store::audit::{self, Event};
use crate::store::{unix_now, write_transaction, AnyConnection, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// Bad input: the message says what is wrong (400).
    #[error("{0}")]
    Invalid(String),
    /// Something with that name or id exists already (409).
    #[error("{0}")]
    Duplicate(String),
    /// What was named does not exist: "user", "client", "API key" (404).
    #[error("no such {0}")]
    NotFound(&'static str),
    /// The actor may not do this (403).
    #[error("{0}")]
    Forbidden(String),
    /// The actor did this too often lately; again after `retry_after` seconds (429).
    #[error("too many at once; try again in {retry_after} s")]
    Limited { retry_after: i64 },
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl From<StoreError> for OpsError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict => OpsError::Duplicate("that already exists".into()),
            StoreError::NotFound => OpsError::NotFound("record"),
            other => OpsError::Store(other),
        }
    }
}

impl From<diesel::result::Error> for OpsError {
    fn from(err: diesel::result::Error) -> Self {
        OpsError::from(StoreError::from(err))
    }
}

impl From<AccountError> for OpsError {
    fn from(err: AccountError) -> Self {
        match err {
            AccountError::Invalid(why) => OpsError::Invalid(why),
            AccountError::Duplicate => {
                OpsError::Duplicate("a user with that username or email already exists".into())
            }
            AccountError::NotFound => OpsError::NotFound("user"),
            AccountError::Store(e) => OpsError::Store(e),
            AccountError::Crypto(e) => OpsError::Crypto(e),
        }
    }
}

impl From<ClientError> for OpsError {
    fn from(err: ClientError) -> Self {
        match err {
            ClientError::Invalid(why) => OpsError::Invalid(why),
            ClientError::Duplicate => {
                OpsError::Duplicate("a client with that id already exists".into())
            }
            ClientError::NotFound => OpsError::NotFound("client"),
            ClientError::Store(e) => OpsError::Store(e),
        }
    }
}

impl From<crate::crypto::rotation::KeyError> for OpsError {
    fn from(err: crate::crypto::rotation::KeyError) -> Self {
        match err {
            crate::crypto::rotation::KeyError::Store(e) => e.into(),
            crate::crypto::rotation::KeyError::Crypto(e) => e.into(),
        }
    }
}

/// A store error where `what` was looked up: not found names it.
pub(crate) fn missing(what: &'static str) -> impl Fn(StoreError) -> OpsError {
    move |err| match err {
        StoreError::NotFound => OpsError::NotFound(what),
        other => other.into(),
    }
}

/// Who acts, and from where: what every audit entry of an operation records.
#[derive(Clone)]
pub struct Context {
    audit_key: [u8; 32],
    /// A user id (console), `apikey:{id}` (admin API) or `cli:{os user}`.
    pub actor: String,
    /// The acting person's own user id, when a person acts (they may not delete themselves).
    pub acting_user: Option<String>,
    pub client_ip: String,
    pub user_agent: String,
}

impl Context {
    pub fn new(audit_key: [u8; 32], actor: impl Into<String>) -> Context {
        Context {
            audit_key,
            actor: actor.into(),
            acting_user: None,
            client_ip: String::new(),
            user_agent: String::new(),
        }
    }

    /// The operator at the command line: `cli:` and the OS user ($USER, else the uid).
    /// The operator of the CLI: `cli:` and the operating-system user ($USER, else `uid=N`). It
    /// says which operator account acted; it is not proof, as anyone able to run the CLI can
    /// also set $USER.
    pub fn cli(audit_key: [u8; 32]) -> Context {
        let user: String = std::env::var("USER")
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control())
            .take(64)
            .collect();
        let who = if user.is_empty() {
            // SAFETY: getuid has no preconditions and cannot fail.
            format!("uid={}", unsafe { libc::getuid() })
        } else {
            user
        };
        Context::new(audit_key, format!("cli:{who}"))
    }

    fn event(&self, action: &str, target: &str) -> Event {
        Event {
            actor: self.actor.clone(),
            action: action.into(),
            target: target.into(),
            outcome: String::new(),
            client_ip: self.client_ip.clone(),
            user_agent: self.user_agent.clone(),
            detail: String::new(),
        }
    }

    /// Records an event that is not a change (a denied access, a failed confirmation).
    pub fn record(&self, conn: &mut AnyConnection, action: &str, target: &str, outcome: &str) {
        let mut event = self.event(action, target);
        event.outcome = outcome.into();
        if let Err(e) = audit::append(conn, &self.audit_key, &event, unix_now()) {
            tracing::error!(error = %e, action, "could not record an audit event");
        }
    }
}

/// Runs `work` and appends its audit entry (`action` on `target`; `work` may set the entry's
/// target and detail) in one write transaction: both happen or neither. A refusal rolls the
/// change back and is then recorded as a failure.
pub(crate) fn audited<T>(
    conn: &mut AnyConnection,
    ctx: &Context,
    action: &str,
    target: &str,
    work: impl FnOnce(&mut AnyConnection, &mut Event) -> Result<T, OpsError>,
) -> Result<T, OpsError> {
    let mut event = ctx.event(action, target);
    let result = write_transaction(conn, |conn| {
        let value = work(conn, &mut event)?;
        event.outcome = "success".into();
        audit::append(conn, &ctx.audit_key, &event, unix_now())?;
        Ok::<_, OpsError>(value)
    });
    if let Err(err) = &result {
        event.outcome = "failure".into();
        if event.detail.is_empty() {
            event.detail = err.to_string().chars().take(200).collect();
        }
        if let Err(e) = audit::append(conn, &ctx.audit_key, &event, unix_now()) {
            tracing::error!(error = %e, action, "could not record a refused operation");
        }
    }
    result
}

/// Free text for a name or label: trimmed, `None` when empty, at most `max` characters.
pub fn optional_text(raw: &str, what: &str, max: usize) -> Result<Option<String>, OpsError> {
    let text = raw.trim();
    if text.chars().count() > max {
        return Err(OpsError::Invalid(format!(
            "{what} has at most {max} characters"
        )));
    }
    if text.chars().any(char::is_control) {
        return Err(OpsError::Invalid(format!(
            "{what} must not contain control characters"
        )));
    }
    Ok((!text.is_empty()).then(|| text.to_string()))
}

#[cfg(test)]
mod tests {
    use diesel::Connection;

    use super::*;
    use crate::accounts::NewUser;
    use crate::client_registry::NewClient;
    use crate::store::{audit, clients as stored_clients};

    fn memory() -> AnyConnection {
        let mut conn =
            AnyConnection::Sqlite(diesel::sqlite::SqliteConnection::establish(":memory:").unwrap());
        crate::store::migrate(&mut conn).unwrap();
        let kek =
            crate::crypto::kek::KeyEncryptionKey::load(&crate::crypto::kek::KekSource::Inline(
                "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=".into(),
            ))
            .unwrap();
        crate::crypto::personal_data::install(&kek).unwrap();
        conn
    }

    fn new_user(name: &str, roles: &[&str]) -> NewUser {
        let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
        NewUser::checked(name, "", "", &roles).unwrap()
    }

    #[test]
    fn a_change_and_its_audit_entry_commit_together() {
        let mut conn = memory();
        let ctx = Context::new([7; 32], "cli:test");
        let user = users::create(&mut conn, &ctx, new_user("ann", &["admin"]), "h".into()).unwrap();
        let again = users::create(&mut conn, &ctx, new_user("ANN", &[]), "h".into());
        assert!(matches!(again, Err(OpsError::Duplicate(_))), "{again:?}");
        // The last admin keeps the role: refused, rolled back, audited as a failure.
        let edit = users::UserEdit {
            name: Some("Ann".into()),
            roles: Some(Vec::new()),
            ..users::UserEdit::default()
        };
        assert!(matches!(
            users::edit(&mut conn, &ctx, &user.id, edit),
            Err(OpsError::Invalid(_))
        ));
        let stored = users::get(&mut conn, &user.id).unwrap();
        assert_eq!((stored.roles.as_str(), stored.name), ("admin", None));

        // An operation whose store call opens its own write transaction nests as a savepoint.
        let kek = crate::crypto::kek::KeyEncryptionKey::load(
            &crate::crypto::kek::KekSource::Inline("A".repeat(43) + "="),
        )
        .unwrap();
        let (client, _) = clients::register(
            &mut conn,
            &ctx,
            &kek,
            NewClient {
                id: Some("app".into()),
                secret_jwt: true,
                ..NewClient::example()
            },
        )
        .unwrap();
        let before = stored_clients::find(&mut conn, &client.id).unwrap();
        let secret = clients::rotate_secret(&mut conn, &ctx, &kek, &client.id, 60).unwrap();
        let after = stored_clients::find(&mut conn, &client.id).unwrap();
        assert_ne!(after.secret_hash, before.secret_hash);
        assert_eq!(after.previous_secret_hash, before.secret_hash);
        // A client_secret_jwt client's secret is kept sealed, the new one and the old one.
        assert_eq!(after.previous_sealed_secret, before.sealed_secret);
        let sealed = after.sealed_secret.as_deref().unwrap();
        assert!(!sealed.contains(&secret));
        let opened = crate::client_registry::open_secret(&kek, &client.id, sealed).unwrap();
        assert_eq!(opened, secret.as_bytes());

        let entries = audit::recent(&mut conn, 10).unwrap();
        let outcomes: Vec<(&str, &str, &str)> = entries
            .iter()
            .rev()
            .map(|e| (e.actor.as_str(), e.action.as_str(), e.outcome.as_str()))
            .collect();
        assert_eq!(
            outcomes,
            [
                ("cli:test", "admin_user_create", "success"),
                ("cli:test", "admin_user_create", "failure"),
                ("cli:test", "admin_user_update", "failure"),
                ("cli:test", "admin_client_create", "success"),
                ("cli:test", "admin_client_rotate", "success"),
            ]
        );
        assert_eq!(audit::verify(&mut conn, &[7; 32]).unwrap(), Ok(5));
    }
}
