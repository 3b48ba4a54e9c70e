//! Distribution's GraphQL types.

use crate::catalogue::types::{Item, load_item};
use crate::context::{ContextExt, loaders};
use crate::directory::types::{Institution, load_institution};
use crate::stock::types::{Batch, load_batch};
use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;
use yaolian_backend::distribution::{
    DeliveryRunView, ReceiptProgress, RequisitionView, ShipmentView,
};
use yaolian_backend::enums as be;
use yaolian_backend::model;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::RequisitionStatus")]
pub enum RequisitionStatus {
    Draft,
    Submitted,
    Approved,
    Rejected,
    Allocated,
    Dispatched,
    Received,
    Closed,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::ShipmentStatus")]
pub enum ShipmentStatus {
    Allocated,
    Dispatched,
    Received,
    Closed,
    Cancelled,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::ShipmentKind")]
pub enum ShipmentKind {
    /// From the centre to a member.
    Delivery,
    /// From a member back to the centre.
    Return,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::DeliveryRunStatus")]
pub enum DeliveryRunStatus {
    Planned,
    Dispatched,
    Cancelled,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::ReturnReason")]
pub enum ReturnReason {
    NearExpiry,
    Damaged,
    Recalled,
    Surplus,
    Transfer,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::DiscrepancyKind")]
pub enum DiscrepancyKind {
    Short,
    Over,
    Damaged,
    WrongBatch,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::DiscrepancyResolution")]
pub enum DiscrepancyResolution {
    Resend,
    Credit,
    WriteOff,
    Accept,
}

pub struct Requisition(pub RequisitionView);

#[Object]
impl Requisition {
    async fn id(&self) -> ID {
        ID(self.0.requisition.id.to_string())
    }
    /// `RQ-YYYY-NNNNNN`.
    async fn number(&self) -> &str {
        &self.0.requisition.number
    }
    async fn status(&self) -> RequisitionStatus {
        self.0.requisition.status.into()
    }
    async fn institution(&self, ctx: &Context<'_>) -> Result<Institution> {
        load_institution(ctx, self.0.requisition.institution_id).await
    }
    async fn emergency(&self) -> bool {
        self.0.requisition.emergency
    }
    async fn note(&self) -> Option<&str> {
        self.0.requisition.note.as_deref()
    }
    /// The institution of whoever made it; a township centre making it for
    /// one of its village clinics (代请领) shows here.
    async fn created_by_institution(&self, ctx: &Context<'_>) -> Result<Institution> {
        load_institution(ctx, self.0.requisition.created_by_institution_id).await
    }
    /// Made by another institution on this one's behalf (代请领).
    async fn on_behalf(&self) -> bool {
        self.0.requisition.created_by_institution_id != self.0.requisition.institution_id
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.requisition.created_at
    }
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.0.requisition.submitted_at
    }
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.requisition.decided_at
    }
    async fn rejection_reason(&self) -> Option<&str> {
        self.0.requisition.rejection_reason.as_deref()
    }
    /// Approved and not yet allocated, over all lines (base units).
    async fn backorder(&self) -> i64 {
        self.0.backorder()
    }
    async fn lines(&self) -> Vec<RequisitionLine> {
        self.0.lines.iter().cloned().map(RequisitionLine).collect()
    }
    /// The shipments made for it.
    async fn shipments(&self, ctx: &Context<'_>) -> Result<Vec<Shipment>> {
        let caller = ctx.caller()?;
        let page = ctx
            .backend()
            .shipments(
                caller,
                yaolian_backend::distribution::ShipmentFilter {
                    requisition_id: Some(self.0.requisition.id),
                    institution_id: Some(self.0.requisition.institution_id),
                    ..Default::default()
                },
                yaolian_backend::page::PageRequest {
                    first: Some(200),
                    after: None,
                },
            )
            .await
            .map_err(crate::error::to_gql)?;
        Ok(page.edges.into_iter().map(|(_, v)| Shipment(v)).collect())
    }
}

pub struct RequisitionLine(pub model::RequisitionLine);

#[Object]
impl RequisitionLine {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn line_no(&self) -> i32 {
        self.0.line_no
    }
    async fn item(&self, ctx: &Context<'_>) -> Result<Item> {
        load_item(ctx, self.0.item_id).await
    }
    /// Asked for, in base units.
    async fn quantity(&self) -> i64 {
        self.0.quantity
    }
    async fn approved_quantity(&self) -> Option<i64> {
        self.0.approved_quantity
    }
    async fn reduction_reason(&self) -> Option<&str> {
        self.0.reduction_reason.as_deref()
    }
    async fn allocated_quantity(&self) -> i64 {
        self.0.allocated_quantity
    }
    /// Approved and not yet allocated: the next allocation picks it up.
    async fn backorder(&self) -> i64 {
        self.0.backorder()
    }
}

pub struct Shipment(pub ShipmentView);

#[Object]
impl Shipment {
    async fn id(&self) -> ID {
        ID(self.0.shipment.id.to_string())
    }
    /// `SH-YYYY-NNNNNN`, the Code 128 on its labels.
    async fn number(&self) -> &str {
        &self.0.shipment.number
    }
    async fn kind(&self) -> ShipmentKind {
        self.0.shipment.kind.into()
    }
    async fn status(&self) -> ShipmentStatus {
        self.0.shipment.status.into()
    }
    async fn from(&self, ctx: &Context<'_>) -> Result<Institution> {
        load_institution(ctx, self.0.shipment.from_institution_id).await
    }
    async fn to(&self, ctx: &Context<'_>) -> Result<Institution> {
        load_institution(ctx, self.0.shipment.to_institution_id).await
    }
    async fn requisition_id(&self) -> Option<ID> {
        self.0.shipment.requisition_id.map(|i| ID(i.to_string()))
    }
    async fn delivery_run_id(&self) -> Option<ID> {
        self.0.shipment.delivery_run_id.map(|i| ID(i.to_string()))
    }
    /// For a return that is half of a transfer (调剂): where it goes on.
    async fn transfer_to(&self, ctx: &Context<'_>) -> Result<Option<Institution>> {
        match self.0.shipment.transfer_to_institution_id {
            Some(id) => load_institution(ctx, id).await.map(Some),
            None => Ok(None),
        }
    }
    async fn return_reason(&self) -> Option<ReturnReason> {
        self.0.shipment.return_reason.map(Into::into)
    }
    async fn emergency(&self) -> bool {
        self.0.shipment.emergency
    }
    async fn planned_date(&self) -> NaiveDate {
        self.0.shipment.planned_date
    }
    async fn package_count(&self) -> i32 {
        self.0.shipment.package_count
    }
    async fn note(&self) -> Option<&str> {
        self.0.shipment.note.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.shipment.created_at
    }
    async fn dispatched_at(&self) -> Option<DateTime<Utc>> {
        self.0.shipment.dispatched_at
    }
    async fn received_at(&self) -> Option<DateTime<Utc>> {
        self.0.shipment.received_at
    }
    /// Sent and neither arrived nor written off (base units).
    async fn in_transit(&self) -> i64 {
        self.0.in_transit()
    }
    async fn lines(&self) -> Vec<ShipmentLine> {
        ShipmentLine::all_of(&self.0)
    }
    async fn discrepancies(&self) -> Vec<Discrepancy> {
        self.0
            .discrepancies
            .iter()
            .cloned()
            .map(Discrepancy)
            .collect()
    }
}

/// A shipment's line, with the institution that sends it (where it is
/// picked).
pub struct ShipmentLine {
    pub line: model::ShipmentLine,
    pub from: Uuid,
}

impl ShipmentLine {
    fn of(view: &ShipmentView, line: model::ShipmentLine) -> Self {
        Self {
            line,
            from: view.shipment.from_institution_id,
        }
    }

