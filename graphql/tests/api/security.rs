//! Regression tests for the outside review's attacks on a running server,
//! each named after its attack. They run on SQLite, and on PostgreSQL when
//! `DATABASE_URL` names a server.

use crate::common::{PASSWORD, TestApp, error_code};
use base64::Engine;
use chrono::Duration;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::{Value, json};
use yaolian_backend::Settings;
use yaolian_backend::auth::ThrottlePolicy;
use yaolian_backend::entity::{app_user, audit_log};

const LOGIN: &str =
    "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }";

async fn audit_rows(app: &TestApp, operation: &str) -> Vec<audit_log::Model> {
    audit_log::Entity::find()
        .filter(audit_log::Column::Operation.eq(operation))
        .all(app.backend.db().conn())
        .await
        .unwrap()
}

fn reason(body: &Value) -> &str {
    body["errors"][0]["extensions"]["reason"]
        .as_str()
        .unwrap_or_else(|| panic!("no reason in {body}"))
}

/// Settings whose in-memory address limit stays out of the way, so that a
/// test reaches the database-backed throttle it is about.
fn generous_address_limit() -> Settings {
    Settings {
        throttle: ThrottlePolicy {
            address_burst: 1_000,
            ..ThrottlePolicy::default()
        },
        ..Settings::default()
    }
}

// ------------------------------------------------------------ 2. sign-in

#[tokio::test]
async fn aliased_logins_in_one_request_get_one_password_check() {
    let app = TestApp::spawn().await;
    let aliases: String = (0..50)
        .map(|i| format!("a{i}: login(username: \"buyer\", password: \"guess{i}\") {{ token }} "))
        .collect();
    let body = app
        .gql(None, &format!("mutation {{ {aliases} }}"), json!({}))
        .await;
    let errors = body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 50, "{body}");
    let checked = errors
        .iter()
        .filter(|e| e["extensions"]["code"] == "UNAUTHENTICATED")
        .count();
    let refused = errors
        .iter()
        .filter(|e| e["extensions"]["reason"] == "ONE_LOGIN_PER_REQUEST")
        .count();
    assert_eq!((checked, refused), (1, 49));
    assert_eq!(audit_rows(&app, "login_failed").await.len(), 1);
}

#[tokio::test]
async fn logins_inside_a_batch_are_refused_before_any_check() {
    let app = TestApp::spawn().await;
    let one = json!({ "query": LOGIN, "variables": { "u": "buyer", "p": PASSWORD } });
    let (status, body) = app.post(None, json!([one.clone(), one])).await;
    assert_eq!(status, 200);
    for response in body.as_array().expect("a batch response") {
        assert_eq!(reason(response), "ONE_LOGIN_PER_REQUEST", "{response}");
        assert!(response["data"].is_null());
    }
    assert!(audit_rows(&app, "login").await.is_empty());
    assert!(audit_rows(&app, "login_failed").await.is_empty());
}

#[tokio::test]
async fn a_text_plain_post_cannot_reach_graphql() {
    let app = TestApp::spawn().await;
    let body = json!({ "query": LOGIN, "variables": { "u": "buyer", "p": PASSWORD } });
    for content_type in ["text/plain", "application/x-www-form-urlencoded", ""] {
        let mut req = app
            .client
            .post(format!("{}/graphql", app.base))
            .body(body.to_string());
        if !content_type.is_empty() {
            req = req.header("content-type", content_type);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 415, "{content_type}");
        let json: Value = resp.json().await.unwrap();
        assert_eq!(error_code(&json), "VALIDATION");
        assert_eq!(reason(&json), "UNSUPPORTED_MEDIA_TYPE");
    }
    assert!(audit_rows(&app, "login").await.is_empty());
    // JSON with a charset is still JSON.
    let resp = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("content-type", "application/json; charset=utf-8")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let json: Value = resp.json().await.unwrap();
    assert!(json["data"]["login"]["token"].is_string(), "{json}");
}

