//! API benchmarks over real HTTP, on SQLite and (when `DATABASE_URL` names a
//! PostgreSQL server) on PostgreSQL.
//!
//! `cargo bench -p yaolian-graphql` runs every section;
//! `cargo bench -p yaolian-graphql -- adjust` runs those whose name contains
//! "adjust". Each section prints its figures and, where it has one, the ratio
//! against a raw baseline measured in the same run (machines here are noisy:
//! compare ratios, not absolute numbers across runs).
// A benchmark reads the wall clock (it seeds "today" and stamps its report)
// and its own switches from the environment.
#![allow(clippy::disallowed_methods)]

use chrono::Utc;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;
use yaolian_backend::clock::{Clock, SystemClock};
use yaolian_backend::db::Database;
use yaolian_backend::testkit::{ScratchDb, postgres_url, scratch_database_on};
use yaolian_backend::{Backend, Settings};
use yaolian_seed::{DemoCounty, seed_demo};

const PASSWORD: &str = "bench-password";

struct Server {
    base: String,
    county: DemoCounty,
    db: Database,
    client: reqwest::Client,
    _scratch: ScratchDb,
}

impl Server {
    /// POSTs a GraphQL request and says whether the JSON at `pointer` in
    /// the answer is `expect` (`"string"`, `"array"`) — the bench's notion of
    /// a successful call.
    async fn call(
        &self,
        token: &str,
        body: serde_json::Value,
        pointer: &str,
        expect: &str,
    ) -> bool {
        let Ok(resp) = self
            .client
            .post(&self.base)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
        else {
            return false;
        };
        let Ok(answer) = resp.json::<serde_json::Value>().await else {
            return false;
        };
        match (answer.pointer(pointer), expect) {
            (Some(v), "string") => v.is_string(),
            (Some(v), "array") => v.is_array(),
            (Some(v), "number") => v.is_number(),
            _ => false,
        }
    }

    async fn start(postgres: Option<&str>) -> Server {
        let scratch = scratch_database_on(postgres).await.expect("database");
        let county = seed_demo(&scratch.db, PASSWORD, Utc::now())
            .await
            .expect("seed");
        let backend = Backend::new(
            scratch.db.clone(),
            Arc::new(SystemClock) as Arc<dyn Clock>,
            Settings::default(),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                yaolian_graphql::service(yaolian_graphql::router(backend)),
            )
            .await;
        });
        Server {
            base: format!("http://{addr}/graphql"),
            county,
            db: scratch.db.clone(),
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(64)
                .build()
                .unwrap(),
            _scratch: scratch,
        }
    }

    async fn login(&self, user: &str) -> String {
        let body: serde_json::Value = self
            .client
            .post(&self.base)
            .json(&json!({
                "query": "mutation($u:String!,$p:String!){login(username:$u,password:$p){token}}",
                "variables": {"u": user, "p": PASSWORD}
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["data"]["login"]["token"].as_str().unwrap().to_string()
    }
}

#[derive(Debug, Clone, Copy)]
struct Figures {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: usize,
}

fn figures(mut latencies: Vec<Duration>, elapsed: Duration, errors: usize) -> Figures {
    latencies.sort();
    let pick = |q: f64| {
        let i = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        latencies
            .get(i)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(f64::NAN)
    };
    Figures {
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50_ms: pick(0.50),
        p99_ms: pick(0.99),
        errors,
    }
}

/// Runs `clients` loops of `per_client` calls of `call(client_index, n)`.
async fn load<F, Fut>(clients: usize, per_client: usize, call: F) -> Figures
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let call = Arc::new(call);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let call = call.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per_client);
            let mut errors = 0;
            for n in 0..per_client {
                let t = Instant::now();
                if call(c, n).await {
                    lat.push(t.elapsed());
                } else {
                    errors += 1;
                }
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (lat, e) = t.await.unwrap();
        all.extend(lat);
        errors += e;
    }
    figures(all, started.elapsed(), errors)
}

const ADJUST: &str =
    "mutation($input: AdjustStockInput!) { adjustStock(input: $input) { id balanceAfter } }";

