//! What is available where: the doctors' stock check (药品查询). A doctor
//! between patients wants to know whether the patient can get an item at
//! their own institution, at its township centre, at the county hospital or
//! from the logistics centre, and what else would do if not.
//!
//! Any signed-in user of the community may see these quantities: they are
//! what makes extended prescriptions work. They see no costs, no stock cards
//! and no batch details of other institutions: only how much can be used
//! now and the earliest expiry among it.

use crate::Backend;
use crate::authz::{self, Action, Caller, Scope};
use crate::catalogue::allowed_at;
use crate::clock::business_date;
use crate::entity::enums::{BatchStatus, InstitutionKind, ItemStatus};
use crate::entity::{batch, institution, item, stock_balance};
use crate::error::{Error, Result};
use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

/// How much of one item can be used now at one institution.
#[derive(Debug, Clone)]
pub struct LocationAvailability {
    pub institution: institution::Model,
    /// Base units on hand, not reserved, in batches that may be used
    /// (not quarantined, recalled or expired).
    pub available: i64,
    /// The earliest expiry among those batches.
    pub earliest_expiry: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct AlternativeAvailability {
    pub item: item::Model,
    pub locations: Vec<LocationAvailability>,
}

#[derive(Debug, Clone)]
pub struct StockAvailability {
    pub item: item::Model,
    /// Whether the item may be used at the pickup institution's level.
    pub allowed_at_pickup: bool,
    /// The pickup institution first, then its township centre, the county
    /// hospital and the logistics centre (each once).
    pub locations: Vec<LocationAvailability>,
    /// Other ACTIVE items with the same generic name and dosage form (other
    /// strengths, other manufacturers): at most [`MAX_ALTERNATIVES`], those
    /// held nearest the pickup first.
    pub alternatives: Vec<AlternativeAvailability>,
}

/// Alternatives shown per item.
pub const MAX_ALTERNATIVES: usize = 10;

#[derive(Debug, sea_orm::FromQueryResult)]
struct Held {
    item_id: Uuid,
    institution_id: Uuid,
    available: i64,
    earliest_expiry: Option<NaiveDate>,
}

/// At most this many items per stock search.
pub const MAX_SEARCH_ITEMS: u64 = 50;
const DEFAULT_SEARCH_ITEMS: u64 = 10;

impl Backend {
    /// One item's availability, as seen from `pickup` (default: the
    /// caller's own institution).
    pub async fn stock_availability(
        &self,
        caller: &Caller,
        item_id: Uuid,
        pickup: Option<Uuid>,
    ) -> Result<StockAvailability> {
        let item = self
            .items_by_ids(caller, &[item_id])
            .await?
            .pop()
            .ok_or_else(|| Error::not_found("item", item_id))?;
        let mut found = self.availability_of(caller, vec![item], pickup).await?;
        found
            .pop()
            .ok_or_else(|| Error::internal("availability of one item came back empty"))
    }

    /// The catalogue search, each hit with its availability.
    pub async fn stock_search(
        &self,
        caller: &Caller,
        search: &str,
        pickup: Option<Uuid>,
        first: Option<i32>,
    ) -> Result<Vec<StockAvailability>> {
        let limit = match first {
            None => DEFAULT_SEARCH_ITEMS,
            Some(n) if n >= 1 && n as u64 <= MAX_SEARCH_ITEMS => n as u64,
            Some(_) => {
                return Err(Error::validation(
                    "first",
                    format!("must be between 1 and {MAX_SEARCH_ITEMS}"),
                    format!("必须在 1 到 {MAX_SEARCH_ITEMS} 之间"),
                ));
            }
        };
        authz::authorize(
            caller,
            Action::ReadAvailability,
            Scope::Community(caller.community_id),
        )?;
        let Some(ids) = self
            .matching_item_ids(caller.community_id, Some(search))
            .await?
        else {
            return Err(Error::validation(
                "search",
                "type a name, pinyin initials or a code",
                "请输入药品名称、拼音首字母或编码",
            ));
        };
        let ids: Vec<Uuid> = ids.into_iter().take(limit as usize).collect();
        let mut items = self.items_by_ids(caller, &ids).await?;
        // Back in the search's order.
        let rank: HashMap<Uuid, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        items.sort_by_key(|i| rank.get(&i.id).copied().unwrap_or(usize::MAX));
        self.availability_of(caller, items, pickup).await
    }

