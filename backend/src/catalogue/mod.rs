//! The unified catalogue (统一目录): items with every attribute, their
//! package levels, GTINs and traceability-code prefixes, versioned changes,
//! and search the way Chinese users search.

pub mod draft;
pub mod excel;
pub mod history;
mod maintain;
pub mod search;

use crate::Backend;
use crate::authz::Caller;
use crate::entity::enums::{InstitutionKind, ItemStatus};
use crate::entity::{batch, item, item_gtin, item_package_level};
use crate::error::{Error, Result, StateReason};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

pub use draft::{FieldError, ItemDraft, PackageLevelDraft};
pub use maintain::StatusChange;
pub(crate) use maintain::{insert_items, replace_item};

/// A package level with the GTINs printed on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageLevelView {
    pub level: i32,
    pub name: String,
    pub units_per_pack: i64,
    pub gtins: Vec<String>,
    pub trace_code_prefix: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ItemView {
    pub item: item::Model,
    pub levels: Vec<PackageLevelView>,
}

impl ItemView {
    /// Every GTIN of every level, smallest pack first.
    pub fn gtins(&self) -> Vec<String> {
        self.levels.iter().flat_map(|l| l.gtins.clone()).collect()
    }

    /// The item as a draft: what an edit form or a spreadsheet row holds.
    pub fn draft(&self) -> ItemDraft {
        // Destructured so that a new column does not compile until it is
        // decided whether a buyer edits it.
        let item::Model {
            id: _,
            community_id: _,
            code,
            kind,
            generic_name,
            trade_name,
            english_name,
            dosage_form,
            strength,
            packaging,
            base_unit,
            manufacturer,
            approval_number,
            nhsa_code,
            insurance_class,
            essential,
            vbp,
            vbp_price_fen,
            prescription_only,
            controlled_class,
            antibiotic_level,
            high_alert,
            look_alike,
            cold_chain,
            skin_test,
            min_institution_level,
            near_expiry_days,
            min_receipt_shelf_life_days,
            min_dispatch_shelf_life_days,
            storage_min_decicelsius,
            storage_max_decicelsius,
            status: _,
            search_text: _,
            version: _,
            created_at: _,
            updated_at: _,
        } = self.item.clone();
        ItemDraft {
            code,
            kind,
            generic_name,
            trade_name,
            english_name: Some(english_name).filter(|s| !s.is_empty()),
            dosage_form,
            strength,
            packaging,
            base_unit,
            package_levels: self
                .levels
                .iter()
                .map(|l| PackageLevelDraft {
                    level: l.level,
                    name: l.name.clone(),
                    units_per_pack: l.units_per_pack,
                    gtins: l.gtins.clone(),
                    trace_code_prefix: l.trace_code_prefix.clone(),
                })
                .collect(),
            manufacturer,
            approval_number,
            nhsa_code,
            insurance_class,
            essential,
            vbp,
            vbp_price_fen,
            prescription_only,
            controlled_class,
            antibiotic_level,
            high_alert,
            look_alike,
            cold_chain,
            skin_test,
            min_institution_level,
            near_expiry_days,
            min_receipt_shelf_life_days,
            min_dispatch_shelf_life_days,
            storage_min_decicelsius,
            storage_max_decicelsius,
        }
    }
}

/// May an institution of this kind stock and prescribe the item?
pub fn allowed_at(item: &item::Model, kind: InstitutionKind) -> bool {
    kind == InstitutionKind::LogisticsCentre || kind.level() >= item.min_institution_level.level()
}

/// A delisted item cannot be requisitioned, ordered or prescribed; stock
/// already held stays visible and can still be dispensed.
pub fn ensure_orderable(item: &item::Model) -> Result<()> {
    match item.status {
        ItemStatus::Active => Ok(()),
        ItemStatus::Suspended => Err(Error::illegal_state(
            StateReason::ItemSuspended,
            format!(
                "{} ({}) is suspended and cannot be ordered now",
                item.generic_name, item.code
            ),
        )),
        ItemStatus::Delisted => Err(Error::illegal_state(
            StateReason::ItemDelisted,
            format!(
                "{} ({}) is delisted from the catalogue",
                item.generic_name, item.code
            ),
        )),
    }
}

