//! The mails of the self-service flows (sign-up, verification, email change), each a text and
//! an HTML template under templates/mail/.

use askama::Template;

use super::{MailError, Outgoing};

/// A mail that carries one link for one account: its text and HTML templates, and a function
/// `$name(to, issuer, username, link)` that renders it under `$subject` (a catalog message id).
macro_rules! linked_mail {
    ($(#[$doc:meta])* $name:ident, $text:literal, $html:literal, $subject:expr) => {
        $(#[$doc])*
        pub fn $name(
            to: &str,
            issuer: &str,
            username: &str,
            link: &str,
        ) -> Result<Outgoing, MailError> {
            #[derive(Template)]
            #[template(path = $text)]
            struct Text<'a> {
                issuer: &'a str,
                username: &'a str,
                link: &'a str,
            }

            #[derive(Template)]
            #[template(path = $html)]
            struct Html<'a> {
                issuer: &'a str,
                username: &'a str,
                link: &'a str,
            }

            Outgoing::render(
                to,
                crate::i18n::t($subject),
                &Text {
                    issuer,
                    username,
                    link,
                },
                &Html {
                    issuer,
                    username,
                    link,
                },
            )
        }
    };
}

linked_mail!(
    /// After a sign-up: the link that confirms the account's address.
    verify_account,
    "mail/verify_account.txt",
    "mail/verify_account.html",
    crate::msg!("mail-verify-account-subject")
);

linked_mail!(
    /// To the owner of an address someone tried to sign up with: a password reset link.
    signup_attempt,
    "mail/signup_attempt.txt",
    "mail/signup_attempt.html",
    crate::msg!("mail-signup-attempt-subject")
);

linked_mail!(
    /// To a new address whose sign-up asked for a taken username: a link to sign up again.
    username_taken,
    "mail/username_taken.txt",
    "mail/username_taken.html",
    crate::msg!("mail-username-taken-subject")
);

linked_mail!(
    /// To the new address of an email change: the link that makes it the account's.
    verify_new_email,
    "mail/verify_new_email.txt",
    "mail/verify_new_email.html",
    crate::msg!("mail-verify-new-subject")
);

#[derive(Template)]
#[template(path = "mail/email_changed.txt")]
struct ChangedText<'a> {
    issuer: &'a str,
    username: &'a str,
    new_address: &'a str,
}

#[derive(Template)]
#[template(path = "mail/email_changed.html")]
struct ChangedHtml<'a> {
    issuer: &'a str,
    username: &'a str,
    new_address: &'a str,
}

/// The security notice to the old address after an email change; the new one is shown masked.
pub fn email_changed(
    to: &str,
    issuer: &str,
    username: &str,
    new_address_masked: &str,
) -> Result<Outgoing, MailError> {
    let new_address = new_address_masked;
    Outgoing::render(
        to,
        crate::i18n::t("mail-email-changed-subject"),
        &ChangedText {
            issuer,
            username,
            new_address,
        },
        &ChangedHtml {
            issuer,
            username,
            new_address,
        },
    )
}

#[derive(Template)]
#[template(path = "mail/invitation.txt")]
struct InvitationText<'a> {
    issuer: &'a str,
    link: &'a str,
    hours: i64,
}

#[derive(Template)]
#[template(path = "mail/invitation.html")]
struct InvitationHtml<'a> {
    issuer: &'a str,
    link: &'a str,
    hours: i64,
}

/// An invitation: the link to choose a username and password, working for `hours`.
pub fn invitation(to: &str, issuer: &str, link: &str, hours: i64) -> Result<Outgoing, MailError> {
    Outgoing::render(
        to,
        crate::i18n::t("mail-invitation-subject"),
        &InvitationText {
            issuer,
            link,
            hours,
        },
        &InvitationHtml {
            issuer,
            link,
            hours,
        },
    )
}
