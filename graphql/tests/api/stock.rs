use crate::common::{ADJUST, TestApp, error_code};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use yaolian_backend::entity::{audit_log, idempotency_record, stock_movement};

const STOCK: &str = "query($i: ID!, $item: ID, $first: Int, $after: String) {
    stock(institutionId: $i, itemId: $item, first: $first, after: $after) {
        pageInfo { hasNextPage hasPreviousPage endCursor }
        edges { cursor node { onHand reserved available
            batch { id lotNumber expiryDate status item { id genericName } }
            institution { id } } } } }";

const CARD: &str = "query($i: ID!, $b: ID!, $first: Int, $after: String) {
    stockCard(institutionId: $i, batchId: $b, first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { id quantity kind reason createdAt balanceAfter lineNo } } } }";

async fn movements(app: &TestApp) -> u64 {
    stock_movement::Entity::find()
        .count(app.backend.db().conn())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_pharmacist_sees_own_stock_first_expiry_first_in_pages() {
    let app = TestApp::spawn().await;
    let token = app.login("pharmacist.vc0101").await;
    let clinic = app.institution("DEMO-VC0101");

    let mut expiries = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let body = app
            .gql(
                Some(&token),
                STOCK,
                json!({ "i": clinic, "first": 5, "after": after }),
            )
            .await;
        let stock = &body["data"]["stock"];
        for edge in stock["edges"].as_array().unwrap() {
            let node = &edge["node"];
            assert_eq!(node["institution"]["id"], clinic.as_str());
            assert_eq!(
                node["available"].as_i64().unwrap(),
                node["onHand"].as_i64().unwrap() - node["reserved"].as_i64().unwrap()
            );
            assert!(node["batch"]["item"]["genericName"].is_string());
            expiries.push(node["batch"]["expiryDate"].as_str().unwrap().to_string());
        }
        assert_eq!(stock["pageInfo"]["hasPreviousPage"], after.is_some());
        pages += 1;
        if stock["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = stock["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
    // Twelve items' first batches plus the expired batch nobody cleared.
    assert_eq!(expiries.len(), 13);
    assert_eq!(pages, 3);
    let mut sorted = expiries.clone();
    sorted.sort();
    assert_eq!(expiries, sorted, "first expiry first");
    assert_eq!(
        expiries[0], "2026-06-05",
        "the expired batch leads the list"
    );

    // Filtering by item.
    let body = app
        .gql(
            Some(&token),
            STOCK,
            json!({ "i": clinic, "item": app.item("YP0002") }),
        )
        .await;
    let edges = body["data"]["stock"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1);
    assert_eq!(edges[0]["node"]["onHand"], 60);
    assert_eq!(
        edges[0]["node"]["batch"]["item"]["genericName"],
        "头孢呋辛酯片"
    );
}

#[tokio::test]
async fn stock_of_another_clinic_is_forbidden_but_the_centre_and_auditors_see_all() {
    let app = TestApp::spawn().await;
    let other = app.institution("DEMO-VC0102");
    let pharmacist = app.login("pharmacist.vc0101").await;
    let body = app
        .gql(Some(&pharmacist), STOCK, json!({ "i": other }))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    assert!(body["data"].is_null());

    // Doctors check other members through stockAvailability (quantities,
    // no costs or batches), not their stock lists.
    for user in ["doctor", "doctor.th01"] {
        let token = app.login(user).await;
        let body = app.gql(Some(&token), STOCK, json!({ "i": other })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{user}: {body}");
    }
    for user in ["warehouse", "buyer", "auditor", "admin"] {
        let token = app.login(user).await;
        let body = app.gql(Some(&token), STOCK, json!({ "i": other })).await;
        let edges = body["data"]["stock"]["edges"].as_array();
        assert_eq!(edges.map(Vec::len), Some(10), "{user}: {body}");
    }

    let unknown = app
        .gql(
            Some(&pharmacist),
            STOCK,
            json!({ "i": uuid::Uuid::now_v7().to_string() }),
        )
        .await;
    assert_eq!(error_code(&unknown), "NOT_FOUND");
    let malformed = app
        .gql(Some(&pharmacist), STOCK, json!({ "i": "DEMO-VC0101" }))
        .await;
    assert_eq!(error_code(&malformed), "VALIDATION");
    let bad_cursor = app
        .gql(
            Some(&pharmacist),
            STOCK,
            json!({ "i": app.institution("DEMO-VC0101"), "after": "bm90IGEgY3Vyc29y" }),
        )
        .await;
    assert_eq!(error_code(&bad_cursor), "VALIDATION");
    let too_many = app
        .gql(
            Some(&pharmacist),
            STOCK,
            json!({ "i": app.institution("DEMO-VC0101"), "first": 10000 }),
        )
        .await;
    assert_eq!(error_code(&too_many), "VALIDATION");
}

#[tokio::test]
async fn adjust_stock_posts_one_movement_and_a_replay_posts_nothing() {
    let app = TestApp::spawn().await;
    let token = app.login("pharmacist.vc0101").await;
    let clinic = app.institution("DEMO-VC0101");
    let batch = app.lot(0, 0);
    assert_eq!(app.balance(&token, &clinic, &batch).await, (60, 0, 60));
    let before = movements(&app).await;

    let first = app
        .adjust(
            &token,
            &clinic,
            &batch,
            -3,
            " 破损 damaged in the rain ",
            "scan-0001",
        )
        .await;
    let m = &first["data"]["adjustStock"];
    assert_eq!(m["quantity"], -3);
    assert_eq!(m["kind"], "ADJUSTMENT");
    assert_eq!(m["reason"], "破损 damaged in the rain");
    assert_eq!(m["balanceAfter"], 57);
    assert_eq!(m["lineNo"], 2);
    assert_eq!(app.balance(&token, &clinic, &batch).await, (57, 0, 57));

    // The scanner's retry: same id, same answer, no second movement.
    let replay = app
        .adjust(
            &token,
            &clinic,
            &batch,
            -3,
            " 破损 damaged in the rain ",
            "scan-0001",
        )
        .await;
    assert_eq!(replay["data"]["adjustStock"], first["data"]["adjustStock"]);
    assert_eq!(movements(&app).await, before + 1);
    assert_eq!(app.balance(&token, &clinic, &batch).await, (57, 0, 57));

    // A replay after the stock has moved on still gets the first answer.
    let all = app
        .adjust(
            &token,
            &clinic,
            &batch,
            -57,
            "expired, destroyed",
            "scan-0003",
        )
        .await;
    assert_eq!(all["data"]["adjustStock"]["balanceAfter"], 0, "{all}");
    let again = app
        .adjust(
            &token,
            &clinic,
            &batch,
            -57,
            "expired, destroyed",
            "scan-0003",
        )
        .await;
    assert_eq!(again["data"]["adjustStock"], all["data"]["adjustStock"]);
    let refill = app
        .adjust(
            &token,
            &clinic,
            &batch,
            57,
            "destruction cancelled",
            "scan-0004",
        )
        .await;
    assert_eq!(refill["data"]["adjustStock"]["balanceAfter"], 57);
    assert_eq!(movements(&app).await, before + 3);

    // The same id for a different request is a conflict, not a silent replay.
    let reuse = app
        .adjust(&token, &clinic, &batch, -4, "damaged", "scan-0001")
        .await;
    assert_eq!(error_code(&reuse), "CONFLICT");
    assert_eq!(movements(&app).await, before + 3);

    let plus = app
        .adjust(
            &token,
            &clinic,
            &batch,
            5,
            "found behind the shelf",
            "scan-0002",
        )
        .await;
    assert_eq!(plus["data"]["adjustStock"]["balanceAfter"], 62);

    // The stock card tells the whole story, in order.
    let card = app
        .gql(Some(&token), CARD, json!({ "i": clinic, "b": batch }))
        .await;
    let nodes: Vec<&Value> = card["data"]["stockCard"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .collect();
    let story: Vec<(i64, &str, i64)> = nodes
        .iter()
        .map(|n| {
            (
                n["quantity"].as_i64().unwrap(),
                n["kind"].as_str().unwrap(),
                n["balanceAfter"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        story,
        vec![
            (60, "OPENING", 60),
            (-3, "ADJUSTMENT", 57),
            (-57, "ADJUSTMENT", 0),
            (57, "ADJUSTMENT", 57),
            (5, "ADJUSTMENT", 62)
        ]
    );
    let page = app
        .gql(
            Some(&token),
            CARD,
            json!({ "i": clinic, "b": batch, "first": 4 }),
        )
        .await;
    let info = &page["data"]["stockCard"]["pageInfo"];
    assert_eq!(info["hasNextPage"], true);
    let rest = app
        .gql(
            Some(&token),
            CARD,
            json!({ "i": clinic, "b": batch, "after": info["endCursor"] }),
        )
        .await;
    let rest = rest["data"]["stockCard"]["edges"].as_array().unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0]["node"]["quantity"], 5);

    // Audited with who, what and which ids; remembered for replay.
    let conn = app.backend.db().conn();
    let audits = audit_log::Entity::find()
        .filter(audit_log::Column::Operation.eq("adjustStock"))
        .order_by_asc(audit_log::Column::Id)
        .all(conn)
        .await
        .unwrap();
    assert_eq!(audits.len(), 4);
    assert_eq!(
        audits[0].user_id,
        app.county.users.get("pharmacist.vc0101").copied()
    );
    assert!(audits[0].entity_ids.contains(m["id"].as_str().unwrap()));
    assert!(audits[0].entity_ids.contains(&batch));
    assert_eq!(audits[0].client_request_id.as_deref(), Some("scan-0001"));
    assert_eq!(
        idempotency_record::Entity::find()
            .filter(idempotency_record::Column::Operation.eq("adjustStock"))
            .count(conn)
            .await
            .unwrap(),
        4
    );
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn bad_adjustments_are_refused_with_a_code_and_write_nothing() {
    let app = TestApp::spawn().await;
    let token = app.login("pharmacist.vc0101").await;
    let clinic = app.institution("DEMO-VC0101");
    let batch = app.lot(0, 0);
    let before = movements(&app).await;
    let audits_before = audit_log::Entity::find()
        .count(app.backend.db().conn())
        .await
        .unwrap();

    let cases: Vec<(&str, Value, &str)> = vec![
        ("zero", json!({"quantity": 0}), "VALIDATION"),
        (
            "overflow",
            json!({"quantity": 3_000_000_000i64}),
            "VALIDATION",
        ),
        ("blank reason", json!({"reason": "  \n "}), "VALIDATION"),
        (
            "blank request id",
            json!({"clientRequestId": " "}),
            "VALIDATION",
        ),
        ("below zero", json!({"quantity": -61}), "INSUFFICIENT_STOCK"),
        (
            "unknown batch",
            json!({"batchId": uuid::Uuid::now_v7().to_string()}),
            "NOT_FOUND",
        ),
        (
            "unknown institution",
            json!({"institutionId": uuid::Uuid::now_v7().to_string()}),
            "NOT_FOUND",
        ),
        ("malformed id", json!({"batchId": "260701A"}), "VALIDATION"),
        (
            "expired batch",
            json!({"batchId": app.batch("EXP2301X"), "quantity": -1}),
            "BATCH_BLOCKED",
        ),
        (
            "another clinic",
            json!({"institutionId": app.institution("DEMO-VC0102")}),
            "FORBIDDEN",
        ),
        ("missing field", json!({"reason": null}), "VALIDATION"),
        ("wrong type", json!({"quantity": "ten"}), "VALIDATION"),
    ];
    for (name, patch, code) in cases {
        let mut input = json!({
            "institutionId": clinic,
            "batchId": batch,
            "quantity": -1,
            "reason": "count correction",
            "clientRequestId": format!("bad-{}", name.replace(' ', "-")),
        });
        for (k, v) in patch.as_object().unwrap() {
            input[k] = v.clone();
        }
        let body = app
            .gql(Some(&token), ADJUST, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&body), code, "{name}: {body}");
        assert!(body["data"].is_null(), "{name}: {body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(
            !message.is_empty() && !message.contains("panicked"),
            "{name}"
        );
    }
    let short = app
        .adjust(&token, &clinic, &batch, -61, "too many", "bad-short-detail")
        .await;
    assert_eq!(short["errors"][0]["extensions"]["available"], 60);
    assert_eq!(short["errors"][0]["extensions"]["requested"], 61);

    // Quarantined at the centre: blocked for the centre's warehouse too.
    let warehouse = app.login("warehouse").await;
    let q = app
        .adjust(
            &warehouse,
            &app.institution("DEMO-LC"),
            &app.batch("QTN2402Q"),
            -1,
            "count correction",
            "bad-quarantine",
        )
        .await;
    assert_eq!(error_code(&q), "BATCH_BLOCKED");
    assert!(
        q["errors"][0]["extensions"]["messageZh"]
            .as_str()
            .unwrap()
            .contains("已隔离")
    );

    assert_eq!(movements(&app).await, before);
    assert_eq!(
        audit_log::Entity::find()
            .count(app.backend.db().conn())
            .await
            .unwrap(),
        audits_before + 1,
        "only the warehouse's sign-in was audited"
    );
    assert_eq!(app.balance(&token, &clinic, &batch).await, (60, 0, 60));
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn who_may_adjust_whose_stock() {
    let app = TestApp::spawn().await;
    let clinic = app.institution("DEMO-VC0101");
    let batch = app.lot(0, 0);
    let cases = [
        ("pharmacist.vc0101", true),
        ("pharmacist.vc0102", false),
        ("pharmacist.th01", false),
        ("doctor", false),
        ("buyer", false),
        ("auditor", false),
        ("warehouse", true),
        ("admin", true),
    ];
    for (i, (user, allowed)) in cases.iter().enumerate() {
        let token = app.login(user).await;
        let body = app
            .adjust(&token, &clinic, &batch, 1, "recount", &format!("who-{i}"))
            .await;
        if *allowed {
            assert!(
                body["data"]["adjustStock"]["id"].is_string(),
                "{user}: {body}"
            );
        } else {
            assert_eq!(error_code(&body), "FORBIDDEN", "{user}");
        }
    }
    let token = app.login("pharmacist.vc0101").await;
    assert_eq!(app.balance(&token, &clinic, &batch).await.0, 63);
}

#[tokio::test]
async fn the_stock_list_filters_by_the_catalogue_search_and_can_hide_empty_batches() {
    let app = TestApp::spawn().await;
    let token = app.login("pharmacist.vc0101").await;
    let clinic = app.institution("DEMO-VC0101");
    const Q: &str = "query($i: ID!, $s: String, $o: Boolean!) {
        stock(institutionId: $i, search: $s, inStockOnly: $o, first: 50) {
            nodes { onHand item { code } batch { lotNumber expiryDate } } } }";
    let list =
        |s: Option<&str>, o: bool| app.gql(Some(&token), Q, json!({ "i": clinic, "s": s, "o": o }));
    let body = list(Some("amxl"), false).await;
    let nodes = body["data"]["stock"]["nodes"].as_array().unwrap();
    // YP0001's shelf batch and the expired one, soonest expiry first.
    let lots: Vec<&str> = nodes
        .iter()
        .map(|n| n["batch"]["lotNumber"].as_str().unwrap())
        .collect();
    assert_eq!(lots.len(), 2, "{body}");
    assert_eq!(lots[0], "EXP2301X");
    assert!(nodes.iter().all(|n| n["item"]["code"] == "YP0001"));
    // Write the shelf batch down to nothing: `inStockOnly` leaves it out.
    let shelf = app.batch(lots[1]);
    let moved = app
        .adjust(&token, &clinic, &shelf, -60, "破损", "empty-the-shelf")
        .await;
    assert_eq!(moved["data"]["adjustStock"]["balanceAfter"], 0, "{moved}");
    let all = list(Some("amxl"), false).await;
    assert_eq!(all["data"]["stock"]["nodes"].as_array().unwrap().len(), 2);
    let held = list(Some("amxl"), true).await;
    let held = held["data"]["stock"]["nodes"].as_array().unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0]["batch"]["lotNumber"], "EXP2301X");
    // A search that matches nothing is an empty list, not an error.
    let none = list(Some("zzzzqqq"), false).await;
    assert_eq!(none["data"]["stock"]["nodes"], json!([]));
}
