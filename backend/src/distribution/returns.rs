//! Returns and transfers. A return is a shipment from a member back to the
//! centre (near expiry, damaged, recalled, surplus): the member's stock is
//! reserved for it (blocked stock may be, to get it out), its dispatch
//! posts RETURN out of the member, and the centre receives it by scanning
//! like any shipment, posting RETURN in and crediting the member.
//!
//! A transfer (调剂) moves stock from one member to another through the
//! centre: a return from the first, and once the centre has it, a shipment
//! of exactly what arrived to the second.

use super::MAX_LINES;
use super::shipment::{self, ShipmentView, document};
use crate::Backend;
use crate::authz::{self, Action, Caller, Scope};
use crate::catalogue::allowed_at;
use crate::clock::business_date;
use crate::command::{Audit, Command, Effect};
use crate::db::WriteTxn;
use crate::entity::enums::{InstitutionKind, ReturnReason, ShipmentKind, ShipmentStatus};
use crate::entity::{batch, institution, item, shipment as ship, shipment_line, stock_movement};
use crate::error::{Error, FieldError, Result};
use crate::ledger::{self, Actor, Hold, MAX_MOVEMENT_QUANTITY};
use crate::text::optional_text;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
use std::collections::HashMap;
use uuid::Uuid;
use yaolian_labels::document_number::kind;

#[derive(Debug, Clone)]
pub struct ReturnLineInput {
    pub batch_id: Uuid,
    /// Base units.
    pub quantity: i64,
}

