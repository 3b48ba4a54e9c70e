use super::enums::InvoiceStatus;
use sea_orm::entity::prelude::*;

/// A supplier's invoice for goods of one purchase order.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "supplier_invoice")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    pub supplier_id: Uuid,
    pub order_id: Uuid,
    /// The supplier's number (发票号码), unique per supplier.
    pub number: String,
    pub invoice_date: Date,
    pub total_fen: i64,
    pub status: InvoiceStatus,
    /// The last match's differences (`procurement::invoice::Difference`).
    pub differences: Option<Json>,
    pub created_by: Uuid,
    pub approved_by: Option<Uuid>,
    pub payment_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
