//! Distribution over HTTP with the demo county: requisitions, approval with
//! a reduction, FEFO allocation against batches set up here, dispatch,
//! receipt by real scans with discrepancies, their resolution, returns and
//! transfers, and the ledger's balance across the centre, transit and
//! members.

use crate::common::{TestApp, error_code};
use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};
use std::sync::Arc;
use yaolian_backend::clock::Clock;
use yaolian_seed::demo_gtin;

/// YP0001, 24 units a box, stocked from village clinics up.
const ITEM: usize = 0;
/// YP0048: county hospital only.
const COUNTY_ONLY: &str = "YP0048";

const REQ_FIELDS: &str = "id number status emergency onBehalf backorder institution { id }
    createdByInstitution { id }
    lines { id item { id } quantity approvedQuantity reductionReason allocatedQuantity backorder }";
const SHIP_FIELDS: &str = "id number status kind inTransit from { id } to { id } requisitionId
    lines { id item { id } batch { id lotNumber expiryDate } quantity scannedQuantity receivedQuantity lostQuantity }
    discrepancies { id lineId kind quantity resolution }";

fn today(app: &TestApp) -> NaiveDate {
    yaolian_backend::clock::business_date(app.clock.now())
}

fn yymmdd(d: NaiveDate) -> String {
    format!("{:02}{:02}{:02}", d.year() % 100, d.month(), d.day())
}

fn gs1(item: usize, lot: &str, expiry: NaiveDate) -> String {
    format!("010{}17{}10{lot}", demo_gtin(item), yymmdd(expiry))
}

