//! Receipt of a shipment at its destination, pack by pack.
//!
//! Each scan is one command: the pack's GS1 code (GTIN, lot), its
//! traceability code, or a retail code when the shipment carries only one
//! batch of that item. It must match a line of the shipment, or it is
//! refused with `NOT_ON_SHIPMENT` (another item) or `WRONG_BATCH` (this
//! item, another batch) and nothing is counted. A replay of the same
//! `clientRequestId` answers as the first time; the same pack counted twice
//! (its traceability code, or the serial of its GS1 code) is
//! `ALREADY_SCANNED`.
//!
//! Completion posts SHIPMENT_IN (RETURN, for a return at the centre) for
//! what arrived in good order, and records the discrepancies the
//! pharmacist reports for the rest. Everything sent is then either at the
//! destination, or on a discrepancy the centre resolves.

use super::shipment::{self, ShipmentView, document, set_status_all, settle_requisitions};
use crate::Backend;
use crate::authz::{self, Action, Caller, Scope, Target};
use crate::clock::business_date;
use crate::command::{Audit, Command, Effect, Idempotency, Ran};
use crate::entity::enums::{DiscrepancyKind, MovementKind, ShipmentKind, ShipmentStatus as S};
use crate::entity::{
    batch, item_package_level, shipment as ship, shipment_discrepancy, shipment_line,
    shipment_scan, trace_code,
};
use crate::error::{Error, FieldError, Result, StateReason, WrongPack};
use crate::idempotency::{self, ClientRequestId};
use crate::ledger::{self, Actor, MAX_MOVEMENT_QUANTITY, Posting};
use crate::procurement::member_account::{self, Charge};
use crate::text::optional_text;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, EntityTrait, IntoActiveModel, JoinType, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;
use uuid::Uuid;
use yaolian_labels::scan::{Scan, classify};

#[derive(Debug, Clone)]
pub struct ReceiveShipmentScan {
    pub shipment_id: Uuid,
    pub barcode: String,
    /// Base units; defaults to one pack of the scanned level.
    pub quantity: Option<i64>,
    pub client_request_id: String,
}

#[derive(Debug, Clone)]
pub struct DiscrepancyInput {
    pub line_id: Uuid,
    pub kind: DiscrepancyKind,
    pub quantity: i64,
    pub note: Option<String>,
}

/// Where a receipt stands: the shipment, and the line the last scan
/// counted on.
#[derive(Debug, Clone)]
pub struct ReceiptProgress {
    pub view: ShipmentView,
    pub line_id: Option<Uuid>,
}

fn wrong(kind: WrongPack, message: String, message_zh: String) -> Error {
    Error::WrongPack {
        kind,
        message,
        message_zh,
    }
}

/// What a scan names: an item (and the units of its level), and the batch
/// when the code says which.
struct Named {
    item_id: Uuid,
    units: i64,
    lot: Option<String>,
    batch_id: Option<Uuid>,
    trace_code: Option<String>,
    /// `GTIN/serial` when a GS1 code carries a serial (AI 21): one pack.
    pack_serial: Option<String>,
}

