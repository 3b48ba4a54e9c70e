//! Purchase orders. One table of allowed moves ([`transition_allowed`]);
//! every status change is a guarded `UPDATE … WHERE status = <from>`, so two
//! racing changes give one success and one `CONFLICT` or `ILLEGAL_STATE`.
//!
//! A line's price is checked against the agreement in force for (supplier,
//! item, level) when the order is made and again when it is submitted (an
//! agreement may have ended in between); a price above it is refused. A line
//! without an agreement may carry any price, and says so.

use super::agreement::in_force;
use super::supplier::ensure_may_order_from;
use super::{MAX_PACKS, MAX_PRICE_FEN, optional_text, required_text, yuan};
use crate::Backend;
use crate::authz::{self, Action, Caller, Scope};
use crate::catalogue::ensure_orderable;
use crate::clock::business_date;
use crate::command::{Audit, Command, Effect};
use crate::db::WriteTxn;
use crate::entity::enums::PurchaseOrderStatus as S;
use crate::entity::{item, item_package_level, purchase_order, purchase_order_line, supplier};
use crate::error::{Error, FieldError, Result, StateReason};
use crate::page::{self, Page, PageRequest};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::collections::HashMap;
use uuid::Uuid;
use yaolian_labels::document_number::kind;

/// The most lines one order may have.
pub const MAX_LINES: usize = 500;

/// May an order move from `from` to `to`?
///
/// | from               | to                                          |
/// |--------------------|---------------------------------------------|
/// | DRAFT              | SUBMITTED, CANCELLED                        |
/// | SUBMITTED          | PARTIALLY_RECEIVED, RECEIVED, CANCELLED     |
/// | PARTIALLY_RECEIVED | RECEIVED, CLOSED (short-closed, with reason) |
/// | RECEIVED           | CLOSED                                      |
/// | CLOSED, CANCELLED  | —                                           |
///
/// An order from which anything was received is never cancelled: what was
/// received stays accounted for, and the rest is closed short.
pub fn transition_allowed(from: S, to: S) -> bool {
    matches!(
        (from, to),
        (S::Draft, S::Submitted)
            | (S::Draft, S::Cancelled)
            | (S::Submitted, S::PartiallyReceived)
            | (S::Submitted, S::Received)
            | (S::Submitted, S::Cancelled)
            | (S::PartiallyReceived, S::Received)
            | (S::PartiallyReceived, S::Closed)
            | (S::Received, S::Closed)
    )
}

fn status_code(s: S) -> &'static str {
    match s {
        S::Draft => "DRAFT",
        S::Submitted => "SUBMITTED",
        S::PartiallyReceived => "PARTIALLY_RECEIVED",
        S::Received => "RECEIVED",
        S::Closed => "CLOSED",
        S::Cancelled => "CANCELLED",
    }
}

pub(crate) fn illegal_transition(order: &purchase_order::Model, to: S) -> Error {
    Error::illegal_state(
        StateReason::PurchaseOrderTransition,
        format!(
            "order {} is {} and cannot become {}",
            order.number,
            status_code(order.status),
            status_code(to)
        ),
    )
}

