//! Keeping the catalogue: create, update, suspend, delist, reactivate. Every
//! change is one transaction that writes the item, its package levels and
//! GTINs, a version row (who, when, old and new values, effective date), the
//! audit row, and bumps the community's catalogue version.

use super::ItemView;
use super::draft::{FieldError, ItemDraft};
use super::history::StoredVersion;
use crate::Backend;
use crate::authz::{self, Action, Caller, Scope};
use crate::clock::business_date;
use crate::command::{Audit, Command, Effect, Ran};
use crate::db::WriteTxn;
use crate::entity::enums::{ItemChange, ItemStatus};
use crate::entity::{community, item, item_gtin, item_package_level, item_version};
use crate::error::{Error, Result, StateReason};
use crate::ledger::Actor;
use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChange {
    Suspend,
    Delist,
    Reactivate,
}

impl StatusChange {
    fn target(self) -> ItemStatus {
        match self {
            StatusChange::Suspend => ItemStatus::Suspended,
            StatusChange::Delist => ItemStatus::Delisted,
            StatusChange::Reactivate => ItemStatus::Active,
        }
    }

    fn name(self) -> &'static str {
        match self {
            StatusChange::Suspend => "SUSPEND",
            StatusChange::Delist => "DELIST",
            StatusChange::Reactivate => "REACTIVATE",
        }
    }

    fn recorded(self) -> ItemChange {
        match self {
            StatusChange::Suspend => ItemChange::Suspend,
            StatusChange::Delist => ItemChange::Delist,
            StatusChange::Reactivate => ItemChange::Reactivate,
        }
    }

    /// The allowed transitions; anything else is `ILLEGAL_STATE`.
    fn allowed_from(self, from: ItemStatus) -> bool {
        matches!(
            (self, from),
            (StatusChange::Suspend, ItemStatus::Active)
                | (
                    StatusChange::Delist,
                    ItemStatus::Active | ItemStatus::Suspended
                )
                | (
                    StatusChange::Reactivate,
                    ItemStatus::Suspended | ItemStatus::Delisted
                )
        )
    }
}

fn snapshot(draft: &ItemDraft, status: ItemStatus) -> serde_json::Value {
    StoredVersion::of(draft, status, None).to_json()
}

pub(crate) fn require_maintainer(caller: &Caller) -> Result<()> {
    authz::authorize(
        caller,
        Action::MaintainCatalogue,
        Scope::Community(caller.community_id),
    )
}

fn effective(date: Option<NaiveDate>, today: NaiveDate) -> Result<NaiveDate> {
    match date {
        None => Ok(today),
        Some(d) if d > today => Err(Error::validation(
            "effectiveDate",
            "changes take effect when saved; record today or an earlier date",
            "变更在保存时生效，生效日期不能晚于今天",
        )),
        Some(d) => Ok(d),
    }
}

