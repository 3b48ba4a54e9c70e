//! Member accounts (分户核算): the centre buys for everyone and pays once
//! (集中核算), but each member's consumption is accounted for separately.
//! Every shipment to a member is a debit at centre cost (the batch's
//! receipt price), every return a credit.
//!
//! Distribution posts the shipments; it calls [`charge`] in the same
//! transaction as the SHIPMENT_OUT or RETURN movements, so a member's
//! account can never disagree with what the ledger says it was sent.

use super::sheets::{Cell, Sheet, workbook};
use crate::Backend;
use crate::authz::{self, Action, Caller, Scope};
use crate::clock::business_offset;
use crate::db::WriteTxn;
use crate::entity::enums::{AccountEntryKind, InstitutionKind};
use crate::entity::{
    institution, item, member_account_entry, purchase_order_line, receipt_line, stock_movement,
};
use crate::error::{Error, Result};
use crate::ledger::DocumentRef;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::HashMap;
use uuid::Uuid;

/// One posting of goods to or from a member.
#[derive(Debug, Clone)]
pub struct Charge {
    pub member_id: Uuid,
    pub batch_id: Uuid,
    pub item_id: Uuid,
    /// Base units: positive sent to the member, negative returned by it.
    pub quantity: i64,
    pub document: DocumentRef,
    /// The ledger movement this charges; a movement is charged once.
    pub movement_id: Option<Uuid>,
    pub occurred_at: DateTime<Utc>,
}

/// A batch's centre cost: the price of a pack and its units (so amounts
/// are rounded once, per line, not per unit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    pub pack_price_fen: i64,
    pub units_per_pack: i64,
}

impl Cost {
    /// `quantity` base units at this cost, rounded half away from zero.
    pub fn amount(&self, quantity: i64) -> i64 {
        let per = self.units_per_pack.max(1) as i128;
        let raw = quantity as i128 * self.pack_price_fen as i128;
        let half = per / 2;
        let rounded = if raw >= 0 {
            (raw + half) / per
        } else {
            (raw - half) / per
        };
        rounded.clamp(i64::MIN as i128, i64::MAX as i128) as i64
    }
}

/// The centre cost of each batch: its latest receipt's pack price, or for
/// stock that came in before yaolian (an opening), the unit cost its
/// opening carried.
pub(crate) async fn batch_costs(
    conn: &impl ConnectionTrait,
    batches: &[Uuid],
) -> Result<HashMap<Uuid, Cost>> {
    let mut out = HashMap::new();
    let receipts = receipt_line::Entity::find()
        .filter(receipt_line::Column::BatchId.is_in(batches.to_vec()))
        .order_by_asc(receipt_line::Column::Id)
        .all(conn)
        .await?;
    let lines: HashMap<Uuid, i64> = purchase_order_line::Entity::find()
        .filter(
            purchase_order_line::Column::Id
                .is_in(receipts.iter().map(|r| r.order_line_id).collect::<Vec<_>>()),
        )
        .all(conn)
        .await?
        .into_iter()
        .map(|l| (l.id, l.units_per_pack))
        .collect();
    for r in receipts {
        out.insert(
            r.batch_id,
            Cost {
                pack_price_fen: r.pack_price_fen,
                units_per_pack: lines.get(&r.order_line_id).copied().unwrap_or(1),
            },
        );
    }
    let missing: Vec<Uuid> = batches
        .iter()
        .filter(|b| !out.contains_key(b))
        .copied()
        .collect();
    if !missing.is_empty() {
        let rows: Vec<(Uuid, Option<i64>)> = stock_movement::Entity::find()
            .select_only()
            .column(stock_movement::Column::BatchId)
            .column(stock_movement::Column::UnitCostFen)
            .filter(stock_movement::Column::BatchId.is_in(missing))
            .filter(stock_movement::Column::UnitCostFen.is_not_null())
            .order_by_asc(stock_movement::Column::Id)
            .into_tuple()
            .all(conn)
            .await?;
        for (batch, cost) in rows {
            if let Some(c) = cost {
                out.entry(batch).or_insert(Cost {
                    pack_price_fen: c,
                    units_per_pack: 1,
                });
            }
        }
    }
    Ok(out)
}

