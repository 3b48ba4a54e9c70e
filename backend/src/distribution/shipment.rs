//! Shipments: what allocation put together for one destination, and its
//! way there. `ALLOCATED → DISPATCHED → RECEIVED → CLOSED`, or `ALLOCATED →
//! CANCELLED` (its reservations released). Dispatch consumes the
//! reservations as SHIPMENT_OUT (RETURN for a return) at the sender and
//! charges the member at centre cost, in one transaction, so the ledger,
//! the transit and the member's account never disagree.

use super::requisition;
use crate::Backend;
use crate::authz::{self, Action, Caller, Scope};
use crate::command::{Audit, Command, Effect};
use crate::db::WriteTxn;
use crate::entity::enums::{
    DeliveryRunStatus, DocumentType, MovementKind, RequisitionStatus, ShipmentKind,
    ShipmentStatus as S,
};
use crate::entity::{
    delivery_run, institution, requisition as req, shipment, shipment_discrepancy, shipment_line,
};
use crate::error::{Error, Result, StateReason};
use crate::ledger::{self, Actor, DocumentRef, Outgoing};
use crate::page::{self, Page, PageRequest};
use crate::procurement::member_account::{self, Charge};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

/// May a shipment move from `from` to `to`?
///
/// | from       | to                    |
/// |------------|-----------------------|
/// | ALLOCATED  | DISPATCHED, CANCELLED |
/// | DISPATCHED | RECEIVED              |
/// | RECEIVED   | CLOSED                |
pub fn transition_allowed(from: S, to: S) -> bool {
    matches!(
        (from, to),
        (S::Allocated, S::Dispatched)
            | (S::Allocated, S::Cancelled)
            | (S::Dispatched, S::Received)
            | (S::Received, S::Closed)
    )
}

pub(crate) fn status_code(s: S) -> &'static str {
    match s {
        S::Allocated => "ALLOCATED",
        S::Dispatched => "DISPATCHED",
        S::Received => "RECEIVED",
        S::Closed => "CLOSED",
        S::Cancelled => "CANCELLED",
    }
}

pub(crate) fn illegal_transition(s: &shipment::Model, to: S) -> Error {
    Error::illegal_state(
        StateReason::ShipmentTransition,
        format!(
            "shipment {} is {} and cannot become {}",
            s.number,
            status_code(s.status),
            status_code(to)
        ),
    )
}

#[derive(Debug, Clone, Default)]
pub struct ShipmentFilter {
    pub status: Option<S>,
    /// Shipments to or from this institution.
    pub institution_id: Option<Uuid>,
    pub delivery_run_id: Option<Uuid>,
    pub requisition_id: Option<Uuid>,
    pub kind: Option<ShipmentKind>,
}

#[derive(Debug, Clone)]
pub struct ShipmentView {
    pub shipment: shipment::Model,
    pub lines: Vec<shipment_line::Model>,
    pub discrepancies: Vec<shipment_discrepancy::Model>,
}

impl ShipmentView {
    pub fn in_transit(&self) -> i64 {
        if matches!(self.shipment.status, S::Dispatched | S::Received) {
            self.lines.iter().map(|l| l.in_transit()).sum()
        } else {
            0
        }
    }
}

/// The document a shipment's movements and reservations name.
pub(crate) fn document(s: &shipment::Model, line_id: Option<Uuid>) -> DocumentRef {
    DocumentRef {
        doc_type: match s.kind {
            ShipmentKind::Delivery => DocumentType::Shipment,
            ShipmentKind::Return => DocumentType::Return,
        },
        id: s.id,
        line_id,
        number: Some(s.number.clone()),
    }
}

