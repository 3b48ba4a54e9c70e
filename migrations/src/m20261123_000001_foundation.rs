//! Foundation: communities, institutions, users and sessions, the minimal
//! catalogue (items, batches), the stock ledger, the audit log and
//! idempotency records.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000001_foundation"
    }
}

#[derive(DeriveIden)]
enum Community {
    Table,
    Id,
    Code,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Institution {
    Table,
    Id,
    CommunityId,
    Code,
    Name,
    Kind,
    ParentId,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
    InstitutionId,
    Username,
    DisplayName,
    PasswordHash,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum UserRole {
    Table,
    UserId,
    Role,
}

#[derive(DeriveIden)]
enum Session {
    Table,
    Id,
    UserId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum LoginThrottle {
    Table,
    Username,
    Failures,
    WindowStartedAt,
    LockedUntil,
}

#[derive(DeriveIden)]
enum Item {
    Table,
    Id,
    CommunityId,
    Code,
    GenericName,
    EnglishName,
    DosageForm,
    Strength,
    BaseUnit,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Batch {
    Table,
    Id,
    ItemId,
    LotNumber,
    ExpiryDate,
    ProductionDate,
    Status,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StockBalance {
    Table,
    InstitutionId,
    BatchId,
    ItemId,
    OnHand,
    Reserved,
    MovementCount,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StockMovement {
    Table,
    Id,
    InstitutionId,
    BatchId,
    ItemId,
    LineNo,
    Quantity,
    BalanceAfter,
    Kind,
    DocumentType,
    DocumentId,
    DocumentNumber,
    ReversesId,
    Reason,
    UnitCostFen,
    OccurredAt,
    RecordedAt,
    UserId,
}

#[derive(DeriveIden)]
enum StockReservation {
    Table,
    Id,
    InstitutionId,
    BatchId,
    Quantity,
    OriginalQuantity,
    DocumentType,
    DocumentId,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    OccurredAt,
    UserId,
    InstitutionId,
    Operation,
    EntityType,
    EntityIds,
    Detail,
    ClientRequestId,
}

#[derive(DeriveIden)]
enum IdempotencyRecord {
    Table,
    UserId,
    ClientRequestId,
    Operation,
    RequestHash,
    ResultId,
    CreatedAt,
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

fn created(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Community::Table)
                    .col(
                        ColumnDef::new(Community::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Community::Code)
                            .string_len(32)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Community::Name).string_len(200).not_null())
                    .col(created(Community::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Institution::Table)
                    .col(
                        ColumnDef::new(Institution::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Institution::CommunityId).uuid().not_null())
                    .col(
                        ColumnDef::new(Institution::Code)
                            .string_len(32)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Institution::Name).string_len(200).not_null())
                    .col(ColumnDef::new(Institution::Kind).string_len(32).not_null())
                    .col(ColumnDef::new(Institution::ParentId).uuid().null())
                    .col(
                        ColumnDef::new(Institution::Active)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .col(created(Institution::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_institution_community",
                        (Institution::Table, Institution::CommunityId),
                        (Community::Table, Community::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_institution_parent",
                        (Institution::Table, Institution::ParentId),
                        (Institution::Table, Institution::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_institution_community")
                    .table(Institution::Table)
                    .col(Institution::CommunityId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AppUser::Table)
                    .col(ColumnDef::new(AppUser::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(AppUser::InstitutionId).uuid().not_null())
                    .col(
                        ColumnDef::new(AppUser::Username)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(AppUser::DisplayName)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AppUser::PasswordHash)
                            .string_len(255)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AppUser::Active)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .col(created(AppUser::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_user_institution",
                        (AppUser::Table, AppUser::InstitutionId),
                        (Institution::Table, Institution::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UserRole::Table)
                    .col(ColumnDef::new(UserRole::UserId).uuid().not_null())
                    .col(ColumnDef::new(UserRole::Role).string_len(16).not_null())
                    .primary_key(Index::create().col(UserRole::UserId).col(UserRole::Role))
                    .foreign_key(&mut fk(
                        "fk_user_role_user",
                        (UserRole::Table, UserRole::UserId),
                        (AppUser::Table, AppUser::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Session::Table)
                    .col(ColumnDef::new(Session::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Session::UserId).uuid().not_null())
                    .col(
                        ColumnDef::new(Session::TokenHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(created(Session::CreatedAt))
                    .col(
                        ColumnDef::new(Session::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Session::RevokedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut fk(
                        "fk_session_user",
                        (Session::Table, Session::UserId),
                        (AppUser::Table, AppUser::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LoginThrottle::Table)
                    .col(
                        ColumnDef::new(LoginThrottle::Username)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(LoginThrottle::Failures)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(LoginThrottle::WindowStartedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(LoginThrottle::LockedUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Item::Table)
                    .col(ColumnDef::new(Item::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Item::CommunityId).uuid().not_null())
                    .col(ColumnDef::new(Item::Code).string_len(32).not_null())
                    .col(ColumnDef::new(Item::GenericName).string_len(200).not_null())
                    .col(ColumnDef::new(Item::EnglishName).string_len(200).not_null())
                    .col(ColumnDef::new(Item::DosageForm).string_len(64).not_null())
                    .col(ColumnDef::new(Item::Strength).string_len(64).not_null())
                    .col(ColumnDef::new(Item::BaseUnit).string_len(16).not_null())
                    .col(ColumnDef::new(Item::Status).string_len(16).not_null())
                    .col(created(Item::CreatedAt))
                    .col(created(Item::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_item_community",
                        (Item::Table, Item::CommunityId),
                        (Community::Table, Community::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_item_community_code")
                    .table(Item::Table)
                    .col(Item::CommunityId)
                    .col(Item::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Batch::Table)
                    .col(ColumnDef::new(Batch::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Batch::ItemId).uuid().not_null())
                    .col(ColumnDef::new(Batch::LotNumber).string_len(20).not_null())
                    .col(ColumnDef::new(Batch::ExpiryDate).date().not_null())
                    .col(ColumnDef::new(Batch::ProductionDate).date().null())
                    .col(ColumnDef::new(Batch::Status).string_len(16).not_null())
                    .col(created(Batch::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_batch_item",
                        (Batch::Table, Batch::ItemId),
                        (Item::Table, Item::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_batch_item_lot")
                    .table(Batch::Table)
                    .col(Batch::ItemId)
                    .col(Batch::LotNumber)
                    .unique()
                    .to_owned(),
            )
            .await?;

        // The database itself refuses a negative balance or an over-reservation,
        // so a bug in the ledger module fails loudly instead of corrupting stock.
        manager
            .create_table(
                Table::create()
                    .table(StockBalance::Table)
                    .col(
                        ColumnDef::new(StockBalance::InstitutionId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(StockBalance::BatchId).uuid().not_null())
                    .col(ColumnDef::new(StockBalance::ItemId).uuid().not_null())
                    .col(
                        ColumnDef::new(StockBalance::OnHand)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StockBalance::Reserved)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StockBalance::MovementCount)
                            .big_integer()
                            .not_null(),
                    )
                    .col(created(StockBalance::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(StockBalance::InstitutionId)
                            .col(StockBalance::BatchId),
                    )
                    .check(("ck_balance_on_hand", Expr::col(StockBalance::OnHand).gte(0)))
                    .check((
                        "ck_balance_reserved",
                        Expr::col(StockBalance::Reserved).gte(0),
                    ))
                    .check((
                        "ck_balance_reserved_le_on_hand",
                        Expr::col(StockBalance::Reserved).lte(Expr::col(StockBalance::OnHand)),
                    ))
                    .foreign_key(&mut fk(
                        "fk_balance_institution",
                        (StockBalance::Table, StockBalance::InstitutionId),
                        (Institution::Table, Institution::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_balance_batch",
                        (StockBalance::Table, StockBalance::BatchId),
                        (Batch::Table, Batch::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_balance_item",
                        (StockBalance::Table, StockBalance::ItemId),
                        (Item::Table, Item::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_balance_item")
                    .table(StockBalance::Table)
                    .col(StockBalance::ItemId)
                    .col(StockBalance::InstitutionId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_balance_batch")
                    .table(StockBalance::Table)
                    .col(StockBalance::BatchId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(StockMovement::Table)
                    .col(
                        ColumnDef::new(StockMovement::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(StockMovement::InstitutionId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(StockMovement::BatchId).uuid().not_null())
                    .col(ColumnDef::new(StockMovement::ItemId).uuid().not_null())
                    .col(
                        ColumnDef::new(StockMovement::LineNo)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StockMovement::Quantity)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StockMovement::BalanceAfter)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StockMovement::Kind)
                            .string_len(24)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StockMovement::DocumentType)
                            .string_len(32)
                            .null(),
                    )
                    .col(ColumnDef::new(StockMovement::DocumentId).uuid().null())
                    .col(
                        ColumnDef::new(StockMovement::DocumentNumber)
                            .string_len(32)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(StockMovement::ReversesId)
                            .uuid()
                            .null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(StockMovement::Reason).text().null())
                    .col(
                        ColumnDef::new(StockMovement::UnitCostFen)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(StockMovement::OccurredAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(created(StockMovement::RecordedAt))
                    .col(ColumnDef::new(StockMovement::UserId).uuid().not_null())
                    .check((
                        "ck_movement_nonzero",
                        Expr::col(StockMovement::Quantity).ne(0),
                    ))
                    .foreign_key(&mut fk(
                        "fk_movement_balance",
                        (StockMovement::Table, StockMovement::InstitutionId),
                        (Institution::Table, Institution::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_movement_batch",
                        (StockMovement::Table, StockMovement::BatchId),
                        (Batch::Table, Batch::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_movement_item",
                        (StockMovement::Table, StockMovement::ItemId),
                        (Item::Table, Item::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_movement_user",
                        (StockMovement::Table, StockMovement::UserId),
                        (AppUser::Table, AppUser::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_movement_reverses",
                        (StockMovement::Table, StockMovement::ReversesId),
                        (StockMovement::Table, StockMovement::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // The stock card of one (institution, batch) is read in line order; the
        // unique index also proves the line numbers have no duplicates.
        manager
            .create_index(
                Index::create()
                    .name("ux_movement_card_line")
                    .table(StockMovement::Table)
                    .col(StockMovement::InstitutionId)
                    .col(StockMovement::BatchId)
                    .col(StockMovement::LineNo)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_movement_occurred")
                    .table(StockMovement::Table)
                    .col(StockMovement::InstitutionId)
                    .col(StockMovement::OccurredAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_movement_document")
                    .table(StockMovement::Table)
                    .col(StockMovement::DocumentId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_movement_batch")
                    .table(StockMovement::Table)
                    .col(StockMovement::BatchId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(StockReservation::Table)
                    .col(
                        ColumnDef::new(StockReservation::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(StockReservation::InstitutionId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(StockReservation::BatchId).uuid().not_null())
                    .col(
                        ColumnDef::new(StockReservation::Quantity)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StockReservation::OriginalQuantity)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StockReservation::DocumentType)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StockReservation::DocumentId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StockReservation::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(created(StockReservation::CreatedAt))
                    .col(created(StockReservation::UpdatedAt))
                    .check((
                        "ck_reservation_quantity",
                        Expr::col(StockReservation::Quantity).gte(0),
                    ))
                    .foreign_key(&mut fk(
                        "fk_reservation_balance",
                        (StockReservation::Table, StockReservation::InstitutionId),
                        (Institution::Table, Institution::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_reservation_batch",
                        (StockReservation::Table, StockReservation::BatchId),
                        (Batch::Table, Batch::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_reservation_balance")
                    .table(StockReservation::Table)
                    .col(StockReservation::InstitutionId)
                    .col(StockReservation::BatchId)
                    .col(StockReservation::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_reservation_document")
                    .table(StockReservation::Table)
                    .col(StockReservation::DocumentId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(ColumnDef::new(AuditLog::Id).uuid().not_null().primary_key())
                    .col(created(AuditLog::OccurredAt))
                    .col(ColumnDef::new(AuditLog::UserId).uuid().null())
                    .col(ColumnDef::new(AuditLog::InstitutionId).uuid().null())
                    .col(
                        ColumnDef::new(AuditLog::Operation)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuditLog::EntityType)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditLog::EntityIds).text().not_null())
                    .col(ColumnDef::new(AuditLog::Detail).json().null())
                    .col(
                        ColumnDef::new(AuditLog::ClientRequestId)
                            .string_len(64)
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_occurred")
                    .table(AuditLog::Table)
                    .col(AuditLog::OccurredAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(IdempotencyRecord::Table)
                    .col(ColumnDef::new(IdempotencyRecord::UserId).uuid().not_null())
                    .col(
                        ColumnDef::new(IdempotencyRecord::ClientRequestId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IdempotencyRecord::Operation)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IdempotencyRecord::RequestHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IdempotencyRecord::ResultId)
                            .uuid()
                            .not_null(),
                    )
                    .col(created(IdempotencyRecord::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(IdempotencyRecord::UserId)
                            .col(IdempotencyRecord::ClientRequestId),
                    )
                    .foreign_key(&mut fk(
                        "fk_idempotency_user",
                        (IdempotencyRecord::Table, IdempotencyRecord::UserId),
                        (AppUser::Table, AppUser::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IdempotencyRecord::Table.into_iden(),
            AuditLog::Table.into_iden(),
            StockReservation::Table.into_iden(),
            StockMovement::Table.into_iden(),
            StockBalance::Table.into_iden(),
            Batch::Table.into_iden(),
            Item::Table.into_iden(),
            LoginThrottle::Table.into_iden(),
            Session::Table.into_iden(),
            UserRole::Table.into_iden(),
            AppUser::Table.into_iden(),
            Institution::Table.into_iden(),
            Community::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
