//! Requisitions (请领单): what a member asks the centre for. One table of
//! allowed moves ([`transition_allowed`]); every status change is a guarded
//! `UPDATE … WHERE status = <from>`, so of two racing changes one wins.
//!
//! Quantities are base units. A line's item must be orderable and allowed
//! at the member's level; an item appears once per requisition. Approval
//! may reduce or zero a line, with a reason; what is approved and not yet
//! allocated is the backorder, which the next allocation picks up.

use super::MAX_LINES;
use crate::Backend;
use crate::authz::{self, Action, Caller, Scope};
use crate::catalogue::{allowed_at, ensure_orderable};
use crate::command::{Audit, Command, Effect};
use crate::db::WriteTxn;
use crate::entity::enums::{InstitutionKind, RequisitionStatus as S};
use crate::entity::{institution, item, requisition, requisition_line};
use crate::error::{Error, FieldError, Result, StateReason};
use crate::ledger::MAX_MOVEMENT_QUANTITY;
use crate::page::{self, Page, PageRequest};
use crate::text::optional_text;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;
use yaolian_labels::document_number::kind;

/// May a requisition move from `from` to `to`?
///
/// | from       | to                         |
/// |------------|----------------------------|
/// | DRAFT      | SUBMITTED                  |
/// | SUBMITTED  | APPROVED, REJECTED         |
/// | APPROVED   | ALLOCATED, CLOSED          |
/// | ALLOCATED  | DISPATCHED, APPROVED       |
/// | DISPATCHED | RECEIVED                   |
/// | RECEIVED   | CLOSED                     |
/// | REJECTED, CLOSED | —                    |
///
/// ALLOCATED goes back to APPROVED when its only shipment is cancelled;
/// APPROVED closes when every line was approved at zero.
pub fn transition_allowed(from: S, to: S) -> bool {
    matches!(
        (from, to),
        (S::Draft, S::Submitted)
            | (S::Submitted, S::Approved)
            | (S::Submitted, S::Rejected)
            | (S::Approved, S::Allocated)
            | (S::Approved, S::Closed)
            | (S::Allocated, S::Dispatched)
            | (S::Allocated, S::Approved)
            | (S::Dispatched, S::Received)
            | (S::Received, S::Closed)
    )
}

pub(crate) fn status_code(s: S) -> &'static str {
    match s {
        S::Draft => "DRAFT",
        S::Submitted => "SUBMITTED",
        S::Approved => "APPROVED",
        S::Rejected => "REJECTED",
        S::Allocated => "ALLOCATED",
        S::Dispatched => "DISPATCHED",
        S::Received => "RECEIVED",
        S::Closed => "CLOSED",
    }
}

pub(crate) fn illegal_transition(r: &requisition::Model, to: S) -> Error {
    Error::illegal_state(
        StateReason::RequisitionTransition,
        format!(
            "requisition {} is {} and cannot become {}",
            r.number,
            status_code(r.status),
            status_code(to)
        ),
    )
}

#[derive(Debug, Clone)]
pub struct RequisitionLineInput {
    pub item_id: Uuid,
    /// Base units.
    pub quantity: i64,
}

