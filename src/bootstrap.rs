//! What the first start creates, and what every start tells the operator.

use crate::accounts::NewUser;
use crate::config::Config;
use crate::crypto::kek::KekSource;
use crate::crypto::keys::SigningAlg;
use crate::crypto::password::PasswordHasher;
use crate::crypto::secrets::random_token;
use crate::store::{users, AnyConnection};
use crate::{ops, CommandError};

pub const FIRST_ADMIN: &str = "admin";

pub struct FirstAdmin {
    pub username: String,
    pub password: String,
}

/// Creates an administrator when the store has no user at all, with a random one-time password
/// that must be changed at first sign-in; the audit trail records it as done by `system`.
pub fn first_admin(
    conn: &mut AnyConnection,
    hasher: &PasswordHasher,
    audit_key: [u8; 32],
) -> Result<Option<FirstAdmin>, CommandError> {
    if users::count(conn)? > 0 {
        return Ok(None);
    }
    let password = random_token::<18>();
    let new = NewUser {
        username: FIRST_ADMIN.to_string(),
        email: None,
        name: Some("Administrator".into()),
        roles: vec!["admin".into()],
        must_change_password: true,
        email_verified: false,
    };
    let hash = hasher.hash(&password)?;
    let ctx = ops::Context::new(audit_key, "system");
    match ops::users::create(conn, &ctx, new, hash) {
        Ok(_) => Ok(Some(FirstAdmin {
            username: FIRST_ADMIN.to_string(),
            password,
        })),
        // Another node starting on the same database created it first.
        Err(ops::OpsError::Duplicate(_)) => Ok(None),
        Err(e) => Err(CommandError(format!("cannot create the first admin: {e}"))),
    }
}

/// Written to stdout, not to the logs: the one-time password is for the operator's eyes only.
pub fn print_banner(config: &Config, created_keys: &[SigningAlg], admin: Option<&FirstAdmin>) {
    let kek = match &config.kek_source {
        KekSource::Inline(_) => "from configuration (keys.encryption_key)".to_string(),
        KekSource::File(path) | KekSource::Generated(path) => path.display().to_string(),
    };
    println!("idp {}", env!("CARGO_PKG_VERSION"));
    println!("  issuer:        {}", config.issuer);
    println!("  data:          {}", config.database.describe());
    println!("  key sealing:   {kek}");
    if !created_keys.is_empty() {
        let names: Vec<&str> = created_keys.iter().map(|a| a.name()).collect();
        println!("  signing keys:  created {}", names.join(", "));
    }
    if let Some(admin) = admin {
        println!("  first admin:   username {:?}", admin.username);
        println!("  one-time password (shown once, change it at first sign-in):");
        println!("      {}", admin.password);
    }
    println!(
        "  discovery:     {}/.well-known/openid-configuration",
        config.issuer
    );
    if admin.is_some() {
        println!("  next:          register a client with `idp client add --help`");
    }
}
