//! GraphQL types over the backend's models. Resolvers here only reshape;
//! related objects come through the per-request DataLoaders.

use crate::loaders::Loaders;
use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;
use yaolian_backend::directory::UserView;
use yaolian_backend::entity::enums as be;
use yaolian_backend::entity::{batch, institution, item, stock_movement};
use yaolian_backend::stock::StockBalanceView;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::InstitutionKind")]
pub enum InstitutionKind {
    LogisticsCentre,
    CountyHospital,
    TownshipHealthCentre,
    CommunityHealthCentre,
    VillageClinic,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::Role")]
pub enum Role {
    Admin,
    Buyer,
    Warehouse,
    Pharmacist,
    Doctor,
    Auditor,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::ItemStatus")]
pub enum ItemStatus {
    Active,
    Suspended,
    Delisted,
}

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

fn loaders<'a>(ctx: &'a Context<'_>) -> Result<&'a Loaders> {
    ctx.data::<Loaders>()
}

pub(crate) async fn load_institution(ctx: &Context<'_>, id: Uuid) -> Result<Institution> {
    loaders(ctx)?
        .institutions
        .load_one(id)
        .await
        .map_err(|e| (*e).clone())?
        .map(Institution)
        .ok_or_else(|| not_found("institution", id))
}

async fn load_item(ctx: &Context<'_>, id: Uuid) -> Result<Item> {
    loaders(ctx)?
        .items
        .load_one(id)
        .await
        .map_err(|e| (*e).clone())?
        .map(Item)
        .ok_or_else(|| not_found("item", id))
}

async fn load_batch(ctx: &Context<'_>, id: Uuid) -> Result<Batch> {
    loaders(ctx)?
        .batches
        .load_one(id)
        .await
        .map_err(|e| (*e).clone())?
        .map(Batch)
        .ok_or_else(|| not_found("batch", id))
}

fn not_found(entity: &'static str, id: Uuid) -> async_graphql::Error {
    crate::error::to_gql(yaolian_backend::Error::not_found(entity, id))
}

pub struct User(pub UserView);

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn username(&self) -> &str {
        &self.0.username
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    async fn roles(&self) -> Vec<Role> {
        self.0.roles.iter().map(|r| (*r).into()).collect()
    }
    async fn institution(&self) -> Institution {
        Institution(self.0.institution.clone())
    }
}

pub struct Institution(pub institution::Model);

#[Object]
impl Institution {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> InstitutionKind {
        self.0.kind.into()
    }
    async fn active(&self) -> bool {
        self.0.active
    }
    /// The institution this one belongs to: a village clinic's township
    /// centre.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Institution>> {
        match self.0.parent_id {
            Some(id) => load_institution(ctx, id).await.map(Some),
            None => Ok(None),
        }
    }
}

pub struct Item(pub item::Model);

#[Object]
impl Item {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn generic_name(&self) -> &str {
        &self.0.generic_name
    }
    async fn english_name(&self) -> &str {
        &self.0.english_name
    }
    async fn dosage_form(&self) -> &str {
        &self.0.dosage_form
    }
    async fn strength(&self) -> &str {
        &self.0.strength
    }
    /// The smallest dispensable unit; every quantity is in these.
    async fn base_unit(&self) -> &str {
        &self.0.base_unit
    }
    async fn status(&self) -> ItemStatus {
        self.0.status.into()
    }
}

pub struct Batch(pub batch::Model);

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
    /// On hand less reserved: what can be issued now.
    async fn available(&self) -> i64 {
        self.0.available()
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

pub struct StockMovement(pub stock_movement::Model);

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
    async fn document_type(&self) -> Option<&str> {
        self.0.document_type.as_deref()
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
