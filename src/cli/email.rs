//! `idp email`: check the mail setup from the command line.

use clap::Subcommand;

use crate::config::Config;
use crate::store::{mail_outbox, unix_now};
use crate::telemetry::mask_email;
use crate::CommandError;

#[derive(Subcommand)]
pub enum EmailCommand {
    /// Queue a test message to ADDRESS; a running server hands it to the relay.
    Test { address: String },
}

pub fn run(config: &Config, cmd: EmailCommand) -> Result<(), CommandError> {
    let EmailCommand::Test { address } = cmd;
    if config.email_from.is_none() {
        return Err(CommandError(
            "mail is not configured: set email.smtp_url and email.from".into(),
        ));
    }
    // The message bears the service's name, as the server's mails do.
    crate::web::brand::init(&config.settings.branding).map_err(CommandError)?;
    let message = crate::mail::templates::test_message(&address, &config.issuer)
        .map_err(|_| CommandError(format!("{address:?} is not a mail address")))?;
    let kek = crate::serve::load_kek(config)?;
    let queued = message.seal(|plain, context| kek.seal(plain, context.as_bytes()))?;
    let mut conn = super::open(config)?;
    mail_outbox::insert(&mut conn, &queued, unix_now())?;
    println!(
        "queued a test message to {}; a running server sends it",
        mask_email(&address)
    );
    Ok(())
}
