//! User administration: create, deactivate (ending sessions at once), reset
//! and change passwords.

use crate::common::{PASSWORD, TestApp, error_code};
use serde_json::{Value, json};

const CREATE: &str = "mutation($i: CreateUserInput!) {
    createUser(input: $i) { id username displayName roles active institution { code } } }";
const ME: &str = "{ me { username roles institution { code } } }";

fn new_user(app: &TestApp, username: &str, password: &str) -> Value {
    json!({ "i": {
        "username": username,
        "displayName": "王药师",
        "institutionId": app.institution("DEMO-VC0101"),
        "roles": ["PHARMACIST"],
        "password": password,
    }})
}

async fn sign_in(app: &TestApp, username: &str, password: &str) -> Value {
    app.gql(
        None,
        "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
        json!({ "u": username, "p": password }),
    )
    .await
}

fn token(body: &Value) -> String {
    body["data"]["login"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {body}"))
        .to_string()
}

#[tokio::test]
async fn an_admin_creates_a_user_who_then_signs_in_with_the_roles_given() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let created = app
        .gql(
            Some(&admin),
            CREATE,
            new_user(&app, "Wang.Li", "青山镇-药房-2026"),
        )
        .await;
    let user = &created["data"]["createUser"];
    assert_eq!(user["username"], "wang.li", "{created}");
    assert_eq!(user["roles"], json!(["PHARMACIST"]));
    assert_eq!(user["active"], true);
    assert_eq!(user["institution"]["code"], "DEMO-VC0101");

    let t = token(&sign_in(&app, "wang.li", "青山镇-药房-2026").await);
    let me = app.gql(Some(&t), ME, json!({})).await;
    assert_eq!(me["data"]["me"]["username"], "wang.li");
    assert_eq!(me["data"]["me"]["institution"]["code"], "DEMO-VC0101");

    // The same username again is refused on its field.
    let again = app
        .gql(
            Some(&admin),
            CREATE,
            new_user(&app, "wang.li", "另一个-密码-2026"),
        )
        .await;
    assert_eq!(error_code(&again), "VALIDATION");
    assert_eq!(again["errors"][0]["extensions"]["field"], "username");
}

#[tokio::test]
async fn weak_passwords_and_bad_input_are_refused_on_their_fields_with_nothing_written() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    for (password, why) in [
        ("short-1", "at least 10"),
        ("1234567890", "guess"),
        ("Password123", "guess"),
    ] {
        let body = app
            .gql(Some(&admin), CREATE, new_user(&app, "weak.user", password))
            .await;
        assert_eq!(error_code(&body), "VALIDATION", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "password");
        assert!(
            body["errors"][0]["message"].as_str().unwrap().contains(why),
            "{body}"
        );
    }
    let mut input = new_user(&app, "bad name!", "青山镇-药房-2026");
    input["i"]["roles"] = json!([]);
    input["i"]["displayName"] = json!(" ");
    let body = app.gql(Some(&admin), CREATE, input).await;
    let fields: Vec<&str> = body["errors"][0]["extensions"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["username", "displayName", "roles"], "{body}");
    assert_eq!(
        error_code(&sign_in(&app, "weak.user", "short-1").await),
        "UNAUTHENTICATED"
    );
    let users = app
        .gql(Some(&admin), "{ users { username } }", json!({}))
        .await;
    assert!(!users.to_string().contains("weak.user"));
}

#[tokio::test]
async fn only_the_centres_administrators_manage_users() {
    let app = TestApp::spawn().await;
    for who in ["pharmacist.vc0101", "buyer", "auditor", "doctor"] {
        let t = app.login(who).await;
        let body = app
            .gql(
                Some(&t),
                CREATE,
                new_user(&app, "x.user", "青山镇-药房-2026"),
            )
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{who}: {body}");
        let body = app
            .gql(
                Some(&t),
                "mutation($id: ID!) { resetPassword(id: $id, newPassword: \"青山镇-药房-2026\") }",
                json!({ "id": app.county.users["pharmacist.vc0102"].to_string() }),
            )
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{who}: {body}");
    }
}

