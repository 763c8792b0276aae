use clap::Subcommand;

use super::{audit_key, cli_actor, open, read_secret};
use crate::accounts::{self, NewUser};
use crate::config::Config;
use crate::crypto::password::PasswordHasher;
use crate::crypto::secrets::random_token;
use crate::store::{audit, grants, sessions, unix_now, users, write_transaction, StoreError};
use crate::CommandError;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input or a prompt.
    Add {
        username: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        name: Option<String>,
        /// A role to grant (repeatable), e.g. admin.
        #[arg(long = "role")]
        roles: Vec<String>,
        /// The email address is known to belong to the person.
        #[arg(long)]
        email_verified: bool,
    },
    /// List accounts.
    List,
    /// Set an account's password, read from standard input or a prompt.
    SetPassword { user: String },
    /// Give an account a new one-time password (printed once) that must be changed at the next
    /// sign-in; ends its sessions and refresh tokens and lifts any lock.
    ResetPassword { user: String },
    /// Disable an account: it can no longer sign in.
    Disable { user: String },
    /// Enable a disabled account.
    Enable { user: String },
    /// Lift a lock set by repeated failed sign-ins.
    Unlock { user: String },
}

pub fn run(config: &Config, cmd: UserCommand) -> Result<(), CommandError> {
    let min_length = config.settings.password.min_length;
    match cmd {
        UserCommand::Add {
            username,
            email,
            name,
            roles,
            email_verified,
        } => {
            // Validate everything before asking for the password.
            let new = NewUser {
                username: accounts::normalize_username(&username)?,
                email: email
                    .as_deref()
                    .map(accounts::normalize_email)
                    .transpose()?,
                name,
                roles,
                must_change_password: false,
                email_verified,
            };
            let mut conn = open(config)?;
            let password = read_secret("Password: ")?;
            let hasher = PasswordHasher::new(config.settings.password.argon2)?;
            let user =
                accounts::create(&mut conn, &hasher, min_length, new, &password, unix_now())?;
            println!("created user {} (id {})", user.username, user.id);
        }
        UserCommand::List => {
            let mut conn = open(config)?;
            println!(
                "{:<24} {:<24} {:<32} {:<12} STATUS",
                "ID", "USERNAME", "EMAIL", "ROLES"
            );
            for u in users::list(&mut conn)? {
                println!(
                    "{:<24} {:<24} {:<32} {:<12} {}",
                    u.id,
                    u.username,
                    u.email.as_deref().unwrap_or("-"),
                    if u.roles.is_empty() { "-" } else { &u.roles },
                    if u.disabled { "disabled" } else { "active" }
                );
            }
        }
        UserCommand::SetPassword { user } => {
            let mut conn = open(config)?;
            let user = users::find(&mut conn, &user).map_err(accounts::AccountError::from)?;
            let password = read_secret("New password: ")?;
            let hasher = PasswordHasher::new(config.settings.password.argon2)?;
            accounts::set_password(&mut conn, &hasher, min_length, &user, &password, unix_now())?;
            println!("password changed for {}", user.username);
        }
        UserCommand::ResetPassword { user } => reset_password(config, &user)?,
        UserCommand::Disable { user } | UserCommand::Enable { user } if user.is_empty() => {
            return Err(CommandError("no user given".into()));
        }
        UserCommand::Unlock { user } => {
            let mut conn = open(config)?;
            let user = users::find(&mut conn, &user).map_err(accounts::AccountError::from)?;
            users::unlock(&mut conn, &user.id)?;
            super::audit_cli(config, &mut conn, "account_unlocked", &user.id)?;
            println!("unlocked {}", user.username);
        }
        UserCommand::Disable { user } => set_disabled(config, &user, true)?,
        UserCommand::Enable { user } => set_disabled(config, &user, false)?,
    }
    Ok(())
}

fn set_disabled(config: &Config, key: &str, disabled: bool) -> Result<(), CommandError> {
    let mut conn = open(config)?;
    let user = users::find(&mut conn, key).map_err(accounts::AccountError::from)?;
    users::set_disabled(&mut conn, &user.id, disabled, unix_now())?;
    let state = if disabled { "disabled" } else { "enabled" };
    println!("{state} {}", user.username);
    Ok(())
}

/// A new random one-time password, for an operator whose user (the first admin included) lost
/// theirs. Everything happens in one transaction with its audit entry: the password, the forced
/// change at the next sign-in, the lock lifted, every session ended and every grant (so every
/// refresh token) revoked.
fn reset_password(config: &Config, key: &str) -> Result<(), CommandError> {
    let mut conn = open(config)?;
    let user = users::find(&mut conn, key).map_err(accounts::AccountError::from)?;
    let audit_key = audit_key(config)?;
    let hasher = PasswordHasher::new(config.settings.password.argon2)?;
    let password = random_token::<18>();
    let hash = hasher.hash(&password)?;
    let now = unix_now();
    let (ended, revoked) = write_transaction(&mut conn, |conn| {
        users::set_password(conn, &user.id, &hash, true, now)?;
        users::unlock(conn, &user.id)?;
        let ended = sessions::delete_others(conn, &user.id, "")?;
        let revoked = grants::revoke_all_for_user(conn, &user.id, now)?;
        let event = audit::Event {
            actor: cli_actor(),
            action: "password_reset".into(),
            target: user.id.clone(),
            outcome: "success".into(),
            detail: format!("{ended} sessions ended, {revoked} grants revoked"),
            ..audit::Event::default()
        };
        audit::append_within(conn, &audit_key, &event, now)?;
        Ok::<_, StoreError>((ended, revoked))
    })?;
    println!(
        "password reset for {}: {ended} sessions ended, {revoked} grants revoked",
        user.username
    );
    println!("  one-time password (shown once, change it at the next sign-in):");
    println!("      {password}");
    Ok(())
}
