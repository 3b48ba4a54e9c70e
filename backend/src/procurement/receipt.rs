//! Goods received at the centre against a purchase order, by scanning a
//! pack's GS1 code or by typing what a pack without one says.
//!
//! One command per scan, in one transaction: the order row is locked (so
//! receipts of one order are counted one after another, and its status is
//! recomputed from lines nobody else is changing), the batch is found or
//! created, the line's received quantity is raised by a guarded update
//! that refuses to pass the ordered quantity plus any allowed overage, the
//! traceability codes are recorded (their primary key refuses a code the
//! community already has), and the ledger posts SUPPLIER_RECEIPT at the
//! centre with the unit cost. A refused scan writes nothing.

use super::order::{illegal_transition, set_status};
use super::{ReceivingPolicy, optional_text};
use crate::Backend;
use crate::authz::{self, Action, Caller, Scope, Target};
use crate::clock::business_date;
use crate::command::{Audit, Command, Effect, Idempotency, Ran};
use crate::db::WriteTxn;
use crate::entity::enums::DocumentType;
use crate::entity::enums::{BatchStatus, MovementKind, PurchaseOrderStatus as S};
use crate::entity::{
    batch, goods_receipt, item, item_gtin, item_package_level, purchase_order, purchase_order_line,
    receipt_line, trace_code,
};
use crate::error::{Error, FieldError, Result};
use crate::idempotency::{self, ClientRequestId};
use crate::ledger::{self, Actor, DocumentRef, Posting};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, OnConflict, Order, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;
use yaolian_labels::document_number::kind;
use yaolian_labels::scan::{Scan, classify};
use yaolian_labels::trace_code::TraceCode;

/// The most traceability codes one receipt line may record.
pub const MAX_TRACE_CODES: usize = 1_000;

/// A scanned pack.
#[derive(Debug, Clone)]
pub struct ReceiveScan {
    pub order_id: Uuid,
    pub barcode: String,
    pub packs: i64,
    pub client_request_id: String,
    /// The packs' 20-digit traceability codes, scanned with them.
    pub trace_codes: Vec<String>,
    /// Arrival temperature of a cold-chain item, in tenths of a degree.
    pub temperature_decicelsius: Option<i32>,
    /// A buyer's reason for accepting goods below the minimum shelf life.
    pub short_dated_reason: Option<String>,
}

/// A pack without a GS1 code, typed from its box.
#[derive(Debug, Clone)]
pub struct ReceiveLine {
    pub order_id: Uuid,
    pub item_id: Uuid,
    pub package_level: i32,
    pub lot_number: String,
    pub expiry_date: NaiveDate,
    pub production_date: Option<NaiveDate>,
    pub packs: i64,
    pub client_request_id: String,
    pub trace_codes: Vec<String>,
    pub temperature_decicelsius: Option<i32>,
    pub short_dated_reason: Option<String>,
}

/// What one receipt did.
#[derive(Debug, Clone)]
pub struct ReceiptLineView {
    pub line: receipt_line::Model,
    pub batch: batch::Model,
    pub order_line: purchase_order_line::Model,
    pub order: purchase_order::Model,
    pub receipt_number: String,
    pub trace_codes: Vec<String>,
}

/// How a receipt names the pack: by the GTIN printed on it (which names
/// the item and the package level), or by item and level typed by hand.
enum PackRef {
    Gtin(String),
    Level { item_id: Uuid, level: i32 },
}

/// What every receipt needs, however it was read.
struct Draft {
    order_id: Uuid,
    pack: PackRef,
    lot_number: String,
    expiry_date: NaiveDate,
    production_date: Option<NaiveDate>,
    packs: i64,
    trace_codes: Vec<String>,
    temperature_decicelsius: Option<i32>,
    short_dated_reason: Option<String>,
}

fn check_packs(packs: i64) -> Result<()> {
    if !(1..=super::MAX_PACKS).contains(&packs) {
        return Err(Error::validation(
            "packs",
            format!("must be 1 to {}", super::MAX_PACKS),
            "件数须为正整数",
        ));
    }
    Ok(())
}

fn check_trace_codes(raw: &[String]) -> Result<Vec<String>> {
    if raw.len() > MAX_TRACE_CODES {
        return Err(Error::validation(
            "traceCodes",
            format!("at most {MAX_TRACE_CODES} per scan"),
            format!("每次最多 {MAX_TRACE_CODES} 个追溯码"),
        ));
    }
    let mut codes = Vec::with_capacity(raw.len());
    for (i, r) in raw.iter().enumerate() {
        let code = TraceCode::parse(r).map_err(|e| {
            Error::validation(
                format!("traceCodes[{i}]"),
                e.to_string(),
                "追溯码应为 20 位数字",
            )
        })?;
        let s = code.as_str().to_string();
        if codes.contains(&s) {
            return Err(Error::validation(
                format!("traceCodes[{i}]"),
                format!("{s} is listed twice"),
                format!("追溯码 {s} 重复"),
            ));
        }
        codes.push(s);
    }
    Ok(codes)
}

