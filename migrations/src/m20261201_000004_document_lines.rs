//! Movements and reservations name the document *line* they serve, not only
//! the document: a 200-line pick list reserves per line, and a recall traces
//! each movement back to the receipt line it came in on.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000004_document_lines"
    }
}

#[derive(DeriveIden)]
enum StockMovement {
    Table,
    DocumentType,
    DocumentId,
    DocumentLineId,
}

#[derive(DeriveIden)]
enum StockReservation {
    Table,
    DocumentLineId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(StockMovement::Table)
                    .add_column(ColumnDef::new(StockMovement::DocumentLineId).uuid().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(StockReservation::Table)
                    .add_column(
                        ColumnDef::new(StockReservation::DocumentLineId)
                            .uuid()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        // What a recall or a document page asks: every movement of this
        // document.
        manager
            .create_index(
                Index::create()
                    .name("ix_stock_movement_document")
                    .table(StockMovement::Table)
                    .col(StockMovement::DocumentType)
                    .col(StockMovement::DocumentId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_stock_movement_document")
                    .table(StockMovement::Table)
                    .to_owned(),
            )
            .await?;
        for (table, col) in [
            (
                StockMovement::Table.into_iden(),
                StockMovement::DocumentLineId.into_iden(),
            ),
            (
                StockReservation::Table.into_iden(),
                StockReservation::DocumentLineId.into_iden(),
            ),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(col).to_owned())
                .await?;
        }
        Ok(())
    }
}
