//! FEFO allocation at the centre: each requisition's backorder is met from
//! the centre's free stock, batch by batch, earliest expiry first. A batch
//! is skipped when it is blocked (quarantined, recalled, expired) or when
//! what would be left of its shelf life on the planned delivery date is
//! below the destination's minimum (the item's own, or its institution
//! kind's, whichever is stricter). What cannot be met stays on the line as
//! backorder for the next allocation.
//!
//! The centre's balances are read locked (`ledger::free_stock`) and the
//! reservations made through `ledger::reserve_many`'s guarded updates, so
//! two allocations racing for the last stock never over-reserve: the
//! second waits, then sees what the first left.

use super::requisition;
use super::shipment::{self, ShipmentView};
use crate::Backend;
use crate::authz::{self, Action, Caller, Scope};
use crate::clock::business_date;
use crate::command::{Audit, Command, Effect};
use crate::db::WriteTxn;
use crate::entity::enums::{
    DeliveryRunStatus, InstitutionKind, RequisitionStatus as R, ShipmentKind, ShipmentStatus,
};
use crate::entity::{
    delivery_run, institution, item, requisition as req, shipment as ship, shipment_line,
};
use crate::error::{Error, Result};
use crate::ledger::{self, Actor, FreeBatch, Hold};
#[cfg(test)]
use chrono::DateTime;
use chrono::{Duration, NaiveDate};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::HashMap;
use uuid::Uuid;
use yaolian_labels::document_number::kind;

/// What an allocation of many requisitions did.
#[derive(Debug, Clone)]
pub struct Allocation {
    pub shipments: Vec<ShipmentView>,
    /// Requisitions nothing could be allocated to (all backordered).
    pub backordered: Vec<Uuid>,
}

/// One pick: so much of a batch for a requisition line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pick {
    pub line_id: Uuid,
    pub item_id: Uuid,
    pub batch_id: Uuid,
    pub quantity: i64,
}

/// FEFO over `stock` (earliest expiry first, already sorted): takes what
/// `need` asks, from batches usable on `today` that keep `min_days` of
/// shelf life at `deliver_on`, and lowers `free` as it goes. Pure, so the
/// rule can be tested alone.
pub(crate) fn pick_fefo(
    stock: &mut [FreeBatch],
    line_id: Uuid,
    item_id: Uuid,
    need: i64,
    today: NaiveDate,
    deliver_on: NaiveDate,
    min_days: i64,
) -> Vec<Pick> {
    let mut left = need;
    let mut out = Vec::new();
    for fb in stock.iter_mut() {
        if left == 0 {
            break;
        }
        if fb.batch.item_id != item_id || fb.free <= 0 {
            continue;
        }
        if ledger::block_reason(&fb.batch, today).is_some() {
            continue;
        }
        if (fb.batch.expiry_date - deliver_on).num_days() < min_days {
            continue;
        }
        let take = fb.free.min(left);
        fb.free -= take;
        left -= take;
        out.push(Pick {
            line_id,
            item_id,
            batch_id: fb.batch.id,
            quantity: take,
        });
    }
    out
}

/// The route an institution is delivered on: a village clinic rides with
/// its township centre; everyone else is its own route's head.
pub(crate) fn route_of(inst: &institution::Model) -> Uuid {
    match (inst.kind, inst.parent_id) {
        (InstitutionKind::VillageClinic, Some(parent)) => parent,
        _ => inst.id,
    }
}

/// Sets each line's allocated quantity to what its live (not cancelled)
/// shipments carry, less what was lost on them and is to be sent again
/// (RESEND): one statement for all the requisitions. The CHECK on
/// the column refuses anything past the approved quantity.
pub(crate) async fn recount_allocated(txn: &WriteTxn, requisition_ids: &[Uuid]) -> Result<()> {
    use crate::entity::requisition_line::{Column as L, Entity as Lines};
    use sea_orm::sea_query::ExprTrait;
    for chunk in requisition_ids.chunks(500) {
        let mut update = Query::update();
        update
            .table(Lines)
            .value(
                L::AllocatedQuantity,
                Expr::cust(
                    "(SELECT COALESCE(SUM(sl.quantity), 0) FROM shipment_line sl \
                     JOIN shipment s ON s.id = sl.shipment_id \
                     WHERE sl.requisition_line_id = requisition_line.id \
                     AND s.status <> 'CANCELLED') - \
                     (SELECT COALESCE(SUM(d.quantity), 0) FROM shipment_discrepancy d \
                     JOIN shipment_line sl ON sl.id = d.shipment_line_id \
                     WHERE sl.requisition_line_id = requisition_line.id \
                     AND d.resolution = 'RESEND')",
                ),
            )
            .and_where(Expr::col(L::RequisitionId).is_in(chunk.to_vec()));
        txn.execute(&update).await?;
    }
    Ok(())
}

