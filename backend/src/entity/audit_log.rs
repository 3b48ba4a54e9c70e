use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub occurred_at: DateTimeUtc,
    pub user_id: Option<Uuid>,
    pub institution_id: Option<Uuid>,
    pub operation: String,
    pub entity_type: String,
    /// JSON array of the ids the operation touched.
    pub entity_ids: String,
    pub detail: Option<Json>,
    pub client_request_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
