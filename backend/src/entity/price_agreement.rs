use sea_orm::entity::prelude::*;

/// A supplier's agreed price per pack of one package level of an item, in
/// force from `valid_from` to `valid_to` inclusive.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "price_agreement")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    pub supplier_id: Uuid,
    pub item_id: Uuid,
    pub package_level: i32,
    pub unit_price_fen: i64,
    pub valid_from: Date,
    pub valid_to: Date,
    /// Won in volume-based procurement (集采).
    pub vbp: bool,
    /// The 集采 agreed quantity for a year, in packs of `package_level`.
    pub vbp_annual_packs: Option<i64>,
    pub min_order_packs: i64,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
