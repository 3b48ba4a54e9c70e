use super::enums::ItemChange;
use sea_orm::entity::prelude::*;

/// One change of an item: who, when, from what to what, effective when.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "item_version")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub item_id: Uuid,
    pub version: i32,
    pub change: ItemChange,
    pub changed_by: Uuid,
    pub changed_at: DateTimeUtc,
    pub effective_date: Date,
    pub old_values: Option<Json>,
    pub new_values: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
