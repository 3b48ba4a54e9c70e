//! Supplier invoices and the three-way match: the invoice against the
//! order (item and price) and against what was received and not yet
//! invoiced (quantity). Only a matched invoice is approved for payment;
//! approving it records which receipt lines it bills, and a receipt line
//! is billed once (its primary key in `invoiced_receipt`).

use super::{MAX_PACKS, MAX_PRICE_FEN, required_text, yuan};
use crate::Backend;
use crate::authz::{self, Action, Caller, Scope};
use crate::command::{Audit, Command, Effect};
use crate::db::WriteTxn;
use crate::entity::enums::{InvoiceStatus, PurchaseOrderStatus};
use crate::entity::{
    invoiced_receipt, item, purchase_order_line, receipt_line, supplier_invoice,
    supplier_invoice_line,
};
use crate::error::{Error, FieldError, Result, StateReason};
use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// How far an invoice may differ and still match.
#[derive(Debug, Clone, Copy, Default)]
pub struct MatchTolerance {
    /// Per pack, in fen.
    pub price_fen: i64,
    /// Base units per line.
    pub quantity: i64,
}

#[derive(Debug, Clone)]
pub struct InvoiceLineInput {
    pub item_id: Uuid,
    /// Packs of the order line's level.
    pub packs: i64,
    pub unit_price_fen: i64,
    pub amount_fen: i64,
}

#[derive(Debug, Clone)]
pub struct InvoiceInput {
    pub supplier_id: Uuid,
    pub purchase_order_id: Uuid,
    pub number: String,
    pub invoice_date: NaiveDate,
    pub lines: Vec<InvoiceLineInput>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DifferenceKind {
    /// The item is not on the order.
    NotOnOrder,
    /// Invoiced units differ from those received and not yet invoiced.
    Quantity,
    /// The price per pack differs from the order's.
    Price,
    /// The line's amount is not packs × price.
    Amount,
}

/// One way an invoice line differs from the order or the receipts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Difference {
    pub line_no: i32,
    pub item_id: Uuid,
    pub kind: DifferenceKind,
    /// What the order or the receipts say.
    pub expected: i64,
    /// What the invoice says.
    pub actual: i64,
}

#[derive(Debug, Clone)]
pub struct InvoiceView {
    pub invoice: supplier_invoice::Model,
    pub lines: Vec<supplier_invoice_line::Model>,
    pub differences: Vec<Difference>,
}

/// The order line's terms and what is received and not yet invoiced on it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Open {
    pub units_per_pack: i64,
    pub unit_price_fen: i64,
    /// Base units.
    pub uninvoiced: i64,
}

/// The three-way match, pure: every difference of every line.
pub(crate) fn differences(
    lines: &[supplier_invoice_line::Model],
    open: &HashMap<Uuid, Open>,
    tolerance: MatchTolerance,
) -> Vec<Difference> {
    let mut out = Vec::new();
    for l in lines {
        let diff = |kind, expected, actual| Difference {
            line_no: l.line_no,
            item_id: l.item_id,
            kind,
            expected,
            actual,
        };
        let Some(o) = open.get(&l.item_id) else {
            out.push(diff(DifferenceKind::NotOnOrder, 0, l.packs));
            continue;
        };
        let units = l.packs.saturating_mul(o.units_per_pack);
        if (units - o.uninvoiced).abs() > tolerance.quantity {
            out.push(diff(DifferenceKind::Quantity, o.uninvoiced, units));
        }
        if (l.unit_price_fen - o.unit_price_fen).abs() > tolerance.price_fen {
            out.push(diff(
                DifferenceKind::Price,
                o.unit_price_fen,
                l.unit_price_fen,
            ));
        }
        let amount = l.packs.saturating_mul(l.unit_price_fen);
        if amount != l.amount_fen {
            out.push(diff(DifferenceKind::Amount, amount, l.amount_fen));
        }
    }
    out
}

