//! What an operator relies on: request ids, `/metrics`, and an internal
//! fault's reference in the log next to its cause.

use crate::common::TestApp;
use sea_orm::ConnectionTrait;
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, LazyLock, Mutex, Once};

/// Every log line of this test binary, from the moment the first test
/// here asks for it.
static LOG: LazyLock<Arc<Mutex<Vec<u8>>>> = LazyLock::new(Default::default);

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut log) = LOG.lock() {
            log.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_writer(|| Capture)
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
}

fn logged() -> String {
    String::from_utf8_lossy(&LOG.lock().map(|l| l.clone()).unwrap_or_default()).into_owned()
}

#[tokio::test]
async fn an_internal_fault_gives_a_reference_that_is_in_the_log_with_its_cause() {
    capture_logs();
    let app = TestApp::spawn().await;
    let token = app.login("pharmacist.vc0101").await;
    let clinic = app.institution("DEMO-VC0101");
    let batch = app.lot(0, 0);
    // A database that has lost a table: every command's audit row fails.
    app.backend
        .db()
        .conn()
        .execute_unprepared("DROP TABLE audit_log")
        .await
        .unwrap();
    let body = app
        .adjust(&token, &clinic, &batch, -1, "broken", "obs-internal-1")
        .await;
    let ext = &body["errors"][0]["extensions"];
    assert_eq!(ext["code"], "INTERNAL", "{body}");
    let reference = ext["reference"].as_str().expect("a reference").to_string();
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains(&reference), "{message}");
    // Nothing of the cause reaches the client.
    assert!(!message.contains("audit_log"), "{message}");
    let log = logged();
    let line = log
        .lines()
        .find(|l| l.contains(&reference))
        .unwrap_or_else(|| panic!("reference {reference} not in the log"));
    assert!(
        line.contains("audit_log"),
        "the cause is on the line: {line}"
    );
    assert!(line.contains("ERROR"), "{line}");
    // The line belongs to the request: its span names the operation.
    assert!(line.contains("mutation adjustStock"), "{line}");
}

#[tokio::test]
async fn a_request_id_is_echoed_or_made() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphql", app.base);
    let query = json!({ "query": "{ __typename }" });
    let given = app
        .client
        .post(&url)
        .header("x-request-id", "scanner-7-0042")
        .json(&query)
        .send()
        .await
        .unwrap();
    assert_eq!(given.headers()["x-request-id"], "scanner-7-0042");
    let made = app.client.post(&url).json(&query).send().await.unwrap();
    let id = made.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    // An id that could forge a log line is replaced.
    let forged = app
        .client
        .post(&url)
        .header("x-request-id", "a b")
        .json(&query)
        .send()
        .await
        .unwrap();
    assert_ne!(forged.headers()["x-request-id"], "a b");
}

fn sample(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(name_and_labels))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn metrics_count_commands_and_scans_for_administrators_only() {
    let app = TestApp::spawn().await;
    let url = format!("{}/metrics", app.base);
    let anonymous = app.client.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let pharmacist = app.login("pharmacist.vc0101").await;
    let refused = app
        .client
        .get(&url)
        .bearer_auth(&pharmacist)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);

    let admin = app.login("admin").await;
    let scrape = || async {
        let resp = app
            .client
            .get(&url)
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        resp.text().await.unwrap()
    };
    let ok_adjust = "yaolian_commands_total{operation=\"adjustStock\",outcome=\"OK\"}";
    let before = sample(&scrape().await, ok_adjust).unwrap_or(0.0);

    let clinic = app.institution("DEMO-VC0101");
    let batch = app.lot(0, 0);
    for n in 0..3 {
        let body = app
            .adjust(
                &pharmacist,
                &clinic,
                &batch,
                -1,
                "counted",
                &format!("obs-m-{n}"),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    // A replay is counted as one.
    app.adjust(&pharmacist, &clinic, &batch, -1, "counted", "obs-m-0")
        .await;
    let scan = app
        .gql(
            Some(&pharmacist),
            "query($c: String!) { resolveBarcode(raw: $c) { kind } }",
            json!({ "c": "not a barcode" }),
        )
        .await;
    assert_eq!(scan["errors"][0]["extensions"]["code"], "INVALID_BARCODE");

    // Of a document with two operations, the one the client chose is the
    // one counted.
    let (status, chosen) = app
        .post(
            Some(&pharmacist),
            json!({
                "query": "query First { __typename } query Second { me { id } institutions { id } }",
                "operationName": "Second",
            }),
        )
        .await;
    assert_eq!(status, 200);
    assert!(chosen["errors"].is_null(), "{chosen}");

    let text = scrape().await;
    assert!(
        sample(
            &text,
            "yaolian_graphql_operations_total{operation=\"query institutions+me\",outcome=\"OK\"}"
        )
        .unwrap_or(0.0)
            >= 1.0,
        "{text}"
    );
    // Other tests in this binary run at the same time and count too, so
    // the figures grow by at least what this test did.
    assert!(sample(&text, ok_adjust).unwrap() >= before + 3.0, "{text}");
    assert!(
        sample(
            &text,
            "yaolian_commands_total{operation=\"adjustStock\",outcome=\"REPLAY\"}"
        )
        .unwrap()
            >= 1.0
    );
    assert!(
        sample(
            &text,
            "yaolian_graphql_operations_total{operation=\"mutation adjustStock\",outcome=\"OK\"}"
        )
        .unwrap()
            >= 3.0,
        "{text}"
    );
    assert!(
        sample(
            &text,
            "yaolian_scans_total{kind=\"UNREADABLE\",result=\"INVALID_BARCODE\"}"
        )
        .unwrap()
            >= 1.0
    );
    assert!(sample(&text, "yaolian_sign_ins_total{outcome=\"OK\"}").unwrap() >= 2.0);
    assert!(text.contains("yaolian_command_duration_seconds_bucket"));
    assert!(sample(&text, "yaolian_db_pool_connections").unwrap() >= 1.0);
    if app.backend.db().backend() == sea_orm::DatabaseBackend::Sqlite {
        assert!(sample(&text, "yaolian_sqlite_writer_wait_seconds_count").unwrap() >= 3.0);
    }
    assert!(sample(&text, "process_resident_memory_bytes").unwrap() > 1e6);
}
