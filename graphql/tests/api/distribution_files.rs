//! Distribution's paper over HTTP: a delivery run's pick list, a
//! shipment's delivery note and its package labels. There is no GraphQL
//! API for distribution yet, so the run is made through the backend's
//! services, as the signed-in users, with the demo county's stock; the
//! downloads are then fetched as a client would.

use crate::common::{TestApp, error_code};
use calamine::Reader;
use chrono::{Duration, NaiveDate};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;
use uuid::Uuid;
use yaolian_backend::authz::Caller;
use yaolian_backend::distribution::{
    DeliveryRunInput, RequisitionInput, RequisitionLineInput, ShipmentView,
};
use yaolian_backend::entity::audit_log;

/// Demo item indexes: YP0001 (24 capsules a box, 100 boxes a case), and
/// YP0018 (insulin, one pen a box, cold chain).
const AMOXICILLIN: usize = 0;
const INSULIN: usize = 17;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 15).expect("date")
}

/// Signs `username` in over HTTP and returns the token and the caller the
/// backend makes of it.
async fn sign_in(app: &TestApp, username: &str) -> (String, Caller) {
    let token = app.login(username).await;
    let caller = app
        .backend
        .authenticate(&token)
        .await
        .expect("the session just made");
    (token, caller)
}

/// A requisition of one item by a member's pharmacist, submitted, approved
/// as asked by the centre's warehouse, and allocated.
async fn allocated(
    app: &TestApp,
    pharmacist: &Caller,
    warehouse: &Caller,
    institution: &str,
    item: &str,
    quantity: i64,
) -> ShipmentView {
    let b = &app.backend;
    let draft = b
        .create_requisition(
            pharmacist,
            RequisitionInput {
                institution_id: app.institution(institution).parse().expect("id"),
                lines: vec![RequisitionLineInput {
                    item_id: app.item(item).parse().expect("id"),
                    quantity,
                }],
                emergency: false,
                note: None,
            },
        )
        .await
        .expect("create requisition");
    let id = draft.requisition.id;
    b.submit_requisition(pharmacist, id)
        .await
        .expect("submit requisition");
    b.approve_requisition(warehouse, id, Vec::new())
        .await
        .expect("approve requisition");
    b.allocate_requisition(warehouse, id)
        .await
        .expect("allocate requisition")
}

struct Run {
    id: Uuid,
    number: String,
    /// Amoxicillin for the village clinic, two batches.
    village: ShipmentView,
    /// Insulin for its township centre: the cold chain.
    township: ShipmentView,
}

/// The 青山镇 route's run for tomorrow: 500 capsules for 东岭村 and 10 pens
/// of insulin for the township centre.
async fn planned_run(app: &TestApp) -> Run {
    let (_, village) = sign_in(app, "pharmacist.vc0101").await;
    let (_, township) = sign_in(app, "pharmacist.th01").await;
    let (_, warehouse) = sign_in(app, "warehouse").await;
    let v = allocated(app, &village, &warehouse, "DEMO-VC0101", "YP0001", 500).await;
    let t = allocated(app, &township, &warehouse, "DEMO-TH01", "YP0018", 10).await;
    let run = app
        .backend
        .plan_delivery_run(
            &warehouse,
            DeliveryRunInput {
                route_institution_id: app.institution("DEMO-TH01").parse().expect("id"),
                planned_date: today() + Duration::days(1),
                vehicle_note: Some("皖A·D1234 张师傅".into()),
                shipment_ids: None,
            },
        )
        .await
        .expect("plan the run");
    let mut on_run: Vec<Uuid> = run.shipments.iter().map(|s| s.shipment.id).collect();
    on_run.sort();
    let mut ours = vec![v.shipment.id, t.shipment.id];
    ours.sort();
    assert_eq!(on_run, ours, "the route's two shipments are on the run");
    Run {
        id: run.run.id,
        number: run.run.number,
        village: v,
        township: t,
    }
}

async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
}

/// Every cell of the workbook's only sheet as text, row by row.
async fn sheet(resp: reqwest::Response) -> (String, Vec<Vec<String>>, Vec<u8>) {
    let bytes = resp.bytes().await.expect("body").to_vec();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).expect("an xlsx");
    let names = book.sheet_names();
    assert_eq!(names.len(), 1, "{names:?}");
    let range = book.worksheet_range(&names[0]).expect("the sheet");
    assert_eq!(range.start(), Some((0, 0)));
    let cells = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    (names[0].clone(), cells, bytes)
}

