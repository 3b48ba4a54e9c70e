//! The procurement documents as workbooks: the plan the buyers work from
//! and the purchase order a supplier receives.

use super::sheets::{Cell, Sheet, workbook};
use crate::Backend;
use crate::authz::{self, Action, Caller, Scope};
use crate::clock::business_date;
use crate::command::{Audit, Command, Effect};
use crate::entity::{institution, item, item_package_level};
use crate::error::{Error, Result};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;
use uuid::Uuid;

impl Backend {
    /// Who took a document out, and when: the audit trail keeps it.
    pub(crate) async fn audit_export(
        &self,
        caller: &Caller,
        what: &'static str,
        id: Uuid,
    ) -> Result<()> {
        self.run(
            Command {
                operation: what,
                user_id: caller.user_id,
                idempotency: None,
            },
            async |_txn, _now| {
                Ok(Effect::Changed {
                    value: (),
                    result_id: id,
                    audit: Audit {
                        institution_id: Some(caller.institution_id),
                        entity_type: "export",
                        entity_ids: vec![id],
                        detail: None,
                    },
                })
            },
        )
        .await?;
        Ok(())
    }

    /// `procurement-plan.xlsx`: every line with how it was computed.
    pub async fn export_procurement_plan(&self, caller: &Caller) -> Result<Vec<u8>> {
        let plan = self.procurement_plan(caller).await?;
        let suppliers: HashMap<Uuid, String> = self
            .suppliers(caller, None)
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        let today = business_date(plan.generated_at);
        let mut rows = Vec::new();
        let mut total = 0i64;
        for l in &plan.lines {
            let amount = l.amount_fen();
            total += amount.unwrap_or(0);
            rows.push(vec![
                Cell::from(l.item.code.as_str()),
                Cell::from(l.item.generic_name.as_str()),
                Cell::from(l.item.strength.as_str()),
                Cell::Text(format!("{:.1}", l.centre_amc)),
                Cell::Int(l.member_suggestions),
                Cell::Int(l.approved_requisitions),
                Cell::Int(l.centre_buffer),
                Cell::Int(l.centre_on_hand),
                Cell::Int(l.on_order),
                Cell::Int(l.need),
                Cell::Int(l.units_per_pack),
                Cell::Int(l.quantity_packs),
                Cell::Int(l.quantity),
                match &l.agreement {
                    Some(a) => {
                        Cell::Text(suppliers.get(&a.supplier_id).cloned().unwrap_or_default())
                    }
                    None => Cell::from("无有效协议 no agreement"),
                },
                l.agreement
                    .as_ref()
                    .map_or(Cell::Empty, |a| Cell::Yuan(a.unit_price_fen)),
                amount.map_or(Cell::Empty, Cell::Yuan),
                Cell::from(if l.agreement.as_ref().is_some_and(|a| a.vbp) {
                    "集采"
                } else {
                    ""
                }),
            ]);
        }
        let sheet = Sheet {
            name: "采购计划".into(),
            heading: vec![
                ("采购计划 Procurement plan".into(), Cell::Date(today)),
                ("行数 lines".into(), Cell::Int(plan.lines.len() as i64)),
                ("金额合计（元）total".into(), Cell::Yuan(total)),
            ],
            columns: vec![
                "编码",
                "通用名",
                "规格",
                "月均消耗",
                "成员建议量",
                "已批请领",
                "中心储备",
                "中心库存",
                "在途订单",
                "需求量",
                "每包装",
                "采购包装数",
                "采购数量",
                "供应商",
                "单价（元）",
                "金额（元）",
                "集采",
            ],
            rows,
            footer: Vec::new(),
        };
        let bytes = workbook(vec![sheet]).await?;
        self.audit_export(caller, "exportProcurementPlan", caller.community_id)
            .await?;
        Ok(bytes)
    }

