//! Stock as users see it: balances per institution in first-expiry-first
//! order, the stock card of one batch, and manual adjustments. Every write
//! goes through `crate::ledger`.

use crate::Backend;
use crate::authz::{self, Action, Caller};
use crate::command::{Audit, Command, Effect, Idempotency, Ran};
use crate::entity::enums::MovementKind;
use crate::entity::{batch, stock_balance, stock_movement};
use crate::error::{Error, Result};
use crate::idempotency::{self, ClientRequestId};
use crate::ledger::{self, Actor, Posting};
use crate::page::{self, Page, PageRequest};
use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

pub const MAX_REASON_CHARS: usize = 500;

/// Which balances a stock list shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct StockFilter<'a> {
    pub item_id: Option<Uuid>,
    /// The catalogue search (name, pinyin initials, codes).
    pub search: Option<&'a str>,
    /// Whether batches with nothing on hand are listed too.
    pub include_empty: bool,
}

#[derive(Debug, Clone)]
pub struct StockBalanceView {
    pub balance: stock_balance::Model,
    pub batch: batch::Model,
    /// Of this batch, dispatched to the institution and not yet arrived.
    pub in_transit: i64,
}

impl StockBalanceView {
    pub fn available(&self) -> i64 {
        self.balance.on_hand - self.balance.reserved
    }
}

#[derive(Debug, Clone)]
pub struct AdjustStock {
    pub institution_id: Uuid,
    pub batch_id: Uuid,
    pub quantity: i64,
    pub reason: String,
    pub client_request_id: String,
}

/// A reason a person typed: trimmed, not blank, bounded.
pub fn require_reason(raw: &str) -> Result<String> {
    crate::text::optional_text("reason", Some(raw), MAX_REASON_CHARS)?
        .ok_or_else(|| Error::validation("reason", "must not be blank", "请填写原因"))
}

fn stock_key(view: &StockBalanceView) -> String {
    format!("{}|{}", view.batch.expiry_date, view.batch.id)
}

fn parse_stock_key(key: &str) -> Result<(NaiveDate, Uuid)> {
    let bad = || crate::page::bad_cursor();
    let (date, id) = key.split_once('|').ok_or_else(bad)?;
    Ok((
        date.parse().map_err(|_| bad())?,
        id.parse().map_err(|_| bad())?,
    ))
}

impl Backend {
    /// Balances of one institution, optionally of one item, soonest expiry
    /// first (the order stock should leave the shelf).
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    /// Stock balances of one institution, soonest expiry first.
    pub async fn stock(
        &self,
        caller: &Caller,
        institution_id: Uuid,
        filter: StockFilter<'_>,
        page: PageRequest,
    ) -> Result<Page<StockBalanceView>> {
        let inst = self
            .institution_in_community(caller, institution_id)
            .await?;
        authz::authorize(caller, Action::ReadStock, Self::scope(&inst))?;
        let matching = self
            .matching_item_ids(caller.community_id, filter.search)
            .await?;
        let limit = page.limit()?;
        let after = page.after_key()?.map(|k| parse_stock_key(&k)).transpose()?;

        let mut query = stock_balance::Entity::find()
            .join(
                JoinType::InnerJoin,
                stock_balance::Entity::belongs_to(batch::Entity)
                    .from(stock_balance::Column::BatchId)
                    .to(batch::Column::Id)
                    .into(),
            )
            .select_also(batch::Entity)
            .filter(stock_balance::Column::InstitutionId.eq(inst.id));
        if let Some(item_id) = filter.item_id {
            query = query.filter(stock_balance::Column::ItemId.eq(item_id));
        }
        if let Some(ids) = matching {
            if ids.is_empty() {
                return Ok(page::build(
                    Vec::new(),
                    limit,
                    page.after.is_some(),
                    stock_key,
                ));
            }
            query = query.filter(stock_balance::Column::ItemId.is_in(ids));
        }
        if !filter.include_empty {
            query = query.filter(stock_balance::Column::OnHand.ne(0));
        }
        if let Some((expiry, batch_id)) = after {
            query = query.filter(
                Condition::any()
                    .add(batch::Column::ExpiryDate.gt(expiry))
                    .add(
                        Condition::all()
                            .add(batch::Column::ExpiryDate.eq(expiry))
                            .add(stock_balance::Column::BatchId.gt(batch_id)),
                    ),
            );
        }
        let rows = query
            .order_by_asc(batch::Column::ExpiryDate)
            .order_by_asc(stock_balance::Column::BatchId)
            .limit(limit + 1)
            .all(self.db.conn())
            .await?;
        let ids: Vec<Uuid> = rows.iter().map(|(b, _)| b.batch_id).collect();
        let transit =
            crate::distribution::transit::of_batches(self.db.conn(), inst.id, &ids).await?;
        let views = rows
            .into_iter()
            .filter_map(|(balance, batch)| {
                batch.map(|batch| StockBalanceView {
                    in_transit: transit.get(&batch.id).copied().unwrap_or(0),
                    balance,
                    batch,
                })
            })
            .collect();
        Ok(page::build(views, limit, page.after.is_some(), stock_key))
    }