#[derive(Debug, Clone)]
pub struct OrderLineInput {
    pub item_id: Uuid,
    pub package_level: i32,
    pub packs: i64,
    /// Defaults to the agreed price in force.
    pub unit_price_fen: Option<i64>,
    /// Packs beyond `packs` that may be received.
    pub over_packs: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct PurchaseOrderInput {
    pub supplier_id: Uuid,
    pub lines: Vec<OrderLineInput>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub status: Option<S>,
    pub supplier_id: Option<Uuid>,
}

#[derive(Debug, Clone)]
pub struct OrderView {
    pub order: purchase_order::Model,
    pub lines: Vec<purchase_order_line::Model>,
}

impl OrderView {
    pub fn total_fen(&self) -> i64 {
        self.lines
            .iter()
            .map(|l| l.ordered_packs.saturating_mul(l.unit_price_fen))
            .sum()
    }
}

/// A line as it will be written: checked against the catalogue and the
/// agreement in force.
#[derive(Debug, Clone)]
pub(crate) struct PlannedLine {
    pub item_id: Uuid,
    pub package_level: i32,
    pub units_per_pack: i64,
    pub packs: i64,
    pub over_packs: i64,
    pub unit_price_fen: i64,
    pub agreement_id: Option<Uuid>,
}

/// Checks every line (each problem named by its line) and prices it.
pub(crate) async fn plan_lines(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
    supplier: &supplier::Model,
    lines: &[OrderLineInput],
    today: NaiveDate,
) -> Result<Vec<PlannedLine>> {
    if lines.is_empty() {
        return Err(Error::validation(
            "lines",
            "an order needs at least one line",
            "订单至少需要一行",
        ));
    }
    if lines.len() > MAX_LINES {
        return Err(Error::validation(
            "lines",
            format!("an order has at most {MAX_LINES} lines"),
            format!("一张订单最多 {MAX_LINES} 行"),
        ));
    }
    let item_ids: Vec<Uuid> = lines.iter().map(|l| l.item_id).collect();
    let items: HashMap<Uuid, item::Model> = item::Entity::find()
        .filter(item::Column::Id.is_in(item_ids.clone()))
        .filter(item::Column::CommunityId.eq(community_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let levels: HashMap<(Uuid, i32), i64> = item_package_level::Entity::find()
        .filter(item_package_level::Column::ItemId.is_in(item_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| ((l.item_id, l.level), l.units_per_pack))
        .collect();
    let mut errors = Vec::new();
    let mut planned = Vec::new();
    let mut seen = HashMap::new();
    for (i, line) in lines.iter().enumerate() {
        let f = |name: &str| format!("lines[{i}].{name}");
        let Some(item) = items.get(&line.item_id) else {
            errors.push(FieldError::new(f("itemId"), "no such item", "品种不存在"));
            continue;
        };
        if let Err(e) = ensure_orderable(item) {
            errors.push(FieldError::new(f("itemId"), e.to_string(), e.message_zh()));
            continue;
        }
        if let Some(first) = seen.insert((line.item_id, line.package_level), i) {
            errors.push(FieldError::new(
                f("itemId"),
                format!("{} is already on line {}", item.generic_name, first + 1),
                format!("{} 已在第 {} 行", item.generic_name, first + 1),
            ));
            continue;
        }
        let Some(&units) = levels.get(&(line.item_id, line.package_level)) else {
            errors.push(FieldError::new(
                f("packageLevel"),
                format!(
                    "{} has no package level {}",
                    item.generic_name, line.package_level
                ),
                format!("{} 没有第 {} 级包装", item.generic_name, line.package_level),
            ));
            continue;
        };
        if !(1..=MAX_PACKS).contains(&line.packs) {
            errors.push(FieldError::new(
                f("packs"),
                format!("must be 1 to {MAX_PACKS}"),
                "数量须为正整数",
            ));
            continue;
        }
        let over = line.over_packs.unwrap_or(0);
        if !(0..=line.packs).contains(&over) {
            errors.push(FieldError::new(
                f("overPacks"),
                "must be between 0 and the ordered packs",
                "允许超收数量须在 0 与订购数量之间",
            ));
            continue;
        }
        let agreement = in_force(conn, supplier.id, item.id, line.package_level, today).await?;
        let price = match (line.unit_price_fen, &agreement) {
            (Some(p), _) if !(1..=MAX_PRICE_FEN).contains(&p) => {
                errors.push(FieldError::new(
                    f("unitPriceFen"),
                    format!("must be 1 to {MAX_PRICE_FEN} fen"),
                    "单价须大于 0",
                ));
                continue;
            }
            (Some(p), Some(a)) if p > a.unit_price_fen => {
                errors.push(FieldError::new(
                    f("unitPriceFen"),
                    format!(
                        "{} yuan is above the agreed price of {} yuan for {} (agreement in force {} to {})",
                        yuan(p),
                        yuan(a.unit_price_fen),
                        item.generic_name,
                        a.valid_from,
                        a.valid_to
                    ),
                    format!(
                        "{} 元高于 {} 的协议价 {} 元",
                        yuan(p),
                        item.generic_name,
                        yuan(a.unit_price_fen)
                    ),
                ));
                continue;
            }
            (Some(p), _) => p,
            (None, Some(a)) => a.unit_price_fen,
            (None, None) => {
                errors.push(FieldError::new(
                    f("unitPriceFen"),
                    format!(
                        "{} has no agreement in force with {}: give the price",
                        item.generic_name, supplier.name
                    ),
                    "该品种与此供应商无有效协议价，请填写单价",
                ));
                continue;
            }
        };
        planned.push(PlannedLine {
            item_id: item.id,
            package_level: line.package_level,
            units_per_pack: units,
            packs: line.packs,
            over_packs: over,
            unit_price_fen: price,
            agreement_id: agreement.map(|a| a.id),
        });
    }
    if errors.is_empty() {
        Ok(planned)
    } else {
        Err(Error::invalid(errors))
    }
}

async fn insert_lines(
    txn: &WriteTxn,
    order_id: Uuid,
    planned: &[PlannedLine],
) -> Result<Vec<purchase_order_line::Model>> {
    let rows: Vec<purchase_order_line::Model> = planned
        .iter()
        .enumerate()
        .map(|(i, p)| purchase_order_line::Model {
            id: Uuid::now_v7(),
            order_id,
            line_no: i as i32 + 1,
            item_id: p.item_id,
            package_level: p.package_level,
            units_per_pack: p.units_per_pack,
            ordered_packs: p.packs,
            over_packs: p.over_packs,
            received_quantity: 0,
            unit_price_fen: p.unit_price_fen,
            agreement_id: p.agreement_id,
        })
        .collect();
    for chunk in rows.chunks(400) {
        purchase_order_line::Entity::insert_many(
            chunk
                .iter()
                .cloned()
                .map(IntoActiveModel::into_active_model),
        )
        .exec_without_returning(&**txn)
        .await?;
    }
    Ok(rows)
}

/// Writes a new draft order with its lines, numbered in the transaction.
pub(crate) async fn insert_order(
    txn: &WriteTxn,
    caller: &Caller,
    now: DateTime<Utc>,
    supplier_id: Uuid,
    note: Option<String>,
    planned: &[PlannedLine],
) -> Result<OrderView> {
    let number =
        crate::numbering::next(txn, caller.community_id, kind::PURCHASE_ORDER, now).await?;
    let order = purchase_order::ActiveModel {
        id: Set(Uuid::now_v7()),
        community_id: Set(caller.community_id),
        number: Set(number),
        supplier_id: Set(supplier_id),
        institution_id: Set(caller.institution_id),
        status: Set(S::Draft),
        note: Set(note),
        created_by: Set(caller.user_id),
        submitted_at: Set(None),
        closed_reason: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&**txn)
    .await?;
    let lines = insert_lines(txn, order.id, planned).await?;
    Ok(OrderView { order, lines })
}

/// Moves an order from the status it was read in, or fails if another
/// command moved it first.
pub(crate) async fn set_status(
    txn: &WriteTxn,
    order: &purchase_order::Model,
    to: S,
    now: DateTime<Utc>,
    extra: impl FnOnce(
        sea_orm::UpdateMany<purchase_order::Entity>,
    ) -> sea_orm::UpdateMany<purchase_order::Entity>,
) -> Result<purchase_order::Model> {
    use purchase_order::Column as C;
    if !transition_allowed(order.status, to) {
        return Err(illegal_transition(order, to));
    }
    let update = purchase_order::Entity::update_many()
        .col_expr(C::Status, Expr::value(to))
        .col_expr(C::Version, Expr::col(C::Version).add(1))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::Id.eq(order.id))
        .filter(C::Status.eq(order.status));
    extra(update)
        .exec_with_returning(&**txn)
        .await?
        .pop()
        .ok_or_else(|| {
            Error::Conflict(format!(
                "order {} was changed at the same moment; reload and try again",
                order.number
            ))
        })
}

fn order_key(o: &purchase_order::Model) -> String {
    o.id.to_string()
}

impl Backend {
    fn procurement_scope(caller: &Caller) -> Scope {
        Scope::Community(caller.community_id)
    }

    pub(crate) async fn order_in_community(
        &self,
        conn: &impl ConnectionTrait,
        caller: &Caller,
        id: Uuid,
    ) -> Result<purchase_order::Model> {
        purchase_order::Entity::find_by_id(id)
            .one(conn)
            .await?
            .filter(|o| o.community_id == caller.community_id)
            .ok_or_else(|| Error::not_found("purchase order", id))
    }

    pub(crate) async fn order_view(
        &self,
        conn: &impl ConnectionTrait,
        order: purchase_order::Model,
    ) -> Result<OrderView> {
        let lines = purchase_order_line::Entity::find()
            .filter(purchase_order_line::Column::OrderId.eq(order.id))
            .order_by_asc(purchase_order_line::Column::LineNo)
            .all(conn)
            .await?;
        Ok(OrderView { order, lines })
    }

    pub async fn purchase_order(&self, caller: &Caller, id: Uuid) -> Result<OrderView> {
        authz::authorize(
            caller,
            Action::ReadProcurement,
            Self::procurement_scope(caller),
        )?;
        let conn = self.db.conn();
        let order = self.order_in_community(conn, caller, id).await?;
        self.order_view(conn, order).await
    }

    /// The order with this number (a scanned `PO-…` label), if any.
    pub async fn purchase_order_by_number(
        &self,
        caller: &Caller,
        number: &str,
    ) -> Result<OrderView> {
        authz::authorize(
            caller,
            Action::ReadProcurement,
            Self::procurement_scope(caller),
        )?;
        let conn = self.db.conn();
        let order = purchase_order::Entity::find()
            .filter(purchase_order::Column::CommunityId.eq(caller.community_id))
            .filter(purchase_order::Column::Number.eq(number.trim().to_uppercase()))
            .one(conn)
            .await?
            .ok_or_else(|| Error::not_found("purchase order", number))?;
        self.order_view(conn, order).await
    }

    /// The community's orders among `ids`, with their lines, in one read of
    /// orders and one of lines (a page of receipt lines names its order on
    /// every line). Ids of other communities are simply absent.
    pub async fn purchase_orders_by_ids(
        &self,
        caller: &Caller,
        ids: &[Uuid],
    ) -> Result<Vec<OrderView>> {
        authz::authorize(
            caller,
            Action::ReadProcurement,
            Self::procurement_scope(caller),
        )?;
        let conn = self.db.conn();
        let mut orders = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            orders.extend(
                purchase_order::Entity::find()
                    .filter(purchase_order::Column::CommunityId.eq(caller.community_id))
                    .filter(purchase_order::Column::Id.is_in(chunk.to_vec()))
                    .all(conn)
                    .await?,
            );
        }
        views_of(conn, orders).await
    }

    /// Orders, newest first.
    pub async fn purchase_orders(
        &self,
        caller: &Caller,
        filter: OrderFilter,
        page: PageRequest,
    ) -> Result<Page<OrderView>> {
        authz::authorize(
            caller,
            Action::ReadProcurement,
            Self::procurement_scope(caller),
        )?;
        let limit = page.limit()?;
        let after: Option<Uuid> = page
            .after_key()?
            .map(|k| k.parse().map_err(|_| page::bad_cursor()))
            .transpose()?;
        let mut q = purchase_order::Entity::find()
            .filter(purchase_order::Column::CommunityId.eq(caller.community_id));
        if let Some(s) = filter.status {
            q = q.filter(purchase_order::Column::Status.eq(s));
        }
        if let Some(s) = filter.supplier_id {
            q = q.filter(purchase_order::Column::SupplierId.eq(s));
        }
        if let Some(a) = after {
            q = q.filter(purchase_order::Column::Id.lt(a));
        }
        let conn = self.db.conn();
        let orders = q
            .order_by_desc(purchase_order::Column::Id)
            .limit(limit + 1)
            .all(conn)
            .await?;
        let views = views_of(conn, orders).await?;
        Ok(page::build(views, limit, page.after.is_some(), |v| {
            order_key(&v.order)
        }))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn create_purchase_order(
        &self,
        caller: &Caller,
        input: PurchaseOrderInput,
    ) -> Result<OrderView> {
        authz::authorize(
            caller,
            Action::ManageProcurement,
            Self::procurement_scope(caller),
        )?;
        let note = optional_text("note", input.note.as_deref(), 500)?;
        let conn = self.db.conn();
        let today = business_date(self.clock.now());
        let supplier = self
            .supplier_in_community(conn, caller, input.supplier_id)
            .await?;
        ensure_may_order_from(&supplier, today)?;
        let planned = plan_lines(conn, caller.community_id, &supplier, &input.lines, today).await?;
        self.run(
            Command {
                operation: "createPurchaseOrder",
                user_id: caller.user_id,
                idempotency: None,
            },
            async |txn, now| {
                let view =
                    insert_order(txn, caller, now, supplier.id, note.clone(), &planned).await?;
                Ok(Effect::Changed {
                    result_id: view.order.id,
                    audit: Audit {
                        institution_id: Some(caller.institution_id),
                        entity_type: "purchase_order",
                        entity_ids: vec![view.order.id, supplier.id],
                        detail: Some(serde_json::json!({
                            "number": view.order.number,
                            "lines": view.lines.len(),
                            "totalFen": view.total_fen(),
                        })),
                    },
                    value: view,
                })
            },
        )
        .await?
        .once()
    }

    /// One draft per supplier from the plan's lines of `item_ids` (all
    /// lines with an agreement when `None`), at the agreed prices, in one
    /// transaction: all the drafts or none.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn create_purchase_orders_from_plan(
        &self,
        caller: &Caller,
        item_ids: Option<Vec<Uuid>>,
    ) -> Result<Vec<OrderView>> {
        authz::authorize(
            caller,
            Action::ManageProcurement,
            Self::procurement_scope(caller),
        )?;
        let plan = self.plan_for(caller.community_id).await?;
        let today = business_date(self.clock.now());
        let chosen: Vec<&super::PlanLine> = match &item_ids {
            None => plan
                .lines
                .iter()
                .filter(|l| l.agreement.is_some())
                .collect(),
            Some(ids) => {
                let mut errors = Vec::new();
                let mut out = Vec::new();
                for (i, id) in ids.iter().enumerate() {
                    match plan.lines.iter().find(|l| l.item.id == *id) {
                        None => errors.push(FieldError::new(
                            format!("itemIds[{i}]"),
                            "the plan needs none of this item now",
                            "采购计划中没有此品种",
                        )),
                        Some(l) if l.agreement.is_none() => errors.push(FieldError::new(
                            format!("itemIds[{i}]"),
                            format!(
                                "{} has no agreement in force with an orderable supplier; order it by hand",
                                l.item.generic_name
                            ),
                            format!("{} 无有效协议价，请手工下单", l.item.generic_name),
                        )),
                        Some(l) => out.push(l),
                    }
                }
                if !errors.is_empty() {
                    return Err(Error::invalid(errors));
                }
                out
            }
        };
        if chosen.is_empty() {
            return Err(Error::validation(
                "itemIds",
                "the plan has no line to order",
                "采购计划中没有可下单的品种",
            ));
        }
        let mut by_supplier: Vec<(Uuid, Vec<PlannedLine>)> = Vec::new();
        for l in chosen {
            let Some(a) = &l.agreement else { continue };
            let line = PlannedLine {
                item_id: l.item.id,
                package_level: a.package_level,
                units_per_pack: l.units_per_pack,
                packs: l.quantity_packs,
                over_packs: 0,
                unit_price_fen: a.unit_price_fen,
                agreement_id: Some(a.id),
            };
            match by_supplier.iter_mut().find(|(s, _)| *s == a.supplier_id) {
                Some((_, lines)) => lines.push(line),
                None => by_supplier.push((a.supplier_id, vec![line])),
            }
        }
        let conn = self.db.conn();
        for (supplier_id, _) in &by_supplier {
            let s = self
                .supplier_in_community(conn, caller, *supplier_id)
                .await?;
            ensure_may_order_from(&s, today)?;
        }
        self.run(
            Command {
                operation: "createPurchaseOrdersFromPlan",
                user_id: caller.user_id,
                idempotency: None,
            },
            async |txn, now| {
                let mut views = Vec::new();
                for (supplier_id, lines) in &by_supplier {
                    views.push(
                        insert_order(
                            txn,
                            caller,
                            now,
                            *supplier_id,
                            Some("按采购计划生成".into()),
                            lines,
                        )
                        .await?,
                    );
                }
                let ids: Vec<Uuid> = views.iter().map(|v| v.order.id).collect();
                Ok(Effect::Changed {
                    result_id: ids.first().copied().unwrap_or_default(),
                    audit: Audit {
                        institution_id: Some(caller.institution_id),
                        entity_type: "purchase_order",
                        entity_ids: ids,
                        detail: Some(serde_json::json!({
                            "orders": views.iter().map(|v| &v.order.number).collect::<Vec<_>>(),
                            "lines": views.iter().map(|v| v.lines.len()).sum::<usize>(),
                        })),
                    },
                    value: views,
                })
            },
        )
        .await?
        .once()
    }

    /// Replaces a draft's supplier, lines and note.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn update_purchase_order(
        &self,
        caller: &Caller,
        id: Uuid,
        input: PurchaseOrderInput,
    ) -> Result<OrderView> {
        authz::authorize(
            caller,
            Action::ManageProcurement,
            Self::procurement_scope(caller),
        )?;
        let note = optional_text("note", input.note.as_deref(), 500)?;
        let conn = self.db.conn();
        let today = business_date(self.clock.now());
        let order = self.order_in_community(conn, caller, id).await?;
        if order.status != S::Draft {
            return Err(Error::illegal_state(
                StateReason::PurchaseOrderTransition,
                format!(
                    "order {} is {}: only a draft can be edited",
                    order.number,
                    status_code(order.status)
                ),
            ));
        }
        let supplier = self
            .supplier_in_community(conn, caller, input.supplier_id)
            .await?;
        ensure_may_order_from(&supplier, today)?;
        let planned = plan_lines(conn, caller.community_id, &supplier, &input.lines, today).await?;
        self.run(
            Command {
                operation: "updatePurchaseOrder",
                user_id: caller.user_id,
                idempotency: None,
            },
            async |txn, now| {
                use purchase_order::Column as C;
                let updated = purchase_order::Entity::update_many()
                    .col_expr(C::SupplierId, Expr::value(supplier.id))
                    .col_expr(C::Note, Expr::value(note.clone()))
                    .col_expr(C::Version, Expr::col(C::Version).add(1))
                    .col_expr(C::UpdatedAt, Expr::value(now))
                    .filter(C::Id.eq(order.id))
                    .filter(C::Status.eq(S::Draft))
                    .filter(C::Version.eq(order.version))
                    .exec_with_returning(&**txn)
                    .await?
                    .pop()
                    .ok_or_else(|| {
                        Error::Conflict(format!(
                            "order {} was changed at the same moment; reload and try again",
                            order.number
                        ))
                    })?;
                purchase_order_line::Entity::delete_many()
                    .filter(purchase_order_line::Column::OrderId.eq(order.id))
                    .exec(&**txn)
                    .await?;
                let lines = insert_lines(txn, order.id, &planned).await?;
                let view = OrderView {
                    order: updated,
                    lines,
                };
                Ok(Effect::Changed {
                    result_id: view.order.id,
                    audit: Audit {
                        institution_id: Some(caller.institution_id),
                        entity_type: "purchase_order",
                        entity_ids: vec![view.order.id],
                        detail: Some(serde_json::json!({
                            "lines": view.lines.len(), "totalFen": view.total_fen(),
                        })),
                    },
                    value: view,
                })
            },
        )
        .await?
        .once()
    }

    /// Sends a draft to its supplier: the supplier, its licence, the items
    /// and the prices are checked again as of today.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn submit_purchase_order(&self, caller: &Caller, id: Uuid) -> Result<OrderView> {
        authz::authorize(
            caller,
            Action::ManageProcurement,
            Self::procurement_scope(caller),
        )?;
        let conn = self.db.conn();
        let today = business_date(self.clock.now());
        let view = self.purchase_order(caller, id).await?;
        if !transition_allowed(view.order.status, S::Submitted) {
            return Err(illegal_transition(&view.order, S::Submitted));
        }
        let supplier = self
            .supplier_in_community(conn, caller, view.order.supplier_id)
            .await?;
        ensure_may_order_from(&supplier, today)?;
        let again: Vec<OrderLineInput> = view
            .lines
            .iter()
            .map(|l| OrderLineInput {
                item_id: l.item_id,
                package_level: l.package_level,
                packs: l.ordered_packs,
                unit_price_fen: Some(l.unit_price_fen),
                over_packs: Some(l.over_packs),
            })
            .collect();
        let planned = plan_lines(conn, caller.community_id, &supplier, &again, today).await?;
        let id = self
            .run(
                Command {
                    operation: "submitPurchaseOrder",
                    user_id: caller.user_id,
                    idempotency: None,
                },
                async |txn, now| {
                    let order = set_status(txn, &view.order, S::Submitted, now, |u| {
                        u.col_expr(purchase_order::Column::SubmittedAt, Expr::value(now))
                    })
                    .await?;
                    // The agreement a line is checked against is the one in
                    // force on the day it is sent.
                    for (line, p) in view.lines.iter().zip(&planned) {
                        if line.agreement_id != p.agreement_id {
                            purchase_order_line::Entity::update_many()
                                .col_expr(
                                    purchase_order_line::Column::AgreementId,
                                    Expr::value(p.agreement_id),
                                )
                                .filter(purchase_order_line::Column::Id.eq(line.id))
                                .exec(&**txn)
                                .await?;
                        }
                    }
                    Ok(Effect::Changed {
                        result_id: order.id,
                        audit: Audit {
                            institution_id: Some(caller.institution_id),
                            entity_type: "purchase_order",
                            entity_ids: vec![order.id],
                            detail: Some(serde_json::json!({ "status": "SUBMITTED" })),
                        },
                        value: order,
                    })
                },
            )
            .await?
            .once()?
            .id;
        self.purchase_order(caller, id).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn cancel_purchase_order(
        &self,
        caller: &Caller,
        id: Uuid,
        reason: String,
    ) -> Result<OrderView> {
        authz::authorize(
            caller,
            Action::ManageProcurement,
            Self::procurement_scope(caller),
        )?;
        let reason = required_text("reason", &reason, 500)?;
        let view = self.purchase_order(caller, id).await?;
        if !transition_allowed(view.order.status, S::Cancelled) {
            return Err(illegal_transition(&view.order, S::Cancelled));
        }
        self.finish_order(
            caller,
            &view.order,
            S::Cancelled,
            reason,
            "cancelPurchaseOrder",
        )
        .await
    }

    /// Closes a received order, or one partly received whose rest will not
    /// come (with the reason).
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn close_purchase_order(
        &self,
        caller: &Caller,
        id: Uuid,
        reason: Option<String>,
    ) -> Result<OrderView> {
        authz::authorize(
            caller,
            Action::ManageProcurement,
            Self::procurement_scope(caller),
        )?;
        let reason = optional_text("reason", reason.as_deref(), 500)?;
        let view = self.purchase_order(caller, id).await?;
        if !transition_allowed(view.order.status, S::Closed) {
            return Err(illegal_transition(&view.order, S::Closed));
        }
        let reason = match (view.order.status, reason) {
            (S::PartiallyReceived, None) => {
                return Err(Error::validation(
                    "reason",
                    "closing an order short needs a reason (what will not be delivered, and why)",
                    "部分到货的订单关闭时须填写原因",
                ));
            }
            (_, r) => r.unwrap_or_default(),
        };
        self.finish_order(caller, &view.order, S::Closed, reason, "closePurchaseOrder")
            .await
    }

    async fn finish_order(
        &self,
        caller: &Caller,
        order: &purchase_order::Model,
        to: S,
        reason: String,
        operation: &'static str,
    ) -> Result<OrderView> {
        let id = self
            .run(
                Command {
                    operation,
                    user_id: caller.user_id,
                    idempotency: None,
                },
                async |txn, now| {
                    let reason_value = (!reason.is_empty()).then(|| reason.clone());
                    let done = set_status(txn, order, to, now, |u| {
                        u.col_expr(
                            purchase_order::Column::ClosedReason,
                            Expr::value(reason_value),
                        )
                    })
                    .await?;
                    Ok(Effect::Changed {
                        result_id: done.id,
                        audit: Audit {
                            institution_id: Some(caller.institution_id),
                            entity_type: "purchase_order",
                            entity_ids: vec![done.id],
                            detail: Some(serde_json::json!({
                                "status": status_code(to), "reason": reason,
                            })),
                        },
                        value: done,
                    })
                },
            )
            .await?
            .once()?
            .id;
        self.purchase_order(caller, id).await
    }

    /// Lets a line receive up to `over_packs` more than ordered (a supplier
    /// that ships in full cases). Not below what was already received.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn allow_receipt_overage(
        &self,
        caller: &Caller,
        line_id: Uuid,
        over_packs: i64,
    ) -> Result<OrderView> {
        authz::authorize(
            caller,
            Action::ManageProcurement,
            Self::procurement_scope(caller),
        )?;
        let conn = self.db.conn();
        let line = purchase_order_line::Entity::find_by_id(line_id)
            .one(conn)
            .await?
            .ok_or_else(|| Error::not_found("purchase order line", line_id))?;
        let order = self.order_in_community(conn, caller, line.order_id).await?;
        if matches!(order.status, S::Closed | S::Cancelled | S::Received) {
            return Err(illegal_transition(&order, order.status));
        }
        if !(0..=line.ordered_packs).contains(&over_packs) {
            return Err(Error::validation(
                "overPacks",
                "must be between 0 and the ordered packs",
                "允许超收数量须在 0 与订购数量之间",
            ));
        }
        let id = self
            .run(
                Command {
                    operation: "allowReceiptOverage",
                    user_id: caller.user_id,
                    idempotency: None,
                },
                async |txn, _now| {
                    use purchase_order_line::Column as L;
                    let limit = Expr::col(L::OrderedPacks)
                        .add(over_packs)
                        .mul(Expr::col(L::UnitsPerPack));
                    let changed = purchase_order_line::Entity::update_many()
                        .col_expr(L::OverPacks, Expr::value(over_packs))
                        .filter(L::Id.eq(line.id))
                        .filter(Expr::col(L::ReceivedQuantity).lte(limit))
                        .exec(&**txn)
                        .await?;
                    if changed.rows_affected != 1 {
                        return Err(Error::validation(
                            "overPacks",
                            "more than that has already been received on this line",
                            "该行已收数量超过此值",
                        ));
                    }
                    Ok(Effect::Changed {
                        result_id: order.id,
                        audit: Audit {
                            institution_id: Some(caller.institution_id),
                            entity_type: "purchase_order_line",
                            entity_ids: vec![line.id, order.id],
                            detail: Some(serde_json::json!({
                                "overPacksBefore": line.over_packs, "overPacks": over_packs,
                            })),
                        },
                        value: order.id,
                    })
                },
            )
            .await?
            .once()?;
        self.purchase_order(caller, id).await
    }
}

