//! `authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.6): the code is single-use, short-lived,
//! and bound to its client, redirect URI, PKCE challenge and nonce. A second presentation
//! revokes everything issued from the first (RFC 9700 §4.2.4).

use actix_web::HttpRequest;
use openssl::sha::sha256;
use serde_json::Value;

use super::issue::{self, UserTokens};
use crate::crypto::secrets::{b64url, constant_time_eq, sha256_hex};
use crate::error::{AppError, OAuthError};
use crate::oidc::form::Form;
use crate::security::response::replay_refused;
use crate::state::AppState;
use crate::store::clients::Client;
use crate::store::grants::{self, Use};
use crate::store::{unix_now, users, StoreError};

pub const GRANT_TYPE: &str = "authorization_code";

enum Exchange {
    Issued(Box<UserTokens>),
    Refused(&'static str),
    /// The code came again: its grant (of this account, if it is still there) is revoked.
    Replayed(Option<String>),
}

pub async fn grant(
    state: &AppState,
    req: &HttpRequest,
    client: &Client,
    form: &Form,
    jkt: Option<&str>,
) -> Result<Value, AppError> {
    crate::oidc::client_auth::require_grant(client, GRANT_TYPE)?;
    let code_hash = sha256_hex(form.required("code")?.as_bytes());
    let redirect_uri = form.required("redirect_uri")?.to_string();
    let verifier = form.single("code_verifier")?.map(String::from);
    let client_id = client.id.clone();
    let recipient = issue::Recipient::new(state, client, jkt);
    let exchange = state
        .store
        .run(move |conn| {
            crate::store::write_transaction(conn, |conn| {
                let now = unix_now();
                let code = match grants::consume_code(conn, &code_hash, now)? {
                    Use::First(code) => code,
                    Use::Replayed(code) => {
                        grants::revoke_grant(conn, &code.grant_id, now)?;
                        tracing::warn!(event = "code_replay", grant_id = %code.grant_id, "authorization code presented twice; grant revoked");
                        let account = grants::find_grant(conn, &code.grant_id)?.map(|g| g.user_id);
                        return Ok(Exchange::Replayed(account));
                    }
                    Use::Unknown => return Ok(Exchange::Refused("the authorization code is invalid")),
                };
                let Some(grant) = grants::find_grant(conn, &code.grant_id)? else {
                    return Ok(Exchange::Refused("the authorization code is invalid"));
                };
                if grant.client_id != client_id {
                    return Ok(Exchange::Refused("the authorization code was issued to another client"));
                }
                if code.expires_at <= now || !grant.is_live(now) {
                    return Ok(Exchange::Refused("the authorization code has expired"));
                }
                if code.redirect_uri != redirect_uri {
                    return Ok(Exchange::Refused("redirect_uri does not match the authorization request"));
                }
                if let Err(why) = check_pkce(code.code_challenge.as_deref(), verifier.as_deref()) {
                    return Ok(Exchange::Refused(why));
                }
                let Some(user) = users::get(conn, &grant.user_id)?.filter(|u| !u.disabled) else {
                    return Ok(Exchange::Refused("the account can no longer sign in"));
                };
                let tokens = recipient.tokens(conn, grant, user, code.nonce, now)?;
                Ok::<_, StoreError>(Exchange::Issued(Box::new(tokens)))
            })
        })
        .await?;
    match exchange {
        Exchange::Issued(tokens) => issue::respond(state, client, *tokens),
        Exchange::Refused(why) => Err(OAuthError::new("invalid_grant", why).into()),
        Exchange::Replayed(account) => Err(replay_refused(
            state,
            req,
            "code_replay",
            (&client.id, account.as_deref()),
            "the authorization code has already been used",
        )
        .await),
    }
}

/// RFC 7636 §4.6, and RFC 9700 §2.1.1: a verifier without a challenge is refused too.
fn check_pkce(challenge: Option<&str>, verifier: Option<&str>) -> Result<(), &'static str> {
    match (challenge, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err("code_verifier sent but no code_challenge was"),
        (Some(_), None) => Err("code_verifier is missing"),
        (Some(challenge), Some(verifier)) => {
            let well_formed = (43..=128).contains(&verifier.len())
                && verifier
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~'));
            let computed = b64url(&sha256(verifier.as_bytes()));
            if well_formed && constant_time_eq(computed.as_bytes(), challenge.as_bytes()) {
                Ok(())
            } else {
                Err("code_verifier does not match the code_challenge")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check_pkce;

    #[test]
    fn pkce_rfc7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(check_pkce(Some(challenge), Some(verifier)).is_ok());
        assert!(check_pkce(Some(challenge), Some(&verifier.replace('d', "e"))).is_err());
        assert!(check_pkce(Some(challenge), None).is_err());
        assert!(check_pkce(None, Some(verifier)).is_err());
        assert!(check_pkce(None, None).is_ok());
    }
}
