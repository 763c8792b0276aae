//! Token revocation (RFC 7009). A refresh token takes its whole grant with it; an access token
//! is refused by name (`jti`) until it expires, on every node. Unknown tokens, and tokens of
//! other clients, get the same 200 and change nothing.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;

use super::introspect::find_refresh_token;
use super::{access_token, client_auth};
use crate::error::AppError;
use crate::oidc::form::Form;
use crate::oidc::paths::REVOKE_PATH;
use crate::state::AppState;
use crate::store::{grants, revocations, unix_now, StoreError};

pub async fn revoke(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = Form::from_request(&req, &body)?;
    let token = form.required("token")?.to_string();
    let caller = client_auth::authenticate(&state, &req, &form, REVOKE_PATH).await?;
    // Signature and issuer only: an expired access token needs no revoking, a live one does.
    let claims = access_token::verified_claims(&state, &token);
    state
        .store
        .run(move |conn| {
            let now = unix_now();
            if let Some(claims) = claims {
                let own = claims.get("client_id").and_then(Value::as_str) == Some(&caller.id);
                let jti = claims.get("jti").and_then(Value::as_str);
                let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(now);
                if let (true, Some(jti)) = (own, jti) {
                    revocations::revoke(conn, jti, exp)?;
                    tracing::info!(event = "access_token_revoked", client_id = %caller.id);
                }
            } else if let Some((_, grant)) = find_refresh_token(conn, &token)? {
                if grant.client_id == caller.id {
                    grants::revoke_grant(conn, &grant.id, now)?;
                    tracing::info!(event = "refresh_token_revoked", client_id = %caller.id, grant_id = %grant.id);
                }
            }
            Ok::<_, StoreError>(())
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}