pub(crate) async fn views(
    conn: &impl ConnectionTrait,
    shipments: Vec<shipment::Model>,
) -> Result<Vec<ShipmentView>> {
    let ids: Vec<Uuid> = shipments.iter().map(|s| s.id).collect();
    let mut lines: HashMap<Uuid, Vec<shipment_line::Model>> = HashMap::new();
    let mut found: HashMap<Uuid, Vec<shipment_discrepancy::Model>> = HashMap::new();
    for chunk in ids.chunks(500) {
        for l in shipment_line::Entity::find()
            .filter(shipment_line::Column::ShipmentId.is_in(chunk.to_vec()))
            .order_by_asc(shipment_line::Column::LineNo)
            .all(conn)
            .await?
        {
            lines.entry(l.shipment_id).or_default().push(l);
        }
        for d in shipment_discrepancy::Entity::find()
            .filter(shipment_discrepancy::Column::ShipmentId.is_in(chunk.to_vec()))
            .order_by_asc(shipment_discrepancy::Column::Id)
            .all(conn)
            .await?
        {
            found.entry(d.shipment_id).or_default().push(d);
        }
    }
    Ok(shipments
        .into_iter()
        .map(|s| ShipmentView {
            lines: lines.remove(&s.id).unwrap_or_default(),
            discrepancies: found.remove(&s.id).unwrap_or_default(),
            shipment: s,
        })
        .collect())
}

/// Moves shipments from `from` to `to`, all or none: a shipment another
/// command moved first makes it a `CONFLICT`.
pub(crate) async fn set_status_all(
    txn: &WriteTxn,
    shipments: &[shipment::Model],
    from: S,
    to: S,
    now: DateTime<Utc>,
    extra: impl Fn(sea_orm::UpdateMany<shipment::Entity>) -> sea_orm::UpdateMany<shipment::Entity>,
) -> Result<()> {
    use shipment::Column as C;
    for s in shipments {
        if s.status != from || !transition_allowed(from, to) {
            return Err(illegal_transition(s, to));
        }
    }
    let ids: Vec<Uuid> = shipments.iter().map(|s| s.id).collect();
    for chunk in ids.chunks(500) {
        let update = shipment::Entity::update_many()
            .col_expr(C::Status, Expr::value(to))
            .col_expr(C::UpdatedAt, Expr::value(now))
            .filter(C::Id.is_in(chunk.to_vec()))
            .filter(C::Status.eq(from));
        let done = extra(update).exec(&**txn).await?;
        if done.rows_affected != chunk.len() as u64 {
            return Err(Error::Conflict(
                "a shipment was changed at the same moment; reload and try again".into(),
            ));
        }
    }
    Ok(())
}