/// Per item of the order: terms, and units received not yet invoiced.
async fn open_on_order(
    conn: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<(HashMap<Uuid, Open>, Vec<receipt_line::Model>)> {
    let order_lines = purchase_order_line::Entity::find()
        .filter(purchase_order_line::Column::OrderId.eq(order_id))
        .all(conn)
        .await?;
    let receipts = receipt_line::Entity::find()
        .filter(receipt_line::Column::OrderId.eq(order_id))
        .order_by_asc(receipt_line::Column::Id)
        .all(conn)
        .await?;
    let ids: Vec<Uuid> = receipts.iter().map(|r| r.id).collect();
    let billed: HashSet<Uuid> = invoiced_receipt::Entity::find()
        .filter(invoiced_receipt::Column::ReceiptLineId.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|b| b.receipt_line_id)
        .collect();
    let unbilled: Vec<receipt_line::Model> = receipts
        .into_iter()
        .filter(|r| !billed.contains(&r.id))
        .collect();
    let mut open = HashMap::new();
    for l in &order_lines {
        let uninvoiced: i64 = unbilled
            .iter()
            .filter(|r| r.order_line_id == l.id)
            .map(|r| r.quantity)
            .sum();
        open.insert(
            l.item_id,
            Open {
                units_per_pack: l.units_per_pack,
                unit_price_fen: l.unit_price_fen,
                uninvoiced,
            },
        );
    }
    Ok((open, unbilled))
}

fn stored(differences: &[Difference]) -> Option<serde_json::Value> {
    serde_json::to_value(differences).ok()
}

fn read_differences(invoice: &supplier_invoice::Model) -> Vec<Difference> {
    invoice
        .differences
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

fn invoice_status_code(s: InvoiceStatus) -> &'static str {
    match s {
        InvoiceStatus::Entered => "ENTERED",
        InvoiceStatus::Matched => "MATCHED",
        InvoiceStatus::Mismatched => "MISMATCHED",
        InvoiceStatus::Approved => "APPROVED",
        InvoiceStatus::Paid => "PAID",
    }
}

fn not_now(invoice: &supplier_invoice::Model, what: &str) -> Error {
    Error::illegal_state(
        StateReason::InvoiceTransition,
        format!(
            "invoice {} is {}: it cannot be {what}",
            invoice.number,
            invoice_status_code(invoice.status)
        ),
    )
}

impl Backend {
    fn tolerance(&self) -> MatchTolerance {
        self.settings.invoice_tolerance
    }

    pub(crate) async fn invoice_view(
        &self,
        conn: &impl ConnectionTrait,
        invoice: supplier_invoice::Model,
    ) -> Result<InvoiceView> {
        let lines = supplier_invoice_line::Entity::find()
            .filter(supplier_invoice_line::Column::InvoiceId.eq(invoice.id))
            .order_by_asc(supplier_invoice_line::Column::LineNo)
            .all(conn)
            .await?;
        let differences = read_differences(&invoice);
        Ok(InvoiceView {
            invoice,
            lines,
            differences,
        })
    }

    async fn invoice_in_community(
        &self,
        conn: &impl ConnectionTrait,
        caller: &Caller,
        id: Uuid,
    ) -> Result<supplier_invoice::Model> {
        supplier_invoice::Entity::find_by_id(id)
            .one(conn)
            .await?
            .filter(|i| i.community_id == caller.community_id)
            .ok_or_else(|| Error::not_found("invoice", id))
    }

    pub async fn invoice(&self, caller: &Caller, id: Uuid) -> Result<InvoiceView> {
        authz::authorize(
            caller,
            Action::ReadProcurement,
            Scope::Community(caller.community_id),
        )?;
        let conn = self.db.conn();
        let invoice = self.invoice_in_community(conn, caller, id).await?;
        self.invoice_view(conn, invoice).await
    }

    /// Invoices, newest first, optionally of one supplier or status.
    pub async fn invoices(
        &self,
        caller: &Caller,
        supplier_id: Option<Uuid>,
        status: Option<InvoiceStatus>,
    ) -> Result<Vec<InvoiceView>> {
        authz::authorize(
            caller,
            Action::ReadProcurement,
            Scope::Community(caller.community_id),
        )?;
        let conn = self.db.conn();
        let mut q = supplier_invoice::Entity::find()
            .filter(supplier_invoice::Column::CommunityId.eq(caller.community_id));
        if let Some(s) = supplier_id {
            q = q.filter(supplier_invoice::Column::SupplierId.eq(s));
        }
        if let Some(s) = status {
            q = q.filter(supplier_invoice::Column::Status.eq(s));
        }
        let rows = q
            .order_by_desc(supplier_invoice::Column::Id)
            .all(conn)
            .await?;
        let ids: Vec<Uuid> = rows.iter().map(|i| i.id).collect();
        let mut lines: HashMap<Uuid, Vec<supplier_invoice_line::Model>> = HashMap::new();
        for l in supplier_invoice_line::Entity::find()
            .filter(supplier_invoice_line::Column::InvoiceId.is_in(ids))
            .order_by_asc(supplier_invoice_line::Column::LineNo)
            .all(conn)
            .await?
        {
            lines.entry(l.invoice_id).or_default().push(l);
        }
        Ok(rows
            .into_iter()
            .map(|i| InvoiceView {
                lines: lines.remove(&i.id).unwrap_or_default(),
                differences: read_differences(&i),
                invoice: i,
            })
            .collect())
    }

    /// Records a supplier's invoice for goods of one order (ENTERED).
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn enter_invoice(&self, caller: &Caller, input: InvoiceInput) -> Result<InvoiceView> {
        authz::authorize(
            caller,
            Action::ManageProcurement,
            Scope::Community(caller.community_id),
        )?;
        let number = required_text("number", &input.number, 40)?;
        let conn = self.db.conn();
        let order = self
            .order_in_community(conn, caller, input.purchase_order_id)
            .await?;
        let supplier = self
            .supplier_in_community(conn, caller, input.supplier_id)
            .await?;
        let mut errors = Vec::new();
        if order.supplier_id != supplier.id {
            errors.push(FieldError::new(
                "purchaseOrderId",
                format!("order {} is not from {}", order.number, supplier.name),
                format!("订单 {} 不是该供应商的订单", order.number),
            ));
        }
        if matches!(
            order.status,
            PurchaseOrderStatus::Draft | PurchaseOrderStatus::Cancelled
        ) {
            errors.push(FieldError::new(
                "purchaseOrderId",
                format!(
                    "order {} was never sent; nothing on it can be invoiced",
                    order.number
                ),
                format!("订单 {} 未提交，不能开票", order.number),
            ));
        }
        if input.lines.is_empty() {
            errors.push(FieldError::new(
                "lines",
                "an invoice needs at least one line",
                "发票至少需要一行",
            ));
        }
        let items: HashMap<Uuid, item::Model> = item::Entity::find()
            .filter(
                item::Column::Id.is_in(input.lines.iter().map(|l| l.item_id).collect::<Vec<_>>()),
            )
            .filter(item::Column::CommunityId.eq(caller.community_id))
            .all(conn)
            .await?
            .into_iter()
            .map(|i| (i.id, i))
            .collect();
        let mut seen = HashSet::new();
        for (i, l) in input.lines.iter().enumerate() {
            let f = |n: &str| format!("lines[{i}].{n}");
            if !items.contains_key(&l.item_id) {
                errors.push(FieldError::new(f("itemId"), "no such item", "品种不存在"));
            } else if !seen.insert(l.item_id) {
                errors.push(FieldError::new(
                    f("itemId"),
                    "the item is on the invoice twice",
                    "同一品种重复",
                ));
            }
            if !(1..=MAX_PACKS).contains(&l.packs) {
                errors.push(FieldError::new(
                    f("packs"),
                    format!("must be 1 to {MAX_PACKS}"),
                    "数量须为正整数",
                ));
            }
            if !(1..=MAX_PRICE_FEN).contains(&l.unit_price_fen) {
                errors.push(FieldError::new(
                    f("unitPriceFen"),
                    "must be a positive price in fen",
                    "单价须大于 0",
                ));
            }
            if !(0..=MAX_PRICE_FEN.saturating_mul(MAX_PACKS)).contains(&l.amount_fen) {
                errors.push(FieldError::new(
                    f("amountFen"),
                    "must be an amount in fen",
                    "金额无效",
                ));
            }
        }
        let taken = supplier_invoice::Entity::find()
            .filter(supplier_invoice::Column::SupplierId.eq(supplier.id))
            .filter(supplier_invoice::Column::Number.eq(number.clone()))
            .one(conn)
            .await?;
        if taken.is_some() {
            errors.push(FieldError::new(
                "number",
                format!("{} already has an invoice numbered {number}", supplier.name),
                format!("该供应商已有发票号 {number}"),
            ));
        }
        if !errors.is_empty() {
            return Err(Error::invalid(errors));
        }
        let total: i64 = input.lines.iter().map(|l| l.amount_fen).sum();
        self.run(
            Command {
                operation: "enterInvoice",
                user_id: caller.user_id,
                idempotency: None,
            },
            async |txn, now| {
                let invoice = supplier_invoice::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    community_id: Set(caller.community_id),
                    supplier_id: Set(supplier.id),
                    order_id: Set(order.id),
                    number: Set(number.clone()),
                    invoice_date: Set(input.invoice_date),
                    total_fen: Set(total),
                    status: Set(InvoiceStatus::Entered),
                    differences: Set(None),
                    created_by: Set(caller.user_id),
                    approved_by: Set(None),
                    payment_id: Set(None),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(&**txn)
                .await?;
                let lines: Vec<supplier_invoice_line::Model> = input
                    .lines
                    .iter()
                    .enumerate()
                    .map(|(i, l)| supplier_invoice_line::Model {
                        id: Uuid::now_v7(),
                        invoice_id: invoice.id,
                        line_no: i as i32 + 1,
                        item_id: l.item_id,
                        packs: l.packs,
                        unit_price_fen: l.unit_price_fen,
                        amount_fen: l.amount_fen,
                    })
                    .collect();
                supplier_invoice_line::Entity::insert_many(
                    lines
                        .iter()
                        .cloned()
                        .map(IntoActiveModel::into_active_model),
                )
                .exec_without_returning(&**txn)
                .await?;
                Ok(Effect::Changed {
                    result_id: invoice.id,
                    audit: Audit {
                        institution_id: Some(caller.institution_id),
                        entity_type: "supplier_invoice",
                        entity_ids: vec![invoice.id, order.id, supplier.id],
                        detail: Some(serde_json::json!({
                            "number": invoice.number, "totalFen": invoice.total_fen,
                        })),
                    },
                    value: InvoiceView {
                        invoice,
                        lines,
                        differences: Vec::new(),
                    },
                })
            },
        )
        .await?
        .once()
    }

    /// Matches an invoice against its order and the receipts not yet
    /// invoiced: MATCHED, or MISMATCHED with every difference.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn match_invoice(&self, caller: &Caller, id: Uuid) -> Result<InvoiceView> {
        authz::authorize(
            caller,
            Action::ManageProcurement,
            Scope::Community(caller.community_id),
        )?;
        let current = self.invoice(caller, id).await?;
        if matches!(
            current.invoice.status,
            InvoiceStatus::Approved | InvoiceStatus::Paid
        ) {
            return Err(not_now(&current.invoice, "matched again"));
        }
        let tolerance = self.tolerance();
        self.run(
            Command {
                operation: "matchInvoice",
                user_id: caller.user_id,
                idempotency: None,
            },
            async |txn, now| {
                let (open, _) = open_on_order(&**txn, current.invoice.order_id).await?;
                let found = differences(&current.lines, &open, tolerance);
                let status = if found.is_empty() {
                    InvoiceStatus::Matched
                } else {
                    InvoiceStatus::Mismatched
                };
                let invoice = set_invoice(txn, &current.invoice, status, now, |u| {
                    u.col_expr(
                        supplier_invoice::Column::Differences,
                        Expr::value(stored(&found)),
                    )
                })
                .await?;
                Ok(Effect::Changed {
                    result_id: invoice.id,
                    audit: Audit {
                        institution_id: Some(caller.institution_id),
                        entity_type: "supplier_invoice",
                        entity_ids: vec![invoice.id],
                        detail: Some(serde_json::json!({
                            "status": invoice_status_code(status), "differences": found.len(),
                        })),
                    },
                    value: InvoiceView {
                        invoice,
                        lines: current.lines.clone(),
                        differences: found,
                    },
                })
            },
        )
        .await?
        .once()
    }

    /// Approves a matched invoice for payment. The match is run again under
    /// the lock (another invoice may have billed the receipts since), and
    /// the receipt lines it bills are recorded.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn approve_invoice(&self, caller: &Caller, id: Uuid) -> Result<InvoiceView> {
        authz::authorize(
            caller,
            Action::ManageProcurement,
            Scope::Community(caller.community_id),
        )?;
        let current = self.invoice(caller, id).await?;
        if current.invoice.status != InvoiceStatus::Matched {
            return Err(not_now(
                &current.invoice,
                "approved: only a matched invoice is paid",
            ));
        }
        let tolerance = self.tolerance();
        self
            .run(
                Command {
                    operation: "approveInvoice",
                    user_id: caller.user_id,
                    idempotency: None,
                },
                async |txn, now| {
                    // The order row, locked, orders approvals of one order
                    // with its receipts (PostgreSQL; SQLite has one writer).
                    crate::entity::purchase_order::Entity::find_by_id(current.invoice.order_id)
                        .lock_exclusive()
                        .one(&**txn)
                        .await?;
                    let (open, unbilled) = open_on_order(&**txn, current.invoice.order_id).await?;
                    let found = differences(&current.lines, &open, tolerance);
                    if !found.is_empty() {
                        return Err(Error::illegal_state(
                            StateReason::InvoiceTransition,
                            format!(
                                "invoice {} no longer matches (the receipts were invoiced or changed since); match it again",
                                current.invoice.number
                            ),
                        ));
                    }
                    bill_receipts(txn, &current, &unbilled).await?;
                    let approver = caller.user_id;
                    let invoice = set_invoice(txn, &current.invoice, InvoiceStatus::Approved, now, |u| {
                        u.col_expr(supplier_invoice::Column::ApprovedBy, Expr::value(Some(approver)))
                    })
                    .await?;
                    Ok(Effect::Changed {
                        result_id: invoice.id,
                        audit: Audit {
                            institution_id: Some(caller.institution_id),
                            entity_type: "supplier_invoice",
                            entity_ids: vec![invoice.id],
                            detail: Some(serde_json::json!({
                                "status": "APPROVED", "totalFen": invoice.total_fen,
                                "amount": yuan(invoice.total_fen),
                            })),
                        },
                        value: InvoiceView {
                            invoice,
                            lines: current.lines.clone(),
                            differences: Vec::new(),
                        },
                    })
                },
            )
            .await?
        .once()
    }
}