/// The table under the header row that starts with `first`: each row as
/// (column name → text).
fn table<'a>(cells: &'a [Vec<String>], first: &str) -> Vec<Vec<(&'a str, &'a str)>> {
    let at = cells
        .iter()
        .position(|r| r.first().is_some_and(|c| c == first))
        .unwrap_or_else(|| panic!("no header row {first:?} in {cells:?}"));
    let header = &cells[at];
    cells[at + 1..]
        .iter()
        .take_while(|r| r.iter().any(|c| !c.is_empty()))
        .map(|r| {
            header
                .iter()
                .map(String::as_str)
                .zip(r.iter().map(String::as_str))
                .collect()
        })
        .collect()
}

fn col<'a>(row: &[(&str, &'a str)], name: &str) -> &'a str {
    row.iter()
        .find(|(h, _)| *h == name)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("no column {name:?} in {row:?}"))
}

fn heading<'a>(cells: &'a [Vec<String>], label: &str) -> &'a str {
    cells
        .iter()
        .find(|r| r.first().is_some_and(|c| c == label))
        .and_then(|r| r.get(1))
        .map(String::as_str)
        .unwrap_or_else(|| panic!("no heading {label:?} in {cells:?}"))
}

async fn exports(app: &TestApp, operation: &str, id: Uuid) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Operation.eq(operation))
        .filter(audit_log::Column::EntityIds.contains(id.to_string()))
        .count(app.backend.db().conn())
        .await
        .expect("audit rows")
}

