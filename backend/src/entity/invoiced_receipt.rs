use sea_orm::entity::prelude::*;

/// A receipt line billed by an approved invoice: each is billed once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoiced_receipt")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub receipt_line_id: Uuid,
    pub invoice_id: Uuid,
    pub invoice_line_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
