//! The signed-out page after a person's own session ended here (RP-initiated logout, or signing
//! out on `/account`): OpenID Connect Front-Channel Logout 1.0 §3. It carries one hidden iframe
//! per client of that session with a `frontchannel_logout_uri` (with `iss` and `sid` when the
//! client asked for them), and then static/signed-out.js goes on to where the relying party
//! asked to return, if anywhere; a link does the same without script. The page's policy lets it
//! frame exactly those clients' origins, and run only our script.

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use askama::Template;

use super::render;
use crate::error::AppError;
use crate::ops::sessions::FrontChannel;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "signed_out.html")]
struct SignedOutPage<'a> {
    frames: Vec<Frame>,
    continue_to: Option<&'a str>,
}

struct Frame {
    src: String,
    title: String,
}

/// The page for the clients in `front_channel`, going on to `continue_to` if given.
pub fn page(
    state: &AppState,
    front_channel: &[FrontChannel],
    continue_to: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let mut frames: Vec<Frame> = Vec::new();
    let mut origins: Vec<String> = Vec::new();
    for entry in front_channel {
        let issuer = &state.config.issuer;
        let Some(url) = entry.client.frontchannel_logout_url(issuer, &entry.sid) else {
            continue;
        };
        if frames.iter().any(|f| f.src == url.as_str()) {
            continue;
        }
        origins.push(url.origin().ascii_serialization());
        frames.push(Frame {
            src: url.to_string(),
            title: crate::i18n::t1("signed-out-frame-title", "client", &entry.client.name),
        });
    }
    origins.sort();
    origins.dedup();
    let page = SignedOutPage {
        frames,
        continue_to,
    };
    let mut response = render(StatusCode::OK, &page)?;
    let policy = policy(&origins, continue_to.is_some());
    let value = header::HeaderValue::from_str(&policy).map_err(AppError::failed)?;
    response
        .headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, value);
    Ok(response)
}

/// The default policy, with frames from `origins` (none: no frames at all) and, to go on,
/// our own script.
fn policy(origins: &[String], script: bool) -> String {
    let mut policy = String::from("default-src 'none'; style-src 'self'; img-src 'self' data:; ");
    if script {
        policy.push_str("script-src 'self'; ");
    }
    if !origins.is_empty() {
        policy.push_str(&format!("frame-src {}; ", origins.join(" ")));
    }
    policy.push_str("base-uri 'none'; frame-ancestors 'none'");
    policy
}

#[cfg(test)]
mod tests {
    use super::policy;

    #[test]
    fn the_policy_frames_exactly_the_clients_origins() {
        let origins = vec!["https://a.example".to_string(), "http://127.0.0.1:9".into()];
        let with = policy(&origins, true);
        assert!(with.contains("frame-src https://a.example http://127.0.0.1:9;"));
        assert!(with.contains("script-src 'self';"));
        let without = policy(&[], false);
        assert!(!without.contains("frame-src") && !without.contains("script-src"));
        assert!(without.contains("default-src 'none'"));
    }
}
