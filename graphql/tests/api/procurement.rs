//! Central procurement over HTTP: suppliers, agreements, purchase orders,
//! and goods received by scanning real GS1 codes at the centre.

use crate::common::{TestApp, error_code};
use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};
use std::sync::Arc;
use yaolian_seed::demo_gtin;

/// Demo item indexes: YP0001 (24 per box), YP0002, YP0018 (cold chain).
const AMOXICILLIN: usize = 0;
const CEFUROXIME: usize = 1;
const INSULIN: usize = 17;

const USCC: &str = "91350100M000100Y43";
const USCC_2: &str = "91440300708461136T";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 15).unwrap()
}

fn yymmdd(d: NaiveDate) -> String {
    format!("{:02}{:02}{:02}", d.year() % 100, d.month(), d.day())
}

/// A pack's GS1 element string: (01) GTIN, (17) expiry, (10) lot.
fn gs1(item: usize, lot: &str, expiry: NaiveDate) -> String {
    format!("010{}17{}10{lot}", demo_gtin(item), yymmdd(expiry))
}

fn far() -> NaiveDate {
    today() + Duration::days(700)
}

const SUPPLIER: &str = "mutation($input: SupplierInput!) {
    createSupplier(input: $input) { id name uscc licenceNumber status licenceDaysLeft orderBlockedReason } }";
const AGREEMENT: &str = "mutation($input: PriceAgreementInput!) {
    createPriceAgreement(input: $input) { id unitPriceFen validFrom validTo vbp receivedPacks vbpCompletionPermille } }";
const ORDER_FIELDS: &str = "id number status totalFen supplier { id }
    lines { id item { id } packageLevel orderedPacks receivedPacks receivedQuantity remainingQuantity unitPriceFen agreedPrice }";
const RECEIPT_FIELDS: &str =
    "id packs quantity unitCostFen quarantined shortDatedReason receiptNumber traceCodes
    batch { id lotNumber expiryDate status } orderLine { id receivedPacks remainingQuantity }
    purchaseOrder { id status }";

fn create_order_query() -> String {
    format!(
        "mutation($input: PurchaseOrderInput!) {{ createPurchaseOrder(input: $input) {{ {ORDER_FIELDS} }} }}"
    )
}

fn scan_query() -> String {
    format!(
        "mutation($input: ReceivePurchaseOrderScanInput!) {{ receivePurchaseOrderScan(input: $input) {{ {RECEIPT_FIELDS} }} }}"
    )
}

fn line_query() -> String {
    format!(
        "mutation($input: ReceivePurchaseOrderLineInput!) {{ receivePurchaseOrderLine(input: $input) {{ {RECEIPT_FIELDS} }} }}"
    )
}

struct Desk {
    app: Arc<TestApp>,
    buyer: String,
    warehouse: String,
    supplier: String,
}

impl Desk {
    async fn new() -> Desk {
        let app = Arc::new(TestApp::spawn().await);
        let buyer = app.login("buyer").await;
        let warehouse = app.login("warehouse").await;
        let body = app
            .gql(
                Some(&buyer),
                SUPPLIER,
                json!({ "input": {
                    "name": "国药控股示范医药有限公司",
                    "uscc": USCC,
                    "licenceNumber": "闽AA5910001",
                    "licenceExpiry": today() + Duration::days(400),
                    "contactName": "王经理",
                    "firstLevelDistributor": true,
                }}),
            )
            .await;
        let supplier = body["data"]["createSupplier"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_string();
        Desk {
            app,
            buyer,
            warehouse,
            supplier,
        }
    }

    async fn agreement(&self, item: usize, price: i64, vbp: Option<i64>) -> Value {
        self.app
            .gql(
                Some(&self.buyer),
                AGREEMENT,
                json!({ "input": {
                    "supplierId": self.supplier,
                    "itemId": self.app.item(&format!("YP{:04}", item + 1)),
                    "packageLevel": 1,
                    "unitPriceFen": price,
                    "validFrom": "2026-01-01",
                    "validTo": "2026-12-31",
                    "vbp": vbp.is_some(),
                    "vbpAnnualPacks": vbp,
                }}),
            )
            .await
    }

    /// A submitted order of `(item, packs)` lines; returns the order.
    async fn submitted(&self, lines: &[(usize, i64)]) -> Value {
        let draft = self.draft(lines).await;
        let id = draft["data"]["createPurchaseOrder"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{draft}"))
            .to_string();
        let body = self
            .app
            .gql(
                Some(&self.buyer),
                &format!(
                    "mutation($id: ID!) {{ submitPurchaseOrder(id: $id) {{ {ORDER_FIELDS} }} }}"
                ),
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            body["data"]["submitPurchaseOrder"]["status"], "SUBMITTED",
            "{body}"
        );
        body["data"]["submitPurchaseOrder"].clone()
    }

    async fn draft(&self, lines: &[(usize, i64)]) -> Value {
        let lines: Vec<Value> = lines
            .iter()
            .map(|(item, packs)| {
                json!({
                    "itemId": self.app.item(&format!("YP{:04}", item + 1)),
                    "packs": packs,
                    "unitPriceFen": 1000,
                })
            })
            .collect();
        self.app
            .gql(
                Some(&self.buyer),
                &create_order_query(),
                json!({ "input": { "supplierId": self.supplier, "lines": lines } }),
            )
            .await
    }

    async fn scan(&self, token: &str, order: &str, barcode: &str, packs: i64, key: &str) -> Value {
        self.scan_with(token, order, barcode, packs, key, json!({}))
            .await
    }

    async fn scan_with(
        &self,
        token: &str,
        order: &str,
        barcode: &str,
        packs: i64,
        key: &str,
        extra: Value,
    ) -> Value {
        let mut input = json!({
            "purchaseOrderId": order,
            "barcode": barcode,
            "packs": packs,
            "clientRequestId": key,
        });
        if let (Some(obj), Some(more)) = (input.as_object_mut(), extra.as_object()) {
            for (k, v) in more {
                obj.insert(k.clone(), v.clone());
            }
        }
        self.app
            .gql(Some(token), &scan_query(), json!({ "input": input }))
            .await
    }

    /// Gives demo item `item` its own receiving rules, `rules` being the
    /// `ItemInput` fields to change; edited as the item page does: the
    /// whole item read, changed and sent back.
    async fn own_rules(&self, item: usize, rules: Value) {
        let id = self.app.item(&format!("YP{:04}", item + 1));
        let body = self
            .app
            .gql(
                Some(&self.buyer),
                "query($id: ID!) { item(id: $id) {
                    code kind genericName tradeName englishName dosageForm strength packaging
                    baseUnit manufacturer approvalNumber nhsaCode insuranceClass essential vbp
                    vbpPriceFen prescriptionOnly controlledClass antibioticLevel highAlert
                    lookAlike coldChain skinTest minInstitutionLevel nearExpiryDays
                    minReceiptShelfLifeDays minDispatchShelfLifeDays storageMinCelsius
                    storageMaxCelsius packageLevels { level name unitsPerPack gtins traceCodePrefix } } }",
                json!({ "id": id }),
            )
            .await;
        let mut input = body["data"]["item"].clone();
        assert!(input.is_object(), "{body}");
        for (k, v) in rules.as_object().expect("rules are an object") {
            input[k] = v.clone();
        }
        let body = self
            .app
            .gql(
                Some(&self.buyer),
                "mutation($id: ID!, $i: ItemInput!) { updateItem(id: $id, input: $i) {
                    minReceiptShelfLifeDays storageMinCelsius storageMaxCelsius } }",
                json!({ "id": id, "i": input }),
            )
            .await;
        let updated = &body["data"]["updateItem"];
        for (k, v) in rules.as_object().expect("rules are an object") {
            if let Some(now) = updated.get(k) {
                assert_eq!(now.as_f64(), v.as_f64(), "{k}: {body}");
            }
        }
        assert!(body["errors"].is_null(), "{body}");
    }

    async fn order(&self, id: &str) -> Value {
        let body = self
            .app
            .gql(
                Some(&self.buyer),
                &format!("query($id: ID!) {{ purchaseOrder(id: $id) {{ {ORDER_FIELDS} }} }}"),
                json!({ "id": id }),
            )
            .await;
        body["data"]["purchaseOrder"].clone()
    }
}