/// `adjustStock` over HTTP against the same transaction through sqlx alone.
async fn adjust_stock(label: &str, postgres: Option<&str>) {
    let server = Arc::new(Server::start(postgres).await);
    let token = Arc::new(server.login("warehouse").await);
    let centre = server.county.institution("DEMO-LC");
    // Every client works on its own batch, as scanners at different shelves
    // do; the quarantined batch is left out.
    let batches: Arc<Vec<Uuid>> = Arc::new(
        server
            .county
            .batches
            .iter()
            .filter(|(lot, _)| lot.as_str() != "QTN2402Q" && lot.as_str() != "EXP2301X")
            .map(|(_, id)| *id)
            .collect(),
    );
    let user = server.county.users["warehouse"];
    let item_of = Arc::new(batch_items(&server.db).await);
    let hash = Arc::new(session_hash(&server.db, user).await);

    println!("\n## adjustStock over HTTP vs raw sqlx transaction — {label}");
    println!(
        "| clients | yaolian req/s | p50 ms | p99 ms | raw tx/s | raw p50 ms | raw p99 ms | ratio raw/yaolian | HTTP floor req/s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut same_writes = Vec::new();
    for clients in [1usize, 8, 32] {
        let per_client = (1600 / clients).max(50);
        let ours = {
            let (server, token, batches) = (server.clone(), token.clone(), batches.clone());
            let round = Uuid::now_v7();
            load(clients, per_client, move |c, n| {
                let (server, token) = (server.clone(), token.clone());
                let batch = batches[c % batches.len()];
                async move {
                    let q = if n % 2 == 0 { 1 } else { -1 };
                    let body = json!({"query": ADJUST, "variables": {"input": {
                            "institutionId": centre.to_string(),
                            "batchId": batch.to_string(),
                            "quantity": q,
                            "reason": "bench",
                            "clientRequestId": format!("{round}-{c}-{n}"),
                    }}});
                    server
                        .call(&token, body, "/data/adjustStock/id", "string")
                        .await
                }
            })
            .await
        };
        let raw = {
            let (db, batches, item_of) = (server.db.clone(), batches.clone(), item_of.clone());
            let gate = Arc::new(tokio::sync::Mutex::new(()));
            load(clients, per_client, move |c, n| {
                let (db, gate) = (db.clone(), gate.clone());
                let batch = batches[c % batches.len()];
                let item = item_of[&batch];
                async move {
                    let q = if n % 2 == 0 { 1 } else { -1 };
                    raw_adjust(&db, &gate, centre, batch, item, user, q).await
                }
            })
            .await
        };
        let baseline = |how: Baseline| {
            let (db, batches, item_of, hash) = (
                server.db.clone(),
                batches.clone(),
                item_of.clone(),
                hash.clone(),
            );
            let gate = Arc::new(tokio::sync::Mutex::new(()));
            let round = Uuid::now_v7();
            load(clients, per_client, move |c, n| {
                let (db, gate, hash) = (db.clone(), gate.clone(), hash.clone());
                let batch = batches[c % batches.len()];
                let item = item_of[&batch];
                async move {
                    let q = if n % 2 == 0 { 1 } else { -1 };
                    let key = format!("{round}-{c}-{n}");
                    raw_same_writes(&db, &gate, how, &hash, centre, batch, item, user, q, key).await
                }
            })
        };
        let same = baseline(Baseline::SameWrites).await;
        let cte = match postgres {
            Some(_) => Some(baseline(Baseline::Cte).await),
            None => None,
        };
        // The floor: an authenticated `me` query over the same HTTP stack,
        // with the load generator sharing the two cores.
        let floor = {
            let (server, token) = (server.clone(), token.clone());
            load(clients, per_client, move |_, _| {
                let (server, token) = (server.clone(), token.clone());
                async move {
                    server
                        .call(
                            &token,
                            json!({"query": "{ me { id } }"}),
                            "/data/me/id",
                            "string",
                        )
                        .await
                }
            })
            .await
        };
        println!(
            "| {clients} | {:.0} | {:.2} | {:.2} | {:.0} | {:.2} | {:.2} | {:.2} | {:.0} |",
            ours.per_second,
            ours.p50_ms,
            ours.p99_ms,
            raw.per_second,
            raw.p50_ms,
            raw.p99_ms,
            raw.per_second / ours.per_second,
            floor.per_second
        );
        if ours.errors + raw.errors > 0 {
            println!("(errors: yaolian {}, raw {})", ours.errors, raw.errors);
        }
        same_writes.push((clients, ours.per_second, same, cte));
    }
    println!("\n### Against the same writes — {label}");
    println!(
        "| clients | yaolian req/s | same writes tx/s | p99 ms | ratio | one CTE tx/s | p99 ms | ratio |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (clients, ours, same, cte) in &same_writes {
        let (c, cp, cr) = match cte {
            Some(f) => (
                format!("{:.0}", f.per_second),
                format!("{:.2}", f.p99_ms),
                format!("{:.2}", f.per_second / ours),
            ),
            None => ("-".into(), "-".into(), "-".into()),
        };
        println!(
            "| {clients} | {ours:.0} | {:.0} | {:.2} | {:.2} | {c} | {cp} | {cr} |",
            same.per_second,
            same.p99_ms,
            same.per_second / ours
        );
        if same.errors + cte.as_ref().map_or(0, |f| f.errors) > 0 {
            println!(
                "(errors: same writes {}, CTE {})",
                same.errors,
                cte.as_ref().map_or(0, |f| f.errors)
            );
        }
    }
    let violations = yaolian_backend::ledger::verify(server.db.conn())
        .await
        .unwrap();
    assert!(
        violations.is_empty(),
        "ledger broken by the bench: {violations:?}"
    );
}

async fn batch_items(db: &Database) -> std::collections::HashMap<Uuid, Uuid> {
    use sea_orm::EntityTrait;
    yaolian_backend::entity::batch::Entity::find()
        .all(db.conn())
        .await
        .unwrap()
        .into_iter()
        .map(|b| (b.id, b.item_id))
        .collect()
}

/// The baseline: one transaction with the guarded balance update and the
/// movement insert, straight through sqlx. On SQLite it queues writers in
/// process like yaolian does (that queue is a design choice, not overhead),
/// and begins IMMEDIATE.
async fn raw_adjust(
    db: &Database,
    gate: &tokio::sync::Mutex<()>,
    institution: Uuid,
    batch: Uuid,
    item: Uuid,
    user: Uuid,
    q: i64,
) -> bool {
    use sea_orm::sqlx;
    let now = Utc::now();
    match db.backend() {
        sea_orm::DatabaseBackend::Sqlite => {
            let pool = db.conn().get_sqlite_connection_pool();
            let _slot = gate.lock().await;
            let Ok(mut conn) = pool.acquire().await else {
                return false;
            };
            let run = async {
                sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
                let row: (i64, i64) = sqlx::query_as(
                    "UPDATE stock_balance SET on_hand = on_hand + ?, movement_count = movement_count + 1, updated_at = ? \
                     WHERE institution_id = ? AND batch_id = ? AND on_hand - reserved + ? >= 0 \
                     RETURNING on_hand, movement_count",
                )
                .bind(q)
                .bind(now)
                .bind(institution)
                .bind(batch)
                .bind(q)
                .fetch_one(&mut *conn)
                .await?;
                sqlx::query(
                    "INSERT INTO stock_movement (id, institution_id, batch_id, item_id, line_no, quantity, balance_after, kind, reason, occurred_at, recorded_at, user_id) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, 'ADJUSTMENT', 'bench', ?, ?, ?)",
                )
                .bind(Uuid::now_v7())
                .bind(institution)
                .bind(batch)
                .bind(item)
                .bind(row.1)
                .bind(q)
                .bind(row.0)
                .bind(now)
                .bind(now)
                .bind(user)
                .execute(&mut *conn)
                .await?;
                sqlx::query("COMMIT").execute(&mut *conn).await?;
                Ok::<_, sqlx::Error>(())
            };
            match run.await {
                Ok(()) => true,
                Err(_) => {
                    let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                    false
                }
            }
        }
        _ => {
            let pool = db.conn().get_postgres_connection_pool();
            let run = async {
                let mut tx = pool.begin().await?;
                let row: (i64, i64) = sqlx::query_as(
                    "UPDATE stock_balance SET on_hand = on_hand + $1, movement_count = movement_count + 1, updated_at = $2 \
                     WHERE institution_id = $3 AND batch_id = $4 AND on_hand - reserved + $1 >= 0 \
                     RETURNING on_hand, movement_count",
                )
                .bind(q)
                .bind(now)
                .bind(institution)
                .bind(batch)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO stock_movement (id, institution_id, batch_id, item_id, line_no, quantity, balance_after, kind, reason, occurred_at, recorded_at, user_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'ADJUSTMENT', 'bench', $8, $8, $9)",
                )
                .bind(Uuid::now_v7())
                .bind(institution)
                .bind(batch)
                .bind(item)
                .bind(row.1)
                .bind(q)
                .bind(row.0)
                .bind(now)
                .bind(user)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok::<_, sqlx::Error>(())
            };
            run.await.is_ok()
        }
    }
}

/// How the baselines reach the database.
#[derive(Clone, Copy, PartialEq)]
enum Baseline {
    /// The same writes as `adjustStock` (session look-up, batch share lock,
    /// guarded balance update, movement, audit row, idempotency record), one
    /// statement each, as sea-orm sends them.
    SameWrites,
    /// PostgreSQL only: the same work with the five writes in one
    /// data-modifying CTE, so a transaction is four round trips.
    Cte,
}

/// The token hash of the bench user's session, so the baselines can look
/// the session up exactly as `authenticate` does.
async fn session_hash(db: &Database, user: Uuid) -> String {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    use yaolian_backend::entity::session;
    session::Entity::find()
        .filter(session::Column::UserId.eq(user))
        .order_by_desc(session::Column::CreatedAt)
        .one(db.conn())
        .await
        .unwrap()
        .expect("the bench user signed in")
        .token_hash
}