impl Backend {
    async fn name_scan(&self, caller: &Caller, barcode: &str) -> Result<Named> {
        let conn = self.db.conn();
        let today = business_date(self.clock.now());
        let scan = classify(barcode, today).map_err(|e| Error::InvalidBarcode {
            reason: e.code(),
            message: e.to_string(),
        })?;
        // The GTIN, its item and its package level's units in one read.
        let by_gtin = async |gtin: &str| -> Result<(Uuid, i64)> {
            let hit = crate::catalogue::gtin_pack(conn, caller.community_id, gtin).await?;
            hit.map(|p| (p.item_id, p.units_per_pack.unwrap_or(1)))
                .ok_or_else(|| {
                    wrong(
                        WrongPack::NotOnShipment,
                        format!(
                            "GTIN {gtin} is not in the catalogue, so it is not on this shipment"
                        ),
                        format!("商品码 {gtin} 不在目录中，不属于本配送单"),
                    )
                })
        };
        match scan {
            Scan::Gs1(es) => {
                let Some(gtin) = es.gtin() else {
                    return Err(Error::validation(
                        "barcode",
                        "this code names a logistic unit, not a pack: scan the packs",
                        "这是物流单元条码，请扫描包装",
                    ));
                };
                let (item_id, units) = by_gtin(gtin).await?;
                Ok(Named {
                    item_id,
                    units,
                    lot: es.lot().map(str::to_string),
                    batch_id: None,
                    trace_code: None,
                    pack_serial: es.serial().map(|serial| format!("{gtin}/{serial}")),
                })
            }
            Scan::TraceCode(tc) => {
                let found = trace_code::Entity::find_by_id((
                    caller.community_id,
                    tc.as_str().to_string(),
                ))
                .one(conn)
                .await?
                .ok_or_else(|| {
                    wrong(
                        WrongPack::NotOnShipment,
                        format!(
                            "traceability code {} was never received by the centre, so it is not on this shipment",
                            tc.as_str()
                        ),
                        format!("追溯码 {} 未经物流中心入库，不属于本配送单", tc.as_str()),
                    )
                })?;
                // The level whose code prefix the pack carries; else one unit.
                let levels = item_package_level::Entity::find()
                    .filter(item_package_level::Column::ItemId.eq(found.item_id))
                    .all(conn)
                    .await?;
                let units = levels
                    .iter()
                    .find(|l| {
                        l.trace_code_prefix
                            .as_deref()
                            .is_some_and(|p| tc.as_str().starts_with(p))
                    })
                    .or_else(|| levels.iter().min_by_key(|l| l.level))
                    .map_or(1, |l| l.units_per_pack);
                Ok(Named {
                    item_id: found.item_id,
                    units,
                    lot: None,
                    batch_id: Some(found.batch_id),
                    trace_code: Some(tc.as_str().to_string()),
                    pack_serial: None,
                })
            }
            Scan::Ean13(r) | Scan::Ean8(r) | Scan::UpcA(r) | Scan::Gtin14(r) => {
                let (item_id, units) = by_gtin(r.gtin14()).await?;
                Ok(Named {
                    item_id,
                    units,
                    lot: None,
                    batch_id: None,
                    trace_code: None,
                    pack_serial: None,
                })
            }
            Scan::Shipment(n) => Err(Error::validation(
                "barcode",
                format!("{n} is a shipment label: open that shipment, then scan its packs"),
                format!("{n} 是配送单标签：请先打开该配送单，再扫描包装"),
            )),
            Scan::Document(_) | Scan::Location(_) => Err(Error::validation(
                "barcode",
                "that is a document or location label: scan the packs",
                "这是单据或货位标签，请扫描包装",
            )),
        }
    }

