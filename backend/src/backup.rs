//! Backups of the SQLite file, restores that check a copy before anything
//! is replaced, and the checks themselves, which also run on PostgreSQL.
//!
//! Why `VACUUM INTO`: it runs as one read transaction on a connection of the
//! live database, so the copy is exactly the database as of that snapshot,
//! every commit before it and none after, while the server keeps serving. In
//! WAL mode a reader does not block writers; it only holds back checkpoints
//! until it ends, so scans keep being acknowledged during a backup. Copying
//! the file (`cp`) instead can catch a half-applied checkpoint or miss the
//! commits still in `-wal`. The copy is also compact and in rollback-journal
//! mode, so it is one self-contained file.
//!
//! Why restore verifies first: a backup is only as good as its last check. A
//! truncated USB copy, a file from another program or a hand-edited ledger
//! must be refused while the current database is still in place, not found
//! after it was replaced. So restore copies the file next to the target,
//! verifies that copy (what is checked is what gets installed), and only then
//! renames it over the target.

use crate::db::ConnectError;
use crate::db::Database;
use crate::ledger;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteLockingMode, SqlitePoolOptions};
use sea_orm::sqlx::{self, Connection};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, Statement};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};
use yaolian_migrations::{Migrator, MigratorTrait};

/// At most this many problems are listed per check; a broken ledger can have
/// thousands and the first ones say enough.
const MAX_LISTED: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "yaolian backup and restore copy SQLite files; back up PostgreSQL with `pg_dump -Fc` \
         and restore with `pg_restore` (see README, \"Backup and restore\"), then run `yaolian verify`"
    )]
    Postgres,
    #[error("{0:?} is not a SQLite database URL (sqlite://path/to/file.db) or file path")]
    NotSqliteFile(String),
    #[error("{} already exists; a backup never overwrites a file, choose a new name", .0.display())]
    TargetExists(PathBuf),
    #[error("{} does not exist", .0.display())]
    Missing(PathBuf),
    #[error(
        "{} has a non-empty {}-wal file next to it: it was copied from a running database and may \
         lack recent commits; take backups with `yaolian backup`",
        .0.display(), .0.display()
    )]
    LiveCopy(PathBuf),
    #[error(
        "{} is in use (is `yaolian serve` running on it?); stop the server, then restore",
        .0.display()
    )]
    InUse(PathBuf),
    #[error(
        "{} already holds a database; add --force to replace it (its current contents are lost)",
        .0.display()
    )]
    WouldReplace(PathBuf),
    #[error("{} failed verification; nothing was changed\n{report}", .from.display())]
    Unverified { from: PathBuf, report: VerifyReport },
    #[error("cannot {what} {}: {source}", .path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot {what}: {source}")]
    Db { what: &'static str, source: DbErr },
    #[error(transparent)]
    Connect(#[from] ConnectError),
}

type Result<T, E = BackupError> = std::result::Result<T, E>;

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> BackupError {
    let path = path.to_path_buf();
    move |source| BackupError::Io { what, path, source }
}

fn db_err(what: &'static str) -> impl FnOnce(DbErr) -> BackupError {
    move |source| BackupError::Db { what, source }
}

fn sqlx_err(what: &'static str) -> impl FnOnce(sqlx::Error) -> BackupError {
    move |e| BackupError::Db {
        what,
        source: DbErr::Custom(e.to_string()),
    }
}

#[derive(Debug)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    /// The copy and its fsync, not the check after it.
    pub duration: Duration,
    pub movements: i64,
    /// The copy, checked as restore would check it.
    pub check: VerifyReport,
}

#[derive(Debug)]
pub struct RestoreReport {
    pub target: PathBuf,
    pub bytes: u64,
    /// Whether an existing database was replaced (only with `force`).
    pub replaced: bool,
    pub duration: Duration,
    pub check: VerifyReport,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Failed,
    /// Not run, because an earlier check failed and the rest would be noise.
    Skipped,
}

#[derive(Debug, Clone)]
pub struct Check {
    pub name: &'static str,
    pub status: Status,
    /// What was found when it passed, or why it was skipped.
    pub detail: String,
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct VerifyReport {
    pub checks: Vec<Check>,
    /// Stock movements in the database, when the ledger could be read.
    pub movements: Option<i64>,
}

impl VerifyReport {
    pub fn is_clean(&self) -> bool {
        self.checks.iter().all(|c| c.status == Status::Ok)
    }