fn check_lot(raw: &str) -> Result<String> {
    let lot = raw.trim();
    if lot.is_empty() || lot.chars().count() > 20 || lot.chars().any(|c| c.is_control()) {
        return Err(Error::validation(
            "lotNumber",
            "a lot number has 1 to 20 printable characters",
            "批号应为 1–20 个字符",
        ));
    }
    Ok(lot.to_string())
}

impl Backend {
    /// Receives packs by their GS1 code: GTIN (and so the item and package
    /// level), lot, expiry and production date come from the scan.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn receive_purchase_order_scan(
        &self,
        caller: &Caller,
        input: ReceiveScan,
    ) -> Result<ReceiptLineView> {
        let key = ClientRequestId::parse(&input.client_request_id)?;
        check_packs(input.packs)?;
        let today = business_date(self.clock.now());
        let scan = classify(&input.barcode, today).map_err(|e| Error::InvalidBarcode {
            reason: e.code(),
            message: e.to_string(),
        })?;
        let not_a_pack = |what: &str, zh: &str| {
            Error::validation(
                "barcode",
                format!(
                    "{what}: scan the pack's GS1 code (GTIN, lot and expiry), or type it in with receivePurchaseOrderLine"
                ),
                format!("{zh}：请扫描包装上的 GS1 条码（含批号和有效期），或手工录入"),
            )
        };
        let es = match &scan {
            Scan::Gs1(es) => es,
            Scan::TraceCode(_) => {
                return Err(not_a_pack(
                    "a traceability code carries no lot or expiry; give it in traceCodes with the pack's GS1 code",
                    "追溯码不含批号和有效期",
                ));
            }
            Scan::Ean13(_) | Scan::Ean8(_) | Scan::UpcA(_) | Scan::Gtin14(_) => {
                return Err(not_a_pack(
                    "a retail barcode names the product but not its lot or expiry",
                    "商品条码不含批号和有效期",
                ));
            }
            Scan::Shipment(_) | Scan::Document(_) | Scan::Location(_) => {
                return Err(not_a_pack(
                    "that is a document or location label",
                    "这是单据或货位标签",
                ));
            }
        };
        let Some(gtin) = es.gtin() else {
            return Err(not_a_pack(
                "this code names the contents of a logistic unit (02), not a pack",
                "此条码为物流单元内容（02）",
            ));
        };
        let (Some(lot), Some(expiry)) = (es.lot(), es.expiry()) else {
            return Err(not_a_pack(
                "the code has no lot (10) or no expiry (17)",
                "条码缺少批号或有效期",
            ));
        };
        let request_hash = idempotency::fingerprint(&[
            "scan",
            &input.order_id.to_string(),
            input.barcode.trim(),
            &input.packs.to_string(),
            &input.trace_codes.join(","),
            &format!("{:?}", input.temperature_decicelsius),
            input.short_dated_reason.as_deref().unwrap_or(""),
        ]);
        let draft = Draft {
            order_id: input.order_id,
            pack: PackRef::Gtin(gtin.to_string()),
            lot_number: check_lot(lot)?,
            expiry_date: expiry,
            production_date: es.production_date(),
            packs: input.packs,
            trace_codes: check_trace_codes(&input.trace_codes)?,
            temperature_decicelsius: input.temperature_decicelsius,
            short_dated_reason: input.short_dated_reason,
        };
        self.receive(
            caller,
            draft,
            "receivePurchaseOrderScan",
            &key,
            request_hash,
        )
        .await
    }

    /// Receives packs without a GS1 code: what the box says, typed.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn receive_purchase_order_line(
        &self,
        caller: &Caller,
        input: ReceiveLine,
    ) -> Result<ReceiptLineView> {
        let key = ClientRequestId::parse(&input.client_request_id)?;
        check_packs(input.packs)?;
        let request_hash = idempotency::fingerprint(&[
            "line",
            &input.order_id.to_string(),
            &input.item_id.to_string(),
            &input.package_level.to_string(),
            input.lot_number.trim(),
            &input.expiry_date.to_string(),
            &format!("{:?}", input.production_date),
            &input.packs.to_string(),
            &input.trace_codes.join(","),
            &format!("{:?}", input.temperature_decicelsius),
            input.short_dated_reason.as_deref().unwrap_or(""),
        ]);
        let draft = Draft {
            order_id: input.order_id,
            pack: PackRef::Level {
                item_id: input.item_id,
                level: input.package_level,
            },
            lot_number: check_lot(&input.lot_number)?,
            expiry_date: input.expiry_date,
            production_date: input.production_date,
            packs: input.packs,
            trace_codes: check_trace_codes(&input.trace_codes)?,
            temperature_decicelsius: input.temperature_decicelsius,
            short_dated_reason: input.short_dated_reason,
        };
        self.receive(
            caller,
            draft,
            "receivePurchaseOrderLine",
            &key,
            request_hash,
        )
        .await
    }

    async fn receive(
        &self,
        caller: &Caller,
        d: Draft,
        operation: &'static str,
        key: &ClientRequestId,
        request_hash: String,
    ) -> Result<ReceiptLineView> {
        let conn = self.db.conn();
        let policy = self.settings.receiving;
        let today = business_date(self.clock.now());
        let short_reason = optional_text("shortDatedReason", d.short_dated_reason.as_deref(), 500)?;
        // A fast refusal for those who may not receive anywhere; the order
        // (read under its lock in the transaction) is checked there.
        authz::authorize(
            caller,
            Action::ReceiveGoods,
            Scope::Community(caller.community_id),
        )?;
        // Everything the checks need, in one read: the item (by its GTIN or
        // its id), the package level's units, the order's lines of the item,
        // the lot if it is known (its expiry never changes) and the order's
        // receipt document of the day (never deleted). What can change is
        // checked again in the transaction, under the order's lock.
        let Known {
            item,
            package_level,
            units_per_pack,
            lines,
            batch: known_batch,
            receipt: todays_receipt,
        } = known(conn, caller.community_id, &d, today).await?;
        let units_per_pack = units_per_pack.ok_or_else(|| {
            Error::validation(
                "packageLevel",
                format!("{} has no package level {package_level}", item.generic_name),
                format!("{} 没有第 {package_level} 级包装", item.generic_name),
            )
        })?;
        let quantity = d
            .packs
            .checked_mul(units_per_pack)
            .filter(|q| *q <= ledger::MAX_MOVEMENT_QUANTITY)
            .ok_or_else(|| {
                Error::validation("packs", "too many units in one receipt", "单次收货数量过大")
            })?;

        // The line of the order this item is received on: the first whose
        // quantity is still open (an item is on an order once per level).
        let order_line = lines
            .iter()
            .find(|l| l.received_quantity < l.ordered_packs * l.units_per_pack)
            .or(lines.first())
            .map(|l| l.id);

        // The item's own rules where it has them, else the community's.
        let own_minimum = item.min_receipt_shelf_life_days.is_some();
        let min_shelf_life_days = item
            .min_receipt_shelf_life_days
            .map_or(policy.min_shelf_life_days, i64::from);
        let (cold_min, cold_max) = cold_chain_range(&item, &policy);
        let mut errors = Vec::new();
        if d.expiry_date < today {
            errors.push(FieldError::new(
                "expiryDate",
                format!("lot {} expired on {}", d.lot_number, d.expiry_date),
                format!(
                    "批号 {} 已于 {} 过期，不能收货",
                    d.lot_number, d.expiry_date
                ),
            ));
        } else {
            let left = (d.expiry_date - today).num_days();
            if left < min_shelf_life_days {
                // Named on the reason it lacks, so that a screen can tell
                // "ask a buyer" from "expired" without reading the message.
                match &short_reason {
                    None => errors.push(FieldError::new(
                        "shortDatedReason",
                        format!(
                            "lot {} expires on {} ({left} days from today), below the minimum shelf life of {min_shelf_life_days} days{}; a buyer may accept it with a reason",
                            d.lot_number,
                            d.expiry_date,
                            if own_minimum { " set for this item" } else { "" }
                        ),
                        format!(
                            "批号 {} 有效期至 {}，剩余 {left} 天，低于{}最短效期 {min_shelf_life_days} 天；须采购员填写原因后收货",
                            d.lot_number,
                            d.expiry_date,
                            if own_minimum { "该品种设定的" } else { "" }
                        ),
                    )),
                    Some(_) => authz::authorize(
                        caller,
                        Action::AcceptShortDated,
                        Scope::Community(caller.community_id),
                    )?,
                }
            }
        }
        let quarantined = if item.cold_chain {
            match d.temperature_decicelsius {
                None => {
                    errors.push(FieldError::new(
                        "temperatureCelsius",
                        format!(
                            "{} is a cold-chain item: record the temperature on arrival",
                            item.generic_name
                        ),
                        format!("{} 为冷链品种，须登记到货温度", item.generic_name),
                    ));
                    false
                }
                Some(t) if !(-500..=600).contains(&t) => {
                    errors.push(FieldError::new(
                        "temperatureCelsius",
                        "must be a temperature in °C between -50 and 60",
                        "温度应在 -50 至 60 °C 之间",
                    ));
                    false
                }
                Some(t) => !(cold_min..=cold_max).contains(&t),
            }
        } else {
            false
        };
        if !d.trace_codes.is_empty() {
            let prefixes: Vec<String> = d.trace_codes.iter().map(|c| c[..7].to_string()).collect();
            let owners = item_package_level::Entity::find()
                .filter(item_package_level::Column::CommunityId.eq(caller.community_id))
                .filter(item_package_level::Column::TraceCodePrefix.is_in(prefixes))
                .all(conn)
                .await?;
            for (i, code) in d.trace_codes.iter().enumerate() {
                if let Some(other) = owners.iter().find(|o| {
                    o.trace_code_prefix.as_deref() == Some(&code[..7]) && o.item_id != item.id
                }) {
                    let _ = other;
                    errors.push(FieldError::new(
                        format!("traceCodes[{i}]"),
                        format!(
                            "{code} belongs to another item of the catalogue, not {}",
                            item.generic_name
                        ),
                        format!("追溯码 {code} 属于目录中的其他品种"),
                    ));
                }
            }
        }
        if !errors.is_empty() {
            return Err(Error::invalid(errors));
        }
        // A known lot and the day's receipt were read before the write
        // transaction so that SQLite's one writer is held for the writes; a
        // first scan of either makes it inside.
        if let Some(b) = &known_batch {
            check_expiry(b, &item, &d)?;
        }

        let ran = self
            .run(
                Command {
                    operation,
                    user_id: caller.user_id,
                    idempotency: Some(Idempotency { key, request_hash }),
                },
                async |txn, now| {
                    let view = apply(
                        txn,
                        caller,
                        now,
                        Applied {
                            order_id: d.order_id,
                            item: &item,
                            package_level,
                            order_line_id: order_line,
                            d: &d,
                            quantity,
                            quarantined,
                            short_reason: short_reason.clone(),
                            known_batch: known_batch.clone(),
                            todays_receipt: todays_receipt.clone(),
                        },
                    )
                    .await?;
                    Ok(Effect::Changed {
                        result_id: view.line.id,
                        audit: Audit {
                            institution_id: Some(view.order.institution_id),
                            entity_type: "receipt_line",
                            entity_ids: vec![view.line.id, view.order.id, view.batch.id],
                            detail: Some(serde_json::json!({
                                "order": view.order.number,
                                "receipt": view.receipt_number,
                                "lot": view.batch.lot_number,
                                "packs": view.line.packs,
                                "quantity": view.line.quantity,
                                "unitCostFen": view.line.unit_cost_fen,
                                "quarantined": view.line.quarantined,
                                "shortDatedReason": view.line.short_dated_reason,
                                "temperatureDecicelsius": view.line.temperature_decicelsius,
                                // The rules applied: the item's or the community's.
                                "minShelfLifeDays": min_shelf_life_days,
                                "coldChainRangeDecicelsius": item.cold_chain.then_some([cold_min, cold_max]),
                                "traceCodes": view.trace_codes.len(),
                            })),
                        },
                        value: view,
                    })
                },
            )
            .await?;
        match ran {
            Ran::Done(v) => Ok(v),
            Ran::Replay(id) => self.receipt_line(caller, id).await,
        }
    }

    /// One receipt line as it stands.
    pub async fn receipt_line(&self, caller: &Caller, id: Uuid) -> Result<ReceiptLineView> {
        authz::authorize(
            caller,
            Action::ReadProcurement,
            Scope::Community(caller.community_id),
        )?;
        let conn = self.db.conn();
        let line = receipt_line::Entity::find_by_id(id)
            .one(conn)
            .await?
            .ok_or_else(|| Error::not_found("receipt line", id))?;
        let order = self.order_in_community(conn, caller, line.order_id).await?;
        let batch = batch::Entity::find_by_id(line.batch_id)
            .one(conn)
            .await?
            .ok_or_else(|| Error::not_found("batch", line.batch_id))?;
        let order_line = purchase_order_line::Entity::find_by_id(line.order_line_id)
            .one(conn)
            .await?
            .ok_or_else(|| Error::not_found("purchase order line", line.order_line_id))?;
        let receipt = goods_receipt::Entity::find_by_id(line.receipt_id)
            .one(conn)
            .await?
            .ok_or_else(|| Error::not_found("goods receipt", line.receipt_id))?;
        let trace_codes = trace_code::Entity::find()
            .select_only()
            .column(trace_code::Column::Code)
            .filter(trace_code::Column::ReceiptLineId.eq(line.id))
            .order_by_asc(trace_code::Column::Code)
            .into_tuple()
            .all(conn)
            .await?;
        Ok(ReceiptLineView {
            line,
            batch,
            order_line,
            order,
            receipt_number: receipt.number,
            trace_codes,
        })
    }

    /// What was received on an order, in the order it was received, each
    /// with its batch, its receipt document and its traceability codes.
    pub async fn receipt_lines(
        &self,
        caller: &Caller,
        order_id: Uuid,
    ) -> Result<Vec<ReceiptLineView>> {
        use std::collections::HashMap;
        authz::authorize(
            caller,
            Action::ReadProcurement,
            Scope::Community(caller.community_id),
        )?;
        let conn = self.db.conn();
        let order = self.order_in_community(conn, caller, order_id).await?;
        let lines = receipt_line::Entity::find()
            .filter(receipt_line::Column::OrderId.eq(order.id))
            .order_by_asc(receipt_line::Column::Id)
            .all(conn)
            .await?;
        let batch_ids: Vec<Uuid> = lines.iter().map(|l| l.batch_id).collect();
        let line_ids: Vec<Uuid> = lines.iter().map(|l| l.id).collect();
        let (batches, order_lines, receipts, codes) = tokio::try_join!(
            batch::Entity::find()
                .filter(batch::Column::Id.is_in(batch_ids))
                .all(conn),
            purchase_order_line::Entity::find()
                .filter(purchase_order_line::Column::OrderId.eq(order.id))
                .all(conn),
            goods_receipt::Entity::find()
                .filter(goods_receipt::Column::OrderId.eq(order.id))
                .all(conn),
            trace_code::Entity::find()
                .filter(trace_code::Column::ReceiptLineId.is_in(line_ids))
                .order_by_asc(trace_code::Column::Code)
                .all(conn),
        )?;
        let batches: HashMap<Uuid, batch::Model> = batches.into_iter().map(|b| (b.id, b)).collect();
        let order_lines: HashMap<Uuid, purchase_order_line::Model> =
            order_lines.into_iter().map(|l| (l.id, l)).collect();
        let receipts: HashMap<Uuid, String> =
            receipts.into_iter().map(|r| (r.id, r.number)).collect();
        let mut codes_of: HashMap<Uuid, Vec<String>> = HashMap::new();
        for c in codes {
            codes_of.entry(c.receipt_line_id).or_default().push(c.code);
        }
        lines
            .into_iter()
            .map(|line| {
                Ok(ReceiptLineView {
                    batch: batches
                        .get(&line.batch_id)
                        .cloned()
                        .ok_or_else(|| Error::not_found("batch", line.batch_id))?,
                    order_line: order_lines
                        .get(&line.order_line_id)
                        .cloned()
                        .ok_or_else(|| {
                            Error::not_found("purchase order line", line.order_line_id)
                        })?,
                    order: order.clone(),
                    receipt_number: receipts.get(&line.receipt_id).cloned().unwrap_or_default(),
                    trace_codes: codes_of.remove(&line.id).unwrap_or_default(),
                    line,
                })
            })
            .collect()
    }
}

