//! Unlinking an upstream identity from the account.

use actix_web::{web, HttpRequest, HttpResponse};

use super::PersonPost;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::see_other;

#[derive(serde::Deserialize)]
pub struct UnlinkForm {
    csrf: Option<String>,
    #[serde(default)]
    provider: String,
    #[serde(default)]
    subject: String,
}

crate::web::csrf::csrf_forms!(UnlinkForm);

/// `POST /account/upstream/unlink`: the identity no longer signs in to this account; refused
/// when it is the account's last way to sign in.
pub async fn unlink(
    req: HttpRequest,
    PersonPost { signed_in, form }: PersonPost<UnlinkForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let user_id = signed_in.user.id.clone();
    let ctx = state.ops_context(&req, &user_id);
    state
        .store
        .run(move |conn| {
            crate::ops::upstream::unlink(conn, &ctx, &user_id, &form.provider, &form.subject)
        })
        .await?;
    Ok(see_other("/account?done=unlinked"))
}