    /// The stock card of one batch at one institution, in posting order.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn stock_card(
        &self,
        caller: &Caller,
        institution_id: Uuid,
        batch_id: Uuid,
        page: PageRequest,
    ) -> Result<Page<stock_movement::Model>> {
        let inst = self
            .institution_in_community(caller, institution_id)
            .await?;
        authz::authorize(caller, Action::ReadStock, Self::scope(&inst))?;
        let batch = self.batch_in_community(caller, batch_id).await?;
        let limit = page.limit()?;
        let after: i64 = match page.after_key()? {
            Some(k) => k.parse().map_err(|_| crate::page::bad_cursor())?,
            None => 0,
        };
        let rows = stock_movement::Entity::find()
            .filter(stock_movement::Column::InstitutionId.eq(inst.id))
            .filter(stock_movement::Column::BatchId.eq(batch.id))
            .filter(stock_movement::Column::LineNo.gt(after))
            .order_by_asc(stock_movement::Column::LineNo)
            .limit(limit + 1)
            .all(self.db.conn())
            .await?;
        Ok(page::build(rows, limit, page.after.is_some(), |m| {
            m.line_no.to_string()
        }))
    }

    pub async fn movement(&self, caller: &Caller, id: Uuid) -> Result<stock_movement::Model> {
        let movement = stock_movement::Entity::find_by_id(id)
            .one(self.db.conn())
            .await?
            .ok_or_else(|| Error::not_found("stock movement", id))?;
        let inst = self
            .institution_in_community(caller, movement.institution_id)
            .await?;
        authz::authorize(caller, Action::ReadStock, Self::scope(&inst))?;
        Ok(movement)
    }

    /// A manual correction of one batch's stock at one institution, with a
    /// reason. Safe to repeat: a replayed `client_request_id` returns the
    /// first movement and posts nothing.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn adjust_stock(
        &self,
        caller: &Caller,
        input: AdjustStock,
    ) -> Result<stock_movement::Model> {
        const OPERATION: &str = "adjustStock";
        let key = ClientRequestId::parse(&input.client_request_id)?;
        let reason = require_reason(&input.reason)?;
        if input.quantity == 0 {
            return Err(Error::validation(
                "quantity",
                "must not be 0",
                "数量不能为 0",
            ));
        }
        if input.quantity.unsigned_abs() > ledger::MAX_MOVEMENT_QUANTITY as u64 {
            return Err(Error::validation(
                "quantity",
                format!(
                    "must be at most {} base units",
                    ledger::MAX_MOVEMENT_QUANTITY
                ),
                format!("最多 {} 个最小单位", ledger::MAX_MOVEMENT_QUANTITY),
            ));
        }
        // Two independent reads on two pool connections: one round trip of
        // waiting instead of two. Both are re-checked under the locks the
        // ledger takes, so reading them side by side changes no guarantee.
        // Both are awaited, then judged in the order a user expects: the
        // institution, the permission there, then the batch.
        let (inst, batch) = tokio::join!(
            self.institution_in_community(caller, input.institution_id),
            self.batch_in_community(caller, input.batch_id),
        );
        let inst = inst?;
        authz::authorize(caller, Action::AdjustStock, Self::scope(&inst))?;
        let batch = batch?;
        if input.quantity > 0 && !authz::acts_for_members(caller) {
            self.check_member_increase(inst.id, batch.id, input.quantity)
                .await?;
        }
        let request_hash = idempotency::fingerprint(&[
            &inst.id.to_string(),
            &batch.id.to_string(),
            &input.quantity.to_string(),
            &reason,
        ]);

        let ran = self
            .run(
                Command {
                    operation: OPERATION,
                    user_id: caller.user_id,
                    idempotency: Some(Idempotency {
                        key: &key,
                        request_hash,
                    }),
                },
                async |txn, now| {
                    let movement = ledger::post(
                        txn,
                        Actor {
                            user_id: caller.user_id,
                            now,
                        },
                        Posting {
                            institution_id: inst.id,
                            batch_id: batch.id,
                            quantity: input.quantity,
                            kind: MovementKind::Adjustment,
                            document: None,
                            reason: Some(reason.clone()),
                            unit_cost_fen: None,
                            occurred_at: None,
                        },
                    )
                    .await?;
                    Ok(Effect::Changed {
                        result_id: movement.id,
                        audit: Audit {
                            institution_id: Some(inst.id),
                            entity_type: "stock_movement",
                            entity_ids: vec![movement.id, batch.id],
                            detail: Some(serde_json::json!({
                                "quantity": input.quantity,
                                "reason": reason,
                            })),
                        },
                        value: movement,
                    })
                },
            )
            .await?;
        match ran {
            Ran::Done(movement) => Ok(movement),
            Ran::Replay(id) => self.movement(caller, id).await,
        }
    }
}