/// `orders` with their lines (in line order), from one read of the lines.
async fn views_of(
    conn: &impl ConnectionTrait,
    orders: Vec<purchase_order::Model>,
) -> Result<Vec<OrderView>> {
    let mut lines: HashMap<Uuid, Vec<purchase_order_line::Model>> = HashMap::new();
    for chunk in orders.chunks(500) {
        let ids: Vec<Uuid> = chunk.iter().map(|o| o.id).collect();
        for l in purchase_order_line::Entity::find()
            .filter(purchase_order_line::Column::OrderId.is_in(ids))
            .order_by_asc(purchase_order_line::Column::LineNo)
            .all(conn)
            .await?
        {
            lines.entry(l.order_id).or_default().push(l);
        }
    }
    Ok(orders
        .into_iter()
        .map(|o| OrderView {
            lines: lines.remove(&o.id).unwrap_or_default(),
            order: o,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Iterable;

    #[test]
    fn the_transition_table_is_as_documented() {
        let allowed: Vec<(S, S)> = S::iter()
            .flat_map(|a| S::iter().map(move |b| (a, b)))
            .filter(|&(a, b)| transition_allowed(a, b))
            .collect();
        assert_eq!(
            allowed,
            vec![
                (S::Draft, S::Submitted),
                (S::Draft, S::Cancelled),
                (S::Submitted, S::PartiallyReceived),
                (S::Submitted, S::Received),
                (S::Submitted, S::Cancelled),
                (S::PartiallyReceived, S::Received),
                (S::PartiallyReceived, S::Closed),
                (S::Received, S::Closed),
            ]
        );
        // Nothing leaves the end states, and nothing returns to a draft.
        for s in S::iter() {
            assert!(!transition_allowed(S::Closed, s));
            assert!(!transition_allowed(S::Cancelled, s));
            assert!(!transition_allowed(s, S::Draft));
        }
    }
}
