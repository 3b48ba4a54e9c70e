use crate::common::{TestApp, error_code};
use serde_json::{Value, json};
use yaolian_seed::{demo_case_gtin, demo_gtin, demo_trace_prefix};

const ITEMS: &str = "query($s: String, $k: ItemKind, $first: Int, $after: String) {
    items(search: $s, kind: $k, first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { id code kind genericName tradeName englishName dosageForm strength status
            baseUnit nhsaCode gtins packageLevels { level unitsPerPack gtins traceCodePrefix } } } } }";

const ITEM_FIELDS: &str = "id code kind genericName englishName strength status version nhsaCode
    nhsaSegments { kind class name dosageForm specPack enterprise }
    gtins packageLevels { level name unitsPerPack gtins traceCodePrefix }
    insuranceClass essential vbp vbpPriceFen prescriptionOnly controlledClass antibioticLevel
    highAlert lookAlike coldChain skinTest minInstitutionLevel nearExpiryDays
    minReceiptShelfLifeDays minDispatchShelfLifeDays storageMinCelsius storageMaxCelsius";

fn codes(body: &Value) -> Vec<String> {
    body["data"]["items"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|e| e["node"]["code"].as_str().unwrap().to_string())
        .collect()
}

pub(crate) fn new_item(code: &str, name: &str, gtin: &str) -> Value {
    json!({
        "code": code,
        "kind": "DRUG",
        "genericName": name,
        "englishName": "Test Tablets",
        "dosageForm": "片剂",
        "strength": "10mg",
        "baseUnit": "片",
        "packageLevels": [
            { "level": 1, "name": "盒", "unitsPerPack": 30, "gtins": [gtin], "traceCodePrefix": "8999001" },
            { "level": 2, "name": "箱", "unitsPerPack": 3000 }
        ],
        "nhsaCode": "XC10AAA123E001010100009",
        "insuranceClass": "B",
        "prescriptionOnly": true,
        "minInstitutionLevel": "TOWNSHIP_HEALTH_CENTRE"
    })
}

#[tokio::test]
async fn search_finds_by_chinese_pinyin_english_and_codes() {
    let app = TestApp::spawn().await;
    let token = app.login("doctor").await;
    let search = |s: &str| app.gql(Some(&token), ITEMS, json!({ "s": s }));

    let by_initials = search("amxl").await;
    assert_eq!(codes(&by_initials)[0], "YP0001");
    let node = &by_initials["data"]["items"]["edges"][0]["node"];
    assert_eq!(node["genericName"], "阿莫西林胶囊");
    assert_eq!(node["englishName"], "Amoxicillin Capsules");
    assert_eq!(node["kind"], "DRUG");
    assert_eq!(node["baseUnit"], "粒");
    let gtin14 = format!("0{}", demo_gtin(0));
    assert_eq!(node["gtins"], json!([gtin14, demo_case_gtin(0)]));
    assert_eq!(
        node["packageLevels"][0],
        json!({ "level": 1, "unitsPerPack": 24, "gtins": [gtin14], "traceCodePrefix": demo_trace_prefix(0, 1) })
    );
    assert_eq!(node["packageLevels"][1]["unitsPerPack"], 2400);

    assert_eq!(codes(&search("amoxilin").await), vec!["YP0001", "YP0051"]);
    assert_eq!(codes(&search("阿莫").await), vec!["YP0001", "YP0051"]);
    assert_eq!(codes(&search("西林").await), vec!["YP0001", "YP0051"]);
    assert_eq!(
        codes(&search("Amoxicillin").await),
        vec!["YP0001", "YP0051"]
    );
    assert_eq!(codes(&search("yp0003").await)[0], "YP0003");
    // Both EAN-13 and its GTIN-14 form find the item.
    assert_eq!(codes(&search(&demo_gtin(4)).await), vec!["YP0005"]);
    assert_eq!(
        codes(&search(&format!("0{}", demo_gtin(4))).await),
        vec!["YP0005"]
    );
    let nhsa = node["nhsaCode"].as_str().unwrap().to_string();
    assert_eq!(codes(&search(&nhsa.to_lowercase()).await)[0], "YP0001");
    assert!(codes(&search("no such thing").await).is_empty());

    let consumables = app
        .gql(Some(&token), ITEMS, json!({ "k": "CONSUMABLE" }))
        .await;
    // Sorted by pinyin, as a Chinese reader expects: yici-shuyeqi,
    // yici-wujun…, yiyong-tuozhi…, yiyong-waike….
    assert_eq!(
        codes(&consumables),
        vec!["HC0002", "HC0001", "HC0004", "HC0003"]
    );

    // Pages over the whole catalogue, each item once.
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = app
            .gql(Some(&token), ITEMS, json!({ "first": 20, "after": after }))
            .await;
        all.extend(codes(&page));
        let info = &page["data"]["items"]["pageInfo"];
        if info["hasNextPage"] != true {
            break;
        }
        after = info["endCursor"].as_str().map(str::to_string);
    }
    assert_eq!(all.len(), 55);
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 55);
}

