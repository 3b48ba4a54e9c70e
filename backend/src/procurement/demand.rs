//! What to buy. Per institution, a replenishment suggestion from its own
//! consumption; for the centre, the procurement plan over every member.
//!
//! Average monthly consumption (AMC) is the DISPENSE and SHIPMENT_OUT
//! (issue) movements of the last 90 days, over the time the institution
//! held any of the item: days without stock are left out, so a stock-out
//! does not read as falling demand. The suggestion orders up to the maximum
//! months of stock when the stock position (usable on hand, in transit, on
//! requisition, on order) has fallen below the minimum.

use super::pipeline;
use crate::Backend;
use crate::authz::{self, Action, Caller, Scope};
use crate::clock::business_date;
use crate::entity::enums::{
    BatchStatus, InstitutionKind, MovementKind, PurchaseOrderStatus, SupplierStatus,
};
use crate::entity::{
    batch, institution, item, item_package_level, price_agreement, purchase_order,
    purchase_order_line, stock_balance, stock_movement, supplier,
};
use crate::error::{Error, Result};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

/// Minimum and maximum months of stock per institution kind, in tenths of a
/// month, and the window AMC is taken over.
#[derive(Debug, Clone, Copy)]
pub struct ReplenishmentPolicy {
    pub village: (i64, i64),
    pub township: (i64, i64),
    pub county: (i64, i64),
    pub centre: (i64, i64),
    pub window_days: i64,
    /// Below this many days with stock, the AMC is taken over this many,
    /// so that one dispensing on the day stock arrived does not extrapolate
    /// to a month of it.
    pub min_days_in_stock: i64,
}

impl Default for ReplenishmentPolicy {
    fn default() -> Self {
        ReplenishmentPolicy {
            village: (10, 20),
            township: (15, 30),
            county: (10, 20),
            centre: (10, 20),
            window_days: 90,
            min_days_in_stock: 7,
        }
    }
}

impl ReplenishmentPolicy {
    pub fn months(&self, kind: InstitutionKind) -> (i64, i64) {
        match kind {
            InstitutionKind::VillageClinic => self.village,
            InstitutionKind::TownshipHealthCentre | InstitutionKind::CommunityHealthCentre => {
                self.township
            }
            InstitutionKind::CountyHospital => self.county,
            InstitutionKind::LogisticsCentre => self.centre,
        }
    }
}

const DAY_SECS: f64 = 86_400.0;
const MONTH_DAYS: f64 = 30.4375;

/// One item's consumption at one institution.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Consumption {
    /// Base units issued or dispensed in the window.
    pub issued: i64,
    /// Days of the window with any of the item on hand.
    pub days_in_stock: f64,
}

impl Consumption {
    /// Base units per month; 0 without consumption.
    pub fn amc(&self, policy: &ReplenishmentPolicy) -> f64 {
        if self.issued <= 0 {
            return 0.0;
        }
        let days = self
            .days_in_stock
            .max(policy.min_days_in_stock as f64)
            .min(policy.window_days as f64);
        self.issued as f64 / (days / MONTH_DAYS)
    }

    pub fn months_of_data(&self) -> f64 {
        self.days_in_stock / MONTH_DAYS
    }
}

/// One movement as the AMC walk needs it.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    pub at: DateTime<Utc>,
    pub quantity: i64,
    pub issue: bool,
}

