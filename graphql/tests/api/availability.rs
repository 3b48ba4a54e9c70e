//! The doctors' stock check: what is available where, and what else would do.

use crate::common::{TestApp, error_code};
use serde_json::{Value, json};

const SEARCH: &str = "query($s: String!, $p: ID, $n: Int) {
    stockSearch(search: $s, pickupInstitutionId: $p, first: $n) {
        item { id code genericName strength }
        allowedAtPickup
        locations { institution { id code kind } available earliestExpiry }
        alternatives { item { id code genericName strength } locations { institution { id code } available } }
    } }";

const ONE: &str = "query($i: ID!, $p: ID) {
    stockAvailability(itemId: $i, pickupInstitutionId: $p) {
        item { code } allowedAtPickup
        locations { institution { code } available earliestExpiry }
    } }";

fn places(availability: &Value) -> Vec<(String, i64)> {
    availability["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["institution"]["code"].as_str().unwrap().to_string(),
                l["available"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_village_pickup_shows_four_levels_and_the_alternative() {
    let app = TestApp::spawn().await;
    let doctor = app.login("doctor.th01").await;
    let body = app
        .gql(
            Some(&doctor),
            SEARCH,
            json!({ "s": "amxl", "p": app.institution("DEMO-VC0101") }),
        )
        .await;
    let hits = body["data"]["stockSearch"].as_array().expect("hits");
    let codes: Vec<&str> = hits
        .iter()
        .map(|h| h["item"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["YP0001", "YP0051"], "{body}");
    let first = &hits[0];
    // The clinic's own 60 capsules count; its expired batch (EXP2301X, 24)
    // does not. The township centre, the county hospital and the centre
    // follow, each once.
    assert_eq!(
        places(first),
        [
            ("DEMO-VC0101".to_string(), 60),
            ("DEMO-TH01".to_string(), 200),
            ("DEMO-CH".to_string(), 600),
            ("DEMO-LC".to_string(), 960),
        ]
    );
    assert_eq!(
        first["locations"][0]["institution"]["kind"],
        "VILLAGE_CLINIC"
    );
    // Two batches at the centre, 540 and 200 days out: the earlier counts.
    assert_eq!(first["locations"][3]["earliestExpiry"], "2027-01-01");
    assert_eq!(first["allowedAtPickup"], true);
    let alternatives = first["alternatives"].as_array().unwrap();
    assert_eq!(alternatives.len(), 1, "{first}");
    assert_eq!(alternatives[0]["item"]["code"], "YP0051");
    assert_eq!(alternatives[0]["item"]["strength"], "0.5g");
    assert_eq!(
        places(&alternatives[0]),
        [
            ("DEMO-VC0101".to_string(), 0),
            ("DEMO-TH01".to_string(), 0),
            ("DEMO-CH".to_string(), 0),
            ("DEMO-LC".to_string(), 1520),
        ]
    );
}

#[tokio::test]
async fn the_pickup_defaults_to_the_callers_institution_and_levels_are_judged_there() {
    let app = TestApp::spawn().await;
    let doctor = app.login("doctor.th01").await;
    let own = app
        .gql(Some(&doctor), ONE, json!({ "i": app.item("YP0001") }))
        .await;
    let a = &own["data"]["stockAvailability"];
    // A township centre's parent is the county hospital: three places.
    assert_eq!(
        places(a),
        [
            ("DEMO-TH01".to_string(), 200),
            ("DEMO-CH".to_string(), 600),
            ("DEMO-LC".to_string(), 960),
        ],
        "{own}"
    );
    // YP0003 is kept from township level up: allowed here, not at a clinic.
    let here = app
        .gql(Some(&doctor), ONE, json!({ "i": app.item("YP0003") }))
        .await;
    assert_eq!(here["data"]["stockAvailability"]["allowedAtPickup"], true);
    let clinic = app
        .gql(
            Some(&doctor),
            ONE,
            json!({ "i": app.item("YP0003"), "p": app.institution("DEMO-VC0101") }),
        )
        .await;
    assert_eq!(
        clinic["data"]["stockAvailability"]["allowedAtPickup"],
        false
    );
}

#[tokio::test]
async fn reserved_and_blocked_stock_is_not_available() {
    let app = TestApp::spawn().await;
    let doctor = app.login("doctor").await;
    // YP0007's quarantined batch (QTN2402Q, 500 at the centre) is left out.
    let body = app
        .gql(Some(&doctor), ONE, json!({ "i": app.item("YP0007") }))
        .await;
    let a = &body["data"]["stockAvailability"];
    let centre = places(a)
        .into_iter()
        .find(|(c, _)| c == "DEMO-LC")
        .unwrap()
        .1;
    let pharmacist = app.login("warehouse").await;
    let (on_hand_total, available_total) = {
        let mut on = 0;
        let mut av = 0;
        let stock = app
            .gql(
                Some(&pharmacist),
                "query($i: ID!, $it: ID) { stock(institutionId: $i, itemId: $it, first: 50) { nodes { onHand available batch { status expiryDate } } } }",
                json!({ "i": app.institution("DEMO-LC"), "it": app.item("YP0007") }),
            )
            .await;
        for n in stock["data"]["stock"]["nodes"].as_array().unwrap() {
            on += n["onHand"].as_i64().unwrap();
            if n["batch"]["status"] == "AVAILABLE" {
                av += n["available"].as_i64().unwrap();
            }
        }
        (on, av)
    };
    assert_eq!(centre, available_total);
    assert_eq!(
        on_hand_total - centre,
        500,
        "the quarantined 500 are not offered"
    );
}

#[tokio::test]
async fn doctors_see_quantities_everywhere_but_no_stock_cards_or_costs_elsewhere() {
    let app = TestApp::spawn().await;
    let doctor = app.login("doctor.th01").await;
    let elsewhere = app
        .gql(
            Some(&doctor),
            "query($i: ID!) { stock(institutionId: $i, first: 5) { nodes { onHand } } }",
            json!({ "i": app.institution("DEMO-LC") }),
        )
        .await;
    assert_eq!(error_code(&elsewhere), "FORBIDDEN", "{elsewhere}");
    let card = app
        .gql(
            Some(&doctor),
            "query($i: ID!, $b: ID!) { stockCard(institutionId: $i, batchId: $b) { nodes { unitCostFen } } }",
            json!({ "i": app.institution("DEMO-LC"), "b": app.batch("QTN2402Q") }),
        )
        .await;
    assert_eq!(error_code(&card), "FORBIDDEN", "{card}");
    // Their own institution's stock they still see.
    let own = app
        .gql(
            Some(&doctor),
            "query($i: ID!) { stock(institutionId: $i, first: 5) { nodes { onHand } } }",
            json!({ "i": app.institution("DEMO-TH01") }),
        )
        .await;
    assert!(own["errors"].is_null(), "{own}");
    // The availability types carry no money and no batch.
    let sdl = yaolian_graphql::schema::sdl();
    for ty in [
        "StockAvailability",
        "LocationAvailability",
        "AlternativeAvailability",
    ] {
        let start = sdl
            .find(&format!("type {ty} {{"))
            .unwrap_or_else(|| panic!("{ty}"));
        let block = &sdl[start..start + sdl[start..].find('}').unwrap()];
        // Field lines only (descriptions may say "batches").
        let fields: Vec<&str> = block
            .lines()
            .map(str::trim)
            .filter(|l| l.contains(':') && !l.starts_with('"'))
            .collect();
        assert!(fields.len() >= 2, "{block}");
        for f in fields {
            let f = f.to_lowercase();
            assert!(
                !f.contains("fen") && !f.contains("batch") && !f.contains("cost"),
                "{f}"
            );
        }
    }
}

#[tokio::test]
async fn bad_searches_are_refused_with_the_field() {
    let app = TestApp::spawn().await;
    let doctor = app.login("doctor").await;
    for (vars, field) in [
        (json!({ "s": "  " }), "search"),
        (json!({ "s": "amxl", "n": 0 }), "first"),
        (json!({ "s": "amxl", "n": 51 }), "first"),
    ] {
        let body = app.gql(Some(&doctor), SEARCH, vars).await;
        assert_eq!(error_code(&body), "VALIDATION", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field);
    }
    let body = app
        .gql(
            Some(&doctor),
            ONE,
            json!({ "i": uuid::Uuid::now_v7().to_string() }),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    let anonymous = app.gql(None, SEARCH, json!({ "s": "amxl" })).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
}
