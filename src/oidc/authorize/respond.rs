//! Answers to the client: the authorization response with a code, or an error, by redirect to
//! the registered URI with `state` and `iss` (RFC 9207) added.

use actix_web::HttpResponse;

use super::checks::ValidRequest;
use crate::crypto::secrets::{random_id, random_token, sha256_hex};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::auth_requests;
use crate::store::grants::{self, AuthorizationCode, Grant};
use crate::store::sessions::Session;
use crate::store::{unix_now, StoreError};
use crate::web::see_other;

pub fn redirect_with(
    redirect_uri: &str,
    params: &[(&str, &str)],
    state: Option<&str>,
    issuer: &str,
) -> Result<HttpResponse, AppError> {
    let mut url = url::Url::parse(redirect_uri)
        .map_err(|e| AppError::Internal(format!("registered redirect URI unparsable: {e}")))?;
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in params {
            query.append_pair(name, value);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
        query.append_pair("iss", issuer);
    }
    Ok(see_other(url.as_str()))
}

pub fn error_redirect(
    state_: &AppState,
    redirect_uri: &str,
    state: Option<&str>,
    error: &str,
    description: &str,
) -> Result<HttpResponse, AppError> {
    redirect_with(
        redirect_uri,
        &[("error", error), ("error_description", description)],
        state,
        &state_.config.issuer,
    )
}

/// Records the grant and a single-use code for it, then redirects to the client with the code.
/// A pending request is taken in the same transaction: `None` when it was already finished.
/// Only the pipeline in `super::proceed` calls this.
pub(super) async fn issue_code(
    state: &AppState,
    request: &ValidRequest,
    pending_id: Option<&str>,
    session: &Session,
) -> Result<Option<HttpResponse>, AppError> {
    let now = unix_now();
    let tokens = &state.config.settings.tokens;
    let code = random_token::<32>();
    let grant = Grant {
        id: random_id::<16>(),
        user_id: session.user_id.clone(),
        client_id: request.client.id.clone(),
        sid: session.sid.clone(),
        scope: request.scopes.join(" "),
        auth_time: session.auth_time,
        amr: session.amr.clone(),
        created_at: now,
        expires_at: now + tokens.refresh_absolute_secs,
        revoked_at: None,
    };
    let stored_code = AuthorizationCode {
        code_hash: sha256_hex(code.as_bytes()),
        grant_id: grant.id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        nonce: request.nonce.clone(),
        code_challenge: request.code_challenge.clone(),
        expires_at: now + tokens.code_ttl_secs,
        used_at: None,
    };
    let pending_id = pending_id.map(String::from);
    let issued = state
        .store
        .run(move |conn| {
            crate::store::write_transaction(conn, |conn| {
                if let Some(id) = &pending_id {
                    if !auth_requests::take(conn, id, now)? {
                        return Ok::<_, StoreError>(false);
                    }
                }
                grants::insert_grant(conn, &grant)?;
                grants::insert_code(conn, &stored_code)?;
                Ok(true)
            })
        })
        .await?;
    if !issued {
        return Ok(None);
    }
    redirect_with(
        &request.redirect_uri,
        &[("code", &code)],
        request.state.as_deref(),
        &state.config.issuer,
    )
    .map(Some)
}