/// A batch of `item` made here, with `units` at the centre at 10 fen a
/// unit: the FEFO cases need expiries of their own.
async fn centre_batch(
    app: &TestApp,
    item: usize,
    lot: &str,
    expiry: NaiveDate,
    quarantined: bool,
    units: i64,
) -> String {
    use sea_orm::{ActiveModelTrait, Set};
    use yaolian_backend::enums::{BatchStatus, MovementKind};
    use yaolian_backend::ledger::{self, Actor, Posting};
    let db = app.backend.db();
    let now = app.clock.now();
    let id = uuid::Uuid::now_v7();
    let item_id: uuid::Uuid = app.item(&format!("YP{:04}", item + 1)).parse().unwrap();
    yaolian_backend::entity::batch::ActiveModel {
        id: Set(id),
        item_id: Set(item_id),
        lot_number: Set(lot.into()),
        expiry_date: Set(expiry),
        production_date: Set(None),
        status: Set(BatchStatus::Available),
        created_at: Set(now),
    }
    .insert(db.conn())
    .await
    .unwrap();
    let txn = db.begin_write().await.unwrap();
    ledger::post(
        &txn,
        Actor {
            user_id: app.county.users["warehouse"],
            now,
        },
        Posting {
            institution_id: app.institution("DEMO-LC").parse().unwrap(),
            batch_id: id,
            quantity: units,
            kind: MovementKind::Opening,
            document: None,
            reason: None,
            unit_cost_fen: Some(10),
            occurred_at: None,
        },
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    if quarantined {
        use sea_orm::{EntityTrait, IntoActiveModel};
        let mut b = yaolian_backend::entity::batch::Entity::find_by_id(id)
            .one(db.conn())
            .await
            .unwrap()
            .unwrap()
            .into_active_model();
        b.status = Set(BatchStatus::Quarantined);
        b.update(db.conn()).await.unwrap();
    }
    id.to_string()
}

/// Takes the demo's own centre stock of the item away, so only the
/// batches a test makes are there.
async fn clear_centre(app: &TestApp, warehouse: &str, item: usize) {
    let centre = app.institution("DEMO-LC");
    for j in 0..3 {
        let lot = yaolian_seed::demo_lot(today(app), item, j);
        let Some(batch) = app.county.batches.get(&lot) else {
            continue;
        };
        let batch = batch.to_string();
        let (on_hand, _, _) = app.balance(warehouse, &centre, &batch).await;
        if on_hand > 0 {
            let body = app
                .adjust(
                    warehouse,
                    &centre,
                    &batch,
                    -on_hand,
                    "moved out for the test",
                    &format!("clear-{lot}"),
                )
                .await;
            assert!(body["errors"].is_null(), "{body}");
        }
    }
}

struct Desk {
    app: Arc<TestApp>,
    warehouse: String,
}

impl Desk {
    async fn new() -> Desk {
        let app = Arc::new(TestApp::spawn().await);
        let warehouse = app.login("warehouse").await;
        Desk { app, warehouse }
    }

    async fn requisition(&self, who: &str, institution: &str, lines: &[(&str, i64)]) -> Value {
        let token = self.app.login(who).await;
        self.app
            .gql(
                Some(&token),
                &format!(
                    "mutation($input: CreateRequisitionInput!) {{ createRequisition(input: $input) {{ {REQ_FIELDS} }} }}"
                ),
                json!({ "input": {
                    "institutionId": self.app.institution(institution),
                    "lines": lines.iter().map(|(code, q)| json!({
                        "itemId": self.app.item(code), "quantity": q,
                    })).collect::<Vec<_>>(),
                }}),
            )
            .await
    }

    async fn submitted(&self, who: &str, institution: &str, lines: &[(&str, i64)]) -> Value {
        let body = self.requisition(who, institution, lines).await;
        let r = &body["data"]["createRequisition"];
        assert_eq!(r["status"], "DRAFT", "{body}");
        let token = self.app.login(who).await;
        let body = self
            .app
            .gql(
                Some(&token),
                &format!("mutation($id: ID!) {{ submitRequisition(id: $id) {{ {REQ_FIELDS} }} }}"),
                json!({ "id": r["id"] }),
            )
            .await;
        assert_eq!(
            body["data"]["submitRequisition"]["status"], "SUBMITTED",
            "{body}"
        );
        body["data"]["submitRequisition"].clone()
    }

    async fn approve(&self, id: &Value, lines: Value) -> Value {
        self.app
            .gql(
                Some(&self.warehouse),
                &format!(
                    "mutation($input: ApproveRequisitionInput!) {{ approveRequisition(input: $input) {{ {REQ_FIELDS} }} }}"
                ),
                json!({ "input": { "id": id, "lines": lines } }),
            )
            .await
    }

    async fn requisition_now(&self, id: &Value) -> Value {
        let body = self
            .app
            .gql(
                Some(&self.warehouse),
                &format!("query($id: ID!) {{ requisition(id: $id) {{ {REQ_FIELDS} }} }}"),
                json!({ "id": id }),
            )
            .await;
        body["data"]["requisition"].clone()
    }

    async fn allocate(&self, id: &Value) -> Value {
        self.app
            .gql(
                Some(&self.warehouse),
                &format!(
                    "mutation($id: ID!) {{ allocateRequisition(id: $id) {{ {SHIP_FIELDS} }} }}"
                ),
                json!({ "id": id }),
            )
            .await
    }

    async fn scan(
        &self,
        token: &str,
        shipment: &Value,
        barcode: &str,
        quantity: Option<i64>,
        key: &str,
    ) -> Value {
        self.app
            .gql(
                Some(token),
                &format!(
                    "mutation($input: ReceiveShipmentScanInput!) {{ receiveShipmentScan(input: $input) {{
                        expected scanned line {{ id scannedQuantity }} shipment {{ {SHIP_FIELDS} }} }} }}"
                ),
                json!({ "input": {
                    "shipmentId": shipment["id"], "barcode": barcode,
                    "quantity": quantity, "clientRequestId": key,
                }}),
            )
            .await
    }
}