/// Debits (and credits) members for goods sent to (and back from) them,
/// at centre cost, in the caller's transaction. Distribution calls it
/// with each dispatch and each return it posts.
pub async fn charge(
    txn: &WriteTxn,
    community_id: Uuid,
    now: DateTime<Utc>,
    charges: &[Charge],
) -> Result<Vec<member_account_entry::Model>> {
    if charges.is_empty() {
        return Ok(Vec::new());
    }
    // A dispatch of a county's run charges thousands of lines of a few
    // thousand batches: each batch and item is asked for once.
    let mut batches: Vec<Uuid> = charges.iter().map(|c| c.batch_id).collect();
    batches.sort();
    batches.dedup();
    let costs = batch_costs(&**txn, &batches).await?;
    let mut items: Vec<Uuid> = charges.iter().map(|c| c.item_id).collect();
    items.sort();
    items.dedup();
    let essential: HashMap<Uuid, bool> = item::Entity::find()
        .filter(item::Column::Id.is_in(items))
        .all(&**txn)
        .await?
        .into_iter()
        .map(|i| (i.id, i.essential))
        .collect();
    let rows: Vec<member_account_entry::Model> = charges
        .iter()
        .map(|c| member_account_entry::Model {
            id: Uuid::now_v7(),
            community_id,
            institution_id: c.member_id,
            occurred_at: c.occurred_at,
            kind: if c.quantity >= 0 {
                AccountEntryKind::Shipment
            } else {
                AccountEntryKind::Return
            },
            document_type: c.document.doc_type,
            document_id: c.document.id,
            document_number: c.document.number.clone(),
            movement_id: c.movement_id,
            item_id: c.item_id,
            batch_id: c.batch_id,
            quantity: c.quantity,
            amount_fen: costs.get(&c.batch_id).map_or(0, |k| k.amount(c.quantity)),
            essential: essential.get(&c.item_id).copied().unwrap_or(false),
            created_at: now,
        })
        .collect();
    for chunk in rows.chunks(400) {
        member_account_entry::Entity::insert_many(
            chunk
                .iter()
                .cloned()
                .map(IntoActiveModel::into_active_model),
        )
        .exec_without_returning(&**txn)
        .await?;
    }
    Ok(rows)
}

/// A member's account over a range of business days.
#[derive(Debug, Clone)]
pub struct Statement {
    pub institution: institution::Model,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Balance before `from`.
    pub opening_fen: i64,
    pub debits_fen: i64,
    /// Returns, as a positive amount.
    pub credits_fen: i64,
    pub closing_fen: i64,
    /// Of the debits less credits, essential medicines (基药): what the
    /// member dispenses at cost, with zero markup.
    pub essential_fen: i64,
    pub entries: Vec<member_account_entry::Model>,
}

fn day_start(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::MIN)
        .and_local_timezone(business_offset())
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// The most entries one statement lists (the totals cover them all).
pub const MAX_STATEMENT_ENTRIES: u64 = 5_000;

impl Backend {
    /// A member's statement for `from` to `to` (business days, inclusive).
    /// The member's own staff may read it; other members may not.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn member_statement(
        &self,
        caller: &Caller,
        institution_id: Uuid,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Statement> {
        let inst = self
            .institution_in_community(caller, institution_id)
            .await?;
        authz::authorize(caller, Action::ReadMemberAccount, Self::scope(&inst))?;
        if to < from {
            return Err(Error::validation(
                "to",
                "must not be before from",
                "截止日期不能早于起始日期",
            ));
        }
        self.statement_of(inst, from, to).await
    }

