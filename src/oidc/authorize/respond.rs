//! Answers to the client: the authorization response with a code, or an error, to the
//! registered URI with `state` and `iss` (RFC 9207) added, by redirect or as a posted form.

use actix_web::HttpResponse;

use askama::Template;

use super::checks::{ResponseMode, ValidRequest};
use crate::crypto::secrets::{random_id, random_token, sha256_hex};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::auth_requests;
use crate::store::grants::{self, AuthorizationCode, Grant};
use crate::store::sessions::Session;
use crate::store::{unix_now, StoreError};
use crate::web::{render, see_other};

/// The authorization response: `params`, then `state` and `iss`, to the registered URI — in
/// its query by a redirect, or (form_post) as an HTML form the browser posts there.
pub fn answer(
    state_: &AppState,
    redirect_uri: &str,
    mode: ResponseMode,
    params: &[(&str, &str)],
    state: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let issuer = state_.config.issuer.as_str();
    let mut fields: Vec<(&str, &str)> = params.to_vec();
    if let Some(state) = state {
        fields.push(("state", state));
    }
    fields.push(("iss", issuer));
    let mut url = url::Url::parse(redirect_uri).map_err(AppError::failed)?;
    if mode == ResponseMode::FormPost {
        return form_post(&url, &fields);
    }
    url.query_pairs_mut().extend_pairs(&fields);
    Ok(see_other(url.as_str()))
}

#[derive(Template)]
#[template(path = "form_post.html")]
struct FormPostPage<'a> {
    action: &'a str,
    fields: &'a [(&'a str, &'a str)],
}

/// OAuth 2.0 Form Post Response Mode: a page whose one script (ours, from `/static`) submits
/// the form; without JavaScript its button does. The page may post only to the client.
fn form_post(url: &url::Url, fields: &[(&str, &str)]) -> Result<HttpResponse, AppError> {
    let origin = url.origin().ascii_serialization();
    let mut response = render(
        actix_web::http::StatusCode::OK,
        &FormPostPage {
            action: url.as_str(),
            fields,
        },
    )?;
    let policy = format!(
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
         base-uri 'none'; frame-ancestors 'none'; form-action {origin}"
    );
    let value =
        actix_web::http::header::HeaderValue::from_str(&policy).map_err(AppError::failed)?;
    response
        .headers_mut()
        .insert(actix_web::http::header::CONTENT_SECURITY_POLICY, value);
    Ok(response)
}

pub fn error_redirect(
    state_: &AppState,
    redirect_uri: &str,
    mode: ResponseMode,
    state: Option<&str>,
    error: &str,
    description: &str,
) -> Result<HttpResponse, AppError> {
    answer(
        state_,
        redirect_uri,
        mode,
        &[("error", error), ("error_description", description)],
        state,
    )
}

/// The grant a finished request makes: the session's sign-in (its time and methods) for the
/// client and the requested scopes.
pub(super) fn new_grant(
    state: &AppState,
    request: &ValidRequest,
    session: &Session,
    now: i64,
) -> Grant {
    Grant {
        id: random_id::<16>(),
        user_id: session.user_id.clone(),
        client_id: request.client.id.clone(),
        sid: session.sid.clone(),
        scope: request.scopes.join(" "),
        auth_time: session.auth_time,
        amr: session.amr.clone(),
        created_at: now,
        expires_at: now + state.config.settings.tokens.refresh_absolute_secs,
        revoked_at: None,
        dpop_jkt: None,
    }
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
    let grant = new_grant(state, request, session, now);
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
    answer(
        state,
        &request.redirect_uri,
        request.response_mode,
        &[("code", &code)],
        request.state.as_deref(),
    )
    .map(Some)
}
