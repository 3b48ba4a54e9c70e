use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "requisition_line")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub requisition_id: Uuid,
    pub line_no: i32,
    pub item_id: Uuid,
    /// Asked for, in base units.
    pub quantity: i64,
    /// Set on approval; at most `quantity`.
    pub approved_quantity: Option<i64>,
    /// Why the approval gave less than was asked.
    pub reduction_reason: Option<String>,
    /// Put on shipments so far; the rest of the approved quantity is the
    /// backorder, which the next allocation picks up.
    pub allocated_quantity: i64,
}

impl Model {
    pub fn backorder(&self) -> i64 {
        (self.approved_quantity.unwrap_or(0) - self.allocated_quantity).max(0)
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
