//! Backups taken under write load, restores that refuse bad copies and leave
//! the target alone, and verify on SQLite and (with `DATABASE_URL`)
//! PostgreSQL.

mod common;

use common::Fixture;
use sea_orm::{ConnectionTrait, EntityTrait};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use uuid::Uuid;
use yaolian_backend::authz::Caller;
use yaolian_backend::backup::{self, BackupError, Status};
use yaolian_backend::clock::ManualClock;
use yaolian_backend::db::Database;
use yaolian_backend::entity::enums::{BatchStatus, InstitutionKind, MovementKind, Role};
use yaolian_backend::entity::stock_movement;
use yaolian_backend::ledger::{self, Posting};
use yaolian_backend::stock::AdjustStock;
use yaolian_backend::{Backend, Settings};

fn receipt(institution: Uuid, batch: Uuid, quantity: i64) -> Posting {
    Posting {
        institution_id: institution,
        batch_id: batch,
        quantity,
        kind: MovementKind::SupplierReceipt,
        document: None,
        reason: None,
        unit_cost_fen: Some(120),
        occurred_at: None,
    }
}

/// The fixture's SQLite file and its directory (removed with the fixture).
fn files(fx: &Fixture) -> (PathBuf, PathBuf) {
    let db = backup::sqlite_path(&fx.scratch.url).unwrap();
    let dir = db.parent().unwrap().to_path_buf();
    (db, dir)
}

/// Fills the ledger with `n` receipts over `batches`, in one transaction.
async fn history(fx: &Fixture, batches: &[Uuid], n: usize) {
    let txn = fx.db().begin_write().await.unwrap();
    for i in 0..n {
        let p = receipt(fx.centre, batches[i % batches.len()], 1 + (i % 7) as i64);
        ledger::post(&txn, fx.actor(), p).await.unwrap();
    }
    txn.commit().await.unwrap();
}

fn warehouse(fx: &Fixture) -> Caller {
    Caller {
        user_id: fx.user,
        username: "warehouse".into(),
        roles: vec![Role::Warehouse],
        institution_id: fx.centre,
        institution_kind: InstitutionKind::LogisticsCentre,
        community_id: fx.community,
        session_id: Uuid::now_v7(),
    }
}

fn side(db: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", db.display()))
}

/// Bytes and modification time: what "untouched" means for a file.
fn fingerprint(path: &Path) -> (Vec<u8>, SystemTime) {
    (
        std::fs::read(path).unwrap(),
        std::fs::metadata(path).unwrap().modified().unwrap(),
    )
}

/// Hidden temporaries a failed backup or restore must not leave behind.
fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

