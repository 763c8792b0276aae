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