/// Brings each requisition's status up to what its shipments say:
/// DISPATCHED once every shipment left, RECEIVED once every one arrived,
/// CLOSED once every one is closed and nothing is backordered. Called by
/// every command that moves a shipment.
pub(crate) async fn settle_requisitions(
    txn: &WriteTxn,
    requisition_ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<()> {
    let mut ids = requisition_ids.to_vec();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(());
    }
    let mut by_req: HashMap<Uuid, Vec<S>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(Option<Uuid>, S)> = shipment::Entity::find()
            .select_only()
            .column(shipment::Column::RequisitionId)
            .column(shipment::Column::Status)
            .filter(shipment::Column::RequisitionId.is_in(chunk.to_vec()))
            .filter(shipment::Column::Status.ne(S::Cancelled))
            .into_tuple()
            .all(&**txn)
            .await?;
        for (r, s) in rows {
            if let Some(r) = r {
                by_req.entry(r).or_default().push(s);
            }
        }
    }
    let reqs = {
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            out.extend(
                req::Entity::find()
                    .filter(req::Column::Id.is_in(chunk.to_vec()))
                    .all(&**txn)
                    .await?,
            );
        }
        out
    };
    let lines = requisition::lines_of(&**txn, &ids).await?;
    // Each requisition's moves, step by step along the table; then each
    // step applied to all the requisitions taking it, in one statement.
    let mut steps: std::collections::BTreeMap<(u8, u8), Vec<Uuid>> =
        std::collections::BTreeMap::new();
    let mut moves: Vec<(RequisitionStatus, RequisitionStatus, Uuid)> = Vec::new();
    for r in &reqs {
        let statuses = by_req.get(&r.id).map(Vec::as_slice).unwrap_or_default();
        let backorder: i64 = lines
            .get(&r.id)
            .map(|ls| ls.iter().map(|l| l.backorder()).sum())
            .unwrap_or(0);
        let all = |ok: &[S]| !statuses.is_empty() && statuses.iter().all(|s| ok.contains(s));
        let mut at = r.status;
        loop {
            let next = match at {
                RequisitionStatus::Allocated if statuses.is_empty() => {
                    Some(RequisitionStatus::Approved)
                }
                RequisitionStatus::Allocated if all(&[S::Dispatched, S::Received, S::Closed]) => {
                    Some(RequisitionStatus::Dispatched)
                }
                RequisitionStatus::Dispatched if all(&[S::Received, S::Closed]) => {
                    Some(RequisitionStatus::Received)
                }
                RequisitionStatus::Received if all(&[S::Closed]) && backorder == 0 => {
                    Some(RequisitionStatus::Closed)
                }
                _ => None,
            };
            match next {
                Some(to) => {
                    if !requisition::transition_allowed(at, to) {
                        return Err(requisition::illegal_transition(r, to));
                    }
                    moves.push((at, to, r.id));
                    at = to;
                }
                None => break,
            }
        }
    }
    // Applied in the order of the life cycle, so a requisition taking two
    // steps takes them in turn.
    let rank = |s: RequisitionStatus| match s {
        RequisitionStatus::Draft => 0u8,
        RequisitionStatus::Submitted => 1,
        RequisitionStatus::Approved => 2,
        RequisitionStatus::Rejected => 3,
        RequisitionStatus::Allocated => 4,
        RequisitionStatus::Dispatched => 5,
        RequisitionStatus::Received => 6,
        RequisitionStatus::Closed => 7,
    };
    let mut pairs: HashMap<(u8, u8), (RequisitionStatus, RequisitionStatus)> = HashMap::new();
    for (from, to, id) in moves {
        let key = (rank(from), rank(to));
        pairs.insert(key, (from, to));
        steps.entry(key).or_default().push(id);
    }
    for (key, ids) in steps {
        let Some((from, to)) = pairs.get(&key).copied() else {
            continue;
        };
        for chunk in ids.chunks(500) {
            use sea_orm::sea_query::ExprTrait;
            let done = req::Entity::update_many()
                .col_expr(req::Column::Status, Expr::value(to))
                .col_expr(req::Column::Version, Expr::col(req::Column::Version).add(1))
                .col_expr(req::Column::UpdatedAt, Expr::value(now))
                .filter(req::Column::Id.is_in(chunk.to_vec()))
                .filter(req::Column::Status.eq(from))
                .exec(&**txn)
                .await?;
            if done.rows_affected != chunk.len() as u64 {
                return Err(Error::Conflict(
                    "a requisition was changed at the same moment; reload and try again".into(),
                ));
            }
        }
    }
    Ok(())
}

impl Backend {
    pub(crate) async fn shipment_in_community(
        &self,
        conn: &impl ConnectionTrait,
        caller: &Caller,
        id: Uuid,
    ) -> Result<shipment::Model> {
        shipment::Entity::find_by_id(id)
            .one(conn)
            .await?
            .filter(|s| s.community_id == caller.community_id)
            .ok_or_else(|| Error::not_found("shipment", id))
    }

    /// May the caller see this shipment? Its sender's and its
    /// destination's staff may, and the centre's.
    pub(crate) async fn authorize_shipment_read(
        &self,
        caller: &Caller,
        s: &shipment::Model,
    ) -> Result<()> {
        if caller.institution_id == s.from_institution_id
            || caller.institution_id == s.to_institution_id
            || caller.sees_whole_community()
        {
            let inst = self
                .institution_in_community(caller, caller.institution_id)
                .await?;
            return authz::authorize(caller, Action::ReadDistribution, Backend::scope(&inst));
        }
        let to = self
            .institution_in_community(caller, s.to_institution_id)
            .await?;
        authz::authorize(caller, Action::ReadDistribution, Backend::scope(&to))
    }

    pub async fn shipment(&self, caller: &Caller, id: Uuid) -> Result<ShipmentView> {
        let conn = self.db.conn();
        let s = self.shipment_in_community(conn, caller, id).await?;
        self.authorize_shipment_read(caller, &s).await?;
        views(conn, vec![s])
            .await?
            .pop()
            .ok_or_else(|| Error::not_found("shipment", id))
    }

