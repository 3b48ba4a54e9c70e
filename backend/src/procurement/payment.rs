//! Unified payment (统一支付): the centre pays each supplier once for
//! everyone. A payment settles approved invoices in full; what is owed is
//! shown per supplier with its age since the goods were received (集采
//! rules: pay within 30 days of receipt, so the overdue amount stands
//! apart).

use super::invoice::set_invoice;
use super::sheets::{Cell, Sheet, workbook};
use super::{required_text, yuan};
use crate::Backend;
use crate::authz::{self, Action, Caller, Scope};
use crate::clock::business_date;
use crate::command::{Audit, Command, Effect};
use crate::entity::enums::InvoiceStatus;
use crate::entity::{
    invoiced_receipt, purchase_order_line, receipt_line, supplier, supplier_invoice,
    supplier_payment,
};
use crate::error::{Error, FieldError, Result};
use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Days after receipt by which 集采 goods must be paid.
pub const PAYMENT_DAYS: i64 = 30;

#[derive(Debug, Clone)]
pub struct PaymentInput {
    pub supplier_id: Uuid,
    pub amount_fen: i64,
    pub paid_on: NaiveDate,
    pub reference: String,
    pub invoice_ids: Vec<Uuid>,
}

#[derive(Debug, Clone)]
pub struct PaymentView {
    pub payment: supplier_payment::Model,
    pub invoice_ids: Vec<Uuid>,
}

/// What the centre owes one supplier.
#[derive(Debug, Clone)]
pub struct Payable {
    pub supplier: supplier::Model,
    /// Approved, unpaid invoices.
    pub approved_fen: i64,
    /// By days since the goods' receipt: 0–30, 31–60, 61–90, over 90.
    pub ageing_fen: [i64; 4],
    /// Older than 30 days since receipt.
    pub overdue_fen: i64,
    /// Received and not yet invoiced, at the order prices.
    pub uninvoiced_fen: i64,
    pub invoices: Vec<supplier_invoice::Model>,
}

fn bucket(days: i64) -> usize {
    match days {
        ..=30 => 0,
        31..=60 => 1,
        61..=90 => 2,
        _ => 3,
    }
}

