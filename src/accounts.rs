//! People's accounts: the rules (username, email, name, roles, password policy) and creating
//! an account. The audited operations on accounts are in `ops::users`.

use crate::crypto::password::PasswordHasher;
use crate::crypto::secrets::random_id;
use crate::store::users::{self, User};
use crate::store::{AnyConnection, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    Invalid(String),
    #[error("a user with that username or email already exists")]
    Duplicate,
    #[error("no such user")]
    NotFound,
    #[error(transparent)]
    Store(StoreError),
    #[error("{0}")]
    Crypto(#[from] crate::crypto::CryptoError),
}

impl From<StoreError> for AccountError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict => AccountError::Duplicate,
            StoreError::NotFound => AccountError::NotFound,
            other => AccountError::Store(other),
        }
    }
}

/// Passwords longer than this are refused only to bound hashing work.
pub const MAX_PASSWORD_CHARS: usize = 1024;

pub struct NewUser {
    pub username: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub roles: Vec<String>,
    pub must_change_password: bool,
    pub email_verified: bool,
}

/// NIST SP 800-63B: a minimum length, a generous maximum, any characters, no composition rules.
pub fn check_password(
    password: &str,
    min_length: usize,
    username: &str,
    email: Option<&str>,
) -> Result<(), AccountError> {
    let chars = password.chars().count();
    if chars < min_length {
        return Err(AccountError::Invalid(format!(
            "the password must have at least {min_length} characters"
        )));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(AccountError::Invalid(format!(
            "the password may have at most {MAX_PASSWORD_CHARS} characters"
        )));
    }
    let lowered = password.to_lowercase();
    if lowered == username || email.is_some_and(|e| lowered == e) {
        return Err(AccountError::Invalid(
            "the password must not be the username or email".into(),
        ));
    }
    if is_common(password) {
        return Err(AccountError::Invalid(
            "this password is among the most common ones; choose another".into(),
        ));
    }
    Ok(())
}

/// The 50,000 most common passwords of a breach corpus (Mozilla's fxa-common-password-list,
/// MPL-2.0), compared case-insensitively, held as sorted 64-bit digests.
fn is_common(password: &str) -> bool {
    static COMMON: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    let digest = |p: &str| {
        let d = openssl::sha::sha256(p.to_lowercase().as_bytes());
        u64::from_be_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
    };
    let common = COMMON.get_or_init(|| {
        let mut digests: Vec<u64> = include_str!("../static/common-passwords.txt")
            .lines()
            .filter(|l| !l.is_empty())
            .map(digest)
            .collect();
        digests.sort_unstable();
        digests.dedup();
        digests
    });
    common.binary_search(&digest(password)).is_ok()
}

pub fn normalize_username(raw: &str) -> Result<String, AccountError> {
    let username = raw.trim().to_lowercase();
    let valid = (1..=64).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if valid {
        Ok(username)
    } else {
        Err(AccountError::Invalid(
            "a username has 1 to 64 letters, digits, '.', '_' or '-'".into(),
        ))
    }
}

pub fn normalize_email(raw: &str) -> Result<String, AccountError> {
    let email = raw.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    if valid {
        Ok(email)
    } else {
        Err(AccountError::Invalid(format!(
            "{raw:?} is not an email address"
        )))
    }
}

/// The roles there are: `admin` (everything), `user_manager` (users only), `auditor` (reads).
pub const ROLES: [&str; 3] = ["admin", "user_manager", "auditor"];

/// Only known roles, each once, in the order given.
pub fn check_roles(roles: &[String]) -> Result<Vec<String>, AccountError> {
    let mut checked: Vec<String> = Vec::new();
    for role in roles.iter().map(|r| r.trim()) {
        if !ROLES.contains(&role) {
            return Err(AccountError::Invalid(format!(
                "unknown role {role:?}: use {}",
                ROLES.join(", ")
            )));
        }
        if !checked.iter().any(|r| r == role) {
            checked.push(role.to_string());
        }
    }
    Ok(checked)
}

