use super::enums::DeliveryRunStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery_run")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    /// `DR-YYYY-NNNNNN`.
    pub number: String,
    /// The route: a township centre (or a member without villages) and the
    /// village clinics under it.
    pub route_institution_id: Uuid,
    pub planned_date: Date,
    pub vehicle_note: Option<String>,
    pub status: DeliveryRunStatus,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