    async fn availability_of(
        &self,
        caller: &Caller,
        items: Vec<item::Model>,
        pickup: Option<Uuid>,
    ) -> Result<Vec<StockAvailability>> {
        authz::authorize(
            caller,
            Action::ReadAvailability,
            Scope::Community(caller.community_id),
        )?;
        let conn = self.db.conn();
        let pickup_id = pickup.unwrap_or(caller.institution_id);
        // Alternatives: same generic name and dosage form, ACTIVE, not one
        // of the items asked about. Read side by side with the places.
        let names: Vec<String> = {
            let mut n: Vec<String> = items.iter().map(|i| i.generic_name.clone()).collect();
            n.sort();
            n.dedup();
            n
        };
        let asked: Vec<Uuid> = items.iter().map(|i| i.id).collect();
        let institutions = institution::Entity::find()
            .filter(institution::Column::CommunityId.eq(caller.community_id))
            .order_by_asc(institution::Column::Code)
            .all(conn);
        let others = async {
            if names.is_empty() {
                return Ok(Vec::new());
            }
            item::Entity::find()
                .filter(item::Column::CommunityId.eq(caller.community_id))
                .filter(item::Column::GenericName.is_in(names.clone()))
                .filter(item::Column::Status.eq(ItemStatus::Active))
                .order_by_asc(item::Column::Code)
                .all(conn)
                .await
        };
        let (institutions, others) = tokio::join!(institutions, others);
        let (institutions, others) = (institutions?, others?);
        let pickup = institutions
            .iter()
            .find(|i| i.id == pickup_id)
            .ok_or_else(|| Error::not_found("institution", pickup_id))?;
        let places = places(pickup, &institutions);

        let mut all_ids: Vec<Uuid> = asked.clone();
        all_ids.extend(others.iter().map(|o| o.id));
        all_ids.sort();
        all_ids.dedup();
        let place_ids: Vec<Uuid> = places.iter().map(|p| p.id).collect();
        let today = business_date(self.clock.now());
        // Summed in the database: a row per (item, place), not per batch.
        // Usable means what `ledger::block_reason` allows: AVAILABLE and
        // not past its expiry date.
        let free = "stock_balance.on_hand - stock_balance.reserved";
        let rows: Vec<Held> = stock_balance::Entity::find()
            .select_only()
            .column(stock_balance::Column::ItemId)
            .column(stock_balance::Column::InstitutionId)
            .column_as(
                Expr::cust(format!("CAST(SUM({free}) AS BIGINT)")),
                "available",
            )
            .column_as(batch::Column::ExpiryDate.min(), "earliest_expiry")
            .join(
                JoinType::InnerJoin,
                stock_balance::Entity::belongs_to(batch::Entity)
                    .from(stock_balance::Column::BatchId)
                    .to(batch::Column::Id)
                    .into(),
            )
            .filter(stock_balance::Column::ItemId.is_in(all_ids))
            .filter(stock_balance::Column::InstitutionId.is_in(place_ids))
            .filter(batch::Column::Status.eq(BatchStatus::Available))
            .filter(batch::Column::ExpiryDate.gte(today))
            .filter(Expr::cust(format!("{free} > 0")))
            .group_by(stock_balance::Column::ItemId)
            .group_by(stock_balance::Column::InstitutionId)
            .into_model::<Held>()
            .all(conn)
            .await?;
        let held: HashMap<(Uuid, Uuid), (i64, Option<NaiveDate>)> = rows
            .into_iter()
            .map(|r| {
                (
                    (r.item_id, r.institution_id),
                    (r.available, r.earliest_expiry),
                )
            })
            .collect();
        let at = |item_id: Uuid| -> Vec<LocationAvailability> {
            places
                .iter()
                .map(|p| {
                    let (available, earliest_expiry) =
                        held.get(&(item_id, p.id)).copied().unwrap_or((0, None));
                    LocationAvailability {
                        institution: (*p).clone(),
                        available,
                        earliest_expiry,
                    }
                })
                .collect()
        };
        Ok(items
            .into_iter()
            .map(|item| {
                let mut alternatives: Vec<AlternativeAvailability> = others
                    .iter()
                    .filter(|o| {
                        o.id != item.id
                            && o.generic_name == item.generic_name
                            && o.dosage_form == item.dosage_form
                    })
                    .map(|o| AlternativeAvailability {
                        item: o.clone(),
                        locations: at(o.id),
                    })
                    .collect();
                // What can be had soonest first: nearest to the pickup,
                // then most available; a doctor reads a handful.
                alternatives.sort_by_key(|a| {
                    let first = a.locations.iter().position(|l| l.available > 0);
                    let total: i64 = a.locations.iter().map(|l| l.available).sum();
                    (first.unwrap_or(usize::MAX), -total, a.item.code.clone())
                });
                alternatives.truncate(MAX_ALTERNATIVES);
                StockAvailability {
                    allowed_at_pickup: allowed_at(&item, pickup.kind),
                    locations: at(item.id),
                    alternatives,
                    item,
                }
            })
            .collect())
    }
}

/// Where a patient of `pickup` could get an item: there, at its township
/// centre (a village clinic's parent), at the county hospital, and from the
/// logistics centre; each institution once, in that order.
fn places<'a>(
    pickup: &'a institution::Model,
    all: &'a [institution::Model],
) -> Vec<&'a institution::Model> {
    let mut out: Vec<&institution::Model> = vec![pickup];
    let primary_care_centre = |k: InstitutionKind| {
        matches!(
            k,
            InstitutionKind::TownshipHealthCentre | InstitutionKind::CommunityHealthCentre
        )
    };
    let township = pickup
        .parent_id
        .and_then(|p| all.iter().find(|i| i.id == p))
        .filter(|i| primary_care_centre(i.kind));
    let county = all
        .iter()
        .find(|i| i.kind == InstitutionKind::CountyHospital && i.active);
    let centre = all
        .iter()
        .find(|i| i.kind == InstitutionKind::LogisticsCentre);
    for place in [township, county, centre].into_iter().flatten() {
        if !out.iter().any(|o| o.id == place.id) {
            out.push(place);
        }
    }
    out
}
