//! Storage locations (货位): the shelf where an institution keeps an item,
//! as a `LOC-…` code (the same code its shelf label carries). Pick lists
//! print it so that a picker walks to the right shelf; a later stocktake
//! counts shelf by shelf. An item has one place per institution; setting
//! another moves it, and setting none clears it.

use crate::Backend;
use crate::authz::{self, Action, Caller, Scope};
use crate::command::{Audit, Command, Effect};
use crate::entity::{item, storage_location};
use crate::error::{Error, Result};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use std::collections::HashMap;
use uuid::Uuid;
use yaolian_labels::document_number::LocationCode;

/// Where `institution_id` keeps each of `item_ids` that has a place.
pub(crate) async fn codes_of(
    conn: &impl ConnectionTrait,
    institution_id: Uuid,
    item_ids: &[Uuid],
) -> Result<HashMap<Uuid, String>> {
    let mut out = HashMap::new();
    for chunk in item_ids.chunks(500) {
        for row in storage_location::Entity::find()
            .filter(storage_location::Column::InstitutionId.eq(institution_id))
            .filter(storage_location::Column::ItemId.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            out.insert(row.item_id, row.code);
        }
    }
    Ok(out)
}

/// An item's place at an institution, as set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationView {
    pub institution_id: Uuid,
    pub item_id: Uuid,
    /// `None`: the item has no place there (any more).
    pub code: Option<String>,
}

impl Backend {
    /// Puts an item on a shelf at an institution (or takes it off with
    /// `None`). Kept by whoever keeps that institution's stock: its
    /// pharmacist, or the centre's warehouse.
    pub async fn set_item_location(
        &self,
        caller: &Caller,
        institution_id: Uuid,
        item_id: Uuid,
        code: Option<&str>,
    ) -> Result<LocationView> {
        let inst = self
            .institution_in_community(caller, institution_id)
            .await?;
        authz::authorize(caller, Action::AdjustStock, Self::scope(&inst))?;
        let code = match code.map(str::trim).filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(
                LocationCode::parse(c)
                    .map_err(|e| {
                        Error::validation(
                            "location",
                            e.to_string(),
                            "货位码格式为 LOC- 加 1–32 位大写字母、数字或 -",
                        )
                    })?
                    .to_string(),
            ),
        };
        let item = item::Entity::find_by_id(item_id)
            .one(self.db.conn())
            .await?
            .filter(|i| i.community_id == caller.community_id)
            .ok_or_else(|| Error::not_found("item", item_id))?;
        self.run(
            Command {
                operation: "setItemLocation",
                user_id: caller.user_id,
                idempotency: None,
            },
            async |txn, now| {
                use storage_location::Column as C;
                let before = storage_location::Entity::find_by_id((inst.id, item.id))
                    .one(&**txn)
                    .await?
                    .map(|l| l.code);
                if before == code {
                    return Ok(Effect::Unchanged(LocationView {
                        institution_id: inst.id,
                        item_id: item.id,
                        code: before,
                    }));
                }
                match &code {
                    Some(c) => {
                        storage_location::Entity::insert(storage_location::ActiveModel {
                            institution_id: Set(inst.id),
                            item_id: Set(item.id),
                            code: Set(c.clone()),
                            updated_by: Set(caller.user_id),
                            updated_at: Set(now),
                        })
                        .on_conflict(
                            OnConflict::columns([C::InstitutionId, C::ItemId])
                                .update_columns([C::Code, C::UpdatedBy, C::UpdatedAt])
                                .to_owned(),
                        )
                        .exec_without_returning(&**txn)
                        .await?;
                    }
                    None => {
                        storage_location::Entity::delete_by_id((inst.id, item.id))
                            .exec(&**txn)
                            .await?;
                    }
                }
                Ok(Effect::Changed {
                    result_id: item.id,
                    audit: Audit {
                        institution_id: Some(inst.id),
                        entity_type: "storage_location",
                        entity_ids: vec![inst.id, item.id],
                        detail: Some(serde_json::json!({
                            "item": item.code,
                            "from": before,
                            "to": code,
                        })),
                    },
                    value: LocationView {
                        institution_id: inst.id,
                        item_id: item.id,
                        code: code.clone(),
                    },
                })
            },
        )
        .await?
        .once()
    }

    /// Where an institution keeps each of the items (those with a place).
    /// Any member may ask: a shelf says where, not how much (as a location
    /// label may be printed by anyone), and a clinic receiving a shipment
    /// sees where the centre picked it.
    pub async fn item_locations(
        &self,
        caller: &Caller,
        institution_id: Uuid,
        item_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, String>> {
        authz::authorize(
            caller,
            Action::ReadDirectory,
            Scope::Community(caller.community_id),
        )?;
        let inst = self
            .institution_in_community(caller, institution_id)
            .await?;
        codes_of(self.db.conn(), inst.id, item_ids).await
    }
}