/// Walks one (institution, item)'s movements of the window, oldest first,
/// from the stock it held when the window opened (`current` less the
/// window's movements), adding up the time with stock on hand.
pub fn consumption(
    steps: &[Step],
    current: i64,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Consumption {
    let moved: i64 = steps.iter().map(|s| s.quantity).sum();
    let mut level = current - moved;
    let mut at = since;
    let mut in_stock = 0.0;
    let mut issued = 0;
    for s in steps {
        let t = s.at.clamp(since, now);
        if level > 0 {
            in_stock += (t - at).num_milliseconds() as f64 / 1000.0;
        }
        level += s.quantity;
        at = t;
        if s.issue {
            issued -= s.quantity;
        }
    }
    if level > 0 {
        in_stock += (now - at).num_milliseconds() as f64 / 1000.0;
    }
    Consumption {
        issued,
        days_in_stock: in_stock / DAY_SECS,
    }
}

/// How one suggestion line was reached.
#[derive(Debug, Clone)]
pub struct SuggestionLine {
    pub item: item::Model,
    pub institution_id: Uuid,
    /// Base units per month.
    pub amc: f64,
    pub months_of_data: f64,
    pub on_hand: i64,
    pub in_transit: i64,
    pub on_requisition: i64,
    pub on_order: i64,
    /// Tenths of a month.
    pub min_months_tenths: i64,
    pub max_months_tenths: i64,
    /// Base units: AMC × maximum months.
    pub target: i64,
    /// Base units to bring the position up to the target.
    pub suggested_quantity: i64,
    pub units_per_pack: i64,
    pub suggested_packs: i64,
}

impl SuggestionLine {
    pub fn position(&self) -> i64 {
        self.on_hand + self.in_transit + self.on_requisition + self.on_order
    }
}

/// The suggestion for one item, or `None` when nothing is needed.
#[allow(clippy::too_many_arguments)]
fn suggest(
    item: &item::Model,
    institution_id: Uuid,
    use_: &Consumption,
    amc_override: Option<f64>,
    position: (i64, i64, i64, i64),
    (min, max): (i64, i64),
    units_per_pack: i64,
    policy: &ReplenishmentPolicy,
) -> Option<SuggestionLine> {
    let amc = amc_override.unwrap_or_else(|| use_.amc(policy));
    if amc <= 0.0 {
        return None;
    }
    let (on_hand, in_transit, on_requisition, on_order) = position;
    let have = on_hand + in_transit + on_requisition + on_order;
    let floor = (amc * min as f64 / 10.0).ceil() as i64;
    let target = (amc * max as f64 / 10.0).ceil() as i64;
    if have >= floor {
        return None;
    }
    let quantity = (target - have).max(0);
    let per = units_per_pack.max(1);
    let packs = (quantity + per - 1) / per;
    if packs == 0 {
        return None;
    }
    Some(SuggestionLine {
        item: item.clone(),
        institution_id,
        amc,
        months_of_data: use_.months_of_data(),
        on_hand,
        in_transit,
        on_requisition,
        on_order,
        min_months_tenths: min,
        max_months_tenths: max,
        target,
        suggested_quantity: quantity,
        units_per_pack: per,
        suggested_packs: packs,
    })
}

/// The procurement plan's line for one item.
#[derive(Debug, Clone)]
pub struct PlanLine {
    pub item: item::Model,
    /// Members' suggestions, in base units.
    pub member_suggestions: i64,
    /// Members' approved requisitions not yet allocated.
    pub approved_requisitions: i64,
    /// The centre's own target (its buffer): AMC × maximum months.
    pub centre_buffer: i64,
    /// The centre's AMC: its own issues, or its members' together if more.
    pub centre_amc: f64,
    pub centre_on_hand: i64,
    pub on_order: i64,
    /// What is needed in base units before rounding.
    pub need: i64,
    /// The agreement chosen; none when the item has no agreement in force.
    pub agreement: Option<price_agreement::Model>,
    pub units_per_pack: i64,
    pub quantity_packs: i64,
    /// Whole packs in base units.
    pub quantity: i64,
}

impl PlanLine {
    pub fn amount_fen(&self) -> Option<i64> {
        self.agreement
            .as_ref()
            .map(|a| a.unit_price_fen.saturating_mul(self.quantity_packs))
    }
}

#[derive(Debug, Clone)]
pub struct ProcurementPlan {
    pub generated_at: DateTime<Utc>,
    pub lines: Vec<PlanLine>,
}

/// Everything the demand figures are computed from, read once.
struct Inputs {
    institutions: Vec<institution::Model>,
    items: HashMap<Uuid, item::Model>,
    /// Base units per pack of level 1, per item.
    box_units: HashMap<Uuid, i64>,
    /// Usable (not blocked, not expired) on hand, per (institution, item).
    usable: HashMap<(Uuid, Uuid), i64>,
    /// Consumption per (institution, item).
    consumption: HashMap<(Uuid, Uuid), Consumption>,
    in_transit: pipeline::ByInstitutionItem,
    on_requisition: pipeline::ByInstitutionItem,
    /// Open purchase orders (drafts too): base units still to come, per item.
    on_order: HashMap<Uuid, i64>,
}

impl Backend {
    fn demand_policy(&self) -> ReplenishmentPolicy {
        self.settings.replenishment
    }

    /// Reads the inputs for `only` (one institution) or the whole community.
    async fn demand_inputs(&self, community_id: Uuid, only: Option<Uuid>) -> Result<Inputs> {
        let conn = self.db.conn();
        let policy = self.demand_policy();
        let now = self.clock.now();
        let today = business_date(now);
        let since = now - Duration::days(policy.window_days);

        let mut inst_q =
            institution::Entity::find().filter(institution::Column::CommunityId.eq(community_id));
        if let Some(id) = only {
            inst_q = inst_q.filter(institution::Column::Id.eq(id));
        }
        let institutions = inst_q.all(conn).await?;
        let items: HashMap<Uuid, item::Model> = item::Entity::find()
            .filter(item::Column::CommunityId.eq(community_id))
            .all(conn)
            .await?
            .into_iter()
            .map(|i| (i.id, i))
            .collect();
        let box_units: HashMap<Uuid, i64> = item_package_level::Entity::find()
            .filter(item_package_level::Column::CommunityId.eq(community_id))
            .filter(item_package_level::Column::Level.eq(1))
            .all(conn)
            .await?
            .into_iter()
            .map(|l| (l.item_id, l.units_per_pack))
            .collect();
        let inst_ids: Vec<Uuid> = institutions.iter().map(|i| i.id).collect();

        let (usable, on_hand, totals) = tokio::try_join!(
            usable_on_hand(conn, &inst_ids, today),
            total_on_hand(conn, &inst_ids),
            window_totals(conn, &inst_ids, since),
        )?;
        // Days without stock can only be where the item was out when the
        // window opened, or where a movement emptied one of its batches
        // (the last batch to empty is one). Only those need the walk over
        // their movements; every other pair had stock all window long.
        let mut consumption = HashMap::new();
        let mut walk = Vec::new();
        let window_days = (now - since).num_milliseconds() as f64 / 1000.0 / DAY_SECS;
        for (key, t) in &totals {
            let current = on_hand.get(key).copied().unwrap_or(0);
            if current - t.moved <= 0 || t.emptied > 0 {
                walk.push(*key);
            } else {
                consumption.insert(
                    *key,
                    Consumption {
                        issued: t.issued,
                        days_in_stock: window_days,
                    },
                );
            }
        }
        if !walk.is_empty() {
            for (key, steps) in window_steps(conn, &walk, since).await? {
                let current = on_hand.get(&key).copied().unwrap_or(0);
                consumption.insert(key, self::consumption(&steps, current, since, now));
            }
        }
        let (in_transit, on_requisition, on_order) = tokio::try_join!(
            pipeline::in_transit(conn, community_id),
            pipeline::on_requisition(conn, community_id),
            open_orders(conn, community_id),
        )?;
        Ok(Inputs {
            institutions,
            items,
            box_units,
            usable,
            consumption,
            in_transit,
            on_requisition,
            on_order,
        })
    }

    /// What one institution should ask for now, item by item, with how each
    /// figure was reached. Its own staff, the centre's and auditors may ask.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn replenishment_suggestion(
        &self,
        caller: &Caller,
        institution_id: Uuid,
    ) -> Result<Vec<SuggestionLine>> {
        let inst = self
            .institution_in_community(caller, institution_id)
            .await?;
        authz::authorize(caller, Action::ReadStock, Self::scope(&inst))?;
        let inputs = self
            .demand_inputs(caller.community_id, Some(inst.id))
            .await?;
        let mut lines = self.suggestions(&inputs, &inst, None);
        lines.sort_by(|a, b| {
            b.suggested_packs
                .cmp(&a.suggested_packs)
                .then_with(|| a.item.code.cmp(&b.item.code))
        });
        Ok(lines)
    }

    fn suggestions(
        &self,
        inputs: &Inputs,
        inst: &institution::Model,
        amc_override: Option<&HashMap<Uuid, f64>>,
    ) -> Vec<SuggestionLine> {
        let policy = self.demand_policy();
        let months = policy.months(inst.kind);
        let centre = inst.kind == InstitutionKind::LogisticsCentre;
        let mut out = Vec::new();
        for item in inputs.items.values() {
            // A member is only offered what it may requisition: items its
            // level may stock, and that can be ordered now.
            if !centre
                && (!crate::catalogue::allowed_at(item, inst.kind)
                    || crate::catalogue::ensure_orderable(item).is_err())
            {
                continue;
            }
            let key = (inst.id, item.id);
            let used = inputs.consumption.get(&key).copied().unwrap_or_default();
            let amc = amc_override.and_then(|m| m.get(&item.id).copied());
            let on_order = if centre {
                inputs.on_order.get(&item.id).copied().unwrap_or(0)
            } else {
                0
            };
            let position = (
                inputs.usable.get(&key).copied().unwrap_or(0),
                inputs.in_transit.get(&key).copied().unwrap_or(0),
                inputs.on_requisition.get(&key).copied().unwrap_or(0),
                on_order,
            );
            let units = inputs.box_units.get(&item.id).copied().unwrap_or(1);
            if let Some(line) = suggest(item, inst.id, &used, amc, position, months, units, &policy)
            {
                out.push(line);
            }
        }
        out
    }

    /// The centre's plan: members' suggestions and approved requisitions,
    /// plus the centre's buffer, less its usable stock and what is on
    /// order; rounded up to whole packs of the chosen agreement and its
    /// minimum order. The agreement: a 集采 one in force always wins,
    /// otherwise the cheapest per base unit, of active suppliers whose
    /// licence is in force.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn procurement_plan(&self, caller: &Caller) -> Result<ProcurementPlan> {
        authz::authorize(
            caller,
            Action::ReadProcurement,
            Scope::Community(caller.community_id),
        )?;
        self.plan_for(caller.community_id).await
    }

    pub(crate) async fn plan_for(&self, community_id: Uuid) -> Result<ProcurementPlan> {
        let conn = self.db.conn();
        let policy = self.demand_policy();
        let now = self.clock.now();
        let today = business_date(now);
        let (inputs, approved, agreements) = tokio::try_join!(
            self.demand_inputs(community_id, None),
            pipeline::approved_requisitions(conn, community_id),
            orderable_agreements(conn, community_id, today),
        )?;
        let Some(centre) = inputs
            .institutions
            .iter()
            .find(|i| i.kind == InstitutionKind::LogisticsCentre)
            .cloned()
        else {
            return Err(Error::not_found("logistics centre", community_id));
        };
        let mut member_need: HashMap<Uuid, i64> = HashMap::new();
        let mut member_amc: HashMap<Uuid, f64> = HashMap::new();
        for inst in inputs
            .institutions
            .iter()
            .filter(|i| i.id != centre.id && i.active)
        {
            for line in self.suggestions(&inputs, inst, None) {
                *member_need.entry(line.item.id).or_default() += line.suggested_quantity;
            }
            for ((i, item), c) in &inputs.consumption {
                if *i == inst.id {
                    *member_amc.entry(*item).or_default() += c.amc(&policy);
                }
            }
        }
        let (_, centre_max) = policy.months(centre.kind);
        let mut lines = Vec::new();
        for item in inputs.items.values() {
            let own = inputs
                .consumption
                .get(&(centre.id, item.id))
                .copied()
                .unwrap_or_default()
                .amc(&policy);
            let centre_amc = own.max(member_amc.get(&item.id).copied().unwrap_or(0.0));
            let centre_buffer = (centre_amc * centre_max as f64 / 10.0).ceil() as i64;
            let members = member_need.get(&item.id).copied().unwrap_or(0);
            let requisitioned = approved.get(&item.id).copied().unwrap_or(0);
            let on_hand = inputs
                .usable
                .get(&(centre.id, item.id))
                .copied()
                .unwrap_or(0);
            let on_order = inputs.on_order.get(&item.id).copied().unwrap_or(0);
            let need = members + requisitioned + centre_buffer - on_hand - on_order;
            if need <= 0 || crate::catalogue::ensure_orderable(item).is_err() {
                continue;
            }
            let agreement = choose(agreements.get(&item.id).map(Vec::as_slice).unwrap_or(&[]));
            let (units, packs) = match &agreement {
                Some((a, units)) => {
                    let packs = ((need + units - 1) / units).max(a.min_order_packs);
                    (*units, packs)
                }
                None => {
                    let units = inputs.box_units.get(&item.id).copied().unwrap_or(1).max(1);
                    (units, (need + units - 1) / units)
                }
            };
            lines.push(PlanLine {
                item: item.clone(),
                member_suggestions: members,
                approved_requisitions: requisitioned,
                centre_buffer,
                centre_amc,
                centre_on_hand: on_hand,
                on_order,
                need,
                agreement: agreement.map(|(a, _)| a),
                units_per_pack: units,
                quantity_packs: packs,
                quantity: packs * units,
            });
        }
        lines.sort_by(|a, b| a.item.code.cmp(&b.item.code));
        Ok(ProcurementPlan {
            generated_at: now,
            lines,
        })
    }
}