/// `adjustStock`'s own writes straight through sqlx: the database's limit
/// for the same guarantees. See [`Baseline`].
#[allow(clippy::too_many_arguments)]
async fn raw_same_writes(
    db: &Database,
    gate: &tokio::sync::Mutex<()>,
    how: Baseline,
    token_hash: &str,
    institution: Uuid,
    batch: Uuid,
    item: Uuid,
    user: Uuid,
    q: i64,
    key: String,
) -> bool {
    use sea_orm::sqlx;
    let now = Utc::now();
    let detail = json!({"quantity": q, "reason": "bench"}).to_string();
    let movement_id = Uuid::now_v7();
    let entity_ids = json!([movement_id.to_string(), batch.to_string()]).to_string();
    const SESSION_SQLITE: &str = "SELECT s.id, s.expires_at, s.revoked_at, u.id, u.active, i.id, i.active, r.role \
        FROM session s JOIN app_user u ON u.id = s.user_id JOIN institution i ON i.id = u.institution_id \
        LEFT JOIN user_role r ON r.user_id = u.id WHERE s.token_hash = ?";
    const SESSION_PG: &str = "SELECT s.id, s.expires_at, s.revoked_at, u.id, u.active, i.id, i.active, r.role \
        FROM session s JOIN app_user u ON u.id = s.user_id JOIN institution i ON i.id = u.institution_id \
        LEFT JOIN user_role r ON r.user_id = u.id WHERE s.token_hash = $1";
    match db.backend() {
        sea_orm::DatabaseBackend::Sqlite => {
            let pool = db.conn().get_sqlite_connection_pool();
            let run = async {
                let rows = sqlx::query(SESSION_SQLITE)
                    .bind(token_hash)
                    .fetch_all(pool)
                    .await?;
                if rows.is_empty() {
                    return Err(sqlx::Error::RowNotFound);
                }
                let _slot = gate.lock().await;
                let mut conn = pool.acquire().await?;
                sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
                let tx = async {
                    sqlx::query("SELECT id, status FROM batch WHERE id = ?")
                        .bind(batch)
                        .fetch_one(&mut *conn)
                        .await?;
                    let row: (i64, i64) = sqlx::query_as(
                        "UPDATE stock_balance SET on_hand = on_hand + ?, movement_count = movement_count + 1, updated_at = ? \
                         WHERE institution_id = ? AND batch_id = ? AND on_hand - reserved + ? >= 0 \
                         RETURNING on_hand, movement_count",
                    )
                    .bind(q).bind(now).bind(institution).bind(batch).bind(q)
                    .fetch_one(&mut *conn)
                    .await?;
                    sqlx::query(
                        "INSERT INTO stock_movement (id, institution_id, batch_id, item_id, line_no, quantity, balance_after, kind, reason, occurred_at, recorded_at, user_id) \
                         VALUES (?, ?, ?, ?, ?, ?, ?, 'ADJUSTMENT', 'bench', ?, ?, ?)",
                    )
                    .bind(movement_id).bind(institution).bind(batch).bind(item).bind(row.1)
                    .bind(q).bind(row.0).bind(now).bind(now).bind(user)
                    .execute(&mut *conn)
                    .await?;
                    sqlx::query(
                        "INSERT INTO audit_log (id, occurred_at, user_id, institution_id, operation, entity_type, entity_ids, detail, client_request_id) \
                         VALUES (?, ?, ?, ?, 'adjustStock', 'stock_movement', ?, ?, ?)",
                    )
                    .bind(Uuid::now_v7()).bind(now).bind(user).bind(institution)
                    .bind(&entity_ids).bind(&detail).bind(&key)
                    .execute(&mut *conn)
                    .await?;
                    sqlx::query(
                        "INSERT INTO idempotency_record (user_id, client_request_id, operation, request_hash, result_id, created_at) \
                         VALUES (?, ?, 'adjustStock', 'bench', ?, ?)",
                    )
                    .bind(user).bind(&key).bind(movement_id).bind(now)
                    .execute(&mut *conn)
                    .await?;
                    Ok::<_, sqlx::Error>(())
                }
                .await;
                match tx {
                    Ok(()) => sqlx::query("COMMIT").execute(&mut *conn).await.map(|_| ()),
                    Err(e) => {
                        let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                        Err(e)
                    }
                }
            };
            run.await.is_ok()
        }
        _ => {
            let pool = db.conn().get_postgres_connection_pool();
            let run = async {
                let rows = sqlx::query(SESSION_PG)
                    .bind(token_hash)
                    .fetch_all(pool)
                    .await?;
                if rows.is_empty() {
                    return Err(sqlx::Error::RowNotFound);
                }
                let mut tx = pool.begin().await?;
                if how == Baseline::Cte {
                    let done: Option<(Uuid,)> = sqlx::query_as(
                        "WITH b AS (SELECT id FROM batch WHERE id = $3 FOR SHARE), \
                         bal AS (UPDATE stock_balance SET on_hand = on_hand + $1, movement_count = movement_count + 1, updated_at = $2 \
                           WHERE institution_id = $4 AND batch_id = (SELECT id FROM b) AND on_hand - reserved + $1 >= 0 \
                           RETURNING on_hand, movement_count), \
                         m AS (INSERT INTO stock_movement (id, institution_id, batch_id, item_id, line_no, quantity, balance_after, kind, reason, occurred_at, recorded_at, user_id) \
                           SELECT $5, $4, $3, $6, movement_count, $1, on_hand, 'ADJUSTMENT', 'bench', $2, $2, $7 FROM bal RETURNING id), \
                         a AS (INSERT INTO audit_log (id, occurred_at, user_id, institution_id, operation, entity_type, entity_ids, detail, client_request_id) \
                           SELECT $8, $2, $7, $4, 'adjustStock', 'stock_movement', $9, $10::json, $11 FROM m) \
                         INSERT INTO idempotency_record (user_id, client_request_id, operation, request_hash, result_id, created_at) \
                           SELECT $7, $11, 'adjustStock', 'bench', id, $2 FROM m RETURNING result_id",
                    )
                    .bind(q).bind(now).bind(batch).bind(institution).bind(movement_id).bind(item)
                    .bind(user).bind(Uuid::now_v7()).bind(&entity_ids).bind(&detail).bind(&key)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if done.is_none() {
                        return Err(sqlx::Error::RowNotFound);
                    }
                } else {
                    sqlx::query("SELECT id, status FROM batch WHERE id = $1 FOR SHARE")
                        .bind(batch)
                        .fetch_one(&mut *tx)
                        .await?;
                    let row: (i64, i64) = sqlx::query_as(
                        "UPDATE stock_balance SET on_hand = on_hand + $1, movement_count = movement_count + 1, updated_at = $2 \
                         WHERE institution_id = $3 AND batch_id = $4 AND on_hand - reserved + $1 >= 0 \
                         RETURNING on_hand, movement_count",
                    )
                    .bind(q).bind(now).bind(institution).bind(batch)
                    .fetch_one(&mut *tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO stock_movement (id, institution_id, batch_id, item_id, line_no, quantity, balance_after, kind, reason, occurred_at, recorded_at, user_id) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, 'ADJUSTMENT', 'bench', $8, $8, $9)",
                    )
                    .bind(movement_id).bind(institution).bind(batch).bind(item).bind(row.1)
                    .bind(q).bind(row.0).bind(now).bind(user)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO audit_log (id, occurred_at, user_id, institution_id, operation, entity_type, entity_ids, detail, client_request_id) \
                         VALUES ($1, $2, $3, $4, 'adjustStock', 'stock_movement', $5, $6::json, $7)",
                    )
                    .bind(Uuid::now_v7()).bind(now).bind(user).bind(institution)
                    .bind(&entity_ids).bind(&detail).bind(&key)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO idempotency_record (user_id, client_request_id, operation, request_hash, result_id, created_at) \
                         VALUES ($1, $2, 'adjustStock', 'bench', $3, $4)",
                    )
                    .bind(user).bind(&key).bind(movement_id).bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok::<_, sqlx::Error>(())
            };
            run.await.is_ok()
        }
    }
}

const SEARCH: &str = "query($s: String) { items(search: $s, first: 20) { edges { node { id code genericName gtins } } } }";