#[derive(Debug, Clone)]
pub struct ReturnInput {
    /// The member sending the stock back.
    pub institution_id: Uuid,
    pub reason: ReturnReason,
    pub lines: Vec<ReturnLineInput>,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TransferInput {
    pub from_institution_id: Uuid,
    pub to_institution_id: Uuid,
    pub lines: Vec<ReturnLineInput>,
    pub note: Option<String>,
}

fn check_lines(lines: &[ReturnLineInput]) -> Result<()> {
    if lines.is_empty() || lines.len() > MAX_LINES {
        return Err(Error::validation(
            "lines",
            format!("between 1 and {MAX_LINES} lines"),
            format!("须有 1 至 {MAX_LINES} 行"),
        ));
    }
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (n, l) in lines.iter().enumerate() {
        if !(1..=MAX_MOVEMENT_QUANTITY).contains(&l.quantity) {
            errors.push(FieldError::new(
                format!("lines.{n}.quantity"),
                "must be at least 1",
                "数量至少为 1",
            ));
        }
        if !seen.insert(l.batch_id) {
            errors.push(FieldError::new(
                format!("lines.{n}.batchId"),
                "this batch is on the return twice",
                "批号重复",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::invalid(errors))
    }
}

/// Writes a shipment with its lines and reserves its stock at the sender.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_shipment(
    txn: &WriteTxn,
    caller: &Caller,
    now: DateTime<Utc>,
    kind: ShipmentKind,
    from: Uuid,
    to: Uuid,
    return_reason: Option<ReturnReason>,
    transfer_to: Option<Uuid>,
    note: Option<String>,
    lines: &[(Uuid, Uuid, i64)],
) -> Result<ship::Model> {
    let number = crate::numbering::next(txn, caller.community_id, kind::SHIPMENT, now).await?;
    let s = ship::Model {
        id: Uuid::now_v7(),
        community_id: caller.community_id,
        number,
        kind,
        from_institution_id: from,
        to_institution_id: to,
        requisition_id: None,
        delivery_run_id: None,
        transfer_to_institution_id: transfer_to,
        return_reason,
        status: ShipmentStatus::Allocated,
        emergency: false,
        planned_date: business_date(now),
        package_count: 1,
        note,
        created_by: caller.user_id,
        created_at: now,
        dispatched_at: None,
        dispatched_by: None,
        received_at: None,
        received_by: None,
        updated_at: now,
    };
    ship::Entity::insert(s.clone().into_active_model())
        .exec_without_returning(&**txn)
        .await?;
    let mut rows: Vec<shipment_line::Model> = lines
        .iter()
        .enumerate()
        .map(|(n, (item_id, batch_id, quantity))| shipment_line::Model {
            id: Uuid::now_v7(),
            shipment_id: s.id,
            line_no: n as i32 + 1,
            requisition_line_id: None,
            item_id: *item_id,
            batch_id: *batch_id,
            quantity: *quantity,
            reservation_id: None,
            scanned_quantity: 0,
            received_quantity: 0,
            lost_quantity: 0,
        })
        .collect();
    let holds = rows
        .iter()
        .map(|l| Hold {
            batch_id: l.batch_id,
            quantity: l.quantity,
            document: document(&s, Some(l.id)),
        })
        .collect();
    let reservations = ledger::reserve_many(
        txn,
        Actor {
            user_id: caller.user_id,
            now,
        },
        from,
        holds,
    )
    .await?;
    for (l, r) in rows.iter_mut().zip(&reservations) {
        l.reservation_id = Some(r.id);
    }
    shipment_line::Entity::insert_many(rows.into_iter().map(IntoActiveModel::into_active_model))
        .exec_without_returning(&**txn)
        .await?;
    Ok(s)
}

/// The second half of a transfer: what arrived back at the centre goes on
/// to the member it was meant for, batch for batch, reserved at once.
pub(crate) async fn continue_transfer(
    txn: &WriteTxn,
    caller: &Caller,
    now: DateTime<Utc>,
    ret: &ship::Model,
    arrived: &[stock_movement::Model],
) -> Result<Option<ship::Model>> {
    let Some(to) = ret.transfer_to_institution_id else {
        return Ok(None);
    };
    let lines: Vec<(Uuid, Uuid, i64)> = arrived
        .iter()
        .filter(|m| m.quantity > 0)
        .map(|m| (m.item_id, m.batch_id, m.quantity))
        .collect();
    if lines.is_empty() {
        return Ok(None);
    }
    let s = insert_shipment(
        txn,
        caller,
        now,
        ShipmentKind::Delivery,
        ret.to_institution_id,
        to,
        None,
        None,
        Some(format!("调剂 transfer from {}", ret.number)),
        &lines,
    )
    .await?;
    Ok(Some(s))
}

impl Backend {
    pub(crate) async fn centre_of(&self, caller: &Caller) -> Result<institution::Model> {
        institution::Entity::find()
            .filter(institution::Column::CommunityId.eq(caller.community_id))
            .filter(institution::Column::Kind.eq(InstitutionKind::LogisticsCentre))
            .one(self.db.conn())
            .await?
            .ok_or_else(|| Error::not_found("logistics centre", caller.community_id))
    }

    /// The items of the batches to send back, checked to be the
    /// community's.
    async fn return_lines(
        &self,
        caller: &Caller,
        lines: &[ReturnLineInput],
    ) -> Result<Vec<(Uuid, Uuid, i64)>> {
        check_lines(lines)?;
        let ids: Vec<Uuid> = lines.iter().map(|l| l.batch_id).collect();
        let conn = self.db.conn();
        let batches: HashMap<Uuid, batch::Model> = batch::Entity::find()
            .filter(batch::Column::Id.is_in(ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|b| (b.id, b))
            .collect();
        let item_ids: Vec<Uuid> = batches.values().map(|b| b.item_id).collect();
        let items: HashMap<Uuid, item::Model> = item::Entity::find()
            .filter(item::Column::Id.is_in(item_ids))
            .filter(item::Column::CommunityId.eq(caller.community_id))
            .all(conn)
            .await?
            .into_iter()
            .map(|i| (i.id, i))
            .collect();
        let mut out = Vec::new();
        let mut errors = Vec::new();
        for (n, l) in lines.iter().enumerate() {
            match batches
                .get(&l.batch_id)
                .filter(|b| items.contains_key(&b.item_id))
            {
                Some(b) => out.push((b.item_id, b.id, l.quantity)),
                None => errors.push(FieldError::new(
                    format!("lines.{n}.batchId"),
                    "no such batch",
                    "没有该批号",
                )),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(Error::invalid(errors))
        }
    }

    /// A return to the centre, its stock reserved at the member.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn create_return(&self, caller: &Caller, input: ReturnInput) -> Result<ShipmentView> {
        let from = self
            .institution_in_community(caller, input.institution_id)
            .await?;
        authz::authorize(caller, Action::ReturnStock, Backend::scope(&from))?;
        if from.kind == InstitutionKind::LogisticsCentre {
            return Err(Error::validation(
                "institutionId",
                "the centre returns goods to suppliers, not to itself",
                "物流中心不能退货给自己",
            ));
        }
        if input.reason == ReturnReason::Transfer {
            return Err(Error::validation(
                "reason",
                "a transfer is made by the centre with createTransfer",
                "调剂由物流中心发起",
            ));
        }
        let note = optional_text("note", input.note.as_deref(), 500)?;
        let lines = self.return_lines(caller, &input.lines).await?;
        let centre = self.centre_of(caller).await?;
        self.make_return(
            caller,
            from,
            centre,
            input.reason,
            None,
            note,
            lines,
            "createReturn",
        )
        .await
    }

    /// A transfer (调剂) from one member to another through the centre.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn create_transfer(
        &self,
        caller: &Caller,
        input: TransferInput,
    ) -> Result<ShipmentView> {
        authz::authorize(
            caller,
            Action::ManageDistribution,
            Scope::Community(caller.community_id),
        )?;
        let from = self
            .institution_in_community(caller, input.from_institution_id)
            .await?;
        let to = self
            .institution_in_community(caller, input.to_institution_id)
            .await?;
        if from.id == to.id
            || from.kind == InstitutionKind::LogisticsCentre
            || to.kind == InstitutionKind::LogisticsCentre
        {
            return Err(Error::validation(
                "toInstitutionId",
                "a transfer goes from one member to another",
                "调剂须在两个成员机构之间进行",
            ));
        }
        let note = optional_text("note", input.note.as_deref(), 500)?;
        let lines = self.return_lines(caller, &input.lines).await?;
        let items: HashMap<Uuid, item::Model> = item::Entity::find()
            .filter(item::Column::Id.is_in(lines.iter().map(|l| l.0).collect::<Vec<_>>()))
            .all(self.db.conn())
            .await?
            .into_iter()
            .map(|i| (i.id, i))
            .collect();
        let mut errors = Vec::new();
        for (n, (item_id, _, _)) in lines.iter().enumerate() {
            if let Some(i) = items.get(item_id)
                && !allowed_at(i, to.kind)
            {
                errors.push(FieldError::new(
                    format!("lines.{n}.batchId"),
                    format!("{} may not be stocked at {}", i.generic_name, to.name),
                    format!("{} 不能配备 {}", to.name, i.generic_name),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(Error::invalid(errors));
        }
        let centre = self.centre_of(caller).await?;
        self.make_return(
            caller,
            from,
            centre,
            ReturnReason::Transfer,
            Some(to.id),
            note,
            lines,
            "createTransfer",
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn make_return(
        &self,
        caller: &Caller,
        from: institution::Model,
        centre: institution::Model,
        reason: ReturnReason,
        transfer_to: Option<Uuid>,
        note: Option<String>,
        lines: Vec<(Uuid, Uuid, i64)>,
        operation: &'static str,
    ) -> Result<ShipmentView> {
        self.run(
            Command {
                operation,
                user_id: caller.user_id,
                idempotency: None,
            },
            async |txn, now| {
                let s = insert_shipment(
                    txn,
                    caller,
                    now,
                    ShipmentKind::Return,
                    from.id,
                    centre.id,
                    Some(reason),
                    transfer_to,
                    note.clone(),
                    &lines,
                )
                .await?;
                let view = shipment::views(&**txn, vec![s])
                    .await?
                    .pop()
                    .ok_or_else(|| Error::internal("the return just written is missing"))?;
                Ok(Effect::Changed {
                    result_id: view.shipment.id,
                    audit: Audit {
                        institution_id: Some(from.id),
                        entity_type: "shipment",
                        entity_ids: vec![view.shipment.id],
                        detail: Some(serde_json::json!({
                            "number": view.shipment.number,
                            "kind": "RETURN",
                            "reason": format!("{reason:?}"),
                            "transferTo": transfer_to,
                            "lines": view.lines.len(),
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