/// Codes, GTINs and trace-code prefixes are unique in a community. Checked
/// before writing so the user is told which item already has them.
async fn check_unique(
    txn: &WriteTxn,
    community_id: Uuid,
    item_id: Option<Uuid>,
    draft: &ItemDraft,
) -> Result<()> {
    let mut errors = Vec::new();
    let other = |id: Uuid| Some(id) != item_id;
    if let Some(found) = item::Entity::find()
        .filter(item::Column::CommunityId.eq(community_id))
        .filter(item::Column::Code.eq(draft.code.clone()))
        .one(&**txn)
        .await?
        && other(found.id)
    {
        errors.push(FieldError::new(
            "code",
            format!(
                "{} is already the code of {}",
                draft.code, found.generic_name
            ),
            format!("编码 {} 已被 {} 使用", draft.code, found.generic_name),
        ));
    }
    let gtins: Vec<String> = draft
        .package_levels
        .iter()
        .flat_map(|l| l.gtins.clone())
        .collect();
    if !gtins.is_empty() {
        for g in item_gtin::Entity::find()
            .filter(item_gtin::Column::CommunityId.eq(community_id))
            .filter(item_gtin::Column::Gtin.is_in(gtins))
            .all(&**txn)
            .await?
        {
            if other(g.item_id) {
                errors.push(FieldError::new(
                    "packageLevels.gtins",
                    format!("GTIN {} already belongs to another item", g.gtin),
                    format!("GTIN {} 已属于其他品种", g.gtin),
                ));
            }
        }
    }
    let prefixes: Vec<String> = draft
        .package_levels
        .iter()
        .filter_map(|l| l.trace_code_prefix.clone())
        .collect();
    if !prefixes.is_empty() {
        for p in item_package_level::Entity::find()
            .filter(item_package_level::Column::CommunityId.eq(community_id))
            .filter(item_package_level::Column::TraceCodePrefix.is_in(prefixes))
            .all(&**txn)
            .await?
        {
            if other(p.item_id) {
                let prefix = p.trace_code_prefix.unwrap_or_default();
                errors.push(FieldError::new(
                    "packageLevels.traceCodePrefix",
                    format!("trace-code prefix {prefix} already belongs to another item"),
                    format!("追溯码前缀 {prefix} 已属于其他品种"),
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::invalid(errors))
    }
}

/// The package-level and GTIN rows of one item.
fn level_rows(
    community_id: Uuid,
    item_id: Uuid,
    draft: &ItemDraft,
    levels: &mut Vec<item_package_level::ActiveModel>,
    gtins: &mut Vec<item_gtin::ActiveModel>,
) {
    for level in &draft.package_levels {
        levels.push(item_package_level::ActiveModel {
            item_id: Set(item_id),
            level: Set(level.level),
            community_id: Set(community_id),
            name: Set(level.name.clone()),
            units_per_pack: Set(level.units_per_pack),
            trace_code_prefix: Set(level.trace_code_prefix.clone()),
        });
        for g in &level.gtins {
            gtins.push(item_gtin::ActiveModel {
                community_id: Set(community_id),
                gtin: Set(g.clone()),
                item_id: Set(item_id),
                level: Set(level.level),
            });
        }
    }
}

/// Replaces an item's package levels and GTINs.
async fn write_levels(
    txn: &WriteTxn,
    community_id: Uuid,
    item_id: Uuid,
    draft: &ItemDraft,
) -> Result<()> {
    item_gtin::Entity::delete_many()
        .filter(item_gtin::Column::ItemId.eq(item_id))
        .exec(&**txn)
        .await?;
    item_package_level::Entity::delete_many()
        .filter(item_package_level::Column::ItemId.eq(item_id))
        .exec(&**txn)
        .await?;
    let (mut levels, mut gtins) = (Vec::new(), Vec::new());
    level_rows(community_id, item_id, draft, &mut levels, &mut gtins);
    insert_chunked::<item_package_level::Entity, _>(txn, levels).await?;
    insert_chunked::<item_gtin::Entity, _>(txn, gtins).await
}

async fn bump_catalogue_version(txn: &WriteTxn, community_id: Uuid) -> Result<()> {
    community::Entity::update_many()
        .col_expr(
            community::Column::CatalogueVersion,
            Expr::col(community::Column::CatalogueVersion).add(1),
        )
        .filter(community::Column::Id.eq(community_id))
        .exec(&**txn)
        .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn record_version(
    txn: &WriteTxn,
    item_id: Uuid,
    version: i32,
    change: ItemChange,
    actor: Actor,
    effective_date: NaiveDate,
    old: Option<serde_json::Value>,
    new: serde_json::Value,
) -> Result<()> {
    item_version::Entity::insert(item_version::ActiveModel {
        id: Set(Uuid::now_v7()),
        item_id: Set(item_id),
        version: Set(version),
        change: Set(change),
        changed_by: Set(actor.user_id),
        changed_at: Set(actor.now),
        effective_date: Set(effective_date),
        old_values: Set(old),
        new_values: Set(new),
    })
    .exec_without_returning(&**txn)
    .await?;
    Ok(())
}

fn apply(model: &mut item::ActiveModel, d: &ItemDraft) {
    // Destructured so that a new draft attribute does not compile until it
    // is written here; the package levels are written by the caller.
    let ItemDraft {
        code,
        kind,
        generic_name,
        trade_name,
        english_name,
        dosage_form,
        strength,
        packaging,
        base_unit,
        package_levels: _,
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
    } = d;
    model.code = Set(code.clone());
    model.kind = Set(*kind);
    model.generic_name = Set(generic_name.clone());
    model.trade_name = Set(trade_name.clone());
    model.english_name = Set(english_name.clone().unwrap_or_default());
    model.dosage_form = Set(dosage_form.clone());
    model.strength = Set(strength.clone());
    model.packaging = Set(packaging.clone());
    model.base_unit = Set(base_unit.clone());
    model.manufacturer = Set(manufacturer.clone());
    model.approval_number = Set(approval_number.clone());
    model.nhsa_code = Set(nhsa_code.clone());
    model.insurance_class = Set(*insurance_class);
    model.essential = Set(*essential);
    model.vbp = Set(*vbp);
    model.vbp_price_fen = Set(*vbp_price_fen);
    model.prescription_only = Set(*prescription_only);
    model.controlled_class = Set(*controlled_class);
    model.antibiotic_level = Set(*antibiotic_level);
    model.high_alert = Set(*high_alert);
    model.look_alike = Set(*look_alike);
    model.cold_chain = Set(*cold_chain);
    model.skin_test = Set(*skin_test);
    model.min_institution_level = Set(*min_institution_level);
    model.near_expiry_days = Set(*near_expiry_days);
    model.min_receipt_shelf_life_days = Set(*min_receipt_shelf_life_days);
    model.min_dispatch_shelf_life_days = Set(*min_dispatch_shelf_life_days);
    model.storage_min_decicelsius = Set(*storage_min_decicelsius);
    model.storage_max_decicelsius = Set(*storage_max_decicelsius);
    model.search_text = Set(d.search_text());
}

/// Adds a new item. `draft` must be normalised. Used by the API and the
/// demo seed; checks that code, GTINs and prefixes are free.
pub async fn insert_item(
    txn: &WriteTxn,
    community_id: Uuid,
    draft: &ItemDraft,
    actor: Actor,
    effective_date: NaiveDate,
    change: ItemChange,
) -> Result<item::Model> {
    check_unique(txn, community_id, None, draft).await?;
    let id = insert_items(txn, community_id, &[draft], actor, effective_date, change)
        .await?
        .pop()
        .ok_or_else(|| Error::internal("an inserted item returned no id"))?;
    item::Entity::find_by_id(id)
        .one(&**txn)
        .await?
        .ok_or_else(|| Error::not_found("item", id))
}

/// Rows per multi-row INSERT: well under SQLite's 32,766 and PostgreSQL's
/// 65,535 bound parameters for the widest table (item, ~36 columns).
const INSERT_CHUNK: usize = 400;

/// Adds many new items with a few multi-row statements (the spreadsheet
/// import of a whole catalogue). The drafts must be normalised and the
/// caller must already have checked that their codes, GTINs and prefixes
/// are free; the database's unique keys still refuse a duplicate. Returns
/// the new ids in order.
pub async fn insert_items(
    txn: &WriteTxn,
    community_id: Uuid,
    drafts: &[&ItemDraft],
    actor: Actor,
    effective_date: NaiveDate,
    change: ItemChange,
) -> Result<Vec<Uuid>> {
    let ids: Vec<Uuid> = drafts.iter().map(|_| Uuid::now_v7()).collect();
    let mut items = Vec::with_capacity(drafts.len());
    let mut levels = Vec::new();
    let mut gtins = Vec::new();
    let mut versions = Vec::with_capacity(drafts.len());
    for (id, draft) in ids.iter().zip(drafts) {
        let mut model = item::ActiveModel {
            id: Set(*id),
            community_id: Set(community_id),
            status: Set(ItemStatus::Active),
            version: Set(1),
            created_at: Set(actor.now),
            updated_at: Set(actor.now),
            ..Default::default()
        };
        apply(&mut model, draft);
        items.push(model);
        level_rows(community_id, *id, draft, &mut levels, &mut gtins);
        versions.push(item_version::ActiveModel {
            id: Set(Uuid::now_v7()),
            item_id: Set(*id),
            version: Set(1),
            change: Set(change),
            changed_by: Set(actor.user_id),
            changed_at: Set(actor.now),
            effective_date: Set(effective_date),
            old_values: Set(None),
            new_values: Set(snapshot(draft, ItemStatus::Active)),
        });
    }
    insert_chunked::<item::Entity, _>(txn, items).await?;
    insert_chunked::<item_package_level::Entity, _>(txn, levels).await?;
    insert_chunked::<item_gtin::Entity, _>(txn, gtins).await?;
    insert_chunked::<item_version::Entity, _>(txn, versions).await?;
    if !ids.is_empty() {
        bump_catalogue_version(txn, community_id).await?;
    }
    Ok(ids)
}

async fn insert_chunked<E, A>(txn: &WriteTxn, rows: Vec<A>) -> Result<()>
where
    E: EntityTrait,
    A: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(INSERT_CHUNK).collect();
        E::insert_many(chunk).exec_without_returning(&**txn).await?;
    }
    Ok(())
}

/// Replaces an item's attributes with `draft` (normalised). Returns `None`
/// and writes nothing when nothing changed, so re-importing an exported
/// catalogue leaves it exactly as it was.
pub async fn replace_item(
    txn: &WriteTxn,
    current: &ItemView,
    draft: &ItemDraft,
    actor: Actor,
    effective_date: NaiveDate,
    change: ItemChange,
) -> Result<Option<item::Model>> {
    let old = current.draft();
    if &old == draft {
        return Ok(None);
    }
    let community_id = current.item.community_id;
    check_unique(txn, community_id, Some(current.item.id), draft).await?;
    let version = current.item.version + 1;
    let mut model: item::ActiveModel = current.item.clone().into();
    apply(&mut model, draft);
    model.version = Set(version);
    model.updated_at = Set(actor.now);
    // Guarded on the version read: of two concurrent edits, the second finds
    // no row at its version and is told to reload.
    let item = item::Entity::update(model)
        .validate()?
        .filter(item::Column::Version.eq(current.item.version))
        .exec(&**txn)
        .await
        .map_err(|e| match e {
            sea_orm::DbErr::RecordNotUpdated => {
                Error::Conflict("the item was changed meanwhile; reload it".into())
            }
            e => e.into(),
        })?;
    write_levels(txn, community_id, item.id, draft).await?;
    record_version(
        txn,
        item.id,
        version,
        change,
        actor,
        effective_date,
        Some(snapshot(&old, current.item.status)),
        snapshot(draft, current.item.status),
    )
    .await?;
    bump_catalogue_version(txn, community_id).await?;
    Ok(Some(item))
}

impl Backend {
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn create_item(
        &self,
        caller: &Caller,
        draft: ItemDraft,
        effective_date: Option<NaiveDate>,
    ) -> Result<ItemView> {
        require_maintainer(caller)?;
        let effective_date = effective(effective_date, business_date(self.clock.now()))?;
        let draft = draft.normalise().map_err(Error::invalid)?;
        let ran = self
            .run(item_command("createItem", caller), async |txn, now| {
                let actor = Actor {
                    user_id: caller.user_id,
                    now,
                };
                let item = insert_item(
                    txn,
                    caller.community_id,
                    &draft,
                    actor,
                    effective_date,
                    ItemChange::Create,
                )
                .await?;
                Ok(item_changed(caller, item.id, &draft.code))
            })
            .await?;
        self.item(caller, ran_id(ran)).await
    }

    /// Replaces every attribute of an item (send the whole item, as an edit
    /// form holds it). Of two concurrent edits of the same version, the
    /// second is `CONFLICT`.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn update_item(
        &self,
        caller: &Caller,
        id: Uuid,
        draft: ItemDraft,
        effective_date: Option<NaiveDate>,
    ) -> Result<ItemView> {
        require_maintainer(caller)?;
        let effective_date = effective(effective_date, business_date(self.clock.now()))?;
        let draft = draft.normalise().map_err(Error::invalid)?;
        // Read outside the writer: `replace_item` updates only the version
        // read here.
        let current = self.item(caller, id).await?;
        self.run(item_command("updateItem", caller), async |txn, now| {
            let actor = Actor {
                user_id: caller.user_id,
                now,
            };
            Ok(
                match replace_item(
                    txn,
                    &current,
                    &draft,
                    actor,
                    effective_date,
                    ItemChange::Update,
                )
                .await?
                {
                    Some(item) => item_changed(caller, item.id, &draft.code),
                    None => Effect::Unchanged(id),
                },
            )
        })
        .await?;
        self.item(caller, id).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn change_item_status(
        &self,
        caller: &Caller,
        id: Uuid,
        change: StatusChange,
        reason: &str,
        effective_date: Option<NaiveDate>,
    ) -> Result<ItemView> {
        require_maintainer(caller)?;
        let reason = crate::stock::require_reason(reason)?;
        let effective_date = effective(effective_date, business_date(self.clock.now()))?;
        let current = self.item(caller, id).await?;
        if !change.allowed_from(current.item.status) {
            return Err(Error::illegal_state(
                StateReason::ItemStatusTransition,
                format!(
                    "cannot {} an item that is {:?}",
                    change.name().to_lowercase(),
                    current.item.status
                ),
            ));
        }
        let draft = current.draft();
        self.run(item_command(change.name(), caller), async |txn, now| {
            let actor = Actor {
                user_id: caller.user_id,
                now,
            };
            // Guarded on the status read, so two buyers cannot both move it.
            let moved = item::Entity::update_many()
                .col_expr(item::Column::Status, Expr::value(change.target()))
                .col_expr(
                    item::Column::Version,
                    Expr::col(item::Column::Version).add(1),
                )
                .col_expr(item::Column::UpdatedAt, Expr::value(now))
                .filter(item::Column::Id.eq(id))
                .filter(item::Column::Status.eq(current.item.status))
                .exec(&**txn)
                .await?;
            if moved.rows_affected != 1 {
                return Err(Error::Conflict(
                    "the item was changed meanwhile; reload it".into(),
                ));
            }
            let new = StoredVersion::of(&draft, change.target(), Some(&reason)).to_json();
            record_version(
                txn,
                id,
                current.item.version + 1,
                change.recorded(),
                actor,
                effective_date,
                Some(snapshot(&draft, current.item.status)),
                new,
            )
            .await?;
            bump_catalogue_version(txn, caller.community_id).await?;
            Ok(item_changed(caller, id, &reason))
        })
        .await?;
        self.item(caller, id).await
    }

    /// Every version of an item, oldest first.
    pub async fn item_history(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<Vec<item_version::Model>> {
        let item = self.item(caller, id).await?;
        Ok(item_version::Entity::find()
            .filter(item_version::Column::ItemId.eq(item.item.id))
            .order_by_asc(item_version::Column::Version)
            .all(self.db.conn())
            .await?)
    }
}

fn item_command<'a>(operation: &'static str, caller: &'a Caller) -> Command<'a> {
    Command {
        operation,
        user_id: caller.user_id,
        idempotency: None,
    }
}

fn item_changed(caller: &Caller, id: Uuid, note: &str) -> Effect<Uuid> {
    Effect::Changed {
        value: id,
        result_id: id,
        audit: Audit {
            institution_id: Some(caller.institution_id),
            entity_type: "item",
            entity_ids: vec![id],
            detail: Some(serde_json::json!({ "note": note })),
        },
    }
}

fn ran_id(ran: Ran<Uuid>) -> Uuid {
    match ran {
        Ran::Done(id) | Ran::Replay(id) => id,
    }
}

/// Items with their package levels, for the export and the import. Levels
/// and GTINs are read by community (one query each), not by a list of item
/// ids, which for a whole catalogue would exceed the databases' limits on
/// bound parameters.
pub(crate) async fn all_item_views(
    txn: &impl sea_orm::ConnectionTrait,
    community_id: Uuid,
) -> Result<Vec<ItemView>> {
    let items = item::Entity::find()
        .filter(item::Column::CommunityId.eq(community_id))
        .order_by_asc(item::Column::Code)
        .all(txn)
        .await?;
    let gtins = item_gtin::Entity::find()
        .filter(item_gtin::Column::CommunityId.eq(community_id))
        .all(txn)
        .await?;
    let levels = item_package_level::Entity::find()
        .filter(item_package_level::Column::CommunityId.eq(community_id))
        .all(txn)
        .await?;
    Ok(super::assemble(items, gtins, levels))
}