async fn movement_ids(path: &Path) -> HashSet<Uuid> {
    let db = Database::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let ids = stock_movement::Entity::find()
        .all(db.conn())
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    db.close().await;
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_under_write_load_keeps_every_movement_acknowledged_before_it() {
    let fx = Arc::new(Fixture::sqlite().await);
    let (_, dir) = files(&fx);
    let mut batches = Vec::new();
    for lot in ["L1", "L2", "L3", "L4"] {
        batches.push(fx.batch(lot, BatchStatus::Available, 365).await);
    }
    // Enough history that the copy takes a while, so writes land during it.
    history(&fx, &batches, 4000).await;

    let backend = Backend::new(
        fx.db().clone(),
        Arc::new(ManualClock::new(fx.now)),
        Settings::default(),
    );
    let caller = warehouse(&fx);
    let stop = Arc::new(AtomicBool::new(false));
    let acked: Arc<Mutex<Vec<(Uuid, Instant)>>> = Arc::default();
    let mut load = Vec::new();
    for (worker, batch) in batches.iter().copied().enumerate() {
        let (backend, caller, stop, acked) =
            (backend.clone(), caller.clone(), stop.clone(), acked.clone());
        let institution = if worker % 2 == 0 {
            fx.clinic
        } else {
            fx.centre
        };
        load.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let input = AdjustStock {
                    institution_id: institution,
                    batch_id: batch,
                    quantity: 1,
                    reason: "load".into(),
                    client_request_id: Uuid::now_v7().simple().to_string(),
                };
                let movement = backend.adjust_stock(&caller, input).await.unwrap();
                acked.lock().unwrap().push((movement.id, Instant::now()));
            }
        }));
    }
    while acked.lock().unwrap().len() < 100 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    let copy = dir.join("mid-load.db");
    let began = Instant::now();
    let report = backup::backup_sqlite(fx.db(), &copy).await.unwrap();
    let finished = Instant::now();
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    for task in load {
        task.await.unwrap();
    }
    assert!(report.check.is_clean(), "{}", report.check);

    let restored = dir.join("restored.db");
    let restore = backup::restore_sqlite(&copy, restored.to_str().unwrap(), false)
        .await
        .unwrap();
    assert!(!restore.replaced);
    let check = backup::verify_sqlite_file(&restored).await.unwrap();
    assert!(check.is_clean(), "{check}");

    let acked = acked.lock().unwrap().clone();
    let before: Vec<Uuid> = acked
        .iter()
        .filter(|(_, at)| *at < began)
        .map(|(id, _)| *id)
        .collect();
    let during = acked
        .iter()
        .filter(|(_, at)| *at >= began && *at <= finished)
        .count();
    let in_copy = movement_ids(&restored).await;
    let missing: Vec<&Uuid> = before.iter().filter(|id| !in_copy.contains(id)).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged movements missing",
        missing.len()
    );
    assert_eq!(in_copy.len() as i64, report.movements);
    assert!(in_copy.len() <= 4000 + acked.len());
    assert!(in_copy.len() >= 4000 + before.len());
    // The live database went on taking writes after the snapshot.
    assert!(acked.len() > before.len() + during);
    eprintln!(
        "backup of {} movements: {} bytes in {:?}; acknowledged {} before it began, \
         {} while it ran, {} after; {} load movements in the copy",
        report.movements,
        report.bytes,
        report.duration,
        before.len(),
        during,
        acked.len() - before.len() - during,
        in_copy.len() - 4000
    );
    assert!(temporaries(&dir).is_empty(), "{:?}", temporaries(&dir));
}

#[tokio::test]
async fn restore_refuses_a_file_that_is_not_a_sound_database_and_touches_nothing() {
    let fx = Fixture::sqlite().await;
    let (live, dir) = files(&fx);
    let batch = fx.batch("L1", BatchStatus::Available, 365).await;
    history(&fx, &[batch], 300).await;
    // An existing database, not in use, to restore over.
    let target = dir.join("target.db");
    backup::backup_sqlite(fx.db(), &target).await.unwrap();
    let good = dir.join("good.db");
    backup::backup_sqlite(fx.db(), &good).await.unwrap();
    let untouched = fingerprint(&target);
    // The background checkpointer copies the WAL into the live file on its
    // own schedule, which would change the file between the two
    // fingerprints below whatever restore does. With the WAL emptied here
    // it has nothing left to copy, so any change is restore's.
    fx.db()
        .conn()
        .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
        .await
        .unwrap();

    let text = dir.join("notes.txt");
    std::fs::write(&text, "this is not a database\n".repeat(200)).unwrap();
    // A real backup with pages in its middle overwritten, as a failing disk
    // or an interrupted copy leaves it.
    let damaged = dir.join("damaged.db");
    let mut bytes = std::fs::read(&good).unwrap();
    let page = 4096;
    assert!(bytes.len() > 6 * page, "{} bytes", bytes.len());
    for b in &mut bytes[2 * page..4 * page] {
        *b = 0x5a;
    }
    std::fs::write(&damaged, bytes).unwrap();

    for bad in [&text, &damaged] {
        let err = backup::restore_sqlite(bad, target.to_str().unwrap(), true)
            .await
            .unwrap_err();
        let BackupError::Unverified { report, .. } = &err else {
            panic!("{}: {err}", bad.display());
        };
        let integrity = &report.checks[0];
        assert_eq!(integrity.name, "integrity_check");
        assert_eq!(integrity.status, Status::Failed, "{report}");
        assert!(err.to_string().contains("nothing was changed"), "{err}");
        assert!(fingerprint(&target) == untouched, "{}", bad.display());

        // Nor is a live database with a WAL opened, let alone checkpointed.
        let (live_db, live_wal) = (fingerprint(&live), fingerprint(&side(&live, "-wal")));
        let err = backup::restore_sqlite(bad, &fx.scratch.url, true)
            .await
            .unwrap_err();
        assert!(matches!(err, BackupError::Unverified { .. }), "{err}");
        assert!(fingerprint(&live) == live_db);
        assert!(fingerprint(&side(&live, "-wal")) == live_wal);
    }
    assert!(temporaries(&dir).is_empty(), "{:?}", temporaries(&dir));

    // The sound copy is accepted over the same target.
    let report = backup::restore_sqlite(&good, target.to_str().unwrap(), true)
        .await
        .unwrap();
    assert!(report.replaced);
    assert_eq!(report.check.movements, Some(300));
}