    /// Every problem of every failed check, for tests and messages.
    pub fn problems(&self) -> impl Iterator<Item = &str> {
        self.checks
            .iter()
            .flat_map(|c| c.problems.iter().map(String::as_str))
    }

    fn push(&mut self, name: &'static str, outcome: Result<String, Vec<String>>) -> bool {
        let (status, detail, problems) = match outcome {
            Ok(detail) => (Status::Ok, detail, Vec::new()),
            Err(problems) => (Status::Failed, String::new(), problems),
        };
        self.checks.push(Check {
            name,
            status,
            detail,
            problems,
        });
        status == Status::Ok
    }

    fn skip(&mut self, name: &'static str, why: &str) {
        self.checks.push(Check {
            name,
            status: Status::Skipped,
            detail: why.to_string(),
            problems: Vec::new(),
        });
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for check in &self.checks {
            let (tag, note) = match check.status {
                Status::Ok => ("ok  ", check.detail.clone()),
                Status::Failed => ("FAIL", format!("{} problem(s)", check.problems.len())),
                Status::Skipped => ("skip", check.detail.clone()),
            };
            let line = format!("  {tag}  {:<18} {note}", check.name);
            writeln!(f, "{}", line.trim_end())?;
            for problem in check.problems.iter().take(MAX_LISTED) {
                writeln!(f, "          {problem}")?;
            }
            if check.problems.len() > MAX_LISTED {
                writeln!(
                    f,
                    "          ... and {} more",
                    check.problems.len() - MAX_LISTED
                )?;
            }
        }
        Ok(())
    }
}

/// The file a `sqlite:` URL names; a bare path is taken as it is.
pub fn sqlite_path(url_or_path: &str) -> Result<PathBuf> {
    if url_or_path.starts_with("postgres://") || url_or_path.starts_with("postgresql://") {
        return Err(BackupError::Postgres);
    }
    if !url_or_path.starts_with("sqlite:") {
        return if url_or_path.is_empty() || url_or_path.contains("://") {
            Err(BackupError::NotSqliteFile(url_or_path.to_string()))
        } else {
            Ok(PathBuf::from(url_or_path))
        };
    }
    // sqlx's own parser, so the file is the one the server would open
    // (percent-decoding, `?mode=` and all).
    let options = SqliteConnectOptions::from_str(url_or_path)
        .map_err(|_| BackupError::NotSqliteFile(url_or_path.to_string()))?;
    let path = options.get_filename();
    if path.as_os_str().is_empty() || path.to_string_lossy().starts_with("file:sqlx-in-memory") {
        return Err(BackupError::NotSqliteFile(url_or_path.to_string()));
    }
    Ok(path.to_path_buf())
}

/// `dir/.name.tag-uuid`: next to `path`, so the final rename stays on one
/// file system and is atomic; hidden, so nobody mistakes it for a backup.
fn sibling_temp(path: &Path, tag: &str) -> Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| BackupError::NotSqliteFile(path.display().to_string()))?;
    let dir = parent_dir(path);
    Ok(dir.join(format!(
        ".{}.{tag}-{}",
        name.to_string_lossy(),
        uuid::Uuid::now_v7().simple()
    )))
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn non_empty_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.len() > 0)
}

/// A temporary file removed on drop unless it was installed.
struct TempFile(Option<PathBuf>);

impl TempFile {
    fn path(&self) -> &Path {
        self.0.as_deref().unwrap_or(Path::new(""))
    }

    /// Renames it to `to` and makes the rename durable.
    fn install(mut self, to: &Path) -> Result<()> {
        let from = self.0.take().unwrap_or_default();
        if let Err(e) = std::fs::rename(&from, to) {
            self.0 = Some(from);
            return Err(io("rename the new file onto", to)(e));
        }
        sync_dir(&parent_dir(to))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(&path);
        }
    }
}

fn sync_file(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io("fsync", path))
}