    fn all_of(view: &ShipmentView) -> Vec<Self> {
        view.lines
            .iter()
            .cloned()
            .map(|line| Self::of(view, line))
            .collect()
    }
}

#[Object]
impl ShipmentLine {
    async fn id(&self) -> ID {
        ID(self.line.id.to_string())
    }
    async fn line_no(&self) -> i32 {
        self.line.line_no
    }
    async fn item(&self, ctx: &Context<'_>) -> Result<Item> {
        load_item(ctx, self.line.item_id).await
    }
    async fn batch(&self, ctx: &Context<'_>) -> Result<Batch> {
        load_batch(ctx, self.line.batch_id).await
    }
    /// Sent, in base units.
    async fn quantity(&self) -> i64 {
        self.line.quantity
    }
    /// Counted by receipt scans so far.
    async fn scanned_quantity(&self) -> i64 {
        self.line.scanned_quantity
    }
    /// Posted in at the destination.
    async fn received_quantity(&self) -> i64 {
        self.line.received_quantity
    }
    /// Written off as lost in transit.
    async fn lost_quantity(&self) -> i64 {
        self.line.lost_quantity
    }
    /// Where the sender keeps the item (a `LOC-…` code), for the picker;
    /// `null` when it has no place there.
    async fn location(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        loaders(ctx)?
            .locations
            .load_one((self.from, self.line.item_id))
            .await
            .map_err(|e| (*e).clone())
    }
    async fn requisition_line_id(&self) -> Option<ID> {
        self.line.requisition_line_id.map(|i| ID(i.to_string()))
    }
}

pub struct Discrepancy(pub model::ShipmentDiscrepancy);

#[Object]
impl Discrepancy {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn line_id(&self) -> ID {
        ID(self.0.shipment_line_id.to_string())
    }
    async fn kind(&self) -> DiscrepancyKind {
        self.0.kind.into()
    }
    async fn quantity(&self) -> i64 {
        self.0.quantity
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn resolution(&self) -> Option<DiscrepancyResolution> {
        self.0.resolution.map(Into::into)
    }
    async fn resolution_reason(&self) -> Option<&str> {
        self.0.resolution_reason.as_deref()
    }
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
}

/// Where a receipt stands after a scan.
pub struct ShipmentReceiptProgress(pub ReceiptProgress);

#[Object]
impl ShipmentReceiptProgress {
    async fn shipment(&self) -> Shipment {
        Shipment(self.0.view.clone())
    }
    /// The line the scan counted on.
    async fn line(&self) -> Option<ShipmentLine> {
        let id = self.0.line_id?;
        self.0
            .view
            .lines
            .iter()
            .find(|l| l.id == id)
            .cloned()
            .map(|line| ShipmentLine::of(&self.0.view, line))
    }
    /// Expected and scanned, per line.
    async fn lines(&self) -> Vec<ShipmentLine> {
        ShipmentLine::all_of(&self.0.view)
    }
    async fn expected(&self) -> i64 {
        self.0.view.lines.iter().map(|l| l.quantity).sum()
    }
    async fn scanned(&self) -> i64 {
        self.0.view.lines.iter().map(|l| l.scanned_quantity).sum()
    }
}

pub struct DeliveryRun(pub DeliveryRunView);

#[Object]
impl DeliveryRun {
    async fn id(&self) -> ID {
        ID(self.0.run.id.to_string())
    }
    /// `DR-YYYY-NNNNNN`.
    async fn number(&self) -> &str {
        &self.0.run.number
    }
    /// The route's head: a township centre (its villages ride along).
    async fn route(&self, ctx: &Context<'_>) -> Result<Institution> {
        load_institution(ctx, self.0.run.route_institution_id).await
    }
    async fn planned_date(&self) -> NaiveDate {
        self.0.run.planned_date
    }
    async fn vehicle_note(&self) -> Option<&str> {
        self.0.run.vehicle_note.as_deref()
    }
    async fn status(&self) -> DeliveryRunStatus {
        self.0.run.status.into()
    }
    async fn shipments(&self) -> Vec<Shipment> {
        self.0.shipments.iter().cloned().map(Shipment).collect()
    }
}

/// What a batch allocation did.
pub struct AllocationResult(pub yaolian_backend::distribution::Allocation);

#[Object]
impl AllocationResult {
    async fn shipments(&self) -> Vec<Shipment> {
        self.0.shipments.iter().cloned().map(Shipment).collect()
    }
    /// Requisitions nothing could be allocated to now (all backordered).
    async fn backordered_requisition_ids(&self) -> Vec<ID> {
        self.0
            .backordered
            .iter()
            .map(|i| ID(i.to_string()))
            .collect()
    }
}

/// A shipment line on its way to an institution.
pub struct TransitLine(pub yaolian_backend::distribution::TransitLine);

#[Object]
impl TransitLine {
    async fn shipment_id(&self) -> ID {
        ID(self.0.shipment.id.to_string())
    }
    async fn shipment_number(&self) -> &str {
        &self.0.shipment.number
    }
    async fn from(&self, ctx: &Context<'_>) -> Result<Institution> {
        load_institution(ctx, self.0.shipment.from_institution_id).await
    }
    async fn dispatched_at(&self) -> Option<DateTime<Utc>> {
        self.0.shipment.dispatched_at
    }
    async fn item(&self, ctx: &Context<'_>) -> Result<Item> {
        load_item(ctx, self.0.line.item_id).await
    }
    async fn batch(&self, ctx: &Context<'_>) -> Result<Batch> {
        load_batch(ctx, self.0.line.batch_id).await
    }
    /// Base units still on their way.
    async fn quantity(&self) -> i64 {
        self.0.quantity()
    }
}
