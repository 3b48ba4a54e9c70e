//! An item's own receiving and storage rules, each NULL for "the
//! community's default": the minimum remaining shelf life on receipt from a
//! supplier and on dispatch to a member, in days, and the storage range of a
//! cold-chain item in tenths of a degree Celsius (both limits or neither).
//!
//! `ItemDraft::normalise` checks the same rules with messages for the user;
//! the constraints are the backstop for anything that writes around it.
//! They are column constraints because SQLite adds no table constraint with
//! `ALTER TABLE`; the range's own rule sits on its upper limit, which is
//! therefore dropped first.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000008_item_storage"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Item {
    Table,
    MinReceiptShelfLifeDays,
    MinDispatchShelfLifeDays,
    StorageMinDecicelsius,
    StorageMaxDecicelsius,
}

/// The longest minimum shelf life an item may ask for: ten years.
const MAX_DAYS: i32 = 3650;
/// -50 °C to 60 °C, in tenths of a degree.
const LOWEST: i32 = -500;
const HIGHEST: i32 = 600;

fn days(col: Item, check: &'static str) -> ColumnDef {
    ColumnDef::new(col)
        .integer()
        .null()
        .check((check, Expr::col(col).between(1, MAX_DAYS)))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let (min, max) = (Item::StorageMinDecicelsius, Item::StorageMaxDecicelsius);
        // SQLite takes one added column per ALTER TABLE.
        let columns = [
            days(Item::MinReceiptShelfLifeDays, "ck_item_receipt_shelf_life"),
            days(
                Item::MinDispatchShelfLifeDays,
                "ck_item_dispatch_shelf_life",
            ),
            ColumnDef::new(min)
                .integer()
                .null()
                .check((
                    "ck_item_storage_min",
                    Expr::col(min).between(LOWEST, HIGHEST),
                ))
                .to_owned(),
            // Both limits or neither, and the lower below the upper. Spelt
            // without a NULL comparison anywhere a NULL would let it pass.
            ColumnDef::new(max)
                .integer()
                .null()
                .check((
                    "ck_item_storage_range",
                    Expr::col(max)
                        .is_null()
                        .and(Expr::col(min).is_null())
                        .or(Expr::col(max)
                            .is_not_null()
                            .and(Expr::col(min).is_not_null())
                            .and(Expr::col(max).between(LOWEST, HIGHEST))
                            .and(Expr::col(min).lt(Expr::col(max)))),
                ))
                .to_owned(),
        ];
        for mut col in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Item::Table)
                        .add_column(&mut col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            Item::StorageMaxDecicelsius,
            Item::StorageMinDecicelsius,
            Item::MinDispatchShelfLifeDays,
            Item::MinReceiptShelfLifeDays,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Item::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
