use sea_orm::entity::prelude::*;

/// One scan (or hand-typed line) received against an order line.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "receipt_line")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub receipt_id: Uuid,
    pub order_id: Uuid,
    pub order_line_id: Uuid,
    pub batch_id: Uuid,
    pub item_id: Uuid,
    /// The package level scanned.
    pub package_level: i32,
    pub packs: i64,
    /// Base units: packs × units per pack of the scanned level.
    pub quantity: i64,
    /// The order line's price per pack of the ordered level.
    pub pack_price_fen: i64,
    /// Per base unit, rounded to the fen: what the movement carries.
    pub unit_cost_fen: i64,
    /// Arrival temperature of a cold-chain item, in tenths of a degree.
    pub temperature_decicelsius: Option<i32>,
    pub quarantined: bool,
    /// A buyer's reason for taking goods below the minimum shelf life.
    pub short_dated_reason: Option<String>,
    pub received_by: Uuid,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
