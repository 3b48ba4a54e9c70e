use sea_orm::entity::prelude::*;

/// One pack (or case) counted at receipt.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shipment_scan")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub shipment_id: Uuid,
    pub shipment_line_id: Uuid,
    /// Base units counted.
    pub quantity: i64,
    pub barcode: String,
    /// The pack's 20-digit traceability code, when that was scanned.
    pub trace_code: Option<String>,
    /// `GTIN/serial` of a GS1 code that carries a serial (AI 21): one pack.
    pub pack_serial: Option<String>,
    pub user_id: Uuid,
    pub scanned_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
