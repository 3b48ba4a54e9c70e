//! The unified catalogue: every attribute of an item, its package levels with
//! their GTINs and traceability-code prefixes, and its version history.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000002_catalogue"
    }
}

#[derive(DeriveIden)]
enum Community {
    Table,
    CatalogueVersion,
}

#[derive(DeriveIden)]
enum Item {
    Table,
    Id,
    Kind,
    TradeName,
    Packaging,
    Manufacturer,
    ApprovalNumber,
    NhsaCode,
    InsuranceClass,
    Essential,
    Vbp,
    VbpPriceFen,
    PrescriptionOnly,
    ControlledClass,
    AntibioticLevel,
    HighAlert,
    LookAlike,
    ColdChain,
    SkinTest,
    MinInstitutionLevel,
    NearExpiryDays,
    SearchText,
    Version,
}

#[derive(DeriveIden)]
enum ItemPackageLevel {
    Table,
    ItemId,
    Level,
    CommunityId,
    Name,
    UnitsPerPack,
    TraceCodePrefix,
}

#[derive(DeriveIden)]
enum ItemGtin {
    Table,
    CommunityId,
    Gtin,
    ItemId,
    Level,
}

#[derive(DeriveIden)]
enum ItemVersion {
    Table,
    Id,
    ItemId,
    Version,
    Change,
    ChangedBy,
    ChangedAt,
    EffectiveDate,
    OldValues,
    NewValues,
}

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
}

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
        // SQLite takes one added column per ALTER TABLE.
        let columns: Vec<ColumnDef> = vec![
            ColumnDef::new(Item::Kind)
                .string_len(16)
                .not_null()
                .default("DRUG")
                .to_owned(),
            ColumnDef::new(Item::TradeName)
                .string_len(200)
                .null()
                .to_owned(),
            ColumnDef::new(Item::Packaging)
                .string_len(200)
                .null()
                .to_owned(),
            ColumnDef::new(Item::Manufacturer)
                .string_len(200)
                .null()
                .to_owned(),
            ColumnDef::new(Item::ApprovalNumber)
                .string_len(64)
                .null()
                .to_owned(),
            ColumnDef::new(Item::NhsaCode)
                .string_len(32)
                .null()
                .to_owned(),
            ColumnDef::new(Item::InsuranceClass)
                .string_len(16)
                .null()
                .to_owned(),
            ColumnDef::new(Item::Essential)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            ColumnDef::new(Item::Vbp)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            ColumnDef::new(Item::VbpPriceFen)
                .big_integer()
                .null()
                .to_owned(),
            ColumnDef::new(Item::PrescriptionOnly)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            ColumnDef::new(Item::ControlledClass)
                .string_len(24)
                .null()
                .to_owned(),
            ColumnDef::new(Item::AntibioticLevel)
                .integer()
                .not_null()
                .default(0)
                .to_owned(),
            ColumnDef::new(Item::HighAlert)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            ColumnDef::new(Item::LookAlike)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            ColumnDef::new(Item::ColdChain)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            ColumnDef::new(Item::SkinTest)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            ColumnDef::new(Item::MinInstitutionLevel)
                .string_len(32)
                .not_null()
                .default("VILLAGE_CLINIC")
                .to_owned(),
            ColumnDef::new(Item::NearExpiryDays)
                .integer()
                .not_null()
                .default(90)
                .to_owned(),
            ColumnDef::new(Item::SearchText)
                .text()
                .not_null()
                .default("")
                .to_owned(),
            ColumnDef::new(Item::Version)
                .integer()
                .not_null()
                .default(1)
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
        // Bumped in the same transaction as any catalogue change, so every
        // server instance knows when its search index is stale.
        manager
            .alter_table(
                Table::alter()
                    .table(Community::Table)
                    .add_column(
                        ColumnDef::new(Community::CatalogueVersion)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ItemPackageLevel::Table)
                    .col(ColumnDef::new(ItemPackageLevel::ItemId).uuid().not_null())
                    .col(ColumnDef::new(ItemPackageLevel::Level).integer().not_null())
                    .col(
                        ColumnDef::new(ItemPackageLevel::CommunityId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ItemPackageLevel::Name)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ItemPackageLevel::UnitsPerPack)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ItemPackageLevel::TraceCodePrefix)
                            .string_len(7)
                            .null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(ItemPackageLevel::ItemId)
                            .col(ItemPackageLevel::Level),
                    )
                    .check((
                        "ck_package_units",
                        Expr::col(ItemPackageLevel::UnitsPerPack).gte(1),
                    ))
                    .foreign_key(&mut fk(
                        "fk_package_item",
                        (ItemPackageLevel::Table, ItemPackageLevel::ItemId),
                        (Item::Table, Item::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_package_trace_prefix")
                    .table(ItemPackageLevel::Table)
                    .col(ItemPackageLevel::CommunityId)
                    .col(ItemPackageLevel::TraceCodePrefix)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ItemGtin::Table)
                    .col(ColumnDef::new(ItemGtin::CommunityId).uuid().not_null())
                    .col(ColumnDef::new(ItemGtin::Gtin).string_len(14).not_null())
                    .col(ColumnDef::new(ItemGtin::ItemId).uuid().not_null())
                    .col(ColumnDef::new(ItemGtin::Level).integer().not_null())
                    .primary_key(
                        Index::create()
                            .col(ItemGtin::CommunityId)
                            .col(ItemGtin::Gtin),
                    )
                    .foreign_key(&mut fk(
                        "fk_gtin_item",
                        (ItemGtin::Table, ItemGtin::ItemId),
                        (Item::Table, Item::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_gtin_item")
                    .table(ItemGtin::Table)
                    .col(ItemGtin::ItemId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ItemVersion::Table)
                    .col(
                        ColumnDef::new(ItemVersion::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ItemVersion::ItemId).uuid().not_null())
                    .col(ColumnDef::new(ItemVersion::Version).integer().not_null())
                    .col(
                        ColumnDef::new(ItemVersion::Change)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ItemVersion::ChangedBy).uuid().not_null())
                    .col(
                        ColumnDef::new(ItemVersion::ChangedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ItemVersion::EffectiveDate).date().not_null())
                    .col(ColumnDef::new(ItemVersion::OldValues).json().null())
                    .col(ColumnDef::new(ItemVersion::NewValues).json().not_null())
                    .foreign_key(&mut fk(
                        "fk_version_item",
                        (ItemVersion::Table, ItemVersion::ItemId),
                        (Item::Table, Item::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_version_user",
                        (ItemVersion::Table, ItemVersion::ChangedBy),
                        (AppUser::Table, AppUser::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_version_item")
                    .table(ItemVersion::Table)
                    .col(ItemVersion::ItemId)
                    .col(ItemVersion::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ItemVersion::Table.into_iden(),
            ItemGtin::Table.into_iden(),
            ItemPackageLevel::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
