//! Ending one of the person's sessions, and withdrawing the consent given to an app.

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

/// `POST /account/sessions/end`: ends one of the person's sessions and the grants made in it
/// (except `offline_access` ones); its clients are told (see `ops::sessions`). Ending the
/// current one signs this browser out, through the signed-out page when clients are to be
/// told in it (front-channel logout).
pub async fn end_session(
    req: HttpRequest,
    PersonPost { signed_in, form }: PersonPost<EndSessionForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (user_id, sid) = (signed_in.user.id.clone(), form.sid.clone());
    let ended = state
        .store
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let now = unix_now();
                let which = Which::Sid {
                    user_id: &user_id,
                    sid: &sid,
                };
                let ended = ending::end(conn, which, now)?;
                if !ended.sessions.is_empty() {
                    grants::revoke_session_grants(conn, &sid, now)?;
                }
                Ok::<_, StoreError>(ended)
            })
        })
        .await?;
    if ended.tokens_queued > 0 {
        state.deliveries_queued();
    }
    let Some(session) = ended.sessions.first() else {
        return Ok(see_other(ACCOUNT_PATH));
    };
    let user_id = &signed_in.user.id;
    let mut ended_event = event(&req, &state, user_id, "session_ended", user_id, "success");
    ended_event.detail = format!("sid {}", session.sid);
    state.audit(ended_event).await;
    if session.id_hash == signed_in.session.id_hash {
        let mut response = match ended.front_channel.is_empty() {
            true => see_other("/login"),
            false => signed_out::page(&state, &ended.front_channel, None)?,
        };
        response
            .add_cookie(&session::removal_cookie(&state))
            .map_err(AppError::failed)?;
        return Ok(response);
    }
    Ok(see_other("/account?done=session"))
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
