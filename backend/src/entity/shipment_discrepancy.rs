use super::enums::{DiscrepancyKind, DiscrepancyResolution};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shipment_discrepancy")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub shipment_id: Uuid,
    pub shipment_line_id: Uuid,
    pub kind: DiscrepancyKind,
    /// Base units.
    pub quantity: i64,
    pub note: Option<String>,
    pub resolution: Option<DiscrepancyResolution>,
    pub resolution_reason: Option<String>,
    /// The shipment a RESEND made.
    pub resent_shipment_id: Option<Uuid>,
    pub resolved_by: Option<Uuid>,
    pub resolved_at: Option<DateTimeUtc>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
