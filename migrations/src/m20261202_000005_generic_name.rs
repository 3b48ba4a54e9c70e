//! A doctor's stock check lists an item's alternatives: the other items of
//! the community with the same generic name (and dosage form). Without an
//! index that is a scan of the whole catalogue on every check.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000005_generic_name"
    }
}

#[derive(DeriveIden)]
enum Item {
    Table,
    CommunityId,
    GenericName,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("ix_item_generic_name")
                    .table(Item::Table)
                    .col(Item::CommunityId)
                    .col(Item::GenericName)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_item_generic_name")
                    .table(Item::Table)
                    .to_owned(),
            )
            .await
    }
}
