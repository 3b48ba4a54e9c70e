//! A GS1 pack code may carry a serial number (AI 21), and then it names
//! one pack, as a traceability code does. Receipt by scan records the
//! pack's key, `GTIN/serial`, so that the same serialised pack scanned twice
//! on a shipment is refused instead of counted again; packs without a
//! serial leave it NULL, and NULLs are never equal in a unique index.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000010_pack_serial"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum ShipmentScan {
    Table,
    ShipmentId,
    PackSerial,
}

/// A GTIN (14), a separator and a serial of at most 20 characters.
const PACK_SERIAL_LEN: u32 = 35;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ShipmentScan::Table)
                    .add_column(
                        ColumnDef::new(ShipmentScan::PackSerial)
                            .string_len(PACK_SERIAL_LEN)
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_shipment_scan_pack_serial")
                    .table(ShipmentScan::Table)
                    .col(ShipmentScan::ShipmentId)
                    .col(ShipmentScan::PackSerial)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ux_shipment_scan_pack_serial")
                    .table(ShipmentScan::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ShipmentScan::Table)
                    .drop_column(ShipmentScan::PackSerial)
                    .to_owned(),
            )
            .await
    }
}
