//! SQLite's WAL is copied into the database file by the background
//! checkpointer, not by whichever commit crosses SQLite's page mark: a
//! scan's commit never carries a checkpoint.

use sea_orm::ConnectionTrait;
use std::path::PathBuf;
use std::time::Duration;
use yaolian_backend::db::{CHECKPOINT_EVERY, Database};

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("yaolian-ckpt-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("ckpt.db")
}

/// A fresh database whose WAL holds 500 committed pages (2 MB) that the
/// commit did not copy into the file; `None` if the file grew anyway.
async fn committed_without_checkpoint() -> Option<(PathBuf, Database)> {
    let path = scratch();
    let db = Database::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    let conn = db.conn();
    conn.execute_unprepared("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
        .await
        .unwrap();
    // Checkpointed, so the file holds the empty table.
    conn.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
        .await
        .unwrap();
    let empty = std::fs::metadata(&path).unwrap().len();
    let filler = "x".repeat(4000);
    let txn = db.begin_write().await.unwrap();
    for i in 0..500 {
        txn.execute_unprepared(&format!("INSERT INTO t VALUES ({i}, '{filler}')"))
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
    let committed = std::fs::metadata(&path).unwrap().len();
    // SQLite would checkpoint at 1,000 pages anyway; this commit is below
    // that, so the file can only grow by the background task.
    if committed == empty {
        Some((path, db))
    } else {
        db.close().await;
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
        None
    }
}

#[tokio::test]
async fn commits_leave_the_wal_to_the_background_checkpointer() {
    // The background task may, by chance, run between the commit and the
    // look at the file (its first tick is on connecting); a commit that
    // checkpoints itself grows the file every time.
    let mut attempt = None;
    for _ in 0..3 {
        attempt = committed_without_checkpoint().await;
        if attempt.is_some() {
            break;
        }
    }
    let (path, db) = attempt.expect("the commit itself did not checkpoint, in three tries");
    let conn = db.conn();
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    assert!(std::fs::metadata(&wal).unwrap().len() > 2_000_000);

    let deadline = std::time::Instant::now() + CHECKPOINT_EVERY * 10;
    loop {
        tokio::time::sleep(CHECKPOINT_EVERY / 2).await;
        let now = std::fs::metadata(&path).unwrap().len();
        if now > 2_000_000 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the background checkpointer never copied the WAL ({now} bytes)"
        );
    }

    // A pool connection does not checkpoint on commit.
    let row = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "PRAGMA wal_autocheckpoint",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 0);

    // Closing stops the checkpointer first, so the pool's last connection
    // checkpoints everything and removes the WAL.
    db.close().await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}
