use crate::common::{TestApp, error_code};
use chrono::{Datelike, NaiveDate};
use serde_json::{Value, json};
use yaolian_seed::{demo_gtin, demo_trace_prefix};

const RESOLVE: &str = "query($raw: String!, $i: ID) { resolveBarcode(raw: $raw, institutionId: $i) {
    kind symbology gtin lotNumber expiryDate productionDate serial traceCode documentNumber locationCode
    item { id genericName } packageLevel unitsPerScan batch { id status } warnings { code message } } }";

fn yymmdd(d: NaiveDate) -> String {
    format!("{:02}{:02}{:02}", d.year() % 100, d.month(), d.day())
}

fn warnings(body: &Value) -> Vec<String> {
    body["data"]["resolveBarcode"]["warnings"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|w| w["code"].as_str().unwrap().to_string())
        .collect()
}

async fn batch_expiry(app: &TestApp, token: &str, batch: &str) -> NaiveDate {
    let body = app
        .gql(
            Some(token),
            "query($i: ID!) { stock(institutionId: $i, first: 200) { edges { node { batch { id expiryDate lotNumber } } } } }",
            json!({ "i": app.institution("DEMO-LC") }),
        )
        .await;
    let edges = body["data"]["stock"]["edges"].as_array().unwrap();
    let node = edges
        .iter()
        .find(|e| e["node"]["batch"]["id"] == batch)
        .unwrap_or_else(|| panic!("batch {batch} not at the centre"));
    node["node"]["batch"]["expiryDate"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn gs1_scans_resolve_item_level_batch_and_expiry() {
    let app = TestApp::spawn().await;
    let token = app.login("warehouse").await;
    let today = NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
    let lot = yaolian_seed::demo_lot(today, 0, 0);
    let batch = app.lot(0, 0);
    let expiry = batch_expiry(&app, &token, &batch).await;
    let gtin14 = format!("0{}", demo_gtin(0));

    // The same pack through three scanner set-ups.
    for raw in [
        format!("]d201{gtin14}17{}10{lot}\u{1d}21SN0001", yymmdd(expiry)),
        format!("]C101{gtin14}17{}10{lot}<GS>21SN0001\r\n", yymmdd(expiry)),
        format!("(01){gtin14}(17){}(10){lot}(21)SN0001", yymmdd(expiry)),
    ] {
        let body = app.gql(Some(&token), RESOLVE, json!({ "raw": raw })).await;
        let r = &body["data"]["resolveBarcode"];
        assert_eq!(r["kind"], "GS1", "{raw}: {body}");
        assert_eq!(r["gtin"], gtin14.as_str());
        assert_eq!(r["lotNumber"], lot.as_str());
        assert_eq!(r["serial"], "SN0001");
        assert_eq!(r["expiryDate"], expiry.to_string());
        assert_eq!(r["item"]["genericName"], "阿莫西林胶囊");
        assert_eq!(r["packageLevel"], 1);
        assert_eq!(r["unitsPerScan"], 24);
        assert_eq!(r["batch"]["id"], batch.as_str());
        assert_eq!(r["batch"]["status"], "AVAILABLE");
        assert!(warnings(&body).is_empty(), "{body}");
    }
    let body = app
        .gql(
            Some(&token),
            RESOLVE,
            json!({ "raw": format!("]d201{gtin14}17{}10{lot}", yymmdd(expiry)) }),
        )
        .await;
    assert_eq!(
        body["data"]["resolveBarcode"]["symbology"],
        "GS1_DATAMATRIX"
    );

    // The case GTIN: level 2, a hundred boxes' worth of units.
    let case = yaolian_seed::demo_case_gtin(0);
    let body = app
        .gql(
            Some(&token),
            RESOLVE,
            json!({ "raw": format!("01{case}17{}10{lot}", yymmdd(expiry)) }),
        )
        .await;
    assert_eq!(body["data"]["resolveBarcode"]["packageLevel"], 2);
    assert_eq!(body["data"]["resolveBarcode"]["unitsPerScan"], 2400);

    // A lot not received yet, with a wrong expiry on the pack: item found,
    // batch unknown.
    let body = app
        .gql(
            Some(&token),
            RESOLVE,
            json!({ "raw": format!("01{gtin14}17{}10NEWLOT1", yymmdd(expiry)) }),
        )
        .await;
    assert!(body["data"]["resolveBarcode"]["batch"].is_null());
    assert_eq!(warnings(&body), vec!["UNKNOWN_BATCH"]);
}

#[tokio::test]
async fn warnings_for_expired_quarantined_near_expiry_level_and_unknown() {
    let app = TestApp::spawn().await;
    let token = app.login("pharmacist.vc0101").await;
    let clinic = app.institution("DEMO-VC0101");
    let today = NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
    let g = |i: usize| format!("0{}", demo_gtin(i));

    let expired = app
        .gql(
            Some(&token),
            RESOLVE,
            json!({ "raw": format!("01{}17{}10EXP2301X", g(0), yymmdd(today - chrono::Duration::days(10))), "i": clinic }),
        )
        .await;
    assert_eq!(warnings(&expired), vec!["EXPIRED"]);

    let quarantined = app
        .gql(
            Some(&token),
            RESOLVE,
            json!({ "raw": format!("01{}17{}10QTN2402Q", g(6), yymmdd(today + chrono::Duration::days(300))) }),
        )
        .await;
    assert_eq!(warnings(&quarantined), vec!["QUARANTINED"]);
    assert_eq!(
        quarantined["data"]["resolveBarcode"]["batch"]["status"],
        "QUARANTINED"
    );

    // Item 3's first batch expires in 25 days: near expiry.
    let lot = yaolian_seed::demo_lot(today, 3, 0);
    let near = app
        .gql(
            Some(&token),
            RESOLVE,
            json!({ "raw": format!("01{}17{}10{lot}", g(3), yymmdd(today + chrono::Duration::days(34))) }),
        )
        .await;
    let codes = warnings(&near);
    assert!(codes.contains(&"NEAR_EXPIRY".to_string()), "{near}");

    // Tramadol is stocked from the county hospital up, not at a village clinic.
    let tramadol = app
        .gql(
            Some(&token),
            RESOLVE,
            json!({ "raw": demo_gtin(47), "i": clinic }),
        )
        .await;
    assert_eq!(tramadol["data"]["resolveBarcode"]["kind"], "RETAIL_CODE");
    assert_eq!(tramadol["data"]["resolveBarcode"]["symbology"], "EAN_13");
    assert_eq!(warnings(&tramadol), vec!["NOT_ALLOWED_AT_LEVEL"]);

    // A valid GTIN nobody has catalogued: no error, no item, a warning.
    let unknown = yaolian_backend::labels::gtin::with_check_digit("690000099999");
    let body = app
        .gql(Some(&token), RESOLVE, json!({ "raw": unknown }))
        .await;
    assert!(body["data"]["resolveBarcode"]["item"].is_null());
    assert_eq!(warnings(&body), vec!["UNKNOWN_GTIN"]);

    // Another clinic's context is not the pharmacist's to ask about.
    let other = app
        .gql(
            Some(&token),
            RESOLVE,
            json!({ "raw": unknown, "i": app.institution("DEMO-VC0102") }),
        )
        .await;
    assert_eq!(error_code(&other), "FORBIDDEN");
}

#[tokio::test]
async fn trace_codes_retail_codes_and_yaolian_labels() {
    let app = TestApp::spawn().await;
    let token = app.login("pharmacist.th01").await;
    let trace = format!("{}1234567890123", demo_trace_prefix(9, 1));
    let body = app
        .gql(Some(&token), RESOLVE, json!({ "raw": trace }))
        .await;
    let r = &body["data"]["resolveBarcode"];
    assert_eq!(r["kind"], "TRACE_CODE");
    assert_eq!(r["traceCode"], trace.as_str());
    assert_eq!(r["item"]["genericName"], "苯磺酸氨氯地平片");
    assert_eq!(r["packageLevel"], 1);
    assert_eq!(r["unitsPerScan"], 28);
    assert!(r["batch"].is_null());

    let case_trace = format!("{}0000000000001", demo_trace_prefix(9, 3));
    let body = app
        .gql(Some(&token), RESOLVE, json!({ "raw": case_trace }))
        .await;
    assert_eq!(body["data"]["resolveBarcode"]["packageLevel"], 2);
    assert_eq!(body["data"]["resolveBarcode"]["unitsPerScan"], 2800);

    let foreign = "71234561234567890123";
    let body = app
        .gql(Some(&token), RESOLVE, json!({ "raw": foreign }))
        .await;
    let codes = warnings(&body);
    assert!(codes.contains(&"UNKNOWN_TRACE_CODE_PREFIX".to_string()));
    assert!(codes.contains(&"TRACE_CODE_ISSUER".to_string()));

    let body = app
        .gql(Some(&token), RESOLVE, json!({ "raw": "SH-2026-000123" }))
        .await;
    assert_eq!(body["data"]["resolveBarcode"]["kind"], "SHIPMENT");
    assert_eq!(
        body["data"]["resolveBarcode"]["documentNumber"],
        "SH-2026-000123"
    );
    let body = app
        .gql(Some(&token), RESOLVE, json!({ "raw": "loc-a01-03" }))
        .await;
    assert_eq!(body["data"]["resolveBarcode"]["locationCode"], "LOC-A01-03");
}

#[tokio::test]
async fn bad_scans_name_the_fault() {
    let app = TestApp::spawn().await;
    let token = app.login("pharmacist.th01").await;
    let good = demo_gtin(0);
    let wrong_check = format!("{}{}", &good[..12], (good.as_bytes()[12] - b'0' + 1) % 10);
    for (raw, reason_part) in [
        ("", "empty"),
        ("hello world", ""),
        (wrong_check.as_str(), "check_digit"),
        ("]C101069012345", "truncated"),
        (&*"9".repeat(600), "too_long"),
        ("]C10106901234567892(17)991399", ""),
    ] {
        let body = app.gql(Some(&token), RESOLVE, json!({ "raw": raw })).await;
        assert_eq!(error_code(&body), "INVALID_BARCODE", "{raw}: {body}");
        let reason = body["errors"][0]["extensions"]["reason"].as_str().unwrap();
        assert!(reason.contains(reason_part), "{raw}: {reason}");
        assert!(!body["errors"][0]["message"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn batch_and_location_labels_download() {
    let app = TestApp::spawn().await;
    let token = app.login("warehouse").await;
    let batch = app.lot(0, 0);
    let get = |path: String, token: Option<String>| {
        let mut req = app.client.get(format!("{}{path}", app.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let svg = get(format!("/labels/batch/{batch}.svg"), Some(token.clone()))
        .await
        .unwrap();
    assert_eq!(svg.status().as_u16(), 200);
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    let text = svg.text().await.unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
    let lot = yaolian_seed::demo_lot(today, 0, 0);
    assert!(text.starts_with("<svg") || text.starts_with("<?xml"));
    assert!(text.contains(&format!("(01)0{}", demo_gtin(0))), "HRI line");
    assert!(text.contains(&format!("(10){lot}")));
    assert!(text.contains("阿莫西林胶囊"));

    let png = get(format!("/labels/batch/{batch}.png"), Some(token.clone()))
        .await
        .unwrap();
    assert_eq!(png.status().as_u16(), 200);
    let bytes = png.bytes().await.unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");

    let dm = get(format!("/labels/batch/{batch}.dm.svg"), Some(token.clone()))
        .await
        .unwrap();
    assert_eq!(dm.status().as_u16(), 200);

    let loc = get(
        "/labels/location/LOC-A01-03.svg".into(),
        Some(token.clone()),
    )
    .await
    .unwrap();
    assert_eq!(loc.status().as_u16(), 200);
    assert!(loc.text().await.unwrap().contains("LOC-A01-03"));

    let anonymous = get(format!("/labels/batch/{batch}.svg"), None)
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    let body: Value = anonymous.json().await.unwrap();
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    let missing = get(
        format!("/labels/batch/{}.svg", uuid::Uuid::now_v7()),
        Some(token.clone()),
    )
    .await
    .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    let bad = get(format!("/labels/batch/{batch}.gif"), Some(token))
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 422);
}

#[tokio::test]
async fn gs1_ais_without_a_field_come_back_as_other_elements() {
    let app = TestApp::spawn().await;
    let token = app.login("warehouse").await;
    let gtin14 = format!("0{}", demo_gtin(0));
    // Expiry time (7003) and net weight in kg with 3 decimals (3103), as a
    // foreign manufacturer's pack carries them; both used to be refused.
    // (7003) needs a separator after it; (17) and (3103) have predefined
    // lengths and need none.
    let raw = format!("]d201{gtin14}1727123170032712312359\u{1d}310300125010LOT1");
    let body = app
        .gql(
            Some(&token),
            "query($raw: String!) { resolveBarcode(raw: $raw) {
                gtin lotNumber expiryDate otherElements { ai value title } } }",
            json!({ "raw": raw }),
        )
        .await;
    let r = &body["data"]["resolveBarcode"];
    assert_eq!(r["gtin"], gtin14.as_str(), "{body}");
    assert_eq!(r["lotNumber"], "LOT1");
    assert_eq!(r["expiryDate"], "2027-12-31");
    assert_eq!(
        r["otherElements"],
        json!([
            { "ai": "7003", "value": "2712312359", "title": "EXPIRY TIME" },
            { "ai": "3103", "value": "001250", "title": "NET WEIGHT (kg)" },
        ]),
        "{body}"
    );
}