    async fn statement_of(
        &self,
        inst: institution::Model,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Statement> {
        let conn = self.db.conn();
        let (start, end) = (day_start(from), day_start(to + chrono::Duration::days(1)));
        let sum = |q: sea_orm::Select<member_account_entry::Entity>| async move {
            let v: Option<Option<i64>> = q
                .select_only()
                .column_as(
                    sea_orm::sea_query::Expr::cust("CAST(SUM(amount_fen) AS BIGINT)"),
                    "total",
                )
                .into_tuple()
                .one(conn)
                .await?;
            Ok::<i64, Error>(v.flatten().unwrap_or(0))
        };
        let of = || {
            member_account_entry::Entity::find()
                .filter(member_account_entry::Column::InstitutionId.eq(inst.id))
        };
        let in_range = || {
            of().filter(member_account_entry::Column::OccurredAt.gte(start))
                .filter(member_account_entry::Column::OccurredAt.lt(end))
        };
        let (opening, debits, credits, essential) = tokio::try_join!(
            sum(of().filter(member_account_entry::Column::OccurredAt.lt(start))),
            sum(in_range().filter(member_account_entry::Column::AmountFen.gt(0))),
            sum(in_range().filter(member_account_entry::Column::AmountFen.lt(0))),
            sum(in_range().filter(member_account_entry::Column::Essential.eq(true))),
        )?;
        let entries = in_range()
            .order_by_asc(member_account_entry::Column::OccurredAt)
            .order_by_asc(member_account_entry::Column::Id)
            .limit(MAX_STATEMENT_ENTRIES)
            .all(conn)
            .await?;
        Ok(Statement {
            institution: inst,
            from,
            to,
            opening_fen: opening,
            debits_fen: debits,
            credits_fen: -credits,
            closing_fen: opening + debits + credits,
            essential_fen: essential,
            entries,
        })
    }

    /// `member-statements.xlsx`: a summary sheet and one sheet per member.
    pub async fn export_member_statements(
        &self,
        caller: &Caller,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<u8>> {
        authz::authorize(
            caller,
            Action::ReadProcurement,
            Scope::Community(caller.community_id),
        )?;
        if to < from {
            return Err(Error::validation(
                "to",
                "must not be before from",
                "截止日期不能早于起始日期",
            ));
        }
        let members: Vec<institution::Model> = self
            .institutions(caller)
            .await?
            .into_iter()
            .filter(|i| i.kind != InstitutionKind::LogisticsCentre)
            .collect();
        let items: HashMap<Uuid, item::Model> = item::Entity::find()
            .filter(item::Column::CommunityId.eq(caller.community_id))
            .all(self.db.conn())
            .await?
            .into_iter()
            .map(|i| (i.id, i))
            .collect();
        let mut summary = Vec::new();
        let mut sheets = Vec::new();
        let mut totals = [0i64; 4];
        for m in members {
            let st = self.statement_of(m, from, to).await?;
            let figures = [
                st.opening_fen,
                st.debits_fen,
                st.credits_fen,
                st.closing_fen,
            ];
            for (t, f) in totals.iter_mut().zip(figures) {
                *t += f;
            }
            let mut row = vec![
                Cell::Text(st.institution.code.clone()),
                Cell::Text(st.institution.name.clone()),
            ];
            row.extend(figures.into_iter().map(Cell::Yuan));
            row.push(Cell::Yuan(st.essential_fen));
            summary.push(row);
            sheets.push(Sheet {
                name: st.institution.name.clone(),
                heading: vec![
                    (
                        "机构 member".into(),
                        Cell::Text(format!("{} {}", st.institution.code, st.institution.name)),
                    ),
                    ("期间 period".into(), Cell::Text(format!("{from} – {to}"))),
                    ("期初余额（元）opening".into(), Cell::Yuan(st.opening_fen)),
                    ("本期发出（元）debits".into(), Cell::Yuan(st.debits_fen)),
                    ("本期退回（元）credits".into(), Cell::Yuan(st.credits_fen)),
                    ("期末余额（元）closing".into(), Cell::Yuan(st.closing_fen)),
                ],
                columns: vec![
                    "日期",
                    "类型",
                    "单据号",
                    "编码",
                    "品名",
                    "数量",
                    "金额（元）",
                    "基药",
                ],
                rows: st
                    .entries
                    .iter()
                    .map(|e| {
                        let item = items.get(&e.item_id);
                        vec![
                            Cell::Date(crate::clock::business_date(e.occurred_at)),
                            Cell::from(match e.kind {
                                AccountEntryKind::Shipment => "发出",
                                AccountEntryKind::Return => "退回",
                            }),
                            Cell::Text(e.document_number.clone().unwrap_or_default()),
                            Cell::Text(item.map(|i| i.code.clone()).unwrap_or_default()),
                            Cell::Text(item.map(|i| i.generic_name.clone()).unwrap_or_default()),
                            Cell::Int(e.quantity),
                            Cell::Yuan(e.amount_fen),
                            Cell::from(if e.essential { "是" } else { "" }),
                        ]
                    })
                    .collect(),
                footer: Vec::new(),
            });
        }
        let mut footer = vec![Cell::from("合计 total"), Cell::Empty];
        footer.extend(totals.into_iter().map(Cell::Yuan));
        sheets.insert(
            0,
            Sheet {
                name: "汇总".into(),
                heading: vec![(
                    "成员单位对账 Member statements".into(),
                    Cell::Text(format!("{from} – {to}")),
                )],
                columns: vec![
                    "编码",
                    "机构",
                    "期初（元）",
                    "发出（元）",
                    "退回（元）",
                    "期末（元）",
                    "其中基药（元）",
                ],
                rows: summary,
                footer: vec![footer],
            },
        );
        workbook(sheets).await
    }
}

#[cfg(test)]
mod tests {
    use super::Cost;

    #[test]
    fn amounts_round_once_per_line() {
        let box_of_24 = Cost {
            pack_price_fen: 1000,
            units_per_pack: 24,
        };
        // 100 capsules of a 10-yuan box of 24: 41.67 yuan, not 100 × 0.42.
        assert_eq!(box_of_24.amount(100), 4167);
        assert_eq!(box_of_24.amount(-100), -4167);
        assert_eq!(box_of_24.amount(24), 1000);
        assert_eq!(box_of_24.amount(0), 0);
    }
}