/// A rename is durable only once its directory is; without this a power cut
/// can bring back the old name.
fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    sync_file(dir)?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Copies the live SQLite database to `to`, which must not exist. The server
/// may be running: see the module notes. The copy is written under a
/// temporary name, fsynced (SQLite does not fsync a `VACUUM INTO` file) and
/// renamed, so `to` is either complete or absent. The copy is then checked.
pub async fn backup_sqlite(db: &Database, to: &Path) -> Result<BackupReport> {
    if db.backend() != DatabaseBackend::Sqlite {
        return Err(BackupError::Postgres);
    }
    if to.exists() {
        return Err(BackupError::TargetExists(to.to_path_buf()));
    }
    let dir = parent_dir(to);
    // Absolute, so SQLite never reads the name as a `file:` URI.
    let dir = std::fs::canonicalize(&dir).map_err(io("find the directory", &dir))?;
    let to = dir.join(
        to.file_name()
            .ok_or_else(|| BackupError::NotSqliteFile(to.display().to_string()))?,
    );
    let temp = TempFile(Some(sibling_temp(&to, "partial")?));
    let temp_name = temp
        .path()
        .to_str()
        .ok_or_else(|| BackupError::NotSqliteFile(format!("{} (not valid UTF-8)", to.display())))?;

    let started = Instant::now();
    // A bound parameter, not spliced text: no quoting of the path to get wrong.
    db.conn()
        .execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Sqlite,
            "VACUUM INTO ?",
            [temp_name.into()],
        ))
        .await
        .map_err(db_err("copy the database (VACUUM INTO)"))?;
    sync_file(temp.path())?;
    if to.exists() {
        return Err(BackupError::TargetExists(to));
    }
    temp.install(&to)?;
    let duration = started.elapsed();

    let bytes = std::fs::metadata(&to).map_err(io("read", &to))?.len();
    let check = verify_file(&to, true).await?;
    Ok(BackupReport {
        path: to,
        bytes,
        duration,
        movements: check.movements.unwrap_or(0),
        check,
    })
}

/// A connection that cannot change the file or create one. `private` is for
/// a file nothing else has open (a fresh copy): SQLite then takes no locks
/// and creates no `-shm` beside it.
async fn open_read_only(path: &Path, private: bool) -> Result<DatabaseConnection> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .immutable(private)
        .create_if_missing(false);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(sqlx_err("open the file read-only"))?;
    Ok(DatabaseConnection::from(pool))
}

/// [`verify_database`] over a file, on a read-only connection of its own;
/// the file may be in use by a server.
pub async fn verify_sqlite_file(path: &Path) -> Result<VerifyReport> {
    verify_file(path, false).await
}

async fn verify_file(path: &Path, private: bool) -> Result<VerifyReport> {
    if !path.is_file() {
        return Err(BackupError::Missing(path.to_path_buf()));
    }
    let conn = open_read_only(path, private).await?;
    let report = verify_database(&conn).await;
    let _ = conn.close().await;
    report
}

/// Every check a database must pass to be trusted: on SQLite the file's own
/// consistency first; on both, that its schema is this binary's and that its
/// ledger keeps every rule. Problems are reported, not returned as errors;
/// an error means the database could not be asked at all.
/// [`verify_database`] on a database this process has open (PostgreSQL, or a
/// SQLite file the caller has connected to).
pub async fn verify_open(database: &Database) -> Result<VerifyReport> {
    verify_database(database.conn()).await
}

pub async fn verify_database(conn: &impl ConnectionTrait) -> Result<VerifyReport> {
    let sqlite = conn.get_database_backend() == DatabaseBackend::Sqlite;
    // On SQLite a file that cannot be read is a finding of integrity_check,
    // not an error.
    if !sqlite {
        conn.execute_unprepared("SELECT 1")
            .await
            .map_err(db_err("reach the database"))?;
    }
    let mut report = VerifyReport::default();
    let mut readable = true;
    if sqlite {
        readable = report.push("integrity_check", integrity(conn).await);
        if readable {
            report.push("foreign_key_check", foreign_keys(conn).await);
        } else {
            report.skip("foreign_key_check", "the file is damaged");
        }
    }
    let schema_ok = readable && report.push("schema", schema(conn).await);
    if !readable {
        report.skip("schema", "the file is damaged");
    }
    if schema_ok {
        let (outcome, movements) = ledger_check(conn).await;
        report.movements = movements;
        report.push("ledger", outcome);
    } else {
        report.skip("ledger", "the schema check failed");
    }
    Ok(report)
}

async fn strings(conn: &impl ConnectionTrait, sql: &str) -> Result<Vec<String>, Vec<String>> {
    let rows = conn
        .query_all_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .map_err(|e| vec![e.to_string()])?;
    rows.iter()
        .map(|r| r.try_get_by_index::<String>(0))
        .collect::<Result<_, _>>()
        .map_err(|e| vec![e.to_string()])
}

