//! Price agreements: a supplier's price per pack of one package level of
//! an item, in force over a range of days. At most one is in force per
//! (supplier, item, level) on any day, so "the agreed price" of an order
//! line is never ambiguous. 集采 agreements carry the agreed annual
//! quantity, and report how much of it has been received so far (the
//! completion rate the NHSA monitors).

use super::{MAX_PACKS, MAX_PRICE_FEN, yuan};
use crate::Backend;
use crate::authz::{self, Action, Caller, Scope};
use crate::command::{Audit, Command, Effect};
use crate::entity::{item, item_package_level, price_agreement, purchase_order_line, supplier};
use crate::error::{Error, FieldError, Result};
use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct AgreementInput {
    pub supplier_id: Uuid,
    pub item_id: Uuid,
    pub package_level: i32,
    pub unit_price_fen: i64,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub vbp: bool,
    pub vbp_annual_packs: Option<i64>,
    pub min_order_packs: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct AgreementFilter {
    pub supplier_id: Option<Uuid>,
    pub item_id: Option<Uuid>,
    /// Only those in force on this day.
    pub in_force_on: Option<NaiveDate>,
}

/// An agreement with what has been received under it.
#[derive(Debug, Clone)]
pub struct AgreementView {
    pub agreement: price_agreement::Model,
    /// Packs (of the agreement's level) received on order lines placed
    /// under this agreement.
    pub received_packs: i64,
}

impl AgreementView {
    /// Received over agreed, in per mille, for 集采 agreements.
    pub fn vbp_completion_permille(&self) -> Option<i64> {
        let agreed = self.agreement.vbp_annual_packs.filter(|&a| a > 0)?;
        Some(self.received_packs.saturating_mul(1000) / agreed)
    }
}

fn check(input: &AgreementInput) -> Result<()> {
    let mut errors = Vec::new();
    if !(1..=MAX_PRICE_FEN).contains(&input.unit_price_fen) {
        errors.push(FieldError::new(
            "unitPriceFen",
            format!("must be 1 to {MAX_PRICE_FEN} fen"),
            "单价须大于 0",
        ));
    }
    if input.valid_to < input.valid_from {
        errors.push(FieldError::new(
            "validTo",
            "must not be before validFrom",
            "截止日期不能早于起始日期",
        ));
    }
    match (input.vbp, input.vbp_annual_packs) {
        (true, Some(n)) if (1..=MAX_PACKS * 100).contains(&n) => {}
        (true, _) => errors.push(FieldError::new(
            "vbpAnnualPacks",
            "a 集采 agreement needs its agreed annual quantity in packs",
            "集采协议须填写约定年采购量（包装数）",
        )),
        (false, Some(_)) => errors.push(FieldError::new(
            "vbpAnnualPacks",
            "only 集采 agreements have an agreed quantity",
            "非集采协议不填约定采购量",
        )),
        (false, None) => {}
    }
    if let Some(m) = input.min_order_packs
        && !(1..=MAX_PACKS).contains(&m)
    {
        errors.push(FieldError::new(
            "minOrderPacks",
            format!("must be 1 to {MAX_PACKS}"),
            "最小起订量须为正数",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::invalid(errors))
    }
}

/// The agreement of (supplier, item, level) in force on `day`, if any.
pub(crate) async fn in_force(
    conn: &impl ConnectionTrait,
    supplier_id: Uuid,
    item_id: Uuid,
    level: i32,
    day: NaiveDate,
) -> Result<Option<price_agreement::Model>> {
    Ok(price_agreement::Entity::find()
        .filter(price_agreement::Column::SupplierId.eq(supplier_id))
        .filter(price_agreement::Column::ItemId.eq(item_id))
        .filter(price_agreement::Column::PackageLevel.eq(level))
        .filter(price_agreement::Column::ValidFrom.lte(day))
        .filter(price_agreement::Column::ValidTo.gte(day))
        .one(conn)
        .await?)
}

impl Backend {
    async fn agreement_views(
        &self,
        rows: Vec<price_agreement::Model>,
    ) -> Result<Vec<AgreementView>> {
        let ids: Vec<Uuid> = rows.iter().map(|a| a.id).collect();
        let conn = self.db.conn();
        let sums: Vec<(Option<Uuid>, Option<i64>)> = purchase_order_line::Entity::find()
            .select_only()
            .column(purchase_order_line::Column::AgreementId)
            .column_as(
                sea_orm::sea_query::Expr::cust("CAST(SUM(received_quantity) AS BIGINT)"),
                "received",
            )
            .filter(purchase_order_line::Column::AgreementId.is_in(ids))
            .group_by(purchase_order_line::Column::AgreementId)
            .into_tuple()
            .all(conn)
            .await?;
        let sums: HashMap<Uuid, i64> = sums
            .into_iter()
            .filter_map(|(id, n)| Some((id?, n.unwrap_or(0))))
            .collect();
        let keys: Vec<(Uuid, i32)> = rows.iter().map(|a| (a.item_id, a.package_level)).collect();
        let mut units: HashMap<(Uuid, i32), i64> = HashMap::new();
        if !keys.is_empty() {
            let item_ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
            for l in item_package_level::Entity::find()
                .filter(item_package_level::Column::ItemId.is_in(item_ids))
                .all(conn)
                .await?
            {
                units.insert((l.item_id, l.level), l.units_per_pack);
            }
        }
        Ok(rows
            .into_iter()
            .map(|a| {
                let per = units
                    .get(&(a.item_id, a.package_level))
                    .copied()
                    .unwrap_or(1)
                    .max(1);
                let received_packs = sums.get(&a.id).copied().unwrap_or(0) / per;
                AgreementView {
                    agreement: a,
                    received_packs,
                }
            })
            .collect())
    }

    pub async fn price_agreements(
        &self,
        caller: &Caller,
        filter: AgreementFilter,
    ) -> Result<Vec<AgreementView>> {
        authz::authorize(
            caller,
            Action::ReadProcurement,
            Scope::Community(caller.community_id),
        )?;
        let mut q = price_agreement::Entity::find()
            .filter(price_agreement::Column::CommunityId.eq(caller.community_id));
        if let Some(s) = filter.supplier_id {
            q = q.filter(price_agreement::Column::SupplierId.eq(s));
        }
        if let Some(i) = filter.item_id {
            q = q.filter(price_agreement::Column::ItemId.eq(i));
        }
        if let Some(d) = filter.in_force_on {
            q = q
                .filter(price_agreement::Column::ValidFrom.lte(d))
                .filter(price_agreement::Column::ValidTo.gte(d));
        }
        let rows = q
            .order_by_asc(price_agreement::Column::ItemId)
            .order_by_desc(price_agreement::Column::ValidFrom)
            .limit(2_000)
            .all(self.db.conn())
            .await?;
        self.agreement_views(rows).await
    }

    pub async fn price_agreement(&self, caller: &Caller, id: Uuid) -> Result<AgreementView> {
        authz::authorize(
            caller,
            Action::ReadProcurement,
            Scope::Community(caller.community_id),
        )?;
        let row = price_agreement::Entity::find_by_id(id)
            .one(self.db.conn())
            .await?
            .filter(|a| a.community_id == caller.community_id)
            .ok_or_else(|| Error::not_found("price agreement", id))?;
        self.agreement_views(vec![row])
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| Error::not_found("price agreement", id))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn create_price_agreement(
        &self,
        caller: &Caller,
        input: AgreementInput,
    ) -> Result<AgreementView> {
        authz::authorize(
            caller,
            Action::ManageProcurement,
            Scope::Community(caller.community_id),
        )?;
        check(&input)?;
        let conn = self.db.conn();
        let supplier = self
            .supplier_in_community(conn, caller, input.supplier_id)
            .await?;
        let item = item::Entity::find_by_id(input.item_id)
            .one(conn)
            .await?
            .filter(|i| i.community_id == caller.community_id)
            .ok_or_else(|| Error::not_found("item", input.item_id))?;
        item_package_level::Entity::find_by_id((item.id, input.package_level))
            .one(conn)
            .await?
            .ok_or_else(|| {
                Error::validation(
                    "packageLevel",
                    format!(
                        "{} has no package level {}",
                        item.generic_name, input.package_level
                    ),
                    format!(
                        "{} 没有第 {} 级包装",
                        item.generic_name, input.package_level
                    ),
                )
            })?;
        let row = self
            .run(
                Command {
                    operation: "createPriceAgreement",
                    user_id: caller.user_id,
                    idempotency: None,
                },
                async |txn, now| {
                    // The supplier row, locked, orders concurrent agreements
                    // of one supplier (PostgreSQL; SQLite has one writer), so
                    // two overlapping ones cannot both pass the check below.
                    supplier::Entity::find_by_id(supplier.id)
                        .lock_exclusive()
                        .one(&**txn)
                        .await?;
                    let overlapping = price_agreement::Entity::find()
                        .filter(price_agreement::Column::SupplierId.eq(supplier.id))
                        .filter(price_agreement::Column::ItemId.eq(item.id))
                        .filter(price_agreement::Column::PackageLevel.eq(input.package_level))
                        .filter(price_agreement::Column::ValidFrom.lte(input.valid_to))
                        .filter(price_agreement::Column::ValidTo.gte(input.valid_from))
                        .one(&**txn)
                        .await?;
                    if let Some(o) = overlapping {
                        return Err(Error::invalid(vec![FieldError::new(
                            "validFrom",
                            format!(
                                "{} already has an agreement for {} in force {} to {} at {} yuan; \
                                 end it first or choose dates outside it",
                                supplier.name,
                                item.generic_name,
                                o.valid_from,
                                o.valid_to,
                                yuan(o.unit_price_fen)
                            ),
                            format!(
                                "该供应商此品种已有 {} 至 {} 的协议价（{} 元），日期不能重叠",
                                o.valid_from,
                                o.valid_to,
                                yuan(o.unit_price_fen)
                            ),
                        )]));
                    }
                    let row = price_agreement::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        community_id: Set(caller.community_id),
                        supplier_id: Set(supplier.id),
                        item_id: Set(item.id),
                        package_level: Set(input.package_level),
                        unit_price_fen: Set(input.unit_price_fen),
                        valid_from: Set(input.valid_from),
                        valid_to: Set(input.valid_to),
                        vbp: Set(input.vbp),
                        vbp_annual_packs: Set(input.vbp_annual_packs),
                        min_order_packs: Set(input.min_order_packs.unwrap_or(1)),
                        created_by: Set(caller.user_id),
                        created_at: Set(now),
                    }
                    .insert(&**txn)
                    .await?;
                    Ok(Effect::Changed {
                        result_id: row.id,
                        audit: Audit {
                            institution_id: Some(caller.institution_id),
                            entity_type: "price_agreement",
                            entity_ids: vec![row.id, supplier.id, item.id],
                            detail: Some(serde_json::json!({
                                "unitPriceFen": row.unit_price_fen,
                                "validFrom": row.valid_from, "validTo": row.valid_to,
                                "vbp": row.vbp, "vbpAnnualPacks": row.vbp_annual_packs,
                            })),
                        },
                        value: row,
                    })
                },
            )
            .await?
            .once()?;
        self.agreement_views(vec![row])
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| Error::internal("agreement view lost"))
    }

    /// Ends an agreement early (a new tender result, a price cut): its last
    /// day becomes `valid_to`, which may not be before its first.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn end_price_agreement(
        &self,
        caller: &Caller,
        id: Uuid,
        valid_to: NaiveDate,
    ) -> Result<AgreementView> {
        authz::authorize(
            caller,
            Action::ManageProcurement,
            Scope::Community(caller.community_id),
        )?;
        let current = self.price_agreement(caller, id).await?.agreement;
        if valid_to < current.valid_from || valid_to > current.valid_to {
            return Err(Error::validation(
                "validTo",
                format!(
                    "must be between {} and {} (an agreement can be shortened, not extended)",
                    current.valid_from, current.valid_to
                ),
                format!(
                    "须在 {} 至 {} 之间（协议只能提前终止，不能延长）",
                    current.valid_from, current.valid_to
                ),
            ));
        }
        if valid_to == current.valid_to {
            return self.price_agreement(caller, id).await;
        }
        let id = self
            .run(
                Command {
                    operation: "endPriceAgreement",
                    user_id: caller.user_id,
                    idempotency: None,
                },
                async |txn, _now| {
                    let mut row: price_agreement::ActiveModel = current.clone().into();
                    row.valid_to = Set(valid_to);
                    let row = row.update(&**txn).await?;
                    Ok(Effect::Changed {
                        result_id: row.id,
                        audit: Audit {
                            institution_id: Some(caller.institution_id),
                            entity_type: "price_agreement",
                            entity_ids: vec![row.id],
                            detail: Some(serde_json::json!({
                                "validToBefore": current.valid_to, "validTo": valid_to,
                            })),
                        },
                        value: row,
                    })
                },
            )
            .await?
            .once()?
            .id;
        self.price_agreement(caller, id).await
    }
}
