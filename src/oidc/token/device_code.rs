//! `urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 §3.4, §3.5): the device polls with
//! its device code until the person has decided. Polling faster than the interval answers
//! `slow_down` and adds 5 s to it; an approved request gives its tokens exactly once, claimed in
//! the transaction that reads it, so of two concurrent exchanges (on any nodes) one wins.

use serde_json::Value;

use super::issue::{self, UserTokens};
use crate::crypto::secrets::sha256_hex;
use crate::error::{AppError, OAuthError};
use crate::oidc::device::GRANT_TYPE;
use crate::oidc::form::Form;
use crate::state::AppState;
use crate::store::clients::Client;
use crate::store::device_authorizations::{self as devices, APPROVED, DENIED, PENDING, USED};
use crate::store::{grants, unix_now, users, write_transaction, StoreError};

/// What a poll found.
enum Poll {
    Issued(Box<UserTokens>),
    Refused(&'static str, &'static str),
}

/// RFC 8628 §3.5: "the interval MUST be increased by 5 seconds for this and all subsequent
/// requests".
const SLOW_DOWN_STEP_SECS: i64 = 5;

pub async fn grant(
    state: &AppState,
    client: &Client,
    form: &Form,
    jkt: Option<&str>,
) -> Result<Value, AppError> {
    crate::oidc::client_auth::require_grant(client, GRANT_TYPE)?;
    let code_hash = sha256_hex(form.required("device_code")?.as_bytes());
    let client_id = client.id.clone();
    let recipient = issue::Recipient::new(state, client, jkt);
    let poll = state
        .store
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let now = unix_now();
                let Some(request) = devices::find_by_device_code(conn, &code_hash)? else {
                    return Ok(Poll::Refused("invalid_grant", "the device code is invalid"));
                };
                if request.client_id != client_id {
                    return Ok(Poll::Refused(
                        "invalid_grant",
                        "the device code was issued to another client",
                    ));
                }
                if request.expires_at <= now {
                    return Ok(Poll::Refused(
                        "expired_token",
                        "the device code has expired",
                    ));
                }
                // A used code is refused however fast it comes back.
                if request.status == USED {
                    return Ok(Poll::Refused(
                        "invalid_grant",
                        "the device code has already been used",
                    ));
                }
                let too_soon = request
                    .last_polled_at
                    .is_some_and(|last| now - last < request.interval_secs);
                let interval =
                    request.interval_secs + if too_soon { SLOW_DOWN_STEP_SECS } else { 0 };
                devices::record_poll(conn, &request.id, now, interval)?;
                if too_soon {
                    return Ok(Poll::Refused(
                        "slow_down",
                        "poll no more often than the interval, now 5 seconds longer",
                    ));
                }
                match request.status.as_str() {
                    PENDING => {
                        return Ok(Poll::Refused(
                            "authorization_pending",
                            "the person has not decided yet",
                        ))
                    }
                    DENIED => return Ok(Poll::Refused("access_denied", "the person declined")),
                    APPROVED if devices::claim(conn, &request.id)? => {}
                    _ => {
                        return Ok(Poll::Refused(
                            "invalid_grant",
                            "the device code has already been used",
                        ))
                    }
                }
                let grant = match &request.grant_id {
                    Some(id) => grants::find_grant(conn, id)?.filter(|g| g.is_live(now)),
                    None => None,
                };
                let Some(grant) = grant else {
                    return Ok(Poll::Refused(
                        "invalid_grant",
                        "the authorization has been revoked",
                    ));
                };
                let Some(user) = users::get(conn, &grant.user_id)?.filter(|u| !u.disabled) else {
                    return Ok(Poll::Refused(
                        "invalid_grant",
                        "the account can no longer sign in",
                    ));
                };
                let tokens = recipient.tokens(conn, grant, user, None, now)?;
                Ok::<_, StoreError>(Poll::Issued(Box::new(tokens)))
            })
        })
        .await?;
    match poll {
        Poll::Issued(tokens) => issue::respond(state, client, *tokens),
        Poll::Refused(error, why) => Err(OAuthError::new(error, why).into()),
    }
}
