//! The catalogue spreadsheet over HTTP: download, then upload it back as a
//! client does (GraphQL multipart request).

use crate::common::{TestApp, error_code};
use serde_json::{Value, json};

const IMPORT: &str = "mutation($file: Upload!, $dry: Boolean) {
    importCatalogue(file: $file, dryRun: $dry) {
        dryRun applied rows created updated unchanged errors { row column message } } }";

pub(crate) async fn upload(app: &TestApp, token: &str, bytes: Vec<u8>, dry: bool) -> Value {
    let form = reqwest::multipart::Form::new()
        .text(
            "operations",
            json!({ "query": IMPORT, "variables": { "file": null, "dry": dry } }).to_string(),
        )
        .text("map", json!({ "0": ["variables.file"] }).to_string())
        .part(
            "0",
            reqwest::multipart::Part::bytes(bytes)
                .file_name("catalogue.xlsx")
                .mime_str("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                .unwrap(),
        );
    let resp = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    resp.json().await.unwrap()
}

#[tokio::test]
async fn export_then_import_changes_nothing() {
    let app = TestApp::spawn().await;
    let pharmacist = app.login("pharmacist.vc0101").await;
    let url = format!("{}/exports/catalogue.xlsx", app.base);

    let anonymous = app.client.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);

    let resp = app
        .client
        .get(&url)
        .bearer_auth(&pharmacist)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("catalogue.xlsx")
    );
    let bytes = resp.bytes().await.unwrap().to_vec();
    assert_eq!(&bytes[..2], b"PK", "an xlsx is a zip");

    // Only the centre's buyers and administrators import.
    let refused = upload(&app, &pharmacist, bytes.clone(), true).await;
    assert_eq!(error_code(&refused), "FORBIDDEN");

    let buyer = app.login("buyer").await;
    let dry = upload(&app, &buyer, bytes.clone(), true).await;
    let report = &dry["data"]["importCatalogue"];
    assert_eq!(report["rows"], 55, "{dry}");
    assert_eq!(report["unchanged"], 55);
    assert_eq!(report["errors"], json!([]));
    assert_eq!(report["applied"], false);

    let real = upload(&app, &buyer, bytes, false).await;
    let report = &real["data"]["importCatalogue"];
    assert_eq!(
        (
            report["created"].as_i64(),
            report["updated"].as_i64(),
            report["unchanged"].as_i64()
        ),
        (Some(0), Some(0), Some(55)),
        "{real}"
    );
    let history = app
        .gql(
            Some(&buyer),
            "query($id: ID!) { itemHistory(itemId: $id) { version } }",
            json!({ "id": app.item("YP0001") }),
        )
        .await;
    assert_eq!(history["data"]["itemHistory"].as_array().unwrap().len(), 1);

    let garbage = upload(&app, &buyer, b"not a spreadsheet".to_vec(), false).await;
    assert_eq!(error_code(&garbage), "VALIDATION");
}