struct Applied<'a> {
    order_id: Uuid,
    item: &'a item::Model,
    package_level: i32,
    /// The order line it is received on; none when the item is not on it.
    order_line_id: Option<Uuid>,
    d: &'a Draft,
    quantity: i64,
    quarantined: bool,
    short_reason: Option<String>,
    known_batch: Option<batch::Model>,
    todays_receipt: Option<goods_receipt::Model>,
}

/// The range a cold-chain item must arrive in, inclusive, in tenths of a
/// degree: its own storage range when it has one (both limits are set
/// together), else the community's cold chain.
fn cold_chain_range(item: &item::Model, policy: &ReceivingPolicy) -> (i32, i32) {
    match (item.storage_min_decicelsius, item.storage_max_decicelsius) {
        (Some(lo), Some(hi)) => (lo, hi),
        _ => (
            policy.cold_chain_min_decicelsius,
            policy.cold_chain_max_decicelsius,
        ),
    }
}

/// Per base unit, rounded half up, from the price of a pack of `units`.
fn unit_cost(pack_price_fen: i64, units: i64) -> i64 {
    if units <= 0 {
        return pack_price_fen;
    }
    (pack_price_fen * 2 + units) / (units * 2)
}

async fn apply(
    txn: &WriteTxn,
    caller: &Caller,
    now: DateTime<Utc>,
    a: Applied<'_>,
) -> Result<ReceiptLineView> {
    let d = a.d;
    let today = business_date(now);
    // The order, locked: receipts of one order are counted one at a time,
    // and its status is decided from lines no one else is changing.
    let order = purchase_order::Entity::find_by_id(a.order_id)
        .lock_exclusive()
        .one(&**txn)
        .await?
        .filter(|o| o.community_id == caller.community_id)
        .ok_or_else(|| Error::not_found("purchase order", a.order_id))?;
    // Received where the order is delivered: the centre.
    authz::authorize(
        caller,
        Action::ReceiveGoods,
        Scope::Institution(Target {
            institution_id: order.institution_id,
            community_id: order.community_id,
        }),
    )?;
    let Some(order_line_id) = a.order_line_id else {
        return Err(Error::validation(
            "barcode",
            format!(
                "{} ({}) is not on order {}",
                a.item.generic_name, a.item.code, order.number
            ),
            format!("{} 不在订单 {} 中", a.item.generic_name, order.number),
        ));
    };
    // A received order still takes an allowed overage; past that, the
    // guarded raise below says what is open (VALIDATION), which is what a
    // scanner racing another for the last packs should hear.
    if !matches!(
        order.status,
        S::Submitted | S::PartiallyReceived | S::Received
    ) {
        return Err(illegal_transition(&order, S::Received));
    }

    // The ledger reads the batch again, locked, and refuses it if it was
    // blocked in the meantime.
    let batch = match a.known_batch {
        Some(b) => b,
        None => find_or_create_batch(txn, a.item, d, now).await?,
    };

    // The guarded raise: what decides between two scans racing for the
    // last open packs.
    use purchase_order_line::Column as L;
    let limit = Expr::col(L::OrderedPacks)
        .add(Expr::col(L::OverPacks))
        .mul(Expr::col(L::UnitsPerPack));
    let order_line = purchase_order_line::Entity::update_many()
        .col_expr(
            L::ReceivedQuantity,
            Expr::col(L::ReceivedQuantity).add(a.quantity),
        )
        .filter(L::Id.eq(order_line_id))
        .filter(Expr::col(L::ReceivedQuantity).add(a.quantity).lte(limit))
        .exec_with_returning(&**txn)
        .await?
        .pop();
    let Some(order_line) = order_line else {
        let line = purchase_order_line::Entity::find_by_id(order_line_id)
            .one(&**txn)
            .await?
            .ok_or_else(|| Error::not_found("purchase order line", order_line_id))?;
        let open =
            (line.ordered_packs + line.over_packs) * line.units_per_pack - line.received_quantity;
        return Err(Error::validation(
            "packs",
            format!(
                "only {open} {} of {} remain open on order {} (ordered {} packs, received {}); a buyer can allow an overage on the line",
                a.item.base_unit,
                a.item.generic_name,
                order.number,
                line.ordered_packs,
                line.received_quantity
            ),
            format!(
                "订单 {} 中 {} 只剩 {open}{} 未收，超出订购数量；如需超收请采购员设置允许超收",
                order.number, a.item.generic_name, a.item.base_unit
            ),
        ));
    };

    let receipt = match a.todays_receipt {
        Some(r) if r.business_date == today && r.order_id == order.id => r,
        _ => receipt_for_day(txn, caller, &order, today, now).await?,
    };
    let unit_cost_fen = unit_cost(order_line.unit_price_fen, order_line.units_per_pack);
    let line = receipt_line::Model {
        id: Uuid::now_v7(),
        receipt_id: receipt.id,
        order_id: order.id,
        order_line_id: order_line.id,
        batch_id: batch.id,
        item_id: a.item.id,
        package_level: a.package_level,
        packs: d.packs,
        quantity: a.quantity,
        pack_price_fen: order_line.unit_price_fen,
        unit_cost_fen,
        temperature_decicelsius: d.temperature_decicelsius,
        quarantined: a.quarantined,
        short_dated_reason: a.short_reason.clone(),
        received_by: caller.user_id,
        received_at: now,
    };
    receipt_line::Entity::insert(line.clone().into_active_model())
        .exec_without_returning(&**txn)
        .await?;

    if !d.trace_codes.is_empty() {
        record_trace_codes(txn, caller.community_id, &line, &d.trace_codes, now).await?;
    }

    ledger::post(
        txn,
        Actor {
            user_id: caller.user_id,
            now,
        },
        Posting {
            institution_id: order.institution_id,
            batch_id: batch.id,
            quantity: a.quantity,
            kind: MovementKind::SupplierReceipt,
            document: Some(DocumentRef {
                doc_type: DocumentType::GoodsReceipt,
                id: receipt.id,
                line_id: Some(line.id),
                number: Some(receipt.number.clone()),
            }),
            reason: a.short_reason.clone(),
            unit_cost_fen: Some(unit_cost_fen),
            occurred_at: None,
        },
    )
    .await?;

    // Out of the cold chain's range: received, but held until a
    // pharmacist has judged it. The posting came first because the ledger
    // refuses receipts into a blocked batch.
    let batch = if a.quarantined && batch.status == BatchStatus::Available {
        let mut b: batch::ActiveModel = batch.into();
        b.status = Set(BatchStatus::Quarantined);
        b.update(&**txn).await?
    } else {
        batch
    };

    let order = update_order_status(txn, &order, &order_line, now).await?;
    Ok(ReceiptLineView {
        line,
        batch,
        order_line,
        order,
        receipt_number: receipt.number,
        trace_codes: d.trace_codes.clone(),
    })
}

