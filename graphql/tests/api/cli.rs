//! The `yaolian` command as an operator meets it.

use std::process::Command;

fn yaolian() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_yaolian"));
    cmd.env_remove("DATABASE_URL").env_remove("YAOLIAN_LISTEN");
    cmd
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["seed", "demo", "--help"],
        vec!["schema", "--help"],
        vec!["backup", "--help"],
        vec!["restore", "--help"],
        vec!["verify", "--help"],
    ] {
        let out = yaolian().args(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{args:?}"
        );
    }
}

#[test]
fn schema_prints_the_sdl() {
    let out = yaolian().arg("schema").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        yaolian_graphql::schema::sdl()
    );
}

#[test]
fn bad_urls_busy_ports_and_unwritable_files_fail_clearly() {
    let out = yaolian()
        .args(["migrate", "--database-url", "mysql://x@y/z"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unsupported database URL"), "{err}");

    let out = yaolian()
        .args([
            "migrate",
            "--database-url",
            "sqlite:///proc/no/such/dir/y.db",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot open the database"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let out = yaolian()
        .args([
            "serve",
            "--listen",
            &addr,
            "--database-url",
            "sqlite://unused.db",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot listen on"), "{err}");
    assert!(
        !std::path::Path::new("unused.db").exists(),
        "nothing was created"
    );

    let out = yaolian()
        .args(["serve", "--listen", "not-an-address"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn seeding_the_demo_twice_adds_nothing() {
    let dir = std::env::temp_dir().join(format!("yaolian-cli-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("demo.db").display());
    let first = yaolian()
        .args(["seed", "demo", "--database-url", &url])
        .output()
        .unwrap();
    assert!(first.status.success());
    let err = String::from_utf8_lossy(&first.stderr);
    assert!(
        err.contains("demo county loaded: 11 institutions, 16 users, 55 items"),
        "{err}"
    );
    assert!(err.contains("pharmacist.vc0101"));
    let second = yaolian()
        .args(["seed", "demo", "--database-url", &url])
        .output()
        .unwrap();
    assert!(second.status.success());
    assert!(String::from_utf8_lossy(&second.stderr).contains("nothing added"));
    let _ = std::fs::remove_dir_all(&dir);
}

fn scratch_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("yaolian-cli-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn backup_restore_and_verify_a_sqlite_database() {
    let dir = scratch_dir();
    let live = format!("sqlite://{}", dir.join("demo.db").display());
    let seeded = yaolian()
        .args(["seed", "demo", "--database-url", &live])
        .output()
        .unwrap();
    assert!(seeded.status.success(), "{}", text(&seeded.stderr));

    let copy = dir.join("copy.db");
    let started = std::time::Instant::now();
    let out = yaolian()
        .args(["backup", "--database-url", &live, "--to"])
        .arg(&copy)
        .output()
        .unwrap();
    let took = started.elapsed();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.contains("stock movements"), "{report}");
    eprintln!("demo backup, whole command {took:.2?}: {report}");

    let copy_url = format!("sqlite://{}", copy.display());
    let out = yaolian()
        .args(["verify", "--database-url", &copy_url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    for check in ["integrity_check", "foreign_key_check", "schema", "ledger"] {
        assert!(report.contains(&format!("ok    {check}")), "{report}");
    }

    // A second backup to the same name is refused; the first is kept.
    let out = yaolian()
        .args(["backup", "--database-url", &live, "--to"])
        .arg(&copy)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("already exists"));

    let restored = format!("sqlite://{}", dir.join("restored.db").display());
    let out = yaolian()
        .args(["restore", "--database-url", &restored, "--from"])
        .arg(&copy)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("created"),
        "{}",
        text(&out.stdout)
    );
    // Replacing an existing database takes --force.
    let out = yaolian()
        .args(["restore", "--database-url", &restored, "--from"])
        .arg(&copy)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--force"),
        "{}",
        text(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn verify_exits_1_and_names_the_rule_a_database_breaks() {
    let dir = scratch_dir();
    let url = format!("sqlite://{}", dir.join("broken.db").display());
    let db = yaolian_backend::db::Database::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    yaolian_seed::seed_demo(
        &db,
        "pw",
        yaolian_backend::clock::Clock::now(&yaolian_backend::clock::SystemClock),
    )
    .await
    .unwrap();
    use sea_orm::ConnectionTrait;
    db.conn()
        .execute_unprepared("UPDATE stock_balance SET on_hand = on_hand + 1 WHERE rowid = 1")
        .await
        .unwrap();
    db.close().await;

    let out = yaolian()
        .args(["verify", "--database-url", &url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    assert!(report.contains("FAIL  ledger"), "{report}");
    assert!(report.contains("on_hand_equals_movements"), "{report}");
    assert!(text(&out.stderr).contains("fails verification"));

    // Verifying a file that is not there creates nothing.
    let missing = dir.join("missing.db");
    let out = yaolian()
        .args(["verify", "--database-url"])
        .arg(format!("sqlite://{}", missing.display()))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(!missing.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn backup_of_postgresql_points_at_pg_dump() {
    let dir = scratch_dir();
    let to = dir.join("never.db");
    let out = yaolian()
        .args([
            "backup",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
        ])
        .arg("--to")
        .arg(&to)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("pg_dump -Fc"), "{err}");
    assert!(!to.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Needs `DATABASE_URL` naming a PostgreSQL server; passes trivially without.
#[tokio::test]
async fn verify_checks_a_postgresql_database() {
    let Some(server) = yaolian_backend::testkit::postgres_url() else {
        return;
    };
    let scratch = yaolian_backend::testkit::scratch_database_on(Some(&server))
        .await
        .unwrap();
    yaolian_seed::seed_demo(
        &scratch.db,
        "pw",
        yaolian_backend::clock::Clock::now(&yaolian_backend::clock::SystemClock),
    )
    .await
    .unwrap();
    let out = yaolian()
        .args(["verify", "--database-url", &scratch.url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.contains("ok    schema"), "{report}");
    assert!(report.contains("ok    ledger"), "{report}");
    assert!(!report.contains("integrity_check"), "{report}");
}

#[test]
fn config_prints_what_is_in_force_with_the_password_masked() {
    let dir = scratch_dir();
    let file = dir.join("yaolian.toml");
    std::fs::write(
        &file,
        "listen = \"127.0.0.1:9099\"\nsession_ttl_minutes = 90\n[sign_in]\naddress_burst = 12\n",
    )
    .unwrap();
    let out = yaolian()
        .args(["config", "--config"])
        .arg(&file)
        .args(["--database-url", "postgres://app:s3cret@db.example/yaolian"])
        .env("YAOLIAN_REQUEST_TIMEOUT_SECS", "30")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(shown.contains("db.example"), "{shown}");
    assert!(shown.contains("listen = \"127.0.0.1:9099\""), "{shown}");
    assert!(shown.contains("session_ttl_minutes = 90"), "{shown}");
    assert!(shown.contains("request_timeout_secs = 30"), "{shown}");
    assert!(shown.contains("address_burst = 12"), "{shown}");
    // A flag beats the file.
    let out = yaolian()
        .args(["config", "--config"])
        .arg(&file)
        .args(["--listen", "127.0.0.1:9100"])
        .output()
        .unwrap();
    assert!(text(&out.stdout).contains("listen = \"127.0.0.1:9100\""));
    // A misspelt key is an error, not ignored.
    std::fs::write(&file, "sesion_ttl_minutes = 5\n").unwrap();
    let out = yaolian()
        .args(["config", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("sesion_ttl_minutes"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// SIGTERM while scanners post: the server stops taking connections,
/// finishes what it has, closes the pool; every write it acknowledged is in
/// the database, which verifies clean.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shutdown_during_a_burst_of_writes_loses_no_acknowledged_write() {
    use serde_json::{Value, json};
    let dir = scratch_dir();
    let url = format!("sqlite://{}", dir.join("live.db").display());
    let seeded = yaolian()
        .args(["seed", "demo", "--database-url", &url])
        .output()
        .unwrap();
    assert!(seeded.status.success(), "{}", text(&seeded.stderr));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut server = yaolian()
        .args(["serve", "--listen", &addr, "--database-url", &url])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read the server's log as it goes, so a full pipe never blocks it.
    let mut stderr = server.stderr.take().unwrap();
    let log_reader = std::thread::spawn(move || {
        let mut log = String::new();
        use std::io::Read;
        let _ = stderr.read_to_string(&mut log);
        log
    });
    let base = format!("http://{addr}");
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..200 {
        if client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(up, "the server did not start");
    let (client_c, base_c) = (client.clone(), base.clone());
    let gql = move |token: Option<String>, query: &'static str, variables: Value| {
        let client = client_c.clone();
        let base = base_c.clone();
        async move {
            let mut req = client
                .post(format!("{base}/graphql"))
                .json(&json!({ "query": query, "variables": variables }));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            req.send().await.ok()?.json::<Value>().await.ok()
        }
    };
    let login = gql(
        None,
        "mutation { login(username: \"pharmacist.vc0101\", password: \"yaolian-demo\") { token user { institution { id } } } }",
        json!({}),
    )
    .await
    .unwrap();
    let token = login["data"]["login"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    let clinic = login["data"]["login"]["user"]["institution"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let stock = gql(
        Some(token.clone()),
        "query($i: ID!) { stock(institutionId: $i, first: 50) { edges { node { batch { id } } } } }",
        json!({ "i": clinic }),
    )
    .await
    .unwrap();
    // Stock comes earliest expiry first; the last is far from expired.
    let edges = stock["data"]["stock"]["edges"].as_array().unwrap();
    let batch = edges[edges.len() - 1]["node"]["batch"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (gql, token, clinic, batch, acknowledged) = (
            gql.clone(),
            token.clone(),
            clinic.clone(),
            batch.clone(),
            acknowledged.clone(),
        );
        writers.push(tokio::spawn(async move {
            for n in 0..2000 {
                let body = gql(
                    Some(token.clone()),
                    "mutation($input: AdjustStockInput!) { adjustStock(input: $input) { id } }",
                    json!({ "input": {
                        "institutionId": clinic, "batchId": batch, "quantity": 1,
                        "reason": "shelf recount", "clientRequestId": format!("burst-{w}-{n}"),
                    }}),
                )
                .await;
                match body
                    .as_ref()
                    .and_then(|b| b["data"]["adjustStock"]["id"].as_str())
                {
                    Some(id) => acknowledged.lock().unwrap().push(id.to_string()),
                    // Refused or cut off: the server is going away.
                    None => {
                        eprintln!("writer {w} stops at {n}: {body:?}");
                        break;
                    }
                }
            }
        }));
    }
    // Let the burst get going, then ask the server to stop mid-way.
    let started = std::time::Instant::now();
    while acknowledged.lock().unwrap().len() < 40 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the burst did not get going"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    for w in writers {
        w.await.unwrap();
    }
    let status = server.wait().unwrap();
    let log = log_reader.join().unwrap();
    assert!(status.success(), "{status}: {log}");
    assert!(log.contains("shutting down"), "{log}");
    assert!(log.contains("stopped"), "{log}");

    let acknowledged = acknowledged.lock().unwrap().clone();
    let db = yaolian_backend::db::Database::connect(&url).await.unwrap();
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let ids: Vec<uuid::Uuid> = acknowledged.iter().map(|i| i.parse().unwrap()).collect();
    let mut found = 0;
    for chunk in ids.chunks(500) {
        found += yaolian_backend::entity::stock_movement::Entity::find()
            .filter(yaolian_backend::entity::stock_movement::Column::Id.is_in(chunk.to_vec()))
            .count(db.conn())
            .await
            .unwrap();
    }
    assert_eq!(
        found as usize,
        ids.len(),
        "every acknowledged write is there"
    );
    db.close().await;
    let verify = yaolian()
        .args(["verify", "--database-url", &url])
        .output()
        .unwrap();
    assert!(verify.status.success(), "{}", text(&verify.stdout));
    let _ = std::fs::remove_dir_all(&dir);
}
