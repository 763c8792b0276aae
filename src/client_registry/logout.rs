//! Where a client hears that a session it took part in has ended: a URI the server posts logout
//! tokens to (OpenID Connect Back-Channel Logout 1.0 §2.2) and one the signed-out page loads in
//! an iframe (Front-Channel Logout 1.0 §2). Both are absolute, without a fragment, and https
//! unless on loopback, as redirect URIs are; a front-channel URI's own query is kept when `iss`
//! and `sid` are added to it.

use super::{check_uri, ClientError, NewClient};

pub(super) fn check(new: &NewClient) -> Result<(), ClientError> {
    if let Some(uri) = &new.backchannel_logout_uri {
        check_uri("backchannel_logout_uri", uri)?;
    }
    if let Some(uri) = &new.frontchannel_logout_uri {
        check_uri("frontchannel_logout_uri", uri)?;
    }
    Ok(())
}

/// A URI field as typed: `None` when empty.
pub fn optional_uri(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(backchannel: &str, frontchannel: &str) -> NewClient {
        NewClient {
            backchannel_logout_uri: optional_uri(backchannel),
            backchannel_logout_session_required: true,
            frontchannel_logout_uri: optional_uri(frontchannel),
            frontchannel_logout_session_required: true,
            ..NewClient::example()
        }
    }

    #[test]
    fn logout_uris_follow_the_redirect_uri_rules() {
        assert!(check(&with("", "")).is_ok());
        assert!(check(&with(
            "https://app.example.com/bcl?x=1",
            "https://app.example.com/fcl"
        ))
        .is_ok());
        assert!(check(&with("http://127.0.0.1:9000/bcl", "http://localhost/fcl")).is_ok());
        for bad in [
            "http://app.example.com/bcl",
            "https://app.example.com/bcl#top",
            "/bcl",
            "ftp://app.example.com/bcl",
            "https://app.example.com/a b",
        ] {
            let refused = check(&with(bad, "")).unwrap_err().to_string();
            assert!(refused.starts_with("backchannel_logout_uri"), "{refused}");
            let refused = check(&with("", bad)).unwrap_err().to_string();
            assert!(refused.starts_with("frontchannel_logout_uri"), "{refused}");
        }
    }
}
