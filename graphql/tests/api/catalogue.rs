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
    highAlert lookAlike coldChain skinTest minInstitutionLevel nearExpiryDays";

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
