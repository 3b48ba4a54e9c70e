//! What is on its way: stock in transit to each institution, and what its
//! requisitions still ask for. The stock figures show `inTransit`; the
//! demand figures (procurement's replenishment and plan) subtract it.

use crate::entity::enums::{RequisitionStatus, ShipmentStatus};
use crate::error::Result;
use sea_orm::{ConnectionTrait, FromQueryResult, Statement, Value};
use std::collections::HashMap;
use uuid::Uuid;

/// Dispatched to an institution and not yet arrived (or written off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InTransit {
    pub institution_id: Uuid,
    pub item_id: Uuid,
    pub quantity: i64,
}

#[derive(FromQueryResult)]
struct Row {
    institution_id: Uuid,
    item_id: Uuid,
    quantity: Option<i64>,
}

fn placeholder(conn: &impl ConnectionTrait, n: usize) -> String {
    match conn.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => format!("${n}"),
        _ => "?".to_string(),
    }
}

/// In transit to each (institution, item) of the community, base units.
pub(crate) async fn in_transit(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
) -> Result<HashMap<(Uuid, Uuid), i64>> {
    let sql = format!(
        "SELECT s.to_institution_id AS institution_id, sl.item_id AS item_id, \
         CAST(SUM(sl.quantity - sl.received_quantity - sl.lost_quantity) AS BIGINT) AS quantity \
         FROM shipment_line sl JOIN shipment s ON s.id = sl.shipment_id \
         WHERE s.community_id = {} AND s.status IN ('{}', '{}') \
         GROUP BY s.to_institution_id, sl.item_id",
        placeholder(conn, 1),
        status(ShipmentStatus::Dispatched),
        status(ShipmentStatus::Received),
    );
    let rows = Row::find_by_statement(Statement::from_sql_and_values(
        conn.get_database_backend(),
        sql,
        [Value::from(community_id)],
    ))
    .all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let q = r.quantity.unwrap_or(0);
            (q > 0).then_some(((r.institution_id, r.item_id), q))
        })
        .collect())
}

/// On each member's requisitions and not yet on its way: submitted lines
/// as asked, approved lines' backorders, and what is allocated to it but
/// not dispatched.
pub(crate) async fn on_requisition(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
) -> Result<HashMap<(Uuid, Uuid), i64>> {
    let p = placeholder(conn, 1);
    let asked = format!(
        "SELECT r.institution_id AS institution_id, l.item_id AS item_id, \
         CAST(SUM(CASE WHEN r.status = '{submitted}' THEN l.quantity \
         ELSE COALESCE(l.approved_quantity, 0) - l.allocated_quantity END) AS BIGINT) AS quantity \
         FROM requisition_line l JOIN requisition r ON r.id = l.requisition_id \
         WHERE r.community_id = {p} AND r.status IN ('{submitted}', '{approved}', '{allocated}', '{dispatched}', '{received}') \
         GROUP BY r.institution_id, l.item_id",
        submitted = req_status(RequisitionStatus::Submitted),
        approved = req_status(RequisitionStatus::Approved),
        allocated = req_status(RequisitionStatus::Allocated),
        dispatched = req_status(RequisitionStatus::Dispatched),
        received = req_status(RequisitionStatus::Received),
    );
    let held = format!(
        "SELECT s.to_institution_id AS institution_id, sl.item_id AS item_id, \
         CAST(SUM(sl.quantity) AS BIGINT) AS quantity \
         FROM shipment_line sl JOIN shipment s ON s.id = sl.shipment_id \
         WHERE s.community_id = {p} AND s.status = '{}' AND s.kind = 'DELIVERY' \
         GROUP BY s.to_institution_id, sl.item_id",
        status(ShipmentStatus::Allocated),
    );
    let mut out: HashMap<(Uuid, Uuid), i64> = HashMap::new();
    for sql in [asked, held] {
        for r in Row::find_by_statement(Statement::from_sql_and_values(
            conn.get_database_backend(),
            sql,
            [Value::from(community_id)],
        ))
        .all(conn)
        .await?
        {
            let q = r.quantity.unwrap_or(0);
            if q > 0 {
                *out.entry((r.institution_id, r.item_id)).or_insert(0) += q;
            }
        }
    }
    Ok(out)
}

/// Approved for members and not yet allocated, per item: what the centre
/// must have for them beyond its own needs.
pub(crate) async fn approved_backorders(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
) -> Result<HashMap<Uuid, i64>> {
    #[derive(FromQueryResult)]
    struct ByItem {
        item_id: Uuid,
        quantity: Option<i64>,
    }
    let sql = format!(
        "SELECT l.item_id AS item_id, \
         CAST(SUM(COALESCE(l.approved_quantity, 0) - l.allocated_quantity) AS BIGINT) AS quantity \
         FROM requisition_line l JOIN requisition r ON r.id = l.requisition_id \
         WHERE r.community_id = {} AND r.status IN ('{}', '{}', '{}', '{}') \
         GROUP BY l.item_id",
        placeholder(conn, 1),
        req_status(RequisitionStatus::Approved),
        req_status(RequisitionStatus::Allocated),
        req_status(RequisitionStatus::Dispatched),
        req_status(RequisitionStatus::Received),
    );
    Ok(ByItem::find_by_statement(Statement::from_sql_and_values(
        conn.get_database_backend(),
        sql,
        [Value::from(community_id)],
    ))
    .all(conn)
    .await?
    .into_iter()
    .filter_map(|r| {
        let q = r.quantity.unwrap_or(0);
        (q > 0).then_some((r.item_id, q))
    })
    .collect())
}

fn status(s: ShipmentStatus) -> &'static str {
    super::shipment::status_code(s)
}

fn req_status(s: RequisitionStatus) -> &'static str {
    super::requisition::status_code(s)
}