#[tokio::test]
async fn restore_refuses_a_tampered_ledger_naming_the_broken_rule() {
    let fx = Fixture::sqlite().await;
    let (_, dir) = files(&fx);
    let batch = fx.batch("L1", BatchStatus::Available, 365).await;
    history(&fx, &[batch], 50).await;
    let copy = dir.join("copy.db");
    backup::backup_sqlite(fx.db(), &copy).await.unwrap();
    let tamper = Database::connect(&format!("sqlite://{}", copy.display()))
        .await
        .unwrap();
    tamper
        .conn()
        .execute_unprepared("UPDATE stock_balance SET on_hand = on_hand + 1")
        .await
        .unwrap();
    tamper.close().await;

    let target = dir.join("new.db");
    let err = backup::restore_sqlite(&copy, target.to_str().unwrap(), false)
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, BackupError::Unverified { .. }), "{message}");
    assert!(message.contains("on_hand_equals_movements"), "{message}");
    assert!(message.contains(&batch.to_string()), "{message}");
    assert!(!target.exists());
    assert!(temporaries(&dir).is_empty(), "{:?}", temporaries(&dir));
}

#[tokio::test]
async fn restore_never_replaces_a_database_in_use_nor_one_without_force() {
    let fx = Fixture::sqlite().await;
    let (live, dir) = files(&fx);
    let batch = fx.batch("L1", BatchStatus::Available, 365).await;
    history(&fx, &[batch], 20).await;
    let copy = dir.join("copy.db");
    backup::backup_sqlite(fx.db(), &copy).await.unwrap();

    // The fixture's pool is open on `live`, as a running server's would be.
    // Everything checkpointed first, so that the background checkpointer has
    // nothing left to copy into the file while we watch it.
    fx.db()
        .conn()
        .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
        .await
        .unwrap();
    let before = fingerprint(&live);
    let err = backup::restore_sqlite(&copy, &fx.scratch.url, true)
        .await
        .unwrap_err();
    assert!(matches!(err, BackupError::InUse(_)), "{err}");
    assert_eq!(fingerprint(&live).0, before.0);

    let target = dir.join("stopped.db");
    backup::backup_sqlite(fx.db(), &target).await.unwrap();
    let untouched = fingerprint(&target);
    let err = backup::restore_sqlite(&copy, target.to_str().unwrap(), false)
        .await
        .unwrap_err();
    assert!(matches!(err, BackupError::WouldReplace(_)), "{err}");
    assert!(err.to_string().contains("--force"), "{err}");
    assert!(fingerprint(&target) == untouched);

    let err = backup::backup_sqlite(fx.db(), &target).await.unwrap_err();
    assert!(matches!(err, BackupError::TargetExists(_)), "{err}");
    assert!(fingerprint(&target) == untouched);

    // A server can open what was restored and finds every movement.
    backup::restore_sqlite(&copy, &format!("sqlite://{}", target.display()), true)
        .await
        .unwrap();
    assert_eq!(movement_ids(&target).await.len(), 20);

    // A database left by a server that did not shut down cleanly: its WAL
    // still holds commits the backup lacks. None of them may leak into the
    // restored file.
    history(&fx, &[batch], 5).await;
    let crashed = dir.join("crashed.db");
    std::fs::copy(&live, &crashed).unwrap();
    std::fs::copy(side(&live, "-wal"), side(&crashed, "-wal")).unwrap();
    std::fs::copy(side(&live, "-shm"), side(&crashed, "-shm")).unwrap();
    assert!(std::fs::metadata(side(&crashed, "-wal")).unwrap().len() > 0);
    backup::restore_sqlite(&copy, crashed.to_str().unwrap(), true)
        .await
        .unwrap();
    assert!(!side(&crashed, "-wal").exists());
    assert!(!side(&crashed, "-shm").exists());
    assert!(
        backup::verify_sqlite_file(&crashed)
            .await
            .unwrap()
            .is_clean()
    );
    assert_eq!(movement_ids(&crashed).await.len(), 20);
    assert!(temporaries(&dir).is_empty(), "{:?}", temporaries(&dir));
}