/// A display name: trimmed, at most 200 characters, `None` when empty.
pub fn normalize_name(raw: &str) -> Result<Option<String>, AccountError> {
    let name = raw.trim();
    if name.chars().count() > 200 {
        return Err(AccountError::Invalid(
            "a name has at most 200 characters".into(),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AccountError::Invalid(
            "a name must not contain control characters".into(),
        ));
    }
    Ok((!name.is_empty()).then(|| name.to_string()))
}

/// An email address as typed: `None` when empty, else normalised.
pub fn optional_email(raw: &str) -> Result<Option<String>, AccountError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    normalize_email(raw).map(Some)
}

impl NewUser {
    /// Checks and normalises every field as typed (by a person or a program).
    pub fn checked(
        username: &str,
        email: &str,
        name: &str,
        roles: &[String],
    ) -> Result<NewUser, AccountError> {
        Ok(NewUser {
            username: normalize_username(username)?,
            email: optional_email(email)?,
            name: normalize_name(name)?,
            roles: check_roles(roles)?,
            must_change_password: false,
            email_verified: false,
        })
    }
}

pub fn create(
    conn: &mut AnyConnection,
    hasher: &PasswordHasher,
    min_length: usize,
    new: NewUser,
    password: &str,
    now: i64,
) -> Result<User, AccountError> {
    check_password(password, min_length, &new.username, new.email.as_deref())?;
    let hash = hasher.hash(password)?;
    insert_hashed(conn, new, hash, now)
}

/// Stores a new account whose password (already checked) is hashed.
pub fn insert_hashed(
    conn: &mut AnyConnection,
    new: NewUser,
    password_hash: String,
    now: i64,
) -> Result<User, AccountError> {
    let roles = check_roles(&new.roles)?;
    let user = User {
        email_verified: new.email_verified && new.email.is_some(),
        id: random_id::<16>(),
        username: new.username,
        email: new.email,
        name: new.name,
        password_hash,
        roles: roles.join(" "),
        disabled: false,
        must_change_password: new.must_change_password,
        created_at: now,
        updated_at: now,
        failed_logins: 0,
        locked_until: None,
        totp_secret: None,
        totp_enabled: false,
        totp_last_step: None,
    };
    users::insert(conn, &user)?;
    Ok(user)
}

pub fn set_password(
    conn: &mut AnyConnection,
    hasher: &PasswordHasher,
    min_length: usize,
    user: &User,
    password: &str,
    now: i64,
) -> Result<(), AccountError> {
    check_password(password, min_length, &user.username, user.email.as_deref())?;
    let hash = hasher.hash(password)?;
    Ok(users::set_password(conn, &user.id, &hash, false, now)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_rules() {
        assert!(check_password("short", 12, "alice", None).is_err());
        assert!(check_password("alice-the-admin", 12, "alice-the-admin", None).is_err());
        assert!(check_password("ALICE@EXAMPLE.COM", 12, "a", Some("alice@example.com")).is_err());
        assert!(check_password("correct horse battery", 12, "alice", None).is_ok());
        assert!(check_password("password1234", 12, "alice", None).is_err());
        assert!(check_password("QwertyUiop123", 12, "alice", None).is_err());
        assert!(check_password("ünïcødé pässwörd ✓", 12, "alice", None).is_ok());
        assert!(check_password(&"x".repeat(128), 12, "alice", None).is_ok());
    }

    #[test]
    fn usernames_and_emails() {
        assert_eq!(normalize_username(" Alice ").unwrap(), "alice");
        assert!(normalize_username("a b").is_err());
        assert!(normalize_username("").is_err());
        assert_eq!(normalize_email("A@Example.org").unwrap(), "a@example.org");
        assert!(normalize_email("nobody").is_err());
        assert_eq!(optional_email(" ").unwrap(), None);
        assert_eq!(normalize_name("  Ann ").unwrap().as_deref(), Some("Ann"));
        assert!(normalize_name(&"x".repeat(201)).is_err());
    }

    #[test]
    fn only_known_roles() {
        let roles = |r: &[&str]| r.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            check_roles(&roles(&["admin", "auditor", "admin"])).unwrap(),
            roles(&["admin", "auditor"])
        );
        assert!(check_roles(&roles(&["admn"])).is_err());
        assert!(check_roles(&roles(&[""])).is_err());
    }
}