/// The batch of (item, lot); created on its first receipt. A known lot
/// must carry the expiry it was first received with: two expiries for one
/// lot means a misprint or a counterfeit, and either is for a person to
/// sort out.
async fn find_or_create_batch(
    txn: &WriteTxn,
    item: &item::Model,
    d: &Draft,
    now: DateTime<Utc>,
) -> Result<batch::Model> {
    let find = || {
        batch::Entity::find()
            .filter(batch::Column::ItemId.eq(item.id))
            .filter(batch::Column::LotNumber.eq(d.lot_number.clone()))
    };
    let batch = match find().one(&**txn).await? {
        Some(b) => b,
        None => {
            batch::Entity::insert(batch::ActiveModel {
                id: Set(Uuid::now_v7()),
                item_id: Set(item.id),
                lot_number: Set(d.lot_number.clone()),
                expiry_date: Set(d.expiry_date),
                production_date: Set(d.production_date),
                status: Set(BatchStatus::Available),
                created_at: Set(now),
            })
            .on_conflict(
                OnConflict::columns([batch::Column::ItemId, batch::Column::LotNumber])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&**txn)
            .await?;
            find()
                .one(&**txn)
                .await?
                .ok_or_else(|| Error::internal("batch vanished after insert"))?
        }
    };
    check_expiry(&batch, item, d)?;
    Ok(batch)
}

