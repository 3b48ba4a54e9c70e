use super::enums::{DocumentType, MovementKind};
use sea_orm::entity::prelude::*;

/// Append-only: written only by `crate::ledger`, never updated or deleted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_movement")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub institution_id: Uuid,
    pub batch_id: Uuid,
    pub item_id: Uuid,
    /// 1-based position on the stock card of (institution, batch).
    pub line_no: i64,
    pub quantity: i64,
    pub balance_after: i64,
    pub kind: MovementKind,
    pub document_type: Option<DocumentType>,
    pub document_id: Option<Uuid>,
    pub document_line_id: Option<Uuid>,
    pub document_number: Option<String>,
    pub reverses_id: Option<Uuid>,
    pub reason: Option<String>,
    pub unit_cost_fen: Option<i64>,
    /// Business time: when the goods moved, as the clerk says.
    pub occurred_at: DateTimeUtc,
    /// When the row was written: the audit's time.
    pub recorded_at: DateTimeUtc,
    pub user_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
