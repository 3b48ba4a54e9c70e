use super::enums::SupplierStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "supplier")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    pub name: String,
    /// 统一社会信用代码, 18 characters, check character verified.
    pub uscc: String,
    /// 药品经营许可证 number.
    pub licence_number: String,
    pub licence_expiry: Date,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    /// A first-level distributor under 两票制 (two-invoice rule).
    pub first_level_distributor: bool,
    pub status: SupplierStatus,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
