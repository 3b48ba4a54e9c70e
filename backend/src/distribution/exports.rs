//! Distribution's paper: the pick list the warehouse walks a delivery run
//! with, and the delivery note (配送单) that travels with each shipment and
//! comes back signed. Written with procurement's sheet writer, and, like
//! procurement's documents, every download leaves an audit row.

use super::shipment::ShipmentView;
use crate::Backend;
use crate::authz::{self, Action, Caller, Scope};
use crate::entity::enums::{ShipmentKind, ShipmentStatus};
use crate::entity::{batch, delivery_run, item, item_package_level, shipment_line};
use crate::error::Result;
use crate::label::render_error;
use crate::procurement::sheets::{Cell, Sheet, workbook};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;
use uuid::Uuid;
use yaolian_labels::render;

/// What the lines of some shipments name: items, their package levels and
/// batches.
struct Catalogue {
    items: HashMap<Uuid, item::Model>,
    levels: HashMap<Uuid, Vec<item_package_level::Model>>,
    batches: HashMap<Uuid, batch::Model>,
}

impl Catalogue {
    async fn of<'a>(
        conn: &impl ConnectionTrait,
        lines: impl Iterator<Item = &'a shipment_line::Model>,
    ) -> Result<Catalogue> {
        let (mut item_ids, mut batch_ids): (Vec<Uuid>, Vec<Uuid>) =
            lines.map(|l| (l.item_id, l.batch_id)).unzip();
        for ids in [&mut item_ids, &mut batch_ids] {
            ids.sort();
            ids.dedup();
        }
        let mut out = Catalogue {
            items: HashMap::new(),
            levels: HashMap::new(),
            batches: HashMap::new(),
        };
        for chunk in item_ids.chunks(500) {
            for i in item::Entity::find()
                .filter(item::Column::Id.is_in(chunk.to_vec()))
                .all(conn)
                .await?
            {
                out.items.insert(i.id, i);
            }
            for l in item_package_level::Entity::find()
                .filter(item_package_level::Column::ItemId.is_in(chunk.to_vec()))
                .all(conn)
                .await?
            {
                out.levels.entry(l.item_id).or_default().push(l);
            }
        }
        for chunk in batch_ids.chunks(500) {
            for b in batch::Entity::find()
                .filter(batch::Column::Id.is_in(chunk.to_vec()))
                .all(conn)
                .await?
            {
                out.batches.insert(b.id, b);
            }
        }
        Ok(out)
    }

    fn item(&self, l: &shipment_line::Model) -> Option<&item::Model> {
        self.items.get(&l.item_id)
    }

    fn batch(&self, l: &shipment_line::Model) -> Option<&batch::Model> {
        self.batches.get(&l.batch_id)
    }

    fn text(&self, l: &shipment_line::Model, f: impl Fn(&item::Model) -> &str) -> Cell {
        Cell::Text(self.item(l).map(f).unwrap_or_default().to_string())
    }

    fn lot(&self, l: &shipment_line::Model) -> Cell {
        Cell::Text(
            self.batch(l)
                .map(|b| b.lot_number.clone())
                .unwrap_or_default(),
        )
    }

    fn expiry(&self, l: &shipment_line::Model) -> Cell {
        self.batch(l)
            .map_or(Cell::Empty, |b| Cell::Date(b.expiry_date))
    }

    fn packs(&self, l: &shipment_line::Model) -> Cell {
        let base_unit = self.item(l).map_or("", |i| i.base_unit.as_str());
        let levels = self.levels.get(&l.item_id).map_or(&[][..], Vec::as_slice);
        Cell::Text(packs(l.quantity, levels, base_unit))
    }

    fn cold_chain(&self, l: &shipment_line::Model) -> Cell {
        Cell::from(if self.item(l).is_some_and(|i| i.cold_chain) {
            "冷链"
        } else {
            ""
        })
    }
}

/// A quantity in base units as packs, for the person counting them: in the
/// largest package level that holds it a whole number of times ("2 箱"),
/// else in the smallest level with the rest in base units ("20 盒 + 5 粒"),
/// else in base units alone ("5 粒").
fn packs(quantity: i64, levels: &[item_package_level::Model], base_unit: &str) -> String {
    let mut levels: Vec<&item_package_level::Model> =
        levels.iter().filter(|l| l.units_per_pack > 0).collect();
    levels.sort_by_key(|l| (l.units_per_pack, l.level));
    if quantity > 0
        && let Some(l) = levels
            .iter()
            .rev()
            .find(|l| quantity % l.units_per_pack == 0)
    {
        return format!("{} {}", quantity / l.units_per_pack, l.name);
    }
    match levels.first() {
        Some(l) if quantity > l.units_per_pack => format!(
            "{} {} + {} {base_unit}",
            quantity / l.units_per_pack,
            l.name,
            quantity % l.units_per_pack
        ),
        _ => format!("{quantity} {base_unit}"),
    }
}