#[tokio::test]
async fn exact_codes_rank_before_prefixes_before_substrings() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer").await;
    let gtin = yaolian_backend::labels::gtin::with_check_digit("690999900001");
    let created = app
        .gql(
            Some(&buyer),
            "mutation($i: ItemInput!) { createItem(input: $i) { id code version } }",
            json!({ "i": new_item("AMXL", "测试片", &gtin) }),
        )
        .await;
    assert_eq!(created["data"]["createItem"]["version"], 1, "{created}");
    // The new item is found at once: the index follows the catalogue version.
    let body = app.gql(Some(&buyer), ITEMS, json!({ "s": "amxl" })).await;
    assert_eq!(codes(&body), vec!["AMXL", "YP0001", "YP0051"]);
    // "lin" is a prefix of nothing in 阿莫西林 but a substring of its pinyin.
    let body = app.gql(Some(&buyer), ITEMS, json!({ "s": "ceshi" })).await;
    assert_eq!(codes(&body), vec!["AMXL"]);
}

#[tokio::test]
async fn buyers_keep_the_catalogue_with_versions() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer").await;
    let pharmacist = app.login("pharmacist.th01").await;
    let gtin = yaolian_backend::labels::gtin::with_check_digit("690999900002");
    let create =
        format!("mutation($i: ItemInput!) {{ createItem(input: $i) {{ {ITEM_FIELDS} }} }}");

    let refused = app
        .gql(
            Some(&pharmacist),
            &create,
            json!({ "i": new_item("T1", "测试片", &gtin) }),
        )
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");

    let body = app
        .gql(
            Some(&buyer),
            &create,
            json!({ "i": new_item(" t1 ", "测试片", &gtin) }),
        )
        .await;
    let item = &body["data"]["createItem"];
    assert_eq!(item["code"], "T1", "{body}");
    assert_eq!(item["gtins"], json!([format!("0{gtin}")]));
    assert_eq!(item["minInstitutionLevel"], "TOWNSHIP_HEALTH_CENTRE");
    assert_eq!(item["insuranceClass"], "B");
    assert_eq!(item["nearExpiryDays"], 90);
    // Not given: the community's defaults apply.
    for f in [
        "minReceiptShelfLifeDays",
        "minDispatchShelfLifeDays",
        "storageMinCelsius",
        "storageMaxCelsius",
    ] {
        assert!(item[f].is_null(), "{f} in {item}");
    }
    assert_eq!(
        item["nhsaSegments"],
        json!({ "kind": "X", "class": "C10AA", "name": "A123", "dosageForm": "E001",
                "specPack": "0101", "enterprise": "00009" })
    );
    let id = item["id"].as_str().unwrap().to_string();

    // Each bad field is named, and nothing is written.
    let mut bad = new_item("T2", "", "6909999000020");
    bad["packageLevels"][1]["unitsPerPack"] = json!(45);
    bad["nhsaCode"] = json!("Q1");
    let body = app.gql(Some(&buyer), &create, json!({ "i": bad })).await;
    assert_eq!(error_code(&body), "VALIDATION");
    let fields = body["errors"][0]["extensions"]["fields"]
        .as_array()
        .expect("extensions.fields lists every problem");
    let named: Vec<&str> = fields.iter().filter_map(|f| f["field"].as_str()).collect();
    for f in [
        "genericName",
        "packageLevels[1].gtins",
        "packageLevels[2].unitsPerPack",
        "nhsaCode",
    ] {
        assert!(named.contains(&f), "{f} not in {named:?}");
    }
    for f in fields {
        // Each problem is explained to the user in both languages.
        assert!(!f["message"].as_str().unwrap_or("").is_empty(), "{f}");
        let zh = f["messageZh"].as_str().unwrap_or("");
        assert!(
            zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{f}"
        );
    }
    let generic = fields.iter().find(|f| f["field"] == "genericName").unwrap();
    assert_eq!(generic["messageZh"], "必填");
    assert_eq!(body["errors"][0]["extensions"]["field"], named[0]);
    // A GTIN or trace-code prefix already on another item is refused.
    let dup = app
        .gql(
            Some(&buyer),
            &create,
            json!({ "i": new_item("T3", "另一片", &gtin) }),
        )
        .await;
    assert_eq!(error_code(&dup), "VALIDATION");
    assert!(
        dup["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already belongs")
    );

    // Update: a new version with old and new values; no change, no version.
    let update = format!(
        "mutation($id: ID!, $i: ItemInput!, $d: NaiveDate) {{ updateItem(id: $id, input: $i, effectiveDate: $d) {{ {ITEM_FIELDS} }} }}"
    );
    let mut changed = new_item("T1", "测试片", &gtin);
    changed["strength"] = json!("20mg");
    let body = app
        .gql(
            Some(&buyer),
            &update,
            json!({ "id": id, "i": changed, "d": "2026-06-01" }),
        )
        .await;
    assert_eq!(body["data"]["updateItem"]["strength"], "20mg", "{body}");
    assert_eq!(body["data"]["updateItem"]["version"], 2);
    let same = app
        .gql(Some(&buyer), &update, json!({ "id": id, "i": changed }))
        .await;
    assert_eq!(same["data"]["updateItem"]["version"], 2);
    let future = app
        .gql(
            Some(&buyer),
            &update,
            json!({ "id": id, "i": changed, "d": "2027-01-01" }),
        )
        .await;
    assert_eq!(error_code(&future), "VALIDATION");

    // Status: suspend, delist, and an illegal move.
    let status = |op: &str| {
        format!(
            "mutation($id: ID!) {{ {op}(id: $id, reason: \"供应中断 supply stopped\") {{ status version }} }}"
        )
    };
    let s = app
        .gql(Some(&buyer), &status("suspendItem"), json!({ "id": id }))
        .await;
    assert_eq!(s["data"]["suspendItem"]["status"], "SUSPENDED");
    let s = app
        .gql(Some(&buyer), &status("suspendItem"), json!({ "id": id }))
        .await;
    assert_eq!(error_code(&s), "ILLEGAL_STATE");
    assert_eq!(
        s["errors"][0]["extensions"]["reason"],
        "ITEM_STATUS_TRANSITION"
    );
    let d = app
        .gql(Some(&buyer), &status("delistItem"), json!({ "id": id }))
        .await;
    assert_eq!(d["data"]["delistItem"]["status"], "DELISTED");
    assert_eq!(d["data"]["delistItem"]["version"], 4);
    let d = app
        .gql(Some(&buyer), &status("delistItem"), json!({ "id": id }))
        .await;
    assert_eq!(error_code(&d), "ILLEGAL_STATE");
    let blank = app
        .gql(
            Some(&buyer),
            "mutation($id: ID!) { reactivateItem(id: $id, reason: \" \") { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&blank), "VALIDATION");

    let history = app
        .gql(
            Some(&buyer),
            "query($id: ID!) { itemHistory(itemId: $id) { version change changedBy changedAt effectiveDate oldValues newValues } }",
            json!({ "id": id }),
        )
        .await;
    let versions = history["data"]["itemHistory"].as_array().unwrap();
    let changes: Vec<&str> = versions
        .iter()
        .map(|v| v["change"].as_str().unwrap())
        .collect();
    assert_eq!(changes, vec!["CREATE", "UPDATE", "SUSPEND", "DELIST"]);
    assert!(versions[0]["oldValues"].is_null());
    assert_eq!(versions[1]["oldValues"]["item"]["strength"], "10mg");
    assert_eq!(versions[1]["newValues"]["item"]["strength"], "20mg");
    assert_eq!(versions[1]["effectiveDate"], "2026-06-01");
    assert_eq!(
        versions[1]["changedBy"],
        app.county.users["buyer"].to_string().as_str()
    );
    assert_eq!(versions[3]["newValues"]["status"], "Delisted");
    assert_eq!(
        versions[3]["newValues"]["reason"],
        "供应中断 supply stopped"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_edits_of_one_item_are_conflicts_not_internal_errors() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer").await;
    let gtin = yaolian_backend::labels::gtin::with_check_digit("690999900031");
    let create =
        format!("mutation($i: ItemInput!) {{ createItem(input: $i) {{ {ITEM_FIELDS} }} }}");
    let body = app
        .gql(
            Some(&buyer),
            &create,
            json!({ "i": new_item("RACE1", "竞争片", &gtin) }),
        )
        .await;
    let id = body["data"]["createItem"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let update =
        "mutation($id: ID!, $i: ItemInput!) { updateItem(id: $id, input: $i) { version } }";
    let edits = (0..8).map(|n| {
        let mut input = new_item("RACE1", "竞争片", &gtin);
        input["strength"] = json!(format!("{}mg", 100 + n));
        let (app, buyer, id) = (&app, &buyer, &id);
        async move {
            app.gql(Some(buyer), update, json!({ "id": id, "i": input }))
                .await
        }
    });
    let results = futures::future::join_all(edits).await;
    let mut ok = 0;
    for body in &results {
        if body["errors"].is_null() {
            ok += 1;
        } else {
            assert_eq!(error_code(body), "CONFLICT", "{body}");
        }
    }
    assert!(ok >= 1, "{results:?}");
    // Every success is one version, with no gap and no duplicate.
    let history = app
        .gql(
            Some(&buyer),
            "query($id: ID!) { itemHistory(itemId: $id) { version } item(id: $id) { version } }",
            json!({ "id": id }),
        )
        .await;
    let versions: Vec<i64> = history["data"]["itemHistory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, (1..=1 + ok).collect::<Vec<_>>());
    assert_eq!(history["data"]["item"]["version"], 1 + ok);
}

#[tokio::test]
async fn an_items_own_shelf_lives_and_storage_range_are_kept_and_checked() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer").await;
    let gtin = yaolian_backend::labels::gtin::with_check_digit("690999900041");
    let create =
        format!("mutation($i: ItemInput!) {{ createItem(input: $i) {{ {ITEM_FIELDS} }} }}");
    let update = format!(
        "mutation($id: ID!, $i: ItemInput!) {{ updateItem(id: $id, input: $i) {{ {ITEM_FIELDS} }} }}"
    );
    let mut input = new_item("OWN1", "自定效期注射液", &gtin);
    input["coldChain"] = json!(true);
    input["minReceiptShelfLifeDays"] = json!(400);
    input["minDispatchShelfLifeDays"] = json!(30);
    input["storageMinCelsius"] = json!(15);
    input["storageMaxCelsius"] = json!(25.5);
    let body = app.gql(Some(&buyer), &create, json!({ "i": input })).await;
    let item = &body["data"]["createItem"];
    assert_eq!(item["minReceiptShelfLifeDays"], 400, "{body}");
    assert_eq!(item["minDispatchShelfLifeDays"], 30);
    assert_eq!(item["storageMinCelsius"], 15.0);
    assert_eq!(item["storageMaxCelsius"], 25.5);
    let id = item["id"].as_str().unwrap().to_string();

    // Read back from the database, not from the mutation's own view.
    let read = |id: String| {
        let (app, buyer) = (&app, &buyer);
        async move {
            app.gql(
                Some(buyer),
                &format!("query($id: ID!) {{ item(id: $id) {{ {ITEM_FIELDS} }} }}"),
                json!({ "id": id }),
            )
            .await["data"]["item"]
                .clone()
        }
    };
    let stored = read(id.clone()).await;
    assert_eq!(
        (
            stored["minReceiptShelfLifeDays"].as_i64(),
            stored["minDispatchShelfLifeDays"].as_i64(),
            stored["storageMinCelsius"].as_f64(),
            stored["storageMaxCelsius"].as_f64(),
        ),
        (Some(400), Some(30), Some(15.0), Some(25.5)),
        "{stored}"
    );

    // Changed, then back to the defaults: each a version, with history.
    input["minReceiptShelfLifeDays"] = json!(200);
    input["storageMinCelsius"] = json!(-20);
    input["storageMaxCelsius"] = json!(-10.5);
    let body = app
        .gql(Some(&buyer), &update, json!({ "id": id, "i": input }))
        .await;
    let item = &body["data"]["updateItem"];
    assert_eq!(item["version"], 2, "{body}");
    assert_eq!(item["minReceiptShelfLifeDays"], 200);
    assert_eq!(item["minDispatchShelfLifeDays"], 30);
    assert_eq!(item["storageMinCelsius"], -20.0);
    assert_eq!(item["storageMaxCelsius"], -10.5);
    for f in [
        "minReceiptShelfLifeDays",
        "minDispatchShelfLifeDays",
        "storageMinCelsius",
        "storageMaxCelsius",
    ] {
        input[f] = Value::Null;
    }
    let body = app
        .gql(Some(&buyer), &update, json!({ "id": id, "i": input }))
        .await;
    assert_eq!(body["data"]["updateItem"]["version"], 3, "{body}");
    let stored = read(id.clone()).await;
    for f in [
        "minReceiptShelfLifeDays",
        "minDispatchShelfLifeDays",
        "storageMinCelsius",
        "storageMaxCelsius",
    ] {
        assert!(stored[f].is_null(), "{f} in {stored}");
    }
    let history = app
        .gql(
            Some(&buyer),
            "query($id: ID!) { itemHistory(itemId: $id) { version oldValues newValues } }",
            json!({ "id": id }),
        )
        .await;
    let v = history["data"]["itemHistory"].as_array().unwrap();
    assert_eq!(v.len(), 3, "{history}");
    assert_eq!(v[0]["newValues"]["format"], 2);
    let first = &v[0]["newValues"]["item"];
    assert_eq!(first["min_receipt_shelf_life_days"], 400, "{first}");
    assert_eq!(first["min_dispatch_shelf_life_days"], 30);
    assert_eq!(first["storage_min_decicelsius"], 150);
    assert_eq!(first["storage_max_decicelsius"], 255);
    assert_eq!(
        v[1]["oldValues"]["item"]["min_receipt_shelf_life_days"],
        400
    );
    assert_eq!(
        v[1]["newValues"]["item"]["min_receipt_shelf_life_days"],
        200
    );
    assert_eq!(v[1]["newValues"]["item"]["storage_max_decicelsius"], -105);
    assert_eq!(v[2]["oldValues"]["item"]["storage_min_decicelsius"], -200);
    let last = &v[2]["newValues"]["item"];
    for f in [
        "min_receipt_shelf_life_days",
        "min_dispatch_shelf_life_days",
        "storage_min_decicelsius",
        "storage_max_decicelsius",
    ] {
        // Present, and null: the community's default.
        assert_eq!(last.get(f), Some(&Value::Null), "{f} in {last}");
    }

    // Each bad value is refused on its own field, and nothing is written.
    let cases = [
        (
            json!({ "minReceiptShelfLifeDays": 0 }),
            "minReceiptShelfLifeDays",
            "1 to 3650",
        ),
        (
            json!({ "minReceiptShelfLifeDays": 3651 }),
            "minReceiptShelfLifeDays",
            "1 to 3650",
        ),
        (
            json!({ "minDispatchShelfLifeDays": -1 }),
            "minDispatchShelfLifeDays",
            "1 to 3650",
        ),
        (
            json!({ "minDispatchShelfLifeDays": 4000 }),
            "minDispatchShelfLifeDays",
            "1 to 3650",
        ),
        (
            json!({ "storageMinCelsius": -50.1, "storageMaxCelsius": 8 }),
            "storageMinCelsius",
            "between -50 and 60",
        ),
        (
            json!({ "storageMinCelsius": 2, "storageMaxCelsius": 60.5 }),
            "storageMaxCelsius",
            "between -50 and 60",
        ),
        (
            json!({ "storageMinCelsius": 8, "storageMaxCelsius": 2 }),
            "storageMaxCelsius",
            "above the lower limit of 8 °C",
        ),
        (
            json!({ "storageMinCelsius": 8, "storageMaxCelsius": 8 }),
            "storageMaxCelsius",
            "above the lower limit",
        ),
        (
            json!({ "storageMinCelsius": 2 }),
            "storageMaxCelsius",
            "upper limit too",
        ),
        (
            json!({ "storageMaxCelsius": 8 }),
            "storageMinCelsius",
            "lower limit too",
        ),
    ];
    for (values, field, needle) in cases {
        let mut bad = input.clone();
        for (k, v) in values.as_object().unwrap() {
            bad[k] = v.clone();
        }
        let body = app
            .gql(Some(&buyer), &update, json!({ "id": id, "i": bad }))
            .await;
        assert_eq!(error_code(&body), "VALIDATION", "{values}: {body}");
        let fields = body["errors"][0]["extensions"]["fields"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"));
        assert_eq!(fields.len(), 1, "{values}: {body}");
        assert_eq!(fields[0]["field"], field, "{values}: {body}");
        assert!(
            fields[0]["message"].as_str().unwrap_or("").contains(needle),
            "{values}: {body}"
        );
    }
    assert_eq!(read(id.clone()).await["version"], 3);

    // A range only makes sense on a cold-chain item: refused on any other,
    // on create and on update.
    let mut plain = new_item(
        "OWN2",
        "常温片",
        &yaolian_backend::labels::gtin::with_check_digit("690999900042"),
    );
    plain["packageLevels"][0]["traceCodePrefix"] = json!("8999002");
    plain["storageMinCelsius"] = json!(10);
    plain["storageMaxCelsius"] = json!(30);
    let body = app.gql(Some(&buyer), &create, json!({ "i": plain })).await;
    assert_eq!(error_code(&body), "VALIDATION", "{body}");
    let fields = body["errors"][0]["extensions"]["fields"]
        .as_array()
        .unwrap();
    assert_eq!(fields.len(), 1, "{body}");
    assert_eq!(fields[0]["field"], "storageMinCelsius");
    assert!(
        fields[0]["message"]
            .as_str()
            .unwrap()
            .contains("cold-chain items only"),
        "{body}"
    );
    assert!(
        fields[0]["messageZh"].as_str().unwrap().contains("冷链"),
        "{body}"
    );
    let none = app.gql(Some(&buyer), ITEMS, json!({ "s": "OWN2" })).await;
    assert!(codes(&none).is_empty(), "{none}");
    let mut warm = input.clone();
    warm["coldChain"] = json!(false);
    warm["storageMinCelsius"] = json!(2);
    warm["storageMaxCelsius"] = json!(8);
    let body = app
        .gql(Some(&buyer), &update, json!({ "id": id, "i": warm }))
        .await;
    assert_eq!(error_code(&body), "VALIDATION", "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        "storageMinCelsius"
    );
    // Without the range the same item may stop being cold-chain, and its
    // own shelf lives need no cold chain.
    warm["storageMinCelsius"] = Value::Null;
    warm["storageMaxCelsius"] = Value::Null;
    warm["minReceiptShelfLifeDays"] = json!(365);
    let body = app
        .gql(Some(&buyer), &update, json!({ "id": id, "i": warm }))
        .await;
    let item = &body["data"]["updateItem"];
    assert_eq!(item["coldChain"], false, "{body}");
    assert_eq!(item["minReceiptShelfLifeDays"], 365);
    assert_eq!(item["version"], 4);
}