impl Backend {
    /// Pays approved invoices of one supplier, in full: the amount must be
    /// their total.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn record_payment(
        &self,
        caller: &Caller,
        input: PaymentInput,
    ) -> Result<PaymentView> {
        authz::authorize(
            caller,
            Action::ManageProcurement,
            Scope::Community(caller.community_id),
        )?;
        let reference = required_text("reference", &input.reference, 100)?;
        let conn = self.db.conn();
        let supplier = self
            .supplier_in_community(conn, caller, input.supplier_id)
            .await?;
        let ids: HashSet<Uuid> = input.invoice_ids.iter().copied().collect();
        if ids.is_empty() || ids.len() != input.invoice_ids.len() {
            return Err(Error::validation(
                "invoiceIds",
                "name each invoice the payment settles, once",
                "请选择本次付款结算的发票（不重复）",
            ));
        }
        let invoices = supplier_invoice::Entity::find()
            .filter(supplier_invoice::Column::Id.is_in(ids.iter().copied().collect::<Vec<_>>()))
            .filter(supplier_invoice::Column::CommunityId.eq(caller.community_id))
            .all(conn)
            .await?;
        let mut errors = Vec::new();
        if invoices.len() != ids.len() {
            errors.push(FieldError::new(
                "invoiceIds",
                "an invoice was not found",
                "发票不存在",
            ));
        }
        for inv in &invoices {
            if inv.supplier_id != supplier.id {
                errors.push(FieldError::new(
                    "invoiceIds",
                    format!("invoice {} is another supplier's", inv.number),
                    format!("发票 {} 不是该供应商的", inv.number),
                ));
            } else if inv.status != InvoiceStatus::Approved {
                errors.push(FieldError::new(
                    "invoiceIds",
                    format!(
                        "invoice {} is not approved for payment (or is already paid)",
                        inv.number
                    ),
                    format!("发票 {} 未审核通过或已付款", inv.number),
                ));
            }
        }
        let total: i64 = invoices.iter().map(|i| i.total_fen).sum();
        if errors.is_empty() && input.amount_fen != total {
            errors.push(FieldError::new(
                "amountFen",
                format!(
                    "the invoices total {} yuan; a payment settles them in full",
                    yuan(total)
                ),
                format!("所选发票合计 {} 元，付款金额须与之相等", yuan(total)),
            ));
        }
        if !errors.is_empty() {
            return Err(Error::invalid(errors));
        }
        self.run(
            Command {
                operation: "recordPayment",
                user_id: caller.user_id,
                idempotency: None,
            },
            async |txn, now| {
                let payment = supplier_payment::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    community_id: Set(caller.community_id),
                    supplier_id: Set(supplier.id),
                    amount_fen: Set(input.amount_fen),
                    paid_on: Set(input.paid_on),
                    reference: Set(reference.clone()),
                    created_by: Set(caller.user_id),
                    created_at: Set(now),
                }
                .insert(&**txn)
                .await?;
                for inv in &invoices {
                    set_invoice(txn, inv, InvoiceStatus::Paid, now, |u| {
                        u.col_expr(
                            supplier_invoice::Column::PaymentId,
                            Expr::value(Some(payment.id)),
                        )
                    })
                    .await?;
                }
                let invoice_ids: Vec<Uuid> = invoices.iter().map(|i| i.id).collect();
                let mut entity_ids = vec![payment.id, supplier.id];
                entity_ids.extend(&invoice_ids);
                Ok(Effect::Changed {
                    result_id: payment.id,
                    audit: Audit {
                        institution_id: Some(caller.institution_id),
                        entity_type: "supplier_payment",
                        entity_ids,
                        detail: Some(serde_json::json!({
                            "amountFen": payment.amount_fen, "reference": payment.reference,
                            "invoices": invoices.iter().map(|i| &i.number).collect::<Vec<_>>(),
                        })),
                    },
                    value: PaymentView {
                        payment,
                        invoice_ids,
                    },
                })
            },
        )
        .await?
        .once()
    }

    pub async fn payment(&self, caller: &Caller, id: Uuid) -> Result<PaymentView> {
        authz::authorize(
            caller,
            Action::ReadProcurement,
            Scope::Community(caller.community_id),
        )?;
        let conn = self.db.conn();
        let payment = supplier_payment::Entity::find_by_id(id)
            .one(conn)
            .await?
            .filter(|p| p.community_id == caller.community_id)
            .ok_or_else(|| Error::not_found("payment", id))?;
        let invoice_ids = supplier_invoice::Entity::find()
            .filter(supplier_invoice::Column::PaymentId.eq(payment.id))
            .all(conn)
            .await?
            .into_iter()
            .map(|i| i.id)
            .collect();
        Ok(PaymentView {
            payment,
            invoice_ids,
        })
    }

    pub async fn payments(
        &self,
        caller: &Caller,
        supplier_id: Option<Uuid>,
    ) -> Result<Vec<PaymentView>> {
        authz::authorize(
            caller,
            Action::ReadProcurement,
            Scope::Community(caller.community_id),
        )?;
        let conn = self.db.conn();
        let mut q = supplier_payment::Entity::find()
            .filter(supplier_payment::Column::CommunityId.eq(caller.community_id));
        if let Some(s) = supplier_id {
            q = q.filter(supplier_payment::Column::SupplierId.eq(s));
        }
        let rows = q
            .order_by_desc(supplier_payment::Column::Id)
            .all(conn)
            .await?;
        let ids: Vec<Uuid> = rows.iter().map(|p| p.id).collect();
        let mut settled: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for i in supplier_invoice::Entity::find()
            .filter(supplier_invoice::Column::PaymentId.is_in(ids))
            .all(conn)
            .await?
        {
            if let Some(p) = i.payment_id {
                settled.entry(p).or_default().push(i.id);
            }
        }
        Ok(rows
            .into_iter()
            .map(|p| PaymentView {
                invoice_ids: settled.remove(&p.id).unwrap_or_default(),
                payment: p,
            })
            .collect())
    }

    /// What is owed to each supplier, with its age.
    pub async fn payables(&self, caller: &Caller) -> Result<Vec<Payable>> {
        authz::authorize(
            caller,
            Action::ReadProcurement,
            Scope::Community(caller.community_id),
        )?;
        let conn = self.db.conn();
        let today = business_date(self.clock.now());
        let suppliers = self.suppliers(caller, None).await?;
        let approved = supplier_invoice::Entity::find()
            .filter(supplier_invoice::Column::CommunityId.eq(caller.community_id))
            .filter(supplier_invoice::Column::Status.eq(InvoiceStatus::Approved))
            .order_by_asc(supplier_invoice::Column::InvoiceDate)
            .all(conn)
            .await?;
        // When the goods an invoice bills were received: its first receipt.
        let billed = invoiced_receipt::Entity::find()
            .filter(
                invoiced_receipt::Column::InvoiceId
                    .is_in(approved.iter().map(|i| i.id).collect::<Vec<_>>()),
            )
            .all(conn)
            .await?;
        let receipt_ids: Vec<Uuid> = billed.iter().map(|b| b.receipt_line_id).collect();
        let received: HashMap<Uuid, NaiveDate> = receipt_line::Entity::find()
            .filter(receipt_line::Column::Id.is_in(receipt_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|r| (r.id, business_date(r.received_at)))
            .collect();
        let mut first_receipt: HashMap<Uuid, NaiveDate> = HashMap::new();
        for b in &billed {
            if let Some(d) = received.get(&b.receipt_line_id) {
                let e = first_receipt.entry(b.invoice_id).or_insert(*d);
                *e = (*e).min(*d);
            }
        }
        // Received and not invoiced, at the order's price per pack.
        let all_billed: HashSet<Uuid> = invoiced_receipt::Entity::find()
            .all(conn)
            .await?
            .into_iter()
            .map(|b| b.receipt_line_id)
            .collect();
        let orders: HashMap<Uuid, Uuid> = crate::entity::purchase_order::Entity::find()
            .filter(crate::entity::purchase_order::Column::CommunityId.eq(caller.community_id))
            .all(conn)
            .await?
            .into_iter()
            .map(|o| (o.id, o.supplier_id))
            .collect();
        let lines: HashMap<Uuid, i64> = purchase_order_line::Entity::find()
            .filter(
                purchase_order_line::Column::OrderId
                    .is_in(orders.keys().copied().collect::<Vec<_>>()),
            )
            .all(conn)
            .await?
            .into_iter()
            .map(|l| (l.id, l.units_per_pack.max(1)))
            .collect();
        let mut uninvoiced: HashMap<Uuid, i64> = HashMap::new();
        for r in receipt_line::Entity::find()
            .filter(receipt_line::Column::OrderId.is_in(orders.keys().copied().collect::<Vec<_>>()))
            .all(conn)
            .await?
        {
            if all_billed.contains(&r.id) {
                continue;
            }
            let per = lines.get(&r.order_line_id).copied().unwrap_or(1);
            if let Some(s) = orders.get(&r.order_id) {
                *uninvoiced.entry(*s).or_default() +=
                    (r.quantity * r.pack_price_fen + per / 2) / per;
            }
        }
        let mut out = Vec::new();
        for s in suppliers {
            let invoices: Vec<supplier_invoice::Model> = approved
                .iter()
                .filter(|i| i.supplier_id == s.id)
                .cloned()
                .collect();
            let mut ageing = [0i64; 4];
            let mut overdue = 0;
            for inv in &invoices {
                let since = first_receipt
                    .get(&inv.id)
                    .copied()
                    .unwrap_or(inv.invoice_date);
                let days = (today - since).num_days();
                ageing[bucket(days)] += inv.total_fen;
                if days > PAYMENT_DAYS {
                    overdue += inv.total_fen;
                }
            }
            let approved_fen = invoices.iter().map(|i| i.total_fen).sum();
            let uninvoiced_fen = uninvoiced.get(&s.id).copied().unwrap_or(0);
            if approved_fen == 0 && uninvoiced_fen == 0 {
                continue;
            }
            out.push(Payable {
                supplier: s,
                approved_fen,
                ageing_fen: ageing,
                overdue_fen: overdue,
                uninvoiced_fen,
                invoices,
            });
        }
        Ok(out)
    }

    /// `payables.xlsx`: one row per supplier, with the ageing.
    pub async fn export_payables(&self, caller: &Caller) -> Result<Vec<u8>> {
        let rows = self.payables(caller).await?;
        let today = business_date(self.clock.now());
        let mut total = [0i64; 7];
        let body: Vec<Vec<Cell>> = rows
            .iter()
            .map(|p| {
                let figures = [
                    p.approved_fen,
                    p.ageing_fen[0],
                    p.ageing_fen[1],
                    p.ageing_fen[2],
                    p.ageing_fen[3],
                    p.overdue_fen,
                    p.uninvoiced_fen,
                ];
                for (t, f) in total.iter_mut().zip(figures) {
                    *t += f;
                }
                let mut row = vec![
                    Cell::Text(p.supplier.name.clone()),
                    Cell::Text(p.supplier.uscc.clone()),
                    Cell::Int(p.invoices.len() as i64),
                ];
                row.extend(figures.into_iter().map(Cell::Yuan));
                row
            })
            .collect();
        let mut footer = vec![Cell::from("合计 total"), Cell::Empty, Cell::Empty];
        footer.extend(total.into_iter().map(Cell::Yuan));
        let sheet = Sheet {
            name: "应付账款".into(),
            heading: vec![("应付账款 Payables".into(), Cell::Date(today))],
            columns: vec![
                "供应商",
                "统一社会信用代码",
                "发票数",
                "应付合计（元）",
                "0–30 天",
                "31–60 天",
                "61–90 天",
                "90 天以上",
                "逾期（超 30 天）",
                "已收货未开票",
            ],
            rows: body,
            footer: vec![footer],
        };
        workbook(vec![sheet]).await
    }
}

#[cfg(test)]
mod tests {
    use super::bucket;

    #[test]
    fn ageing_buckets_are_inclusive_at_their_top() {
        assert_eq!(
            [0, 30, 31, 60, 61, 90, 91, 400].map(bucket),
            [0, 0, 1, 1, 2, 2, 3, 3]
        );
    }
}
