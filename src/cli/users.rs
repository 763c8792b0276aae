use clap::Subcommand;

use super::{open, read_secret};
use crate::accounts::{self, NewUser};
use crate::config::Config;
use crate::crypto::password::PasswordHasher;
use crate::store::{unix_now, users};
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
