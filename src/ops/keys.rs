//! Rotating the signing keys by hand (automatic rotation is `rotation::rotate_due`).

use super::{audited, Context, OpsError};
use crate::crypto::kek::KeyEncryptionKey;
use crate::crypto::keys::SigningAlg;
use crate::crypto::rotation::{self, RotationTiming};
use crate::store::keys::StoredKey;
use crate::store::{unix_now, AnyConnection};

/// New keys for `algs`; the ones they replace stay published (see `rotation::rotate`).
pub fn rotate(
    conn: &mut AnyConnection,
    ctx: &Context,
    kek: &KeyEncryptionKey,
    algs: &[SigningAlg],
    timing: RotationTiming,
) -> Result<Vec<StoredKey>, OpsError> {
    audited(conn, ctx, "keys_rotated", "", |conn, event| {
        let created = rotation::rotate(conn, kek, algs, unix_now(), timing)?;
        event.detail = created
            .iter()
            .map(|k| format!("{} {}", k.alg, k.kid))
            .collect::<Vec<_>>()
            .join(", ");
        // The schedule rotates on its own (`rotation::rotate_due`); a rotation by hand is news.
        super::security::privilege_event(
            conn,
            ctx,
            "keys_rotated_manually",
            "signing_keys",
            "medium",
            ctx.acting_user.as_deref(),
            None,
        )?;
        Ok(created)
    })
}
