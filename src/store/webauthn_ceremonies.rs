//! WebAuthn ceremonies between their two requests: stored server-side under the digest of a
//! random id, bound to the browser that began them, and claimed once before they expire, so
//! that any node can finish a ceremony another began and none can be finished twice.

use diesel::prelude::*;

use super::schema::webauthn_ceremonies;
use super::{AnyConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webauthn_ceremonies)]
pub struct Ceremony {
    pub id_hash: String,
    /// What the ceremony is for (enrolment, sign-in, second factor).
    pub kind: String,
    /// The account it concerns, when known before it ends (not for a passwordless sign-in).
    pub user_id: Option<String>,
    /// SHA-256 of the binding cookie of the browser that began it.
    pub browser_hash: String,
    /// The relying-party library's serialised ceremony state (with its challenge).
    pub state: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

pub fn insert(conn: &mut AnyConnection, ceremony: &Ceremony) -> Result<(), StoreError> {
    diesel::insert_into(webauthn_ceremonies::table)
        .values(ceremony)
        .execute(conn)?;
    Ok(())
}

/// Claims the ceremony of this kind and browser: of two attempts exactly one gets it; an
/// unknown, expired, used, other kind's or other browser's ceremony gives `None`.
pub fn claim(
    conn: &mut AnyConnection,
    id_hash: &str,
    kind: &str,
    browser_hash: &str,
    now: i64,
) -> Result<Option<Ceremony>, StoreError> {
    super::write_transaction(conn, |conn| {
        let claimed = diesel::update(
            webauthn_ceremonies::table
                .find(id_hash)
                .filter(webauthn_ceremonies::kind.eq(kind))
                .filter(webauthn_ceremonies::browser_hash.eq(browser_hash))
                .filter(webauthn_ceremonies::expires_at.gt(now))
                .filter(webauthn_ceremonies::used_at.is_null()),
        )
        .set(webauthn_ceremonies::used_at.eq(now))
        .execute(conn)?;
        if claimed != 1 {
            return Ok(None);
        }
        Ok(webauthn_ceremonies::table
            .find(id_hash)
            .select(Ceremony::as_select())
            .first(conn)
            .optional()?)
    })
}
