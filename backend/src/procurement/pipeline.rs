//! What is already on its way, which the demand figures subtract: stock in
//! transit to an institution, on its open requisitions, and requisitions
//! the centre has approved but not yet shipped. Distribution keeps these
//! (`distribution::transit`); keys are (institution, item), values base
//! units.

use crate::distribution::transit;
use crate::error::Result;
use sea_orm::ConnectionTrait;
use std::collections::HashMap;
use uuid::Uuid;

pub(crate) type ByInstitutionItem = HashMap<(Uuid, Uuid), i64>;

/// Dispatched to the institution and not yet received there.
pub(crate) async fn in_transit(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
) -> Result<ByInstitutionItem> {
    transit::in_transit(conn, community_id).await
}

/// On the institution's requisitions not yet shipped (submitted, approved
/// and backordered, or allocated and not dispatched).
pub(crate) async fn on_requisition(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
) -> Result<ByInstitutionItem> {
    transit::on_requisition(conn, community_id).await
}

/// Approved for members and not yet allocated: what the centre must have
/// for them beyond their suggestions.
pub(crate) async fn approved_requisitions(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
) -> Result<HashMap<Uuid, i64>> {
    transit::approved_backorders(conn, community_id).await
}
