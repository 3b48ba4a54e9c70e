use crate::common::{PASSWORD, TestApp, error_code};
use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use yaolian_backend::entity::{audit_log, session};

const LOGIN: &str = "mutation($u: String!, $p: String!) {
    login(username: $u, password: $p) { token expiresAt user { id username displayName roles institution { id code name kind } } } }";
const ME: &str = "{ me { id username displayName roles institution { id code name kind } } }";

#[tokio::test]
async fn login_me_logout_round_trip() {
    let app = TestApp::spawn().await;
    let body = app
        .gql(
            None,
            LOGIN,
            json!({ "u": "Pharmacist.VC0101", "p": PASSWORD }),
        )
        .await;
    let login = &body["data"]["login"];
    let token = login["token"].as_str().expect("token");
    assert!(token.len() >= 40, "a 256-bit token");
    assert_eq!(login["user"]["username"], "pharmacist.vc0101");
    assert_eq!(login["user"]["roles"], json!(["PHARMACIST"]));
    assert_eq!(login["user"]["institution"]["code"], "DEMO-VC0101");
    assert_eq!(login["user"]["institution"]["kind"], "VILLAGE_CLINIC");
    // Twelve hours after sign-in, on the injected clock.
    let expires = login["expiresAt"].as_str().unwrap();
    assert!(expires.starts_with("2026-06-15T14:00:0"), "{expires}");

    let me = app.gql(Some(token), ME, json!({})).await;
    assert_eq!(me["data"]["me"], login["user"]);

    // The token is stored only as a hash.
    let stored = session::Entity::find()
        .all(app.backend.db().conn())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].token_hash, token);
    assert_eq!(stored[0].token_hash.len(), 64);

    let out = app.gql(Some(token), "mutation { logout }", json!({})).await;
    assert_eq!(out["data"]["logout"], true);
    let after = app.gql(Some(token), ME, json!({})).await;
    assert_eq!(error_code(&after), "UNAUTHENTICATED");
    assert!(after["data"].is_null());
    assert!(
        after["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("signed out")
    );

    // Sign-in and sign-out are audited (the demo's own set-up is too, by
    // other operations).
    let ops: Vec<String> = audit_log::Entity::find()
        .filter(audit_log::Column::Operation.is_in(["login", "logout"]))
        .order_by_asc(audit_log::Column::Id)
        .all(app.backend.db().conn())
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.operation)
        .collect();
    assert_eq!(ops, vec!["login", "logout"]);
}

#[tokio::test]
async fn missing_garbage_and_expired_tokens_are_unauthenticated() {
    let app = TestApp::spawn().await;
    let none = app.gql(None, ME, json!({})).await;
    assert_eq!(error_code(&none), "UNAUTHENTICATED");

    let garbage = app.gql(Some("not-a-token"), ME, json!({})).await;
    assert_eq!(error_code(&garbage), "UNAUTHENTICATED");

    // A header that is not a bearer token at all.
    let resp = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("Authorization", "Basic YWRtaW46eWFvbGlhbg==")
        .json(&json!({ "query": ME }))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(error_code(&body), "UNAUTHENTICATED");

    let token = app.login("doctor").await;
    assert_eq!(
        app.gql(Some(&token), ME, json!({})).await["data"]["me"]["username"],
        "doctor"
    );
    app.clock
        .advance(Duration::hours(12) + Duration::seconds(1));
    let expired = app.gql(Some(&token), ME, json!({})).await;
    assert_eq!(error_code(&expired), "UNAUTHENTICATED");
    assert!(
        expired["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    // Queries that do not need a caller still work without a token.
    let login = app
        .gql(None, LOGIN, json!({ "u": "doctor", "p": PASSWORD }))
        .await;
    assert!(login["data"]["login"]["token"].is_string());
}

#[tokio::test]
async fn wrong_passwords_are_refused_then_throttled() {
    let app = TestApp::spawn().await;
    let wrong = app
        .gql(None, LOGIN, json!({ "u": "buyer", "p": "guess" }))
        .await;
    assert_eq!(error_code(&wrong), "UNAUTHENTICATED");
    let unknown = app
        .gql(None, LOGIN, json!({ "u": "nobody", "p": "guess" }))
        .await;
    assert_eq!(error_code(&unknown), "UNAUTHENTICATED");
    // The same message for both, so usernames cannot be probed.
    assert_eq!(
        wrong["errors"][0]["message"],
        unknown["errors"][0]["message"]
    );

    for _ in 0..4 {
        let r = app
            .gql(None, LOGIN, json!({ "u": "buyer", "p": "guess" }))
            .await;
        assert_eq!(error_code(&r), "UNAUTHENTICATED");
    }
    // Five failures: now even the right password is refused for a while.
    let locked = app
        .gql(None, LOGIN, json!({ "u": "buyer", "p": PASSWORD }))
        .await;
    assert_eq!(error_code(&locked), "RATE_LIMITED");
    assert!(
        locked["errors"][0]["extensions"]["retryAfterSeconds"]
            .as_i64()
            .unwrap()
            > 0
    );
    // Another user is not affected.
    app.login("warehouse").await;

    app.clock.advance(Duration::minutes(16));
    let again = app
        .gql(None, LOGIN, json!({ "u": "buyer", "p": PASSWORD }))
        .await;
    assert!(again["data"]["login"]["token"].is_string(), "{again}");

    let failures = audit_log::Entity::find()
        .filter(audit_log::Column::Operation.eq("login_failed"))
        .all(app.backend.db().conn())
        .await
        .unwrap();
    assert_eq!(failures.len(), 6);
}