#[tokio::test]
async fn deactivating_a_user_ends_their_open_session_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let victim = app.login("pharmacist.vc0102").await;
    assert!(app.gql(Some(&victim), ME, json!({})).await["errors"].is_null());
    let id = app.county.users["pharmacist.vc0102"].to_string();
    let body = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { deactivateUser(id: $id, reason: \"调离\") { active } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(body["data"]["deactivateUser"]["active"], false, "{body}");
    assert_eq!(
        error_code(&app.gql(Some(&victim), ME, json!({})).await),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        error_code(&sign_in(&app, "pharmacist.vc0102", PASSWORD).await),
        "UNAUTHENTICATED"
    );
    // Twice is ILLEGAL_STATE; an admin cannot lock themselves out.
    let again = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { deactivateUser(id: $id, reason: \"调离\") { active } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&again), "ILLEGAL_STATE");
    assert_eq!(again["errors"][0]["extensions"]["reason"], "USER_UNCHANGED");
    let own = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { deactivateUser(id: $id, reason: \"x\") { active } }",
            json!({ "id": app.county.users["admin"].to_string() }),
        )
        .await;
    assert_eq!(
        own["errors"][0]["extensions"]["reason"], "OWN_ACCOUNT",
        "{own}"
    );
    // Reactivated, the user signs in again (old sessions stay ended).
    app.gql(
        Some(&admin),
        "mutation($id: ID!) { reactivateUser(id: $id) { active } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        error_code(&app.gql(Some(&victim), ME, json!({})).await),
        "UNAUTHENTICATED"
    );
    token(&sign_in(&app, "pharmacist.vc0102", PASSWORD).await);
}

#[tokio::test]
async fn a_reset_password_ends_sessions_and_the_new_one_works() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let old = app.login("pharmacist.th02").await;
    let body = app
        .gql(
            Some(&admin),
            "mutation($id: ID!, $p: String!) { resetPassword(id: $id, newPassword: $p) }",
            json!({ "id": app.county.users["pharmacist.th02"].to_string(), "p": "重置后的-密码-42" }),
        )
        .await;
    assert_eq!(body["data"]["resetPassword"], true, "{body}");
    assert_eq!(
        error_code(&app.gql(Some(&old), ME, json!({})).await),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        error_code(&sign_in(&app, "pharmacist.th02", PASSWORD).await),
        "UNAUTHENTICATED"
    );
    token(&sign_in(&app, "pharmacist.th02", "重置后的-密码-42").await);
}

#[tokio::test]
async fn everyone_changes_their_own_password_keeping_this_session_only() {
    let app = TestApp::spawn().await;
    let here = app.login("doctor").await;
    let other = app.login("doctor").await;
    const CHANGE: &str = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";
    let wrong = app
        .gql(
            Some(&here),
            CHANGE,
            json!({ "c": "not it", "n": "新的-密码-很长-1" }),
        )
        .await;
    assert_eq!(error_code(&wrong), "VALIDATION");
    assert_eq!(wrong["errors"][0]["extensions"]["field"], "currentPassword");
    let weak = app
        .gql(Some(&here), CHANGE, json!({ "c": PASSWORD, "n": "doctor" }))
        .await;
    assert_eq!(
        weak["errors"][0]["extensions"]["field"], "password",
        "{weak}"
    );
    let ok = app
        .gql(
            Some(&here),
            CHANGE,
            json!({ "c": PASSWORD, "n": "新的-密码-很长-1" }),
        )
        .await;
    assert_eq!(ok["data"]["changePassword"], true, "{ok}");
    assert!(app.gql(Some(&here), ME, json!({})).await["errors"].is_null());
    assert_eq!(
        error_code(&app.gql(Some(&other), ME, json!({})).await),
        "UNAUTHENTICATED"
    );
    token(&sign_in(&app, "doctor", "新的-密码-很长-1").await);
    // Audited, without the password.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use yaolian_backend::entity::audit_log;
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::Operation.eq("changePassword"))
        .all(app.backend.db().conn())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert!(!format!("{rows:?}").contains("新的-密码"));
}
