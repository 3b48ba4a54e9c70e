use super::enums::{AccountEntryKind, DocumentType};
use sea_orm::entity::prelude::*;

/// One line of a member's account: goods sent to it (a debit, positive) or
/// returned by it (a credit, negative), at centre cost.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "member_account_entry")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    pub institution_id: Uuid,
    pub occurred_at: DateTimeUtc,
    pub kind: AccountEntryKind,
    pub document_type: DocumentType,
    pub document_id: Uuid,
    pub document_number: Option<String>,
    /// The ledger movement charged, once.
    pub movement_id: Option<Uuid>,
    pub item_id: Uuid,
    pub batch_id: Uuid,
    /// Base units; negative for returns.
    pub quantity: i64,
    /// Fen at centre cost; negative for returns.
    pub amount_fen: i64,
    /// An essential medicine (基药): dispensed at cost (zero markup).
    pub essential: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