async fn integrity(conn: &impl ConnectionTrait) -> Result<String, Vec<String>> {
    let lines = strings(conn, "PRAGMA integrity_check").await?;
    if lines.len() == 1 && lines[0] == "ok" {
        Ok(String::new())
    } else {
        Err(lines)
    }
}

async fn foreign_keys(conn: &impl ConnectionTrait) -> Result<String, Vec<String>> {
    let rows = conn
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "PRAGMA foreign_key_check",
        ))
        .await
        .map_err(|e| vec![e.to_string()])?;
    if rows.is_empty() {
        return Ok(String::new());
    }
    Err(rows
        .iter()
        .map(|r| {
            let table = r.try_get_by_index::<String>(0).unwrap_or_default();
            let rowid = r.try_get_by_index::<Option<i64>>(1).ok().flatten();
            let parent = r.try_get_by_index::<String>(2).unwrap_or_default();
            format!("{table} row {rowid:?} refers to a missing {parent} row")
        })
        .collect())
}

async fn schema(conn: &impl ConnectionTrait) -> Result<String, Vec<String>> {
    let applied = strings(
        conn,
        "SELECT version FROM seaql_migrations ORDER BY version",
    )
    .await
    .map_err(|e| {
        let mut e = e;
        e.insert(0, "no migration table: not a yaolian database".into());
        e
    })?;
    let known: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    let mut problems = Vec::new();
    for name in applied.iter().filter(|a| !known.contains(a)) {
        problems.push(format!(
            "migration {name} is newer than this yaolian: use the version that wrote it"
        ));
    }
    for name in known.iter().filter(|k| !applied.contains(k)) {
        problems.push(format!(
            "migration {name} is not applied: the copy is older than this yaolian \
             (run `yaolian migrate --database-url` on a copy of it first)"
        ));
    }
    if problems.is_empty() {
        Ok(format!(
            "{} migrations, up to date (last {})",
            known.len(),
            known.last().map(String::as_str).unwrap_or("-")
        ))
    } else {
        Err(problems)
    }
}

async fn ledger_check(conn: &impl ConnectionTrait) -> (Result<String, Vec<String>>, Option<i64>) {
    let count = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT COUNT(*) FROM stock_movement",
        ))
        .await
        .ok()
        .flatten()
        .and_then(|r| r.try_get_by_index::<i64>(0).ok());
    let outcome = match ledger::verify(conn).await {
        Ok(violations) if violations.is_empty() => Ok(format!(
            "{} movements, every balance equals its movements",
            count.unwrap_or(0)
        )),
        Ok(violations) => Err(violations
            .iter()
            .map(|v| {
                format!(
                    "{} at institution {} batch {}: {}",
                    v.rule, v.institution_id, v.batch_id, v.detail
                )
            })
            .collect()),
        Err(e) => Err(vec![format!("cannot read the ledger: {e}")]),
    };
    (outcome, count)
}

/// The target open in exclusive locking mode: proof that no server has it
/// open, and, until released, that none can start on it. Any WAL a crash
/// left has been folded into the file.
struct TargetLock(Option<sqlx::SqliteConnection>);

enum Probe {
    Locked(TargetLock),
    Busy,
    /// Not a database SQLite can open, e.g. the damaged file being replaced.
    Unreadable(String),
}

async fn lock_target(path: &Path) -> Probe {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .locking_mode(SqliteLockingMode::Exclusive)
        // Long enough to ride out a server's last connection closing, short
        // enough that a running server is reported at once.
        .busy_timeout(Duration::from_millis(500));
    let mut conn = match sqlx::SqliteConnection::connect_with(&options).await {
        Ok(c) => c,
        Err(e) => return classify(e),
    };
    // In WAL mode any other open connection holds a shared lock on the file
    // even when idle, so this fails while a server runs on it.
    for sql in [
        "BEGIN EXCLUSIVE",
        "COMMIT",
        "PRAGMA wal_checkpoint(TRUNCATE)",
    ] {
        if let Err(e) = sqlx::query(sql).execute(&mut conn).await {
            let _ = conn.close().await;
            return classify(e);
        }
    }
    Probe::Locked(TargetLock(Some(conn)))
}