/// Catalogue search over HTTP with 20,000 extra items in the catalogue.
async fn search(label: &str, postgres: Option<&str>) {
    let server = Arc::new(Server::start(postgres).await);
    let t = Instant::now();
    yaolian_seed::scale::load_catalogue(
        &server.db,
        server.county.community_id,
        server.county.users["buyer"],
        Utc::now(),
        20_000,
    )
    .await
    .expect("scale catalogue");
    let loaded = t.elapsed();
    let token = Arc::new(server.login("doctor").await);
    let gtin = yaolian_seed::scale::catalogue_drafts(5000)[4999].package_levels[0].gtins[0].clone();
    let queries: Arc<Vec<String>> = Arc::new(
        [
            "amxl",
            "阿莫西林",
            "头孢",
            "amoxicillin",
            "SC012345",
            "ceftriaxone",
            "片",
            "zsy",
            "胶囊",
            "metformin",
            "xj01",
            "维生素",
            "注射",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([gtin])
        .collect(),
    );
    // The first search builds the index; measure it on its own.
    let t = Instant::now();
    let first = server
        .client
        .post(&server.base)
        .bearer_auth(token.as_str())
        .json(&json!({"query": SEARCH, "variables": {"s": "amxl"}}))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let cold = t.elapsed();
    assert!(
        first["data"]["items"]["edges"]
            .as_array()
            .is_some_and(|e| !e.is_empty()),
        "{first}"
    );
    println!("\n## Catalogue search over HTTP, 20,054 items — {label}");
    println!(
        "(loading 20,000 items: {:.1} s; first search, building the index: {:.1} ms)",
        loaded.as_secs_f64(),
        cold.as_secs_f64() * 1000.0
    );
    // The service alone, per query, to see where the time goes.
    let backend = Backend::new(
        server.db.clone(),
        Arc::new(SystemClock),
        Settings::default(),
    );
    let doctor = backend.authenticate(&token).await.expect("doctor");
    let mut per_query = Vec::new();
    for q in queries.iter() {
        let mut times = Vec::new();
        for _ in 0..30 {
            let t = Instant::now();
            let page = backend
                .search_items(
                    &doctor,
                    Some(q),
                    None,
                    yaolian_backend::page::PageRequest {
                        first: Some(20),
                        after: None,
                    },
                )
                .await
                .expect("search");
            times.push(t.elapsed());
            assert!(!page.edges.is_empty(), "{q}");
        }
        times.sort();
        per_query.push(format!("{q} {:.1}", times[15].as_secs_f64() * 1000.0));
    }
    println!(
        "(service only, median ms per query: {})",
        per_query.join(", ")
    );
    println!("| clients | searches/s | p50 ms | p99 ms |");
    println!("|---|---|---|---|");
    for clients in [1usize, 8] {
        let (server, token, queries) = (server.clone(), token.clone(), queries.clone());
        let f = load(clients, 700 / clients, move |c, n| {
            let (server, token) = (server.clone(), token.clone());
            let q = queries[(c * 7 + n) % queries.len()].clone();
            async move {
                server
                    .call(
                        &token,
                        json!({"query": SEARCH, "variables": {"s": q}}),
                        "/data/items/edges",
                        "array",
                    )
                    .await
            }
        })
        .await;
        println!(
            "| {clients} | {:.0} | {:.2} | {:.2} |",
            f.per_second, f.p50_ms, f.p99_ms
        );
    }
}

const RESOLVE: &str = "query($raw: String!, $i: ID) { resolveBarcode(raw: $raw, institutionId: $i) { kind item { id genericName } unitsPerScan batch { id status } warnings { code } } }";

/// `resolveBarcode` over HTTP, a mix of what clinic scanners send.
async fn resolve(label: &str, postgres: Option<&str>) {
    use chrono::Datelike;
    let server = Arc::new(Server::start(postgres).await);
    let token = Arc::new(server.login("pharmacist.th01").await);
    let clinic = server.county.institution("DEMO-TH01").to_string();
    let today = yaolian_backend::clock::business_date(Utc::now());
    let exp = today + chrono::Duration::days(200);
    let yymmdd = format!("{:02}{:02}{:02}", exp.year() % 100, exp.month(), exp.day());
    let scans: Arc<Vec<String>> = Arc::new(
        (0..20)
            .flat_map(|i| {
                let lot = yaolian_seed::demo_lot(today, i, 0);
                let g = format!("0{}", yaolian_seed::demo_gtin(i));
                [
                    format!("]d201{g}17{yymmdd}10{lot}\u{1d}21SN{i:04}"),
                    format!("(01){g}(17){yymmdd}(10){lot}"),
                    format!("{}{:013}", yaolian_seed::demo_trace_prefix(i, 1), i),
                    yaolian_seed::demo_gtin(i),
                ]
            })
            .collect(),
    );
    println!("\n## resolveBarcode over HTTP — {label}");
    println!("| clients | scans/s | p50 ms | p99 ms |");
    println!("|---|---|---|---|");
    for clients in [1usize, 8] {
        let (server, token, scans, clinic) =
            (server.clone(), token.clone(), scans.clone(), clinic.clone());
        let f = load(clients, 1600 / clients, move |c, n| {
            let (server, token, clinic) = (server.clone(), token.clone(), clinic.clone());
            let raw = scans[(c * 13 + n) % scans.len()].clone();
            async move {
                server
                    .call(
                        &token,
                        json!({"query": RESOLVE, "variables": {"raw": raw, "i": clinic}}),
                        "/data/resolveBarcode/item/id",
                        "string",
                    )
                    .await
            }
        })
        .await;
        println!(
            "| {clients} | {:.0} | {:.2} | {:.2} |",
            f.per_second, f.p50_ms, f.p99_ms
        );
        if f.errors > 0 {
            println!("(unresolved: {})", f.errors);
        }
    }
}

const STOCK_SEARCH: &str = "query($s: String!, $p: ID) { stockSearch(search: $s, pickupInstitutionId: $p, first: 10) {
    item { id genericName strength } allowedAtPickup
    locations { institution { id kind } available earliestExpiry }
    alternatives { item { id genericName strength } locations { institution { id } available } } } }";

/// The doctors' stock check at county scale (2,000 more items, 10,000
/// batches, each held at the four places a village pickup looks at).
async fn availability(label: &str, postgres: Option<&str>) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let server = Arc::new(Server::start(postgres).await);
    let community = server.county.community_id;
    let buyer = server.county.users["buyer"];
    yaolian_seed::scale::load_catalogue(&server.db, community, buyer, Utc::now(), 2_000)
        .await
        .expect("scale catalogue");
    let items: Vec<Uuid> = yaolian_backend::entity::item::Entity::find()
        .filter(yaolian_backend::entity::item::Column::Code.starts_with("SC"))
        .all(server.db.conn())
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    let places: Vec<Uuid> = ["DEMO-VC0101", "DEMO-TH01", "DEMO-CH", "DEMO-LC"]
        .iter()
        .map(|c| server.county.institution(c))
        .collect();
    let t = Instant::now();
    let batches =
        yaolian_seed::scale::load_stock(&server.db, buyer, Utc::now(), &items, 5, &places)
            .await
            .expect("scale stock");
    println!(
        "\n## stockSearch over HTTP, {} items, {batches} batches at 4 places — {label} (loaded in {:.0} s)",
        items.len() + 55,
        t.elapsed().as_secs_f64()
    );
    let token = Arc::new(server.login("doctor.th01").await);
    let pickup = places[0].to_string();
    let queries: Arc<Vec<&str>> = Arc::new(vec![
        "amxl",
        "头孢",
        "片",
        "metformin",
        "SC000123",
        "zsy",
        "胶囊",
        "维生素",
        "注射",
        "ceftriaxone",
    ]);
    println!("| clients | searches/s | p50 ms | p99 ms |");
    println!("|---|---|---|---|");
    for clients in [1usize, 8] {
        let (server, token, queries, pickup) = (
            server.clone(),
            token.clone(),
            queries.clone(),
            pickup.clone(),
        );
        let f = load(clients, 800 / clients, move |c, n| {
            let (server, token, pickup) = (server.clone(), token.clone(), pickup.clone());
            let q = queries[(c * 7 + n) % queries.len()];
            async move {
                server
                    .call(
                        &token,
                        json!({"query": STOCK_SEARCH, "variables": {"s": q, "p": pickup}}),
                        "/data/stockSearch",
                        "array",
                    )
                    .await
            }
        })
        .await;
        println!(
            "| {clients} | {:.0} | {:.2} | {:.2} |",
            f.per_second, f.p50_ms, f.p99_ms
        );
        if f.errors > 0 {
            println!("(errors: {})", f.errors);
        }
    }
}