impl Backend {
    /// A member may add stock by hand only up to a multiple of what that
    /// batch has recently held there (or a small allowance for a batch it
    /// never held): "found" stock beyond that is for the logistics centre's
    /// warehouse to post, who then stands as its approver in the movement
    /// and the audit row. Otherwise a clinic could create stock from
    /// nothing, over and over.
    async fn check_member_increase(
        &self,
        institution_id: Uuid,
        batch_id: Uuid,
        quantity: i64,
    ) -> Result<()> {
        let policy = self.settings.adjustment;
        let since = self.clock.now() - chrono::Duration::days(policy.recent_days);
        let peak: Option<Option<i64>> = stock_movement::Entity::find()
            .select_only()
            .column_as(stock_movement::Column::BalanceAfter.max(), "peak")
            .filter(stock_movement::Column::InstitutionId.eq(institution_id))
            .filter(stock_movement::Column::BatchId.eq(batch_id))
            .filter(stock_movement::Column::OccurredAt.gte(since))
            .into_tuple()
            .one(self.db.conn())
            .await?;
        let on_hand: Option<i64> = stock_balance::Entity::find()
            .select_only()
            .column(stock_balance::Column::OnHand)
            .filter(stock_balance::Column::InstitutionId.eq(institution_id))
            .filter(stock_balance::Column::BatchId.eq(batch_id))
            .into_tuple()
            .one(self.db.conn())
            .await?;
        let recent = peak.flatten().unwrap_or(0).max(on_hand.unwrap_or(0));
        let cap = policy.member_cap(recent);
        if quantity > cap {
            return Err(Error::validation(
                "quantity",
                format!(
                    "at most {cap} base units can be added to this batch here by hand \
                     ({}x its recent stock, at least {}); the logistics centre's warehouse \
                     must post a larger increase",
                    policy.member_multiple, policy.member_allowance
                ),
                format!("本机构手工增加此批次最多 {cap} 个最小单位；更多请由物流中心仓库登记"),
            ));
        }
        Ok(())
    }
}

/// How much a member may add by hand to one batch in one adjustment.
#[derive(Debug, Clone, Copy)]
pub struct AdjustmentPolicy {
    /// Allowed whatever the batch's history: a box found on a shelf.
    pub member_allowance: i64,
    /// Allowed as a multiple of the most the batch held there recently.
    pub member_multiple: i64,
    /// What "recently" means, in days.
    pub recent_days: i64,
}

impl Default for AdjustmentPolicy {
    fn default() -> Self {
        AdjustmentPolicy {
            member_allowance: 1_000,
            member_multiple: 2,
            recent_days: 90,
        }
    }
}

impl AdjustmentPolicy {
    pub fn member_cap(&self, recent_stock: i64) -> i64 {
        recent_stock
            .saturating_mul(self.member_multiple)
            .max(self.member_allowance)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_add_at_most_a_multiple_of_recent_stock() {
        let p = AdjustmentPolicy::default();
        assert_eq!(p.member_cap(0), 1_000);
        assert_eq!(p.member_cap(400), 1_000);
        assert_eq!(p.member_cap(3_000), 6_000);
        assert_eq!(p.member_cap(i64::MAX), i64::MAX);
    }

    #[test]
    fn reasons_are_trimmed_and_required() {
        assert_eq!(require_reason("  damaged box ").unwrap(), "damaged box");
        assert!(require_reason(" \t\n").is_err());
        assert!(require_reason(&"损".repeat(501)).is_err());
        assert!(require_reason(&"损".repeat(500)).is_ok());
    }

    #[test]
    fn stock_cursor_keys_parse_back() {
        let id = Uuid::now_v7();
        let (d, i) = parse_stock_key(&format!("2027-01-31|{id}")).unwrap();
        assert_eq!(d, NaiveDate::from_ymd_opt(2027, 1, 31).unwrap());
        assert_eq!(i, id);
        assert!(parse_stock_key("2027-01-31").is_err());
        assert!(parse_stock_key("x|y").is_err());
    }
}
