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
        err.contains("demo county loaded: 11 institutions, 16 users, 54 items"),
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
    yaolian_seed::seed_demo(&db, "pw", chrono::Utc::now())
        .await
        .unwrap();
    use sea_orm::ConnectionTrait;
    db.conn()
        .execute_unprepared("UPDATE stock_balance SET on_hand = on_hand + 1 WHERE rowid = 1")
        .await
        .unwrap();
    db.conn().close_by_ref().await.unwrap();

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
    yaolian_seed::seed_demo(&scratch.db, "pw", chrono::Utc::now())
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
