//! Requisitions, allocation, runs, dispatch, receipt, returns.

use super::types::{
    AllocationResult, DeliveryRun, DiscrepancyKind, DiscrepancyResolution, Requisition,
    ReturnReason, Shipment, ShipmentReceiptProgress,
};
use crate::context::{ContextExt, parse_id};
use crate::error::GqlResult;
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::NaiveDate;
use yaolian_backend::distribution::{
    ApprovalLine, DeliveryRunInput, DiscrepancyInput, ReceiveShipmentScan, RequisitionInput,
    RequisitionLineInput, ResolveInput, ReturnInput, ReturnLineInput, TransferInput,
};

#[derive(InputObject)]
pub struct CreateRequisitionLineInput {
    pub item_id: ID,
    /// Base units.
    pub quantity: i64,
}

#[derive(InputObject)]
pub struct CreateRequisitionInput {
    pub institution_id: ID,
    pub lines: Vec<CreateRequisitionLineInput>,
    #[graphql(default = false)]
    pub emergency: bool,
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct ApproveRequisitionLineInput {
    pub line_id: ID,
    pub approved_quantity: i64,
    /// Required when less than asked is approved.
    pub reason: Option<String>,
}

#[derive(InputObject)]
pub struct ApproveRequisitionInput {
    pub id: ID,
    /// Lines not named are approved as asked.
    #[graphql(default)]
    pub lines: Vec<ApproveRequisitionLineInput>,
}

#[derive(InputObject)]
pub struct PlanDeliveryRunInput {
    /// A township centre (its village clinics ride along), or a member
    /// without villages.
    pub route_id: ID,
    pub planned_date: NaiveDate,
    pub vehicle_note: Option<String>,
    /// Default: every allocated shipment of the route not yet on a run.
    pub shipment_ids: Option<Vec<ID>>,
}

#[derive(InputObject)]
pub struct ReceiveShipmentScanInput {
    pub shipment_id: ID,
    /// A pack's GS1 code, its traceability code, or (when the shipment has
    /// one batch of the item) its retail code.
    pub barcode: String,
    /// Base units; defaults to one pack of the scanned level.
    pub quantity: Option<i64>,
    /// Makes the scan safe to repeat.
    pub client_request_id: ID,
}

#[derive(InputObject)]
pub struct DiscrepancyLineInput {
    pub line_id: ID,
    pub kind: DiscrepancyKind,
    pub quantity: i64,
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct CompleteShipmentReceiptInput {
    pub shipment_id: ID,
    #[graphql(default)]
    pub discrepancies: Vec<DiscrepancyLineInput>,
}

#[derive(InputObject)]
pub struct ResolveDiscrepancyInput {
    pub discrepancy_id: ID,
    pub resolution: DiscrepancyResolution,
    pub reason: String,
}

#[derive(InputObject)]
pub struct StockLineInput {
    pub batch_id: ID,
    /// Base units.
    pub quantity: i64,
}

#[derive(InputObject)]
pub struct CreateReturnInput {
    pub institution_id: ID,
    pub reason: ReturnReason,
    pub lines: Vec<StockLineInput>,
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct CreateTransferInput {
    pub from_institution_id: ID,
    pub to_institution_id: ID,
    pub lines: Vec<StockLineInput>,
    pub note: Option<String>,
}

fn ids(raw: &[ID], field: &str) -> Result<Vec<uuid::Uuid>> {
    raw.iter().map(|id| parse_id(id, field)).collect()
}

fn stock_lines(lines: Vec<StockLineInput>) -> Result<Vec<ReturnLineInput>> {
    lines
        .into_iter()
        .map(|l| {
            Ok(ReturnLineInput {
                batch_id: parse_id(&l.batch_id, "lines.batchId")?,
                quantity: l.quantity,
            })
        })
        .collect()
}

#[derive(Default)]
pub struct DistributionMutation;

#[Object]
impl DistributionMutation {
    /// A draft requisition, by the institution's pharmacist (or its
    /// township centre's, 代请领). Quantities in base units.
    async fn create_requisition(
        &self,
        ctx: &Context<'_>,
        input: CreateRequisitionInput,
    ) -> Result<Requisition> {
        let caller = ctx.caller()?;
        let lines = input
            .lines
            .into_iter()
            .map(|l| {
                Ok(RequisitionLineInput {
                    item_id: parse_id(&l.item_id, "lines.itemId")?,
                    quantity: l.quantity,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let input = RequisitionInput {
            institution_id: parse_id(&input.institution_id, "institutionId")?,
            lines,
            emergency: input.emergency,
            note: input.note,
        };
        ctx.backend()
            .create_requisition(caller, input)
            .await
            .gql()
            .map(Requisition)
    }

    async fn submit_requisition(&self, ctx: &Context<'_>, id: ID) -> Result<Requisition> {
        let caller = ctx.caller()?;
        let id = parse_id(&id, "id")?;
        ctx.backend()
            .submit_requisition(caller, id)
            .await
            .gql()
            .map(Requisition)
    }

    /// Approval at the centre; a line approved below what was asked needs
    /// a reason.
    async fn approve_requisition(
        &self,
        ctx: &Context<'_>,
        input: ApproveRequisitionInput,
    ) -> Result<Requisition> {
        let caller = ctx.caller()?;
        let id = parse_id(&input.id, "id")?;
        let lines = input
            .lines
            .into_iter()
            .map(|l| {
                Ok(ApprovalLine {
                    line_id: parse_id(&l.line_id, "lines.lineId")?,
                    approved_quantity: l.approved_quantity,
                    reason: l.reason,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        ctx.backend()
            .approve_requisition(caller, id, lines)
            .await
            .gql()
            .map(Requisition)
    }

    async fn reject_requisition(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
    ) -> Result<Requisition> {
        let caller = ctx.caller()?;
        let id = parse_id(&id, "id")?;
        ctx.backend()
            .reject_requisition(caller, id, &reason)
            .await
            .gql()
            .map(Requisition)
    }

    /// Reserves centre stock first-expiry-first; what cannot be met stays
    /// on the requisition as backorder.
    async fn allocate_requisition(&self, ctx: &Context<'_>, id: ID) -> Result<Shipment> {
        let caller = ctx.caller()?;
        let id = parse_id(&id, "id")?;
        ctx.backend()
            .allocate_requisition(caller, id)
            .await
            .gql()
            .map(Shipment)
    }

    /// Allocates many at once: emergencies first, then oldest.
    async fn allocate_requisitions(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> Result<AllocationResult> {
        let caller = ctx.caller()?;
        let ids = self::ids(&ids, "ids")?;
        ctx.backend()
            .allocate_requisitions(caller, &ids)
            .await
            .gql()
            .map(AllocationResult)
    }

    /// Groups a route's allocated shipments into a run on a planned date.
    async fn plan_delivery_run(
        &self,
        ctx: &Context<'_>,
        input: PlanDeliveryRunInput,
    ) -> Result<DeliveryRun> {
        let caller = ctx.caller()?;
        let input = DeliveryRunInput {
            route_institution_id: parse_id(&input.route_id, "routeId")?,
            planned_date: input.planned_date,
            vehicle_note: input.vehicle_note,
            shipment_ids: input
                .shipment_ids
                .as_deref()
                .map(|s| ids(s, "shipmentIds"))
                .transpose()?,
        };
        ctx.backend()
            .plan_delivery_run(caller, input)
            .await
            .gql()
            .map(DeliveryRun)
    }

    async fn dispatch_delivery_run(&self, ctx: &Context<'_>, id: ID) -> Result<DeliveryRun> {
        let caller = ctx.caller()?;
        let id = parse_id(&id, "id")?;
        ctx.backend()
            .dispatch_delivery_run(caller, id)
            .await
            .gql()
            .map(DeliveryRun)
    }

    /// Posts SHIPMENT_OUT for the shipment's reservations; the goods are
    /// then in transit.
    async fn dispatch_shipment(&self, ctx: &Context<'_>, id: ID) -> Result<Shipment> {
        let caller = ctx.caller()?;
        let id = parse_id(&id, "id")?;
        ctx.backend()
            .dispatch_shipment(caller, id)
            .await
            .gql()
            .map(Shipment)
    }

    /// Dispatches many shipments in one transaction.
    async fn dispatch_shipments(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Result<Vec<Shipment>> {
        let caller = ctx.caller()?;
        let ids = self::ids(&ids, "ids")?;
        Ok(ctx
            .backend()
            .dispatch_shipments(caller, &ids, None)
            .await
            .gql()?
            .into_iter()
            .map(Shipment)
            .collect())
    }

    /// Gives up an allocated shipment; its quantities are backordered again.
    async fn cancel_shipment(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<Shipment> {
        let caller = ctx.caller()?;
        let id = parse_id(&id, "id")?;
        ctx.backend()
            .cancel_shipment(caller, id, &reason)
            .await
            .gql()
            .map(Shipment)
    }

    /// Counts one scanned pack at the destination. Safe to repeat.
    async fn receive_shipment_scan(
        &self,
        ctx: &Context<'_>,
        input: ReceiveShipmentScanInput,
    ) -> Result<ShipmentReceiptProgress> {
        let caller = ctx.caller()?;
        let command = ReceiveShipmentScan {
            shipment_id: parse_id(&input.shipment_id, "shipmentId")?,
            barcode: input.barcode,
            quantity: input.quantity,
            client_request_id: input.client_request_id.to_string(),
        };
        ctx.backend()
            .receive_shipment_scan(caller, command)
            .await
            .gql()
            .map(ShipmentReceiptProgress)
    }

    /// Posts SHIPMENT_IN for what arrived in good order and records the
    /// discrepancies for the centre.
    async fn complete_shipment_receipt(
        &self,
        ctx: &Context<'_>,
        input: CompleteShipmentReceiptInput,
    ) -> Result<Shipment> {
        let caller = ctx.caller()?;
        let shipment_id = parse_id(&input.shipment_id, "shipmentId")?;
        let discrepancies = input
            .discrepancies
            .into_iter()
            .map(|d| {
                Ok(DiscrepancyInput {
                    line_id: parse_id(&d.line_id, "discrepancies.lineId")?,
                    kind: d.kind.into(),
                    quantity: d.quantity,
                    note: d.note,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        ctx.backend()
            .complete_shipment_receipt(caller, shipment_id, discrepancies)
            .await
            .gql()
            .map(Shipment)
    }

    /// The centre settles a discrepancy: resend, credit or write off what
    /// was lost; accept what arrived over.
    async fn resolve_shipment_discrepancy(
        &self,
        ctx: &Context<'_>,
        input: ResolveDiscrepancyInput,
    ) -> Result<Shipment> {
        let caller = ctx.caller()?;
        let input = ResolveInput {
            discrepancy_id: parse_id(&input.discrepancy_id, "discrepancyId")?,
            resolution: input.resolution.into(),
            reason: input.reason,
        };
        ctx.backend()
            .resolve_discrepancy(caller, input)
            .await
            .gql()
            .map(Shipment)
    }

    /// Stock back to the centre: near expiry, damaged, recalled, surplus.
    async fn create_return(&self, ctx: &Context<'_>, input: CreateReturnInput) -> Result<Shipment> {
        let caller = ctx.caller()?;
        let input = ReturnInput {
            institution_id: parse_id(&input.institution_id, "institutionId")?,
            reason: input.reason.into(),
            lines: stock_lines(input.lines)?,
            note: input.note,
        };
        ctx.backend()
            .create_return(caller, input)
            .await
            .gql()
            .map(Shipment)
    }

    /// 调剂: a return from one member that goes on to another once the
    /// centre has it.
    async fn create_transfer(
        &self,
        ctx: &Context<'_>,
        input: CreateTransferInput,
    ) -> Result<Shipment> {
        let caller = ctx.caller()?;
        let input = TransferInput {
            from_institution_id: parse_id(&input.from_institution_id, "fromInstitutionId")?,
            to_institution_id: parse_id(&input.to_institution_id, "toInstitutionId")?,
            lines: stock_lines(input.lines)?,
            note: input.note,
        };
        ctx.backend()
            .create_transfer(caller, input)
            .await
            .gql()
            .map(Shipment)
    }
}
