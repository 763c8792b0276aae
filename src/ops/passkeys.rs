//! An administrator removes one of a person's passkeys (a lost device, say): audited with the
//! change in one transaction, and a notice to the account's address queued with it.

use super::{audited, users, Context, OpsError};
use crate::store::mail_outbox::{self, NewMail};
use crate::store::{passkeys, unix_now, AnyConnection};

pub fn remove(
    conn: &mut AnyConnection,
    ctx: &Context,
    user_id: &str,
    passkey_id: &str,
    notice: Option<&NewMail>,
) -> Result<(), OpsError> {
    audited(
        conn,
        ctx,
        "admin_user_passkey_removed",
        user_id,
        |conn, event| {
            users::get(conn, user_id)?;
            event.detail = format!("passkey {passkey_id}");
            passkeys::remove(conn, user_id, passkey_id)?.ok_or(OpsError::NotFound("passkey"))?;
            if let Some(notice) = notice {
                mail_outbox::insert(conn, notice, unix_now())?;
            }
            Ok(())
        },
    )
}
