//! How a device's request ends (RFC 8628 §3.3): not by a redirect to the client, which waits on
//! another screen, but by recording the decision where the client's polling finds it, and a page
//! telling the person to go back to their device. Only the pipeline calls these.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use super::checks::ValidRequest;
use super::respond;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::audit::Event;
use crate::store::device_authorizations::{self, APPROVED, DENIED};
use crate::store::grants::{self, Grant};
use crate::store::sessions::Session;
use crate::store::{auth_requests, unix_now, write_transaction, StoreError};
use crate::web::render;

#[derive(Template)]
#[template(path = "device_done.html")]
struct DonePage<'a> {
    client_name: &'a str,
    approved: bool,
}

/// The person allowed the device: the grant is made and attached to the device's request, and
/// the pending request taken, in one transaction. `None` when the request was finished already
/// (another tab, another node) or has expired.
pub(super) async fn approve(
    state: &AppState,
    req: &HttpRequest,
    request: &ValidRequest,
    device_id: &str,
    pending_id: Option<&str>,
    session: &Session,
) -> Result<Option<HttpResponse>, AppError> {
    let grant = respond::new_grant(state, request, session, unix_now());
    let approved = record(state, device_id, pending_id, APPROVED, Some(grant)).await?;
    if !approved {
        return Ok(None);
    }
    audit(state, req, request, &session.user_id, "device_approved").await;
    done_page(request, true).map(Some)
}

/// The person refused on the consent page: the device's polling gets `access_denied`.
pub(super) async fn deny(
    state: &AppState,
    req: &HttpRequest,
    request: &ValidRequest,
    device_id: &str,
    pending_id: Option<&str>,
    user_id: &str,
) -> Result<HttpResponse, AppError> {
    let denied = record(state, device_id, pending_id, DENIED, None).await?;
    if !denied {
        return Err(crate::web::expired_request());
    }
    audit(state, req, request, user_id, "device_denied").await;
    done_page(request, false)
}

/// Records the decision (with the grant an approval made) and takes the pending request, in one
/// transaction; `false` when either was finished or had expired already.
async fn record(
    state: &AppState,
    device_id: &str,
    pending_id: Option<&str>,
    status: &'static str,
    grant: Option<Grant>,
) -> Result<bool, AppError> {
    let (device_id, pending_id) = (device_id.to_string(), pending_id.map(String::from));
    let now = unix_now();
    let recorded = state
        .store
        .run(move |conn| {
            write_transaction(conn, |conn| {
                if let Some(id) = &pending_id {
                    if !auth_requests::take(conn, id, now)? {
                        return Ok::<_, StoreError>(false);
                    }
                }
                if !device_authorizations::decide(conn, &device_id, status, now)? {
                    return Ok(false);
                }
                if let Some(grant) = &grant {
                    grants::insert_grant(conn, grant)?;
                    device_authorizations::attach_grant(conn, &device_id, &grant.id)?;
                }
                Ok(true)
            })
        })
        .await?;
    Ok(recorded)
}

/// The audit entry names the account, the client and the scopes; never a code.
async fn audit(
    state: &AppState,
    req: &HttpRequest,
    request: &ValidRequest,
    user_id: &str,
    action: &str,
) {
    let (client_ip, user_agent) = state.requester(req);
    state
        .audit(Event {
            actor: user_id.to_string(),
            action: action.into(),
            target: request.client.id.clone(),
            outcome: "success".into(),
            client_ip,
            user_agent,
            detail: format!("scope: {}", request.scopes.join(" ")),
        })
        .await;
}

fn done_page(request: &ValidRequest, approved: bool) -> Result<HttpResponse, AppError> {
    render(
        StatusCode::OK,
        &DonePage {
            client_name: &request.client.name,
            approved,
        },
    )
}
