//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0). The browser session ends, with
//! the grants made in it (except offline ones), and the person returns to the relying party only
//! at a URI registered for it. Without a matching `id_token_hint`, the person confirms first.
//! The session's clients are told (see `ops::sessions`): by logout tokens queued with the end,
//! and by the signed-out page's iframes (`web::signed_out`), which then go on to the return URI.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde_json::Value;

use crate::error::AppError;
use crate::oidc::form::Form;
use crate::ops::sessions::{self as ending, FrontChannel, Which};
use crate::state::AppState;
use crate::store::clients::{self, Client};
use crate::store::{grants, unix_now, StoreError};
use crate::web::{csrf, render, see_other, session, signed_out, with_cookie};

#[derive(Template)]
#[template(path = "logout.html")]
struct ConfirmPage<'a> {
    csrf: &'a str,
    id_token_hint: &'a str,
    post_logout_redirect_uri: &'a str,
    state: &'a str,
    client_id: &'a str,
}

/// `message` is a catalog message id.
fn bad_request(message: &'static str) -> AppError {
    AppError::shown(
        StatusCode::BAD_REQUEST,
        "error-logout-refused-title",
        message,
    )
}

pub async fn end_session_get(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    end_session(&req, &state, Form::from_query(req.query_string()), false).await
}

pub async fn end_session_post(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form =
        Form::from_request(&req, &body).map_err(|_| bad_request("error-logout-malformed"))?;
    end_session(&req, &state, form, true).await
}

async fn end_session(
    req: &HttpRequest,
    state: &AppState,
    form: Form,
    posted: bool,
) -> Result<HttpResponse, AppError> {
    let param = |name| {
        form.single(name)
            .map_err(|_| bad_request("A parameter is repeated."))
    };
    let hint = param("id_token_hint")?;
    let redirect_uri = param("post_logout_redirect_uri")?.map(String::from);
    let client_state = param("state")?.unwrap_or("");
    let client_id_param = param("client_id")?;

    // The hint only has to be ours; an expired ID token is a fine hint.
    let hint_claims = match hint {
        Some(token) => {
            let claims = state
                .keys()
                .verify(token, "JWT")
                .ok_or_else(|| bad_request("error-logout-hint-invalid"))?;
            if claims.get("iss").and_then(Value::as_str) != Some(&state.config.issuer) {
                return Err(bad_request("error-logout-hint-invalid"));
            }
            Some(claims)
        }
        None => None,
    };
    let hint_client = hint_claims
        .as_ref()
        .and_then(|c| c.get("aud"))
        .and_then(Value::as_str);
    let client_id = match (hint_client, client_id_param) {
        (Some(a), Some(b)) if a != b => {
            return Err(bad_request("client_id does not match the id_token_hint."))
        }
        (a, b) => a.or(b).map(String::from),
    };
    if let Some(id) = &client_id {
        crate::security::cors::name_client(req, id);
    }
    if let Some(uri) = &redirect_uri {
        let client = load_client(state, client_id.clone()).await?;
        let registered = client
            .map(|c| c.post_logout_redirect_uri_list())
            .transpose()?
            .unwrap_or_default();
        if !registered.contains(uri) {
            return Err(bad_request("error-logout-unregistered-return"));
        }
    }

    let mut front_channel: Vec<FrontChannel> = Vec::new();
    if let Some(signed_in) = session::current(state, req).await? {
        let hint_matches = hint_claims
            .as_ref()
            .and_then(|c| c.get("sub"))
            .and_then(Value::as_str)
            == Some(&signed_in.user.id);
        let confirmed = posted && csrf::verify(state, req, form.single("csrf").ok().flatten());
        if !hint_matches && !confirmed {
            let token = csrf::issue(state, req);
            let page = ConfirmPage {
                csrf: &token.form_value,
                id_token_hint: hint.unwrap_or(""),
                post_logout_redirect_uri: redirect_uri.as_deref().unwrap_or(""),
                state: client_state,
                client_id: client_id.as_deref().unwrap_or(""),
            };
            return with_cookie(render(StatusCode::OK, &page)?, token.cookie);
        }
        let (id_hash, sid) = (
            signed_in.session.id_hash.clone(),
            signed_in.session.sid.clone(),
        );
        let ended = state
            .store
            .run(move |conn| {
                crate::store::write_transaction(conn, |conn| {
                    let now = unix_now();
                    let ended = ending::end(conn, Which::Stored(&id_hash), now)?;
                    grants::revoke_session_grants(conn, &sid, now)?;
                    Ok::<_, StoreError>(ended)
                })
            })
            .await?;
        if ended.tokens_queued > 0 {
            state.deliveries_queued();
        }
        front_channel = ended.front_channel;
        tracing::info!(event = "logout", user_id = %signed_in.user.id);
    }

    let return_to = match redirect_uri {
        Some(uri) => {
            let mut url = url::Url::parse(&uri).map_err(AppError::failed)?;
            if !client_state.is_empty() {
                url.query_pairs_mut().append_pair("state", client_state);
            }
            Some(url.to_string())
        }
        None => None,
    };
    let mut response = match return_to {
        // Nothing to show on the way: straight back.
        Some(uri) if front_channel.is_empty() => see_other(&uri),
        uri => signed_out::page(state, &front_channel, uri.as_deref())?,
    };
    response
        .add_cookie(&session::removal_cookie(state))
        .map_err(AppError::failed)?;
    Ok(response)
}

async fn load_client(
    state: &AppState,
    client_id: Option<String>,
) -> Result<Option<Client>, AppError> {
    let Some(id) = client_id else {
        return Ok(None);
    };
    let found = state
        .store
        .run(move |conn| match clients::find(conn, &id) {
            Ok(client) => Ok(Some(client)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e),
        })
        .await?;
    Ok(found)
}