/// Raises each line's allocated quantity by what was just picked for it:
/// `rows` are (requisition line, quantity), each line once. Equal to
/// [`recount_allocated`] when the count was right before (the new lines are
/// on live shipments and carry no discrepancies yet), at one joined update
/// per 500 lines instead of two correlated sums for every line. The CHECK
/// on the column still refuses anything past the approved quantity.
async fn add_allocated(txn: &WriteTxn, rows: &[(Uuid, i64)]) -> Result<()> {
    for chunk in rows.chunks(500) {
        let mut p = crate::db::Params::new(txn.get_database_backend());
        let tuples: Vec<String> = chunk
            .iter()
            .map(|(line, q)| format!("({}, {})", p.bind(*line, "uuid"), p.bind(*q, "bigint")))
            .collect();
        let sql = format!(
            "WITH v(v_line, v_n) AS (VALUES {}) \
             UPDATE requisition_line \
             SET allocated_quantity = requisition_line.allocated_quantity + v.v_n \
             FROM v WHERE requisition_line.id = v.v_line",
            tuples.join(", ")
        );
        let done = txn.execute_raw(p.statement(sql)).await?;
        if done.rows_affected() != chunk.len() as u64 {
            return Err(Error::internal("a picked requisition line was not found"));
        }
    }
    Ok(())
}

/// The item's own minimum shelf life for shipping to members, if it has one.
fn item_min_days(item: &item::Model) -> Option<i64> {
    item.min_dispatch_shelf_life_days.map(i64::from)
}

impl Backend {
    pub async fn allocate_requisition(&self, caller: &Caller, id: Uuid) -> Result<ShipmentView> {
        let done = self.allocate(caller, &[id], "allocateRequisition").await?;
        match done.shipments.into_iter().next() {
            Some(s) => Ok(s),
            None => {
                let view = self.requisition(caller, id).await?;
                Err(Error::InsufficientStock {
                    available: 0,
                    requested: view.backorder(),
                })
            }
        }
    }

    /// Allocates many requisitions in one transaction, emergencies first,
    /// then oldest first, so scarce stock goes where it is needed most.
    pub async fn allocate_requisitions(&self, caller: &Caller, ids: &[Uuid]) -> Result<Allocation> {
        self.allocate(caller, ids, "allocateRequisitions").await
    }

