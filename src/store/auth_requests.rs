//! Authorization requests waiting for the person to sign in or consent. Stored server-side so
//! that any node can resume them and nothing in the browser can alter them; each is bound to
//! the browser that started it and is taken (deleted) exactly once, when its code is issued.

use diesel::prelude::*;

use super::schema::authorization_requests;
use super::{AnyConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = authorization_requests)]
pub struct PendingRequest {
    pub id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    /// Space-separated `prompt` values.
    pub prompt: String,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub acr_values: Option<String>,
    /// SHA-256 of the browser-binding cookie of the browser that sent the request.
    pub browser_hash: String,
    /// The account that allowed this request on the consent page, once one has.
    pub consented_by: Option<String>,
    /// `query` or `form_post`.
    pub response_mode: String,
    /// The language of the interaction: the first of the request's `ui_locales` we have.
    pub ui_locale: Option<String>,
    /// The device authorization request (RFC 8628) this sign-in approves, when it came from
    /// `/device`: its outcome goes to the device, not to a redirect URI.
    pub device_id: Option<String>,
}

pub fn insert(conn: &mut AnyConnection, request: &PendingRequest) -> Result<(), StoreError> {
    diesel::insert_into(authorization_requests::table)
        .values(request)
        .execute(conn)?;
    Ok(())
}

/// The request, if it exists and has not expired.
pub fn find(
    conn: &mut AnyConnection,
    id: &str,
    now: i64,
) -> Result<Option<PendingRequest>, StoreError> {
    Ok(authorization_requests::table
        .find(id)
        .filter(authorization_requests::expires_at.gt(now))
        .select(PendingRequest::as_select())
        .first(conn)
        .optional()?)
}

/// Records that account `user_id` allowed the request on the consent page.
pub fn record_consent(conn: &mut AnyConnection, id: &str, user_id: &str) -> Result<(), StoreError> {
    diesel::update(authorization_requests::table.find(id))
        .set(authorization_requests::consented_by.eq(user_id))
        .execute(conn)?;
    Ok(())
}

/// Removes the request and says whether this call did: of two nodes finishing the same
/// request at once, exactly one gets `true`.
pub fn take(conn: &mut AnyConnection, id: &str, now: i64) -> Result<bool, StoreError> {
    let removed = diesel::delete(
        authorization_requests::table
            .find(id)
            .filter(authorization_requests::expires_at.gt(now)),
    )
    .execute(conn)?;
    Ok(removed == 1)
}
