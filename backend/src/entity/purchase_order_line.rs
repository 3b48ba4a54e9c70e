use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "purchase_order_line")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub line_no: i32,
    pub item_id: Uuid,
    /// The package level ordered; prices and packs are of this level.
    pub package_level: i32,
    /// Base units per pack of that level, as it was when ordered.
    pub units_per_pack: i64,
    pub ordered_packs: i64,
    /// Packs beyond the ordered quantity the buyer allows to be received.
    pub over_packs: i64,
    /// Received so far, in base units (a case scanned against a line
    /// ordered in boxes counts its boxes' units).
    pub received_quantity: i64,
    pub unit_price_fen: i64,
    /// The agreement in force whose price this line was checked against.
    pub agreement_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