/// Package levels and GTINs of the given items, in one query each.
pub(crate) async fn item_views(
    conn: &impl ConnectionTrait,
    items: Vec<item::Model>,
) -> Result<Vec<ItemView>> {
    let ids: Vec<Uuid> = items.iter().map(|i| i.id).collect();
    let gtins = item_gtin::Entity::find()
        .filter(item_gtin::Column::ItemId.is_in(ids.clone()))
        .all(conn)
        .await?;
    let levels = item_package_level::Entity::find()
        .filter(item_package_level::Column::ItemId.is_in(ids))
        .all(conn)
        .await?;
    Ok(assemble(items, gtins, levels))
}

/// Puts items, their package levels and GTINs together: levels in order,
/// GTINs sorted.
pub(crate) fn assemble(
    items: Vec<item::Model>,
    mut gtin_rows: Vec<item_gtin::Model>,
    mut level_rows: Vec<item_package_level::Model>,
) -> Vec<ItemView> {
    gtin_rows.sort_by(|a, b| a.gtin.cmp(&b.gtin));
    level_rows.sort_by_key(|l| l.level);
    let mut gtins: HashMap<(Uuid, i32), Vec<String>> = HashMap::new();
    for g in gtin_rows {
        gtins.entry((g.item_id, g.level)).or_default().push(g.gtin);
    }
    let mut levels: HashMap<Uuid, Vec<PackageLevelView>> = HashMap::new();
    for l in level_rows {
        levels.entry(l.item_id).or_default().push(PackageLevelView {
            level: l.level,
            name: l.name,
            units_per_pack: l.units_per_pack,
            gtins: gtins.remove(&(l.item_id, l.level)).unwrap_or_default(),
            trace_code_prefix: l.trace_code_prefix,
        });
    }
    items
        .into_iter()
        .map(|item| ItemView {
            levels: levels.remove(&item.id).unwrap_or_default(),
            item,
        })
        .collect()
}

impl Backend {
    /// Items of the caller's community by id, for batched loading.
    pub async fn items_by_ids(&self, caller: &Caller, ids: &[Uuid]) -> Result<Vec<item::Model>> {
        // By primary key only, community checked here: with the community in
        // the WHERE clause SQLite's planner prefers the (community, code)
        // index and scans the whole catalogue (6 ms at 20,000 items).
        let mut items = item::Entity::find()
            .filter(item::Column::Id.is_in(ids.to_vec()))
            .all(self.db.conn())
            .await?;
        items.retain(|i| i.community_id == caller.community_id);
        Ok(items)
    }