/// Catalogue export and import of 20,000 items through the services.
async fn excel(label: &str, postgres: Option<&str>) {
    let big = Server::start(postgres).await;
    yaolian_seed::scale::load_catalogue(
        &big.db,
        big.county.community_id,
        big.county.users["buyer"],
        Utc::now(),
        20_000,
    )
    .await
    .expect("scale catalogue");
    let backend = Backend::new(big.db.clone(), Arc::new(SystemClock), Settings::default());
    let buyer = backend
        .authenticate(&big.login("buyer").await)
        .await
        .expect("buyer");
    let t = Instant::now();
    let xlsx = backend.export_catalogue(&buyer).await.expect("export");
    let export = t.elapsed();
    let t = Instant::now();
    let same = backend
        .import_catalogue(&buyer, &xlsx, false)
        .await
        .expect("re-import");
    let reimport = t.elapsed();
    assert_eq!((same.created, same.updated, same.errors.len()), (0, 0, 0));

    let empty = Server::start(postgres).await;
    let backend2 = Backend::new(empty.db.clone(), Arc::new(SystemClock), Settings::default());
    let buyer2 = backend2
        .authenticate(&empty.login("buyer").await)
        .await
        .expect("buyer");
    let t = Instant::now();
    let fresh = backend2
        .import_catalogue(&buyer2, &xlsx, false)
        .await
        .expect("fresh import");
    let fresh_time = t.elapsed();
    assert_eq!(fresh.errors.len(), 0, "{:?}", fresh.errors.first());
    println!("\n## Catalogue spreadsheet, 20,054 items — {label}");
    println!("| step | seconds | note |");
    println!("|---|---|---|");
    println!(
        "| export | {:.2} | {} KiB |",
        export.as_secs_f64(),
        xlsx.len() / 1024
    );
    println!(
        "| re-import of the export | {:.2} | {} unchanged |",
        reimport.as_secs_f64(),
        same.unchanged
    );
    println!(
        "| import into a demo catalogue | {:.2} | {} created, {} unchanged |",
        fresh_time.as_secs_f64(),
        fresh.created,
        fresh.unchanged
    );
}

/// A 200-line receipt posted as 200 `ledger::post` calls in one transaction
/// against one `ledger::post_many` call, alternating, in one run.
async fn ledger_lines(db_name: &str, postgres: Option<&str>) {
    use yaolian_backend::entity::enums::MovementKind;
    use yaolian_backend::ledger::{self, Actor, Posting};
    const LINES: usize = 200;
    const ROUNDS: usize = 15;
    let server = Server::start(postgres).await;
    let centre = server.county.institution("DEMO-LC");
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use yaolian_backend::entity::{batch, enums::BatchStatus};
    let today = yaolian_backend::clock::business_date(Utc::now());
    let batches: Vec<Uuid> = batch::Entity::find()
        .filter(batch::Column::Status.eq(BatchStatus::Available))
        .filter(batch::Column::ExpiryDate.gt(today))
        .all(server.db.conn())
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.id)
        .collect();
    let user = server.county.users["warehouse"];
    let lines = || -> Vec<Posting> {
        (0..LINES)
            .map(|i| Posting {
                institution_id: centre,
                batch_id: batches[i % batches.len()],
                quantity: 1,
                kind: MovementKind::SupplierReceipt,
                document: None,
                reason: None,
                unit_cost_fen: Some(100),
                occurred_at: None,
            })
            .collect()
    };
    let (mut one_by_one, mut many) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let actor = Actor {
            user_id: user,
            now: Utc::now(),
        };
        let t = Instant::now();
        let txn = server.db.begin_write().await.unwrap();
        for p in lines() {
            if ledger::post(&txn, actor, p).await.is_err() {
                println!("(a post failed: is a demo batch blocked?)");
                return;
            }
        }
        txn.commit().await.unwrap();
        one_by_one.push(t.elapsed());
        let t = Instant::now();
        let txn = server.db.begin_write().await.unwrap();
        ledger::post_many(&txn, actor, lines()).await.unwrap();
        txn.commit().await.unwrap();
        many.push(t.elapsed());
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2].as_secs_f64() * 1000.0
    };
    let (a, b) = (median(&mut one_by_one), median(&mut many));
    println!("\n## ledger: {LINES}-line receipt, {db_name} (median of {ROUNDS})\n");
    println!("| way | ms per {LINES} lines | lines/s |");
    println!("|---|---|---|");
    println!(
        "| {LINES} x post, one transaction | {a:.1} | {:.0} |",
        LINES as f64 / a * 1000.0
    );
    println!("| post_many | {b:.1} | {:.0} |", LINES as f64 / b * 1000.0);
    println!("\nratio post/post_many: **{:.2}**", a / b);
}

/// Scanners posting `adjustStock` (4 clients) while a buyer imports 20,000
/// rows: once with nothing running, then during a re-import of the export
/// (planned outside the writer; nothing to write), then during an import of
/// 20,000 new items (whose bulk inserts must hold the writer: all or
/// nothing).
async fn scans_during_import(label: &str, postgres: Option<&str>) {
    let big = Arc::new(Server::start(postgres).await);
    yaolian_seed::scale::load_catalogue(
        &big.db,
        big.county.community_id,
        big.county.users["buyer"],
        Utc::now(),
        20_000,
    )
    .await
    .expect("scale catalogue");
    let backend = Backend::new(big.db.clone(), Arc::new(SystemClock), Settings::default());
    let buyer = backend
        .authenticate(&big.login("buyer").await)
        .await
        .expect("buyer");
    let xlsx = Arc::new(backend.export_catalogue(&buyer).await.expect("export"));
    let empty = Server::start(postgres).await;
    let backend2 = Backend::new(empty.db.clone(), Arc::new(SystemClock), Settings::default());
    let buyer2 = backend2
        .authenticate(&empty.login("buyer").await)
        .await
        .expect("buyer");
    // The scanners work on the server whose catalogue is being imported.
    let scanners_on = |server: Arc<Server>| async move {
        let token = Arc::new(server.login("warehouse").await);
        let centre = server.county.institution("DEMO-LC");
        let batches: Arc<Vec<Uuid>> = Arc::new(
            server
                .county
                .batches
                .iter()
                .filter(|(lot, _)| lot.as_str() != "QTN2402Q" && lot.as_str() != "EXP2301X")
                .map(|(_, id)| *id)
                .collect(),
        );
        let round = Uuid::now_v7();
        load(4, 400, move |c, n| {
            let (server, token) = (server.clone(), token.clone());
            let batch = batches[c % batches.len()];
            async move {
                let q = if n % 2 == 0 { 1 } else { -1 };
                let body = json!({"query": ADJUST, "variables": {"input": {
                        "institutionId": centre.to_string(),
                        "batchId": batch.to_string(),
                        "quantity": q,
                        "reason": "bench",
                        "clientRequestId": format!("{round}-{c}-{n}"),
                }}});
                server
                    .call(&token, body, "/data/adjustStock/id", "string")
                    .await
            }
        })
        .await
    };
    let idle = scanners_on(big.clone()).await;
    let reimport = {
        let (backend, buyer, xlsx) = (backend.clone(), buyer.clone(), xlsx.clone());
        let import = tokio::spawn(async move {
            let t = Instant::now();
            let r = backend.import_catalogue(&buyer, &xlsx, false).await;
            (t.elapsed(), r.map(|r| r.unchanged))
        });
        let f = scanners_on(big.clone()).await;
        let (took, r) = import.await.expect("import task");
        (f, took, r.expect("re-import"))
    };
    let empty = Arc::new(empty);
    let fresh = {
        let (xlsx, buyer2) = (xlsx.clone(), buyer2.clone());
        let import = tokio::spawn(async move {
            let t = Instant::now();
            let r = backend2.import_catalogue(&buyer2, &xlsx, false).await;
            (t.elapsed(), r.map(|r| r.created))
        });
        let f = scanners_on(empty.clone()).await;
        let (took, r) = import.await.expect("import task");
        (f, took, r.expect("fresh import"))
    };
    println!("\n## adjustStock from 4 scanners during a 20,054-row import — {label}");
    println!("| while | import s | scans/s | p50 ms | p99 ms | errors |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| nothing | - | {:.0} | {:.2} | {:.2} | {} |",
        idle.per_second, idle.p50_ms, idle.p99_ms, idle.errors
    );
    let (f, took, n) = reimport;
    println!(
        "| re-import of the export ({n} unchanged) | {:.2} | {:.0} | {:.2} | {:.2} | {} |",
        took.as_secs_f64(),
        f.per_second,
        f.p50_ms,
        f.p99_ms,
        f.errors
    );
    let (f, took, n) = fresh;
    println!(
        "| import of {n} new items | {:.2} | {:.0} | {:.2} | {:.2} | {} |",
        took.as_secs_f64(),
        f.per_second,
        f.p50_ms,
        f.p99_ms,
        f.errors
    );
}

