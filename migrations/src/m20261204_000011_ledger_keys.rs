//! Fewer, wider foreign keys on the rows that a county's allocation and
//! dispatch write by the ten thousand.
//!
//! On PostgreSQL every foreign key is a trigger that looks the parent row up
//! and locks it, once per inserted row: measured on a dispatch of 10,804
//! movements, the four keys of `stock_movement` were half its insert time.
//! A movement's institution, batch and item are exactly its balance's, so
//! one key to the balance, `(institution_id, batch_id, item_id)`, checks all
//! three (the balance's own keys reach the institution, the batch and the
//! item) and also checks what three single keys could not: that the item is
//! the batch's. The same for a reservation (its balance) and a shipment line
//! (its batch and that batch's item). A movement's `reverses_id` is NULL but
//! for reversals, so its uniqueness is a partial index that the NULLs of
//! every ordinary movement stay out of.
//!
//! SQLite cannot change a table's keys without rebuilding the ledger's
//! tables, and its key checks are index probes inside the process that cost
//! next to nothing, so it keeps the single-column keys it was created with.
//!
//! On both: `ix_stock_movement_document (document_type, document_id)` goes,
//! since `ix_movement_document (document_id)` answers the same lookups (a
//! document's id is unique on its own) and every movement paid for both.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000011_ledger_keys"
    }
}

const POSTGRES_UP: &[&str] = &[
    "CREATE UNIQUE INDEX ux_balance_item ON stock_balance (institution_id, batch_id, item_id)",
    "CREATE UNIQUE INDEX ux_batch_item ON batch (id, item_id)",
    "ALTER TABLE stock_movement \
       DROP CONSTRAINT fk_movement_balance, \
       DROP CONSTRAINT fk_movement_batch, \
       DROP CONSTRAINT fk_movement_item, \
       ADD CONSTRAINT fk_movement_stock_balance FOREIGN KEY (institution_id, batch_id, item_id) \
         REFERENCES stock_balance (institution_id, batch_id, item_id) \
         ON UPDATE RESTRICT ON DELETE RESTRICT",
    "ALTER TABLE stock_movement DROP CONSTRAINT stock_movement_reverses_id_key",
    "CREATE UNIQUE INDEX ux_movement_reverses ON stock_movement (reverses_id) \
       WHERE reverses_id IS NOT NULL",
    "ALTER TABLE stock_reservation \
       DROP CONSTRAINT fk_reservation_balance, \
       DROP CONSTRAINT fk_reservation_batch, \
       ADD CONSTRAINT fk_reservation_stock_balance FOREIGN KEY (institution_id, batch_id) \
         REFERENCES stock_balance (institution_id, batch_id) \
         ON UPDATE RESTRICT ON DELETE RESTRICT",
    "ALTER TABLE shipment_line \
       DROP CONSTRAINT fk_shipment_line_item, \
       DROP CONSTRAINT fk_shipment_line_batch, \
       ADD CONSTRAINT fk_shipment_line_batch_item FOREIGN KEY (batch_id, item_id) \
         REFERENCES batch (id, item_id) \
         ON UPDATE RESTRICT ON DELETE RESTRICT",
];

const POSTGRES_DOWN: &[&str] = &[
    "ALTER TABLE shipment_line \
       DROP CONSTRAINT fk_shipment_line_batch_item, \
       ADD CONSTRAINT fk_shipment_line_batch FOREIGN KEY (batch_id) REFERENCES batch (id) \
         ON UPDATE RESTRICT ON DELETE RESTRICT, \
       ADD CONSTRAINT fk_shipment_line_item FOREIGN KEY (item_id) REFERENCES item (id) \
         ON UPDATE RESTRICT ON DELETE RESTRICT",
    "ALTER TABLE stock_reservation \
       DROP CONSTRAINT fk_reservation_stock_balance, \
       ADD CONSTRAINT fk_reservation_balance FOREIGN KEY (institution_id) REFERENCES institution (id) \
         ON UPDATE RESTRICT ON DELETE RESTRICT, \
       ADD CONSTRAINT fk_reservation_batch FOREIGN KEY (batch_id) REFERENCES batch (id) \
         ON UPDATE RESTRICT ON DELETE RESTRICT",
    "DROP INDEX ux_movement_reverses",
    "ALTER TABLE stock_movement ADD CONSTRAINT stock_movement_reverses_id_key UNIQUE (reverses_id)",
    "ALTER TABLE stock_movement \
       DROP CONSTRAINT fk_movement_stock_balance, \
       ADD CONSTRAINT fk_movement_balance FOREIGN KEY (institution_id) REFERENCES institution (id) \
         ON UPDATE RESTRICT ON DELETE RESTRICT, \
       ADD CONSTRAINT fk_movement_batch FOREIGN KEY (batch_id) REFERENCES batch (id) \
         ON UPDATE RESTRICT ON DELETE RESTRICT, \
       ADD CONSTRAINT fk_movement_item FOREIGN KEY (item_id) REFERENCES item (id) \
         ON UPDATE RESTRICT ON DELETE RESTRICT",
    "DROP INDEX ux_batch_item",
    "DROP INDEX ux_balance_item",
];

#[derive(DeriveIden)]
enum StockMovement {
    Table,
    DocumentType,
    DocumentId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_stock_movement_document")
                    .table(StockMovement::Table)
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            let db = manager.get_connection();
            for sql in POSTGRES_UP {
                db.execute_unprepared(sql).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            let db = manager.get_connection();
            for sql in POSTGRES_DOWN {
                db.execute_unprepared(sql).await?;
            }
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_stock_movement_document")
                    .table(StockMovement::Table)
                    .col(StockMovement::DocumentType)
                    .col(StockMovement::DocumentId)
                    .to_owned(),
            )
            .await
    }
}