/// A 集采 agreement wins; otherwise the lowest price per base unit; ties go
/// to the older agreement.
fn choose(candidates: &[(price_agreement::Model, i64)]) -> Option<(price_agreement::Model, i64)> {
    candidates
        .iter()
        .min_by(|(a, ua), (b, ub)| {
            let per = |p: i64, u: i64| p as i128 * 1_000_000 / i128::from(u.max(1));
            b.vbp
                .cmp(&a.vbp)
                .then(per(a.unit_price_fen, *ua).cmp(&per(b.unit_price_fen, *ub)))
                .then(a.id.cmp(&b.id))
        })
        .cloned()
}

/// Agreements in force today of active suppliers with a licence in force,
/// with the units per pack of their level, per item.
async fn orderable_agreements(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
    today: NaiveDate,
) -> Result<HashMap<Uuid, Vec<(price_agreement::Model, i64)>>> {
    let suppliers: Vec<Uuid> = supplier::Entity::find()
        .select_only()
        .column(supplier::Column::Id)
        .filter(supplier::Column::CommunityId.eq(community_id))
        .filter(supplier::Column::Status.eq(SupplierStatus::Active))
        .filter(supplier::Column::LicenceExpiry.gte(today))
        .into_tuple()
        .all(conn)
        .await?;
    let rows = price_agreement::Entity::find()
        .filter(price_agreement::Column::CommunityId.eq(community_id))
        .filter(price_agreement::Column::SupplierId.is_in(suppliers))
        .filter(price_agreement::Column::ValidFrom.lte(today))
        .filter(price_agreement::Column::ValidTo.gte(today))
        .all(conn)
        .await?;
    let levels: HashMap<(Uuid, i32), i64> = item_package_level::Entity::find()
        .filter(item_package_level::Column::CommunityId.eq(community_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| ((l.item_id, l.level), l.units_per_pack))
        .collect();
    let mut out: HashMap<Uuid, Vec<(price_agreement::Model, i64)>> = HashMap::new();
    for a in rows {
        if let Some(&units) = levels.get(&(a.item_id, a.package_level)) {
            out.entry(a.item_id).or_default().push((a, units));
        }
    }
    Ok(out)
}

/// Usable on hand per (institution, item): batches neither blocked nor
/// expired, less what is reserved.
async fn usable_on_hand(
    conn: &impl ConnectionTrait,
    institutions: &[Uuid],
    today: NaiveDate,
) -> Result<HashMap<(Uuid, Uuid), i64>> {
    let rows: Vec<(Uuid, Uuid, Option<i64>)> = stock_balance::Entity::find()
        .select_only()
        .column(stock_balance::Column::InstitutionId)
        .column(stock_balance::Column::ItemId)
        .column_as(
            Expr::cust("CAST(SUM(stock_balance.on_hand - stock_balance.reserved) AS BIGINT)"),
            "usable",
        )
        .join(JoinType::InnerJoin, stock_balance_batch())
        .filter(stock_balance::Column::InstitutionId.is_in(institutions.to_vec()))
        .filter(batch::Column::Status.eq(BatchStatus::Available))
        .filter(batch::Column::ExpiryDate.gte(today))
        .group_by(stock_balance::Column::InstitutionId)
        .group_by(stock_balance::Column::ItemId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(i, item, n)| ((i, item), n.unwrap_or(0)))
        .collect())
}

