//! The catalogue as the foundation needs it: items and batches by id. The
//! catalogue issue grows this into the full unified catalogue.

use crate::Backend;
use crate::authz::Caller;
use crate::entity::{batch, item};
use crate::error::{Error, Result};
use sea_orm::{ColumnTrait, EntityTrait, JoinType, QueryFilter, QuerySelect};
use uuid::Uuid;

impl Backend {
    /// Items of the caller's community by id, for batched loading.
    pub async fn items_by_ids(&self, caller: &Caller, ids: &[Uuid]) -> Result<Vec<item::Model>> {
        Ok(item::Entity::find()
            .filter(item::Column::Id.is_in(ids.to_vec()))
            .filter(item::Column::CommunityId.eq(caller.community_id))
            .all(self.db.conn())
            .await?)
    }

    /// Batches by id, for batched loading. Batches of another community's
    /// items are left out.
    pub async fn batches_by_ids(&self, caller: &Caller, ids: &[Uuid]) -> Result<Vec<batch::Model>> {
        let batches = batch::Entity::find()
            .filter(batch::Column::Id.is_in(ids.to_vec()))
            .all(self.db.conn())
            .await?;
        let item_ids: Vec<Uuid> = batches.iter().map(|b| b.item_id).collect();
        let visible: std::collections::HashSet<Uuid> = self
            .items_by_ids(caller, &item_ids)
            .await?
            .into_iter()
            .map(|i| i.id)
            .collect();
        Ok(batches
            .into_iter()
            .filter(|b| visible.contains(&b.item_id))
            .collect())
    }

    /// A batch of an item in the caller's community (one query: the batch
    /// joined to its item's community).
    pub(crate) async fn batch_in_community(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<batch::Model> {
        batch::Entity::find_by_id(id)
            .join(
                JoinType::InnerJoin,
                batch::Entity::belongs_to(item::Entity)
                    .from(batch::Column::ItemId)
                    .to(item::Column::Id)
                    .into(),
            )
            .filter(item::Column::CommunityId.eq(caller.community_id))
            .one(self.db.conn())
            .await?
            .ok_or_else(|| Error::not_found("batch", id))
    }
}