    async fn allocate(
        &self,
        caller: &Caller,
        ids: &[Uuid],
        operation: &'static str,
    ) -> Result<Allocation> {
        authz::authorize(
            caller,
            Action::ManageDistribution,
            Scope::Community(caller.community_id),
        )?;
        if ids.is_empty() {
            return Err(Error::validation(
                "ids",
                "name at least one requisition",
                "请至少选择一张请领单",
            ));
        }
        let policy = self.settings.distribution;
        let centre = self.centre_of(caller).await?;
        let mut ids = ids.to_vec();
        ids.sort();
        ids.dedup();
        self.run(
            Command {
                operation,
                user_id: caller.user_id,
                idempotency: None,
            },
            async |txn, now| {
                let today = business_date(now);
                let mut reqs = Vec::new();
                for chunk in ids.chunks(500) {
                    reqs.extend(
                        req::Entity::find()
                            .filter(req::Column::Id.is_in(chunk.to_vec()))
                            .filter(req::Column::CommunityId.eq(caller.community_id))
                            .order_by_asc(req::Column::Id)
                            .lock_exclusive()
                            .all(&**txn)
                            .await?,
                    );
                }
                if let Some(missing) = ids.iter().find(|id| !reqs.iter().any(|r| r.id == **id)) {
                    return Err(Error::not_found("requisition", missing));
                }
                let mut lines = requisition::lines_of(&**txn, &ids).await?;
                for r in &reqs {
                    let open = matches!(
                        r.status,
                        R::Approved | R::Allocated | R::Dispatched | R::Received
                    );
                    let backorder: i64 = lines
                        .get(&r.id)
                        .map(|ls| ls.iter().map(|l| l.backorder()).sum())
                        .unwrap_or(0);
                    if !open || (r.status != R::Approved && backorder == 0) {
                        return Err(requisition::illegal_transition(r, R::Allocated));
                    }
                }
                // Emergency first, then oldest (ids are time-ordered).
                reqs.sort_by_key(|r| (!r.emergency, r.id));

                let dest_ids: Vec<Uuid> = reqs.iter().map(|r| r.institution_id).collect();
                let dests = self.institutions_map(&**txn, dest_ids).await?;
                let routes: Vec<Uuid> = dests.values().map(route_of).collect();
                let mut run_dates: HashMap<Uuid, NaiveDate> = HashMap::new();
                for run in delivery_run::Entity::find()
                    .filter(delivery_run::Column::RouteInstitutionId.is_in(routes))
                    .filter(delivery_run::Column::Status.eq(DeliveryRunStatus::Planned))
                    .filter(delivery_run::Column::PlannedDate.gte(today))
                    .all(&**txn)
                    .await?
                {
                    let e = run_dates
                        .entry(run.route_institution_id)
                        .or_insert(run.planned_date);
                    *e = (*e).min(run.planned_date);
                }
                let mut item_ids: Vec<Uuid> = lines
                    .values()
                    .flatten()
                    .filter(|l| l.backorder() > 0)
                    .map(|l| l.item_id)
                    .collect();
                item_ids.sort();
                item_ids.dedup();
                let mut items = HashMap::new();
                for chunk in item_ids.chunks(500) {
                    for i in item::Entity::find()
                        .filter(item::Column::Id.is_in(chunk.to_vec()))
                        .all(&**txn)
                        .await?
                    {
                        items.insert(i.id, i);
                    }
                }
                let mut stock = ledger::free_stock(txn, centre.id, &item_ids).await?;
                // Each item's batches together, still earliest expiry first.
                stock.sort_by(|a, b| {
                    (a.batch.item_id, a.batch.expiry_date, a.batch.id).cmp(&(
                        b.batch.item_id,
                        b.batch.expiry_date,
                        b.batch.id,
                    ))
                });
                let mut ranges: HashMap<Uuid, (usize, usize)> = HashMap::new();
                for (i, fb) in stock.iter().enumerate() {
                    let e = ranges.entry(fb.batch.item_id).or_insert((i, i));
                    e.1 = i + 1;
                }

                let mut planned: Vec<(req::Model, NaiveDate, Vec<Pick>)> = Vec::new();
                let mut backordered = Vec::new();
                for r in &reqs {
                    let Some(dest) = dests.get(&r.institution_id) else {
                        return Err(Error::not_found("institution", r.institution_id));
                    };
                    let deliver_on = run_dates
                        .get(&route_of(dest))
                        .copied()
                        .unwrap_or(today + Duration::days(policy.lead_days));
                    let kind_days = policy.min_shelf_life_days(dest.kind);
                    let mut picks = Vec::new();
                    for l in lines.remove(&r.id).unwrap_or_default() {
                        let need = l.backorder();
                        if need == 0 {
                            continue;
                        }
                        let min_days = items
                            .get(&l.item_id)
                            .and_then(item_min_days)
                            .map_or(kind_days, |d| d.max(kind_days));
                        let Some((from, to)) = ranges.get(&l.item_id).copied() else {
                            continue;
                        };
                        let Some(slice) = stock.get_mut(from..to) else {
                            continue;
                        };
                        picks.extend(pick_fefo(
                            slice, l.id, l.item_id, need, today, deliver_on, min_days,
                        ));
                    }
                    if picks.is_empty() {
                        backordered.push(r.id);
                    } else {
                        planned.push((r.clone(), deliver_on, picks));
                    }
                }

                let numbers = crate::numbering::next_many(
                    txn,
                    caller.community_id,
                    kind::SHIPMENT,
                    now,
                    planned.len(),
                )
                .await?;
                let mut shipments = Vec::new();
                let mut line_rows = Vec::new();
                let mut holds = Vec::new();
                for ((r, deliver_on, picks), number) in planned.iter().zip(numbers) {
                    let s = ship::Model {
                        id: Uuid::now_v7(),
                        community_id: caller.community_id,
                        number,
                        kind: ShipmentKind::Delivery,
                        from_institution_id: centre.id,
                        to_institution_id: r.institution_id,
                        requisition_id: Some(r.id),
                        delivery_run_id: None,
                        transfer_to_institution_id: None,
                        return_reason: None,
                        status: ShipmentStatus::Allocated,
                        emergency: r.emergency,
                        planned_date: *deliver_on,
                        package_count: 1,
                        note: None,
                        created_by: caller.user_id,
                        created_at: now,
                        dispatched_at: None,
                        dispatched_by: None,
                        received_at: None,
                        received_by: None,
                        updated_at: now,
                    };
                    for (n, p) in picks.iter().enumerate() {
                        let line = shipment_line::Model {
                            id: Uuid::now_v7(),
                            shipment_id: s.id,
                            line_no: n as i32 + 1,
                            requisition_line_id: Some(p.line_id),
                            item_id: p.item_id,
                            batch_id: p.batch_id,
                            quantity: p.quantity,
                            reservation_id: None,
                            scanned_quantity: 0,
                            received_quantity: 0,
                            lost_quantity: 0,
                        };
                        holds.push(Hold {
                            batch_id: p.batch_id,
                            quantity: p.quantity,
                            document: shipment::document(&s, Some(line.id)),
                        });
                        line_rows.push(line);
                    }
                    shipments.push(s);
                }
                for chunk in shipments.chunks(500) {
                    ship::Entity::insert_many(
                        chunk
                            .iter()
                            .cloned()
                            .map(IntoActiveModel::into_active_model),
                    )
                    .exec_without_returning(&**txn)
                    .await?;
                }
                let actor = Actor {
                    user_id: caller.user_id,
                    now,
                };
                let reservations = ledger::reserve_many(txn, actor, centre.id, holds).await?;
                for (line, res) in line_rows.iter_mut().zip(&reservations) {
                    line.reservation_id = Some(res.id);
                }
                for chunk in line_rows.chunks(500) {
                    shipment_line::Entity::insert_many(
                        chunk
                            .iter()
                            .cloned()
                            .map(IntoActiveModel::into_active_model),
                    )
                    .exec_without_returning(&**txn)
                    .await?;
                }
                let mut picked: HashMap<Uuid, i64> = HashMap::new();
                for p in planned.iter().flat_map(|(_, _, picks)| picks) {
                    *picked.entry(p.line_id).or_default() += p.quantity;
                }
                add_allocated(txn, &picked.into_iter().collect::<Vec<_>>()).await?;
                // APPROVED → ALLOCATED for all of them at once; each was
                // read locked above, so the count must match.
                let first_time: Vec<Uuid> = planned
                    .iter()
                    .filter(|(r, _, _)| r.status == R::Approved)
                    .map(|(r, _, _)| r.id)
                    .collect();
                if !first_time.is_empty()
                    && !requisition::transition_allowed(R::Approved, R::Allocated)
                {
                    return Err(Error::internal("APPROVED → ALLOCATED left the table"));
                }
                for chunk in first_time.chunks(500) {
                    use sea_orm::sea_query::ExprTrait;
                    let done = req::Entity::update_many()
                        .col_expr(req::Column::Status, Expr::value(R::Allocated))
                        .col_expr(req::Column::Version, Expr::col(req::Column::Version).add(1))
                        .col_expr(req::Column::UpdatedAt, Expr::value(now))
                        .filter(req::Column::Id.is_in(chunk.to_vec()))
                        .filter(req::Column::Status.eq(R::Approved))
                        .exec(&**txn)
                        .await?;
                    if done.rows_affected != chunk.len() as u64 {
                        return Err(Error::Conflict(
                            "a requisition was changed at the same moment; reload and try again"
                                .into(),
                        ));
                    }
                }
                // Answered from what was just written: a new shipment has
                // these lines (in line order) and no discrepancies yet.
                let mut by_shipment: HashMap<Uuid, Vec<shipment_line::Model>> = HashMap::new();
                for l in &line_rows {
                    by_shipment
                        .entry(l.shipment_id)
                        .or_default()
                        .push(l.clone());
                }
                let views: Vec<ShipmentView> = shipments
                    .into_iter()
                    .map(|s| ShipmentView {
                        lines: by_shipment.remove(&s.id).unwrap_or_default(),
                        discrepancies: Vec::new(),
                        shipment: s,
                    })
                    .collect();
                let first = views.first().map(|v| v.shipment.id).unwrap_or_default();
                let value = Allocation {
                    shipments: views,
                    backordered,
                };
                if value.shipments.is_empty() {
                    // Nothing to write: no audit row claims an allocation.
                    return Ok(Effect::Unchanged(value));
                }
                Ok(Effect::Changed {
                    result_id: first,
                    audit: Audit {
                        institution_id: Some(centre.id),
                        entity_type: "shipment",
                        entity_ids: value.shipments.iter().map(|v| v.shipment.id).collect(),
                        detail: Some(serde_json::json!({
                            "requisitions": value.shipments.len(),
                            "lines": line_rows.len(),
                            "backordered": value.backordered,
                        })),
                    },
                    value,
                })
            },
        )
        .await?
        .once()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::batch;
    use crate::entity::enums::BatchStatus;

    fn fb(item: Uuid, expiry: NaiveDate, status: BatchStatus, free: i64) -> FreeBatch {
        FreeBatch {
            batch: batch::Model {
                id: Uuid::now_v7(),
                item_id: item,
                lot_number: format!("L{expiry}"),
                expiry_date: expiry,
                production_date: None,
                status,
                created_at: DateTime::from_timestamp(1_781_000_000, 0).expect("a fixed instant"),
            },
            free,
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    #[test]
    fn fefo_skips_blocked_and_short_dated_batches_and_leaves_the_rest_backordered() {
        let item = Uuid::now_v7();
        let today = day("2026-12-01");
        let deliver = day("2026-12-03");
        let mut stock = vec![
            // 40 days left at delivery: below 60.
            fb(item, day("2027-01-12"), BatchStatus::Available, 100),
            fb(item, day("2027-03-01"), BatchStatus::Quarantined, 100),
            fb(item, day("2027-04-01"), BatchStatus::Available, 30),
            fb(item, day("2027-06-01"), BatchStatus::Available, 50),
        ];
        let ids: Vec<Uuid> = stock.iter().map(|s| s.batch.id).collect();
        let line = Uuid::now_v7();
        let picks = pick_fefo(&mut stock, line, item, 100, today, deliver, 60);
        assert_eq!(
            picks
                .iter()
                .map(|p| (p.batch_id, p.quantity))
                .collect::<Vec<_>>(),
            vec![(ids[2], 30), (ids[3], 50)]
        );
        assert_eq!(stock[2].free, 0);
        assert_eq!(stock[3].free, 0);
        // The short-dated and quarantined batches were not touched.
        assert_eq!(stock[0].free, 100);
        assert_eq!(stock[1].free, 100);
        // Nothing left: the next line of the item gets nothing.
        assert!(pick_fefo(&mut stock, line, item, 5, today, deliver, 60).is_empty());
    }

    #[test]
    fn a_batch_exactly_at_the_minimum_is_used() {
        let item = Uuid::now_v7();
        let deliver = day("2026-12-03");
        let mut stock = vec![fb(
            item,
            deliver + Duration::days(60),
            BatchStatus::Available,
            10,
        )];
        let picks = pick_fefo(&mut stock, Uuid::now_v7(), item, 4, deliver, deliver, 60);
        assert_eq!(picks.len(), 1);
        assert_eq!(picks[0].quantity, 4);
        assert_eq!(stock[0].free, 6);
    }
}