#[derive(Debug, Clone)]
pub struct RequisitionInput {
    pub institution_id: Uuid,
    pub lines: Vec<RequisitionLineInput>,
    pub emergency: bool,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ApprovalLine {
    pub line_id: Uuid,
    pub approved_quantity: i64,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct RequisitionFilter {
    pub status: Option<S>,
    pub institution_id: Option<Uuid>,
}

#[derive(Debug, Clone)]
pub struct RequisitionView {
    pub requisition: requisition::Model,
    pub lines: Vec<requisition_line::Model>,
}

impl RequisitionView {
    /// Approved and not yet allocated, over all lines.
    pub fn backorder(&self) -> i64 {
        self.lines.iter().map(|l| l.backorder()).sum()
    }
}

/// Moves a requisition from the status it was read in, or fails if another
/// command moved it first.
pub(crate) async fn set_status(
    txn: &WriteTxn,
    r: &requisition::Model,
    to: S,
    now: DateTime<Utc>,
    extra: impl FnOnce(
        sea_orm::UpdateMany<requisition::Entity>,
    ) -> sea_orm::UpdateMany<requisition::Entity>,
) -> Result<requisition::Model> {
    use requisition::Column as C;
    if !transition_allowed(r.status, to) {
        return Err(illegal_transition(r, to));
    }
    let update = requisition::Entity::update_many()
        .col_expr(C::Status, Expr::value(to))
        .col_expr(C::Version, Expr::col(C::Version).add(1))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::Id.eq(r.id))
        .filter(C::Status.eq(r.status));
    extra(update)
        .exec_with_returning(&**txn)
        .await?
        .pop()
        .ok_or_else(|| {
            Error::Conflict(format!(
                "requisition {} was changed at the same moment; reload and try again",
                r.number
            ))
        })
}

pub(crate) async fn lines_of(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<requisition_line::Model>>> {
    let mut out: HashMap<Uuid, Vec<requisition_line::Model>> = HashMap::new();
    for chunk in ids.chunks(500) {
        for l in requisition_line::Entity::find()
            .filter(requisition_line::Column::RequisitionId.is_in(chunk.to_vec()))
            .order_by_asc(requisition_line::Column::LineNo)
            .all(conn)
            .await?
        {
            out.entry(l.requisition_id).or_default().push(l);
        }
    }
    Ok(out)
}

fn check_quantity(field: String, q: i64) -> Option<FieldError> {
    if q <= 0 {
        Some(FieldError::new(field, "must be at least 1", "数量至少为 1"))
    } else if q > MAX_MOVEMENT_QUANTITY {
        Some(FieldError::new(
            field,
            format!("must be at most {MAX_MOVEMENT_QUANTITY}"),
            format!("最多 {MAX_MOVEMENT_QUANTITY}"),
        ))
    } else {
        None
    }
}

impl Backend {
    pub(crate) async fn requisition_in_community(
        &self,
        conn: &impl ConnectionTrait,
        caller: &Caller,
        id: Uuid,
    ) -> Result<requisition::Model> {
        requisition::Entity::find_by_id(id)
            .one(conn)
            .await?
            .filter(|r| r.community_id == caller.community_id)
            .ok_or_else(|| Error::not_found("requisition", id))
    }

    /// Whose requisitions or shipments a list shows: the institution asked
    /// for, if the caller may read it; else the whole community for those
    /// who see it, and the caller's own institution for everyone else.
    pub(crate) async fn distribution_list_scope(
        &self,
        caller: &Caller,
        institution_id: Option<Uuid>,
    ) -> Result<Option<Uuid>> {
        match institution_id {
            Some(id) => {
                let inst = self.institution_in_community(caller, id).await?;
                authz::authorize(caller, Action::ReadDistribution, Backend::scope(&inst))?;
                Ok(Some(id))
            }
            None if caller.sees_whole_community() => Ok(None),
            None => {
                let own = self
                    .institution_in_community(caller, caller.institution_id)
                    .await?;
                authz::authorize(caller, Action::ReadDistribution, Backend::scope(&own))?;
                Ok(Some(own.id))
            }
        }
    }

    /// May the caller ask for stock for `inst`? Its own pharmacist (or the
    /// centre's warehouse) may; so may a pharmacist of the township centre
    /// its village clinic belongs to (代请领).
    async fn authorize_request(&self, caller: &Caller, inst: &institution::Model) -> Result<()> {
        let on_behalf = inst.kind == InstitutionKind::VillageClinic
            && inst.parent_id == Some(caller.institution_id);
        if on_behalf {
            let own = self
                .institution_in_community(caller, caller.institution_id)
                .await?;
            authz::authorize(caller, Action::RequestStock, Backend::scope(&own))
        } else {
            authz::authorize(caller, Action::RequestStock, Backend::scope(inst))
        }
    }

    pub(crate) async fn requisition_view(
        &self,
        conn: &impl ConnectionTrait,
        r: requisition::Model,
    ) -> Result<RequisitionView> {
        let lines = lines_of(conn, &[r.id])
            .await?
            .remove(&r.id)
            .unwrap_or_default();
        Ok(RequisitionView {
            requisition: r,
            lines,
        })
    }

    pub async fn requisition(&self, caller: &Caller, id: Uuid) -> Result<RequisitionView> {
        let conn = self.db.conn();
        let r = self.requisition_in_community(conn, caller, id).await?;
        let inst = self
            .institution_in_community(caller, r.institution_id)
            .await?;
        authz::authorize(caller, Action::ReadDistribution, Backend::scope(&inst))?;
        self.requisition_view(conn, r).await
    }

    /// Requisitions, emergencies first, then oldest first: the order the
    /// centre works them in. A member sees its own; the centre all.
    pub async fn requisitions(
        &self,
        caller: &Caller,
        filter: RequisitionFilter,
        page: PageRequest,
    ) -> Result<Page<RequisitionView>> {
        let institution_id = self
            .distribution_list_scope(caller, filter.institution_id)
            .await?;
        let limit = page.limit()?;
        // The key sorts as the list does: emergency first, then by id (ids
        // are time-ordered, so oldest first).
        let after: Option<(bool, Uuid)> = page
            .after_key()?
            .map(|k| {
                let (e, id) = k.split_once(':').ok_or_else(page::bad_cursor)?;
                let id: Uuid = id.parse().map_err(|_| page::bad_cursor())?;
                Ok::<_, Error>((e == "1", id))
            })
            .transpose()?;
        use requisition::Column as C;
        let mut q = requisition::Entity::find().filter(C::CommunityId.eq(caller.community_id));
        if let Some(s) = filter.status {
            q = q.filter(C::Status.eq(s));
        }
        if let Some(i) = institution_id {
            q = q.filter(C::InstitutionId.eq(i));
        }
        if let Some((emergency, id)) = after {
            q = if emergency {
                q.filter(
                    C::Emergency
                        .eq(false)
                        .or(C::Emergency.eq(true).and(C::Id.gt(id))),
                )
            } else {
                q.filter(C::Emergency.eq(false).and(C::Id.gt(id)))
            };
        }
        let conn = self.db.conn();
        let rows = q
            .order_by_desc(C::Emergency)
            .order_by_asc(C::Id)
            .limit(limit + 1)
            .all(conn)
            .await?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut lines = lines_of(conn, &ids).await?;
        let views: Vec<RequisitionView> = rows
            .into_iter()
            .map(|r| RequisitionView {
                lines: lines.remove(&r.id).unwrap_or_default(),
                requisition: r,
            })
            .collect();
        Ok(page::build(views, limit, page.after.is_some(), |v| {
            format!(
                "{}:{}",
                if v.requisition.emergency { 1 } else { 0 },
                v.requisition.id
            )
        }))
    }

    /// A draft requisition. Every line is checked and all problems are
    /// reported at once; nothing is written if any is refused.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn create_requisition(
        &self,
        caller: &Caller,
        input: RequisitionInput,
    ) -> Result<RequisitionView> {
        let conn = self.db.conn();
        let inst = self
            .institution_in_community(caller, input.institution_id)
            .await?;
        self.authorize_request(caller, &inst).await?;
        if inst.kind == InstitutionKind::LogisticsCentre {
            return Err(Error::validation(
                "institutionId",
                "the logistics centre buys with purchase orders, not requisitions",
                "物流中心通过采购订单进货，不使用请领单",
            ));
        }
        let note = optional_text("note", input.note.as_deref(), 500)?;
        if input.lines.is_empty() {
            return Err(Error::validation(
                "lines",
                "a requisition needs at least one line",
                "请领单至少需要一行",
            ));
        }
        if input.lines.len() > MAX_LINES {
            return Err(Error::validation(
                "lines",
                format!("at most {MAX_LINES} lines"),
                format!("最多 {MAX_LINES} 行"),
            ));
        }
        let ids: Vec<Uuid> = input.lines.iter().map(|l| l.item_id).collect();
        let items: HashMap<Uuid, item::Model> = item::Entity::find()
            .filter(item::Column::Id.is_in(ids))
            .filter(item::Column::CommunityId.eq(caller.community_id))
            .all(conn)
            .await?
            .into_iter()
            .map(|i| (i.id, i))
            .collect();
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        for (n, line) in input.lines.iter().enumerate() {
            let field = |f: &str| format!("lines.{n}.{f}");
            if let Some(e) = check_quantity(field("quantity"), line.quantity) {
                errors.push(e);
            }
            let Some(item) = items.get(&line.item_id) else {
                errors.push(FieldError::new(
                    field("itemId"),
                    "no such item in the catalogue",
                    "目录中没有该品种",
                ));
                continue;
            };
            if !seen.insert(item.id) {
                errors.push(FieldError::new(
                    field("itemId"),
                    format!("{} is on the requisition twice", item.generic_name),
                    format!("{} 重复请领", item.generic_name),
                ));
            }
            if let Err(e) = ensure_orderable(item) {
                errors.push(FieldError::new(
                    field("itemId"),
                    e.to_string(),
                    e.message_zh(),
                ));
            }
            if !allowed_at(item, inst.kind) {
                errors.push(FieldError::new(
                    field("itemId"),
                    format!(
                        "{} may not be stocked at {} (its level is too low for this item)",
                        item.generic_name, inst.name
                    ),
                    format!("{} 的级别不能配备 {}", inst.name, item.generic_name),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(Error::invalid(errors));
        }
        let lines = input.lines;
        self.run(
            Command {
                operation: "createRequisition",
                user_id: caller.user_id,
                idempotency: None,
            },
            async |txn, now| {
                let number =
                    crate::numbering::next(txn, caller.community_id, kind::REQUISITION, now)
                        .await?;
                let r = requisition::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    community_id: Set(caller.community_id),
                    number: Set(number),
                    institution_id: Set(inst.id),
                    status: Set(S::Draft),
                    emergency: Set(input.emergency),
                    note: Set(note.clone()),
                    created_by_institution_id: Set(caller.institution_id),
                    created_by: Set(caller.user_id),
                    submitted_at: Set(None),
                    decided_at: Set(None),
                    decided_by: Set(None),
                    rejection_reason: Set(None),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(&**txn)
                .await?;
                let rows: Vec<requisition_line::Model> = lines
                    .iter()
                    .enumerate()
                    .map(|(n, l)| requisition_line::Model {
                        id: Uuid::now_v7(),
                        requisition_id: r.id,
                        line_no: n as i32 + 1,
                        item_id: l.item_id,
                        quantity: l.quantity,
                        approved_quantity: None,
                        reduction_reason: None,
                        allocated_quantity: 0,
                    })
                    .collect();
                requisition_line::Entity::insert_many(
                    rows.iter().cloned().map(IntoActiveModel::into_active_model),
                )
                .exec_without_returning(&**txn)
                .await?;
                let view = RequisitionView {
                    requisition: r,
                    lines: rows,
                };
                Ok(Effect::Changed {
                    result_id: view.requisition.id,
                    audit: Audit {
                        institution_id: Some(view.requisition.institution_id),
                        entity_type: "requisition",
                        entity_ids: vec![view.requisition.id],
                        detail: Some(serde_json::json!({
                            "number": view.requisition.number,
                            "lines": view.lines.len(),
                            "emergency": view.requisition.emergency,
                            "onBehalfOf": (caller.institution_id != view.requisition.institution_id)
                                .then_some(view.requisition.institution_id),
                        })),
                    },
                    value: view,
                })
            },
        )
        .await?
        .once()
    }

    pub async fn submit_requisition(&self, caller: &Caller, id: Uuid) -> Result<RequisitionView> {
        let conn = self.db.conn();
        let r = self.requisition_in_community(conn, caller, id).await?;
        let inst = self
            .institution_in_community(caller, r.institution_id)
            .await?;
        self.authorize_request(caller, &inst).await?;
        self.run(
            Command {
                operation: "submitRequisition",
                user_id: caller.user_id,
                idempotency: None,
            },
            async |txn, now| {
                let r = set_status(txn, &r, S::Submitted, now, |u| {
                    u.col_expr(requisition::Column::SubmittedAt, Expr::value(now))
                })
                .await?;
                let view = self.requisition_view(&**txn, r).await?;
                Ok(Effect::Changed {
                    result_id: view.requisition.id,
                    audit: Audit {
                        institution_id: Some(view.requisition.institution_id),
                        entity_type: "requisition",
                        entity_ids: vec![view.requisition.id],
                        detail: Some(serde_json::json!({
                            "number": view.requisition.number,
                            "status": "SUBMITTED",
                        })),
                    },
                    value: view,
                })
            },
        )
        .await?
        .once()
    }

    /// Approves a submitted requisition. Lines not named are approved as
    /// asked; a line approved below what was asked needs a reason.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn approve_requisition(
        &self,
        caller: &Caller,
        id: Uuid,
        approvals: Vec<ApprovalLine>,
    ) -> Result<RequisitionView> {
        authz::authorize(
            caller,
            Action::ManageDistribution,
            Scope::Community(caller.community_id),
        )?;
        let conn = self.db.conn();
        let r = self.requisition_in_community(conn, caller, id).await?;
        let view = self.requisition_view(conn, r).await?;
        let mut decided: HashMap<Uuid, (i64, Option<String>)> = view
            .lines
            .iter()
            .map(|l| (l.id, (l.quantity, None)))
            .collect();
        let mut errors = Vec::new();
        for (n, a) in approvals.iter().enumerate() {
            let field = |f: &str| format!("lines.{n}.{f}");
            let Some(line) = view.lines.iter().find(|l| l.id == a.line_id) else {
                errors.push(FieldError::new(
                    field("lineId"),
                    "not a line of this requisition",
                    "不是本请领单的明细",
                ));
                continue;
            };
            let reason = match optional_text(&field("reason"), a.reason.as_deref(), 500) {
                Ok(r) => r,
                Err(Error::Validation(mut e)) => {
                    errors.append(&mut e);
                    None
                }
                Err(e) => return Err(e),
            };
            if a.approved_quantity < 0 || a.approved_quantity > line.quantity {
                errors.push(FieldError::new(
                    field("approvedQuantity"),
                    format!("must be between 0 and the {} asked for", line.quantity),
                    format!("须在 0 到请领数量 {} 之间", line.quantity),
                ));
            } else if a.approved_quantity < line.quantity && reason.is_none() {
                errors.push(FieldError::new(
                    field("reason"),
                    format!(
                        "approving {} of the {} asked for needs a reason",
                        a.approved_quantity, line.quantity
                    ),
                    format!(
                        "核减（请领 {}，批准 {}）须填写原因",
                        line.quantity, a.approved_quantity
                    ),
                ));
            }
            decided.insert(line.id, (a.approved_quantity, reason));
        }
        if !errors.is_empty() {
            return Err(Error::invalid(errors));
        }
        let all_zero = decided.values().all(|(q, _)| *q == 0);
        let r = view.requisition.clone();
        self.run(
            Command {
                operation: "approveRequisition",
                user_id: caller.user_id,
                idempotency: None,
            },
            async |txn, now| {
                let mut r = set_status(txn, &r, S::Approved, now, |u| {
                    u.col_expr(requisition::Column::DecidedAt, Expr::value(now))
                        .col_expr(requisition::Column::DecidedBy, Expr::value(caller.user_id))
                })
                .await?;
                for (line_id, (q, reason)) in &decided {
                    requisition_line::Entity::update_many()
                        .col_expr(requisition_line::Column::ApprovedQuantity, Expr::value(*q))
                        .col_expr(
                            requisition_line::Column::ReductionReason,
                            Expr::value(reason.clone()),
                        )
                        .filter(requisition_line::Column::Id.eq(*line_id))
                        .exec(&**txn)
                        .await?;
                }
                // Nothing approved: nothing to ship, so it is done.
                if all_zero {
                    r = set_status(txn, &r, S::Closed, now, |u| u).await?;
                }
                let view = self.requisition_view(&**txn, r).await?;
                Ok(Effect::Changed {
                    result_id: view.requisition.id,
                    audit: Audit {
                        institution_id: Some(view.requisition.institution_id),
                        entity_type: "requisition",
                        entity_ids: vec![view.requisition.id],
                        detail: Some(serde_json::json!({
                            "number": view.requisition.number,
                            "status": "APPROVED",
                            "reduced": view.lines.iter()
                                .filter(|l| l.approved_quantity.is_some_and(|a| a < l.quantity))
                                .map(|l| serde_json::json!({
                                    "line": l.line_no,
                                    "asked": l.quantity,
                                    "approved": l.approved_quantity,
                                    "reason": l.reduction_reason,
                                }))
                                .collect::<Vec<_>>(),
                        })),
                    },
                    value: view,
                })
            },
        )
        .await?
        .once()
    }

    pub async fn reject_requisition(
        &self,
        caller: &Caller,
        id: Uuid,
        reason: &str,
    ) -> Result<RequisitionView> {
        authz::authorize(
            caller,
            Action::ManageDistribution,
            Scope::Community(caller.community_id),
        )?;
        let reason = crate::text::required_text("reason", reason, 500)?;
        let conn = self.db.conn();
        let r = self.requisition_in_community(conn, caller, id).await?;
        self.run(
            Command {
                operation: "rejectRequisition",
                user_id: caller.user_id,
                idempotency: None,
            },
            async |txn, now| {
                let r = set_status(txn, &r, S::Rejected, now, |u| {
                    u.col_expr(requisition::Column::DecidedAt, Expr::value(now))
                        .col_expr(requisition::Column::DecidedBy, Expr::value(caller.user_id))
                        .col_expr(
                            requisition::Column::RejectionReason,
                            Expr::value(reason.clone()),
                        )
                })
                .await?;
                let view = self.requisition_view(&**txn, r).await?;
                Ok(Effect::Changed {
                    result_id: view.requisition.id,
                    audit: Audit {
                        institution_id: Some(view.requisition.institution_id),
                        entity_type: "requisition",
                        entity_ids: vec![view.requisition.id],
                        detail: Some(serde_json::json!({
                            "number": view.requisition.number,
                            "status": "REJECTED",
                            "reason": reason,
                        })),
                    },
                    value: view,
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
    use sea_orm::Iterable;

    #[test]
    fn the_transition_table_is_as_documented() {
        let allowed: Vec<(S, S)> = S::iter()
            .flat_map(|a| S::iter().map(move |b| (a, b)))
            .filter(|(a, b)| transition_allowed(*a, *b))
            .collect();
        assert_eq!(allowed.len(), 9);
        for terminal in [S::Rejected, S::Closed] {
            assert!(S::iter().all(|to| !transition_allowed(terminal, to)));
        }
        assert!(!transition_allowed(S::Draft, S::Approved));
        assert!(!transition_allowed(S::Submitted, S::Allocated));
        assert!(!transition_allowed(S::Dispatched, S::Closed));
    }
}
