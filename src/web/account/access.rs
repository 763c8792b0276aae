//! Ending one of the person's sessions or all of them, and withdrawing the consent given to
//! an app.

use actix_web::{web, HttpRequest, HttpResponse};

use super::{PersonPost, ACCOUNT_PATH};
use crate::error::AppError;
use crate::ops::sessions::{self as ending, Which};
use crate::state::AppState;
use crate::store::{consents, grants, unix_now, write_transaction, StoreError};
use crate::web::see_other;
use crate::web::signin::event;
use crate::web::{session, signed_out};

#[derive(serde::Deserialize)]
pub struct EndSessionForm {
    csrf: Option<String>,
    #[serde(default)]
    sid: String,
}

crate::web::csrf::csrf_forms!(EndSessionForm);

/// `POST /account/sessions/end`: ends one of the person's sessions (see [`end_sessions`]).
pub async fn end_session(
    req: HttpRequest,
    PersonPost { signed_in, form }: PersonPost<EndSessionForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    end_sessions(&req, &state, &signed_in, Some(form.sid)).await
}

#[derive(serde::Deserialize)]
pub struct EndAllForm {
    csrf: Option<String>,
}

crate::web::csrf::csrf_forms!(EndAllForm);

/// `POST /account/sessions/end-all`: signs the person out everywhere, here included.
pub async fn end_all_sessions(
    req: HttpRequest,
    PersonPost { signed_in, .. }: PersonPost<EndAllForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    end_sessions(&req, &state, &signed_in, None).await
}

/// Ends the person's session `sid` (or, with `None`, every one) and the grants made in them
/// (except `offline_access` ones); their clients are told (see `ops::sessions`). Ending the
/// current one signs this browser out, through the signed-out page when clients are to be told
/// in it (front-channel logout).
async fn end_sessions(
    req: &HttpRequest,
    state: &AppState,
    signed_in: &session::SignedIn,
    sid: Option<String>,
) -> Result<HttpResponse, AppError> {
    let user_id = signed_in.user.id.clone();
    let all = sid.is_none();
    let ended = state
        .store
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let now = unix_now();
                let which = match &sid {
                    Some(sid) => Which::Sid {
                        user_id: &user_id,
                        sid,
                    },
                    None => Which::AllOf {
                        user_id: &user_id,
                        keep: "",
                    },
                };
                let ended = ending::end(conn, which, now)?;
                for session in &ended.sessions {
                    grants::revoke_session_grants(conn, &session.sid, now)?;
                }
                Ok::<_, StoreError>(ended)
            })
        })
        .await?;
    if ended.tokens_queued > 0 {
        state.deliveries_queued();
    }
    if ended.sessions.is_empty() {
        return Ok(see_other(ACCOUNT_PATH));
    }
    let user_id = &signed_in.user.id;
    let mut ended_event = event(req, state, user_id, "session_ended", user_id, "success");
    ended_event.detail = match all {
        true => format!("all {} sessions", ended.sessions.len()),
        false => format!("sid {}", ended.sessions[0].sid),
    };
    state.audit(ended_event).await;
    let here = &signed_in.session;
    if !ended.sessions.iter().any(|s| s.id_hash == here.id_hash) {
        return Ok(see_other("/account?done=session"));
    }
    // Only this browser's session can be told in this browser.
    let front: Vec<_> = ended
        .front_channel
        .into_iter()
        .filter(|f| f.sid == here.sid)
        .collect();
    let mut response = match front.is_empty() {
        true => see_other("/login"),
        false => signed_out::page(state, &front, None)?,
    };
    response
        .add_cookie(&session::removal_cookie(state))
        .map_err(AppError::failed)?;
    Ok(response)
}

#[derive(serde::Deserialize)]
pub struct WithdrawForm {
    csrf: Option<String>,
    #[serde(default)]
    client_id: String,
}

crate::web::csrf::csrf_forms!(WithdrawForm);

/// `POST /account/consents/withdraw`: forgets the consent and revokes the person's grants to
/// that client (its refresh tokens, and its access tokens at userinfo).
pub async fn withdraw_consent(
    req: HttpRequest,
    PersonPost { signed_in, form }: PersonPost<WithdrawForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (user_id, client_id) = (signed_in.user.id.clone(), form.client_id.clone());
    let withdrawn = state
        .store
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let withdrawn = consents::withdraw(conn, &user_id, &client_id)?;
                grants::revoke_for_user_client(conn, &user_id, &client_id, unix_now())?;
                Ok::<_, StoreError>(withdrawn)
            })
        })
        .await?;
    if !withdrawn {
        return Ok(see_other(ACCOUNT_PATH));
    }
    let user_id = &signed_in.user.id;
    let mut withdrawn_event = event(
        &req,
        &state,
        user_id,
        "consent_withdrawn",
        user_id,
        "success",
    );
    withdrawn_event.detail = format!("client {}", form.client_id);
    state.audit(withdrawn_event).await;
    Ok(see_other("/account?done=consent"))
}
