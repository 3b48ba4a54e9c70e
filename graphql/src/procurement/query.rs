//! Suppliers, agreements and purchase orders.

use super::types::{
    PriceAgreement, ProcurementPlan, PurchaseOrder, PurchaseOrderStatus, SuggestionLine, Supplier,
    SupplierStatus,
};
use crate::context::{ContextExt, LIST_WEIGHT, connection, page_rows, parse_id};
use crate::error::GqlResult;
use crate::limits::{connection_complexity, take_rows};
use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, ID, Object, Result};
use chrono::NaiveDate;
use yaolian_backend::page::PageRequest;
use yaolian_backend::procurement::{AgreementFilter, OrderFilter};

#[derive(Default)]
pub struct ProcurementQuery;

#[Object]
impl ProcurementQuery {
    /// Suppliers, by name.
    #[graphql(complexity = "LIST_WEIGHT * child_complexity")]
    async fn suppliers(
        &self,
        ctx: &Context<'_>,
        status: Option<SupplierStatus>,
    ) -> Result<Vec<Supplier>> {
        let caller = ctx.caller()?;
        let rows = ctx
            .backend()
            .suppliers(caller, status.map(Into::into))
            .await
            .gql()?;
        take_rows(ctx, rows.len() as i64)?;
        Ok(rows.into_iter().map(Supplier).collect())
    }

    async fn supplier(&self, ctx: &Context<'_>, id: ID) -> Result<Supplier> {
        let caller = ctx.caller()?;
        let id = parse_id(&id, "id")?;
        ctx.backend().supplier(caller, id).await.gql().map(Supplier)
    }

    /// Price agreements, optionally of one supplier or item, or in force on
    /// a day.
    #[graphql(complexity = "LIST_WEIGHT * child_complexity")]
    async fn price_agreements(
        &self,
        ctx: &Context<'_>,
        supplier_id: Option<ID>,
        item_id: Option<ID>,
        in_force_on: Option<NaiveDate>,
    ) -> Result<Vec<PriceAgreement>> {
        let caller = ctx.caller()?;
        let filter = AgreementFilter {
            supplier_id: supplier_id
                .as_ref()
                .map(|id| parse_id(id, "supplierId"))
                .transpose()?,
            item_id: item_id
                .as_ref()
                .map(|id| parse_id(id, "itemId"))
                .transpose()?,
            in_force_on,
        };
        let rows = ctx.backend().price_agreements(caller, filter).await.gql()?;
        take_rows(ctx, rows.len() as i64)?;
        Ok(rows.into_iter().map(PriceAgreement).collect())
    }

    async fn purchase_order(&self, ctx: &Context<'_>, id: ID) -> Result<PurchaseOrder> {
        let caller = ctx.caller()?;
        let id = parse_id(&id, "id")?;
        ctx.backend()
            .purchase_order(caller, id)
            .await
            .gql()
            .map(PurchaseOrder)
    }

    /// The order a scanned or typed `PO-…` number names.
    async fn purchase_order_by_number(
        &self,
        ctx: &Context<'_>,
        number: String,
    ) -> Result<PurchaseOrder> {
        let caller = ctx.caller()?;
        ctx.backend()
            .purchase_order_by_number(caller, &number)
            .await
            .gql()
            .map(PurchaseOrder)
    }