fn picks(shipment: &Value) -> Vec<(String, i64)> {
    shipment["lines"]
        .as_array()
        .unwrap_or_else(|| panic!("{shipment}"))
        .iter()
        .map(|l| {
            (
                l["batch"]["id"].as_str().unwrap().to_string(),
                l["quantity"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn line_of<'a>(shipment: &'a Value, batch: &str) -> &'a Value {
    shipment["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["batch"]["id"] == batch)
        .unwrap_or_else(|| panic!("no line of {batch} in {shipment}"))
}

#[tokio::test]
async fn two_clinics_share_a_scarce_item_fefo_backorder_dispatch_and_scanned_receipt() {
    let desk = Desk::new().await;
    let app = desk.app.clone();
    let wh = desk.warehouse.clone();
    let centre = app.institution("DEMO-LC");
    let vc0101 = app.institution("DEMO-VC0101");
    let t = today(&app);
    clear_centre(&app, &wh, ITEM).await;
    // 40 days left at delivery: below the 60-day minimum for a clinic.
    let short = centre_batch(&app, ITEM, "SHORT40", t + Duration::days(41), false, 100).await;
    let quarantined = centre_batch(&app, ITEM, "QTN200", t + Duration::days(200), true, 100).await;
    let b = centre_batch(&app, ITEM, "B120", t + Duration::days(120), false, 30).await;
    let c = centre_batch(&app, ITEM, "C300", t + Duration::days(300), false, 50).await;
    let code = "YP0001";

    let r1 = desk
        .submitted("pharmacist.vc0101", "DEMO-VC0101", &[(code, 60)])
        .await;
    let r2 = desk
        .submitted("pharmacist.vc0201", "DEMO-VC0201", &[(code, 80)])
        .await;

    // A reduction needs its reason; nothing is written without it.
    let line2 = r2["lines"][0]["id"].clone();
    let refused = desk
        .approve(
            &r2["id"],
            json!([{ "lineId": line2, "approvedQuantity": 40 }]),
        )
        .await;
    assert_eq!(error_code(&refused), "VALIDATION", "{refused}");
    assert_eq!(
        refused["errors"][0]["extensions"]["field"],
        "lines.0.reason"
    );
    assert_eq!(desk.requisition_now(&r2["id"]).await["status"], "SUBMITTED");
    let approved = desk
        .approve(
            &r2["id"],
            json!([{ "lineId": line2, "approvedQuantity": 40, "reason": "库存紧张，先配一半" }]),
        )
        .await;
    let a2 = &approved["data"]["approveRequisition"];
    assert_eq!(a2["status"], "APPROVED", "{approved}");
    assert_eq!(a2["lines"][0]["approvedQuantity"], 40);
    assert_eq!(a2["lines"][0]["reductionReason"], "库存紧张，先配一半");
    let approved = desk.approve(&r1["id"], json!([])).await;
    assert_eq!(
        approved["data"]["approveRequisition"]["lines"][0]["approvedQuantity"],
        60
    );

    // Both at once: the older first. B (expiring first) then C; the short
    // batch and the quarantined one are passed over.
    let both = app
        .gql(
            Some(&wh),
            &format!(
                "mutation($ids: [ID!]!) {{ allocateRequisitions(ids: $ids) {{ shipments {{ {SHIP_FIELDS} }} backorderedRequisitionIds }} }}"
            ),
            json!({ "ids": [r2["id"], r1["id"]] }),
        )
        .await;
    let shipments = both["data"]["allocateRequisitions"]["shipments"]
        .as_array()
        .unwrap_or_else(|| panic!("{both}"))
        .clone();
    assert_eq!(shipments.len(), 2, "{both}");
    let s1 = shipments
        .iter()
        .find(|s| s["to"]["id"] == vc0101)
        .unwrap()
        .clone();
    let s2 = shipments
        .iter()
        .find(|s| s["to"]["id"] != vc0101)
        .unwrap()
        .clone();
    assert_eq!(picks(&s1), vec![(b.clone(), 30), (c.clone(), 30)]);
    assert_eq!(picks(&s2), vec![(c.clone(), 20)]);
    for s in [&s1, &s2] {
        assert!(
            picks(s)
                .iter()
                .all(|(id, _)| *id != short && *id != quarantined)
        );
    }
    let r2_now = desk.requisition_now(&r2["id"]).await;
    assert_eq!(r2_now["status"], "ALLOCATED");
    assert_eq!(r2_now["backorder"], 20);
    assert_eq!(r2_now["lines"][0]["allocatedQuantity"], 20);
    assert_eq!(app.balance(&wh, &centre, &c).await, (50, 50, 0));
    assert_eq!(app.balance(&wh, &centre, &b).await, (30, 30, 0));

    // Nothing left that fits: the backorder stays, nothing is written.
    let none = desk.allocate(&r2["id"]).await;
    assert_eq!(error_code(&none), "INSUFFICIENT_STOCK", "{none}");
    // New stock arrives; the next allocation fills the backorder from it.
    let d = centre_batch(&app, ITEM, "D400", t + Duration::days(400), false, 100).await;
    let second = desk.allocate(&r2["id"]).await;
    assert_eq!(
        picks(&second["data"]["allocateRequisition"]),
        vec![(d.clone(), 20)],
        "{second}"
    );
    assert_eq!(desk.requisition_now(&r2["id"]).await["backorder"], 0);

    // Dispatch: out of the centre, into transit.
    let body = app
        .gql(
            Some(&wh),
            &format!("mutation($id: ID!) {{ dispatchShipment(id: $id) {{ {SHIP_FIELDS} }} }}"),
            json!({ "id": s1["id"] }),
        )
        .await;
    let s1 = body["data"]["dispatchShipment"].clone();
    assert_eq!(s1["status"], "DISPATCHED", "{body}");
    assert_eq!(s1["inTransit"], 60);
    assert_eq!(app.balance(&wh, &centre, &b).await, (0, 0, 0));
    assert_eq!(app.balance(&wh, &centre, &c).await, (20, 20, 0));
    assert_eq!(
        desk.requisition_now(&r1["id"]).await["status"],
        "DISPATCHED"
    );
    app.assert_ledger_consistent().await;
    // The clinic sees it coming, line by line, and on its stock rows.
    let ph = app.login("pharmacist.vc0101").await;
    let body = app
        .gql(
            Some(&ph),
            "query($i: ID!) { stockInTransit(institutionId: $i) { shipmentNumber quantity batch { id } } }",
            json!({ "i": vc0101 }),
        )
        .await;
    let coming: Vec<(String, i64)> = body["data"]["stockInTransit"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|l| {
            (
                l["batch"]["id"].as_str().unwrap().to_string(),
                l["quantity"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(coming, vec![(b.clone(), 30), (c.clone(), 30)], "{body}");

    // Receipt at the clinic, scan by scan.
    let other = app.login("pharmacist.vc0102").await;
    let c_code = gs1(ITEM, "C300", t + Duration::days(300));
    let b_code = gs1(ITEM, "B120", t + Duration::days(120));
    let denied = desk.scan(&other, &s1, &c_code, Some(24), "other-1").await;
    assert_eq!(error_code(&denied), "FORBIDDEN", "{denied}");
    let wrong_batch = desk
        .scan(
            &ph,
            &s1,
            &gs1(ITEM, "D400", t + Duration::days(400)),
            None,
            "w-1",
        )
        .await;
    assert_eq!(error_code(&wrong_batch), "WRONG_BATCH", "{wrong_batch}");
    let wrong_item = desk
        .scan(
            &ph,
            &s1,
            &gs1(1, "X1", t + Duration::days(400)),
            None,
            "w-2",
        )
        .await;
    assert_eq!(error_code(&wrong_item), "NOT_ON_SHIPMENT", "{wrong_item}");
    let first = desk.scan(&ph, &s1, &c_code, Some(24), "scan-1").await;
    let progress = &first["data"]["receiveShipmentScan"];
    assert_eq!(progress["expected"], 60, "{first}");
    assert_eq!(progress["scanned"], 24);
    assert_eq!(progress["line"]["scannedQuantity"], 24);
    // The scanner sends it again: counted once.
    let replay = desk.scan(&ph, &s1, &c_code, Some(24), "scan-1").await;
    assert_eq!(
        replay["data"]["receiveShipmentScan"]["scanned"], 24,
        "{replay}"
    );
    let body = desk.scan(&ph, &s1, &b_code, Some(30), "scan-2").await;
    assert_eq!(body["data"]["receiveShipmentScan"]["scanned"], 54, "{body}");

    // 6 of C never came; 6 of B came broken.
    let b_line = line_of(&s1, &b)["id"].clone();
    let c_line = line_of(&s1, &c)["id"].clone();
    let complete = format!(
        "mutation($input: CompleteShipmentReceiptInput!) {{ completeShipmentReceipt(input: $input) {{ {SHIP_FIELDS} }} }}"
    );
    let unexplained = app
        .gql(
            Some(&ph),
            &complete,
            json!({ "input": { "shipmentId": s1["id"] } }),
        )
        .await;
    assert_eq!(error_code(&unexplained), "VALIDATION", "{unexplained}");
    let before_vc = app.balance(&ph, &vc0101, &c).await;
    assert_eq!(before_vc.0, 0);
    let body = app
        .gql(
            Some(&ph),
            &complete,
            json!({ "input": { "shipmentId": s1["id"], "discrepancies": [
                { "lineId": c_line, "kind": "SHORT", "quantity": 6 },
                { "lineId": b_line, "kind": "DAMAGED", "quantity": 6, "note": "外箱压破" },
            ]}}),
        )
        .await;
    let received = &body["data"]["completeShipmentReceipt"];
    assert_eq!(received["status"], "RECEIVED", "{body}");
    assert_eq!(received["inTransit"], 12);
    assert_eq!(line_of(received, &b)["receivedQuantity"], 24);
    assert_eq!(line_of(received, &c)["receivedQuantity"], 24);
    assert_eq!(app.balance(&ph, &vc0101, &b).await, (24, 0, 24));
    assert_eq!(app.balance(&ph, &vc0101, &c).await, (24, 0, 24));
    app.assert_ledger_consistent().await;

    // The centre settles: the short pack is credited, the broken one sent
    // again (back on the requisition's backorder).
    let resolve = format!(
        "mutation($input: ResolveDiscrepancyInput!) {{ resolveShipmentDiscrepancy(input: $input) {{ {SHIP_FIELDS} }} }}"
    );
    let discrepancies = received["discrepancies"].as_array().unwrap().clone();
    let short_d = discrepancies.iter().find(|d| d["kind"] == "SHORT").unwrap();
    let damaged_d = discrepancies
        .iter()
        .find(|d| d["kind"] == "DAMAGED")
        .unwrap();
    let wrong_kind = app
        .gql(
            Some(&wh),
            &resolve,
            json!({ "input": { "discrepancyId": short_d["id"], "resolution": "ACCEPT", "reason": "x" } }),
        )
        .await;
    assert_eq!(error_code(&wrong_kind), "VALIDATION", "{wrong_kind}");
    let body = app
        .gql(
            Some(&wh),
            &resolve,
            json!({ "input": { "discrepancyId": short_d["id"], "resolution": "CREDIT", "reason": "承运方丢失" } }),
        )
        .await;
    assert_eq!(
        body["data"]["resolveShipmentDiscrepancy"]["status"], "RECEIVED",
        "{body}"
    );
    let again = app
        .gql(
            Some(&wh),
            &resolve,
            json!({ "input": { "discrepancyId": short_d["id"], "resolution": "CREDIT", "reason": "twice" } }),
        )
        .await;
    assert_eq!(error_code(&again), "ILLEGAL_STATE", "{again}");
    let body = app
        .gql(
            Some(&wh),
            &resolve,
            json!({ "input": { "discrepancyId": damaged_d["id"], "resolution": "RESEND", "reason": "破损补发" } }),
        )
        .await;
    let closed = &body["data"]["resolveShipmentDiscrepancy"];
    assert_eq!(closed["status"], "CLOSED", "{body}");
    assert_eq!(closed["inTransit"], 0);
    let r1_now = desk.requisition_now(&r1["id"]).await;
    assert_eq!(r1_now["backorder"], 6, "{r1_now}");
    assert_eq!(r1_now["status"], "RECEIVED");
    app.assert_ledger_consistent().await;

    // The clinic's account: 60 sent at 10 fen; the 6 lost and the 6 to be
    // sent again are credited back.
    let body = app
        .gql(
            Some(&ph),
            "query($i: ID!, $f: Date!, $t: Date!) { memberStatement(institutionId: $i, from: $f, to: $t) { debitsFen creditsFen closingFen openingFen } }",
            json!({ "i": vc0101, "f": t.to_string(), "t": t.to_string() }),
        )
        .await;
    let st = &body["data"]["memberStatement"];
    assert_eq!(st["debitsFen"], 600, "{body}");
    assert_eq!(st["creditsFen"], 120, "{body}");
    assert_eq!(st["closingFen"], 480, "{body}");
}

#[tokio::test]
async fn two_allocations_racing_for_the_last_stock_never_over_reserve() {
    let desk = Desk::new().await;
    let app = desk.app.clone();
    let wh = desk.warehouse.clone();
    let t = today(&app);
    clear_centre(&app, &wh, ITEM).await;
    let last = centre_batch(&app, ITEM, "LAST50", t + Duration::days(300), false, 50).await;
    let mut ids = Vec::new();
    for (who, inst) in [
        ("pharmacist.vc0101", "DEMO-VC0101"),
        ("pharmacist.vc0102", "DEMO-VC0102"),
        ("pharmacist.vc0201", "DEMO-VC0201"),
        ("pharmacist.vc0202", "DEMO-VC0202"),
    ] {
        let r = desk.submitted(who, inst, &[("YP0001", 40)]).await;
        let body = desk.approve(&r["id"], json!([])).await;
        assert!(body["errors"].is_null(), "{body}");
        ids.push(r["id"].clone());
    }
    let runs = ids.iter().map(|id| {
        let desk = &desk;
        let id = id.clone();
        async move { desk.allocate(&id).await }
    });
    let results = futures::future::join_all(runs).await;
    let mut allocated = 0;
    let mut refused = 0;
    for body in &results {
        if body["errors"].is_null() {
            allocated += picks(&body["data"]["allocateRequisition"])
                .iter()
                .map(|(_, q)| q)
                .sum::<i64>();
        } else {
            assert_eq!(error_code(body), "INSUFFICIENT_STOCK", "{body}");
            refused += 1;
        }
    }
    assert_eq!(allocated, 50, "{results:?}");
    assert_eq!(refused, 2, "{results:?}");
    let centre = app.institution("DEMO-LC");
    assert_eq!(app.balance(&wh, &centre, &last).await, (50, 50, 0));
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn requisitions_are_checked_for_who_and_what() {
    let desk = Desk::new().await;
    let app = desk.app.clone();
    // A doctor does not requisition.
    let body = desk
        .requisition("doctor", "DEMO-TH01", &[("YP0001", 10)])
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    // A village clinic may not stock a county-hospital item.
    let body = desk
        .requisition("pharmacist.vc0101", "DEMO-VC0101", &[(COUNTY_ONLY, 10)])
        .await;
    assert_eq!(error_code(&body), "VALIDATION", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "lines.0.itemId");
    // 代请领: the township centre's pharmacist for its own village clinic,
    // recorded as such; not for another township's.
    let body = desk
        .requisition("pharmacist.th01", "DEMO-VC0101", &[("YP0001", 10)])
        .await;
    let r = &body["data"]["createRequisition"];
    assert_eq!(r["onBehalf"], true, "{body}");
    assert_eq!(r["institution"]["id"], app.institution("DEMO-VC0101"));
    assert_eq!(
        r["createdByInstitution"]["id"],
        app.institution("DEMO-TH01")
    );
    let body = desk
        .requisition("pharmacist.th02", "DEMO-VC0101", &[("YP0001", 10)])
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    // Quantities and duplicates.
    let body = desk
        .requisition(
            "pharmacist.vc0101",
            "DEMO-VC0101",
            &[("YP0001", 0), ("YP0001", 5)],
        )
        .await;
    assert_eq!(error_code(&body), "VALIDATION", "{body}");
    let fields: Vec<&str> = body["errors"][0]["extensions"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["lines.0.quantity", "lines.1.itemId"]);
    // Illegal moves are ILLEGAL_STATE.
    let r = desk
        .submitted("pharmacist.vc0101", "DEMO-VC0101", &[("YP0001", 10)])
        .await;
    let ph = app.login("pharmacist.vc0101").await;
    let twice = app
        .gql(
            Some(&ph),
            "mutation($id: ID!) { submitRequisition(id: $id) { id } }",
            json!({ "id": r["id"] }),
        )
        .await;
    assert_eq!(error_code(&twice), "ILLEGAL_STATE", "{twice}");
    assert_eq!(
        twice["errors"][0]["extensions"]["reason"],
        "REQUISITION_TRANSITION"
    );
    // A member sees its own requisitions only.
    let other = app.login("pharmacist.vc0102").await;
    let body = app
        .gql(
            Some(&other),
            "query($id: ID!) { requisition(id: $id) { id } }",
            json!({ "id": r["id"] }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let rejected = app
        .gql(
            Some(&desk.warehouse),
            "mutation($id: ID!, $r: String!) { rejectRequisition(id: $id, reason: $r) { status rejectionReason } }",
            json!({ "id": r["id"], "r": "本月已配足" }),
        )
        .await;
    assert_eq!(
        rejected["data"]["rejectRequisition"]["status"], "REJECTED",
        "{rejected}"
    );
}

#[tokio::test]
async fn a_return_and_a_transfer_go_back_through_the_centre_and_on() {
    let desk = Desk::new().await;
    let app = desk.app.clone();
    let wh = desk.warehouse.clone();
    let t = today(&app);
    let vc0101 = app.institution("DEMO-VC0101");
    let vc0102 = app.institution("DEMO-VC0102");
    let centre = app.institution("DEMO-LC");
    // The demo stocks the first batch of YP0001 at every clinic.
    let lot = yaolian_seed::demo_lot(t, ITEM, 0);
    let batch = app.batch(&lot);
    let ph = app.login("pharmacist.vc0101").await;
    let (had, _, _) = app.balance(&ph, &vc0101, &batch).await;
    assert!(had >= 30, "{had}");
    let (centre_had, _, _) = app.balance(&wh, &centre, &batch).await;
    let body = app
        .gql(
            Some(&ph),
            &format!("mutation($input: CreateReturnInput!) {{ createReturn(input: $input) {{ {SHIP_FIELDS} }} }}"),
            json!({ "input": { "institutionId": vc0101, "reason": "SURPLUS",
                "lines": [{ "batchId": batch, "quantity": 10 }] } }),
        )
        .await;
    let ret = body["data"]["createReturn"].clone();
    assert_eq!(ret["kind"], "RETURN", "{body}");
    assert_eq!(ret["to"]["id"], centre);
    assert_eq!(app.balance(&ph, &vc0101, &batch).await, (had, 10, had - 10));
    let body = app
        .gql(
            Some(&ph),
            &format!("mutation($id: ID!) {{ dispatchShipment(id: $id) {{ {SHIP_FIELDS} }} }}"),
            json!({ "id": ret["id"] }),
        )
        .await;
    assert_eq!(
        body["data"]["dispatchShipment"]["status"], "DISPATCHED",
        "{body}"
    );
    assert_eq!(app.balance(&ph, &vc0101, &batch).await.0, had - 10);
    // The centre receives it by scanning, like any shipment; the clinic
    // cannot receive its own return.
    let expiry: NaiveDate = ret["lines"][0]["batch"]["expiryDate"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let code = gs1(ITEM, &lot, expiry);
    let body = desk.scan(&ph, &ret, &code, Some(10), "ret-1").await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    // Two serialised cases (AI 21 after the lot, GS-separated): the same
    // serial scanned again with a new request is refused and not counted.
    let case_a = format!("{code}\u{1d}21CASE-A");
    let case_b = format!("{code}\u{1d}21CASE-B");
    let body = desk.scan(&wh, &ret, &case_a, Some(4), "ret-2").await;
    assert_eq!(body["data"]["receiveShipmentScan"]["scanned"], 4, "{body}");
    let body = desk.scan(&wh, &ret, &case_a, Some(4), "ret-3").await;
    assert_eq!(error_code(&body), "ALREADY_SCANNED", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("CASE-A")),
        "{body}"
    );
    let body = desk.scan(&wh, &ret, &case_b, Some(6), "ret-4").await;
    assert_eq!(body["data"]["receiveShipmentScan"]["scanned"], 10, "{body}");
    let body = app
        .gql(
            Some(&wh),
            &format!("mutation($input: CompleteShipmentReceiptInput!) {{ completeShipmentReceipt(input: $input) {{ {SHIP_FIELDS} }} }}"),
            json!({ "input": { "shipmentId": ret["id"] } }),
        )
        .await;
    assert_eq!(
        body["data"]["completeShipmentReceipt"]["status"], "CLOSED",
        "{body}"
    );
    assert_eq!(app.balance(&wh, &centre, &batch).await.0, centre_had + 10);
    app.assert_ledger_consistent().await;

    // 调剂: 5 from VC0101 to VC0102, through the centre.
    let body = app
        .gql(
            Some(&wh),
            &format!("mutation($input: CreateTransferInput!) {{ createTransfer(input: $input) {{ {SHIP_FIELDS} }} }}"),
            json!({ "input": { "fromInstitutionId": vc0101, "toInstitutionId": vc0102,
                "lines": [{ "batchId": batch, "quantity": 5 }] } }),
        )
        .await;
    let tr = body["data"]["createTransfer"].clone();
    assert_eq!(tr["kind"], "RETURN", "{body}");
    let body = app
        .gql(
            Some(&ph),
            "mutation($id: ID!) { dispatchShipment(id: $id) { status } }",
            json!({ "id": tr["id"] }),
        )
        .await;
    assert_eq!(
        body["data"]["dispatchShipment"]["status"], "DISPATCHED",
        "{body}"
    );
    let body = desk.scan(&wh, &tr, &code, Some(5), "tr-1").await;
    assert!(body["errors"].is_null(), "{body}");
    let body = app
        .gql(
            Some(&wh),
            "mutation($input: CompleteShipmentReceiptInput!) { completeShipmentReceipt(input: $input) { status } }",
            json!({ "input": { "shipmentId": tr["id"] } }),
        )
        .await;
    assert_eq!(
        body["data"]["completeShipmentReceipt"]["status"], "CLOSED",
        "{body}"
    );
    // The second half waits at the centre, reserved, for VC0102.
    let body = app
        .gql(
            Some(&wh),
            &format!("query($i: ID!) {{ shipments(institutionId: $i, status: ALLOCATED) {{ edges {{ node {{ {SHIP_FIELDS} }} }} }} }}"),
            json!({ "i": vc0102 }),
        )
        .await;
    let onward = &body["data"]["shipments"]["edges"][0]["node"];
    assert_eq!(onward["kind"], "DELIVERY", "{body}");
    assert_eq!(onward["from"]["id"], centre);
    assert_eq!(picks(onward), vec![(batch.clone(), 5)]);
    assert_eq!(app.balance(&wh, &centre, &batch).await.1, 5);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn an_items_own_dispatch_minimum_wins_when_stricter() {
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
    let desk = Desk::new().await;
    let app = desk.app.clone();
    let wh = desk.warehouse.clone();
    let t = today(&app);
    const CEFUROXIME: usize = 1;
    clear_centre(&app, &wh, CEFUROXIME).await;
    let soon = centre_batch(
        &app,
        CEFUROXIME,
        "S120",
        t + Duration::days(120),
        false,
        100,
    )
    .await;
    let later = centre_batch(
        &app,
        CEFUROXIME,
        "L300",
        t + Duration::days(300),
        false,
        100,
    )
    .await;
    // 120 days left passes the clinic's 60, but not the item's own 200.
    let id: uuid::Uuid = app.item("YP0002").parse().unwrap();
    let db = app.backend.db();
    let mut item = yaolian_backend::entity::item::Entity::find_by_id(id)
        .one(db.conn())
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    item.min_dispatch_shelf_life_days = Set(Some(200));
    item.update(db.conn()).await.unwrap();
    let r = desk
        .submitted("pharmacist.vc0101", "DEMO-VC0101", &[("YP0002", 30)])
        .await;
    desk.approve(&r["id"], json!([])).await;
    let body = desk.allocate(&r["id"]).await;
    assert_eq!(
        picks(&body["data"]["allocateRequisition"]),
        vec![(later.clone(), 30)],
        "{body}"
    );
    let centre = app.institution("DEMO-LC");
    assert_eq!(app.balance(&wh, &centre, &soon).await, (100, 0, 100));
}
