//! A province runs many counties in one deployment: nothing of one county is
//! visible to another.

use crate::common::{ADJUST, PASSWORD, TestApp, error_code};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::json;
use uuid::Uuid;
use yaolian_backend::clock::Clock;
use yaolian_backend::entity::enums::{InstitutionKind, Role};
use yaolian_backend::entity::{app_user, community, institution, user_role};

/// A second county with one clinic and its pharmacist, who is also an
/// auditor, so every "whole community" rule is exercised.
async fn second_county(app: &TestApp) -> String {
    let conn = app.backend.db().conn();
    let now = app.clock.now();
    let community_id = Uuid::now_v7();
    community::ActiveModel {
        id: Set(community_id),
        code: Set("OTHER".into()),
        name: Set("邻县医共体".into()),
        created_at: Set(now),
        catalogue_version: Set(0),
    }
    .insert(conn)
    .await
    .unwrap();
    let clinic = Uuid::now_v7();
    institution::ActiveModel {
        id: Set(clinic),
        community_id: Set(community_id),
        code: Set("OTHER-VC01".into()),
        name: Set("邻县某村卫生室".into()),
        kind: Set(InstitutionKind::VillageClinic),
        parent_id: Set(None),
        active: Set(true),
        created_at: Set(now),
    }
    .insert(conn)
    .await
    .unwrap();
    let user = Uuid::now_v7();
    app_user::ActiveModel {
        id: Set(user),
        institution_id: Set(clinic),
        username: Set("other.pharmacist".into()),
        display_name: Set("邻县药师".into()),
        password_hash: Set(yaolian_backend::auth::hash_password(PASSWORD).unwrap()),
        active: Set(true),
        created_at: Set(now),
    }
    .insert(conn)
    .await
    .unwrap();
    for role in [Role::Pharmacist, Role::Auditor] {
        user_role::ActiveModel {
            user_id: Set(user),
            role: Set(role),
        }
        .insert(conn)
        .await
        .unwrap();
    }
    app.login("other.pharmacist").await
}

#[tokio::test]
async fn another_county_sees_nothing_of_this_one() {
    let app = TestApp::spawn().await;
    let token = second_county(&app).await;
    let demo_clinic = app.institution("DEMO-VC0101");
    let demo_batch = app.lot(0, 0);

    let institutions = app
        .gql(Some(&token), "{ institutions { code } }", json!({}))
        .await;
    assert_eq!(
        institutions["data"]["institutions"],
        json!([{ "code": "OTHER-VC01" }])
    );

    let users = app
        .gql(Some(&token), "{ users { username } }", json!({}))
        .await;
    assert_eq!(
        users["data"]["users"],
        json!([{ "username": "other.pharmacist" }])
    );

    let stock = app
        .gql(
            Some(&token),
            "query($i: ID!) { stock(institutionId: $i) { edges { node { onHand } } } }",
            json!({ "i": demo_clinic }),
        )
        .await;
    assert_eq!(error_code(&stock), "NOT_FOUND");

    let card = app
        .gql(
            Some(&token),
            "query($i: ID!, $b: ID!) { stockCard(institutionId: $i, batchId: $b) { edges { node { id } } } }",
            json!({ "i": demo_clinic, "b": demo_batch }),
        )
        .await;
    assert_eq!(error_code(&card), "NOT_FOUND");

    let adjust = app
        .gql(
            Some(&token),
            ADJUST,
            json!({ "input": { "institutionId": demo_clinic, "batchId": demo_batch,
                "quantity": -1, "reason": "x", "clientRequestId": "t-1" } }),
        )
        .await;
    assert_eq!(error_code(&adjust), "NOT_FOUND");

    let items = app
        .gql(
            Some(&token),
            "{ items(search: \"amxl\") { edges { node { code } } } }",
            json!({}),
        )
        .await;
    assert_eq!(items["data"]["items"]["edges"], json!([]));
    let item = app
        .gql(
            Some(&token),
            "query($id: ID!) { item(id: $id) { code } }",
            json!({ "id": app.item("YP0001") }),
        )
        .await;
    assert_eq!(error_code(&item), "NOT_FOUND");

    // This county has not catalogued the demo county's GTIN.
    let scan = app
        .gql(
            Some(&token),
            "query($raw: String!) { resolveBarcode(raw: $raw) { item { id } warnings { code } } }",
            json!({ "raw": yaolian_seed::demo_gtin(0) }),
        )
        .await;
    assert!(scan["data"]["resolveBarcode"]["item"].is_null());
    assert_eq!(
        scan["data"]["resolveBarcode"]["warnings"][0]["code"],
        "UNKNOWN_GTIN"
    );

    let label = app
        .client
        .get(format!("{}/labels/batch/{demo_batch}.svg", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(label.status().as_u16(), 404);
}