impl Backend {
    /// The pick list of a delivery run: for each of its shipments (not the
    /// cancelled ones), the lines to take off the shelves in first-expiry-
    /// first order, with the shipment number as a Code 128 barcode for the
    /// packer to scan.
    pub async fn export_pick_list(&self, caller: &Caller, run_id: Uuid) -> Result<Vec<u8>> {
        authz::authorize(
            caller,
            Action::ManageDistribution,
            Scope::Community(caller.community_id),
        )?;
        let view = self.delivery_run(caller, run_id).await?;
        let conn = self.db.conn();
        let shipments: Vec<&ShipmentView> = view
            .shipments
            .iter()
            .filter(|s| s.shipment.status != ShipmentStatus::Cancelled)
            .collect();
        let places = self
            .institutions_map(
                conn,
                shipments
                    .iter()
                    .map(|s| s.shipment.to_institution_id)
                    .chain([view.run.route_institution_id])
                    .collect(),
            )
            .await?;
        let name = |id: &Uuid| places.get(id).map(|i| i.name.clone()).unwrap_or_default();
        let cat = Catalogue::of(conn, shipments.iter().flat_map(|s| s.lines.iter())).await?;
        // Where the sender keeps each item: the shelf the picker walks to.
        let mut items_by_sender: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for s in &shipments {
            items_by_sender
                .entry(s.shipment.from_institution_id)
                .or_default()
                .extend(s.lines.iter().map(|l| l.item_id));
        }
        let mut shelves: HashMap<Uuid, HashMap<Uuid, String>> = HashMap::new();
        for (from, mut items) in items_by_sender {
            items.sort();
            items.dedup();
            shelves.insert(from, crate::location::codes_of(conn, from, &items).await?);
        }
        let mut rows = Vec::new();
        for s in &shipments {
            let shelf = shelves.get(&s.shipment.from_institution_id);
            let mut lines: Vec<&shipment_line::Model> = s.lines.iter().collect();
            lines.sort_by_key(|l| {
                let b = cat.batch(l);
                (
                    b.map(|b| b.expiry_date),
                    b.map(|b| b.lot_number.clone()),
                    l.line_no,
                )
            });
            let mut barcode =
                Some(render::code128_png(&s.shipment.number, &[]).map_err(render_error)?);
            let to = name(&s.shipment.to_institution_id);
            for l in lines {
                rows.push(vec![
                    Cell::Text(s.shipment.number.clone()),
                    Cell::Text(to.clone()),
                    cat.text(l, |i| &i.code),
                    cat.text(l, |i| &i.generic_name),
                    cat.text(l, |i| &i.strength),
                    cat.lot(l),
                    cat.expiry(l),
                    // An item without a place says so, for the picker to
                    // ask rather than guess.
                    shelf
                        .and_then(|c| c.get(&l.item_id))
                        .map_or(Cell::from("—"), |c| Cell::Text(c.clone())),
                    cat.packs(l),
                    Cell::Int(l.quantity),
                    cat.text(l, |i| &i.base_unit),
                    cat.cold_chain(l),
                    // The barcode once per shipment, on its first line.
                    barcode.take().map_or(Cell::Empty, Cell::Image),
                ]);
            }
        }
        let sheet = Sheet {
            name: view.run.number.clone(),
            heading: vec![
                (
                    "配送车次 Delivery run".into(),
                    Cell::Text(view.run.number.clone()),
                ),
                (
                    "计划日期 Planned date".into(),
                    Cell::Date(view.run.planned_date),
                ),
                (
                    "车辆/司机 Vehicle / driver".into(),
                    Cell::Text(view.run.vehicle_note.clone().unwrap_or_default()),
                ),
                (
                    "线路 Route".into(),
                    Cell::Text(name(&view.run.route_institution_id)),
                ),
                (
                    "配送单数 Shipments".into(),
                    Cell::Int(shipments.len() as i64),
                ),
            ],
            columns: vec![
                "配送单号",
                "收货单位",
                "编码",
                "通用名",
                "规格",
                "批号",
                "有效期至",
                "货位",
                "包装数量",
                "数量（基本单位）",
                "单位",
                "冷链",
                "配送单条码",
            ],
            rows,
            footer: vec![
                Vec::new(),
                vec![
                    Cell::from("拣货人（签字）"),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::from("复核人（签字）"),
                ],
            ],
        };
        let bytes = workbook(vec![sheet]).await?;
        self.audit_export(caller, "exportPickList", view.run.id)
            .await?;
        Ok(bytes)
    }

