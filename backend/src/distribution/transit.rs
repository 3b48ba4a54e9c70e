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

/// One shipment line on its way to an institution.
#[derive(Debug, Clone)]
pub struct TransitLine {
    pub shipment: crate::entity::shipment::Model,
    pub line: crate::entity::shipment_line::Model,
}

impl TransitLine {
    pub fn quantity(&self) -> i64 {
        self.line.in_transit()
    }
}

/// In transit to `institution_id`, per batch, for the batches asked.
pub(crate) async fn of_batches(
    conn: &impl ConnectionTrait,
    institution_id: Uuid,
    batch_ids: &[Uuid],
) -> Result<HashMap<Uuid, i64>> {
    use crate::entity::{shipment, shipment_line};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
    if batch_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let shipments: Vec<Uuid> = shipment::Entity::find()
        .select_only()
        .column(shipment::Column::Id)
        .filter(shipment::Column::ToInstitutionId.eq(institution_id))
        .filter(
            shipment::Column::Status.is_in([ShipmentStatus::Dispatched, ShipmentStatus::Received]),
        )
        .into_tuple()
        .all(conn)
        .await?;
    let mut out = HashMap::new();
    for chunk in shipments.chunks(500) {
        for l in shipment_line::Entity::find()
            .filter(shipment_line::Column::ShipmentId.is_in(chunk.to_vec()))
            .filter(shipment_line::Column::BatchId.is_in(batch_ids.to_vec()))
            .all(conn)
            .await?
        {
            *out.entry(l.batch_id).or_insert(0) += l.in_transit();
        }
    }
    Ok(out)
}

impl crate::Backend {
    /// Everything on its way to an institution, line by line: what its
    /// stock screen shows as in transit.
    pub async fn stock_in_transit(
        &self,
        caller: &crate::authz::Caller,
        institution_id: Uuid,
    ) -> Result<Vec<TransitLine>> {
        use crate::entity::{shipment, shipment_line};
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        let inst = self
            .institution_in_community(caller, institution_id)
            .await?;
        crate::authz::authorize(caller, crate::authz::Action::ReadStock, Self::scope(&inst))?;
        let conn = self.db.conn();
        let shipments = shipment::Entity::find()
            .filter(shipment::Column::ToInstitutionId.eq(inst.id))
            .filter(
                shipment::Column::Status
                    .is_in([ShipmentStatus::Dispatched, ShipmentStatus::Received]),
            )
            .order_by_asc(shipment::Column::Id)
            .all(conn)
            .await?;
        let by_id: HashMap<Uuid, shipment::Model> =
            shipments.iter().map(|s| (s.id, s.clone())).collect();
        let mut out = Vec::new();
        for chunk in shipments.chunks(500) {
            for line in shipment_line::Entity::find()
                .filter(
                    shipment_line::Column::ShipmentId
                        .is_in(chunk.iter().map(|s| s.id).collect::<Vec<_>>()),
                )
                .order_by_asc(shipment_line::Column::ShipmentId)
                .order_by_asc(shipment_line::Column::LineNo)
                .all(conn)
                .await?
            {
                if line.in_transit() > 0
                    && let Some(s) = by_id.get(&line.shipment_id)
                {
                    out.push(TransitLine {
                        shipment: s.clone(),
                        line,
                    });
                }
            }
        }
        Ok(out)
    }
}
