//! What a queued row becomes at one attempt; each kind's module makes it (the webhook alerts in
//! `security::alerts`, logout tokens in `oidc::backchannel`).

use std::time::Duration;

/// One attempt's request.
pub struct Post {
    pub url: String,
    pub content_type: &'static str,
    /// Further headers (a signature).
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    pub timeout: Duration,
    /// The answers that mean "received"; empty: any 2xx.
    pub accepted: &'static [u16],
}

/// What a claimed row comes to at this attempt.
pub enum Prepared {
    Post(Post),
    /// It cannot be sent any more (its receiver is no longer configured): given up, with why.
    Drop(String),
    /// It cannot be made now (a store error): tried again later, with why.
    Later(String),
}