/// Records the receipt lines the invoice bills: every unbilled receipt of
/// each invoiced item on the order (the match said they add up).
async fn bill_receipts(
    txn: &WriteTxn,
    view: &InvoiceView,
    unbilled: &[receipt_line::Model],
) -> Result<()> {
    let rows: Vec<invoiced_receipt::ActiveModel> = view
        .lines
        .iter()
        .flat_map(|l| {
            unbilled
                .iter()
                .filter(move |r| r.item_id == l.item_id)
                .map(move |r| invoiced_receipt::ActiveModel {
                    receipt_line_id: Set(r.id),
                    invoice_id: Set(view.invoice.id),
                    invoice_line_id: Set(l.id),
                })
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    invoiced_receipt::Entity::insert_many(rows)
        .exec_without_returning(&**txn)
        .await
        .map_err(|e| {
            if crate::error::is_unique_violation(&e) {
                Error::Conflict(
                    "these receipts were invoiced by another invoice at the same moment".into(),
                )
            } else {
                e.into()
            }
        })?;
    Ok(())
}

/// Moves an invoice from the status it was read in.
pub(crate) async fn set_invoice(
    txn: &WriteTxn,
    invoice: &supplier_invoice::Model,
    to: InvoiceStatus,
    now: chrono::DateTime<chrono::Utc>,
    extra: impl FnOnce(
        sea_orm::UpdateMany<supplier_invoice::Entity>,
    ) -> sea_orm::UpdateMany<supplier_invoice::Entity>,
) -> Result<supplier_invoice::Model> {
    use supplier_invoice::Column as C;
    let update = supplier_invoice::Entity::update_many()
        .col_expr(C::Status, Expr::value(to))
        .col_expr(C::Version, Expr::col(C::Version).add(1))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::Id.eq(invoice.id))
        .filter(C::Status.eq(invoice.status));
    extra(update)
        .exec_with_returning(&**txn)
        .await?
        .pop()
        .ok_or_else(|| {
            Error::Conflict(format!(
                "invoice {} was changed at the same moment; reload and try again",
                invoice.number
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(item: Uuid, packs: i64, price: i64, amount: i64) -> supplier_invoice_line::Model {
        supplier_invoice_line::Model {
            id: Uuid::now_v7(),
            invoice_id: Uuid::nil(),
            line_no: 1,
            item_id: item,
            packs,
            unit_price_fen: price,
            amount_fen: amount,
        }
    }

    #[test]
    fn every_difference_is_reported() {
        let a = Uuid::now_v7();
        let stranger = Uuid::now_v7();
        let open = HashMap::from([(
            a,
            Open {
                units_per_pack: 24,
                unit_price_fen: 1000,
                uninvoiced: 240,
            },
        )]);
        let exact = MatchTolerance::default();
        assert!(differences(&[line(a, 10, 1000, 10_000)], &open, exact).is_empty());
        let found = differences(
            &[line(a, 11, 1001, 11_000), line(stranger, 1, 5, 5)],
            &open,
            exact,
        );
        let kinds: Vec<_> = found
            .iter()
            .map(|d| (d.kind, d.expected, d.actual))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (DifferenceKind::Quantity, 240, 264),
                (DifferenceKind::Price, 1000, 1001),
                (DifferenceKind::Amount, 11_011, 11_000),
                (DifferenceKind::NotOnOrder, 0, 1),
            ]
        );
        // Within tolerance, a price difference is not one.
        let loose = MatchTolerance {
            price_fen: 1,
            quantity: 0,
        };
        assert!(differences(&[line(a, 10, 1001, 10_010)], &open, loose).is_empty());
    }
}