fn field(body: &Value) -> &str {
    body["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or_else(|| panic!("no field in {body}"))
}

fn message(body: &Value) -> &str {
    body["errors"][0]["message"].as_str().unwrap_or("")
}

#[tokio::test]
async fn suppliers_need_a_checked_credit_code_and_a_licence_in_force() {
    let desk = Desk::new().await;
    let app = &desk.app;
    let mut input = json!({
        "name": "另一家医药公司",
        "uscc": "91350100M000100Y44",
        "licenceNumber": "闽AA5910002",
        "licenceExpiry": today() - Duration::days(1),
    });
    let bad = app
        .gql(Some(&desk.buyer), SUPPLIER, json!({ "input": input }))
        .await;
    assert_eq!(error_code(&bad), "VALIDATION");
    assert_eq!(field(&bad), "uscc");
    assert!(
        message(&bad).contains("check character should be 3"),
        "{bad}"
    );

    input["uscc"] = json!(USCC);
    let taken = app
        .gql(Some(&desk.buyer), SUPPLIER, json!({ "input": input }))
        .await;
    assert_eq!(error_code(&taken), "VALIDATION", "{taken}");
    assert_eq!(field(&taken), "uscc");

    input["uscc"] = json!(USCC_2);
    let expired = app
        .gql(Some(&desk.buyer), SUPPLIER, json!({ "input": input }))
        .await;
    let s = &expired["data"]["createSupplier"];
    assert_eq!(s["licenceDaysLeft"], -1);
    assert!(
        s["orderBlockedReason"]
            .as_str()
            .unwrap()
            .contains("闽AA5910002")
    );
    let order = app
        .gql(
            Some(&desk.buyer),
            &create_order_query(),
            json!({ "input": { "supplierId": s["id"], "lines": [
                { "itemId": app.item("YP0001"), "packs": 1, "unitPriceFen": 100 } ] } }),
        )
        .await;
    assert_eq!(error_code(&order), "VALIDATION");
    assert!(
        message(&order).contains("licence 闽AA5910002 expired on 2026-06-14"),
        "{order}"
    );

    // Inactive: nothing is ordered from it.
    let off = app
        .gql(
            Some(&desk.buyer),
            "mutation($id: ID!) { setSupplierStatus(id: $id, status: INACTIVE) { status } }",
            json!({ "id": desk.supplier }),
        )
        .await;
    assert_eq!(off["data"]["setSupplierStatus"]["status"], "INACTIVE");
    let refused = desk.draft(&[(AMOXICILLIN, 1)]).await;
    assert_eq!(error_code(&refused), "ILLEGAL_STATE");
    assert_eq!(
        refused["errors"][0]["extensions"]["reason"],
        "SUPPLIER_INACTIVE"
    );

    // Only the centre's buyers keep suppliers; the warehouse cannot.
    let pharmacist = app.login("pharmacist.vc0101").await;
    for token in [&pharmacist, &desk.warehouse] {
        let no = app
            .gql(Some(token), SUPPLIER, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&no), "FORBIDDEN");
    }
    let list = app
        .gql(Some(&pharmacist), "{ suppliers { id } }", json!({}))
        .await;
    assert_eq!(error_code(&list), "FORBIDDEN");
}

#[tokio::test]
async fn agreements_never_overlap_and_cap_order_prices() {
    let desk = Desk::new().await;
    let app = &desk.app;
    let first = desk.agreement(AMOXICILLIN, 1200, None).await;
    assert_eq!(
        first["data"]["createPriceAgreement"]["unitPriceFen"], 1200,
        "{first}"
    );

    // Overlapping dates for the same supplier, item and level: refused.
    let overlap = desk.agreement(AMOXICILLIN, 1100, None).await;
    assert_eq!(error_code(&overlap), "VALIDATION");
    assert_eq!(field(&overlap), "validFrom");
    assert!(
        message(&overlap).contains("2026-01-01 to 2026-12-31"),
        "{overlap}"
    );
    // The day after it ends is free.
    let next_year = app
        .gql(
            Some(&desk.buyer),
            AGREEMENT,
            json!({ "input": {
                "supplierId": desk.supplier, "itemId": app.item("YP0001"), "packageLevel": 1,
                "unitPriceFen": 1150, "validFrom": "2027-01-01", "validTo": "2027-12-31",
            }}),
        )
        .await;
    assert_eq!(
        next_year["data"]["createPriceAgreement"]["validFrom"], "2027-01-01",
        "{next_year}"
    );

    // A price above the agreement in force is refused, naming both.
    let above = app
        .gql(
            Some(&desk.buyer),
            &create_order_query(),
            json!({ "input": { "supplierId": desk.supplier, "lines": [
                { "itemId": app.item("YP0001"), "packs": 10, "unitPriceFen": 1201 } ] } }),
        )
        .await;
    assert_eq!(error_code(&above), "VALIDATION");
    assert_eq!(field(&above), "lines[0].unitPriceFen");
    assert!(
        message(&above).contains("12.01 yuan is above the agreed price of 12.00"),
        "{above}"
    );

    // Without a price the agreed one is used, and the line says so.
    let agreed = app
        .gql(
            Some(&desk.buyer),
            &create_order_query(),
            json!({ "input": { "supplierId": desk.supplier, "lines": [
                { "itemId": app.item("YP0001"), "packs": 10 },
                { "itemId": app.item("YP0002"), "packs": 3, "unitPriceFen": 2500 } ] } }),
        )
        .await;
    let order = &agreed["data"]["createPurchaseOrder"];
    assert_eq!(order["status"], "DRAFT", "{agreed}");
    assert!(order["number"].as_str().unwrap().starts_with("PO-2026-"));
    assert_eq!(order["lines"][0]["unitPriceFen"], 1200);
    assert_eq!(order["lines"][0]["agreedPrice"], true);
    assert_eq!(order["lines"][1]["agreedPrice"], false);
    assert_eq!(order["totalFen"], 10 * 1200 + 3 * 2500);

    // A delisted or unknown item, a duplicate line: each named by its line.
    let bad = app
        .gql(
            Some(&desk.buyer),
            &create_order_query(),
            json!({ "input": { "supplierId": desk.supplier, "lines": [
                { "itemId": app.item("YP0001"), "packs": 0, "unitPriceFen": 100 },
                { "itemId": app.item("YP0002"), "packs": 1, "unitPriceFen": 100 },
                { "itemId": app.item("YP0002"), "packs": 1, "unitPriceFen": 100 } ] } }),
        )
        .await;
    let fields: Vec<&str> = bad["errors"][0]["extensions"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["lines[0].packs", "lines[2].itemId"]);
}

