use super::enums::RequisitionStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "requisition")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    /// `RQ-YYYY-NNNNNN`.
    pub number: String,
    /// The member that asks for the stock and receives it.
    pub institution_id: Uuid,
    pub status: RequisitionStatus,
    pub emergency: bool,
    pub note: Option<String>,
    /// The institution of whoever made it: a township centre making it for
    /// one of its village clinics (代请领) shows here.
    pub created_by_institution_id: Uuid,
    pub created_by: Uuid,
    pub submitted_at: Option<DateTimeUtc>,
    /// When and by whom it was approved or rejected.
    pub decided_at: Option<DateTimeUtc>,
    pub decided_by: Option<Uuid>,
    pub rejection_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
