//! Stock's GraphQL types: batches, balances, movements.

use crate::catalogue::types::{Item, load_item};
use crate::context::{loaders, not_found};
use crate::directory::types::{Institution, load_institution};
use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;
use yaolian_backend::enums as be;
use yaolian_backend::model;
use yaolian_backend::stock::StockBalanceView;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::BatchStatus")]
pub enum BatchStatus {
    Available,
    Quarantined,
    Recalled,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::MovementKind")]
pub enum MovementKind {
    Opening,
    SupplierReceipt,
    ShipmentOut,
    ShipmentIn,
    Dispense,
    Adjustment,
    Stocktake,
    Return,
    Recall,
    WriteOff,
}

/// The business document a movement belongs to.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::DocumentType")]
pub enum DocumentType {
    GoodsReceipt,
    Shipment,
    Return,
    Prescription,
    Stocktake,
    Recall,
}

pub(crate) async fn load_batch(ctx: &Context<'_>, id: Uuid) -> Result<Batch> {
    loaders(ctx)?
        .batches
        .load_one(id)
        .await
        .map_err(|e| (*e).clone())?
        .map(Batch)
        .ok_or_else(|| not_found("batch", id))
}

pub struct Batch(pub model::Batch);

#[Object]
impl Batch {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn lot_number(&self) -> &str {
        &self.0.lot_number
    }
    async fn expiry_date(&self) -> NaiveDate {
        self.0.expiry_date
    }
    async fn production_date(&self) -> Option<NaiveDate> {
        self.0.production_date
    }
    async fn status(&self) -> BatchStatus {
        self.0.status.into()
    }
    async fn item(&self, ctx: &Context<'_>) -> Result<Item> {
        load_item(ctx, self.0.item_id).await
    }
}

pub struct StockBalance(pub StockBalanceView);

#[Object]
impl StockBalance {
    /// Units physically held, in base units.
    async fn on_hand(&self) -> i64 {
        self.0.balance.on_hand
    }
    /// Units held for documents (shipments, prescriptions): on the shelf but
    /// not available.
    async fn reserved(&self) -> i64 {
        self.0.balance.reserved
    }
    /// Of this batch, dispatched to the institution and not yet arrived.
    async fn in_transit(&self) -> i64 {
        self.0.in_transit
    }
    /// On hand less reserved: what can be issued now.
    async fn available(&self) -> i64 {
        self.0.available()
    }
    /// The shelf (a `LOC-…` code) where the institution keeps the item;
    /// `null` when it has none.
    async fn location(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        loaders(ctx)?
            .locations
            .load_one((self.0.balance.institution_id, self.0.balance.item_id))
            .await
            .map_err(|e| (*e).clone())
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.balance.updated_at
    }
    async fn batch(&self) -> Batch {
        Batch(self.0.batch.clone())
    }
    async fn item(&self, ctx: &Context<'_>) -> Result<Item> {
        load_item(ctx, self.0.balance.item_id).await
    }
    async fn institution(&self, ctx: &Context<'_>) -> Result<Institution> {
        load_institution(ctx, self.0.balance.institution_id).await
    }
}

pub struct StockMovement(pub model::StockMovement);

#[Object]
impl StockMovement {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Signed, in base units.
    async fn quantity(&self) -> i64 {
        self.0.quantity
    }
    async fn kind(&self) -> MovementKind {
        self.0.kind.into()
    }
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// When the movement was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }
    /// When the goods moved (the business date a clerk may enter).
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// Position on the stock card of this batch at this institution.
    async fn line_no(&self) -> i64 {
        self.0.line_no
    }
    /// On hand after this movement: the stock card's running balance.
    async fn balance_after(&self) -> i64 {
        self.0.balance_after
    }
    async fn document_type(&self) -> Option<DocumentType> {
        self.0.document_type.map(Into::into)
    }
    /// The document line this movement served, when it served one.
    async fn document_line_id(&self) -> Option<ID> {
        self.0.document_line_id.map(|id| ID(id.to_string()))
    }
    async fn document_number(&self) -> Option<&str> {
        self.0.document_number.as_deref()
    }
    /// The movement this one reverses, if it is a correction.
    async fn reverses_id(&self) -> Option<ID> {
        self.0.reverses_id.map(|id| ID(id.to_string()))
    }
    async fn unit_cost_fen(&self) -> Option<i64> {
        self.0.unit_cost_fen
    }
    async fn institution(&self, ctx: &Context<'_>) -> Result<Institution> {
        load_institution(ctx, self.0.institution_id).await
    }
    async fn batch(&self, ctx: &Context<'_>) -> Result<Batch> {
        load_batch(ctx, self.0.batch_id).await
    }
}

/// How much of an item can be used now at one institution: quantities and
/// the earliest expiry only (no costs, no batches).
pub struct LocationAvailability(pub yaolian_backend::availability::LocationAvailability);

#[Object]
impl LocationAvailability {
    async fn institution(&self) -> Institution {
        Institution(self.0.institution.clone())
    }
    /// Base units on hand and not reserved, in batches that may be used.
    async fn available(&self) -> i64 {
        self.0.available
    }
    async fn earliest_expiry(&self) -> Option<NaiveDate> {
        self.0.earliest_expiry
    }
}

pub struct AlternativeAvailability(pub yaolian_backend::availability::AlternativeAvailability);

#[Object]
impl AlternativeAvailability {
    async fn item(&self) -> Item {
        Item::new(self.0.item.clone())
    }
    async fn locations(&self) -> Vec<LocationAvailability> {
        self.0
            .locations
            .iter()
            .cloned()
            .map(LocationAvailability)
            .collect()
    }
}

pub struct StockAvailability(pub yaolian_backend::availability::StockAvailability);

#[Object]
impl StockAvailability {
    async fn item(&self) -> Item {
        Item::new(self.0.item.clone())
    }
    /// Whether the item may be used at the pickup institution's level.
    async fn allowed_at_pickup(&self) -> bool {
        self.0.allowed_at_pickup
    }
    /// The pickup institution first, then its township centre, the county
    /// hospital and the logistics centre.
    async fn locations(&self) -> Vec<LocationAvailability> {
        self.0
            .locations
            .iter()
            .cloned()
            .map(LocationAvailability)
            .collect()
    }
    /// Other active items with the same generic name and dosage form.
    async fn alternatives(&self) -> Vec<AlternativeAvailability> {
        self.0
            .alternatives
            .iter()
            .cloned()
            .map(AlternativeAvailability)
            .collect()
    }
}
