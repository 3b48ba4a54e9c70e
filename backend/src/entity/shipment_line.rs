use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shipment_line")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub shipment_id: Uuid,
    pub line_no: i32,
    pub requisition_line_id: Option<Uuid>,
    pub item_id: Uuid,
    pub batch_id: Uuid,
    /// Sent, in base units.
    pub quantity: i64,
    /// The sender's reservation this line holds until dispatch.
    pub reservation_id: Option<Uuid>,
    /// Counted by receipt scans so far.
    pub scanned_quantity: i64,
    /// Posted in at the destination on completion.
    pub received_quantity: i64,
    /// Written off by the centre as lost in transit.
    pub lost_quantity: i64,
}

impl Model {
    /// Sent and neither arrived nor written off. Meaningful once the
    /// shipment is dispatched.
    pub fn in_transit(&self) -> i64 {
        self.quantity - self.received_quantity - self.lost_quantity
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
