use super::enums::{ReturnReason, ShipmentKind, ShipmentStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shipment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    /// `SH-YYYY-NNNNNN`, printed as Code 128 on its labels.
    pub number: String,
    pub kind: ShipmentKind,
    pub from_institution_id: Uuid,
    pub to_institution_id: Uuid,
    pub requisition_id: Option<Uuid>,
    pub delivery_run_id: Option<Uuid>,
    /// A return that is the first half of a transfer (调剂).
    pub transfer_to_institution_id: Option<Uuid>,
    pub return_reason: Option<ReturnReason>,
    pub status: ShipmentStatus,
    pub emergency: bool,
    /// The day it is meant to arrive; shelf life is judged at this date.
    pub planned_date: Date,
    /// Packages it travels in (labels print "k of n").
    pub package_count: i32,
    pub note: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub dispatched_at: Option<DateTimeUtc>,
    pub dispatched_by: Option<Uuid>,
    pub received_at: Option<DateTimeUtc>,
    pub received_by: Option<Uuid>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