#[tokio::test]
async fn an_order_is_received_by_scanning_and_posts_to_the_ledger() {
    let desk = Desk::new().await;
    let app = &desk.app;
    let vbp = desk.agreement(AMOXICILLIN, 1200, Some(100)).await;
    let agreement = vbp["data"]["createPriceAgreement"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let order = desk.submitted(&[(AMOXICILLIN, 10), (CEFUROXIME, 5)]).await;
    let id = order["id"].as_str().unwrap().to_string();
    assert_eq!(order["lines"][0]["unitPriceFen"], 1000);
    assert_eq!(order["lines"][0]["agreedPrice"], true);

    // Submitting twice is an illegal transition.
    let again = app
        .gql(
            Some(&desk.buyer),
            "mutation($id: ID!) { submitPurchaseOrder(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&again), "ILLEGAL_STATE");
    assert_eq!(
        again["errors"][0]["extensions"]["reason"],
        "PURCHASE_ORDER_TRANSITION"
    );

    // Four boxes of a new lot, scanned by the warehouse.
    let code = gs1(AMOXICILLIN, "PO2601A", far());
    let first = desk.scan(&desk.warehouse, &id, &code, 4, "gr-1").await;
    let r = &first["data"]["receivePurchaseOrderScan"];
    assert_eq!(r["packs"], 4, "{first}");
    assert_eq!(r["quantity"], 4 * 24);
    // 10.00 yuan a box of 24: 41.67 fen a capsule, posted as 42.
    assert_eq!(r["unitCostFen"], 42);
    assert_eq!(r["batch"]["lotNumber"], "PO2601A");
    assert_eq!(r["batch"]["expiryDate"], far().to_string());
    assert_eq!(r["orderLine"]["receivedPacks"], 4);
    assert_eq!(r["purchaseOrder"]["status"], "PARTIALLY_RECEIVED");
    assert!(r["receiptNumber"].as_str().unwrap().starts_with("GR-2026-"));
    let batch = r["batch"]["id"].as_str().unwrap().to_string();
    let centre = app.institution("DEMO-LC");
    assert_eq!(app.balance(&desk.warehouse, &centre, &batch).await.0, 96);

    // The movement is a SUPPLIER_RECEIPT at the centre with its unit cost.
    let card = app
        .gql(
            Some(&desk.warehouse),
            "query($i: ID!, $b: ID!) { stockCard(institutionId: $i, batchId: $b) {
                edges { node { kind quantity unitCostFen documentType documentNumber } } } }",
            json!({ "i": centre, "b": batch }),
        )
        .await;
    let m = &card["data"]["stockCard"]["edges"][0]["node"];
    assert_eq!(m["kind"], "SUPPLIER_RECEIPT", "{card}");
    assert_eq!(m["quantity"], 96);
    assert_eq!(m["unitCostFen"], 42);
    assert_eq!(m["documentType"], "GOODS_RECEIPT");
    assert_eq!(m["documentNumber"], r["receiptNumber"]);

    // The same scan again (a flaky network) is the first result, posted once.
    let replay = desk.scan(&desk.warehouse, &id, &code, 4, "gr-1").await;
    assert_eq!(
        replay["data"]["receivePurchaseOrderScan"]["id"], r["id"],
        "{replay}"
    );
    assert_eq!(app.balance(&desk.warehouse, &centre, &batch).await.0, 96);
    // The same key for another scan is a conflict, not a silent replay.
    let reused = desk.scan(&desk.warehouse, &id, &code, 1, "gr-1").await;
    assert_eq!(error_code(&reused), "CONFLICT");

    // More than is open: refused, nothing written.
    let over = desk.scan(&desk.warehouse, &id, &code, 7, "gr-2").await;
    assert_eq!(error_code(&over), "VALIDATION");
    assert_eq!(field(&over), "packs");
    assert!(message(&over).contains("only 144"), "{over}");
    // An item that is not on the order.
    let stranger = desk
        .scan(&desk.warehouse, &id, &gs1(5, "X1", far()), 1, "gr-3")
        .await;
    assert_eq!(error_code(&stranger), "VALIDATION");
    assert!(message(&stranger).contains("is not on order"), "{stranger}");
    // A well-formed GTIN the catalogue does not know.
    let unknown = desk
        .scan(
            &desk.warehouse,
            &id,
            &format!("0104006381333931 17{}10X9", yymmdd(far())).replace(' ', ""),
            1,
            "gr-3b",
        )
        .await;
    assert_eq!(error_code(&unknown), "VALIDATION", "{unknown}");
    assert_eq!(field(&unknown), "barcode");
    assert!(
        message(&unknown).contains("04006381333931 is not in the catalogue"),
        "{unknown}"
    );
    // Typed by hand: a package level the item does not have, and an item
    // that does not exist.
    let no_level = app
        .gql(
            Some(&desk.warehouse),
            &line_query(),
            json!({ "input": {
                "purchaseOrderId": id, "itemId": app.item("YP0001"), "packageLevel": 9,
                "lotNumber": "HAND09", "expiryDate": far(), "packs": 1,
                "clientRequestId": "gr-3c",
            }}),
        )
        .await;
    assert_eq!(error_code(&no_level), "VALIDATION", "{no_level}");
    assert_eq!(field(&no_level), "packageLevel");
    assert!(
        message(&no_level).contains("no package level 9"),
        "{no_level}"
    );
    let no_item = app
        .gql(
            Some(&desk.warehouse),
            &line_query(),
            json!({ "input": {
                "purchaseOrderId": id, "itemId": uuid::Uuid::now_v7(),
                "lotNumber": "HAND09", "expiryDate": far(), "packs": 1,
                "clientRequestId": "gr-3d",
            }}),
        )
        .await;
    assert_eq!(error_code(&no_item), "NOT_FOUND", "{no_item}");
    assert_eq!(app.balance(&desk.warehouse, &centre, &batch).await.0, 96);

    // The rest: six boxes scanned, the second item typed by hand.
    let rest = desk.scan(&desk.warehouse, &id, &code, 6, "gr-4").await;
    assert_eq!(
        rest["data"]["receivePurchaseOrderScan"]["purchaseOrder"]["status"], "PARTIALLY_RECEIVED",
        "{rest}"
    );
    let typed = app
        .gql(
            Some(&desk.warehouse),
            &line_query(),
            json!({ "input": {
                "purchaseOrderId": id, "itemId": app.item("YP0002"),
                "lotNumber": "HAND01", "expiryDate": far(), "packs": 5,
                "clientRequestId": "gr-5",
            }}),
        )
        .await;
    let t = &typed["data"]["receivePurchaseOrderLine"];
    assert_eq!(t["purchaseOrder"]["status"], "RECEIVED", "{typed}");
    assert_eq!(t["orderLine"]["remainingQuantity"], 0);

    let done = desk.order(&id).await;
    assert_eq!(done["lines"][0]["receivedPacks"], 10);
    // Scan by scan, with the lots and the day's receipt document.
    let receipts = app
        .gql(
            Some(&desk.buyer),
            "query($id: ID!) { purchaseOrder(id: $id) { receipts { packs receiptNumber batch { lotNumber }
                purchaseOrder { id status lines { receivedPacks } } } } }",
            json!({ "id": id }),
        )
        .await;
    let lots: Vec<(i64, &str)> = receipts["data"]["purchaseOrder"]["receipts"]
        .as_array()
        .unwrap_or_else(|| panic!("{receipts}"))
        .iter()
        .map(|r| {
            (
                r["packs"].as_i64().unwrap(),
                r["batch"]["lotNumber"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(lots, vec![(4, "PO2601A"), (6, "PO2601A"), (5, "HAND01")]);
    // Every line names its order as it stands now (one load for the page).
    for r in receipts["data"]["purchaseOrder"]["receipts"]
        .as_array()
        .into_iter()
        .flatten()
    {
        assert_eq!(r["purchaseOrder"]["id"], done["id"], "{r}");
        assert_eq!(r["purchaseOrder"]["status"], done["status"], "{r}");
        assert_eq!(r["purchaseOrder"]["lines"][0]["receivedPacks"], 10, "{r}");
    }
    assert_eq!(done["lines"][1]["receivedPacks"], 5);
    // Receiving into a received order is refused.
    let late = desk.scan(&desk.warehouse, &id, &code, 1, "gr-6").await;
    assert_eq!(error_code(&late), "VALIDATION");

    // The 集采 agreement counts what came in under it.
    let used = app
        .gql(
            Some(&desk.buyer),
            "query($s: ID!) { priceAgreements(supplierId: $s) { id receivedPacks vbpCompletionPermille } }",
            json!({ "s": desk.supplier }),
        )
        .await;
    let a = &used["data"]["priceAgreements"][0];
    assert_eq!(a["id"], agreement.as_str());
    assert_eq!(a["receivedPacks"], 10);
    assert_eq!(a["vbpCompletionPermille"], 100);

    let closed = app
        .gql(
            Some(&desk.buyer),
            "mutation($id: ID!) { closePurchaseOrder(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        closed["data"]["closePurchaseOrder"]["status"], "CLOSED",
        "{closed}"
    );
    app.assert_ledger_consistent().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_receipts_racing_for_the_last_packs_give_one_refusal() {
    let desk = Arc::new(Desk::new().await);
    let order = desk.submitted(&[(AMOXICILLIN, 10)]).await;
    let id = order["id"].as_str().unwrap().to_string();
    let code = gs1(AMOXICILLIN, "RACE01", far());
    let first = desk
        .scan(&desk.warehouse, &id, &code, 8, "race-setup")
        .await;
    assert_eq!(
        first["data"]["receivePurchaseOrderScan"]["packs"], 8,
        "{first}"
    );
    let buyer = desk.buyer.clone();
    let mut tasks = Vec::new();
    for (n, token) in [desk.warehouse.clone(), buyer].into_iter().enumerate() {
        let (desk, id, code) = (desk.clone(), id.clone(), code.clone());
        tasks.push(tokio::spawn(async move {
            desk.scan(&token, &id, &code, 2, &format!("race-{n}")).await
        }));
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        let body = t.await.unwrap();
        outcomes.push(
            if body["data"]["receivePurchaseOrderScan"]["id"].is_string() {
                "OK".to_string()
            } else {
                error_code(&body).to_string()
            },
        );
    }
    outcomes.sort();
    assert_eq!(outcomes, vec!["OK", "VALIDATION"]);
    let after = desk.order(&id).await;
    assert_eq!(after["lines"][0]["receivedPacks"], 10);
    assert_eq!(after["status"], "RECEIVED");
    desk.app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn short_dated_goods_need_a_buyers_reason() {
    let desk = Desk::new().await;
    let order = desk.submitted(&[(AMOXICILLIN, 10)]).await;
    let id = order["id"].as_str().unwrap().to_string();
    let soon = today() + Duration::days(90);
    let code = gs1(AMOXICILLIN, "SHORT1", soon);

    let refused = desk.scan(&desk.warehouse, &id, &code, 2, "short-1").await;
    assert_eq!(error_code(&refused), "VALIDATION");
    // Named on what it lacks: a buyer's reason.
    assert_eq!(field(&refused), "shortDatedReason");
    assert!(
        message(&refused).contains("90 days from today"),
        "{refused}"
    );
    assert!(message(&refused).contains("183 days"), "{refused}");
    assert_eq!(desk.order(&id).await["lines"][0]["receivedPacks"], 0);

    // The warehouse cannot accept it, even with a reason.
    let reason = json!({ "shortDatedReason": "急需，供应商无远效期批次" });
    let no = desk
        .scan_with(&desk.warehouse, &id, &code, 2, "short-2", reason.clone())
        .await;
    assert_eq!(error_code(&no), "FORBIDDEN");

    let yes = desk
        .scan_with(&desk.buyer, &id, &code, 2, "short-3", reason)
        .await;
    let r = &yes["data"]["receivePurchaseOrderScan"];
    assert_eq!(r["shortDatedReason"], "急需，供应商无远效期批次", "{yes}");
    assert_eq!(r["packs"], 2);

    // Already expired is never received.
    let past = gs1(AMOXICILLIN, "OLD1", today() - Duration::days(1));
    let expired = desk
        .scan_with(
            &desk.buyer,
            &id,
            &past,
            1,
            "short-4",
            json!({ "shortDatedReason": "no" }),
        )
        .await;
    assert_eq!(error_code(&expired), "VALIDATION");
    assert!(
        message(&expired).contains("expired on 2026-06-14"),
        "{expired}"
    );
}

#[tokio::test]
async fn an_items_own_minimum_shelf_life_replaces_the_communitys() {
    let desk = Desk::new().await;
    desk.own_rules(AMOXICILLIN, json!({ "minReceiptShelfLifeDays": 400 }))
        .await;
    desk.own_rules(CEFUROXIME, json!({ "minReceiptShelfLifeDays": 30 }))
        .await;
    let order = desk.submitted(&[(AMOXICILLIN, 10), (CEFUROXIME, 10)]).await;
    let id = order["id"].as_str().unwrap().to_string();

    // 300 days left: enough for the community's 183, not for this item's 400.
    let code = gs1(AMOXICILLIN, "OWN400", today() + Duration::days(300));
    let refused = desk.scan(&desk.warehouse, &id, &code, 1, "own-1").await;
    assert_eq!(error_code(&refused), "VALIDATION", "{refused}");
    assert_eq!(field(&refused), "shortDatedReason");
    let msg = message(&refused);
    assert!(msg.contains("300 days from today"), "{refused}");
    assert!(
        msg.contains("minimum shelf life of 400 days set for this item"),
        "{refused}"
    );
    assert!(!msg.contains("183"), "{refused}");
    let zh = refused["errors"][0]["extensions"]["fields"][0]["messageZh"]
        .as_str()
        .unwrap_or("");
    assert!(zh.contains("该品种设定的最短效期 400 天"), "{refused}");
    assert_eq!(desk.order(&id).await["lines"][0]["receivedPacks"], 0);
    // A buyer may still accept it, with the reason.
    let yes = desk
        .scan_with(
            &desk.buyer,
            &id,
            &code,
            1,
            "own-2",
            json!({ "shortDatedReason": "本品效期要求高，临床急需" }),
        )
        .await;
    let r = &yes["data"]["receivePurchaseOrderScan"];
    assert_eq!(r["shortDatedReason"], "本品效期要求高，临床急需", "{yes}");
    assert_eq!(r["batch"]["status"], "AVAILABLE");

    // 60 days left: far below the community's 183, enough for this item's 30.
    let code = gs1(CEFUROXIME, "OWN30", today() + Duration::days(60));
    let ok = desk.scan(&desk.warehouse, &id, &code, 1, "own-3").await;
    let r = &ok["data"]["receivePurchaseOrderScan"];
    assert_eq!(r["packs"], 1, "{ok}");
    assert!(r["shortDatedReason"].is_null(), "{ok}");
    assert_eq!(r["batch"]["status"], "AVAILABLE");
    assert_eq!(r["orderLine"]["receivedPacks"], 1);

    // Without its own minimum the community's applies again.
    desk.own_rules(CEFUROXIME, json!({ "minReceiptShelfLifeDays": null }))
        .await;
    let code = gs1(CEFUROXIME, "OWN183", today() + Duration::days(60));
    let refused = desk.scan(&desk.warehouse, &id, &code, 1, "own-4").await;
    assert_eq!(field(&refused), "shortDatedReason", "{refused}");
    let msg = message(&refused);
    assert!(msg.contains("minimum shelf life of 183 days;"), "{refused}");
    assert!(!msg.contains("set for this item"), "{refused}");
    desk.app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn traceability_codes_are_received_once_and_a_lot_keeps_its_expiry() {
    let desk = Desk::new().await;
    let app = &desk.app;
    let order = desk.submitted(&[(AMOXICILLIN, 10)]).await;
    let id = order["id"].as_str().unwrap().to_string();
    let code = gs1(AMOXICILLIN, "TRACE1", far());
    let c1 = "81000010000000000011";
    let c2 = "81000010000000000012";
    let ok = desk
        .scan_with(
            &desk.warehouse,
            &id,
            &code,
            2,
            "t-1",
            json!({ "traceCodes": [c1, c2] }),
        )
        .await;
    assert_eq!(
        ok["data"]["receivePurchaseOrderScan"]["traceCodes"],
        json!([c1, c2]),
        "{ok}"
    );
    let dup = desk
        .scan_with(
            &desk.warehouse,
            &id,
            &code,
            1,
            "t-2",
            json!({ "traceCodes": [c2] }),
        )
        .await;
    assert_eq!(error_code(&dup), "DUPLICATE_TRACE_CODE", "{dup}");
    assert!(message(&dup).contains(c2));
    assert_eq!(desk.order(&id).await["lines"][0]["receivedPacks"], 2);

    // Another item's traceability code on this pack.
    let foreign = desk
        .scan_with(
            &desk.warehouse,
            &id,
            &code,
            1,
            "t-3",
            json!({ "traceCodes": ["81000020000000000011"] }),
        )
        .await;
    assert_eq!(error_code(&foreign), "VALIDATION");

    // The same lot printed with another expiry: refused, naming both.
    let other = gs1(AMOXICILLIN, "TRACE1", far() - Duration::days(31));
    let mismatch = desk.scan(&desk.warehouse, &id, &other, 1, "t-4").await;
    assert_eq!(error_code(&mismatch), "VALIDATION");
    assert_eq!(field(&mismatch), "expiryDate");
    let msg = message(&mismatch);
    assert!(msg.contains(&far().to_string()), "{msg}");
    assert!(
        msg.contains(&(far() - Duration::days(31)).to_string()),
        "{msg}"
    );

    // A traceability code alone carries no lot: scan the GS1 code.
    let alone = desk.scan(&desk.warehouse, &id, c1, 1, "t-5").await;
    assert_eq!(error_code(&alone), "VALIDATION");
    assert_eq!(field(&alone), "barcode");
    // Only the centre receives: a clinic's pharmacist, or the auditor, may not.
    let pharmacist = app.login("pharmacist.vc0101").await;
    let auditor = app.login("auditor").await;
    for token in [&pharmacist, &auditor] {
        let no = desk.scan(token, &id, &code, 1, "t-7").await;
        assert_eq!(error_code(&no), "FORBIDDEN", "{no}");
    }
    // Garbage is an invalid barcode.
    let garbage = desk.scan(&desk.warehouse, &id, "01123", 1, "t-6").await;
    assert_eq!(error_code(&garbage), "INVALID_BARCODE");
    assert_eq!(desk.order(&id).await["lines"][0]["receivedPacks"], 2);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn cold_chain_goods_need_a_temperature_and_outside_the_range_are_quarantined() {
    let desk = Desk::new().await;
    let order = desk.submitted(&[(INSULIN, 4)]).await;
    let id = order["id"].as_str().unwrap().to_string();
    let code = gs1(INSULIN, "COLD01", far());
    let missing = desk.scan(&desk.warehouse, &id, &code, 1, "c-1").await;
    assert_eq!(error_code(&missing), "VALIDATION");
    assert_eq!(field(&missing), "temperatureCelsius");

    let cold = desk
        .scan_with(
            &desk.warehouse,
            &id,
            &code,
            1,
            "c-2",
            json!({ "temperatureCelsius": 4.5 }),
        )
        .await;
    let r = &cold["data"]["receivePurchaseOrderScan"];
    assert_eq!(r["quarantined"], false, "{cold}");
    assert_eq!(r["batch"]["status"], "AVAILABLE");

    let warm = gs1(INSULIN, "WARM01", far());
    let body = desk
        .scan_with(
            &desk.warehouse,
            &id,
            &warm,
            1,
            "c-3",
            json!({ "temperatureCelsius": 12.5 }),
        )
        .await;
    let r = &body["data"]["receivePurchaseOrderScan"];
    assert_eq!(r["quarantined"], true, "{body}");
    assert_eq!(r["batch"]["status"], "QUARANTINED");
    let centre = desk.app.institution("DEMO-LC");
    let batch = r["batch"]["id"].as_str().unwrap();
    assert_eq!(
        desk.app.balance(&desk.warehouse, &centre, batch).await.0,
        r["quantity"].as_i64().unwrap()
    );
    desk.app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn a_cold_chain_items_own_range_replaces_the_cold_chain() {
    let desk = Desk::new().await;
    desk.own_rules(
        INSULIN,
        json!({ "storageMinCelsius": 15, "storageMaxCelsius": 25 }),
    )
    .await;
    let order = desk.submitted(&[(INSULIN, 4)]).await;
    let id = order["id"].as_str().unwrap().to_string();
    let receive = |lot: &'static str, celsius: f64, key: &'static str| {
        let desk = &desk;
        let id = id.clone();
        async move {
            let body = desk
                .scan_with(
                    &desk.warehouse,
                    &id,
                    &gs1(INSULIN, lot, far()),
                    1,
                    key,
                    json!({ "temperatureCelsius": celsius }),
                )
                .await;
            let r = body["data"]["receivePurchaseOrderScan"].clone();
            assert!(r.is_object(), "{body}");
            (r["quarantined"].clone(), r["batch"]["status"].clone())
        }
    };
    // 20 °C: outside 2-8 °C, inside the item's own 15-25 °C.
    assert_eq!(
        receive("OWNT20", 20.0, "own-t-1").await,
        (json!(false), json!("AVAILABLE"))
    );
    // The limits are inside the range.
    assert_eq!(
        receive("OWNT25", 25.0, "own-t-2").await,
        (json!(false), json!("AVAILABLE"))
    );
    // 5 °C: fine for the cold chain, too cold for this item.
    assert_eq!(
        receive("OWNT05", 5.0, "own-t-3").await,
        (json!(true), json!("QUARANTINED"))
    );
    // It still needs a temperature.
    let missing = desk
        .scan(
            &desk.warehouse,
            &id,
            &gs1(INSULIN, "OWNT00", far()),
            1,
            "own-t-4",
        )
        .await;
    assert_eq!(field(&missing), "temperatureCelsius", "{missing}");
    desk.app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn orders_follow_their_state_machine() {
    let desk = Desk::new().await;
    let app = &desk.app;
    let draft = desk.draft(&[(AMOXICILLIN, 3)]).await;
    let id = draft["data"]["createPurchaseOrder"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // A draft can be edited; the new lines replace the old.
    let edited = app
        .gql(
            Some(&desk.buyer),
            &format!("mutation($id: ID!, $input: PurchaseOrderInput!) {{ updatePurchaseOrder(id: $id, input: $input) {{ {ORDER_FIELDS} }} }}"),
            json!({ "id": id, "input": { "supplierId": desk.supplier, "lines": [
                { "itemId": app.item("YP0002"), "packs": 7, "unitPriceFen": 900 } ] } }),
        )
        .await;
    let o = &edited["data"]["updatePurchaseOrder"];
    assert_eq!(o["lines"].as_array().unwrap().len(), 1, "{edited}");
    assert_eq!(o["lines"][0]["orderedPacks"], 7);

    // Receiving into a draft, closing a draft: illegal.
    let early = desk
        .scan(
            &desk.warehouse,
            &id,
            &gs1(CEFUROXIME, "D1", far()),
            1,
            "sm-1",
        )
        .await;
    assert_eq!(error_code(&early), "ILLEGAL_STATE", "{early}");
    let close = app
        .gql(
            Some(&desk.buyer),
            "mutation($id: ID!) { closePurchaseOrder(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&close), "ILLEGAL_STATE");

    // Cancelled needs a reason, and is final.
    let cancel = "mutation($id: ID!, $r: String!) { cancelPurchaseOrder(id: $id, reason: $r) { status closedReason } }";
    let blank = app
        .gql(Some(&desk.buyer), cancel, json!({ "id": id, "r": " " }))
        .await;
    assert_eq!(error_code(&blank), "VALIDATION");
    let done = app
        .gql(
            Some(&desk.buyer),
            cancel,
            json!({ "id": id, "r": "需求取消" }),
        )
        .await;
    assert_eq!(
        done["data"]["cancelPurchaseOrder"]["status"], "CANCELLED",
        "{done}"
    );
    let submit = app
        .gql(
            Some(&desk.buyer),
            "mutation($id: ID!) { submitPurchaseOrder(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&submit), "ILLEGAL_STATE");

    // A partly received order closes short only with a reason.
    let order = desk.submitted(&[(AMOXICILLIN, 5)]).await;
    let oid = order["id"].as_str().unwrap().to_string();
    desk.scan(
        &desk.warehouse,
        &oid,
        &gs1(AMOXICILLIN, "P1", far()),
        2,
        "sm-2",
    )
    .await;
    let no_reason = app
        .gql(
            Some(&desk.buyer),
            "mutation($id: ID!) { closePurchaseOrder(id: $id) { status } }",
            json!({ "id": oid }),
        )
        .await;
    assert_eq!(error_code(&no_reason), "VALIDATION");
    let cancel_received = app
        .gql(Some(&desk.buyer), cancel, json!({ "id": oid, "r": "x" }))
        .await;
    assert_eq!(error_code(&cancel_received), "ILLEGAL_STATE");
    let short = app
        .gql(
            Some(&desk.buyer),
            "mutation($id: ID!) { closePurchaseOrder(id: $id, reason: \"供应商断货\") { status closedReason } }",
            json!({ "id": oid }),
        )
        .await;
    assert_eq!(
        short["data"]["closePurchaseOrder"]["status"], "CLOSED",
        "{short}"
    );
    assert_eq!(
        short["data"]["closePurchaseOrder"]["closedReason"],
        "供应商断货"
    );

    // Listed newest first, filtered by supplier and status (the demo has
    // its own orders).
    let list = app
        .gql(
            Some(&desk.buyer),
            "query($s: ID!) { purchaseOrders(supplierId: $s, first: 10) { edges { node { id status } } } }",
            json!({ "s": desk.supplier }),
        )
        .await;
    let ids: Vec<&str> = list["data"]["purchaseOrders"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![oid.as_str(), id.as_str()]);
    let cancelled = app
        .gql(
            Some(&desk.buyer),
            "query($s: ID!) { purchaseOrders(status: CANCELLED, supplierId: $s) { edges { node { id } } } }",
            json!({ "s": desk.supplier }),
        )
        .await;
    assert_eq!(
        cancelled["data"]["purchaseOrders"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// Posts `dispensed` in ten equal DISPENSE movements a day apart, after an
/// OPENING of the same amount 80 days ago, at `institution` on `batch`: ten
/// days with stock, then none until the demo's own opening (now).
async fn dispensing_history(app: &TestApp, institution: &str, batch: &str, dispensed: i64) {
    use yaolian_backend::clock::Clock;
    use yaolian_backend::enums::MovementKind;
    use yaolian_backend::ledger::{self, Actor, Posting};
    let db = app.backend.db();
    let now = app.clock.now();
    let user = app.county.users["pharmacist.vc0101"];
    let txn = db.begin_write().await.unwrap();
    let post = |quantity: i64, kind: MovementKind, days_ago: i64| Posting {
        institution_id: institution.parse().unwrap(),
        batch_id: batch.parse().unwrap(),
        quantity,
        kind,
        document: None,
        reason: None,
        unit_cost_fen: None,
        occurred_at: Some(now - Duration::days(days_ago)),
    };
    let actor = Actor { user_id: user, now };
    ledger::post(&txn, actor, post(dispensed, MovementKind::Opening, 80))
        .await
        .unwrap();
    for k in 1..=10 {
        ledger::post(
            &txn,
            actor,
            post(-dispensed / 10, MovementKind::Dispense, 80 - k),
        )
        .await
        .unwrap();
    }
    txn.commit().await.unwrap();
}

const SUGGESTION: &str = "query($i: ID!) { replenishmentSuggestion(institutionId: $i) {
    item { id code } amc monthsOfData onHand inTransit onRequisition onOrder minMonths maxMonths
    target suggestedQuantity unitsPerPack suggestedPacks } }";

#[tokio::test]
async fn suggestions_leave_stock_out_days_out_of_the_average() {
    let app = TestApp::spawn().await;
    let clinic = app.institution("DEMO-VC0101");
    let pharmacist = app.login("pharmacist.vc0101").await;
    // Nothing dispensed yet: nothing to suggest.
    let none = app
        .gql(Some(&pharmacist), SUGGESTION, json!({ "i": clinic }))
        .await;
    assert_eq!(none["data"]["replenishmentSuggestion"], json!([]), "{none}");

    dispensing_history(&app, &clinic, &app.lot(AMOXICILLIN, 0), 100).await;
    let body = app
        .gql(Some(&pharmacist), SUGGESTION, json!({ "i": clinic }))
        .await;
    let lines = body["data"]["replenishmentSuggestion"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{body}");
    let l = &lines[0];
    assert_eq!(l["item"]["code"], "YP0001");
    // 100 capsules over the 10 days there was stock, not over 90 days:
    // 100 / (10 / 30.4375) = 304.4 a month (11.3 if the stock-out counted).
    assert_eq!(l["amc"], 304.4);
    assert_eq!(l["monthsOfData"], 0.3);
    // Usable on hand: the 60 of the demo batch; the expired lot is not.
    assert_eq!(l["onHand"], 60);
    assert_eq!(
        (l["minMonths"].as_f64(), l["maxMonths"].as_f64()),
        (Some(1.0), Some(2.0))
    );
    assert_eq!(l["target"], 609);
    assert_eq!(l["suggestedQuantity"], 609 - 60);
    assert_eq!(l["unitsPerPack"], 24);
    assert_eq!(l["suggestedPacks"], 23);

    // Another clinic's pharmacist may not see it; the centre may.
    let other = app.login("pharmacist.vc0102").await;
    let refused = app
        .gql(Some(&other), SUGGESTION, json!({ "i": clinic }))
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
    let buyer = app.login("buyer").await;
    let seen = app
        .gql(Some(&buyer), SUGGESTION, json!({ "i": clinic }))
        .await;
    assert_eq!(
        seen["data"]["replenishmentSuggestion"][0]["suggestedPacks"],
        23
    );
}

const PLAN: &str =
    "{ procurementPlan { totalFen lines { item { id code } quantityPacks quantity packageLevel
    supplier { id name } unitPriceFen amountFen vbp memberSuggestions approvedRequisitions
    centreBuffer centreAmc centreOnHand onOrder need } } }";

#[tokio::test]
async fn the_plan_nets_members_demand_against_the_centre_and_becomes_orders() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer").await;
    let clinic = app.institution("DEMO-VC0101");
    dispensing_history(&app, &clinic, &app.lot(AMOXICILLIN, 0), 1000).await;

    let body = app.gql(Some(&buyer), PLAN, json!({})).await;
    let lines = body["data"]["procurementPlan"]["lines"].as_array().unwrap();
    let l = lines
        .iter()
        .find(|l| l["item"]["code"] == "YP0001")
        .unwrap_or_else(|| panic!("{body}"));
    // The clinic: AMC 3043.75, target 6088, less its 60.
    assert_eq!(l["memberSuggestions"], 6088 - 60);
    // The centre holds a month more of its members' use, twice over (max
    // 2 months), has two demo batches of 480 and 40 boxes on order.
    assert_eq!(l["centreBuffer"], 6088);
    assert_eq!(l["centreOnHand"], 960);
    assert_eq!(l["onOrder"], 960);
    let need = 6028 + 6088 - 960 - 960;
    assert_eq!(l["need"], need);
    // Whole boxes of 24, at the cheaper of the two agreements.
    assert_eq!(l["quantityPacks"], (need + 23) / 24);
    assert_eq!(l["quantity"], (need + 23) / 24 * 24);
    let agreements = app
        .gql(
            Some(&buyer),
            "query($i: ID!) { priceAgreements(itemId: $i) { unitPriceFen supplier { id } } }",
            json!({ "i": app.item("YP0001") }),
        )
        .await;
    let cheapest = agreements["data"]["priceAgreements"]
        .as_array()
        .unwrap()
        .iter()
        .min_by_key(|a| a["unitPriceFen"].as_i64())
        .unwrap()
        .clone();
    assert_eq!(l["unitPriceFen"], cheapest["unitPriceFen"]);
    assert_eq!(l["supplier"]["id"], cheapest["supplier"]["id"]);
    assert_eq!(
        l["amountFen"].as_i64(),
        Some(l["quantityPacks"].as_i64().unwrap() * cheapest["unitPriceFen"].as_i64().unwrap())
    );

    // Ordering from the plan makes one draft for that supplier, after
    // which the plan no longer asks for it.
    let made = app
        .gql(
            Some(&buyer),
            &format!("mutation($ids: [ID!]) {{ createPurchaseOrdersFromPlan(itemIds: $ids) {{ {ORDER_FIELDS} }} }}"),
            json!({ "ids": [app.item("YP0001")] }),
        )
        .await;
    let orders = made["data"]["createPurchaseOrdersFromPlan"]
        .as_array()
        .unwrap();
    assert_eq!(orders.len(), 1, "{made}");
    assert_eq!(orders[0]["status"], "DRAFT");
    assert_eq!(orders[0]["supplier"]["id"], cheapest["supplier"]["id"]);
    assert_eq!(orders[0]["lines"][0]["orderedPacks"], l["quantityPacks"]);
    assert_eq!(orders[0]["lines"][0]["agreedPrice"], true);
    let after = app.gql(Some(&buyer), PLAN, json!({})).await;
    assert!(
        !after["data"]["procurementPlan"]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["item"]["code"] == "YP0001"),
        "{after}"
    );
    // An item the plan does not need is refused, naming it.
    let idle = app
        .gql(
            Some(&buyer),
            "mutation($ids: [ID!]) { createPurchaseOrdersFromPlan(itemIds: $ids) { id } }",
            json!({ "ids": [app.item("YP0001")] }),
        )
        .await;
    assert_eq!(error_code(&idle), "VALIDATION");
    assert_eq!(field(&idle), "itemIds[0]");

    // The plan as a workbook, for the buyers' meeting.
    let resp = app
        .client
        .get(format!("{}/exports/procurement-plan.xlsx", app.base))
        .bearer_auth(&buyer)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let bytes = resp.bytes().await.unwrap();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    use calamine::Reader;
    let sheet = book.worksheet_range("采购计划").unwrap();
    let text: Vec<String> = sheet
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    assert!(text.iter().any(|t| t == "编码"), "{text:?}");
    // The pharmacist cannot download it.
    let pharmacist = app.login("pharmacist.vc0101").await;
    let no = app
        .client
        .get(format!("{}/exports/procurement-plan.xlsx", app.base))
        .bearer_auth(&pharmacist)
        .send()
        .await
        .unwrap();
    assert_eq!(no.status(), 403);
}

const INVOICE_FIELDS: &str =
    "id number status totalFen lines { lineNo packs unitPriceFen amountFen }
    differences { lineNo kind expected actual item { id } }";
const PAYABLES: &str = "{ payables { supplier { id } approvedFen days0To30Fen days31To60Fen
    days61To90Fen over90DaysFen overdueFen uninvoicedFen invoiceIds } }";

impl Desk {
    async fn invoice(&self, order: &str, number: &str, lines: Value) -> Value {
        self.app
            .gql(
                Some(&self.buyer),
                &format!("mutation($input: InvoiceInput!) {{ enterInvoice(input: $input) {{ {INVOICE_FIELDS} }} }}"),
                json!({ "input": {
                    "supplierId": self.supplier, "purchaseOrderId": order, "number": number,
                    "invoiceDate": today(), "lines": lines,
                }}),
            )
            .await
    }

    async fn invoice_step(&self, step: &str, id: &str) -> Value {
        self.app
            .gql(
                Some(&self.buyer),
                &format!("mutation($id: ID!) {{ {step}(id: $id) {{ {INVOICE_FIELDS} }} }}"),
                json!({ "id": id }),
            )
            .await
    }

    async fn payable(&self) -> Value {
        let body = self.app.gql(Some(&self.buyer), PAYABLES, json!({})).await;
        body["data"]["payables"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .find(|p| p["supplier"]["id"] == self.supplier.as_str())
            .cloned()
            .unwrap_or(Value::Null)
    }
}

#[tokio::test]
async fn invoices_match_three_ways_and_a_payment_clears_what_is_owed() {
    let desk = Desk::new().await;
    let app = &desk.app;
    let order = desk.submitted(&[(AMOXICILLIN, 10), (CEFUROXIME, 5)]).await;
    let id = order["id"].as_str().unwrap().to_string();
    let amox = app.item("YP0001");
    let cef = app.item("YP0002");
    let code = gs1(AMOXICILLIN, "INV01", far());
    desk.scan(&desk.warehouse, &id, &code, 4, "i-1").await;

    // Invoiced for all ten boxes while four have come: a quantity difference.
    let inv = desk
        .invoice(
            &id,
            "04410001",
            json!([{ "itemId": amox, "packs": 10, "unitPriceFen": 1000, "amountFen": 10000 }]),
        )
        .await;
    let inv_id = inv["data"]["enterInvoice"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{inv}"))
        .to_string();
    assert_eq!(inv["data"]["enterInvoice"]["status"], "ENTERED");
    let early = desk.invoice_step("matchInvoice", &inv_id).await;
    let m = &early["data"]["matchInvoice"];
    assert_eq!(m["status"], "MISMATCHED", "{early}");
    assert_eq!(
        m["differences"],
        json!([{ "lineNo": 1, "kind": "QUANTITY", "expected": 96, "actual": 240, "item": { "id": amox } }])
    );
    // A mismatched invoice is not approved.
    let no = desk.invoice_step("approveInvoice", &inv_id).await;
    assert_eq!(error_code(&no), "ILLEGAL_STATE");

    // The rest arrives; now it matches, and is approved.
    desk.scan(&desk.warehouse, &id, &code, 6, "i-2").await;
    desk.scan(
        &desk.warehouse,
        &id,
        &gs1(CEFUROXIME, "INV02", far()),
        5,
        "i-3",
    )
    .await;
    let matched = desk.invoice_step("matchInvoice", &inv_id).await;
    assert_eq!(
        matched["data"]["matchInvoice"]["status"], "MATCHED",
        "{matched}"
    );
    assert_eq!(matched["data"]["matchInvoice"]["differences"], json!([]));
    let approved = desk.invoice_step("approveInvoice", &inv_id).await;
    assert_eq!(
        approved["data"]["approveInvoice"]["status"], "APPROVED",
        "{approved}"
    );

    // The same receipts cannot be billed twice.
    let twice = desk
        .invoice(
            &id,
            "04410002",
            json!([{ "itemId": amox, "packs": 10, "unitPriceFen": 1000, "amountFen": 10000 }]),
        )
        .await;
    let twice_id = twice["data"]["enterInvoice"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let again = desk.invoice_step("matchInvoice", &twice_id).await;
    assert_eq!(
        again["data"]["matchInvoice"]["differences"][0],
        json!({ "lineNo": 1, "kind": "QUANTITY", "expected": 0, "actual": 240, "item": { "id": amox } })
    );
    // A number is the supplier's once.
    let dup = desk
        .invoice(
            &id,
            "04410001",
            json!([{ "itemId": cef, "packs": 5, "unitPriceFen": 1000, "amountFen": 5000 }]),
        )
        .await;
    assert_eq!(error_code(&dup), "VALIDATION");
    assert_eq!(field(&dup), "number");
    // A price above the order's and a wrong amount: both differences.
    let dear = desk
        .invoice(
            &id,
            "04410003",
            json!([{ "itemId": cef, "packs": 5, "unitPriceFen": 1100, "amountFen": 5000 }]),
        )
        .await;
    let dear_id = dear["data"]["enterInvoice"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let diffs = desk.invoice_step("matchInvoice", &dear_id).await;
    let kinds: Vec<&str> = diffs["data"]["matchInvoice"]["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["PRICE", "AMOUNT"]);

    // Owed: the approved invoice, within 30 days; the second item received
    // and not yet invoiced.
    let p = desk.payable().await;
    assert_eq!(p["approvedFen"], 10000, "{p}");
    assert_eq!(p["days0To30Fen"], 10000);
    assert_eq!(p["overdueFen"], 0);
    assert_eq!(p["uninvoicedFen"], 5000);
    assert_eq!(p["invoiceIds"], json!([inv_id]));

    // 45 days on, it is overdue under the 集采 30-day rule.
    app.clock.advance(Duration::days(45));
    let desk = Desk {
        buyer: app.login("buyer").await,
        ..desk
    };
    let app = &desk.app;
    let p = desk.payable().await;
    assert_eq!(
        (p["days0To30Fen"].as_i64(), p["days31To60Fen"].as_i64()),
        (Some(0), Some(10000))
    );
    assert_eq!(p["overdueFen"], 10000);

    let pay = "mutation($input: PaymentInput!) { recordPayment(input: $input) { id amountFen reference invoiceIds } }";
    let short = app
        .gql(
            Some(&desk.buyer),
            pay,
            json!({ "input": { "supplierId": desk.supplier, "amountFen": 9999, "paidOn": today(),
                "reference": "国库集中支付 0001", "invoiceIds": [inv_id] } }),
        )
        .await;
    assert_eq!(error_code(&short), "VALIDATION");
    assert_eq!(field(&short), "amountFen");
    let unapproved = app
        .gql(
            Some(&desk.buyer),
            pay,
            json!({ "input": { "supplierId": desk.supplier, "amountFen": 5000, "paidOn": today(),
                "reference": "x", "invoiceIds": [dear_id] } }),
        )
        .await;
    assert_eq!(error_code(&unapproved), "VALIDATION");
    let paid = app
        .gql(
            Some(&desk.buyer),
            pay,
            json!({ "input": { "supplierId": desk.supplier, "amountFen": 10000, "paidOn": today(),
                "reference": "国库集中支付 0001", "invoiceIds": [inv_id] } }),
        )
        .await;
    assert_eq!(paid["data"]["recordPayment"]["amountFen"], 10000, "{paid}");
    let after = app
        .gql(
            Some(&desk.buyer),
            &format!("query($id: ID!) {{ invoice(id: $id) {{ {INVOICE_FIELDS} }} }}"),
            json!({ "id": inv_id }),
        )
        .await;
    assert_eq!(after["data"]["invoice"]["status"], "PAID");
    let p = desk.payable().await;
    assert_eq!(p["approvedFen"], 0);
    assert_eq!(p["overdueFen"], 0);
    assert_eq!(p["uninvoicedFen"], 5000);
    // Paying it twice is refused.
    let twice = app
        .gql(
            Some(&desk.buyer),
            pay,
            json!({ "input": { "supplierId": desk.supplier, "amountFen": 10000, "paidOn": today(),
                "reference": "again", "invoiceIds": [inv_id] } }),
        )
        .await;
    assert_eq!(error_code(&twice), "VALIDATION");

    let resp = app
        .client
        .get(format!("{}/exports/payables.xlsx", app.base))
        .bearer_auth(&desk.buyer)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(resp.bytes().await.unwrap().to_vec()))
            .unwrap();
    use calamine::Reader;
    let cells: Vec<String> = book
        .worksheet_range("应付账款")
        .unwrap()
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    assert!(
        cells.iter().any(|c| c == "国药控股示范医药有限公司"),
        "{cells:?}"
    );
    assert!(
        cells.iter().any(|c| c == "50"),
        "uninvoiced 50 yuan: {cells:?}"
    );
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn member_statements_add_up_the_hooks_postings_at_centre_cost() {
    use yaolian_backend::clock::Clock;
    use yaolian_backend::enums::DocumentType;
    use yaolian_backend::ledger::DocumentRef;
    use yaolian_backend::procurement::member_account::{self, Charge};
    let desk = Desk::new().await;
    let app = &desk.app;
    // A batch received by scan at 10.00 yuan a box of 24.
    let order = desk.submitted(&[(AMOXICILLIN, 10)]).await;
    let id = order["id"].as_str().unwrap().to_string();
    let got = desk
        .scan(
            &desk.warehouse,
            &id,
            &gs1(AMOXICILLIN, "COST01", far()),
            10,
            "m-1",
        )
        .await;
    let batch: uuid::Uuid = got["data"]["receivePurchaseOrderScan"]["batch"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let clinic: uuid::Uuid = app.institution("DEMO-VC0101").parse().unwrap();
    let other: uuid::Uuid = app.institution("DEMO-VC0102").parse().unwrap();
    let item: uuid::Uuid = app.item("YP0001").parse().unwrap();
    let now = app.clock.now();
    let charge = |member, quantity: i64| Charge {
        member_id: member,
        batch_id: batch,
        item_id: item,
        quantity,
        document: DocumentRef {
            doc_type: if quantity > 0 {
                DocumentType::Shipment
            } else {
                DocumentType::Return
            },
            id: uuid::Uuid::now_v7(),
            line_id: None,
            number: Some("SH-2026-000001".into()),
        },
        movement_id: None,
        occurred_at: now,
    };
    // What distribution's dispatch and return will post.
    let txn = app.backend.db().begin_write().await.unwrap();
    let posted = member_account::charge(
        &txn,
        app.county.community_id,
        now,
        &[
            charge(clinic, 100),
            charge(clinic, 48),
            charge(clinic, -24),
            charge(other, 24),
        ],
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    // 100 capsules at 10.00 a box of 24 is 41.67 yuan, rounded once.
    let amounts: Vec<i64> = posted.iter().map(|e| e.amount_fen).collect();
    assert_eq!(amounts, vec![4167, 2000, -1000, 1000]);

    let statement = "query($i: ID!, $f: Date!, $t: Date!) { memberStatement(institutionId: $i, from: $f, to: $t) {
        openingFen debitsFen creditsFen closingFen essentialFen entries { kind quantity amountFen essential } } }";
    let pharmacist = app.login("pharmacist.vc0101").await;
    let body = app
        .gql(
            Some(&pharmacist),
            statement,
            json!({ "i": clinic.to_string(), "f": today(), "t": today() }),
        )
        .await;
    let s = &body["data"]["memberStatement"];
    let own: i64 = posted
        .iter()
        .filter(|e| e.institution_id == clinic)
        .map(|e| e.amount_fen)
        .sum();
    assert_eq!(s["debitsFen"], 4167 + 2000, "{body}");
    assert_eq!(s["creditsFen"], 1000);
    assert_eq!(s["closingFen"].as_i64(), Some(own));
    assert_eq!(s["openingFen"], 0);
    // YP0001 is an essential medicine: dispensed at this cost.
    assert_eq!(s["essentialFen"].as_i64(), Some(own));
    assert_eq!(s["entries"].as_array().unwrap().len(), 3);
    assert_eq!(s["entries"][2]["kind"], "RETURN");

    // The next day opens with that balance.
    let tomorrow = today() + Duration::days(1);
    let next = app
        .gql(
            Some(&pharmacist),
            statement,
            json!({ "i": clinic.to_string(), "f": tomorrow, "t": tomorrow }),
        )
        .await;
    assert_eq!(
        next["data"]["memberStatement"]["openingFen"].as_i64(),
        Some(own)
    );
    assert_eq!(
        next["data"]["memberStatement"]["closingFen"].as_i64(),
        Some(own)
    );

    // Another member's pharmacist cannot read it.
    let stranger = app.login("pharmacist.vc0102").await;
    let no = app
        .gql(
            Some(&stranger),
            statement,
            json!({ "i": clinic.to_string(), "f": today(), "t": today() }),
        )
        .await;
    assert_eq!(error_code(&no), "FORBIDDEN");

    // The workbook: a summary and a sheet per member.
    let resp = app
        .client
        .get(format!(
            "{}/exports/member-statements.xlsx?from={}&to={}",
            app.base,
            today(),
            today()
        ))
        .bearer_auth(&desk.buyer)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(resp.bytes().await.unwrap().to_vec()))
            .unwrap();
    use calamine::Reader;
    let names = book.sheet_names();
    assert_eq!(names[0], "汇总");
    assert_eq!(names.len(), 1 + 10, "{names:?}");
    assert!(names.iter().any(|n| n == "青山镇东岭村卫生室"), "{names:?}");
    let bad = app
        .client
        .get(format!(
            "{}/exports/member-statements.xlsx?from=yesterday",
            app.base
        ))
        .bearer_auth(&desk.buyer)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let err: Value = bad.json().await.unwrap();
    assert_eq!(
        err["errors"][0]["extensions"]["code"], "VALIDATION",
        "{err}"
    );
}

#[tokio::test]
async fn the_demo_county_has_something_on_every_procurement_screen() {
    use yaolian_backend::Settings;
    use yaolian_seed::DemoOptions;
    let app = TestApp::spawn_demo(Settings::default(), DemoOptions { history: true }).await;
    let buyer = app.login("buyer").await;
    let body = app
        .gql(
            Some(&buyer),
            "{ suppliers { name licenceDaysLeft }
               purchaseOrders { edges { node { status } } }
               priceAgreements { vbp }
               procurementPlan { lines { supplier { id } quantityPacks } } }",
            json!({}),
        )
        .await;
    let d = &body["data"];
    let suppliers = d["suppliers"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    assert_eq!(suppliers.len(), 4);
    assert!(
        suppliers
            .iter()
            .any(|s| s["licenceDaysLeft"].as_i64().unwrap() < 30)
    );
    let statuses: Vec<&str> = d["purchaseOrders"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["status"].as_str().unwrap())
        .collect();
    assert!(
        statuses.contains(&"SUBMITTED") && statuses.contains(&"PARTIALLY_RECEIVED"),
        "{statuses:?}"
    );
    assert!(
        d["priceAgreements"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["vbp"] == true)
    );
    let plan = d["procurementPlan"]["lines"].as_array().unwrap();
    assert!(plan.len() >= 10, "{} plan lines", plan.len());
    assert!(plan.iter().all(|l| l["supplier"]["id"].is_string()));
    // Every member has dispensed: the village clinic's suggestion has lines.
    let pharmacist = app.login("pharmacist.vc0101").await;
    let s = app
        .gql(
            Some(&pharmacist),
            "query($i: ID!) { replenishmentSuggestion(institutionId: $i) { amc suggestedPacks } }",
            json!({ "i": app.institution("DEMO-VC0101") }),
        )
        .await;
    let lines = s["data"]["replenishmentSuggestion"]
        .as_array()
        .unwrap_or_else(|| panic!("{s}"));
    assert!(!lines.is_empty(), "{s}");
    assert!(
        lines
            .iter()
            .all(|l| l["suggestedPacks"].as_i64().unwrap() > 0)
    );
    app.assert_ledger_consistent().await;
}

/// The whole path over HTTP, as issue 14 states it: plan → orders →
/// partial receipt → full receipt → invoice match → payment → payables.
#[tokio::test]
async fn from_the_plan_to_payment_with_real_scans() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer").await;
    let warehouse = app.login("warehouse").await;
    let clinic = app.institution("DEMO-VC0101");
    dispensing_history(&app, &clinic, &app.lot(AMOXICILLIN, 0), 1000).await;

    // Plan → one draft for the chosen supplier → submitted.
    let made = app
        .gql(
            Some(&buyer),
            &format!("mutation($ids: [ID!]) {{ createPurchaseOrdersFromPlan(itemIds: $ids) {{ {ORDER_FIELDS} }} }}"),
            json!({ "ids": [app.item("YP0001")] }),
        )
        .await;
    let order = &made["data"]["createPurchaseOrdersFromPlan"][0];
    let id = order["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{made}"))
        .to_string();
    let supplier = order["supplier"]["id"].as_str().unwrap().to_string();
    let packs = order["lines"][0]["orderedPacks"].as_i64().unwrap();
    let price = order["lines"][0]["unitPriceFen"].as_i64().unwrap();
    let submitted = app
        .gql(
            Some(&buyer),
            "mutation($id: ID!) { submitPurchaseOrder(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        submitted["data"]["submitPurchaseOrder"]["status"],
        "SUBMITTED"
    );

    // A partial receipt, then the rest, scanned.
    let scan = |n: i64, key: &str| {
        json!({ "input": {
            "purchaseOrderId": id, "barcode": gs1(AMOXICILLIN, "FLOW01", far()),
            "packs": n, "clientRequestId": key,
        }})
    };
    let first = app
        .gql(Some(&warehouse), &scan_query(), scan(packs / 2, "flow-1"))
        .await;
    assert_eq!(
        first["data"]["receivePurchaseOrderScan"]["purchaseOrder"]["status"], "PARTIALLY_RECEIVED",
        "{first}"
    );
    let rest = app
        .gql(
            Some(&warehouse),
            &scan_query(),
            scan(packs - packs / 2, "flow-2"),
        )
        .await;
    assert_eq!(
        rest["data"]["receivePurchaseOrderScan"]["purchaseOrder"]["status"], "RECEIVED",
        "{rest}"
    );

    // The supplier's invoice matches, is approved, and is owed.
    let inv = app
        .gql(
            Some(&buyer),
            &format!("mutation($input: InvoiceInput!) {{ enterInvoice(input: $input) {{ {INVOICE_FIELDS} }} }}"),
            json!({ "input": {
                "supplierId": supplier, "purchaseOrderId": id, "number": "FLOW-0001",
                "invoiceDate": today(),
                "lines": [{ "itemId": app.item("YP0001"), "packs": packs,
                    "unitPriceFen": price, "amountFen": packs * price }],
            }}),
        )
        .await;
    let inv_id = inv["data"]["enterInvoice"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{inv}"))
        .to_string();
    let step = |name: &str| {
        format!("mutation($id: ID!) {{ {name}(id: $id) {{ status differences {{ kind }} }} }}")
    };
    let matched = app
        .gql(Some(&buyer), &step("matchInvoice"), json!({ "id": inv_id }))
        .await;
    assert_eq!(
        matched["data"]["matchInvoice"]["status"], "MATCHED",
        "{matched}"
    );
    let approved = app
        .gql(
            Some(&buyer),
            &step("approveInvoice"),
            json!({ "id": inv_id }),
        )
        .await;
    assert_eq!(approved["data"]["approveInvoice"]["status"], "APPROVED");
    let owed = |body: &Value| {
        body["data"]["payables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["supplier"]["id"] == supplier.as_str())
            .map(|p| p["approvedFen"].as_i64().unwrap())
            .unwrap_or(0)
    };
    let before = app.gql(Some(&buyer), PAYABLES, json!({})).await;
    assert_eq!(owed(&before), packs * price, "{before}");

    // Paid: nothing more is owed to that supplier for it.
    let paid = app
        .gql(
            Some(&buyer),
            "mutation($input: PaymentInput!) { recordPayment(input: $input) { amountFen invoiceIds } }",
            json!({ "input": { "supplierId": supplier, "amountFen": packs * price,
                "paidOn": today(), "reference": "统一支付 FLOW", "invoiceIds": [inv_id] } }),
        )
        .await;
    assert_eq!(
        paid["data"]["recordPayment"]["invoiceIds"],
        json!([inv_id]),
        "{paid}"
    );
    let after = app.gql(Some(&buyer), PAYABLES, json!({})).await;
    assert_eq!(owed(&after), 0, "{after}");
    app.assert_ledger_consistent().await;
}