const RECEIVE: &str = "mutation($input: ReceivePurchaseOrderScanInput!) { receivePurchaseOrderScan(input: $input) { id quantity } }";

/// `receivePurchaseOrderScan` at 8 concurrent scanners, each receiving its
/// own order (8 receiving bays) and all on one order (one big delivery),
/// against `adjustStock` at 8 clients in the same run.
async fn receive(label: &str, postgres: Option<&str>) {
    let server = Arc::new(Server::start(postgres).await);
    let buyer = server.login("buyer").await;
    let token = Arc::new(server.login("warehouse").await);
    let gql = |query: &'static str, variables: serde_json::Value| {
        let (server, buyer) = (server.clone(), buyer.clone());
        async move {
            server
                .client
                .post(&server.base)
                .bearer_auth(&buyer)
                .json(&json!({ "query": query, "variables": variables }))
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    let today = yaolian_backend::clock::business_date(SystemClock.now());
    let supplier = gql(
        "mutation($i: SupplierInput!) { createSupplier(input: $i) { id } }",
        json!({ "i": { "name": "bench supplier", "uscc": "91350100M000100Y43",
            "licenceNumber": "BENCH-1", "licenceExpiry": (today + chrono::Duration::days(900)).to_string() } }),
    )
    .await["data"]["createSupplier"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let codes: Vec<&str> = (1..=8)
        .map(|i| match i {
            1 => "YP0001",
            2 => "YP0002",
            3 => "YP0003",
            4 => "YP0004",
            5 => "YP0005",
            6 => "YP0006",
            7 => "YP0007",
            _ => "YP0008",
        })
        .collect();
    let mut orders = Vec::new();
    for scenario in 0..2 {
        for (k, code) in codes.iter().enumerate() {
            if scenario == 1 && k > 0 {
                break;
            }
            let lines: Vec<serde_json::Value> = if scenario == 0 {
                vec![
                    json!({ "itemId": server.county.items[*code].to_string(), "packs": 100000, "unitPriceFen": 1000 }),
                ]
            } else {
                codes.iter().map(|c| json!({ "itemId": server.county.items[*c].to_string(), "packs": 100000, "unitPriceFen": 1000 })).collect()
            };
            let made = gql(
                "mutation($i: PurchaseOrderInput!) { createPurchaseOrder(input: $i) { id } }",
                json!({ "i": { "supplierId": supplier, "lines": lines } }),
            )
            .await;
            let id = made["data"]["createPurchaseOrder"]["id"]
                .as_str()
                .unwrap()
                .to_string();
            gql(
                "mutation($id: ID!) { submitPurchaseOrder(id: $id) { status } }",
                json!({ "id": id }),
            )
            .await;
            orders.push(id);
        }
    }
    let own_orders = Arc::new(orders[..8].to_vec());
    let shared = Arc::new(orders[8].clone());
    let expiry = today + chrono::Duration::days(700);
    let yymmdd = format!(
        "{:02}{}",
        expiry.format("%y").to_string().parse::<u32>().unwrap_or(0),
        expiry.format("%m%d")
    );
    let barcodes: Arc<Vec<String>> = Arc::new(
        (0..8)
            .map(|k| format!("010{}17{yymmdd}10BENCH{k}", yaolian_seed::demo_gtin(k)))
            .collect(),
    );
    let centre = server.county.institution("DEMO-LC");
    let batches: Arc<Vec<Uuid>> = Arc::new(
        server
            .county
            .batches
            .iter()
            .filter(|(lot, _)| lot.as_str() != "QTN2402Q" && lot.as_str() != "EXP2301X")
            .map(|(_, id)| *id)
            .collect(),
    );
    println!("\n## receivePurchaseOrderScan at 8 scanners vs adjustStock at 8 clients — {label}");
    println!("| what | req/s | p50 ms | p99 ms | errors |");
    println!("|---|---|---|---|---|");
    let per_client = 150;
    for round in 0..2 {
        let scans = |one_order: bool| {
            let (server, token, own, shared, barcodes) = (
                server.clone(),
                token.clone(),
                own_orders.clone(),
                shared.clone(),
                barcodes.clone(),
            );
            let run = Uuid::now_v7();
            load(8, per_client, move |c, n| {
                let (server, token) = (server.clone(), token.clone());
                let order = if one_order {
                    (*shared).clone()
                } else {
                    own[c].clone()
                };
                let barcode = barcodes[c].clone();
                async move {
                    let body = json!({"query": RECEIVE, "variables": {"input": {
                        "purchaseOrderId": order, "barcode": barcode, "packs": 1,
                        "clientRequestId": format!("{run}-{c}-{n}"),
                    }}});
                    server
                        .call(&token, body, "/data/receivePurchaseOrderScan/id", "string")
                        .await
                }
            })
        };
        let own = scans(false).await;
        let one = scans(true).await;
        let adjust = {
            let (server, token, batches) = (server.clone(), token.clone(), batches.clone());
            let run = Uuid::now_v7();
            load(8, per_client, move |c, n| {
                let (server, token) = (server.clone(), token.clone());
                let batch = batches[c % batches.len()];
                async move {
                    let q = if n % 2 == 0 { 1 } else { -1 };
                    let body = json!({"query": ADJUST, "variables": {"input": {
                        "institutionId": centre.to_string(), "batchId": batch.to_string(),
                        "quantity": q, "reason": "bench", "clientRequestId": format!("{run}-{c}-{n}"),
                    }}});
                    server.call(&token, body, "/data/adjustStock/id", "string").await
                }
            })
            .await
        };
        if round == 0 {
            continue; // warm-up
        }
        for (what, f) in [
            ("receive, 8 orders", own),
            ("receive, one order", one),
            ("adjustStock", adjust),
        ] {
            println!(
                "| {what} | {:.0} | {:.1} | {:.1} | {} |",
                f.per_second, f.p50_ms, f.p99_ms, f.errors
            );
        }
        println!(
            "\nreceive (8 orders) p99 / adjustStock p99 = {:.2}",
            own.p99_ms / adjust.p99_ms
        );
    }
    let violations = yaolian_backend::ledger::verify(server.db.conn())
        .await
        .unwrap();
    assert!(violations.is_empty(), "{violations:?}");
}

/// `procurementPlan` over a county of 270 institutions, 2,000 more items
/// and a million movements of 90 days' history.
async fn plan(label: &str, postgres: Option<&str>) {
    let server = Arc::new(Server::start(postgres).await);
    let community = server.county.community_id;
    let buyer_id = server.county.users["buyer"];
    let now = Utc::now();
    let t = Instant::now();
    yaolian_seed::scale::load_catalogue(&server.db, community, buyer_id, now, 2_000)
        .await
        .expect("scale catalogue");
    let items: Vec<Uuid> = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        yaolian_backend::entity::item::Entity::find()
            .filter(yaolian_backend::entity::item::Column::Code.starts_with("SC"))
            .all(server.db.conn())
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.id)
            .collect()
    };
    let demo_members = server.county.institutions.len() - 1;
    let mut members =
        yaolian_seed::scale::load_members(&server.db, community, now, 270 - 1 - demo_members)
            .await
            .expect("members");
    members.extend(
        server
            .county
            .institutions
            .iter()
            .filter(|(code, _)| code.as_str() != "DEMO-LC")
            .map(|(_, id)| *id),
    );
    let movements = yaolian_seed::scale::load_history(
        &server.db, buyer_id, now, &items, &members, 200, 1_000_000,
    )
    .await
    .expect("history");
    let buyer = server.login("buyer").await;
    // Agreements for a quarter of the new items, so the plan also chooses
    // suppliers at scale.
    let today = yaolian_backend::clock::business_date(now);
    let supplier = server
        .client
        .post(&server.base)
        .bearer_auth(&buyer)
        .json(&json!({ "query": "mutation($i: SupplierInput!) { createSupplier(input: $i) { id } }",
            "variables": { "i": { "name": "bench supplier", "uscc": "91350100M000100Y43",
                "licenceNumber": "BENCH-1", "licenceExpiry": (today + chrono::Duration::days(900)).to_string() } } }))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap()["data"]["createSupplier"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for item in items.iter().step_by(4) {
        server
            .client
            .post(&server.base)
            .bearer_auth(&buyer)
            .json(&json!({ "query": "mutation($i: PriceAgreementInput!) { createPriceAgreement(input: $i) { id } }",
                "variables": { "i": { "supplierId": supplier, "itemId": item.to_string(), "packageLevel": 1,
                    "unitPriceFen": 1000, "validFrom": (today - chrono::Duration::days(10)).to_string(),
                    "validTo": (today + chrono::Duration::days(300)).to_string() } } }))
            .send()
            .await
            .unwrap();
    }
    println!(
        "\n## procurementPlan, 270 institutions, {} items, {movements} movements of history — {label} (loaded in {:.0} s)",
        items.len() + 55,
        t.elapsed().as_secs_f64()
    );
    const PLAN: &str = "{ procurementPlan { lines { item { id } quantityPacks supplier { id } unitPriceFen need } } }";
    let mut times = Vec::new();
    let mut lines = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let body: serde_json::Value = server
            .client
            .post(&server.base)
            .bearer_auth(&buyer)
            .json(&json!({ "query": PLAN }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        times.push(t.elapsed());
        lines = body["data"]["procurementPlan"]["lines"]
            .as_array()
            .map(|a| a.len())
            .unwrap_or_else(|| panic!("{body}"));
    }
    times.sort();
    println!("| runs | plan lines | fastest s | median s | slowest s |");
    println!("|---|---|---|---|---|");
    println!(
        "| {} | {lines} | {:.2} | {:.2} | {:.2} |",
        times.len(),
        times[0].as_secs_f64(),
        times[times.len() / 2].as_secs_f64(),
        times[times.len() - 1].as_secs_f64()
    );
    let clinic = members[1].to_string();
    let t = Instant::now();
    let body: serde_json::Value = server
        .client
        .post(&server.base)
        .bearer_auth(&buyer)
        .json(&json!({ "query": "query($i: ID!) { replenishmentSuggestion(institutionId: $i) { suggestedPacks } }",
            "variables": { "i": clinic } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    println!(
        "\nreplenishmentSuggestion of one clinic: {} lines in {:.0} ms",
        body["data"]["replenishmentSuggestion"]
            .as_array()
            .map_or(0, |a| a.len()),
        t.elapsed().as_secs_f64() * 1000.0
    );
}

/// Allocation and dispatch at county scale: 270 requisitions of 40 lines
/// each over 2,000 items, allocated in one `allocateRequisitions` and
/// dispatched in one `dispatchShipments`; then receipt scanning at the
/// clinics, 8 pharmacists at once.
/// The backend on the bench's database, and the demo centre's warehouse
/// keeper as a caller of it (to set up requisitions without HTTP).
fn as_warehouse(server: &Server) -> (Backend, yaolian_backend::authz::Caller) {
    use yaolian_backend::enums::{InstitutionKind, Role};
    let backend = Backend::new(
        server.db.clone(),
        Arc::new(SystemClock) as Arc<dyn Clock>,
        Settings::default(),
    );
    let warehouse = yaolian_backend::authz::Caller {
        user_id: server.county.users["warehouse"],
        username: "warehouse".into(),
        roles: vec![Role::Warehouse],
        institution_id: server.county.institutions["DEMO-LC"],
        institution_kind: InstitutionKind::LogisticsCentre,
        community_id: server.county.community_id,
        session_id: Uuid::nil(),
    };
    (backend, warehouse)
}

async fn distribute(label: &str, postgres: Option<&str>) {
    use yaolian_backend::distribution::{RequisitionInput, RequisitionLineInput};
    use yaolian_backend::enums::InstitutionKind;
    let server = Arc::new(Server::start(postgres).await);
    let community = server.county.community_id;
    let wh_id = server.county.users["warehouse"];
    let centre = server.county.institutions["DEMO-LC"];
    let now = Utc::now();
    let t = Instant::now();
    yaolian_seed::scale::load_catalogue(
        &server.db,
        community,
        server.county.users["buyer"],
        now,
        2_000,
    )
    .await
    .expect("scale catalogue");
    let items: Vec<Uuid> = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        yaolian_backend::entity::item::Entity::find()
            .filter(yaolian_backend::entity::item::Column::Code.starts_with("SC"))
            .filter(
                yaolian_backend::entity::item::Column::MinInstitutionLevel
                    .eq(InstitutionKind::VillageClinic),
            )
            .all(server.db.conn())
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.id)
            .collect()
    };
    yaolian_seed::scale::load_stock(&server.db, wh_id, now, &items, 3, &[centre])
        .await
        .expect("stock");
    let members = yaolian_seed::scale::load_members(&server.db, community, now, 270)
        .await
        .expect("members");
    let (backend, warehouse) = as_warehouse(&server);
    let mut ids = Vec::new();
    for (m, member) in members.iter().enumerate() {
        let lines = (0..40)
            .map(|k| RequisitionLineInput {
                item_id: items[(m * 40 + k * 7) % items.len()],
                quantity: 5,
            })
            .collect::<Vec<_>>();
        let mut dedup = std::collections::HashSet::new();
        let lines: Vec<_> = lines
            .into_iter()
            .filter(|l| dedup.insert(l.item_id))
            .collect();
        let r = backend
            .create_requisition(
                &warehouse,
                RequisitionInput {
                    institution_id: *member,
                    lines,
                    emergency: m % 20 == 0,
                    note: None,
                },
            )
            .await
            .expect("requisition");
        backend
            .submit_requisition(&warehouse, r.requisition.id)
            .await
            .expect("submit");
        backend
            .approve_requisition(&warehouse, r.requisition.id, Vec::new())
            .await
            .expect("approve");
        ids.push(r.requisition.id.to_string());
    }
    let lines: usize = 270 * 40;
    println!(
        "\n## allocateRequisitions + dispatchShipments, {} requisitions of up to 40 lines, {} items with 3 batches at the centre — {label} (loaded in {:.0} s)",
        ids.len(),
        items.len(),
        t.elapsed().as_secs_f64()
    );
    let token = server.login("warehouse").await;
    let t = Instant::now();
    let body: serde_json::Value = server
        .client
        .post(&server.base)
        .bearer_auth(&token)
        .json(&json!({ "query": "mutation($ids: [ID!]!) { allocateRequisitions(ids: $ids) { shipments { id } backorderedRequisitionIds } }",
            "variables": { "ids": ids } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let allocate = t.elapsed();
    let shipments: Vec<String> = body["data"]["allocateRequisitions"]["shipments"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    let t = Instant::now();
    let body: serde_json::Value = server
        .client
        .post(&server.base)
        .bearer_auth(&token)
        .json(&json!({ "query": "mutation($ids: [ID!]!) { dispatchShipments(ids: $ids) { id status } }",
            "variables": { "ids": shipments } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let dispatch = t.elapsed();
    let dispatched = body["data"]["dispatchShipments"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .len();
    let violations = yaolian_backend::ledger::verify(server.db.conn())
        .await
        .unwrap();
    println!(
        "| requisitions | lines | shipments | allocate s | dispatch s | total s | ledger violations |"
    );
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| {} | ≤{lines} | {dispatched} | {:.2} | {:.2} | {:.2} | {} |",
        ids.len(),
        allocate.as_secs_f64(),
        dispatch.as_secs_f64(),
        (allocate + dispatch).as_secs_f64(),
        violations.len()
    );
}

/// `receiveShipmentScan` at 8 pharmacists against `adjustStock` at 8
/// clients in the same run, on the demo county alone: steady scanning, not
/// scanning while the database digests the county-scale allocation above.
async fn arrive(label: &str, postgres: Option<&str>) {
    use yaolian_backend::distribution::{RequisitionInput, RequisitionLineInput};
    let server = Arc::new(Server::start(postgres).await);
    let centre = server.county.institutions["DEMO-LC"];
    let (backend, warehouse) = as_warehouse(&server);
    // 8 demo pharmacists, each receiving a shipment of demo stock, one unit
    // per scan.
    let scanners = [
        ("pharmacist.ch", "DEMO-CH"),
        ("pharmacist.th01", "DEMO-TH01"),
        ("pharmacist.th02", "DEMO-TH02"),
        ("pharmacist.th03", "DEMO-TH03"),
        ("pharmacist.vc0101", "DEMO-VC0101"),
        ("pharmacist.vc0102", "DEMO-VC0102"),
        ("pharmacist.vc0201", "DEMO-VC0201"),
        ("pharmacist.vc0202", "DEMO-VC0202"),
    ];
    let demo_item = server.county.items["YP0002"];
    let mut work = Vec::new();
    for (who, code) in scanners {
        let member = server.county.institutions[code];
        let r = backend
            .create_requisition(
                &warehouse,
                RequisitionInput {
                    institution_id: member,
                    lines: vec![RequisitionLineInput {
                        item_id: demo_item,
                        quantity: 20,
                    }],
                    emergency: false,
                    note: None,
                },
            )
            .await
            .expect("requisition");
        backend
            .submit_requisition(&warehouse, r.requisition.id)
            .await
            .expect("submit");
        backend
            .approve_requisition(&warehouse, r.requisition.id, Vec::new())
            .await
            .expect("approve");
        let s = backend
            .allocate_requisition(&warehouse, r.requisition.id)
            .await
            .expect("allocate");
        backend
            .dispatch_shipment(&warehouse, s.shipment.id)
            .await
            .expect("dispatch");
        let line = &s.lines[0];
        let batch = backend
            .batches_by_ids(&warehouse, &[line.batch_id])
            .await
            .expect("batch")
            .pop()
            .expect("a batch");
        let e = batch.expiry_date;
        use chrono::Datelike;
        let barcode = format!(
            "010{}17{:02}{:02}{:02}10{}",
            yaolian_seed::demo_gtin(1),
            e.year() % 100,
            e.month(),
            e.day(),
            batch.lot_number
        );
        let token = server.login(who).await;
        work.push((token, s.shipment.id.to_string(), barcode));
    }
    let work = Arc::new(work);
    let wh_token = Arc::new(server.login("warehouse").await);
    let batches: Arc<Vec<Uuid>> = Arc::new(
        server
            .county
            .batches
            .iter()
            .filter(|(lot, _)| lot.as_str() != "QTN2402Q" && lot.as_str() != "EXP2301X")
            .map(|(_, id)| *id)
            .collect(),
    );
    println!("\n## receiveShipmentScan at 8 pharmacists vs adjustStock at 8 clients — {label}");
    println!("| round | what | req/s | p50 ms | p99 ms | errors |");
    println!("|---|---|---|---|---|---|");
    // Round 0 warms the pools and the statement caches; rounds 1 and 2 are
    // the figures.
    for round in 0..3 {
        let per_client = if round == 0 { 40 } else { 200 };
        let run = Uuid::now_v7();
        let scans = load(8, per_client, {
            let (server, work) = (server.clone(), work.clone());
            move |client, i| {
                let (server, work) = (server.clone(), work.clone());
                async move {
                    let (token, shipment, barcode) = &work[client % work.len()];
                    server
                        .call(
                            token,
                            json!({ "query": "mutation($i: ReceiveShipmentScanInput!) { receiveShipmentScan(input: $i) { scanned } }",
                                "variables": { "i": { "shipmentId": shipment, "barcode": barcode, "quantity": 1,
                                    "clientRequestId": format!("{run}-{client}-{i}") } } }),
                            "/data/receiveShipmentScan/scanned",
                            "number",
                        )
                        .await
                }
            }
        })
        .await;
        let adjust = load(8, per_client, {
            let (server, token, batches) = (server.clone(), wh_token.clone(), batches.clone());
            move |c, n| {
                let (server, token) = (server.clone(), token.clone());
                let batch = batches[c % batches.len()];
                async move {
                    let q = if n % 2 == 0 { 1 } else { -1 };
                    let body = json!({"query": ADJUST, "variables": {"input": {
                        "institutionId": centre.to_string(), "batchId": batch.to_string(),
                        "quantity": q, "reason": "bench", "clientRequestId": format!("{run}-a{c}-{n}"),
                    }}});
                    server.call(&token, body, "/data/adjustStock/id", "string").await
                }
            }
        })
        .await;
        if round == 0 {
            continue;
        }
        for (what, f) in [("receiveShipmentScan", scans), ("adjustStock", adjust)] {
            println!(
                "| {round} | {what} | {:.0} | {:.1} | {:.1} | {} |",
                f.per_second, f.p50_ms, f.p99_ms, f.errors
            );
        }
        println!(
            "\nround {round}: receiveShipmentScan p99 / adjustStock p99 = {:.2}\n",
            scans.p99_ms / adjust.p99_ms
        );
    }
    let violations = yaolian_backend::ledger::verify(server.db.conn())
        .await
        .unwrap();
    assert!(violations.is_empty(), "{violations:?}");
}

fn main() {
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let wanted = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        println!(
            "# yaolian API bench, {} ({} cores)",
            Utc::now().format("%Y-%m-%d %H:%M UTC"),
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(0)
        );
        let pg = postgres_url();
        if pg.is_none() {
            println!("\n(PostgreSQL skipped: set DATABASE_URL=postgres://...)");
        }
        if wanted("adjust") {
            adjust_stock("SQLite", None).await;
            if let Some(url) = pg.as_deref() {
                adjust_stock("PostgreSQL", Some(url)).await;
            }
        }
        if wanted("ledger") {
            ledger_lines("SQLite", None).await;
            if let Some(url) = pg.as_deref() {
                ledger_lines("PostgreSQL", Some(url)).await;
            }
        }
        if wanted("import") {
            scans_during_import("SQLite", None).await;
            if let Some(url) = pg.as_deref() {
                scans_during_import("PostgreSQL", Some(url)).await;
            }
        }
        if wanted("search") {
            search("SQLite", None).await;
            if let Some(url) = pg.as_deref() {
                search("PostgreSQL", Some(url)).await;
            }
        }
        if wanted("availability") {
            availability("SQLite", None).await;
            if let Some(url) = pg.as_deref() {
                availability("PostgreSQL", Some(url)).await;
            }
        }
        if wanted("resolve") {
            resolve("SQLite", None).await;
            if let Some(url) = pg.as_deref() {
                resolve("PostgreSQL", Some(url)).await;
            }
        }
        if wanted("plan") {
            plan("SQLite", None).await;
            if let Some(url) = pg.as_deref() {
                plan("PostgreSQL", Some(url)).await;
            }
        }
        if wanted("distribute") {
            distribute("SQLite", None).await;
            if let Some(url) = pg.as_deref() {
                distribute("PostgreSQL", Some(url)).await;
            }
        }
        if wanted("arrive") {
            arrive("SQLite", None).await;
            if let Some(url) = pg.as_deref() {
                arrive("PostgreSQL", Some(url)).await;
            }
        }
        if wanted("receive") {
            receive("SQLite", None).await;
            if let Some(url) = pg.as_deref() {
                receive("PostgreSQL", Some(url)).await;
            }
        }
        if wanted("excel") {
            excel("SQLite", None).await;
            if let Some(url) = pg.as_deref() {
                excel("PostgreSQL", Some(url)).await;
            }
        }
    });
}
