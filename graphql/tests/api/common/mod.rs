//! The real server on a random port over a fresh, seeded database (SQLite,
//! or PostgreSQL when `DATABASE_URL` names one), called over HTTP as a client
//! would.
#![allow(dead_code)]

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use std::sync::Arc;
use yaolian_backend::clock::{Clock, ManualClock};
use yaolian_backend::testkit::{ScratchDb, scratch_database};
use yaolian_backend::{Backend, Settings};
use yaolian_seed::{DemoCounty, DemoOptions, seed_demo_with};

pub const PASSWORD: &str = "test-password";

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub county: DemoCounty,
    pub clock: ManualClock,
    pub backend: Backend,
    _scratch: ScratchDb,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(Settings::default()).await
    }

    pub async fn spawn_with(settings: Settings) -> Self {
        Self::spawn_demo(settings, DemoOptions { history: false }).await
    }

    /// The demo county as `serve --demo` loads it (with its history).
    pub async fn spawn_demo(settings: Settings, options: DemoOptions) -> Self {
        let scratch = scratch_database().await.expect("scratch database");
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 6, 15, 2, 0, 0).unwrap());
        let county = seed_demo_with(&scratch.db, PASSWORD, clock.now(), options)
            .await
            .expect("demo seed");
        let backend = Backend::new(
            scratch.db.clone(),
            Arc::new(clock.clone()) as Arc<dyn Clock>,
            settings,
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = yaolian_graphql::router(backend.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, yaolian_graphql::service(router)).await;
        });
        TestApp {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            county,
            clock,
            backend,
            _scratch: scratch,
        }
    }

    pub fn institution(&self, code: &str) -> String {
        self.county
            .institutions
            .get(code)
            .unwrap_or_else(|| panic!("no institution {code}"))
            .to_string()
    }

    pub fn batch(&self, lot: &str) -> String {
        self.county
            .batches
            .get(lot)
            .unwrap_or_else(|| panic!("no batch {lot}"))
            .to_string()
    }

    /// The id of batch `batch_index` of demo item `item_index`.
    pub fn lot(&self, item_index: usize, batch_index: usize) -> String {
        let today = yaolian_backend::clock::business_date(self.clock.now());
        self.batch(&yaolian_seed::demo_lot(today, item_index, batch_index))
    }

    pub fn item(&self, code: &str) -> String {
        self.county.items.get(code).unwrap().to_string()
    }

    /// POSTs a GraphQL request; returns the HTTP status and the JSON body.
    pub async fn post(&self, token: Option<&str>, body: Value) -> (u16, Value) {
        let mut req = self
            .client
            .post(format!("{}/graphql", self.base))
            .json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let json =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
        (status, json)
    }

    /// A client whose requests come from `address` (any of 127.0.0.0/8 is
    /// this machine), for what is counted per client address.
    pub fn client_from(&self, address: &str) -> reqwest::Client {
        reqwest::Client::builder()
            .local_address(Some(address.parse().expect("an IP address")))
            .build()
            .expect("client")
    }

    /// A sign-in attempt from `client`; returns the response body.
    pub async fn try_login(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> Value {
        client
            .post(format!("{}/graphql", self.base))
            .json(&json!({
                "query": "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
                "variables": { "u": username, "p": password },
            }))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("JSON")
    }

    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let (status, body) = self
            .post(token, json!({ "query": query, "variables": variables }))
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Signs in a demo user and returns the token.
    pub async fn login(&self, username: &str) -> String {
        let body = self
            .gql(
                None,
                "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
                json!({ "u": username, "p": PASSWORD }),
            )
            .await;
        body["data"]["login"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("login {username} failed: {body}"))
            .to_string()
    }

    pub async fn adjust(
        &self,
        token: &str,
        institution: &str,
        batch: &str,
        quantity: i64,
        reason: &str,
        request_id: &str,
    ) -> Value {
        self.gql(
            Some(token),
            ADJUST,
            json!({ "input": {
                "institutionId": institution,
                "batchId": batch,
                "quantity": quantity,
                "reason": reason,
                "clientRequestId": request_id,
            }}),
        )
        .await
    }

    /// (onHand, reserved, available) of one batch at one institution.
    pub async fn balance(&self, token: &str, institution: &str, batch: &str) -> (i64, i64, i64) {
        let mut after: Option<String> = None;
        loop {
            let body = self
                .gql(
                    Some(token),
                    "query($i: ID!, $a: String) { stock(institutionId: $i, first: 200, after: $a) {
                        pageInfo { hasNextPage endCursor }
                        edges { node { onHand reserved available batch { id } } } } }",
                    json!({ "i": institution, "a": after }),
                )
                .await;
            let stock = &body["data"]["stock"];
            for edge in stock["edges"].as_array().expect("edges") {
                let node = &edge["node"];
                if node["batch"]["id"] == batch {
                    return (
                        node["onHand"].as_i64().unwrap(),
                        node["reserved"].as_i64().unwrap(),
                        node["available"].as_i64().unwrap(),
                    );
                }
            }
            if stock["pageInfo"]["hasNextPage"] != true {
                return (0, 0, 0);
            }
            after = stock["pageInfo"]["endCursor"].as_str().map(str::to_string);
        }
    }

    pub async fn assert_ledger_consistent(&self) {
        let violations = yaolian_backend::ledger::verify(self.backend.db().conn())
            .await
            .unwrap();
        assert!(violations.is_empty(), "{violations:#?}");
    }
}

pub const ADJUST: &str = "mutation($input: AdjustStockInput!) {
    adjustStock(input: $input) { id quantity kind reason createdAt balanceAfter lineNo } }";

/// The first error's `extensions.code`.
pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {body}"))
}
