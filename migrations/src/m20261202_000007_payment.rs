//! Unified payment (统一支付) and member accounts (分户核算): supplier
//! invoices with their lines and the receipts they bill, payments and the
//! invoices they settle, and each member's account of what it was sent at
//! centre cost.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000007_payment"
    }
}

#[derive(DeriveIden)]
enum Supplier {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum PurchaseOrder {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum ReceiptLine {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Institution {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SupplierInvoice {
    Table,
    Id,
    CommunityId,
    SupplierId,
    OrderId,
    Number,
    InvoiceDate,
    TotalFen,
    Status,
    Differences,
    CreatedBy,
    ApprovedBy,
    PaymentId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SupplierInvoiceLine {
    Table,
    Id,
    InvoiceId,
    LineNo,
    ItemId,
    Packs,
    UnitPriceFen,
    AmountFen,
}

#[derive(DeriveIden)]
enum InvoicedReceipt {
    Table,
    ReceiptLineId,
    InvoiceId,
    InvoiceLineId,
}

#[derive(DeriveIden)]
enum SupplierPayment {
    Table,
    Id,
    CommunityId,
    SupplierId,
    AmountFen,
    PaidOn,
    Reference,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MemberAccountEntry {
    Table,
    Id,
    CommunityId,
    InstitutionId,
    OccurredAt,
    Kind,
    DocumentType,
    DocumentId,
    DocumentNumber,
    MovementId,
    ItemId,
    BatchId,
    Quantity,
    AmountFen,
    Essential,
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
fn opt_uuid(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).uuid().null().to_owned()
}
fn big(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}
fn text(col: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(len).not_null().to_owned()
}
fn at(col: impl IntoIden) -> ColumnDef {
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
                    .table(SupplierPayment::Table)
                    .col(id(SupplierPayment::Id))
                    .col(uuid(SupplierPayment::CommunityId))
                    .col(uuid(SupplierPayment::SupplierId))
                    .col(big(SupplierPayment::AmountFen))
                    .col(ColumnDef::new(SupplierPayment::PaidOn).date().not_null())
                    .col(text(SupplierPayment::Reference, 100))
                    .col(uuid(SupplierPayment::CreatedBy))
                    .col(at(SupplierPayment::CreatedAt))
                    .check((
                        "ck_payment_amount",
                        Expr::col(SupplierPayment::AmountFen).gt(0),
                    ))
                    .foreign_key(&mut fk(
                        "fk_payment_supplier",
                        (SupplierPayment::Table, SupplierPayment::SupplierId),
                        (Supplier::Table, Supplier::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_payment_user",
                        (SupplierPayment::Table, SupplierPayment::CreatedBy),
                        (AppUser::Table, AppUser::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SupplierInvoice::Table)
                    .col(id(SupplierInvoice::Id))
                    .col(uuid(SupplierInvoice::CommunityId))
                    .col(uuid(SupplierInvoice::SupplierId))
                    .col(uuid(SupplierInvoice::OrderId))
                    .col(text(SupplierInvoice::Number, 40))
                    .col(
                        ColumnDef::new(SupplierInvoice::InvoiceDate)
                            .date()
                            .not_null(),
                    )
                    .col(big(SupplierInvoice::TotalFen))
                    .col(text(SupplierInvoice::Status, 16))
                    .col(ColumnDef::new(SupplierInvoice::Differences).json().null())
                    .col(uuid(SupplierInvoice::CreatedBy))
                    .col(opt_uuid(SupplierInvoice::ApprovedBy))
                    .col(opt_uuid(SupplierInvoice::PaymentId))
                    .col(
                        ColumnDef::new(SupplierInvoice::Version)
                            .integer()
                            .not_null(),
                    )
                    .col(at(SupplierInvoice::CreatedAt))
                    .col(at(SupplierInvoice::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_invoice_supplier",
                        (SupplierInvoice::Table, SupplierInvoice::SupplierId),
                        (Supplier::Table, Supplier::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_invoice_order",
                        (SupplierInvoice::Table, SupplierInvoice::OrderId),
                        (PurchaseOrder::Table, PurchaseOrder::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_invoice_payment",
                        (SupplierInvoice::Table, SupplierInvoice::PaymentId),
                        (SupplierPayment::Table, SupplierPayment::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // An invoice number is the supplier's: unique per supplier.
        manager
            .create_index(
                Index::create()
                    .name("ux_invoice_number")
                    .table(SupplierInvoice::Table)
                    .col(SupplierInvoice::SupplierId)
                    .col(SupplierInvoice::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_invoice_status")
                    .table(SupplierInvoice::Table)
                    .col(SupplierInvoice::CommunityId)
                    .col(SupplierInvoice::Status)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SupplierInvoiceLine::Table)
                    .col(id(SupplierInvoiceLine::Id))
                    .col(uuid(SupplierInvoiceLine::InvoiceId))
                    .col(
                        ColumnDef::new(SupplierInvoiceLine::LineNo)
                            .integer()
                            .not_null(),
                    )
                    .col(uuid(SupplierInvoiceLine::ItemId))
                    .col(big(SupplierInvoiceLine::Packs))
                    .col(big(SupplierInvoiceLine::UnitPriceFen))
                    .col(big(SupplierInvoiceLine::AmountFen))
                    .foreign_key(&mut fk(
                        "fk_invoice_line_invoice",
                        (SupplierInvoiceLine::Table, SupplierInvoiceLine::InvoiceId),
                        (SupplierInvoice::Table, SupplierInvoice::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        // Which receipts an approved invoice bills. The primary key is the
        // receipt line: it is invoiced once, even when two approvals race.
        manager
            .create_table(
                Table::create()
                    .table(InvoicedReceipt::Table)
                    .col(
                        ColumnDef::new(InvoicedReceipt::ReceiptLineId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(uuid(InvoicedReceipt::InvoiceId))
                    .col(uuid(InvoicedReceipt::InvoiceLineId))
                    .foreign_key(&mut fk(
                        "fk_invoiced_receipt_line",
                        (InvoicedReceipt::Table, InvoicedReceipt::ReceiptLineId),
                        (ReceiptLine::Table, ReceiptLine::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_invoiced_receipt_invoice",
                        (InvoicedReceipt::Table, InvoicedReceipt::InvoiceId),
                        (SupplierInvoice::Table, SupplierInvoice::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_invoiced_receipt_invoice")
                    .table(InvoicedReceipt::Table)
                    .col(InvoicedReceipt::InvoiceId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MemberAccountEntry::Table)
                    .col(id(MemberAccountEntry::Id))
                    .col(uuid(MemberAccountEntry::CommunityId))
                    .col(uuid(MemberAccountEntry::InstitutionId))
                    .col(at(MemberAccountEntry::OccurredAt))
                    .col(text(MemberAccountEntry::Kind, 16))
                    .col(text(MemberAccountEntry::DocumentType, 32))
                    .col(uuid(MemberAccountEntry::DocumentId))
                    .col(
                        ColumnDef::new(MemberAccountEntry::DocumentNumber)
                            .string_len(20)
                            .null(),
                    )
                    .col(opt_uuid(MemberAccountEntry::MovementId))
                    .col(uuid(MemberAccountEntry::ItemId))
                    .col(uuid(MemberAccountEntry::BatchId))
                    .col(big(MemberAccountEntry::Quantity))
                    .col(big(MemberAccountEntry::AmountFen))
                    .col(
                        ColumnDef::new(MemberAccountEntry::Essential)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(at(MemberAccountEntry::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_member_entry_institution",
                        (MemberAccountEntry::Table, MemberAccountEntry::InstitutionId),
                        (Institution::Table, Institution::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_member_entry_statement")
                    .table(MemberAccountEntry::Table)
                    .col(MemberAccountEntry::InstitutionId)
                    .col(MemberAccountEntry::OccurredAt)
                    .to_owned(),
            )
            .await?;
        // A movement is charged once.
        manager
            .create_index(
                Index::create()
                    .name("ux_member_entry_movement")
                    .table(MemberAccountEntry::Table)
                    .col(MemberAccountEntry::MovementId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            MemberAccountEntry::Table.into_iden(),
            InvoicedReceipt::Table.into_iden(),
            SupplierInvoiceLine::Table.into_iden(),
            SupplierInvoice::Table.into_iden(),
            SupplierPayment::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