    /// Counts one scanned pack (or case) against its shipment line.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn receive_shipment_scan(
        &self,
        caller: &Caller,
        input: ReceiveShipmentScan,
    ) -> Result<ReceiptProgress> {
        let key = ClientRequestId::parse(&input.client_request_id)?;
        let conn = self.db.conn();
        let s = self
            .shipment_in_community(conn, caller, input.shipment_id)
            .await?;
        authz::authorize(
            caller,
            Action::ReceiveShipment,
            Scope::Institution(Target {
                institution_id: s.to_institution_id,
                community_id: s.community_id,
            }),
        )?;
        if let Some(q) = input.quantity
            && !(1..=MAX_MOVEMENT_QUANTITY).contains(&q)
        {
            return Err(Error::validation(
                "quantity",
                "must be at least 1",
                "数量至少为 1",
            ));
        }
        let request_hash = idempotency::fingerprint(&[
            "receiveShipmentScan",
            &input.shipment_id.to_string(),
            input.barcode.trim(),
            &format!("{:?}", input.quantity),
        ]);
        let named = self.name_scan(caller, &input.barcode).await?;
        // The shipment's lines of this item with their lots, in one read.
        let of_item: Vec<(Uuid, i32, Uuid, String)> = shipment_line::Entity::find()
            .select_only()
            .column(shipment_line::Column::Id)
            .column(shipment_line::Column::LineNo)
            .column(shipment_line::Column::BatchId)
            .column(batch::Column::LotNumber)
            .join(
                JoinType::InnerJoin,
                shipment_line::Entity::belongs_to(batch::Entity)
                    .from(shipment_line::Column::BatchId)
                    .to(batch::Column::Id)
                    .into(),
            )
            .filter(shipment_line::Column::ShipmentId.eq(s.id))
            .filter(shipment_line::Column::ItemId.eq(named.item_id))
            .order_by_asc(shipment_line::Column::LineNo)
            .into_tuple()
            .all(conn)
            .await?;
        if of_item.is_empty() {
            return Err(wrong(
                WrongPack::NotOnShipment,
                format!(
                    "this item is not on shipment {}: put the pack aside",
                    s.number
                ),
                format!("该品种不在配送单 {} 上，请单独放置", s.number),
            ));
        }
        let found = if let Some(batch_id) = named.batch_id {
            of_item.iter().find(|l| l.2 == batch_id)
        } else if let Some(lot) = &named.lot {
            of_item.iter().find(|l| &l.3 == lot)
        } else if of_item.len() == 1 {
            of_item.first()
        } else {
            return Err(Error::validation(
                "barcode",
                format!(
                    "shipment {} carries {} batches of this item: scan the pack's GS1 or traceability code, which names the batch",
                    s.number,
                    of_item.len()
                ),
                format!(
                    "配送单 {} 含该品种 {} 个批号：请扫描包装上的 GS1 码或追溯码",
                    s.number,
                    of_item.len()
                ),
            ));
        };
        let Some(&(line_id, line_no, _, _)) = found else {
            let lots: Vec<&str> = of_item.iter().map(|l| l.3.as_str()).collect();
            return Err(wrong(
                WrongPack::WrongBatch,
                format!(
                    "this pack is of another batch than shipment {} carries (lot {}): put it aside and record it",
                    s.number,
                    lots.join(", ")
                ),
                format!(
                    "该包装批号与配送单 {} 不符（应为 {}），请单独放置并登记",
                    s.number,
                    lots.join("、")
                ),
            ));
        };
        let quantity = input.quantity.unwrap_or(named.units);
        let barcode = input.barcode.trim().chars().take(512).collect::<String>();
        let ran = self
            .run(
                Command {
                    operation: "receiveShipmentScan",
                    user_id: caller.user_id,
                    idempotency: Some(Idempotency {
                        key: &key,
                        request_hash,
                    }),
                },
                async |txn, now| {
                    // Counted only while the shipment is on its way; the
                    // guarded update decides, so a completion in between
                    // refuses the scan.
                    use shipment_line::Column as L;
                    let counted = shipment_line::Entity::update_many()
                        .col_expr(
                            L::ScannedQuantity,
                            Expr::col(L::ScannedQuantity).add(quantity),
                        )
                        .filter(L::Id.eq(line_id))
                        .filter(
                            L::ShipmentId.in_subquery(
                                sea_orm::sea_query::Query::select()
                                    .column(ship::Column::Id)
                                    .from(ship::Entity)
                                    .and_where(Expr::col(ship::Column::Id).eq(s.id))
                                    .and_where(Expr::col(ship::Column::Status).eq(S::Dispatched))
                                    .to_owned(),
                            ),
                        )
                        .exec(&**txn)
                        .await?;
                    if counted.rows_affected != 1 {
                        let now_status = ship::Entity::find_by_id(s.id)
                            .one(&**txn)
                            .await?
                            .map_or(s.status, |x| x.status);
                        return Err(Error::illegal_state(
                            StateReason::ShipmentTransition,
                            format!(
                                "shipment {} is {} and is not being received",
                                s.number,
                                shipment::status_code(now_status)
                            ),
                        ));
                    }
                    let scan_row = shipment_scan::Model {
                        id: Uuid::now_v7(),
                        shipment_id: s.id,
                        shipment_line_id: line_id,
                        quantity,
                        barcode: barcode.clone(),
                        trace_code: named.trace_code.clone(),
                        pack_serial: named.pack_serial.clone(),
                        user_id: caller.user_id,
                        scanned_at: now,
                    };
                    shipment_scan::Entity::insert(scan_row.clone().into_active_model())
                        .exec_without_returning(&**txn)
                        .await
                        .map_err(|e| {
                            if crate::error::is_unique_violation(&e) {
                                // Only a pack's own identity is unique: its
                                // traceability code, or its GTIN and serial.
                                let (en, zh) = match (&scan_row.trace_code, &scan_row.pack_serial) {
                                    (Some(tc), _) => {
                                        (format!("traceability code {tc}"), format!("追溯码 {tc}"))
                                    }
                                    (None, Some(ps)) => {
                                        let serial =
                                            ps.split_once('/').map_or(ps.as_str(), |(_, s)| s);
                                        (format!("serial {serial}"), format!("序列号 {serial}"))
                                    }
                                    (None, None) => ("code".to_string(), "条码".to_string()),
                                };
                                wrong(
                                    WrongPack::AlreadyScanned,
                                    format!(
                                        "this pack ({en}) was already counted on shipment {}",
                                        s.number
                                    ),
                                    format!("该包装（{zh}）已扫描计数"),
                                )
                            } else {
                                e.into()
                            }
                        })?;
                    // Where the receipt stands now, read in the same
                    // transaction: the shipment is still DISPATCHED (the
                    // guarded update said so), so it has no discrepancies.
                    let lines = shipment_line::Entity::find()
                        .filter(shipment_line::Column::ShipmentId.eq(s.id))
                        .order_by_asc(shipment_line::Column::LineNo)
                        .all(&**txn)
                        .await?;
                    let progress = ReceiptProgress {
                        view: ShipmentView {
                            shipment: ship::Model {
                                status: S::Dispatched,
                                ..s.clone()
                            },
                            lines,
                            discrepancies: Vec::new(),
                        },
                        line_id: Some(line_id),
                    };
                    Ok(Effect::Changed {
                        result_id: line_id,
                        audit: Audit {
                            institution_id: Some(s.to_institution_id),
                            entity_type: "shipment_scan",
                            entity_ids: vec![scan_row.id, s.id, line_id],
                            detail: Some(serde_json::json!({
                                "shipment": s.number,
                                "line": line_no,
                                "quantity": quantity,
                                "traceCode": scan_row.trace_code,
                                "packSerial": scan_row.pack_serial,
                            })),
                        },
                        value: progress,
                    })
                },
            )
            .await?;
        match ran {
            Ran::Done(progress) => Ok(progress),
            Ran::Replay(line_id) => self.receipt_progress(caller, s.id, Some(line_id)).await,
        }
    }

    pub async fn receipt_progress(
        &self,
        caller: &Caller,
        shipment_id: Uuid,
        line_id: Option<Uuid>,
    ) -> Result<ReceiptProgress> {
        let view = self.shipment(caller, shipment_id).await?;
        Ok(ReceiptProgress { view, line_id })
    }

    /// Ends the receipt: what arrived in good order is posted in at the
    /// destination; the rest is recorded as discrepancies for the centre.
    /// Per line, what was sent less SHORT, DAMAGED and WRONG_BATCH is what
    /// arrived, and it must have been scanned.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn complete_shipment_receipt(
        &self,
        caller: &Caller,
        shipment_id: Uuid,
        discrepancies: Vec<DiscrepancyInput>,
    ) -> Result<ShipmentView> {
        let conn = self.db.conn();
        let s = self
            .shipment_in_community(conn, caller, shipment_id)
            .await?;
        let dest = self
            .institution_in_community(caller, s.to_institution_id)
            .await?;
        authz::authorize(caller, Action::ReceiveShipment, Backend::scope(&dest))?;
        let mut notes = Vec::new();
        let mut errors = Vec::new();
        for (n, d) in discrepancies.iter().enumerate() {
            if d.quantity <= 0 || d.quantity > MAX_MOVEMENT_QUANTITY {
                errors.push(FieldError::new(
                    format!("discrepancies.{n}.quantity"),
                    "must be at least 1",
                    "数量至少为 1",
                ));
            }
            match optional_text(&format!("discrepancies.{n}.note"), d.note.as_deref(), 500) {
                Ok(t) => notes.push(t),
                Err(Error::Validation(mut e)) => {
                    errors.append(&mut e);
                    notes.push(None);
                }
                Err(e) => return Err(e),
            }
        }
        if !errors.is_empty() {
            return Err(Error::invalid(errors));
        }
        self.run(
            Command {
                operation: "completeShipmentReceipt",
                user_id: caller.user_id,
                idempotency: None,
            },
            async |txn, now| {
                let s = ship::Entity::find_by_id(s.id)
                    .lock_exclusive()
                    .one(&**txn)
                    .await?
                    .ok_or_else(|| Error::not_found("shipment", s.id))?;
                if s.status != S::Dispatched {
                    return Err(shipment::illegal_transition(&s, S::Received));
                }
                let view = shipment::views(&**txn, vec![s.clone()])
                    .await?
                    .pop()
                    .ok_or_else(|| Error::not_found("shipment", s.id))?;
                let mut missing: HashMap<Uuid, i64> = HashMap::new();
                let mut errors = Vec::new();
                for (n, d) in discrepancies.iter().enumerate() {
                    if !view.lines.iter().any(|l| l.id == d.line_id) {
                        errors.push(FieldError::new(
                            format!("discrepancies.{n}.lineId"),
                            "not a line of this shipment",
                            "不是本配送单的明细",
                        ));
                    }
                    if d.kind != DiscrepancyKind::Over {
                        *missing.entry(d.line_id).or_insert(0) += d.quantity;
                    }
                }
                let mut arrived: Vec<(shipment_line::Model, i64)> = Vec::new();
                for l in &view.lines {
                    let gone = missing.get(&l.id).copied().unwrap_or(0);
                    let good = l.quantity - gone;
                    if good < 0 {
                        errors.push(FieldError::new(
                            "discrepancies",
                            format!(
                                "line {}: {gone} reported missing or damaged, but only {} were sent",
                                l.line_no, l.quantity
                            ),
                            format!("第 {} 行：登记差异 {gone}，超过发货数量 {}", l.line_no, l.quantity),
                        ));
                    } else if l.scanned_quantity < good {
                        errors.push(FieldError::new(
                            "discrepancies",
                            format!(
                                "line {}: {} of {} scanned; scan the rest, or record the {} not here as SHORT, DAMAGED or WRONG_BATCH",
                                l.line_no,
                                l.scanned_quantity,
                                l.quantity - gone,
                                good - l.scanned_quantity
                            ),
                            format!(
                                "第 {} 行：已扫描 {}，应收 {}；请继续扫描，或将未到的 {} 登记为短少、破损或错批",
                                l.line_no,
                                l.scanned_quantity,
                                good,
                                good - l.scanned_quantity
                            ),
                        ));
                    } else {
                        arrived.push((l.clone(), good));
                    }
                }
                if !errors.is_empty() {
                    return Err(Error::invalid(errors));
                }
                let movement_kind = match s.kind {
                    ShipmentKind::Delivery => MovementKind::ShipmentIn,
                    ShipmentKind::Return => MovementKind::Return,
                };
                let postings: Vec<Posting> = arrived
                    .iter()
                    .filter(|(_, q)| *q > 0)
                    .map(|(l, q)| Posting {
                        institution_id: s.to_institution_id,
                        batch_id: l.batch_id,
                        quantity: *q,
                        kind: movement_kind,
                        document: Some(document(&s, Some(l.id))),
                        reason: None,
                        unit_cost_fen: None,
                        occurred_at: None,
                    })
                    .collect();
                let actor = Actor {
                    user_id: caller.user_id,
                    now,
                };
                let movements = ledger::post_many(txn, actor, postings).await?;
                for (l, q) in &arrived {
                    if *q > 0 {
                        shipment_line::Entity::update_many()
                            .col_expr(shipment_line::Column::ReceivedQuantity, Expr::value(*q))
                            .filter(shipment_line::Column::Id.eq(l.id))
                            .exec(&**txn)
                            .await?;
                    }
                }
                // A return is credited to the member for what the centre
                // has back.
                if s.kind == ShipmentKind::Return {
                    let charges: Vec<Charge> = movements
                        .iter()
                        .map(|m| Charge {
                            member_id: s.from_institution_id,
                            batch_id: m.batch_id,
                            item_id: m.item_id,
                            quantity: -m.quantity,
                            document: document(&s, m.document_line_id),
                            movement_id: Some(m.id),
                            occurred_at: now,
                        })
                        .collect();
                    member_account::charge(txn, caller.community_id, now, &charges).await?;
                }
                let rows: Vec<shipment_discrepancy::Model> = discrepancies
                    .iter()
                    .zip(notes.iter())
                    .map(|(d, note)| shipment_discrepancy::Model {
                        id: Uuid::now_v7(),
                        shipment_id: s.id,
                        shipment_line_id: d.line_id,
                        kind: d.kind,
                        quantity: d.quantity,
                        note: note.clone(),
                        resolution: None,
                        resolution_reason: None,
                        resent_shipment_id: None,
                        resolved_by: None,
                        resolved_at: None,
                        created_by: caller.user_id,
                        created_at: now,
                    })
                    .collect();
                if !rows.is_empty() {
                    shipment_discrepancy::Entity::insert_many(
                        rows.iter().cloned().map(IntoActiveModel::into_active_model),
                    )
                    .exec_without_returning(&**txn)
                    .await?;
                }
                set_status_all(txn, std::slice::from_ref(&s), S::Dispatched, S::Received, now, |u| {
                    u.col_expr(ship::Column::ReceivedAt, Expr::value(now))
                        .col_expr(ship::Column::ReceivedBy, Expr::value(caller.user_id))
                })
                .await?;
                if rows.is_empty() {
                    let received = ship::Model {
                        status: S::Received,
                        ..s.clone()
                    };
                    set_status_all(txn, &[received], S::Received, S::Closed, now, |u| u).await?;
                }
                if let Some(r) = s.requisition_id {
                    settle_requisitions(txn, &[r], now).await?;
                }
                if s.kind == ShipmentKind::Return && s.transfer_to_institution_id.is_some() {
                    super::returns::continue_transfer(txn, caller, now, &s, &movements).await?;
                }
                let out = shipment::views(
                    &**txn,
                    vec![
                        ship::Entity::find_by_id(s.id)
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
                        institution_id: Some(out.shipment.to_institution_id),
                        entity_type: "shipment",
                        entity_ids: vec![out.shipment.id],
                        detail: Some(serde_json::json!({
                            "number": out.shipment.number,
                            "status": shipment::status_code(out.shipment.status),
                            "posted": movements.len(),
                            "discrepancies": rows.iter().map(|d| serde_json::json!({
                                "line": d.shipment_line_id,
                                "kind": format!("{:?}", d.kind),
                                "quantity": d.quantity,
                            })).collect::<Vec<_>>(),
                        })),
                    },
                    value: out,
                })
            },
        )
        .await?
        .once()
    }
}
