//! Requisitions, shipments and delivery runs.

use super::types::{
    DeliveryRun, DeliveryRunStatus, Requisition, RequisitionStatus, Shipment, ShipmentKind,
    ShipmentStatus,
};
use crate::context::{ContextExt, LIST_WEIGHT, connection, page_rows, parse_id};
use crate::error::GqlResult;
use crate::limits::{connection_complexity, take_rows};
use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, ID, Object, Result};
use yaolian_backend::distribution::{RequisitionFilter, ShipmentFilter};
use yaolian_backend::page::PageRequest;

#[derive(Default)]
pub struct DistributionQuery;

#[Object]
impl DistributionQuery {
    async fn requisition(&self, ctx: &Context<'_>, id: ID) -> Result<Requisition> {
        let caller = ctx.caller()?;
        let id = parse_id(&id, "id")?;
        ctx.backend()
            .requisition(caller, id)
            .await
            .gql()
            .map(Requisition)
    }

    /// Requisitions, emergencies first, then oldest first. A member sees
    /// its own.
    #[graphql(complexity = "connection_complexity(first, child_complexity)")]
    async fn requisitions(
        &self,
        ctx: &Context<'_>,
        status: Option<RequisitionStatus>,
        institution_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Requisition, EmptyFields, EmptyFields>> {
        let caller = ctx.caller()?;
        take_rows(ctx, page_rows(first))?;
        let filter = RequisitionFilter {
            status: status.map(Into::into),
            institution_id: institution_id
                .as_ref()
                .map(|id| parse_id(id, "institutionId"))
                .transpose()?,
        };
        let page = ctx
            .backend()
            .requisitions(caller, filter, PageRequest { first, after })
            .await
            .gql()?;
        Ok(connection(page, Requisition))
    }

    async fn shipment(&self, ctx: &Context<'_>, id: ID) -> Result<Shipment> {
        let caller = ctx.caller()?;
        let id = parse_id(&id, "id")?;
        ctx.backend().shipment(caller, id).await.gql().map(Shipment)
    }

    /// The shipment a scanned or typed `SH-…` label names.
    async fn shipment_by_number(&self, ctx: &Context<'_>, number: String) -> Result<Shipment> {
        let caller = ctx.caller()?;
        ctx.backend()
            .shipment_by_number(caller, &number)
            .await
            .gql()
            .map(Shipment)
    }

    /// Shipments to or from an institution (a member: its own), newest
    /// first.
    #[graphql(complexity = "connection_complexity(first, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn shipments(
        &self,
        ctx: &Context<'_>,
        status: Option<ShipmentStatus>,
        institution_id: Option<ID>,
        kind: Option<ShipmentKind>,
        delivery_run_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Shipment, EmptyFields, EmptyFields>> {
        let caller = ctx.caller()?;
        take_rows(ctx, page_rows(first))?;
        let filter = ShipmentFilter {
            status: status.map(Into::into),
            institution_id: institution_id
                .as_ref()
                .map(|id| parse_id(id, "institutionId"))
                .transpose()?,
            delivery_run_id: delivery_run_id
                .as_ref()
                .map(|id| parse_id(id, "deliveryRunId"))
                .transpose()?,
            requisition_id: None,
            kind: kind.map(Into::into),
        };
        let page = ctx
            .backend()
            .shipments(caller, filter, PageRequest { first, after })
            .await
            .gql()?;
        Ok(connection(page, Shipment))
    }

    async fn delivery_run(&self, ctx: &Context<'_>, id: ID) -> Result<DeliveryRun> {
        let caller = ctx.caller()?;
        let id = parse_id(&id, "id")?;
        ctx.backend()
            .delivery_run(caller, id)
            .await
            .gql()
            .map(DeliveryRun)
    }

    /// Everything on its way to an institution: the stock screen's
    /// "in transit".
    #[graphql(complexity = "LIST_WEIGHT * child_complexity")]
    async fn stock_in_transit(
        &self,
        ctx: &Context<'_>,
        institution_id: ID,
    ) -> Result<Vec<super::types::TransitLine>> {
        let caller = ctx.caller()?;
        let id = parse_id(&institution_id, "institutionId")?;
        let rows = ctx.backend().stock_in_transit(caller, id).await.gql()?;
        take_rows(ctx, rows.len() as i64)?;
        Ok(rows.into_iter().map(super::types::TransitLine).collect())
    }

    /// Delivery runs, the next to leave first.
    #[graphql(complexity = "LIST_WEIGHT * child_complexity")]
    async fn delivery_runs(
        &self,
        ctx: &Context<'_>,
        status: Option<DeliveryRunStatus>,
    ) -> Result<Vec<DeliveryRun>> {
        let caller = ctx.caller()?;
        let rows = ctx
            .backend()
            .delivery_runs(caller, status.map(Into::into))
            .await
            .gql()?;
        take_rows(ctx, rows.len() as i64)?;
        Ok(rows.into_iter().map(DeliveryRun).collect())
    }
}
