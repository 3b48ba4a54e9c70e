//! Two pharmacists dispensing the last pack at once get one success and one
//! clear `INSUFFICIENT_STOCK`, over the real server.

use crate::common::{TestApp, error_code};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_concurrent_adjustments_against_ten_over_http() {
    let app = Arc::new(TestApp::spawn().await);
    let token = Arc::new(app.login("pharmacist.vc0102").await);
    let clinic = app.institution("DEMO-VC0102");
    let batch = app.lot(3, 0);
    let (on_hand, _, _) = app.balance(&token, &clinic, &batch).await;
    assert_eq!(on_hand, 50);
    let down = app
        .adjust(&token, &clinic, &batch, -40, "set up: leave ten", "setup-1")
        .await;
    assert_eq!(down["data"]["adjustStock"]["balanceAfter"], 10);

    let mut tasks = Vec::new();
    for n in 0..40 {
        let (app, token, clinic, batch) =
            (app.clone(), token.clone(), clinic.clone(), batch.clone());
        tasks.push(tokio::spawn(async move {
            app.adjust(
                &token,
                &clinic,
                &batch,
                -1,
                "dispensed",
                &format!("race-{n}"),
            )
            .await
        }));
    }
    let (mut ok, mut short) = (0, 0);
    for t in tasks {
        let body = t.await.unwrap();
        if body["data"]["adjustStock"]["id"].is_string() {
            ok += 1;
        } else {
            assert_eq!(error_code(&body), "INSUFFICIENT_STOCK", "{body}");
            short += 1;
        }
    }
    assert_eq!((ok, short), (10, 30));
    assert_eq!(app.balance(&token, &clinic, &batch).await, (0, 0, 0));
    app.assert_ledger_consistent().await;

    // Replays racing each other still post once.
    let up = app
        .adjust(&token, &clinic, &batch, 5, "returned by patient", "setup-2")
        .await;
    assert_eq!(up["data"]["adjustStock"]["balanceAfter"], 5);
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (app, token, clinic, batch) =
            (app.clone(), token.clone(), clinic.clone(), batch.clone());
        tasks.push(tokio::spawn(async move {
            app.adjust(&token, &clinic, &batch, -1, "dispensed", "same-scan")
                .await
        }));
    }
    let mut ids = std::collections::HashSet::new();
    for t in tasks {
        let body = t.await.unwrap();
        ids.insert(
            body["data"]["adjustStock"]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(ids.len(), 1, "every replay returns the one movement");
    assert_eq!(app.balance(&token, &clinic, &batch).await.0, 4);
    app.assert_ledger_consistent().await;
}