fn stock_balance_batch() -> sea_orm::RelationDef {
    stock_balance::Entity::belongs_to(batch::Entity)
        .from(stock_balance::Column::BatchId)
        .to(batch::Column::Id)
        .into()
}

/// Physical on hand per (institution, item), blocked batches included: the
/// stock-out walk asks whether anything was on the shelf.
async fn total_on_hand(
    conn: &impl ConnectionTrait,
    institutions: &[Uuid],
) -> Result<HashMap<(Uuid, Uuid), i64>> {
    let rows: Vec<(Uuid, Uuid, Option<i64>)> = stock_balance::Entity::find()
        .select_only()
        .column(stock_balance::Column::InstitutionId)
        .column(stock_balance::Column::ItemId)
        .column_as(Expr::cust("CAST(SUM(on_hand) AS BIGINT)"), "total")
        .filter(stock_balance::Column::InstitutionId.is_in(institutions.to_vec()))
        .group_by(stock_balance::Column::InstitutionId)
        .group_by(stock_balance::Column::ItemId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(i, item, n)| ((i, item), n.unwrap_or(0)))
        .collect())
}

/// One (institution, item)'s movements of the window, summed.
#[derive(Debug, Clone, Copy)]
struct WindowTotals {
    /// The signed sum: what the stock was when the window opened is the
    /// current stock less this.
    moved: i64,
    issued: i64,
    /// Movements that left one of its batches empty.
    emptied: i64,
}

