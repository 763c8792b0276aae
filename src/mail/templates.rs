//! The mails, each a text and an HTML template under templates/mail/ (HTML escaped by askama).

use askama::Template;

use super::{MailError, Outgoing};

/// A test message an operator sends to check the relay (`idp email test`).
#[derive(Template)]
#[template(path = "mail/test.txt")]
struct TestText<'a> {
    issuer: &'a str,
}

#[derive(Template)]
#[template(path = "mail/test.html")]
struct TestHtml<'a> {
    issuer: &'a str,
}

pub fn test_message(to: &str, issuer: &str) -> Result<Outgoing, MailError> {
    Outgoing::render(
        to,
        "Test message from your identity provider",
        &TestText { issuer },
        &TestHtml { issuer },
    )
}

#[derive(Template)]
#[template(path = "mail/password_reset.txt")]
struct ResetText<'a> {
    issuer: &'a str,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/password_reset.html")]
struct ResetHtml<'a> {
    issuer: &'a str,
    link: &'a str,
}

/// The mail with a password reset link.
pub fn password_reset(to: &str, issuer: &str, link: &str) -> Result<Outgoing, MailError> {
    Outgoing::render(
        to,
        crate::i18n::t("mail-reset-subject"),
        &ResetText { issuer, link },
        &ResetHtml { issuer, link },
    )
}

#[derive(Template)]
#[template(path = "mail/password_changed.txt")]
struct ChangedText<'a> {
    issuer: &'a str,
    username: &'a str,
}

#[derive(Template)]
#[template(path = "mail/password_changed.html")]
struct ChangedHtml<'a> {
    issuer: &'a str,
    username: &'a str,
}

/// The security notice after a password change.
pub fn password_changed(to: &str, issuer: &str, username: &str) -> Result<Outgoing, MailError> {
    Outgoing::render(
        to,
        crate::i18n::t("mail-password-changed-subject"),
        &ChangedText { issuer, username },
        &ChangedHtml { issuer, username },
    )
}

#[derive(Template)]
#[template(path = "mail/second_factor_removed.txt")]
struct FactorRemovedText<'a> {
    issuer: &'a str,
    username: &'a str,
}

#[derive(Template)]
#[template(path = "mail/second_factor_removed.html")]
struct FactorRemovedHtml<'a> {
    issuer: &'a str,
    username: &'a str,
}

/// The security notice after an administrator turned the second factor off.
pub fn second_factor_removed(
    to: &str,
    issuer: &str,
    username: &str,
) -> Result<Outgoing, MailError> {
    Outgoing::render(
        to,
        crate::i18n::t("mail-factor-removed-subject"),
        &FactorRemovedText { issuer, username },
        &FactorRemovedHtml { issuer, username },
    )
}

#[derive(Template)]
#[template(path = "mail/passkey_removed.txt")]
struct PasskeyRemovedText<'a> {
    issuer: &'a str,
    username: &'a str,
    passkey: &'a str,
}

#[derive(Template)]
#[template(path = "mail/passkey_removed.html")]
struct PasskeyRemovedHtml<'a> {
    issuer: &'a str,
    username: &'a str,
    passkey: &'a str,
}

/// The security notice after an administrator removed one of the person's passkeys.
pub fn passkey_removed(
    to: &str,
    issuer: &str,
    username: &str,
    passkey: &str,
) -> Result<Outgoing, MailError> {
    Outgoing::render(
        to,
        crate::i18n::t("mail-passkey-removed-subject"),
        &PasskeyRemovedText {
            issuer,
            username,
            passkey,
        },
        &PasskeyRemovedHtml {
            issuer,
            username,
            passkey,
        },
    )
}

#[derive(Template)]
#[template(path = "mail/security_incident.txt")]
struct IncidentText<'a> {
    issuer: &'a str,
    id: &'a str,
    kind: &'a str,
    severity: &'a str,
    subject: &'a str,
    addresses: &'a str,
    count: i64,
    blocked: bool,
}

#[derive(Template)]
#[template(path = "mail/security_incident.html")]
struct IncidentHtml<'a> {
    issuer: &'a str,
    id: &'a str,
    kind: &'a str,
    severity: &'a str,
    subject: &'a str,
    addresses: &'a str,
    count: i64,
    blocked: bool,
}

/// The alert to an administrator about a security incident.
pub fn security_incident(
    to: &str,
    issuer: &str,
    incident: &crate::store::incidents::Incident,
    blocked: bool,
) -> Result<Outgoing, MailError> {
    let kind = incident.kind.replace('_', " ");
    let (id, severity, subject) = (&incident.id, &incident.severity, &incident.subject);
    let addresses = &incident.addresses;
    let count = incident.count;
    Outgoing::render(
        to,
        format!("Security incident: {kind} ({subject})"),
        &IncidentText {
            issuer,
            id,
            kind: &kind,
            severity,
            subject,
            addresses,
            count,
            blocked,
        },
        &IncidentHtml {
            issuer,
            id,
            kind: &kind,
            severity,
            subject,
            addresses,
            count,
            blocked,
        },
    )
}
