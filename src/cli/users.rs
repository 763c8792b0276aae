use clap::Subcommand;

use super::{open, operator, read_secret};
use crate::accounts::{self, NewUser};
use crate::config::Config;
use crate::crypto::password::PasswordHasher;
use crate::crypto::secrets::random_token;
use crate::ops::{self, users::UserEdit};
use crate::store::users;
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
        /// A role to grant (repeatable): admin, user_manager or auditor.
        #[arg(long = "role")]
        roles: Vec<String>,
        /// The email address is known to belong to the person.
        #[arg(long)]
        email_verified: bool,
    },
    /// Change an account's name, email or roles (what is not given stays).
    Edit {
        user: String,
        /// The display name; "" removes it.
        #[arg(long)]
        name: Option<String>,
        /// The email address; "" removes it.
        #[arg(long)]
        email: Option<String>,
        /// The roles (repeatable), replacing the current ones: admin, user_manager, auditor.
        #[arg(long = "role", conflicts_with = "no_roles")]
        roles: Vec<String>,
        /// Remove every role.
        #[arg(long)]
        no_roles: bool,
    },
    /// List accounts.
    List,
    /// Set an account's password, read from standard input or a prompt; its sessions end.
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
            let mut new = NewUser::checked(
                &username,
                email.as_deref().unwrap_or(""),
                name.as_deref().unwrap_or(""),
                &roles,
            )?;
            new.email_verified = email_verified && new.email.is_some();
            let mut conn = open(config)?;
            let ctx = operator(config)?;
            let password = read_secret("Password: ")?;
            accounts::check_password(&password, min_length, &new.username, new.email.as_deref())?;
            let hash = PasswordHasher::new(config.settings.password.argon2)?.hash(&password)?;
            let user = ops::users::create(&mut conn, &ctx, new, hash)?;
            println!("created user {} (id {})", user.username, user.id);
        }
        UserCommand::Edit {
            user,
            name,
            email,
            roles,
            no_roles,
        } => {
            let edit = UserEdit {
                name,
                email,
                roles: (no_roles || !roles.is_empty()).then_some(roles),
            };
            let mut conn = open(config)?;
            let ctx = operator(config)?;
            let found = ops::users::find(&mut conn, &user)?;
            let user = ops::users::edit(&mut conn, &ctx, &found.id, edit)?;
            println!(
                "updated {}: name {}, email {}, roles {}",
                user.username,
                user.name.as_deref().unwrap_or("-"),
                user.email.as_deref().unwrap_or("-"),
                if user.roles.is_empty() {
                    "-"
                } else {
                    &user.roles
                }
            );
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
            let ctx = operator(config)?;
            let user = ops::users::find(&mut conn, &user)?;
            let password = read_secret("New password: ")?;
            accounts::check_password(&password, min_length, &user.username, user.email.as_deref())?;
            let hash = PasswordHasher::new(config.settings.password.argon2)?.hash(&password)?;
            ops::users::set_password(&mut conn, &ctx, &user.id, &hash, false)?;
            println!("password changed for {}", user.username);
        }
        UserCommand::ResetPassword { user } => reset_password(config, &user)?,
        UserCommand::Unlock { user } => {
            let mut conn = open(config)?;
            let ctx = operator(config)?;
            let user = ops::users::find(&mut conn, &user)?;
            ops::users::unlock(&mut conn, &ctx, &user.id)?;
            println!("unlocked {}", user.username);
        }
        UserCommand::Disable { user } => set_disabled(config, &user, true)?,
        UserCommand::Enable { user } => set_disabled(config, &user, false)?,
    }
    Ok(())
}

fn set_disabled(config: &Config, key: &str, disabled: bool) -> Result<(), CommandError> {
    if key.is_empty() {
        return Err(CommandError("no user given".into()));
    }
    let mut conn = open(config)?;
    let ctx = operator(config)?;
    let user = ops::users::find(&mut conn, key)?;
    ops::users::set_disabled(&mut conn, &ctx, &user.id, disabled)?;
    let state = if disabled { "disabled" } else { "enabled" };
    println!("{state} {}", user.username);
    Ok(())
}

/// A new random one-time password, for an operator whose user (the first admin included) lost
/// theirs: the forced change at the next sign-in, the lock lifted, every session ended and every
/// grant (so every refresh token) revoked, in one transaction with its audit entry.
fn reset_password(config: &Config, key: &str) -> Result<(), CommandError> {
    let mut conn = open(config)?;
    let ctx = operator(config)?;
    let user = ops::users::find(&mut conn, key)?;
    let password = random_token::<18>();
    let hash = PasswordHasher::new(config.settings.password.argon2)?.hash(&password)?;
    let (ended, revoked) = ops::users::set_password(&mut conn, &ctx, &user.id, &hash, true)?;
    println!(
        "password reset for {}: {ended} sessions ended, {revoked} grants revoked",
        user.username
    );
    println!("  one-time password (shown once, change it at the next sign-in):");
    println!("      {password}");
    Ok(())
}