    /// The shipment with this number (a scanned `SH-…` label).
    pub async fn shipment_by_number(&self, caller: &Caller, number: &str) -> Result<ShipmentView> {
        let conn = self.db.conn();
        let s = shipment::Entity::find()
            .filter(shipment::Column::CommunityId.eq(caller.community_id))
            .filter(shipment::Column::Number.eq(number.trim().to_uppercase()))
            .one(conn)
            .await?
            .ok_or_else(|| Error::not_found("shipment", number))?;
        self.authorize_shipment_read(caller, &s).await?;
        views(conn, vec![s])
            .await?
            .pop()
            .ok_or_else(|| Error::not_found("shipment", number))
    }

    /// Shipments, newest first. A member sees those to and from it.
    pub async fn shipments(
        &self,
        caller: &Caller,
        filter: ShipmentFilter,
        page: PageRequest,
    ) -> Result<Page<ShipmentView>> {
        let institution_id = self
            .distribution_list_scope(caller, filter.institution_id)
            .await?;
        let limit = page.limit()?;
        let after: Option<Uuid> = page
            .after_key()?
            .map(|k| k.parse().map_err(|_| page::bad_cursor()))
            .transpose()?;
        use shipment::Column as C;
        let mut q = shipment::Entity::find().filter(C::CommunityId.eq(caller.community_id));
        if let Some(s) = filter.status {
            q = q.filter(C::Status.eq(s));
        }
        if let Some(k) = filter.kind {
            q = q.filter(C::Kind.eq(k));
        }
        if let Some(r) = filter.delivery_run_id {
            q = q.filter(C::DeliveryRunId.eq(r));
        }
        if let Some(r) = filter.requisition_id {
            q = q.filter(C::RequisitionId.eq(r));
        }
        if let Some(i) = institution_id {
            q = q.filter(C::ToInstitutionId.eq(i).or(C::FromInstitutionId.eq(i)));
        }
        if let Some(a) = after {
            q = q.filter(C::Id.lt(a));
        }
        let conn = self.db.conn();
        let rows = q.order_by_desc(C::Id).limit(limit + 1).all(conn).await?;
        let views = views(conn, rows).await?;
        Ok(page::build(views, limit, page.after.is_some(), |v| {
            v.shipment.id.to_string()
        }))
    }

    /// Who may dispatch or cancel: the centre for deliveries, the sending
    /// member (or the centre) for returns.
    async fn authorize_send(&self, caller: &Caller, s: &shipment::Model) -> Result<()> {
        match s.kind {
            ShipmentKind::Delivery => authz::authorize(
                caller,
                Action::ManageDistribution,
                Scope::Community(caller.community_id),
            ),
            ShipmentKind::Return => {
                let from = self
                    .institution_in_community(caller, s.from_institution_id)
                    .await?;
                authz::authorize(caller, Action::ReturnStock, Backend::scope(&from))
            }
        }
    }

    pub async fn dispatch_shipment(&self, caller: &Caller, id: Uuid) -> Result<ShipmentView> {
        let mut out = self.dispatch_shipments(caller, &[id], None).await?;
        out.pop().ok_or_else(|| Error::not_found("shipment", id))
    }