/// The window's movements summed per (institution, item), in the database.
async fn window_totals(
    conn: &impl ConnectionTrait,
    institutions: &[Uuid],
    since: DateTime<Utc>,
) -> Result<HashMap<(Uuid, Uuid), WindowTotals>> {
    type Row = (Uuid, Uuid, Option<i64>, Option<i64>, Option<i64>);
    let rows: Vec<Row> =
        stock_movement::Entity::find()
            .select_only()
            .column(stock_movement::Column::InstitutionId)
            .column(stock_movement::Column::ItemId)
            .column_as(Expr::cust("CAST(SUM(quantity) AS BIGINT)"), "moved")
            .column_as(
                Expr::cust(
                    "CAST(SUM(CASE WHEN kind IN ('DISPENSE', 'SHIPMENT_OUT') THEN -quantity ELSE 0 END) AS BIGINT)",
                ),
                "issued",
            )
            .column_as(
                Expr::cust("CAST(SUM(CASE WHEN balance_after = 0 THEN 1 ELSE 0 END) AS BIGINT)"),
                "emptied",
            )
            .filter(stock_movement::Column::OccurredAt.gte(since))
            .filter(stock_movement::Column::InstitutionId.is_in(institutions.to_vec()))
            .group_by(stock_movement::Column::InstitutionId)
            .group_by(stock_movement::Column::ItemId)
            .into_tuple()
            .all(conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(inst, item, moved, issued, emptied)| {
            (
                (inst, item),
                WindowTotals {
                    moved: moved.unwrap_or(0),
                    issued: issued.unwrap_or(0),
                    emptied: emptied.unwrap_or(0),
                },
            )
        })
        .collect())
}