    /// The purchase order as the supplier receives it.
    pub async fn export_purchase_order(&self, caller: &Caller, id: Uuid) -> Result<Vec<u8>> {
        authz::authorize(
            caller,
            Action::ReadProcurement,
            Scope::Community(caller.community_id),
        )?;
        let view = self.purchase_order(caller, id).await?;
        let conn = self.db.conn();
        let supplier = self
            .supplier_in_community(conn, caller, view.order.supplier_id)
            .await?;
        let centre = institution::Entity::find_by_id(view.order.institution_id)
            .one(conn)
            .await?
            .ok_or_else(|| Error::not_found("institution", view.order.institution_id))?;
        let ids: Vec<Uuid> = view.lines.iter().map(|l| l.item_id).collect();
        let items: HashMap<Uuid, item::Model> = item::Entity::find()
            .filter(item::Column::Id.is_in(ids.clone()))
            .all(conn)
            .await?
            .into_iter()
            .map(|i| (i.id, i))
            .collect();
        let levels: HashMap<(Uuid, i32), String> = item_package_level::Entity::find()
            .filter(item_package_level::Column::ItemId.is_in(ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|l| ((l.item_id, l.level), l.name))
            .collect();
        let rows = view
            .lines
            .iter()
            .map(|l| {
                let item = items.get(&l.item_id);
                vec![
                    Cell::Int(i64::from(l.line_no)),
                    Cell::Text(item.map(|i| i.code.clone()).unwrap_or_default()),
                    Cell::Text(item.map(|i| i.generic_name.clone()).unwrap_or_default()),
                    Cell::Text(item.map(|i| i.strength.clone()).unwrap_or_default()),
                    Cell::Text(
                        item.and_then(|i| i.manufacturer.clone())
                            .unwrap_or_default(),
                    ),
                    Cell::Text(
                        levels
                            .get(&(l.item_id, l.package_level))
                            .cloned()
                            .unwrap_or_default(),
                    ),
                    Cell::Int(l.ordered_packs),
                    Cell::Yuan(l.unit_price_fen),
                    Cell::Yuan(l.ordered_packs * l.unit_price_fen),
                    Cell::from(if l.agreement_id.is_some() {
                        "协议价"
                    } else {
                        ""
                    }),
                ]
            })
            .collect();
        let sheet = Sheet {
            name: view.order.number.clone(),
            heading: vec![
                (
                    "采购订单 Purchase order".into(),
                    Cell::Text(view.order.number.clone()),
                ),
                (
                    "日期 date".into(),
                    Cell::Date(business_date(
                        view.order.submitted_at.unwrap_or(view.order.created_at),
                    )),
                ),
                ("采购方 buyer".into(), Cell::Text(centre.name.clone())),
                ("供应商 supplier".into(), Cell::Text(supplier.name.clone())),
                ("统一社会信用代码".into(), Cell::Text(supplier.uscc.clone())),
                (
                    "药品经营许可证".into(),
                    Cell::Text(format!(
                        "{}（有效期至 {}）",
                        supplier.licence_number, supplier.licence_expiry
                    )),
                ),
                (
                    "联系人 contact".into(),
                    Cell::Text(format!(
                        "{} {}",
                        supplier.contact_name.clone().unwrap_or_default(),
                        supplier.contact_phone.clone().unwrap_or_default()
                    )),
                ),
                (
                    "备注 note".into(),
                    Cell::Text(view.order.note.clone().unwrap_or_default()),
                ),
            ],
            columns: vec![
                "行",
                "编码",
                "通用名",
                "规格",
                "生产企业",
                "包装",
                "数量",
                "单价（元）",
                "金额（元）",
                "协议价",
            ],
            rows,
            footer: vec![vec![
                Cell::Empty,
                Cell::Empty,
                Cell::from("合计 total"),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Yuan(view.total_fen()),
                Cell::Empty,
            ]],
        };
        let bytes = workbook(vec![sheet]).await?;
        self.audit_export(caller, "exportPurchaseOrder", view.order.id)
            .await?;
        Ok(bytes)
    }
}