    /// Dispatches shipments together, in one transaction: all or none.
    /// With `run`, the run is marked dispatched too.
    pub async fn dispatch_shipments(
        &self,
        caller: &Caller,
        ids: &[Uuid],
        run: Option<&delivery_run::Model>,
    ) -> Result<Vec<ShipmentView>> {
        if ids.is_empty() {
            return Err(Error::validation(
                "ids",
                "name at least one shipment",
                "请至少选择一张配送单",
            ));
        }
        let conn = self.db.conn();
        let mut found = Vec::new();
        for chunk in ids.chunks(500) {
            found.extend(
                shipment::Entity::find()
                    .filter(shipment::Column::Id.is_in(chunk.to_vec()))
                    .filter(shipment::Column::CommunityId.eq(caller.community_id))
                    .all(conn)
                    .await?,
            );
        }
        for id in ids {
            let s = found
                .iter()
                .find(|s| s.id == *id)
                .ok_or_else(|| Error::not_found("shipment", id))?;
            self.authorize_send(caller, s).await?;
        }
        let ids = ids.to_vec();
        self.run(
            Command {
                operation: if run.is_some() {
                    "dispatchDeliveryRun"
                } else {
                    "dispatchShipment"
                },
                user_id: caller.user_id,
                idempotency: None,
            },
            async |txn, now| {
                // Read again under the lock: what the statuses are now.
                let mut shipments = Vec::new();
                for chunk in ids.chunks(500) {
                    shipments.extend(
                        shipment::Entity::find()
                            .filter(shipment::Column::Id.is_in(chunk.to_vec()))
                            .order_by_asc(shipment::Column::Id)
                            .lock_exclusive()
                            .all(&**txn)
                            .await?,
                    );
                }
                for s in &shipments {
                    if s.status != S::Allocated {
                        return Err(illegal_transition(s, S::Dispatched));
                    }
                }
                let current = views(&**txn, shipments.clone()).await?;
                let by_id: HashMap<Uuid, &shipment::Model> =
                    shipments.iter().map(|s| (s.id, s)).collect();
                let mut outgoing = Vec::new();
                let mut owners = Vec::new();
                for v in &current {
                    for l in &v.lines {
                        let reservation_id = l.reservation_id.ok_or_else(|| {
                            Error::internal(format_args!(
                                "shipment line {} has no reservation",
                                l.id
                            ))
                        })?;
                        outgoing.push(Outgoing {
                            reservation_id,
                            kind: match v.shipment.kind {
                                ShipmentKind::Delivery => MovementKind::ShipmentOut,
                                ShipmentKind::Return => MovementKind::Return,
                            },
                            document: document(&v.shipment, Some(l.id)),
                            unit_cost_fen: None,
                        });
                        owners.push((v.shipment.id, l.clone()));
                    }
                }
                let actor = Actor {
                    user_id: caller.user_id,
                    now,
                };
                let movements = ledger::consume_all(txn, actor, outgoing).await?;
                // Deliveries are charged to the member as they leave; a
                // return is credited when the centre has it.
                let charges: Vec<Charge> = movements
                    .iter()
                    .zip(&owners)
                    .filter_map(|(m, (sid, l))| {
                        let s = by_id.get(sid)?;
                        (s.kind == ShipmentKind::Delivery).then(|| Charge {
                            member_id: s.to_institution_id,
                            batch_id: l.batch_id,
                            item_id: l.item_id,
                            quantity: l.quantity,
                            document: document(s, Some(l.id)),
                            movement_id: Some(m.id),
                            occurred_at: now,
                        })
                    })
                    .collect();
                member_account::charge(txn, caller.community_id, now, &charges).await?;
                set_status_all(txn, &shipments, S::Allocated, S::Dispatched, now, |u| {
                    u.col_expr(shipment::Column::DispatchedAt, Expr::value(now))
                        .col_expr(shipment::Column::DispatchedBy, Expr::value(caller.user_id))
                })
                .await?;
                if let Some(run) = run {
                    let done = delivery_run::Entity::update_many()
                        .col_expr(
                            delivery_run::Column::Status,
                            Expr::value(DeliveryRunStatus::Dispatched),
                        )
                        .col_expr(delivery_run::Column::UpdatedAt, Expr::value(now))
                        .filter(delivery_run::Column::Id.eq(run.id))
                        .filter(delivery_run::Column::Status.eq(DeliveryRunStatus::Planned))
                        .exec(&**txn)
                        .await?;
                    if done.rows_affected != 1 {
                        return Err(Error::illegal_state(
                            StateReason::DeliveryRunTransition,
                            format!("delivery run {} was already dispatched", run.number),
                        ));
                    }
                }
                let reqs: Vec<Uuid> = shipments.iter().filter_map(|s| s.requisition_id).collect();
                settle_requisitions(txn, &reqs, now).await?;
                // The shipments as the guarded update left them (it moved
                // every one, or failed): their lines and discrepancies are
                // unchanged by a dispatch.
                let out: Vec<ShipmentView> = current
                    .into_iter()
                    .map(|mut v| {
                        v.shipment.status = S::Dispatched;
                        v.shipment.dispatched_at = Some(now);
                        v.shipment.dispatched_by = Some(caller.user_id);
                        v.shipment.updated_at = now;
                        v
                    })
                    .collect();
                let first = out.first().map(|v| v.shipment.id).unwrap_or_default();
                Ok(Effect::Changed {
                    result_id: first,
                    audit: Audit {
                        institution_id: Some(caller.institution_id),
                        entity_type: "shipment",
                        entity_ids: out.iter().map(|v| v.shipment.id).collect(),
                        detail: Some(serde_json::json!({
                            "status": "DISPATCHED",
                            "shipments": out.iter().map(|v| &v.shipment.number).collect::<Vec<_>>(),
                            "lines": movements.len(),
                            "run": run.map(|r| &r.number),
                        })),
                    },
                    value: out,
                })
            },
        )
        .await?
        .once()
    }