fn disposition(resp: &reqwest::Response) -> &str {
    resp.headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_pick_list_lists_each_shipment_first_expiry_first_with_its_barcode() {
    let app = TestApp::spawn().await;
    let run = planned_run(&app).await;
    let (warehouse, _) = sign_in(&app, "warehouse").await;

    let resp = get(
        &app,
        &warehouse,
        &format!("/exports/pick-lists/{}.xlsx", run.id),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], XLSX);
    assert_eq!(
        disposition(&resp),
        format!("attachment; filename=\"{}.xlsx\"", run.number)
    );
    let (name, cells, bytes) = sheet(resp).await;
    assert_eq!(name, run.number);
    assert_eq!(heading(&cells, "配送车次 Delivery run"), run.number);
    assert_eq!(
        heading(&cells, "车辆/司机 Vehicle / driver"),
        "皖A·D1234 张师傅"
    );
    assert_eq!(heading(&cells, "线路 Route"), "青山镇卫生院");
    assert_eq!(heading(&cells, "配送单数 Shipments"), "2");

    let rows = table(&cells, "配送单号");
    assert_eq!(rows.len(), 3, "{rows:?}");
    let village: Vec<_> = rows
        .iter()
        .filter(|r| col(r, "配送单号") == run.village.shipment.number)
        .collect();
    // 500 capsules: the 480 of the batch that expires first (200 days),
    // then 20 of the later one (540 days), in that order.
    assert_eq!(village.len(), 2, "{rows:?}");
    let (first, second) = (village[0], village[1]);
    assert_eq!(col(first, "收货单位"), "青山镇东岭村卫生室");
    assert_eq!(col(first, "编码"), "YP0001");
    assert_eq!(col(first, "通用名"), "阿莫西林胶囊");
    assert_eq!(col(first, "规格"), "0.25g");
    assert_eq!(
        col(first, "批号"),
        yaolian_seed::demo_lot(today(), AMOXICILLIN, 1)
    );
    // The demo's shelf for the first item.
    assert_eq!(col(first, "货位"), "LOC-A-01-05");
    assert_eq!(col(first, "数量（基本单位）"), "480");
    assert_eq!(col(first, "包装数量"), "20 盒");
    assert_eq!(col(first, "单位"), "粒");
    assert_eq!(col(first, "冷链"), "");
    assert_eq!(
        col(second, "批号"),
        yaolian_seed::demo_lot(today(), AMOXICILLIN, 0)
    );
    assert_eq!(col(second, "数量（基本单位）"), "20");
    assert_eq!(col(second, "包装数量"), "20 粒");

    let insulin = rows
        .iter()
        .find(|r| col(r, "配送单号") == run.township.shipment.number)
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert_eq!(col(insulin, "收货单位"), "青山镇卫生院");
    assert_eq!(col(insulin, "编码"), "YP0018");
    // Its 34-day batch is too short-dated for a member; the 89-day one goes.
    assert_eq!(
        col(insulin, "批号"),
        yaolian_seed::demo_lot(today(), INSULIN, 0)
    );
    assert_eq!(col(insulin, "数量（基本单位）"), "10");
    assert_eq!(col(insulin, "包装数量"), "10 盒");
    assert_eq!(col(insulin, "冷链"), "冷链");

    // One barcode picture per shipment.
    let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let pictures = zip
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| n.starts_with("xl/media/") && n.ends_with(".png"))
        .count();
    assert_eq!(pictures, 2);
    assert_eq!(exports(&app, "exportPickList", run.id).await, 1);

    // Only the centre's warehouse and buyers pick: not a doctor of another
    // member, nor the clinic the goods are for.
    for username in ["doctor", "pharmacist.vc0101"] {
        let (token, _) = sign_in(&app, username).await;
        let refused = get(
            &app,
            &token,
            &format!("/exports/pick-lists/{}.xlsx", run.id),
        )
        .await;
        assert_eq!(refused.status(), 403, "{username}");
        let body: Value = refused.json().await.expect("JSON");
        assert_eq!(error_code(&body), "FORBIDDEN");
    }
    assert_eq!(exports(&app, "exportPickList", run.id).await, 1);
    let missing = get(
        &app,
        &warehouse,
        &format!("/exports/pick-lists/{}.xlsx", Uuid::now_v7()),
    )
    .await;
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn the_delivery_note_goes_to_whoever_may_see_the_shipment() {
    let app = TestApp::spawn().await;
    let run = planned_run(&app).await;
    let shipment = &run.village.shipment;
    let path = format!("/exports/delivery-notes/{}.xlsx", shipment.id);

    // The clinic it is addressed to may have it.
    let (clinic, _) = sign_in(&app, "pharmacist.vc0101").await;
    let resp = get(&app, &clinic, &path).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], XLSX);
    assert_eq!(
        disposition(&resp),
        format!("attachment; filename=\"{}.xlsx\"", shipment.number)
    );
    let (_, cells, _) = sheet(resp).await;
    assert_eq!(heading(&cells, "配送单 Delivery note"), shipment.number);
    assert_eq!(heading(&cells, "收货单位 To"), "青山镇东岭村卫生室");
    assert_eq!(heading(&cells, "配送车次 Delivery run"), run.number);
    assert_eq!(heading(&cells, "件数 Packages"), "1");
    let rows = table(&cells, "行");
    assert_eq!(rows.len(), 2, "{rows:?}");
    let lot = |n: usize| yaolian_seed::demo_lot(today(), AMOXICILLIN, n);
    let line = |lot: &str| {
        rows.iter()
            .find(|r| col(r, "批号") == lot)
            .unwrap_or_else(|| panic!("no line of lot {lot} in {rows:?}"))
    };
    assert_eq!(col(line(&lot(1)), "数量（基本单位）"), "480");
    assert_eq!(col(line(&lot(1)), "包装数量"), "20 盒");
    assert_eq!(col(line(&lot(1)), "通用名"), "阿莫西林胶囊");
    assert_eq!(col(line(&lot(0)), "数量（基本单位）"), "20");
    assert_eq!(col(line(&lot(0)), "包装数量"), "20 粒");
    let all: Vec<&str> = cells.iter().flatten().map(String::as_str).collect();
    assert!(all.contains(&"发货人（签字）"), "{all:?}");
    assert!(all.contains(&"收货人（签字）"), "{all:?}");
    assert_eq!(exports(&app, "exportDeliveryNote", shipment.id).await, 1);

    // The centre may; a doctor of another member may not.
    let (warehouse, _) = sign_in(&app, "warehouse").await;
    assert_eq!(get(&app, &warehouse, &path).await.status(), 200);
    let (doctor, _) = sign_in(&app, "doctor").await;
    let refused = get(&app, &doctor, &path).await;
    assert_eq!(refused.status(), 403);
    let body: Value = refused.json().await.expect("JSON");
    assert_eq!(error_code(&body), "FORBIDDEN");
}

