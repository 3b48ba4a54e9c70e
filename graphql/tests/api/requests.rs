//! What arrives before any resolver runs: malformed documents, oversized
//! bodies, garbage, deep queries; and the health endpoints.

use crate::common::{TestApp, error_code};
use serde_json::json;

#[tokio::test]
async fn malformed_graphql_gets_a_code() {
    let app = TestApp::spawn().await;
    let token = app.login("admin").await;
    let (status, body) = app
        .post(Some(&token), json!({ "query": "{ me { id " }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(error_code(&body), "VALIDATION");
    assert_eq!(
        body["errors"][0]["extensions"]["reason"],
        "GRAPHQL_PARSE_FAILED"
    );

    let (_, body) = app
        .post(Some(&token), json!({ "query": "{ me { noSuchField } }" }))
        .await;
    assert_eq!(error_code(&body), "VALIDATION");
    assert_eq!(
        body["errors"][0]["extensions"]["reason"],
        "GRAPHQL_VALIDATION_FAILED"
    );
}

#[tokio::test]
async fn garbage_and_oversized_bodies_are_refused_cleanly() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphql", app.base);
    let resp = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body("this is not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(error_code(&body), "VALIDATION");

    let huge = format!(
        "{{\"query\": \"{{ me {{ id }} }}\", \"variables\": {{\"pad\": \"{}\"}}}}",
        "x".repeat(2 * 1024 * 1024)
    );
    let resp = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 413);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(error_code(&body), "PAYLOAD_TOO_LARGE");

    // The server is still fine afterwards.
    let ok = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
}

#[tokio::test]
async fn deep_or_oversized_queries_are_refused() {
    let app = TestApp::spawn().await;
    let token = app.login("admin").await;
    let mut deep = String::from("id");
    for _ in 0..14 {
        deep = format!("parent {{ {deep} }}");
    }
    let (_, body) = app
        .post(
            Some(&token),
            json!({ "query": format!("{{ institutions {{ {deep} }} }}") }),
        )
        .await;
    assert_eq!(error_code(&body), "VALIDATION");
    assert_eq!(
        body["errors"][0]["extensions"]["reason"],
        "QUERY_TOO_COMPLEX"
    );

    let batch: Vec<_> = (0..17)
        .map(|_| json!({ "query": "{ me { id } }" }))
        .collect();
    let (status, body) = app.post(Some(&token), json!(batch)).await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&body), "VALIDATION");
}

#[tokio::test]
async fn health_readiness_and_the_console() {
    let app = TestApp::spawn().await;
    let get = |path: &str| app.client.get(format!("{}{path}", app.base)).send();
    assert_eq!(get("/healthz").await.unwrap().text().await.unwrap(), "ok");
    let ready = get("/readyz").await.unwrap();
    assert_eq!(ready.status().as_u16(), 200);
    let page = get("/graphiql").await.unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let page = page.text().await.unwrap();
    assert!(page.contains("fetch(\"/graphql\""), "{page}");
    // A county server has no internet: nothing may load from another host.
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "{page}"
    );
    assert!(!csp.contains("http"), "{csp}");
}