    /// Purchase orders, newest first.
    #[graphql(complexity = "connection_complexity(first, child_complexity)")]
    async fn purchase_orders(
        &self,
        ctx: &Context<'_>,
        status: Option<PurchaseOrderStatus>,
        supplier_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, PurchaseOrder, EmptyFields, EmptyFields>> {
        let caller = ctx.caller()?;
        take_rows(ctx, page_rows(first))?;
        let filter = OrderFilter {
            status: status.map(Into::into),
            supplier_id: supplier_id
                .as_ref()
                .map(|id| parse_id(id, "supplierId"))
                .transpose()?,
        };
        let page = ctx
            .backend()
            .purchase_orders(caller, filter, PageRequest { first, after })
            .await
            .gql()?;
        Ok(connection(page, PurchaseOrder))
    }

    /// What an institution should ask for now, with how each line was
    /// computed (AMC, months of data, stock position, target).
    #[graphql(complexity = "LIST_WEIGHT * child_complexity")]
    async fn replenishment_suggestion(
        &self,
        ctx: &Context<'_>,
        institution_id: ID,
    ) -> Result<Vec<SuggestionLine>> {
        let caller = ctx.caller()?;
        let id = parse_id(&institution_id, "institutionId")?;
        let lines = ctx
            .backend()
            .replenishment_suggestion(caller, id)
            .await
            .gql()?;
        take_rows(ctx, lines.len() as i64)?;
        Ok(lines.into_iter().map(SuggestionLine).collect())
    }

    /// What the centre should buy now, for everyone.
    #[graphql(complexity = "LIST_WEIGHT * child_complexity")]
    async fn procurement_plan(&self, ctx: &Context<'_>) -> Result<ProcurementPlan> {
        let caller = ctx.caller()?;
        let plan = ctx.backend().procurement_plan(caller).await.gql()?;
        take_rows(ctx, plan.lines.len() as i64)?;
        Ok(ProcurementPlan(plan))
    }

    /// Supplier invoices, newest first.
    #[graphql(complexity = "LIST_WEIGHT * child_complexity")]
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        supplier_id: Option<ID>,
        status: Option<super::types::InvoiceStatus>,
    ) -> Result<Vec<super::types::SupplierInvoice>> {
        let caller = ctx.caller()?;
        let supplier_id = supplier_id
            .as_ref()
            .map(|id| parse_id(id, "supplierId"))
            .transpose()?;
        let rows = ctx
            .backend()
            .invoices(caller, supplier_id, status.map(Into::into))
            .await
            .gql()?;
        take_rows(ctx, rows.len() as i64)?;
        Ok(rows
            .into_iter()
            .map(super::types::SupplierInvoice)
            .collect())
    }

    async fn invoice(&self, ctx: &Context<'_>, id: ID) -> Result<super::types::SupplierInvoice> {
        let caller = ctx.caller()?;
        let id = parse_id(&id, "id")?;
        ctx.backend()
            .invoice(caller, id)
            .await
            .gql()
            .map(super::types::SupplierInvoice)
    }

    #[graphql(complexity = "LIST_WEIGHT * child_complexity")]
    async fn payments(
        &self,
        ctx: &Context<'_>,
        supplier_id: Option<ID>,
    ) -> Result<Vec<super::types::Payment>> {
        let caller = ctx.caller()?;
        let supplier_id = supplier_id
            .as_ref()
            .map(|id| parse_id(id, "supplierId"))
            .transpose()?;
        let rows = ctx.backend().payments(caller, supplier_id).await.gql()?;
        take_rows(ctx, rows.len() as i64)?;
        Ok(rows.into_iter().map(super::types::Payment).collect())
    }

    /// What the centre owes each supplier, aged from receipt.
    #[graphql(complexity = "LIST_WEIGHT * child_complexity")]
    async fn payables(&self, ctx: &Context<'_>) -> Result<Vec<super::types::Payable>> {
        let caller = ctx.caller()?;
        let rows = ctx.backend().payables(caller).await.gql()?;
        take_rows(ctx, rows.len() as i64)?;
        Ok(rows.into_iter().map(super::types::Payable).collect())
    }

    /// A member's account from `from` to `to` (business days, inclusive).
    async fn member_statement(
        &self,
        ctx: &Context<'_>,
        institution_id: ID,
        from: crate::context::Date,
        to: crate::context::Date,
    ) -> Result<super::types::MemberStatement> {
        let caller = ctx.caller()?;
        let id = parse_id(&institution_id, "institutionId")?;
        let st = ctx
            .backend()
            .member_statement(caller, id, from.0, to.0)
            .await
            .gql()?;
        take_rows(ctx, st.entries.len() as i64)?;
        Ok(super::types::MemberStatement(st))
    }
}
