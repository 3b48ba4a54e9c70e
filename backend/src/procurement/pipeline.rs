//! What is already on its way, which the demand figures subtract: stock in
//! transit to an institution, on its open requisitions, and requisitions
//! the centre has approved but not yet shipped.
//!
//! Distribution (requisitions and shipments) fills these in; until it
//! exists there is nothing in transit and no requisition, and each returns
//! an empty map. Keys are (institution, item); values are base units.

use crate::error::Result;
use sea_orm::ConnectionTrait;
use std::collections::HashMap;
use uuid::Uuid;

pub(crate) type ByInstitutionItem = HashMap<(Uuid, Uuid), i64>;

/// Dispatched to the institution and not yet received there.
pub(crate) async fn in_transit(
    _conn: &impl ConnectionTrait,
    _community_id: Uuid,
) -> Result<ByInstitutionItem> {
    Ok(HashMap::new())
}

/// On the institution's requisitions not yet shipped (submitted or
/// approved), as requested or approved.
pub(crate) async fn on_requisition(
    _conn: &impl ConnectionTrait,
    _community_id: Uuid,
) -> Result<ByInstitutionItem> {
    Ok(HashMap::new())
}

/// Approved for members and not yet allocated: what the centre must have
/// for them beyond their suggestions.
pub(crate) async fn approved_requisitions(
    _conn: &impl ConnectionTrait,
    _community_id: Uuid,
) -> Result<HashMap<Uuid, i64>> {
    Ok(HashMap::new())
}