    /// Gives up an allocated shipment: its reservations are released and
    /// its quantities go back on the requisition as backorder.
    pub async fn cancel_shipment(
        &self,
        caller: &Caller,
        id: Uuid,
        reason: &str,
    ) -> Result<ShipmentView> {
        let reason = crate::text::required_text("reason", reason, 500)?;
        let conn = self.db.conn();
        let s = self.shipment_in_community(conn, caller, id).await?;
        self.authorize_send(caller, &s).await?;
        self.run(
            Command {
                operation: "cancelShipment",
                user_id: caller.user_id,
                idempotency: None,
            },
            async |txn, now| {
                let s = shipment::Entity::find_by_id(s.id)
                    .lock_exclusive()
                    .one(&**txn)
                    .await?
                    .ok_or_else(|| Error::not_found("shipment", s.id))?;
                let view = views(&**txn, vec![s.clone()])
                    .await?
                    .pop()
                    .ok_or_else(|| Error::not_found("shipment", s.id))?;
                set_status_all(
                    txn,
                    std::slice::from_ref(&s),
                    S::Allocated,
                    S::Cancelled,
                    now,
                    |u| u.col_expr(shipment::Column::Note, Expr::value(reason.clone())),
                )
                .await?;
                let holds: Vec<Uuid> = view.lines.iter().filter_map(|l| l.reservation_id).collect();
                ledger::release_all(
                    txn,
                    Actor {
                        user_id: caller.user_id,
                        now,
                    },
                    &holds,
                )
                .await?;
                if let Some(r) = s.requisition_id {
                    super::allocation::recount_allocated(txn, &[r]).await?;
                    settle_requisitions(txn, &[r], now).await?;
                }
                let out = views(
                    &**txn,
                    vec![
                        shipment::Entity::find_by_id(s.id)
                            .one(&**txn)
                            .await?
                            .ok_or_else(|| Error::not_found("shipment", s.id))?,
                    ],
                )
                .await?
                .pop()
                .ok_or_else(|| Error::not_found("shipment", s.id))?;
                Ok(Effect::Changed {
                    result_id: out.shipment.id,
                    audit: Audit {
                        institution_id: Some(out.shipment.from_institution_id),
                        entity_type: "shipment",
                        entity_ids: vec![out.shipment.id],
                        detail: Some(serde_json::json!({
                            "number": out.shipment.number,
                            "status": "CANCELLED",
                            "reason": reason,
                        })),
                    },
                    value: out,
                })
            },
        )
        .await?
        .once()
    }

    /// Institutions by id, for the views' names.
    pub(crate) async fn institutions_map(
        &self,
        conn: &impl ConnectionTrait,
        ids: Vec<Uuid>,
    ) -> Result<HashMap<Uuid, institution::Model>> {
        Ok(institution::Entity::find()
            .filter(institution::Column::Id.is_in(ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|i| (i.id, i))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Iterable;

    #[test]
    fn the_transition_table_is_as_documented() {
        let allowed = S::iter()
            .flat_map(|a| S::iter().map(move |b| (a, b)))
            .filter(|(a, b)| transition_allowed(*a, *b))
            .count();
        assert_eq!(allowed, 4);
        assert!(!transition_allowed(S::Dispatched, S::Cancelled));
        assert!(!transition_allowed(S::Allocated, S::Received));
    }
}
