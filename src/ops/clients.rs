//! Changes to relying parties and machine clients: register, edit, rotate the secret, remove.

use super::{audited, missing, Context, OpsError};
use crate::client_registry::{self, ClientEdit, NewClient};
use crate::crypto::kek::KeyEncryptionKey;
use crate::store::clients::{self, Client};
use crate::store::{unix_now, AnyConnection};

pub fn get(conn: &mut AnyConnection, id: &str) -> Result<Client, OpsError> {
    clients::find(conn, id).map_err(missing("client"))
}

/// Registers a client; returns it and its secret (shown once; stored hashed, and sealed with
/// the KEK only for `client_secret_jwt`).
pub fn register(
    conn: &mut AnyConnection,
    ctx: &Context,
    kek: &KeyEncryptionKey,
    new: NewClient,
) -> Result<(Client, Option<String>), OpsError> {
    let target = new.id.clone().unwrap_or_default();
    audited(conn, ctx, "admin_client_create", &target, |conn, event| {
        let (client, secret) = client_registry::register(conn, kek, new, unix_now())?;
        event.target = client.id.clone();
        Ok((client, secret))
    })
}

/// Changes a client's name, URIs, grants, scopes, audiences and flags under the registration
/// rules; its id and credentials stay.
pub fn edit(
    conn: &mut AnyConnection,
    ctx: &Context,
    id: &str,
    edit: ClientEdit,
) -> Result<Client, OpsError> {
    if edit.is_empty() {
        return Err(OpsError::Invalid("nothing to change".into()));
    }
    audited(conn, ctx, "admin_client_update", id, |conn, event| {
        let client = get(conn, id)?;
        let (updated, changed) = client_registry::apply_edit(&client, edit)?;
        clients::update(conn, &updated).map_err(missing("client"))?;
        event.detail = changed.join(", ");
        // Where codes and tokens are sent: a change there can hand them to someone else.
        if updated.redirect_uris != client.redirect_uris {
            let subject = format!("client:{id}");
            super::security::privilege_event(
                conn,
                ctx,
                "redirect_uris_changed",
                &subject,
                "high",
                ctx.acting_user.as_deref(),
                Some(id),
            )?;
        }
        Ok(updated)
    })
}

/// A new secret for a confidential client; the old one is accepted for `overlap_secs` more.
pub fn rotate_secret(
    conn: &mut AnyConnection,
    ctx: &Context,
    kek: &KeyEncryptionKey,
    id: &str,
    overlap_secs: i64,
) -> Result<String, OpsError> {
    audited(conn, ctx, "admin_client_rotate", id, |conn, event| {
        let secret = client_registry::rotate_secret(conn, kek, id, overlap_secs, unix_now())?;
        event.detail = format!("overlap {overlap_secs}s");
        Ok(secret)
    })
}

/// Removes a client; its grants, codes, refresh tokens and consents go with it.
pub fn remove(conn: &mut AnyConnection, ctx: &Context, id: &str) -> Result<(), OpsError> {
    audited(conn, ctx, "admin_client_delete", id, |conn, _| {
        clients::remove(conn, id).map_err(missing("client"))
    })
}