#[tokio::test]
async fn one_address_flooding_sign_in_is_refused_without_touching_the_database() {
    // No refill, so a slow machine cannot earn the flooder extra attempts.
    let policy = ThrottlePolicy {
        address_per_minute: 0,
        ..ThrottlePolicy::default()
    };
    let app = TestApp::spawn_with(Settings {
        throttle: policy,
        ..Settings::default()
    })
    .await;
    let flooder = app.client_from("127.0.0.2");
    let burst = policy.address_burst as usize;
    let mut reasons = Vec::new();
    // Different usernames, so no account throttle is involved.
    for i in 0..burst + 5 {
        let body = app
            .try_login(&flooder, &format!("nobody{i}"), "guess")
            .await;
        reasons.push(
            body["errors"][0]["extensions"]["reason"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        );
    }
    assert!(reasons[..burst].iter().all(|r| r != "ADDRESS_FLOOD"));
    assert!(
        reasons[burst..].iter().all(|r| r == "ADDRESS_FLOOD"),
        "{reasons:?}"
    );
    assert_eq!(audit_rows(&app, "login_failed").await.len(), burst);
    // Another address signs in as usual.
    let other = app.client_from("127.0.0.3");
    let body = app.try_login(&other, "buyer", PASSWORD).await;
    assert!(body["data"]["login"]["token"].is_string(), "{body}");
}

// ------------------------------------------------- 3. concurrency vs. lock

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_wrong_guesses_get_at_most_five_checks() {
    let app = TestApp::spawn_with(generous_address_limit()).await;
    let client = app.client_from("127.0.0.4");
    let guesses = (0..50).map(|i| {
        let (app, client) = (&app, &client);
        async move {
            app.try_login(client, "pharmacist.vc0101", &format!("guess{i}"))
                .await
        }
    });
    let results = futures::future::join_all(guesses).await;
    let count = |code: &str| {
        results
            .iter()
            .filter(|b| b["errors"][0]["extensions"]["code"] == code)
            .count()
    };
    assert!(count("UNAUTHENTICATED") <= 5, "{results:?}");
    assert_eq!(count("UNAUTHENTICATED") + count("RATE_LIMITED"), 50);
    assert_eq!(
        audit_rows(&app, "login_failed").await.len(),
        count("UNAUTHENTICATED")
    );
    // Refused attempts are audited too.
    assert_eq!(
        audit_rows(&app, "login_refused").await.len(),
        count("RATE_LIMITED")
    );
    // And the right password from this address now waits as well.
    let body = app.try_login(&client, "pharmacist.vc0101", PASSWORD).await;
    assert_eq!(error_code(&body), "RATE_LIMITED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifteen_wrong_and_one_right_in_parallel_do_not_sign_in() {
    let app = TestApp::spawn_with(generous_address_limit()).await;
    let client = app.client_from("127.0.0.5");
    let wrong = (0..15).map(|i| {
        let (app, client) = (&app, &client);
        async move {
            app.try_login(client, "pharmacist.vc0102", &format!("guess{i}"))
                .await
        }
    });
    let results = futures::future::join_all(wrong).await;
    let checked = results
        .iter()
        .filter(|b| b["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED")
        .count();
    assert!(checked <= 5, "{results:?}");
    // The guesses reached the lock: the right password from this address
    // now waits too (batches can no longer carry it, see above).
    let right = app.try_login(&client, "pharmacist.vc0102", PASSWORD).await;
    assert_eq!(error_code(&right), "RATE_LIMITED", "{right}");
}

// ------------------------------------------------------ 4. targeted lockout

#[tokio::test]
async fn guesses_from_elsewhere_do_not_lock_out_the_right_password() {
    let app = TestApp::spawn_with(generous_address_limit()).await;
    let attacker = app.client_from("127.0.0.6");
    for i in 0..5 {
        let body = app
            .try_login(&attacker, "pharmacist.th01", &format!("guess{i}"))
            .await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED");
    }
    let locked = app.try_login(&attacker, "pharmacist.th01", PASSWORD).await;
    assert_eq!(error_code(&locked), "RATE_LIMITED");
    assert_eq!(reason(&locked), "PAIR_LOCKED");
    // Five minutes, less the moments the attempts took.
    let retry = locked["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_i64()
        .unwrap();
    assert!((290..=300).contains(&retry), "{locked}");
    // The pharmacist at the township centre, who has not failed: signed in.
    let clinic = app.client_from("127.0.0.7");
    let body = app.try_login(&clinic, "pharmacist.th01", PASSWORD).await;
    assert!(body["data"]["login"]["token"].is_string(), "{body}");

    // Each further lock of the attacker lasts longer.
    app.clock.advance(Duration::minutes(6));
    for i in 0..5 {
        app.try_login(&attacker, "pharmacist.th01", &format!("again{i}"))
            .await;
    }
    let locked = app.try_login(&attacker, "pharmacist.th01", PASSWORD).await;
    // The second lock: ten minutes.
    let retry = locked["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_i64()
        .unwrap();
    assert!((590..=600).contains(&retry), "{locked}");
}

#[tokio::test]
async fn a_distributed_guesser_gets_one_try_per_address_once_a_user_is_under_attack() {
    let app = TestApp::spawn_with(generous_address_limit()).await;
    let limit = ThrottlePolicy::default().user_max_failures as usize;
    // One address fails once, early on.
    let once = app.client_from("127.0.2.1");
    let body = app.try_login(&once, "pharmacist.th02", "first-try").await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    // Four addresses fail five times each: twenty more failures for the user.
    for a in 0..limit / 5 {
        let c = app.client_from(&format!("127.0.1.{}", a + 1));
        for i in 0..5 {
            app.try_login(&c, "pharmacist.th02", &format!("g{i}")).await;
        }
    }
    // The address that failed once before is now refused at once.
    let body = app.try_login(&once, "pharmacist.th02", "x").await;
    assert_eq!(error_code(&body), "RATE_LIMITED", "{body}");
    assert_eq!(reason(&body), "USER_UNDER_ATTACK");
    // The real user's own address has never failed: it signs in.
    let own = app.client_from("127.0.2.2");
    let body = app.try_login(&own, "pharmacist.th02", PASSWORD).await;
    assert!(body["data"]["login"]["token"].is_string(), "{body}");
}

#[tokio::test]
async fn a_password_typed_as_the_username_is_not_stored() {
    let app = TestApp::spawn().await;
    let secret = "Correct-Horse-Battery-9";
    let body = app
        .gql(None, LOGIN, json!({ "u": secret, "p": "whatever" }))
        .await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    let rows = audit_rows(&app, "login_failed").await;
    assert_eq!(rows.len(), 1);
    let stored = format!("{:?}", rows[0]);
    assert!(
        !stored.to_lowercase().contains(&secret.to_lowercase()),
        "{stored}"
    );
    let detail = rows[0].detail.as_ref().expect("detail");
    assert_eq!(detail["usernameHash"].as_str().map(str::len), Some(16));
    assert!(rows[0].user_id.is_none());
    // A real username is recorded as the user, not as text.
    app.gql(None, LOGIN, json!({ "u": "buyer", "p": "nope" }))
        .await;
    let rows = audit_rows(&app, "login_failed").await;
    let buyer = rows
        .iter()
        .find(|r| r.user_id.is_some())
        .expect("buyer row");
    assert!(buyer.detail.as_ref().unwrap()["usernameHash"].is_null());
}

#[tokio::test]
async fn a_disabled_account_answers_exactly_like_a_wrong_password() {
    let app = TestApp::spawn().await;
    let wrong = app
        .gql(None, LOGIN, json!({ "u": "doctor", "p": "wrong-password" }))
        .await;
    let user = app_user::Entity::find()
        .filter(app_user::Column::Username.eq("doctor"))
        .one(app.backend.db().conn())
        .await
        .unwrap()
        .unwrap();
    let mut active = user.into_active_model();
    active.active = Set(false);
    active.update(app.backend.db().conn()).await.unwrap();
    let disabled = app
        .gql(None, LOGIN, json!({ "u": "doctor", "p": PASSWORD }))
        .await;
    assert_eq!(disabled["errors"], wrong["errors"]);
    assert!(disabled["data"].is_null());
}

// ------------------------------------------------------- 5. list cost

#[tokio::test]
async fn three_hundred_aliased_pages_are_too_complex() {
    let app = TestApp::spawn().await;
    let token = app.login("pharmacist.vc0101").await;
    let aliases: String = (0..300)
        .map(|i| {
            format!("p{i}: items(first: 200) {{ edges {{ node {{ id code genericName }} }} }} ")
        })
        .collect();
    let body = app
        .gql(Some(&token), &format!("{{ {aliases} }}"), json!({}))
        .await;
    assert_eq!(error_code(&body), "VALIDATION", "{body}");
    assert_eq!(reason(&body), "QUERY_TOO_COMPLEX");
    assert!(body["data"].is_null());
    // One full page is fine.
    let body = app
        .gql(
            Some(&token),
            "{ items(first: 200) { edges { node { id code genericName } } } }",
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
}

#[tokio::test]
async fn a_batch_of_pages_each_under_the_limit_is_capped_in_rows() {
    let app = TestApp::spawn().await;
    let token = app.login("pharmacist.vc0101").await;
    // Each operation fits the complexity limit; together they ask for 48
    // pages of 200 rows, far past the rows a request may return.
    let op: String = (0..3)
        .map(|i| format!("p{i}: items(first: 200) {{ edges {{ node {{ id }} }} }} "))
        .collect();
    let one = json!({ "query": format!("{{ {op} }}") });
    let (status, body) = app.post(Some(&token), json!(vec![one; 16])).await;
    assert_eq!(status, 200);
    let refused = body
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["errors"].as_array().cloned().unwrap_or_default())
        .filter(|e| e["extensions"]["reason"] == "QUERY_TOO_COMPLEX")
        .count();
    // 5,000 rows are 25 pages of 200; the other 23 are refused.
    assert_eq!(refused, 48 - 25, "{body}");
}

// ------------------------------------------------ 6. inactive institutions

const DEACTIVATE: &str =
    "mutation($id: ID!, $r: String!) { deactivateInstitution(id: $id, reason: $r) { id active } }";
const REACTIVATE: &str = "mutation($id: ID!) { reactivateInstitution(id: $id) { id active } }";

#[tokio::test]
async fn a_deactivated_institution_stops_working_but_can_be_emptied() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let warehouse = app.login("warehouse").await;
    let pharmacist = app.login("pharmacist.vc0101").await;
    let clinic = app.institution("DEMO-VC0101");
    let centre = app.institution("DEMO-LC");
    let batch = app.lot(0, 0);
    let (on_hand, _, _) = app.balance(&warehouse, &clinic, &batch).await;
    assert!(on_hand > 0);

    // Only the centre's administrators; never the centre itself.
    let body = app
        .gql(
            Some(&pharmacist),
            DEACTIVATE,
            json!({ "id": clinic, "r": "x" }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let body = app
        .gql(Some(&admin), DEACTIVATE, json!({ "id": centre, "r": "x" }))
        .await;
    assert_eq!(error_code(&body), "ILLEGAL_STATE");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "CENTRE_REQUIRED");

    let body = app
        .gql(
            Some(&admin),
            DEACTIVATE,
            json!({ "id": clinic, "r": "合并到卫生院" }),
        )
        .await;
    assert_eq!(
        body["data"]["deactivateInstitution"]["active"], false,
        "{body}"
    );
    let again = app
        .gql(
            Some(&admin),
            DEACTIVATE,
            json!({ "id": clinic, "r": "again" }),
        )
        .await;
    assert_eq!(error_code(&again), "ILLEGAL_STATE");
    assert_eq!(
        again["errors"][0]["extensions"]["reason"],
        "INSTITUTION_UNCHANGED"
    );

    // Its users' sessions stop at once, and sign-in answers as for a wrong
    // password.
    let me = app.gql(Some(&pharmacist), "{ me { id } }", json!({})).await;
    assert_eq!(error_code(&me), "UNAUTHENTICATED");
    let login = app
        .gql(
            None,
            LOGIN,
            json!({ "u": "pharmacist.vc0101", "p": PASSWORD }),
        )
        .await;
    assert_eq!(error_code(&login), "UNAUTHENTICATED");

    // Nothing new arrives; stock can still leave.
    let add = app
        .adjust(&warehouse, &clinic, &batch, 5, "found", "sec-add-1")
        .await;
    assert_eq!(error_code(&add), "ILLEGAL_STATE", "{add}");
    assert_eq!(
        add["errors"][0]["extensions"]["reason"],
        "INSTITUTION_INACTIVE"
    );
    let take = app
        .adjust(&warehouse, &clinic, &batch, -1, "write-off", "sec-take-1")
        .await;
    assert_eq!(take["data"]["adjustStock"]["quantity"], -1, "{take}");
    let (after, _, _) = app.balance(&warehouse, &clinic, &batch).await;
    assert_eq!(after, on_hand - 1);

    let body = app
        .gql(Some(&admin), REACTIVATE, json!({ "id": clinic }))
        .await;
    assert_eq!(
        body["data"]["reactivateInstitution"]["active"], true,
        "{body}"
    );
    app.login("pharmacist.vc0101").await;
    assert_eq!(audit_rows(&app, "deactivateInstitution").await.len(), 1);
    assert_eq!(audit_rows(&app, "reactivateInstitution").await.len(), 1);
    app.assert_ledger_consistent().await;
}

// ------------------------------------------------------- 7. smaller items

#[tokio::test]
async fn a_multipart_body_without_a_token_is_not_parsed() {
    let app = TestApp::spawn().await;
    let big = "x".repeat(3 * 1024 * 1024);
    let form = reqwest::multipart::Form::new()
        .text("operations", json!({ "query": big }).to_string())
        .text("map", "{}");
    let resp = app
        .client
        .post(format!("{}/graphql", app.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(error_code(&body), "UNAUTHENTICATED");

    // Signed in, the operations part is still held to the JSON limit.
    let token = app.login("buyer").await;
    let form = reqwest::multipart::Form::new()
        .text("operations", json!({ "query": big }).to_string())
        .text("map", "{}");
    let resp = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 413);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(error_code(&body), "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn the_login_payload_resolves_related_objects_without_naming_internals() {
    let app = TestApp::spawn().await;
    let body = app
        .gql(
            None,
            "mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
                user { username institution { code parent { code } } } } }",
            json!({ "u": "pharmacist.vc0101", "p": PASSWORD }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let inst = &body["data"]["login"]["user"]["institution"];
    assert_eq!(inst["code"], "DEMO-VC0101");
    assert_eq!(inst["parent"]["code"], "DEMO-TH01");
    assert!(!body.to_string().contains("yaolian_"));
}

#[tokio::test]
async fn an_items_cursor_near_two_to_the_sixty_four_is_refused() {
    let app = TestApp::spawn().await;
    let token = app.login("buyer").await;
    let cursor =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(u64::MAX.to_string().as_bytes());
    let body = app
        .gql(
            Some(&token),
            "query($a: String) { items(first: 10, after: $a) { edges { node { id } } } }",
            json!({ "a": cursor }),
        )
        .await;
    assert_eq!(error_code(&body), "VALIDATION", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "after");
}

#[tokio::test]
async fn a_logistic_count_past_an_int_is_an_invalid_barcode() {
    let app = TestApp::spawn().await;
    let token = app.login("warehouse").await;
    let raw = format!("(02){}(37)99999999", yaolian_seed::demo_case_gtin(0));
    let body = app
        .gql(
            Some(&token),
            "query($r: String!) { resolveBarcode(raw: $r) { unitsPerScan } }",
            json!({ "r": raw }),
        )
        .await;
    assert_eq!(error_code(&body), "INVALID_BARCODE", "{body}");
    assert_eq!(reason(&body), "gs1.count_too_large");
    // A real carton count still resolves.
    let raw = format!("(02){}(37)12", yaolian_seed::demo_case_gtin(0));
    let body = app
        .gql(
            Some(&token),
            "query($r: String!) { resolveBarcode(raw: $r) { unitsPerScan } }",
            json!({ "r": raw }),
        )
        .await;
    assert!(
        body["data"]["resolveBarcode"]["unitsPerScan"]
            .as_i64()
            .unwrap()
            > 0,
        "{body}"
    );
}

#[tokio::test]
async fn a_village_pharmacist_cannot_create_stock_from_nothing() {
    let app = TestApp::spawn().await;
    let pharmacist = app.login("pharmacist.vc0101").await;
    let warehouse = app.login("warehouse").await;
    let clinic = app.institution("DEMO-VC0101");
    let batch = app.lot(0, 0);
    let (on_hand, _, _) = app.balance(&pharmacist, &clinic, &batch).await;

    let body = app
        .adjust(
            &pharmacist,
            &clinic,
            &batch,
            1_000_000_000,
            "found",
            "sec-big-1",
        )
        .await;
    assert_eq!(error_code(&body), "VALIDATION", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "quantity");
    let cap = (on_hand * 2).max(1_000);
    let over = app
        .adjust(&pharmacist, &clinic, &batch, cap + 1, "found", "sec-big-2")
        .await;
    assert_eq!(error_code(&over), "VALIDATION", "{over}");
    let ok = app
        .adjust(&pharmacist, &clinic, &batch, cap, "found", "sec-big-3")
        .await;
    assert_eq!(ok["data"]["adjustStock"]["quantity"], cap, "{ok}");
    // The centre's warehouse may post more, and stands as its approver.
    let centre = app
        .adjust(
            &warehouse,
            &clinic,
            &batch,
            cap * 3,
            "found in store",
            "sec-big-4",
        )
        .await;
    assert_eq!(
        centre["data"]["adjustStock"]["quantity"],
        cap * 3,
        "{centre}"
    );
    let (after, _, _) = app.balance(&pharmacist, &clinic, &batch).await;
    assert_eq!(after, on_hand + cap * 4);
}

#[tokio::test]
async fn every_response_says_nosniff_and_svg_labels_cannot_run_scripts() {
    let app = TestApp::spawn().await;
    let token = app.login("warehouse").await;
    let health = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.headers()["x-content-type-options"], "nosniff");
    let svg = app
        .client
        .get(format!("{}/labels/batch/{}.svg", app.base, app.lot(0, 0)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(svg.status().as_u16(), 200);
    assert_eq!(svg.headers()["x-content-type-options"], "nosniff");
    let csp = svg.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("sandbox"),
        "{csp}"
    );
    let page = app
        .client
        .get(format!("{}/", app.base))
        .send()
        .await
        .unwrap();
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let (_, _) = app
        .post(Some(&token), json!({ "query": "{ me { id } }" }))
        .await;
}

#[tokio::test]
async fn catalogue_downloads_are_audited_and_hidden_controls_refused_in_names() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer").await;
    let resp = app
        .client
        .get(format!("{}/exports/catalogue.xlsx", app.base))
        .bearer_auth(&buyer)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let rows = audit_rows(&app, "exportCatalogue").await;
    assert_eq!(rows.len(), 1);
    assert!(rows[0].user_id.is_some());

    let gtin = yaolian_backend::labels::gtin::with_check_digit("690999900077");
    let mut input = crate::catalogue::new_item("BIDI1", "阿莫西林\u{202E}片", &gtin);
    let body = app
        .gql(
            Some(&buyer),
            "mutation($i: ItemInput!) { createItem(input: $i) { id } }",
            json!({ "i": input.clone() }),
        )
        .await;
    assert_eq!(error_code(&body), "VALIDATION", "{body}");
    assert!(
        body["errors"][0]["extensions"]["field"]
            .as_str()
            .unwrap()
            .contains("genericName")
    );
    input["genericName"] = json!("阿莫西林片");
    input["englishName"] = json!("Amox\u{2066}icillin");
    let body = app
        .gql(
            Some(&buyer),
            "mutation($i: ItemInput!) { createItem(input: $i) { id } }",
            json!({ "i": input }),
        )
        .await;
    assert_eq!(error_code(&body), "VALIDATION", "{body}");
}

#[tokio::test]
async fn introspection_needs_a_signed_in_caller() {
    let app = TestApp::spawn().await;
    let query = "{ __schema { queryType { name } } }";
    let anonymous = app.gql(None, query, json!({})).await;
    assert!(anonymous["data"]["__schema"].is_null(), "{anonymous}");
    let token = app.login("doctor").await;
    let signed_in = app.gql(Some(&token), query, json!({})).await;
    assert_eq!(signed_in["data"]["__schema"]["queryType"]["name"], "Query");
}

// ------------------------------------------------ 1. spreadsheet uploads

#[tokio::test]
async fn a_tiny_spreadsheet_naming_cell_xfd1048576_is_refused_and_the_server_lives() {
    use yaolian_backend::testkit::xlsx::{self, Body};
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer").await;
    let rows =
        xlsx::row(1, &[("A1", "<v>1</v>")]) + &xlsx::row(1_048_576, &[("XFD1048576", "<v>1</v>")]);
    let bytes = xlsx::workbook(Body::Text(&xlsx::sheet_xml(None, &rows)), None);
    assert!(bytes.len() < 2048);
    let body = crate::excel::upload(&app, &buyer, bytes, true).await;
    assert_eq!(error_code(&body), "VALIDATION", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "file");
    // Still serving.
    let me = app
        .gql(Some(&buyer), "{ me { username } }", json!({}))
        .await;
    assert_eq!(me["data"]["me"]["username"], "buyer");
}

#[tokio::test]
async fn a_name_typed_as_a_formula_stays_text_in_the_exported_workbook() {
    use std::io::Read;
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer").await;
    let gtin = yaolian_backend::labels::gtin::with_check_digit("690999900088");
    let formula = "=HYPERLINK(\"http://example.invalid\",\"点击\")";
    let mut input = crate::catalogue::new_item("FORMULA1", "公式片", &gtin);
    input["tradeName"] = json!(formula);
    let body = app
        .gql(
            Some(&buyer),
            "mutation($i: ItemInput!) { createItem(input: $i) { id tradeName } }",
            json!({ "i": input }),
        )
        .await;
    assert_eq!(body["data"]["createItem"]["tradeName"], formula, "{body}");
    let bytes = app
        .client
        .get(format!("{}/exports/catalogue.xlsx", app.base))
        .bearer_auth(&buyer)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut part = |name: &str| {
        let mut text = String::new();
        archive
            .by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    let sheet = part("xl/worksheets/sheet1.xml");
    let styles = part("xl/styles.xml");
    let strings = part("xl/sharedStrings.xml");
    // Stored as a string, never as a formula, and marked so that Excel
    // keeps it text when a buyer edits the cell.
    assert!(!sheet.contains("<f>"), "a formula cell was written");
    assert!(strings.contains("=HYPERLINK("));
    assert!(styles.contains("quotePrefix=\"1\""), "{styles}");
}