#[tokio::test]
async fn package_labels_carry_the_shipment_number_and_k_of_n() {
    let app = TestApp::spawn().await;
    let run = planned_run(&app).await;
    let (warehouse, _) = sign_in(&app, "warehouse").await;
    let village = &run.village.shipment;
    let township = &run.township.shipment;

    let svg = get(
        &app,
        &warehouse,
        &format!("/labels/shipment/{}.svg", village.id),
    )
    .await;
    assert_eq!(svg.status(), 200);
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    let text = svg.text().await.expect("SVG");
    assert!(text.starts_with("<svg"), "{text}");
    assert!(text.contains(&village.number), "{text}");
    assert!(text.contains("青山镇东岭村卫生室"), "{text}");
    assert!(text.contains("第 1 / 1 件"), "{text}");
    assert!(!text.contains("冷链"), "amoxicillin is not cold chain");

    let cold = get(
        &app,
        &warehouse,
        &format!("/labels/shipment/{}.svg?package=1", township.id),
    )
    .await;
    assert_eq!(cold.status(), 200);
    let text = cold.text().await.expect("SVG");
    assert!(text.contains(&township.number), "{text}");
    assert!(text.contains("冷链 COLD CHAIN"), "{text}");

    let png = get(
        &app,
        &warehouse,
        &format!("/labels/shipment/{}.png", village.id),
    )
    .await;
    assert_eq!(png.status(), 200);
    assert_eq!(png.headers()["content-type"], "image/png");
    let bytes = png.bytes().await.expect("PNG");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");

    // A package the shipment does not have, or no number at all.
    for query in ["package=3", "package=0", "package=abc"] {
        let bad = get(
            &app,
            &warehouse,
            &format!("/labels/shipment/{}.svg?{query}", village.id),
        )
        .await;
        assert_eq!(bad.status(), 422, "{query}");
        assert_eq!(bad.headers()["content-type"], "application/json");
        let body: Value = bad.json().await.expect("JSON");
        assert_eq!(error_code(&body), "VALIDATION", "{query}: {body}");
    }
    let gif = get(
        &app,
        &warehouse,
        &format!("/labels/shipment/{}.gif", village.id),
    )
    .await;
    assert_eq!(gif.status(), 422);

    // The label says where the goods go: not for a doctor of another member.
    let (doctor, _) = sign_in(&app, "doctor").await;
    let refused = get(
        &app,
        &doctor,
        &format!("/labels/shipment/{}.svg", village.id),
    )
    .await;
    assert_eq!(refused.status(), 403);
}

const SET_LOCATION: &str = "mutation($input: SetItemLocationInput!) { setItemLocation(input: $input) { institutionId itemId location } }";

#[tokio::test]
async fn the_pick_list_sends_the_picker_to_each_items_shelf() {
    let app = TestApp::spawn().await;
    let run = planned_run(&app).await;
    let (warehouse, _) = sign_in(&app, "warehouse").await;
    let centre = app.institution("DEMO-LC");
    let set = async |token: &str, item: &str, location: Value| {
        app.gql(
            Some(token),
            SET_LOCATION,
            serde_json::json!({ "input": {
                "institutionId": centre, "itemId": app.item(item), "location": location
            }}),
        )
        .await
    };

    // Typed in lower case from a shelf label: stored as the label's code.
    let moved = set(&warehouse, "YP0001", "loc-c-09-02".into()).await;
    assert_eq!(
        moved["data"]["setItemLocation"]["location"], "LOC-C-09-02",
        "{moved}"
    );
    // Off its shelf: the picker is told there is none.
    let cleared = set(&warehouse, "YP0018", Value::Null).await;
    assert_eq!(cleared["data"]["setItemLocation"]["location"], Value::Null);
    // Not a location code: refused, and nothing moves.
    let bad = set(&warehouse, "YP0001", "shelf 3".into()).await;
    assert_eq!(error_code(&bad), "VALIDATION", "{bad}");
    assert!(
        bad["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("LOC-")),
        "{bad}"
    );
    // A clinic's pharmacist does not arrange the centre's shelves.
    let (pharmacist, _) = sign_in(&app, "pharmacist.vc0101").await;
    let refused = set(&pharmacist, "YP0001", "LOC-Z-01".into()).await;
    assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");

    let resp = get(
        &app,
        &warehouse,
        &format!("/exports/pick-lists/{}.xlsx", run.id),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let (_, cells, _) = sheet(resp).await;
    let rows = table(&cells, "配送单号");
    let shelf_of = |number: &str| -> Vec<&str> {
        rows.iter()
            .filter(|r| col(r, "配送单号") == number)
            .map(|r| col(r, "货位"))
            .collect()
    };
    assert_eq!(
        shelf_of(&run.village.shipment.number),
        ["LOC-C-09-02", "LOC-C-09-02"]
    );
    assert_eq!(shelf_of(&run.township.shipment.number), ["—"]);

    // The same on the shipment's lines, which the printed pick list reads;
    // the receiving clinic may see where the centre picked.
    let lines = app
        .gql(
            Some(&pharmacist),
            "query($id: ID!) { shipment(id: $id) { lines { item { code } location } } }",
            serde_json::json!({ "id": run.village.shipment.id.to_string() }),
        )
        .await;
    let lines = lines["data"]["shipment"]["lines"]
        .as_array()
        .unwrap_or_else(|| panic!("{lines}"))
        .clone();
    assert_eq!(lines.len(), 2);
    for l in &lines {
        assert_eq!(l["location"], "LOC-C-09-02", "{l}");
    }
}
