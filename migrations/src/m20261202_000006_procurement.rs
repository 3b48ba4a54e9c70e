//! Central procurement: suppliers, their price agreements, purchase orders
//! and what was received against them, the traceability codes received, and
//! the document-number sequences every document draws from.
//!
//! Money is integer fen; quantities are integer base units, except where a
//! column says packs (what a buyer orders and a supplier invoices).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000006_procurement"
    }
}

#[derive(DeriveIden)]
enum Community {
    Table,
    Id,
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
enum Batch {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum DocumentSequence {
    Table,
    CommunityId,
    Prefix,
    Year,
    LastValue,
}

#[derive(DeriveIden)]
enum Supplier {
    Table,
    Id,
    CommunityId,
    Name,
    Uscc,
    LicenceNumber,
    LicenceExpiry,
    ContactName,
    ContactPhone,
    FirstLevelDistributor,
    Status,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PriceAgreement {
    Table,
    Id,
    CommunityId,
    SupplierId,
    ItemId,
    PackageLevel,
    UnitPriceFen,
    ValidFrom,
    ValidTo,
    Vbp,
    VbpAnnualPacks,
    MinOrderPacks,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PurchaseOrder {
    Table,
    Id,
    CommunityId,
    Number,
    SupplierId,
    InstitutionId,
    Status,
    Note,
    CreatedBy,
    SubmittedAt,
    ClosedReason,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PurchaseOrderLine {
    Table,
    Id,
    OrderId,
    LineNo,
    ItemId,
    PackageLevel,
    UnitsPerPack,
    OrderedPacks,
    OverPacks,
    ReceivedQuantity,
    UnitPriceFen,
    AgreementId,
}

#[derive(DeriveIden)]
enum GoodsReceipt {
    Table,
    Id,
    CommunityId,
    Number,
    OrderId,
    BusinessDate,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ReceiptLine {
    Table,
    Id,
    ReceiptId,
    OrderId,
    OrderLineId,
    BatchId,
    ItemId,
    PackageLevel,
    Packs,
    Quantity,
    PackPriceFen,
    UnitCostFen,
    TemperatureDecicelsius,
    Quarantined,
    ShortDatedReason,
    ReceivedBy,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum TraceCode {
    Table,
    CommunityId,
    Code,
    ItemId,
    BatchId,
    ReceiptLineId,
    ReceivedAt,
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

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .uuid()
        .not_null()
        .primary_key()
        .to_owned()
}
fn uuid(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).uuid().not_null().to_owned()
}
fn big(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}
fn int(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).integer().not_null().to_owned()
}
fn text(col: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(len).not_null().to_owned()
}
fn opt_text(col: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(len).null().to_owned()
}
fn at(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}
fn date(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).date().not_null().to_owned()
}
fn flag(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .boolean()
        .not_null()
        .default(false)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DocumentSequence::Table)
                    .col(uuid(DocumentSequence::CommunityId))
                    .col(text(DocumentSequence::Prefix, 4))
                    .col(int(DocumentSequence::Year))
                    .col(big(DocumentSequence::LastValue))
                    .primary_key(
                        Index::create()
                            .col(DocumentSequence::CommunityId)
                            .col(DocumentSequence::Prefix)
                            .col(DocumentSequence::Year),
                    )
                    .foreign_key(&mut fk(
                        "fk_document_sequence_community",
                        (DocumentSequence::Table, DocumentSequence::CommunityId),
                        (Community::Table, Community::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Supplier::Table)
                    .col(id(Supplier::Id))
                    .col(uuid(Supplier::CommunityId))
                    .col(text(Supplier::Name, 200))
                    .col(text(Supplier::Uscc, 18))
                    .col(text(Supplier::LicenceNumber, 64))
                    .col(date(Supplier::LicenceExpiry))
                    .col(opt_text(Supplier::ContactName, 100))
                    .col(opt_text(Supplier::ContactPhone, 32))
                    .col(flag(Supplier::FirstLevelDistributor))
                    .col(text(Supplier::Status, 16))
                    .col(int(Supplier::Version))
                    .col(at(Supplier::CreatedAt))
                    .col(at(Supplier::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_supplier_community",
                        (Supplier::Table, Supplier::CommunityId),
                        (Community::Table, Community::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_supplier_uscc")
                    .table(Supplier::Table)
                    .col(Supplier::CommunityId)
                    .col(Supplier::Uscc)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PriceAgreement::Table)
                    .col(id(PriceAgreement::Id))
                    .col(uuid(PriceAgreement::CommunityId))
                    .col(uuid(PriceAgreement::SupplierId))
                    .col(uuid(PriceAgreement::ItemId))
                    .col(int(PriceAgreement::PackageLevel))
                    .col(big(PriceAgreement::UnitPriceFen))
                    .col(date(PriceAgreement::ValidFrom))
                    .col(date(PriceAgreement::ValidTo))
                    .col(flag(PriceAgreement::Vbp))
                    .col(
                        ColumnDef::new(PriceAgreement::VbpAnnualPacks)
                            .big_integer()
                            .null(),
                    )
                    .col(big(PriceAgreement::MinOrderPacks))
                    .col(uuid(PriceAgreement::CreatedBy))
                    .col(at(PriceAgreement::CreatedAt))
                    .check((
                        "ck_agreement_price",
                        Expr::col(PriceAgreement::UnitPriceFen).gt(0),
                    ))
                    .check((
                        "ck_agreement_dates",
                        Expr::col(PriceAgreement::ValidTo)
                            .gte(Expr::col(PriceAgreement::ValidFrom)),
                    ))
                    .check((
                        "ck_agreement_moq",
                        Expr::col(PriceAgreement::MinOrderPacks).gte(1),
                    ))
                    .foreign_key(&mut fk(
                        "fk_agreement_supplier",
                        (PriceAgreement::Table, PriceAgreement::SupplierId),
                        (Supplier::Table, Supplier::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_agreement_item",
                        (PriceAgreement::Table, PriceAgreement::ItemId),
                        (Item::Table, Item::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_agreement_user",
                        (PriceAgreement::Table, PriceAgreement::CreatedBy),
                        (AppUser::Table, AppUser::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // The agreements of an item in force on a date: what a plan line
        // and an order line look up.
        manager
            .create_index(
                Index::create()
                    .name("ix_agreement_item")
                    .table(PriceAgreement::Table)
                    .col(PriceAgreement::ItemId)
                    .col(PriceAgreement::ValidFrom)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PurchaseOrder::Table)
                    .col(id(PurchaseOrder::Id))
                    .col(uuid(PurchaseOrder::CommunityId))
                    .col(text(PurchaseOrder::Number, 20))
                    .col(uuid(PurchaseOrder::SupplierId))
                    .col(uuid(PurchaseOrder::InstitutionId))
                    .col(text(PurchaseOrder::Status, 24))
                    .col(opt_text(PurchaseOrder::Note, 500))
                    .col(uuid(PurchaseOrder::CreatedBy))
                    .col(
                        ColumnDef::new(PurchaseOrder::SubmittedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(opt_text(PurchaseOrder::ClosedReason, 500))
                    .col(int(PurchaseOrder::Version))
                    .col(at(PurchaseOrder::CreatedAt))
                    .col(at(PurchaseOrder::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_po_supplier",
                        (PurchaseOrder::Table, PurchaseOrder::SupplierId),
                        (Supplier::Table, Supplier::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_po_institution",
                        (PurchaseOrder::Table, PurchaseOrder::InstitutionId),
                        (Institution::Table, Institution::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_po_user",
                        (PurchaseOrder::Table, PurchaseOrder::CreatedBy),
                        (AppUser::Table, AppUser::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_po_number")
                    .table(PurchaseOrder::Table)
                    .col(PurchaseOrder::CommunityId)
                    .col(PurchaseOrder::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_po_list")
                    .table(PurchaseOrder::Table)
                    .col(PurchaseOrder::CommunityId)
                    .col(PurchaseOrder::Status)
                    .col(PurchaseOrder::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PurchaseOrderLine::Table)
                    .col(id(PurchaseOrderLine::Id))
                    .col(uuid(PurchaseOrderLine::OrderId))
                    .col(int(PurchaseOrderLine::LineNo))
                    .col(uuid(PurchaseOrderLine::ItemId))
                    .col(int(PurchaseOrderLine::PackageLevel))
                    .col(big(PurchaseOrderLine::UnitsPerPack))
                    .col(big(PurchaseOrderLine::OrderedPacks))
                    .col(big(PurchaseOrderLine::OverPacks))
                    .col(big(PurchaseOrderLine::ReceivedQuantity))
                    .col(big(PurchaseOrderLine::UnitPriceFen))
                    .col(ColumnDef::new(PurchaseOrderLine::AgreementId).uuid().null())
                    .check((
                        "ck_po_line_packs",
                        Expr::col(PurchaseOrderLine::OrderedPacks).gt(0),
                    ))
                    .check((
                        "ck_po_line_over",
                        Expr::col(PurchaseOrderLine::OverPacks).gte(0),
                    ))
                    // Never more received than ordered plus the allowed
                    // overage: the guarded update decides, this is the
                    // second line.
                    .check((
                        "ck_po_line_received",
                        Expr::col(PurchaseOrderLine::ReceivedQuantity).gte(0).and(
                            Expr::col(PurchaseOrderLine::ReceivedQuantity).lte(
                                Expr::col(PurchaseOrderLine::OrderedPacks)
                                    .add(Expr::col(PurchaseOrderLine::OverPacks))
                                    .mul(Expr::col(PurchaseOrderLine::UnitsPerPack)),
                            ),
                        ),
                    ))
                    .foreign_key(&mut fk(
                        "fk_po_line_order",
                        (PurchaseOrderLine::Table, PurchaseOrderLine::OrderId),
                        (PurchaseOrder::Table, PurchaseOrder::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_po_line_item",
                        (PurchaseOrderLine::Table, PurchaseOrderLine::ItemId),
                        (Item::Table, Item::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_po_line_agreement",
                        (PurchaseOrderLine::Table, PurchaseOrderLine::AgreementId),
                        (PriceAgreement::Table, PriceAgreement::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_po_line_no")
                    .table(PurchaseOrderLine::Table)
                    .col(PurchaseOrderLine::OrderId)
                    .col(PurchaseOrderLine::LineNo)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_po_line_item")
                    .table(PurchaseOrderLine::Table)
                    .col(PurchaseOrderLine::ItemId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_po_line_agreement")
                    .table(PurchaseOrderLine::Table)
                    .col(PurchaseOrderLine::AgreementId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(GoodsReceipt::Table)
                    .col(id(GoodsReceipt::Id))
                    .col(uuid(GoodsReceipt::CommunityId))
                    .col(text(GoodsReceipt::Number, 20))
                    .col(uuid(GoodsReceipt::OrderId))
                    .col(date(GoodsReceipt::BusinessDate))
                    .col(at(GoodsReceipt::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_gr_order",
                        (GoodsReceipt::Table, GoodsReceipt::OrderId),
                        (PurchaseOrder::Table, PurchaseOrder::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_gr_number")
                    .table(GoodsReceipt::Table)
                    .col(GoodsReceipt::CommunityId)
                    .col(GoodsReceipt::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // One receipt document per order per business day: a day's scans
        // share it, and two first scans racing meet on this key.
        manager
            .create_index(
                Index::create()
                    .name("ux_gr_order_day")
                    .table(GoodsReceipt::Table)
                    .col(GoodsReceipt::OrderId)
                    .col(GoodsReceipt::BusinessDate)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReceiptLine::Table)
                    .col(id(ReceiptLine::Id))
                    .col(uuid(ReceiptLine::ReceiptId))
                    .col(uuid(ReceiptLine::OrderId))
                    .col(uuid(ReceiptLine::OrderLineId))
                    .col(uuid(ReceiptLine::BatchId))
                    .col(uuid(ReceiptLine::ItemId))
                    .col(int(ReceiptLine::PackageLevel))
                    .col(big(ReceiptLine::Packs))
                    .col(big(ReceiptLine::Quantity))
                    .col(big(ReceiptLine::PackPriceFen))
                    .col(big(ReceiptLine::UnitCostFen))
                    .col(
                        ColumnDef::new(ReceiptLine::TemperatureDecicelsius)
                            .integer()
                            .null(),
                    )
                    .col(flag(ReceiptLine::Quarantined))
                    .col(opt_text(ReceiptLine::ShortDatedReason, 500))
                    .col(uuid(ReceiptLine::ReceivedBy))
                    .col(at(ReceiptLine::ReceivedAt))
                    .check(("ck_receipt_packs", Expr::col(ReceiptLine::Packs).gt(0)))
                    .check((
                        "ck_receipt_quantity",
                        Expr::col(ReceiptLine::Quantity).gt(0),
                    ))
                    .foreign_key(&mut fk(
                        "fk_receipt_line_receipt",
                        (ReceiptLine::Table, ReceiptLine::ReceiptId),
                        (GoodsReceipt::Table, GoodsReceipt::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_receipt_line_order_line",
                        (ReceiptLine::Table, ReceiptLine::OrderLineId),
                        (PurchaseOrderLine::Table, PurchaseOrderLine::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_receipt_line_batch",
                        (ReceiptLine::Table, ReceiptLine::BatchId),
                        (Batch::Table, Batch::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_receipt_line_user",
                        (ReceiptLine::Table, ReceiptLine::ReceivedBy),
                        (AppUser::Table, AppUser::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_receipt_line_order")
                    .table(ReceiptLine::Table)
                    .col(ReceiptLine::OrderId)
                    .col(ReceiptLine::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_receipt_line_batch")
                    .table(ReceiptLine::Table)
                    .col(ReceiptLine::BatchId)
                    .to_owned(),
            )
            .await?;

        // A pack's traceability code is received once in the community; the
        // primary key is what makes a second receipt DUPLICATE_TRACE_CODE,
        // race or not. Dispensing and recall read it by code and by batch.
        manager
            .create_table(
                Table::create()
                    .table(TraceCode::Table)
                    .col(uuid(TraceCode::CommunityId))
                    .col(text(TraceCode::Code, 20))
                    .col(uuid(TraceCode::ItemId))
                    .col(uuid(TraceCode::BatchId))
                    .col(uuid(TraceCode::ReceiptLineId))
                    .col(at(TraceCode::ReceivedAt))
                    .primary_key(
                        Index::create()
                            .col(TraceCode::CommunityId)
                            .col(TraceCode::Code),
                    )
                    .foreign_key(&mut fk(
                        "fk_trace_code_batch",
                        (TraceCode::Table, TraceCode::BatchId),
                        (Batch::Table, Batch::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_trace_code_receipt_line",
                        (TraceCode::Table, TraceCode::ReceiptLineId),
                        (ReceiptLine::Table, ReceiptLine::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_trace_code_batch")
                    .table(TraceCode::Table)
                    .col(TraceCode::BatchId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            TraceCode::Table.into_iden(),
            ReceiptLine::Table.into_iden(),
            GoodsReceipt::Table.into_iden(),
            PurchaseOrderLine::Table.into_iden(),
            PurchaseOrder::Table.into_iden(),
            PriceAgreement::Table.into_iden(),
            Supplier::Table.into_iden(),
            DocumentSequence::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
