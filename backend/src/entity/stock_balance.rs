use sea_orm::entity::prelude::*;

/// Written only by `crate::ledger`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_balance")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub institution_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub batch_id: Uuid,
    pub item_id: Uuid,
    pub on_hand: i64,
    pub reserved: i64,
    /// Number of movements posted to this balance; the last movement's
    /// `line_no`.
    pub movement_count: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