/// On PostgreSQL when `DATABASE_URL` names a server, else on SQLite.
#[tokio::test]
async fn verify_passes_a_sound_database_and_names_a_broken_balance() {
    let fx = Fixture::new().await;
    let batch = fx.batch("L1", BatchStatus::Available, 365).await;
    history(&fx, &[batch], 30).await;
    let report = backup::verify_database(fx.db().conn()).await.unwrap();
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.movements, Some(30));
    let names: Vec<&str> = report.checks.iter().map(|c| c.name).collect();
    if fx.db().backend() == sea_orm::DatabaseBackend::Sqlite {
        assert_eq!(
            names,
            ["integrity_check", "foreign_key_check", "schema", "ledger"]
        );
    } else {
        assert_eq!(names, ["schema", "ledger"]);
        let err = backup::backup_sqlite(fx.db(), Path::new("never.db"))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("pg_dump"), "{err}");
        assert!(!Path::new("never.db").exists());
    }

    // As if the database were older than this binary.
    fx.db()
        .conn()
        .execute_unprepared("DELETE FROM seaql_migrations WHERE version LIKE '%sign_in_throttle'")
        .await
        .unwrap();
    let report = backup::verify_database(fx.db().conn()).await.unwrap();
    assert!(!report.is_clean());
    let problems: Vec<&str> = report.problems().collect();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("sign_in_throttle is not applied")),
        "{report}"
    );
}

#[tokio::test]
async fn verify_names_a_ledger_violation() {
    let fx = Fixture::new().await;
    let batch = fx.batch("L1", BatchStatus::Available, 365).await;
    history(&fx, &[batch], 10).await;
    fx.db()
        .conn()
        .execute_unprepared("UPDATE stock_balance SET on_hand = on_hand + 1")
        .await
        .unwrap();
    let report = backup::verify_database(fx.db().conn()).await.unwrap();
    let ledger = report.checks.iter().find(|c| c.name == "ledger").unwrap();
    assert_eq!(ledger.status, Status::Failed, "{report}");
    assert!(
        ledger.problems[0].starts_with("on_hand_equals_movements"),
        "{report}"
    );
}

#[test]
fn postgres_urls_are_refused_with_the_tool_to_use() {
    for url in ["postgres://u@h/db", "postgresql://u@h/db"] {
        let err = backup::sqlite_path(url).unwrap_err();
        assert!(err.to_string().contains("pg_dump -Fc"), "{err}");
        assert!(err.to_string().contains("pg_restore"), "{err}");
    }
}
