//! The audit trail: every command writes one row in its own transaction, so
//! there is no change without its record and no record without its change.

use crate::entity::audit_log;
use crate::error::Result;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use uuid::Uuid;

pub struct AuditEntry<'a> {
    pub user_id: Option<Uuid>,
    pub institution_id: Option<Uuid>,
    pub operation: &'a str,
    pub entity_type: &'a str,
    pub entity_ids: &'a [Uuid],
    pub detail: Option<serde_json::Value>,
    pub client_request_id: Option<&'a str>,
}

pub(crate) async fn record(
    conn: &impl ConnectionTrait,
    at: DateTime<Utc>,
    entry: AuditEntry<'_>,
) -> Result<()> {
    let ids: Vec<String> = entry.entity_ids.iter().map(Uuid::to_string).collect();
    audit_log::Entity::insert(audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        occurred_at: Set(at),
        user_id: Set(entry.user_id),
        institution_id: Set(entry.institution_id),
        operation: Set(entry.operation.to_string()),
        entity_type: Set(entry.entity_type.to_string()),
        entity_ids: Set(serde_json::Value::from(ids).to_string()),
        detail: Set(entry.detail),
        client_request_id: Set(entry.client_request_id.map(str::to_string)),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}
