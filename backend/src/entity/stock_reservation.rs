use super::enums::{DocumentType, ReservationStatus};
use sea_orm::entity::prelude::*;

/// Written only by `crate::ledger`. The balance's `reserved` equals the sum of
/// `quantity` over the ACTIVE reservations of that (institution, batch).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_reservation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub institution_id: Uuid,
    pub batch_id: Uuid,
    /// What is still held; drops as the reservation is consumed or released.
    pub quantity: i64,
    pub original_quantity: i64,
    pub document_type: DocumentType,
    pub document_id: Uuid,
    pub document_line_id: Option<Uuid>,
    pub status: ReservationStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
