//! Where an item is kept at an institution (货位): one `LOC-…` code per
//! (institution, item), the shelf a picker walks to. A pick list prints it
//! next to each line; the location's label (`/labels/location/…`) is what
//! is stuck on the shelf. One shelf holds many items, so the code is not
//! unique; an item has one place per institution (定位存放).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000012_storage_location"
    }
}

#[derive(DeriveIden)]
enum StorageLocation {
    Table,
    InstitutionId,
    ItemId,
    Code,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Institution {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Item {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
}

/// `LOC-` and at most 32 characters.
const CODE_LEN: u32 = 36;

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .on_update(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StorageLocation::Table)
                    .col(
                        ColumnDef::new(StorageLocation::InstitutionId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(StorageLocation::ItemId).uuid().not_null())
                    .col(
                        ColumnDef::new(StorageLocation::Code)
                            .string_len(CODE_LEN)
                            .not_null(),
                    )
                    .col(ColumnDef::new(StorageLocation::UpdatedBy).uuid().not_null())
                    .col(
                        ColumnDef::new(StorageLocation::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(StorageLocation::InstitutionId)
                            .col(StorageLocation::ItemId),
                    )
                    .foreign_key(&mut fk(
                        "fk_storage_location_institution",
                        (StorageLocation::Table, StorageLocation::InstitutionId),
                        (Institution::Table, Institution::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_storage_location_item",
                        (StorageLocation::Table, StorageLocation::ItemId),
                        (Item::Table, Item::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_storage_location_user",
                        (StorageLocation::Table, StorageLocation::UpdatedBy),
                        (AppUser::Table, AppUser::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // What is on this shelf: a stocktake walks shelf by shelf.
        manager
            .create_index(
                Index::create()
                    .name("ix_storage_location_code")
                    .table(StorageLocation::Table)
                    .col(StorageLocation::InstitutionId)
                    .col(StorageLocation::Code)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StorageLocation::Table).to_owned())
            .await
    }
}