    /// Package levels (with GTINs) of items, by item id, for batched loading.
    pub async fn package_levels(
        &self,
        caller: &Caller,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<PackageLevelView>>> {
        let items = self.items_by_ids(caller, ids).await?;
        Ok(item_views(self.db.conn(), items)
            .await?
            .into_iter()
            .map(|v| (v.item.id, v.levels))
            .collect())
    }

    /// One item of the caller's community, with its package levels.
    pub async fn item(&self, caller: &Caller, id: Uuid) -> Result<ItemView> {
        let item = self
            .items_by_ids(caller, &[id])
            .await?
            .pop()
            .ok_or_else(|| Error::not_found("item", id))?;
        item_views(self.db.conn(), vec![item])
            .await?
            .pop()
            .ok_or_else(|| Error::not_found("item", id))
    }

    /// Batches by id, for batched loading. Batches of another community's
    /// items are left out.
    pub async fn batches_by_ids(&self, caller: &Caller, ids: &[Uuid]) -> Result<Vec<batch::Model>> {
        // Driven by the batch primary key; the community is checked on the
        // joined item here, not in SQL (see `items_by_ids`).
        let rows = batch::Entity::find()
            .filter(batch::Column::Id.is_in(ids.to_vec()))
            .join(
                JoinType::InnerJoin,
                batch::Entity::belongs_to(item::Entity)
                    .from(batch::Column::ItemId)
                    .to(item::Column::Id)
                    .into(),
            )
            .select_also(item::Entity)
            .all(self.db.conn())
            .await?;
        Ok(rows
            .into_iter()
            .filter(|(_, item)| {
                item.as_ref()
                    .is_some_and(|i| i.community_id == caller.community_id)
            })
            .map(|(batch, _)| batch)
            .collect())
    }

    /// A batch of an item in the caller's community.
    pub(crate) async fn batch_in_community(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<batch::Model> {
        self.batches_by_ids(caller, &[id])
            .await?
            .pop()
            .ok_or_else(|| Error::not_found("batch", id))
    }
}

/// What a scanned GTIN names in a community: the item, and the units in a
/// pack of the level the code is printed on (`None` when the level has no
/// row, which the catalogue's own checks prevent).
pub(crate) struct GtinPack {
    pub item_id: Uuid,
    pub units_per_pack: Option<i64>,
}

/// The GTIN, its item and its package level's units in one read: what a
/// shipment receipt scan needs of the code.
pub(crate) async fn gtin_pack(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
    gtin: &str,
) -> Result<Option<GtinPack>> {
    let hit: Option<(Uuid, Option<i64>)> = item_gtin::Entity::find()
        .select_only()
        .column(item_gtin::Column::ItemId)
        .column(item_package_level::Column::UnitsPerPack)
        .join(
            JoinType::LeftJoin,
            item_gtin::Entity::belongs_to(item_package_level::Entity)
                .from((item_gtin::Column::ItemId, item_gtin::Column::Level))
                .to((
                    item_package_level::Column::ItemId,
                    item_package_level::Column::Level,
                ))
                .into(),
        )
        .filter(item_gtin::Column::CommunityId.eq(community_id))
        .filter(item_gtin::Column::Gtin.eq(gtin))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(hit.map(|(item_id, units_per_pack)| GtinPack {
        item_id,
        units_per_pack,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::enums::ItemKind;

    fn item(status: ItemStatus, min: InstitutionKind) -> item::Model {
        let now = chrono::DateTime::from_timestamp(1_781_000_000, 0).expect("a fixed instant");
        item::Model {
            id: Uuid::now_v7(),
            community_id: Uuid::now_v7(),
            code: "T".into(),
            kind: ItemKind::Drug,
            generic_name: "测试".into(),
            trade_name: None,
            english_name: String::new(),
            dosage_form: "片剂".into(),
            strength: "1mg".into(),
            packaging: None,
            base_unit: "片".into(),
            manufacturer: None,
            approval_number: None,
            nhsa_code: None,
            insurance_class: None,
            essential: false,
            vbp: false,
            vbp_price_fen: None,
            prescription_only: false,
            controlled_class: None,
            antibiotic_level: 0,
            high_alert: false,
            look_alike: false,
            cold_chain: false,
            skin_test: false,
            min_institution_level: min,
            near_expiry_days: 90,
            min_receipt_shelf_life_days: None,
            min_dispatch_shelf_life_days: None,
            storage_min_decicelsius: None,
            storage_max_decicelsius: None,
            status,
            search_text: String::new(),
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn only_active_items_can_be_ordered() {
        assert!(
            ensure_orderable(&item(ItemStatus::Active, InstitutionKind::VillageClinic)).is_ok()
        );
        for (status, why) in [
            (ItemStatus::Suspended, StateReason::ItemSuspended),
            (ItemStatus::Delisted, StateReason::ItemDelisted),
        ] {
            assert!(matches!(
                ensure_orderable(&item(status, InstitutionKind::VillageClinic)),
                Err(Error::IllegalState { reason, .. }) if reason == why
            ));
        }
    }

    #[test]
    fn the_lowest_allowed_level_and_everything_above_may_stock_it() {
        let township = item(ItemStatus::Active, InstitutionKind::TownshipHealthCentre);
        assert!(!allowed_at(&township, InstitutionKind::VillageClinic));
        assert!(allowed_at(&township, InstitutionKind::TownshipHealthCentre));
        assert!(allowed_at(
            &township,
            InstitutionKind::CommunityHealthCentre
        ));
        assert!(allowed_at(&township, InstitutionKind::CountyHospital));
        // The centre distributes everything, whatever level may use it.
        let hospital = item(ItemStatus::Active, InstitutionKind::CountyHospital);
        assert!(allowed_at(&hospital, InstitutionKind::LogisticsCentre));
        assert!(!allowed_at(
            &hospital,
            InstitutionKind::TownshipHealthCentre
        ));
    }
}