/// A known lot must carry the expiry it was first received with.
fn check_expiry(batch: &batch::Model, item: &item::Model, d: &Draft) -> Result<()> {
    if batch.expiry_date == d.expiry_date {
        return Ok(());
    }
    Err(Error::validation(
        "expiryDate",
        format!(
            "lot {} of {} is recorded with expiry {}, but this pack says {}; check the pack before receiving it",
            batch.lot_number, item.generic_name, batch.expiry_date, d.expiry_date
        ),
        format!(
            "{} 批号 {} 已登记有效期 {}，此包装为 {}，请核对",
            item.generic_name, batch.lot_number, batch.expiry_date, d.expiry_date
        ),
    ))
}

/// The order's receipt document for the business day, made on its first
/// scan of the day.
async fn receipt_for_day(
    txn: &WriteTxn,
    caller: &Caller,
    order: &purchase_order::Model,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<goods_receipt::Model> {
    let existing = goods_receipt::Entity::find()
        .filter(goods_receipt::Column::OrderId.eq(order.id))
        .filter(goods_receipt::Column::BusinessDate.eq(today))
        .one(&**txn)
        .await?;
    if let Some(r) = existing {
        return Ok(r);
    }
    // The order row is locked, so no other receipt of this order can be
    // making the day's document at the same time.
    let number = crate::numbering::next(txn, caller.community_id, kind::GOODS_RECEIPT, now).await?;
    Ok(goods_receipt::ActiveModel {
        id: Set(Uuid::now_v7()),
        community_id: Set(caller.community_id),
        number: Set(number),
        order_id: Set(order.id),
        business_date: Set(today),
        created_at: Set(now),
    }
    .insert(&**txn)
    .await?)
}

/// What a receipt's checks read before its transaction.
struct Known {
    item: item::Model,
    package_level: i32,
    /// `None` when the item has no such package level.
    units_per_pack: Option<i64>,
    /// The order's lines of the item, by line number.
    lines: Vec<purchase_order_line::Model>,
    batch: Option<batch::Model>,
    receipt: Option<goods_receipt::Model>,
}

/// One statement for what used to be five reads in three round trips: the
/// item joined to its GTIN (or taken by id), its package level, the order's
/// lines of it, the lot and the day's receipt, a row per order line.
async fn known(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
    d: &Draft,
    today: NaiveDate,
) -> Result<Known> {
    use crate::joined;
    let t = |name: &str| Alias::new(name);
    let mut q = Query::select();
    q.from_as(item::Entity, t("i"));
    let level = match &d.pack {
        PackRef::Gtin(gtin) => {
            q.join_as(
                JoinType::InnerJoin,
                item_gtin::Entity,
                t("g"),
                Expr::col((t("g"), item_gtin::Column::ItemId))
                    .equals((t("i"), item::Column::Id))
                    .and(Expr::col((t("g"), item_gtin::Column::CommunityId)).eq(community_id))
                    .and(Expr::col((t("g"), item_gtin::Column::Gtin)).eq(gtin.as_str())),
            );
            q.expr_as(
                Expr::col((t("g"), item_gtin::Column::Level)),
                t("pack_level"),
            );
            Expr::col((t("g"), item_gtin::Column::Level))
        }
        PackRef::Level { item_id, level } => {
            q.and_where(Expr::col((t("i"), item::Column::Id)).eq(*item_id));
            q.expr_as(Expr::val(*level), t("pack_level"));
            Expr::val(*level)
        }
    };
    q.and_where(Expr::col((t("i"), item::Column::CommunityId)).eq(community_id))
        .left_join(
            item_package_level::Entity,
            Expr::col((
                item_package_level::Entity,
                item_package_level::Column::ItemId,
            ))
            .equals((t("i"), item::Column::Id))
            .and(
                Expr::col((
                    item_package_level::Entity,
                    item_package_level::Column::Level,
                ))
                .eq(level),
            ),
        )
        .expr_as(
            Expr::col((
                item_package_level::Entity,
                item_package_level::Column::UnitsPerPack,
            )),
            t("units_per_pack"),
        )
        .join_as(
            JoinType::LeftJoin,
            purchase_order_line::Entity,
            t("ol"),
            Expr::col((t("ol"), purchase_order_line::Column::ItemId))
                .equals((t("i"), item::Column::Id))
                .and(Expr::col((t("ol"), purchase_order_line::Column::OrderId)).eq(d.order_id)),
        )
        .join_as(
            JoinType::LeftJoin,
            batch::Entity,
            t("b"),
            Expr::col((t("b"), batch::Column::ItemId))
                .equals((t("i"), item::Column::Id))
                .and(Expr::col((t("b"), batch::Column::LotNumber)).eq(d.lot_number.as_str())),
        )
        .join_as(
            JoinType::LeftJoin,
            goods_receipt::Entity,
            t("r"),
            Expr::col((t("r"), goods_receipt::Column::OrderId))
                .eq(d.order_id)
                .and(Expr::col((t("r"), goods_receipt::Column::BusinessDate)).eq(today)),
        )
        .order_by((t("ol"), purchase_order_line::Column::LineNo), Order::Asc);
    joined::select::<item::Entity>(&mut q, "i");
    joined::select::<purchase_order_line::Entity>(&mut q, "ol");
    joined::select::<batch::Entity>(&mut q, "b");
    joined::select::<goods_receipt::Entity>(&mut q, "r");
    let rows = conn.query_all(&q).await?;
    let Some(first) = rows.first() else {
        return Err(match &d.pack {
            PackRef::Gtin(gtin) => Error::validation(
                "barcode",
                format!("GTIN {gtin} is not in the catalogue; link it to an item first"),
                format!("商品码 {gtin} 未在目录中登记"),
            ),
            PackRef::Level { item_id, .. } => Error::not_found("item", *item_id),
        });
    };
    let item = joined::model::<item::Entity>(first, "i")?
        .ok_or_else(|| Error::internal("the joined item row has no item"))?;
    let mut lines = Vec::with_capacity(rows.len());
    for row in &rows {
        if let Some(line) = joined::model::<purchase_order_line::Entity>(row, "ol")? {
            lines.push(line);
        }
    }
    Ok(Known {
        package_level: first.try_get("", "pack_level")?,
        units_per_pack: first.try_get("", "units_per_pack")?,
        batch: joined::model::<batch::Entity>(first, "b")?,
        receipt: joined::model::<goods_receipt::Entity>(first, "r")?,
        item,
        lines,
    })
}

async fn record_trace_codes(
    txn: &WriteTxn,
    community_id: Uuid,
    line: &receipt_line::Model,
    codes: &[String],
    now: DateTime<Utc>,
) -> Result<()> {
    let known: Vec<String> = trace_code::Entity::find()
        .select_only()
        .column(trace_code::Column::Code)
        .filter(trace_code::Column::CommunityId.eq(community_id))
        .filter(trace_code::Column::Code.is_in(codes.to_vec()))
        .into_tuple()
        .all(&**txn)
        .await?;
    if let Some(first) = codes.iter().find(|c| known.contains(c)) {
        return Err(Error::DuplicateTraceCode(first.clone()));
    }
    for chunk in codes.chunks(500) {
        trace_code::Entity::insert_many(chunk.iter().map(|c| trace_code::ActiveModel {
            community_id: Set(community_id),
            code: Set(c.clone()),
            item_id: Set(line.item_id),
            batch_id: Set(line.batch_id),
            receipt_line_id: Set(line.id),
            received_at: Set(now),
        }))
        .exec_without_returning(&**txn)
        .await
        .map_err(|e| {
            // A concurrent receipt recorded one of them first.
            if crate::error::is_unique_violation(&e) {
                Error::DuplicateTraceCode(chunk.first().cloned().unwrap_or_default())
            } else {
                e.into()
            }
        })?;
    }
    Ok(())
}

/// SUBMITTED or PARTIALLY_RECEIVED becomes RECEIVED when every line has
/// its ordered quantity, PARTIALLY_RECEIVED otherwise. Most scans change
/// nothing (a partly received order whose scanned line is still open), and
/// those read nothing more.
async fn update_order_status(
    txn: &WriteTxn,
    order: &purchase_order::Model,
    line: &purchase_order_line::Model,
    now: DateTime<Utc>,
) -> Result<purchase_order::Model> {
    let line_complete = line.received_quantity >= line.ordered_packs * line.units_per_pack;
    if order.status == S::PartiallyReceived && !line_complete {
        return Ok(order.clone());
    }
    let complete = line_complete && {
        use purchase_order_line::Column as L;
        let open = purchase_order_line::Entity::find()
            .filter(L::OrderId.eq(order.id))
            .filter(
                Expr::col(L::ReceivedQuantity)
                    .lt(Expr::col(L::OrderedPacks).mul(Expr::col(L::UnitsPerPack))),
            )
            .count(&**txn)
            .await?;
        open == 0
    };
    let to = if complete {
        S::Received
    } else {
        S::PartiallyReceived
    };
    if to == order.status {
        return Ok(order.clone());
    }
    set_status(txn, order, to, now, |u| u).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_cost_rounds_half_up() {
        assert_eq!(unit_cost(1234, 24), 51); // 51.42
        assert_eq!(unit_cost(1236, 24), 52); // 51.5
        assert_eq!(unit_cost(100, 1), 100);
        assert_eq!(unit_cost(1, 3), 0);
    }

    #[test]
    fn trace_codes_are_checked_and_unique() {
        let ok = "81234560000000000017".to_string();
        assert_eq!(
            check_trace_codes(std::slice::from_ref(&ok)).unwrap(),
            vec![ok.clone()]
        );
        assert!(check_trace_codes(&[ok.clone(), ok.clone()]).is_err());
        assert!(check_trace_codes(&["1234".to_string()]).is_err());
    }
}
