use crate::common::{TestApp, error_code};
use serde_json::json;

const INSTITUTIONS: &str = "{ institutions { id code name kind parent { id code } } }";
const USERS: &str =
    "query($i: ID) { users(institutionId: $i) { id username roles institution { id code } } }";

#[tokio::test]
async fn institutions_form_the_county_tree() {
    let app = TestApp::spawn().await;
    let token = app.login("pharmacist.vc0201").await;
    let body = app.gql(Some(&token), INSTITUTIONS, json!({})).await;
    let list = body["data"]["institutions"].as_array().unwrap();
    assert_eq!(list.len(), 11);
    let by_code = |code: &str| {
        list.iter()
            .find(|i| i["code"] == code)
            .unwrap_or_else(|| panic!("{code}"))
    };
    assert_eq!(by_code("DEMO-LC")["kind"], "LOGISTICS_CENTRE");
    assert!(by_code("DEMO-LC")["parent"].is_null());
    assert_eq!(by_code("DEMO-VC0201")["kind"], "VILLAGE_CLINIC");
    assert_eq!(by_code("DEMO-VC0201")["parent"]["code"], "DEMO-TH02");
    assert_eq!(
        by_code("DEMO-VC0201")["parent"]["id"],
        by_code("DEMO-TH02")["id"]
    );
    assert_eq!(by_code("DEMO-TH02")["kind"], "TOWNSHIP_HEALTH_CENTRE");
    let kinds: Vec<&str> = list.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "VILLAGE_CLINIC").count(), 6);
    assert_eq!(kinds.iter().filter(|k| **k == "COUNTY_HOSPITAL").count(), 1);
}

#[tokio::test]
async fn users_are_listed_by_role_and_institution() {
    let app = TestApp::spawn().await;
    for who in ["admin", "auditor"] {
        let token = app.login(who).await;
        let all = app.gql(Some(&token), USERS, json!({})).await;
        assert_eq!(all["data"]["users"].as_array().unwrap().len(), 16, "{who}");
        let one = app
            .gql(
                Some(&token),
                USERS,
                json!({ "i": app.institution("DEMO-TH03") }),
            )
            .await;
        let names: Vec<&str> = one["data"]["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["pharmacist.th03"]);
    }

    let token = app.login("doctor.th01").await;
    let own = app.gql(Some(&token), USERS, json!({})).await;
    let mut names: Vec<&str> = own["data"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, vec!["doctor.th01", "pharmacist.th01"]);
    let other = app
        .gql(
            Some(&token),
            USERS,
            json!({ "i": app.institution("DEMO-LC") }),
        )
        .await;
    assert_eq!(error_code(&other), "FORBIDDEN");

    // A buyer is not an administrator: own institution only.
    let buyer = app.login("buyer").await;
    let list = app.gql(Some(&buyer), USERS, json!({})).await;
    assert_eq!(list["data"]["users"].as_array().unwrap().len(), 4);
}
