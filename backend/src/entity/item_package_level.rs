use sea_orm::entity::prelude::*;

/// A package level of an item: 1 is the smallest sale pack (小包装), 2 and 3
/// the middle and large packs (中包, 大包/箱).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "item_package_level")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub item_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub level: i32,
    pub community_id: Uuid,
    pub name: String,
    /// Base units in one pack of this level.
    pub units_per_pack: i64,
    /// First 7 digits of the traceability codes printed on packs of this level.
    pub trace_code_prefix: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