/// Every movement of the window of these (institution, item) pairs, per
/// pair, oldest first.
async fn window_steps(
    conn: &impl ConnectionTrait,
    pairs: &[(Uuid, Uuid)],
    since: DateTime<Utc>,
) -> Result<HashMap<(Uuid, Uuid), Vec<Step>>> {
    let wanted: std::collections::HashSet<(Uuid, Uuid)> = pairs.iter().copied().collect();
    let mut institutions: Vec<Uuid> = pairs.iter().map(|p| p.0).collect();
    institutions.sort();
    institutions.dedup();
    let mut items: Vec<Uuid> = pairs.iter().map(|p| p.1).collect();
    items.sort();
    items.dedup();
    let issue =
        stock_movement::Column::Kind.is_in([MovementKind::Dispense, MovementKind::ShipmentOut]);
    let rows: Vec<(Uuid, Uuid, DateTime<Utc>, i64, bool)> = stock_movement::Entity::find()
        .select_only()
        .column(stock_movement::Column::InstitutionId)
        .column(stock_movement::Column::ItemId)
        .column(stock_movement::Column::OccurredAt)
        .column(stock_movement::Column::Quantity)
        .column_as(issue, "issue")
        .filter(stock_movement::Column::OccurredAt.gte(since))
        .filter(stock_movement::Column::InstitutionId.is_in(institutions))
        .filter(stock_movement::Column::ItemId.is_in(items))
        .into_tuple()
        .all(conn)
        .await?;
    let mut out: HashMap<(Uuid, Uuid), Vec<Step>> = HashMap::new();
    for (inst, item, at, quantity, issue) in rows {
        if !wanted.contains(&(inst, item)) {
            continue;
        }
        out.entry((inst, item)).or_default().push(Step {
            at,
            quantity,
            issue,
        });
    }
    // Many short sorts, rather than the database sorting the window.
    for steps in out.values_mut() {
        steps.sort_by_key(|s| s.at);
    }
    Ok(out)
}