fn classify(e: sqlx::Error) -> Probe {
    // SQLITE_BUSY and SQLITE_LOCKED, with any extended code.
    let busy = e
        .as_database_error()
        .and_then(|d| d.code())
        .and_then(|c| c.parse::<i32>().ok())
        .is_some_and(|c| matches!(c & 0xff, 5 | 6));
    if busy {
        Probe::Busy
    } else {
        Probe::Unreadable(e.to_string())
    }
}

impl TargetLock {
    /// Closing the last connection of a WAL database deletes its (by now
    /// checkpointed) `-wal`. In exclusive locking mode SQLite never opens the
    /// `-shm`, so a stale one from a server that did not shut down cleanly is
    /// removed here, while the lock still keeps everyone out.
    async fn release(mut self, target: &Path) {
        if let Some(conn) = self.0.take() {
            let _ = std::fs::remove_file(suffixed(target, "-shm"));
            let _ = conn.close().await;
        }
    }
}

/// Replaces the SQLite database `to` (a `sqlite:` URL or a path) with the
/// backup `from`, only if the backup passes [`verify_database`]. An existing
/// target is replaced only with `force`, and never while it is open (a
/// running server). On any failure the target is as it was.
pub async fn restore_sqlite(from: &Path, to: &str, force: bool) -> Result<RestoreReport> {
    let started = Instant::now();
    let target = sqlite_path(to)?;
    if !from.is_file() {
        return Err(BackupError::Missing(from.to_path_buf()));
    }
    if non_empty_file(&suffixed(from, "-wal")) {
        return Err(BackupError::LiveCopy(from.to_path_buf()));
    }
    let dir = parent_dir(&target);
    if !dir.is_dir() {
        return Err(BackupError::Missing(dir));
    }

    let exists = target.exists();
    if exists && !force {
        return Err(BackupError::WouldReplace(target));
    }

    // The backup is checked before the target is even opened: opening a
    // WAL database can checkpoint it, and a refused restore must leave the
    // target byte for byte as it was.
    let temp = TempFile(Some(sibling_temp(&target, "restore")?));
    let bytes = std::fs::copy(from, temp.path()).map_err(io("copy", from))?;
    sync_file(temp.path())?;
    let check = verify_file(temp.path(), true).await?;
    if !check.is_clean() {
        return Err(BackupError::Unverified {
            from: from.to_path_buf(),
            report: check,
        });
    }

    let wal = suffixed(&target, "-wal");
    let shm = suffixed(&target, "-shm");
    let probe = if exists {
        lock_target(&target).await
    } else {
        Probe::Unreadable("absent".into())
    };
    match probe {
        Probe::Busy => return Err(BackupError::InUse(target)),
        Probe::Locked(lock) => {
            lock.release(&target).await;
            // The lock's close removed the WAL; one now means someone opened
            // the database in the meantime, and renaming under it would mix
            // its WAL into the new file.
            if non_empty_file(&wal) {
                return Err(BackupError::InUse(target));
            }
        }
        Probe::Unreadable(why) => {
            if exists {
                tracing::warn!(path = %target.display(), %why, "replacing a database SQLite cannot open");
            }
            // A WAL beside a file SQLite cannot open (or beside no file)
            // belongs to that file; left there it would be replayed into the
            // restored database.
            for side in [&wal, &shm] {
                if side.exists() {
                    std::fs::remove_file(side).map_err(io("remove", side))?;
                }
            }
        }
    }
    // Nothing is deleted after the rename: by then a `-wal` or `-shm` can
    // only be a server's that opened the new file, and removing a live
    // `-shm` would let two processes disagree about the WAL.
    temp.install(&target)?;
    Ok(RestoreReport {
        target,
        bytes,
        replaced: exists,
        duration: started.elapsed(),
        check,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_and_paths_name_their_file() {
        assert_eq!(
            sqlite_path("sqlite://yaolian.db").unwrap(),
            PathBuf::from("yaolian.db")
        );
        assert_eq!(
            sqlite_path("sqlite:///srv/y/a%3Fb.db?mode=rwc").unwrap(),
            PathBuf::from("/srv/y/a?b.db")
        );
        assert_eq!(
            sqlite_path("/tmp/x.db").unwrap(),
            PathBuf::from("/tmp/x.db")
        );
        assert!(matches!(
            sqlite_path("postgres://u@h/db"),
            Err(BackupError::Postgres)
        ));
        assert!(sqlite_path("sqlite::memory:").is_err());
        assert!(sqlite_path("mysql://x").is_err());
    }
}
