use super::enums::PurchaseOrderStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "purchase_order")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    /// `PO-YYYY-NNNNNN`.
    pub number: String,
    pub supplier_id: Uuid,
    /// Where the goods are delivered: the logistics centre.
    pub institution_id: Uuid,
    pub status: PurchaseOrderStatus,
    pub note: Option<String>,
    pub created_by: Uuid,
    pub submitted_at: Option<DateTimeUtc>,
    pub closed_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
