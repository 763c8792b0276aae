//! Address blocks: networks refused before any password work until they expire. In the
//! database, so that a block made or lifted on one node (or by the CLI) holds on every node.

use diesel::prelude::*;

use super::schema::address_blocks;
use super::{AnyConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = address_blocks)]
pub struct AddressBlock {
    /// An address or a network in CIDR notation, as `Cidr` parses it.
    pub network: String,
    pub reason: String,
    pub incident_id: Option<String>,
    /// `system` for a rule's block, else the operator.
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// Blocks `block.network` until `block.expires_at`; an existing block of the network is
/// replaced when the new one lasts longer (a rule never shortens an operator's block).
pub fn upsert(conn: &mut AnyConnection, block: &AddressBlock) -> Result<bool, StoreError> {
    super::write_transaction(conn, |conn| {
        let existing: Option<i64> = address_blocks::table
            .find(&block.network)
            .select(address_blocks::expires_at)
            .first(conn)
            .optional()?;
        match existing {
            Some(until) if until >= block.expires_at => Ok(false),
            Some(_) => {
                diesel::delete(address_blocks::table.find(&block.network)).execute(conn)?;
                diesel::insert_into(address_blocks::table)
                    .values(block)
                    .execute(conn)?;
                Ok(true)
            }
            None => {
                diesel::insert_into(address_blocks::table)
                    .values(block)
                    .execute(conn)?;
                Ok(true)
            }
        }
    })
}

/// Lifts the block of `network`; false when there was none in force.
pub fn remove(conn: &mut AnyConnection, network: &str, now: i64) -> Result<bool, StoreError> {
    let in_force = diesel::delete(
        address_blocks::table
            .find(network)
            .filter(address_blocks::expires_at.gt(now)),
    )
    .execute(conn)?;
    diesel::delete(address_blocks::table.find(network)).execute(conn)?;
    Ok(in_force == 1)
}

/// The blocks in force at `now`, the newest first.
pub fn active(conn: &mut AnyConnection, now: i64) -> Result<Vec<AddressBlock>, StoreError> {
    Ok(address_blocks::table
        .filter(address_blocks::expires_at.gt(now))
        .order(address_blocks::created_at.desc())
        .select(AddressBlock::as_select())
        .load(conn)?)
}