/// What open orders (drafts, submitted, partly received) still bring, per
/// item, in base units.
async fn open_orders(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
) -> Result<HashMap<Uuid, i64>> {
    let rows: Vec<(Uuid, i64, i64, i64)> = purchase_order_line::Entity::find()
        .select_only()
        .column(purchase_order_line::Column::ItemId)
        .column(purchase_order_line::Column::OrderedPacks)
        .column(purchase_order_line::Column::UnitsPerPack)
        .column(purchase_order_line::Column::ReceivedQuantity)
        .join(
            JoinType::InnerJoin,
            purchase_order_line::Entity::belongs_to(purchase_order::Entity)
                .from(purchase_order_line::Column::OrderId)
                .to(purchase_order::Column::Id)
                .into(),
        )
        .filter(purchase_order::Column::CommunityId.eq(community_id))
        .filter(purchase_order::Column::Status.is_in([
            PurchaseOrderStatus::Draft,
            PurchaseOrderStatus::Submitted,
            PurchaseOrderStatus::PartiallyReceived,
        ]))
        .into_tuple()
        .all(conn)
        .await?;
    let mut out = HashMap::new();
    for (item, packs, units, received) in rows {
        *out.entry(item).or_default() += (packs * units - received).max(0);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap() + Duration::days(day)
    }

    #[test]
    fn days_without_stock_are_left_out() {
        let since = at(0);
        let now = at(90);
        // 300 on hand at the start, 10 a day dispensed for 30 days, then
        // nothing on the shelf for 30 days, then 300 more and 10 a day.
        let mut steps = Vec::new();
        for d in 0..30 {
            steps.push(Step {
                at: at(d) + Duration::hours(12),
                quantity: -10,
                issue: true,
            });
        }
        steps.push(Step {
            at: at(60),
            quantity: 300,
            issue: false,
        });
        for d in 60..90 {
            steps.push(Step {
                at: at(d) + Duration::hours(12),
                quantity: -10,
                issue: true,
            });
        }
        let current = 0;
        let c = consumption(&steps, current, since, now);
        assert_eq!(c.issued, 600);
        // Out of stock from day 29.5 to day 60, and from 89.5 to 90.
        assert!((c.days_in_stock - 59.0).abs() < 1e-6, "{}", c.days_in_stock);
        let p = ReplenishmentPolicy::default();
        // 600 over 59 days, per 30.4375-day month.
        assert!((c.amc(&p) - 600.0 / (59.0 / 30.4375)).abs() < 1e-6);
        // Counting the stock-out would have said 203 a month.
        assert!(c.amc(&p) > 300.0);
    }

    #[test]
    fn a_reversal_of_a_dispensing_is_not_consumption() {
        let steps = [
            Step {
                at: at(1),
                quantity: -20,
                issue: true,
            },
            Step {
                at: at(2),
                quantity: 20,
                issue: true,
            },
            Step {
                at: at(3),
                quantity: -5,
                issue: true,
            },
        ];
        let c = consumption(&steps, 95, at(0), at(90));
        assert_eq!(c.issued, 5);
        assert!((c.days_in_stock - 90.0).abs() < 1e-6);
    }

    #[test]
    fn suggestions_order_up_to_the_maximum_below_the_minimum() {
        let policy = ReplenishmentPolicy::default();
        let item = item_model();
        let used = Consumption {
            issued: 300,
            days_in_stock: 90.0,
        };
        // AMC 101.46; village min 1 month (102), max 2 (203).
        let none = suggest(
            &item,
            Uuid::nil(),
            &used,
            None,
            (102, 0, 0, 0),
            (10, 20),
            24,
            &policy,
        );
        assert!(none.is_none());
        let line = suggest(
            &item,
            Uuid::nil(),
            &used,
            None,
            (50, 10, 0, 0),
            (10, 20),
            24,
            &policy,
        )
        .unwrap();
        assert_eq!(line.target, 203);
        assert_eq!(line.suggested_quantity, 143);
        assert_eq!(line.suggested_packs, 6); // 143 / 24, up
        // No consumption, no suggestion.
        let idle = Consumption::default();
        assert!(
            suggest(
                &item,
                Uuid::nil(),
                &idle,
                None,
                (0, 0, 0, 0),
                (10, 20),
                24,
                &policy
            )
            .is_none()
        );
    }

    #[test]
    fn vbp_wins_then_the_lowest_price_per_unit() {
        let a = |vbp: bool, price: i64| price_agreement::Model {
            id: Uuid::now_v7(),
            community_id: Uuid::nil(),
            supplier_id: Uuid::now_v7(),
            item_id: Uuid::nil(),
            package_level: 1,
            unit_price_fen: price,
            valid_from: NaiveDate::MIN,
            valid_to: NaiveDate::MAX,
            vbp,
            vbp_annual_packs: vbp.then_some(100),
            min_order_packs: 1,
            created_by: Uuid::nil(),
            created_at: at(0),
        };
        let cheap = a(false, 900);
        let case = a(false, 80_000); // 100 boxes: 800 a box
        let vbp = a(true, 1_000);
        let pick = choose(&[(cheap.clone(), 24), (case.clone(), 2_400)]).unwrap();
        assert_eq!(pick.0.id, case.id);
        let pick = choose(&[(cheap, 24), (vbp.clone(), 24), (case, 2_400)]).unwrap();
        assert_eq!(pick.0.id, vbp.id);
        assert!(choose(&[]).is_none());
    }

    fn item_model() -> item::Model {
        use crate::entity::enums::{ItemKind, ItemStatus};
        item::Model {
            id: Uuid::now_v7(),
            community_id: Uuid::nil(),
            code: "YP0001".into(),
            kind: ItemKind::Drug,
            generic_name: "阿莫西林胶囊".into(),
            trade_name: None,
            english_name: String::new(),
            dosage_form: String::new(),
            strength: String::new(),
            packaging: None,
            base_unit: "粒".into(),
            manufacturer: None,
            approval_number: None,
            nhsa_code: None,
            insurance_class: None,
            essential: true,
            vbp: false,
            vbp_price_fen: None,
            prescription_only: true,
            controlled_class: None,
            antibiotic_level: 1,
            high_alert: false,
            look_alike: false,
            cold_chain: false,
            skin_test: false,
            min_institution_level: InstitutionKind::VillageClinic,
            near_expiry_days: 90,
            min_receipt_shelf_life_days: None,
            min_dispatch_shelf_life_days: None,
            storage_min_decicelsius: None,
            storage_max_decicelsius: None,
            status: ItemStatus::Active,
            search_text: String::new(),
            version: 1,
            created_at: at(0),
            updated_at: at(0),
        }
    }
}