    /// The delivery note (配送单) of a shipment: sender, destination, what
    /// it carries batch by batch, and the lines the two sides sign.
    pub async fn export_delivery_note(
        &self,
        caller: &Caller,
        shipment_id: Uuid,
    ) -> Result<Vec<u8>> {
        let view = self.shipment(caller, shipment_id).await?;
        let s = &view.shipment;
        let conn = self.db.conn();
        let places = self
            .institutions_map(conn, vec![s.from_institution_id, s.to_institution_id])
            .await?;
        let name = |id: &Uuid| places.get(id).map(|i| i.name.clone()).unwrap_or_default();
        let run = match s.delivery_run_id {
            Some(id) => delivery_run::Entity::find_by_id(id)
                .one(conn)
                .await?
                .map(|r| r.number),
            None => None,
        };
        let cat = Catalogue::of(conn, view.lines.iter()).await?;
        let rows = view
            .lines
            .iter()
            .map(|l| {
                vec![
                    Cell::Int(i64::from(l.line_no)),
                    cat.text(l, |i| &i.code),
                    cat.text(l, |i| &i.generic_name),
                    cat.text(l, |i| &i.strength),
                    cat.lot(l),
                    cat.expiry(l),
                    Cell::Int(l.quantity),
                    cat.text(l, |i| &i.base_unit),
                    cat.packs(l),
                    cat.cold_chain(l),
                ]
            })
            .collect();
        let title = match s.kind {
            ShipmentKind::Delivery => "配送单 Delivery note",
            ShipmentKind::Return => "退货单 Return note",
        };
        let sheet = Sheet {
            name: s.number.clone(),
            heading: vec![
                (title.into(), Cell::Text(s.number.clone())),
                (
                    "发货单位 From".into(),
                    Cell::Text(name(&s.from_institution_id)),
                ),
                ("收货单位 To".into(), Cell::Text(name(&s.to_institution_id))),
                ("计划日期 Planned date".into(), Cell::Date(s.planned_date)),
                (
                    "配送车次 Delivery run".into(),
                    Cell::Text(run.unwrap_or_default()),
                ),
                (
                    "件数 Packages".into(),
                    Cell::Int(i64::from(s.package_count)),
                ),
                (
                    "备注 Note".into(),
                    Cell::Text(s.note.clone().unwrap_or_default()),
                ),
            ],
            columns: vec![
                "行",
                "编码",
                "通用名",
                "规格",
                "批号",
                "有效期至",
                "数量（基本单位）",
                "单位",
                "包装数量",
                "冷链",
            ],
            rows,
            footer: vec![
                Vec::new(),
                vec![
                    Cell::Empty,
                    Cell::from("发货人（签字）"),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::from("日期"),
                ],
                vec![
                    Cell::Empty,
                    Cell::from("收货人（签字）"),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::from("日期"),
                ],
            ],
        };
        let bytes = workbook(vec![sheet]).await?;
        self.audit_export(caller, "exportDeliveryNote", s.id)
            .await?;
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(level: i32, name: &str, units_per_pack: i64) -> item_package_level::Model {
        item_package_level::Model {
            item_id: Uuid::nil(),
            level,
            community_id: Uuid::nil(),
            name: name.into(),
            units_per_pack,
            trace_code_prefix: None,
        }
    }

    #[test]
    fn quantities_are_counted_in_the_largest_whole_pack() {
        let levels = [level(2, "箱", 2400), level(1, "盒", 24)];
        assert_eq!(packs(4800, &levels, "粒"), "2 箱");
        assert_eq!(packs(480, &levels, "粒"), "20 盒");
        assert_eq!(packs(485, &levels, "粒"), "20 盒 + 5 粒");
        assert_eq!(packs(20, &levels, "粒"), "20 粒");
        assert_eq!(packs(24, &levels, "粒"), "1 盒");
        // No levels, or nonsense ones: base units.
        assert_eq!(packs(7, &[], "支"), "7 支");
        assert_eq!(packs(7, &[level(1, "盒", 0)], "支"), "7 支");
    }
}
