//! Procurement's GraphQL types.

use crate::catalogue::types::{Item, load_item};
use crate::context::{loaders, not_found};
use crate::directory::types::{Institution, load_institution};
use crate::stock::types::Batch;
use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;
use yaolian_backend::enums as be;
use yaolian_backend::model;
use yaolian_backend::procurement::{AgreementView, OrderView, ReceiptLineView};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::SupplierStatus")]
pub enum SupplierStatus {
    Active,
    Inactive,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::PurchaseOrderStatus")]
pub enum PurchaseOrderStatus {
    Draft,
    Submitted,
    PartiallyReceived,
    Received,
    Closed,
    Cancelled,
}

pub(crate) async fn load_supplier(ctx: &Context<'_>, id: Uuid) -> Result<Supplier> {
    loaders(ctx)?
        .suppliers
        .load_one(id)
        .await
        .map_err(|e| (*e).clone())?
        .map(Supplier)
        .ok_or_else(|| not_found("supplier", id))
}

pub struct Supplier(pub model::Supplier);

#[Object]
impl Supplier {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// 统一社会信用代码.
    async fn uscc(&self) -> &str {
        &self.0.uscc
    }
    /// 药品经营许可证.
    async fn licence_number(&self) -> &str {
        &self.0.licence_number
    }
    async fn licence_expiry(&self) -> NaiveDate {
        self.0.licence_expiry
    }
    async fn contact_name(&self) -> Option<&str> {
        self.0.contact_name.as_deref()
    }
    async fn contact_phone(&self) -> Option<&str> {
        self.0.contact_phone.as_deref()
    }
    /// A first-level distributor under 两票制.
    async fn first_level_distributor(&self) -> bool {
        self.0.first_level_distributor
    }
    async fn status(&self) -> SupplierStatus {
        self.0.status.into()
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Days from today to the licence's expiry (negative once expired).
    async fn licence_days_left(&self, ctx: &Context<'_>) -> i64 {
        use crate::context::ContextExt;
        let today = yaolian_backend::clock::business_date(ctx.backend().clock().now());
        (self.0.licence_expiry - today).num_days()
    }
    /// Why an order to this supplier would be refused today, if it would.
    async fn order_blocked_reason(&self, ctx: &Context<'_>) -> Option<String> {
        use crate::context::ContextExt;
        ctx.backend()
            .supplier_orderable_today(&self.0)
            .err()
            .map(|e| e.to_string())
    }
    /// The same, in Chinese.
    async fn order_blocked_reason_zh(&self, ctx: &Context<'_>) -> Option<String> {
        use crate::context::ContextExt;
        ctx.backend()
            .supplier_orderable_today(&self.0)
            .err()
            .map(|e| match &e {
                yaolian_backend::Error::Validation(fields) => fields
                    .iter()
                    .map(|f| f.message_zh.clone())
                    .collect::<Vec<_>>()
                    .join("；"),
                other => other.message_zh(),
            })
    }
}

pub struct PriceAgreement(pub AgreementView);

#[Object]
impl PriceAgreement {
    async fn id(&self) -> ID {
        ID(self.0.agreement.id.to_string())
    }
    async fn supplier(&self, ctx: &Context<'_>) -> Result<Supplier> {
        load_supplier(ctx, self.0.agreement.supplier_id).await
    }
    async fn item(&self, ctx: &Context<'_>) -> Result<Item> {
        load_item(ctx, self.0.agreement.item_id).await
    }
    async fn package_level(&self) -> i32 {
        self.0.agreement.package_level
    }
    /// Per pack of `packageLevel`.
    async fn unit_price_fen(&self) -> i64 {
        self.0.agreement.unit_price_fen
    }
    async fn valid_from(&self) -> NaiveDate {
        self.0.agreement.valid_from
    }
    /// The last day in force.
    async fn valid_to(&self) -> NaiveDate {
        self.0.agreement.valid_to
    }
    /// Won in volume-based procurement (集采).
    async fn vbp(&self) -> bool {
        self.0.agreement.vbp
    }
    async fn vbp_annual_packs(&self) -> Option<i64> {
        self.0.agreement.vbp_annual_packs
    }
    async fn min_order_packs(&self) -> i64 {
        self.0.agreement.min_order_packs
    }
    /// Packs received on order lines placed under this agreement.
    async fn received_packs(&self) -> i64 {
        self.0.received_packs
    }
    /// 集采 completion: received over agreed, in per mille.
    async fn vbp_completion_permille(&self) -> Option<i64> {
        self.0.vbp_completion_permille()
    }
}

pub struct PurchaseOrder(pub OrderView);

#[Object]
impl PurchaseOrder {
    async fn id(&self) -> ID {
        ID(self.0.order.id.to_string())
    }
    /// `PO-YYYY-NNNNNN`.
    async fn number(&self) -> &str {
        &self.0.order.number
    }
    async fn status(&self) -> PurchaseOrderStatus {
        self.0.order.status.into()
    }
    async fn supplier(&self, ctx: &Context<'_>) -> Result<Supplier> {
        load_supplier(ctx, self.0.order.supplier_id).await
    }
    /// Where the goods are delivered: the logistics centre.
    async fn institution(&self, ctx: &Context<'_>) -> Result<Institution> {
        load_institution(ctx, self.0.order.institution_id).await
    }
    async fn note(&self) -> Option<&str> {
        self.0.order.note.as_deref()
    }
    async fn closed_reason(&self) -> Option<&str> {
        self.0.order.closed_reason.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.order.created_at
    }
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.0.order.submitted_at
    }
    async fn version(&self) -> i32 {
        self.0.order.version
    }
    /// Sum of ordered packs × price, in fen.
    async fn total_fen(&self) -> i64 {
        self.0.total_fen()
    }
    async fn lines(&self) -> Vec<PurchaseOrderLine> {
        self.0
            .lines
            .iter()
            .cloned()
            .map(PurchaseOrderLine)
            .collect()
    }
    /// What was received on it, scan by scan: lots, expiries, receipt
    /// documents and traceability codes.
    async fn receipts(&self, ctx: &Context<'_>) -> Result<Vec<ReceiptLine>> {
        use crate::context::ContextExt;
        use crate::error::GqlResult;
        let caller = ctx.caller()?;
        let lines = ctx
            .backend()
            .receipt_lines(caller, self.0.order.id)
            .await
            .gql()?;
        Ok(lines.into_iter().map(ReceiptLine).collect())
    }
}

pub struct PurchaseOrderLine(pub model::PurchaseOrderLine);

impl PurchaseOrderLine {
    fn ordered_units(&self) -> i64 {
        self.0.ordered_packs * self.0.units_per_pack
    }
}

#[Object]
impl PurchaseOrderLine {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn line_no(&self) -> i32 {
        self.0.line_no
    }
    async fn item(&self, ctx: &Context<'_>) -> Result<Item> {
        load_item(ctx, self.0.item_id).await
    }
    async fn package_level(&self) -> i32 {
        self.0.package_level
    }
    async fn units_per_pack(&self) -> i64 {
        self.0.units_per_pack
    }
    async fn ordered_packs(&self) -> i64 {
        self.0.ordered_packs
    }
    /// Packs beyond the ordered quantity that may be received.
    async fn over_packs(&self) -> i64 {
        self.0.over_packs
    }
    /// Whole packs of the ordered level received so far.
    async fn received_packs(&self) -> i64 {
        self.0.received_quantity / self.0.units_per_pack.max(1)
    }
    /// Base units ordered.
    async fn ordered_quantity(&self) -> i64 {
        self.ordered_units()
    }
    /// Base units received so far.
    async fn received_quantity(&self) -> i64 {
        self.0.received_quantity
    }
    /// Base units still to come (0 once complete).
    async fn remaining_quantity(&self) -> i64 {
        (self.ordered_units() - self.0.received_quantity).max(0)
    }
    /// Per pack of `packageLevel`, in fen.
    async fn unit_price_fen(&self) -> i64 {
        self.0.unit_price_fen
    }
    async fn amount_fen(&self) -> i64 {
        self.0.ordered_packs.saturating_mul(self.0.unit_price_fen)
    }
    /// Priced under an agreement in force (协议价).
    async fn agreed_price(&self) -> bool {
        self.0.agreement_id.is_some()
    }
}

pub struct ReceiptLine(pub ReceiptLineView);

#[Object]
impl ReceiptLine {
    async fn id(&self) -> ID {
        ID(self.0.line.id.to_string())
    }
    async fn batch(&self) -> Batch {
        Batch(self.0.batch.clone())
    }
    async fn item(&self, ctx: &Context<'_>) -> Result<Item> {
        load_item(ctx, self.0.line.item_id).await
    }
    /// Packs of the scanned level.
    async fn packs(&self) -> i64 {
        self.0.line.packs
    }
    async fn package_level(&self) -> i32 {
        self.0.line.package_level
    }
    /// Base units received.
    async fn quantity(&self) -> i64 {
        self.0.line.quantity
    }
    /// Per base unit, in fen, as posted to the ledger.
    async fn unit_cost_fen(&self) -> i64 {
        self.0.line.unit_cost_fen
    }
    /// Received into quarantine (a cold-chain item outside its range).
    async fn quarantined(&self) -> bool {
        self.0.line.quarantined
    }
    async fn temperature_celsius(&self) -> Option<f64> {
        self.0
            .line
            .temperature_decicelsius
            .map(|t| f64::from(t) / 10.0)
    }
    async fn short_dated_reason(&self) -> Option<&str> {
        self.0.line.short_dated_reason.as_deref()
    }
    async fn received_at(&self) -> DateTime<Utc> {
        self.0.line.received_at
    }
    /// The day's receipt document, `GR-YYYY-NNNNNN`.
    async fn receipt_number(&self) -> &str {
        &self.0.receipt_number
    }
    async fn trace_codes(&self) -> &[String] {
        &self.0.trace_codes
    }
    /// The order line after this receipt.
    async fn order_line(&self) -> PurchaseOrderLine {
        PurchaseOrderLine(self.0.order_line.clone())
    }
    /// The order after this receipt (its status and lines).
    async fn purchase_order(&self, ctx: &Context<'_>) -> Result<PurchaseOrder> {
        let id = self.0.order.id;
        loaders(ctx)?
            .purchase_orders
            .load_one(id)
            .await
            .map_err(|e| (*e).clone())?
            .map(PurchaseOrder)
            .ok_or_else(|| not_found("purchase order", id))
    }
}

/// How much of an item an institution should ask for, and why.
pub struct SuggestionLine(pub yaolian_backend::procurement::SuggestionLine);

#[Object]
impl SuggestionLine {
    async fn item(&self) -> Item {
        Item {
            model: self.0.item.clone(),
            levels: None,
        }
    }
    async fn institution(&self, ctx: &Context<'_>) -> Result<Institution> {
        load_institution(ctx, self.0.institution_id).await
    }
    /// Average monthly consumption in base units, over the days of the
    /// last 90 with stock on hand.
    async fn amc(&self) -> f64 {
        (self.0.amc * 10.0).round() / 10.0
    }
    /// The days with stock behind the AMC, in months.
    async fn months_of_data(&self) -> f64 {
        (self.0.months_of_data * 10.0).round() / 10.0
    }
    /// Usable on hand, base units.
    async fn on_hand(&self) -> i64 {
        self.0.on_hand
    }
    async fn in_transit(&self) -> i64 {
        self.0.in_transit
    }
    async fn on_requisition(&self) -> i64 {
        self.0.on_requisition
    }
    async fn on_order(&self) -> i64 {
        self.0.on_order
    }
    async fn min_months(&self) -> f64 {
        self.0.min_months_tenths as f64 / 10.0
    }
    async fn max_months(&self) -> f64 {
        self.0.max_months_tenths as f64 / 10.0
    }
    /// AMC × maximum months, base units.
    async fn target(&self) -> i64 {
        self.0.target
    }
    /// Target less the stock position, base units.
    async fn suggested_quantity(&self) -> i64 {
        self.0.suggested_quantity
    }
    async fn units_per_pack(&self) -> i64 {
        self.0.units_per_pack
    }
    /// Whole packs of the smallest level.
    async fn suggested_packs(&self) -> i64 {
        self.0.suggested_packs
    }
}

pub struct ProcurementPlan(pub yaolian_backend::procurement::ProcurementPlan);

#[Object]
impl ProcurementPlan {
    async fn generated_at(&self) -> DateTime<Utc> {
        self.0.generated_at
    }
    async fn lines(&self) -> Vec<PlanLine> {
        self.0.lines.iter().cloned().map(PlanLine).collect()
    }
    /// Sum of the lines with a price, in fen.
    async fn total_fen(&self) -> i64 {
        self.0.lines.iter().filter_map(|l| l.amount_fen()).sum()
    }
}

pub struct PlanLine(pub yaolian_backend::procurement::PlanLine);

#[Object]
impl PlanLine {
    async fn item(&self) -> Item {
        Item {
            model: self.0.item.clone(),
            levels: None,
        }
    }
    /// Packs of the chosen agreement's level (the smallest without one).
    async fn quantity_packs(&self) -> i64 {
        self.0.quantity_packs
    }
    /// Base units.
    async fn quantity(&self) -> i64 {
        self.0.quantity
    }
    async fn package_level(&self) -> i32 {
        self.0.agreement.as_ref().map_or(1, |a| a.package_level)
    }
    async fn units_per_pack(&self) -> i64 {
        self.0.units_per_pack
    }
    /// The chosen supplier: 集采 first, else the lowest price per unit.
    async fn supplier(&self, ctx: &Context<'_>) -> Result<Option<Supplier>> {
        match &self.0.agreement {
            Some(a) => load_supplier(ctx, a.supplier_id).await.map(Some),
            None => Ok(None),
        }
    }
    async fn unit_price_fen(&self) -> Option<i64> {
        self.0.agreement.as_ref().map(|a| a.unit_price_fen)
    }
    async fn amount_fen(&self) -> Option<i64> {
        self.0.amount_fen()
    }
    async fn vbp(&self) -> bool {
        self.0.agreement.as_ref().is_some_and(|a| a.vbp)
    }
    async fn min_order_packs(&self) -> Option<i64> {
        self.0.agreement.as_ref().map(|a| a.min_order_packs)
    }
    /// How the need was computed, in base units: members' suggestions plus
    /// approved requisitions plus the centre's buffer, less the centre's
    /// usable stock and what is on order.
    async fn member_suggestions(&self) -> i64 {
        self.0.member_suggestions
    }
    async fn approved_requisitions(&self) -> i64 {
        self.0.approved_requisitions
    }
    async fn centre_buffer(&self) -> i64 {
        self.0.centre_buffer
    }
    async fn centre_amc(&self) -> f64 {
        (self.0.centre_amc * 10.0).round() / 10.0
    }
    async fn centre_on_hand(&self) -> i64 {
        self.0.centre_on_hand
    }
    async fn on_order(&self) -> i64 {
        self.0.on_order
    }
    async fn need(&self) -> i64 {
        self.0.need
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::InvoiceStatus")]
pub enum InvoiceStatus {
    Entered,
    Matched,
    Mismatched,
    Approved,
    Paid,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "yaolian_backend::procurement::DifferenceKind")]
pub enum DifferenceKind {
    /// The item is not on the order.
    NotOnOrder,
    /// Invoiced base units differ from those received and not yet invoiced.
    Quantity,
    /// The price per pack differs from the order's.
    Price,
    /// The amount is not packs × price.
    Amount,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::AccountEntryKind")]
pub enum AccountEntryKind {
    Shipment,
    Return,
}

pub struct SupplierInvoice(pub yaolian_backend::procurement::InvoiceView);

#[Object]
impl SupplierInvoice {
    async fn id(&self) -> ID {
        ID(self.0.invoice.id.to_string())
    }
    /// The supplier's invoice number (发票号码).
    async fn number(&self) -> &str {
        &self.0.invoice.number
    }
    async fn invoice_date(&self) -> NaiveDate {
        self.0.invoice.invoice_date
    }
    async fn total_fen(&self) -> i64 {
        self.0.invoice.total_fen
    }
    async fn status(&self) -> InvoiceStatus {
        self.0.invoice.status.into()
    }
    async fn supplier(&self, ctx: &Context<'_>) -> Result<Supplier> {
        load_supplier(ctx, self.0.invoice.supplier_id).await
    }
    async fn purchase_order(&self, ctx: &Context<'_>) -> Result<PurchaseOrder> {
        use crate::context::ContextExt;
        use crate::error::GqlResult;
        let caller = ctx.caller()?;
        ctx.backend()
            .purchase_order(caller, self.0.invoice.order_id)
            .await
            .gql()
            .map(PurchaseOrder)
    }
    async fn lines(&self) -> Vec<InvoiceLine> {
        self.0.lines.iter().cloned().map(InvoiceLine).collect()
    }
    /// What the last match found; empty when it matched.
    async fn differences(&self) -> Vec<InvoiceDifference> {
        self.0
            .differences
            .iter()
            .cloned()
            .map(InvoiceDifference)
            .collect()
    }
}

pub struct InvoiceLine(pub model::SupplierInvoiceLine);

#[Object]
impl InvoiceLine {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn line_no(&self) -> i32 {
        self.0.line_no
    }
    async fn item(&self, ctx: &Context<'_>) -> Result<Item> {
        load_item(ctx, self.0.item_id).await
    }
    /// Packs of the order line's level.
    async fn packs(&self) -> i64 {
        self.0.packs
    }
    async fn unit_price_fen(&self) -> i64 {
        self.0.unit_price_fen
    }
    async fn amount_fen(&self) -> i64 {
        self.0.amount_fen
    }
}

pub struct InvoiceDifference(pub yaolian_backend::procurement::Difference);

#[Object]
impl InvoiceDifference {
    async fn line_no(&self) -> i32 {
        self.0.line_no
    }
    async fn item(&self, ctx: &Context<'_>) -> Result<Item> {
        load_item(ctx, self.0.item_id).await
    }
    async fn kind(&self) -> DifferenceKind {
        self.0.kind.into()
    }
    /// What the order or the receipts say (base units for QUANTITY, fen
    /// for PRICE and AMOUNT).
    async fn expected(&self) -> i64 {
        self.0.expected
    }
    /// What the invoice says.
    async fn actual(&self) -> i64 {
        self.0.actual
    }
}

pub struct Payment(pub yaolian_backend::procurement::PaymentView);

#[Object]
impl Payment {
    async fn id(&self) -> ID {
        ID(self.0.payment.id.to_string())
    }
    async fn amount_fen(&self) -> i64 {
        self.0.payment.amount_fen
    }
    async fn paid_on(&self) -> NaiveDate {
        self.0.payment.paid_on
    }
    async fn reference(&self) -> &str {
        &self.0.payment.reference
    }
    async fn supplier(&self, ctx: &Context<'_>) -> Result<Supplier> {
        load_supplier(ctx, self.0.payment.supplier_id).await
    }
    async fn invoice_ids(&self) -> Vec<ID> {
        self.0
            .invoice_ids
            .iter()
            .map(|i| ID(i.to_string()))
            .collect()
    }
}

pub struct Payable(pub yaolian_backend::procurement::Payable);

#[Object]
impl Payable {
    async fn supplier(&self) -> Supplier {
        Supplier(self.0.supplier.clone())
    }
    /// Approved invoices not yet paid.
    async fn approved_fen(&self) -> i64 {
        self.0.approved_fen
    }
    /// Aged from the goods' receipt.
    async fn days_0_to_30_fen(&self) -> i64 {
        self.0.ageing_fen[0]
    }
    async fn days_31_to_60_fen(&self) -> i64 {
        self.0.ageing_fen[1]
    }
    async fn days_61_to_90_fen(&self) -> i64 {
        self.0.ageing_fen[2]
    }
    async fn over_90_days_fen(&self) -> i64 {
        self.0.ageing_fen[3]
    }
    /// Unpaid more than 30 days after receipt (集采 payment term).
    async fn overdue_fen(&self) -> i64 {
        self.0.overdue_fen
    }
    /// Received and not yet invoiced, at the order prices.
    async fn uninvoiced_fen(&self) -> i64 {
        self.0.uninvoiced_fen
    }
    async fn invoice_ids(&self) -> Vec<ID> {
        self.0
            .invoices
            .iter()
            .map(|i| ID(i.id.to_string()))
            .collect()
    }
}

pub struct MemberStatement(pub yaolian_backend::procurement::Statement);

#[Object]
impl MemberStatement {
    async fn institution(&self) -> Institution {
        Institution(self.0.institution.clone())
    }
    async fn from(&self) -> NaiveDate {
        self.0.from
    }
    async fn to(&self) -> NaiveDate {
        self.0.to
    }
    async fn opening_fen(&self) -> i64 {
        self.0.opening_fen
    }
    /// Goods sent to the member, at centre cost.
    async fn debits_fen(&self) -> i64 {
        self.0.debits_fen
    }
    /// Goods it returned.
    async fn credits_fen(&self) -> i64 {
        self.0.credits_fen
    }
    async fn closing_fen(&self) -> i64 {
        self.0.closing_fen
    }
    /// Of the period's net, essential medicines: dispensed at this cost
    /// (zero markup).
    async fn essential_fen(&self) -> i64 {
        self.0.essential_fen
    }
    async fn entries(&self) -> Vec<AccountEntry> {
        self.0.entries.iter().cloned().map(AccountEntry).collect()
    }
}

pub struct AccountEntry(pub model::MemberAccountEntry);

#[Object]
impl AccountEntry {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    async fn kind(&self) -> AccountEntryKind {
        self.0.kind.into()
    }
    async fn document_type(&self) -> crate::stock::types::DocumentType {
        self.0.document_type.into()
    }
    async fn document_number(&self) -> Option<&str> {
        self.0.document_number.as_deref()
    }
    async fn item(&self, ctx: &Context<'_>) -> Result<Item> {
        load_item(ctx, self.0.item_id).await
    }
    async fn batch(&self, ctx: &Context<'_>) -> Result<Batch> {
        crate::stock::types::load_batch(ctx, self.0.batch_id).await
    }
    /// Base units; negative for a return.
    async fn quantity(&self) -> i64 {
        self.0.quantity
    }
    /// Fen at centre cost; negative for a return.
    async fn amount_fen(&self) -> i64 {
        self.0.amount_fen
    }
    async fn essential(&self) -> bool {
        self.0.essential
    }
}
