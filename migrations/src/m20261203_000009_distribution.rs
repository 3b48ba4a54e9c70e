//! Distribution to members (集中配送): requisitions and their lines, the
//! shipments that allocation makes (to a member, or back to the centre as a
//! return), the delivery runs that group them by route, each receipt scan,
//! and the discrepancies a receiving pharmacist records.
//!
//! Stock in transit is held on shipment lines: a dispatched line's quantity
//! is always what arrived (`received_quantity`), plus what the centre wrote
//! off as lost in transit (`lost_quantity`), plus what is still on its way.
//! The CHECK below keeps that from going negative; `ledger::verify` checks
//! the lines against their SHIPMENT_OUT and SHIPMENT_IN movements.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000009_distribution"
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
enum Requisition {
    Table,
    Id,
    CommunityId,
    Number,
    InstitutionId,
    Status,
    Emergency,
    Note,
    /// The institution of the user who made it: a township centre making it
    /// for one of its village clinics (代请领) shows here.
    CreatedByInstitutionId,
    CreatedBy,
    SubmittedAt,
    DecidedAt,
    DecidedBy,
    RejectionReason,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RequisitionLine {
    Table,
    Id,
    RequisitionId,
    LineNo,
    ItemId,
    Quantity,
    ApprovedQuantity,
    ReductionReason,
    AllocatedQuantity,
}

#[derive(DeriveIden)]
enum DeliveryRun {
    Table,
    Id,
    CommunityId,
    Number,
    RouteInstitutionId,
    PlannedDate,
    VehicleNote,
    Status,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Shipment {
    Table,
    Id,
    CommunityId,
    Number,
    Kind,
    FromInstitutionId,
    ToInstitutionId,
    RequisitionId,
    DeliveryRunId,
    /// A return that is the first half of a transfer (调剂): where the
    /// goods go on once the centre has them.
    TransferToInstitutionId,
    ReturnReason,
    Status,
    Emergency,
    PlannedDate,
    PackageCount,
    Note,
    CreatedBy,
    CreatedAt,
    DispatchedAt,
    DispatchedBy,
    ReceivedAt,
    ReceivedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ShipmentLine {
    Table,
    Id,
    ShipmentId,
    LineNo,
    RequisitionLineId,
    ItemId,
    BatchId,
    Quantity,
    ReservationId,
    ScannedQuantity,
    ReceivedQuantity,
    LostQuantity,
}

#[derive(DeriveIden)]
enum ShipmentScan {
    Table,
    Id,
    ShipmentId,
    ShipmentLineId,
    Quantity,
    Barcode,
    TraceCode,
    UserId,
    ScannedAt,
}

#[derive(DeriveIden)]
enum ShipmentDiscrepancy {
    Table,
    Id,
    ShipmentId,
    ShipmentLineId,
    Kind,
    Quantity,
    Note,
    Resolution,
    ResolutionReason,
    ResentShipmentId,
    ResolvedBy,
    ResolvedAt,
    CreatedBy,
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
fn big_zero(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .default(0)
        .to_owned()
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
fn opt_at(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}
fn flag(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .boolean()
        .not_null()
        .default(false)
        .to_owned()
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: Vec<DynIden>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut ix = Index::create();
    ix.name(name).table(table);
    for c in cols {
        ix.col(c);
    }
    if unique {
        ix.unique();
    }
    manager.create_index(ix.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Requisition::Table)
                    .col(id(Requisition::Id))
                    .col(uuid(Requisition::CommunityId))
                    .col(text(Requisition::Number, 32))
                    .col(uuid(Requisition::InstitutionId))
                    .col(text(Requisition::Status, 16))
                    .col(flag(Requisition::Emergency))
                    .col(opt_text(Requisition::Note, 500))
                    .col(uuid(Requisition::CreatedByInstitutionId))
                    .col(uuid(Requisition::CreatedBy))
                    .col(opt_at(Requisition::SubmittedAt))
                    .col(opt_at(Requisition::DecidedAt))
                    .col(opt_uuid(Requisition::DecidedBy))
                    .col(opt_text(Requisition::RejectionReason, 500))
                    .col(int(Requisition::Version))
                    .col(at(Requisition::CreatedAt))
                    .col(at(Requisition::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_requisition_community",
                        (Requisition::Table, Requisition::CommunityId),
                        (Community::Table, Community::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_requisition_institution",
                        (Requisition::Table, Requisition::InstitutionId),
                        (Institution::Table, Institution::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_requisition_created_by",
                        (Requisition::Table, Requisition::CreatedBy),
                        (AppUser::Table, AppUser::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_requisition_number",
            Requisition::Table,
            vec![
                Requisition::CommunityId.into_iden(),
                Requisition::Number.into_iden(),
            ],
            true,
        )
        .await?;
        index(
            manager,
            "ix_requisition_status",
            Requisition::Table,
            vec![
                Requisition::CommunityId.into_iden(),
                Requisition::Status.into_iden(),
            ],
            false,
        )
        .await?;
        index(
            manager,
            "ix_requisition_institution",
            Requisition::Table,
            vec![Requisition::InstitutionId.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(RequisitionLine::Table)
                    .col(id(RequisitionLine::Id))
                    .col(uuid(RequisitionLine::RequisitionId))
                    .col(int(RequisitionLine::LineNo))
                    .col(uuid(RequisitionLine::ItemId))
                    .col(big(RequisitionLine::Quantity))
                    .col(
                        ColumnDef::new(RequisitionLine::ApprovedQuantity)
                            .big_integer()
                            .null(),
                    )
                    .col(opt_text(RequisitionLine::ReductionReason, 500))
                    .col(big_zero(RequisitionLine::AllocatedQuantity))
                    .check((
                        "ck_requisition_line_quantity",
                        Expr::col(RequisitionLine::Quantity).gt(0),
                    ))
                    .check((
                        "ck_requisition_line_approved",
                        Expr::col(RequisitionLine::ApprovedQuantity)
                            .is_null()
                            .or(Expr::col(RequisitionLine::ApprovedQuantity).gte(0).and(
                                Expr::col(RequisitionLine::ApprovedQuantity)
                                    .lte(Expr::col(RequisitionLine::Quantity)),
                            )),
                    ))
                    // Allocation never goes past what was approved: the
                    // guarded update decides, this is the second line.
                    .check((
                        "ck_requisition_line_allocated",
                        Expr::col(RequisitionLine::AllocatedQuantity).gte(0).and(
                            Expr::col(RequisitionLine::AllocatedQuantity)
                                .lte(Expr::cust("COALESCE(approved_quantity, 0)")),
                        ),
                    ))
                    .foreign_key(&mut fk(
                        "fk_requisition_line_requisition",
                        (RequisitionLine::Table, RequisitionLine::RequisitionId),
                        (Requisition::Table, Requisition::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_requisition_line_item",
                        (RequisitionLine::Table, RequisitionLine::ItemId),
                        (Item::Table, Item::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_requisition_line_no",
            RequisitionLine::Table,
            vec![
                RequisitionLine::RequisitionId.into_iden(),
                RequisitionLine::LineNo.into_iden(),
            ],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(DeliveryRun::Table)
                    .col(id(DeliveryRun::Id))
                    .col(uuid(DeliveryRun::CommunityId))
                    .col(text(DeliveryRun::Number, 32))
                    .col(uuid(DeliveryRun::RouteInstitutionId))
                    .col(ColumnDef::new(DeliveryRun::PlannedDate).date().not_null())
                    .col(opt_text(DeliveryRun::VehicleNote, 200))
                    .col(text(DeliveryRun::Status, 16))
                    .col(uuid(DeliveryRun::CreatedBy))
                    .col(at(DeliveryRun::CreatedAt))
                    .col(at(DeliveryRun::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_delivery_run_community",
                        (DeliveryRun::Table, DeliveryRun::CommunityId),
                        (Community::Table, Community::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_delivery_run_route",
                        (DeliveryRun::Table, DeliveryRun::RouteInstitutionId),
                        (Institution::Table, Institution::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_delivery_run_number",
            DeliveryRun::Table,
            vec![
                DeliveryRun::CommunityId.into_iden(),
                DeliveryRun::Number.into_iden(),
            ],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Shipment::Table)
                    .col(id(Shipment::Id))
                    .col(uuid(Shipment::CommunityId))
                    .col(text(Shipment::Number, 32))
                    .col(text(Shipment::Kind, 16))
                    .col(uuid(Shipment::FromInstitutionId))
                    .col(uuid(Shipment::ToInstitutionId))
                    .col(opt_uuid(Shipment::RequisitionId))
                    .col(opt_uuid(Shipment::DeliveryRunId))
                    .col(opt_uuid(Shipment::TransferToInstitutionId))
                    .col(opt_text(Shipment::ReturnReason, 16))
                    .col(text(Shipment::Status, 16))
                    .col(flag(Shipment::Emergency))
                    .col(ColumnDef::new(Shipment::PlannedDate).date().not_null())
                    .col(int(Shipment::PackageCount))
                    .col(opt_text(Shipment::Note, 500))
                    .col(uuid(Shipment::CreatedBy))
                    .col(at(Shipment::CreatedAt))
                    .col(opt_at(Shipment::DispatchedAt))
                    .col(opt_uuid(Shipment::DispatchedBy))
                    .col(opt_at(Shipment::ReceivedAt))
                    .col(opt_uuid(Shipment::ReceivedBy))
                    .col(at(Shipment::UpdatedAt))
                    .check((
                        "ck_shipment_packages",
                        Expr::col(Shipment::PackageCount).gte(1),
                    ))
                    .foreign_key(&mut fk(
                        "fk_shipment_community",
                        (Shipment::Table, Shipment::CommunityId),
                        (Community::Table, Community::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_shipment_from",
                        (Shipment::Table, Shipment::FromInstitutionId),
                        (Institution::Table, Institution::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_shipment_to",
                        (Shipment::Table, Shipment::ToInstitutionId),
                        (Institution::Table, Institution::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_shipment_requisition",
                        (Shipment::Table, Shipment::RequisitionId),
                        (Requisition::Table, Requisition::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_shipment_run",
                        (Shipment::Table, Shipment::DeliveryRunId),
                        (DeliveryRun::Table, DeliveryRun::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_shipment_number",
            Shipment::Table,
            vec![
                Shipment::CommunityId.into_iden(),
                Shipment::Number.into_iden(),
            ],
            true,
        )
        .await?;
        index(
            manager,
            "ix_shipment_status",
            Shipment::Table,
            vec![
                Shipment::CommunityId.into_iden(),
                Shipment::Status.into_iden(),
            ],
            false,
        )
        .await?;
        index(
            manager,
            "ix_shipment_to",
            Shipment::Table,
            vec![Shipment::ToInstitutionId.into_iden()],
            false,
        )
        .await?;
        index(
            manager,
            "ix_shipment_requisition",
            Shipment::Table,
            vec![Shipment::RequisitionId.into_iden()],
            false,
        )
        .await?;
        index(
            manager,
            "ix_shipment_run",
            Shipment::Table,
            vec![Shipment::DeliveryRunId.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ShipmentLine::Table)
                    .col(id(ShipmentLine::Id))
                    .col(uuid(ShipmentLine::ShipmentId))
                    .col(int(ShipmentLine::LineNo))
                    .col(opt_uuid(ShipmentLine::RequisitionLineId))
                    .col(uuid(ShipmentLine::ItemId))
                    .col(uuid(ShipmentLine::BatchId))
                    .col(big(ShipmentLine::Quantity))
                    .col(opt_uuid(ShipmentLine::ReservationId))
                    .col(big_zero(ShipmentLine::ScannedQuantity))
                    .col(big_zero(ShipmentLine::ReceivedQuantity))
                    .col(big_zero(ShipmentLine::LostQuantity))
                    .check((
                        "ck_shipment_line_quantity",
                        Expr::col(ShipmentLine::Quantity).gt(0),
                    ))
                    .check((
                        "ck_shipment_line_scanned",
                        Expr::col(ShipmentLine::ScannedQuantity).gte(0),
                    ))
                    // Arrived plus lost never exceeds what was sent: the
                    // rest is in transit.
                    .check((
                        "ck_shipment_line_transit",
                        Expr::col(ShipmentLine::ReceivedQuantity)
                            .gte(0)
                            .and(Expr::col(ShipmentLine::LostQuantity).gte(0))
                            .and(
                                Expr::col(ShipmentLine::ReceivedQuantity)
                                    .add(Expr::col(ShipmentLine::LostQuantity))
                                    .lte(Expr::col(ShipmentLine::Quantity)),
                            ),
                    ))
                    .foreign_key(&mut fk(
                        "fk_shipment_line_shipment",
                        (ShipmentLine::Table, ShipmentLine::ShipmentId),
                        (Shipment::Table, Shipment::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_shipment_line_item",
                        (ShipmentLine::Table, ShipmentLine::ItemId),
                        (Item::Table, Item::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_shipment_line_batch",
                        (ShipmentLine::Table, ShipmentLine::BatchId),
                        (Batch::Table, Batch::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_shipment_line_requisition_line",
                        (ShipmentLine::Table, ShipmentLine::RequisitionLineId),
                        (RequisitionLine::Table, RequisitionLine::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_shipment_line_no",
            ShipmentLine::Table,
            vec![
                ShipmentLine::ShipmentId.into_iden(),
                ShipmentLine::LineNo.into_iden(),
            ],
            true,
        )
        .await?;
        // A requisition line's allocated quantity is recounted from its
        // shipment lines.
        index(
            manager,
            "ix_shipment_line_requisition_line",
            ShipmentLine::Table,
            vec![ShipmentLine::RequisitionLineId.into_iden()],
            false,
        )
        .await?;
        // Recall traces a batch to every shipment it went out on.
        index(
            manager,
            "ix_shipment_line_batch",
            ShipmentLine::Table,
            vec![ShipmentLine::BatchId.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ShipmentScan::Table)
                    .col(id(ShipmentScan::Id))
                    .col(uuid(ShipmentScan::ShipmentId))
                    .col(uuid(ShipmentScan::ShipmentLineId))
                    .col(big(ShipmentScan::Quantity))
                    .col(text(ShipmentScan::Barcode, 512))
                    .col(opt_text(ShipmentScan::TraceCode, 20))
                    .col(uuid(ShipmentScan::UserId))
                    .col(at(ShipmentScan::ScannedAt))
                    .foreign_key(&mut fk(
                        "fk_shipment_scan_line",
                        (ShipmentScan::Table, ShipmentScan::ShipmentLineId),
                        (ShipmentLine::Table, ShipmentLine::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // One pack, one count: the same traceability code scanned twice on
        // a shipment is refused (NULLs, packs without one, are not unique).
        index(
            manager,
            "ux_shipment_scan_trace_code",
            ShipmentScan::Table,
            vec![
                ShipmentScan::ShipmentId.into_iden(),
                ShipmentScan::TraceCode.into_iden(),
            ],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ShipmentDiscrepancy::Table)
                    .col(id(ShipmentDiscrepancy::Id))
                    .col(uuid(ShipmentDiscrepancy::ShipmentId))
                    .col(uuid(ShipmentDiscrepancy::ShipmentLineId))
                    .col(text(ShipmentDiscrepancy::Kind, 16))
                    .col(big(ShipmentDiscrepancy::Quantity))
                    .col(opt_text(ShipmentDiscrepancy::Note, 500))
                    .col(opt_text(ShipmentDiscrepancy::Resolution, 16))
                    .col(opt_text(ShipmentDiscrepancy::ResolutionReason, 500))
                    .col(opt_uuid(ShipmentDiscrepancy::ResentShipmentId))
                    .col(opt_uuid(ShipmentDiscrepancy::ResolvedBy))
                    .col(opt_at(ShipmentDiscrepancy::ResolvedAt))
                    .col(uuid(ShipmentDiscrepancy::CreatedBy))
                    .col(at(ShipmentDiscrepancy::CreatedAt))
                    .check((
                        "ck_shipment_discrepancy_quantity",
                        Expr::col(ShipmentDiscrepancy::Quantity).gt(0),
                    ))
                    .foreign_key(&mut fk(
                        "fk_shipment_discrepancy_line",
                        (
                            ShipmentDiscrepancy::Table,
                            ShipmentDiscrepancy::ShipmentLineId,
                        ),
                        (ShipmentLine::Table, ShipmentLine::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_shipment_discrepancy_line",
            ShipmentDiscrepancy::Table,
            vec![ShipmentDiscrepancy::ShipmentLineId.into_iden()],
            false,
        )
        .await?;
        index(
            manager,
            "ix_shipment_discrepancy_shipment",
            ShipmentDiscrepancy::Table,
            vec![ShipmentDiscrepancy::ShipmentId.into_iden()],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ShipmentDiscrepancy::Table.into_iden(),
            ShipmentScan::Table.into_iden(),
            ShipmentLine::Table.into_iden(),
            Shipment::Table.into_iden(),
            DeliveryRun::Table.into_iden(),
            RequisitionLine::Table.into_iden(),
            Requisition::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
