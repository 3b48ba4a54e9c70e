//! Connecting, migrating and starting write transactions.
//!
//! SQLite choices, on purpose:
//! - WAL, so readers never wait for the writer;
//! - `synchronous=FULL`: every commit is on disk before it is acknowledged.
//!   Clinics lose power; `NORMAL` could lose the last acknowledged scans;
//! - a pool of [`SQLITE_POOL_SIZE`] connections so reads run side by side;
//! - writes are serialised in-process by [`Database::begin_write`] (SQLite
//!   allows one writer anyway) and start as `BEGIN IMMEDIATE`, so a
//!   transaction never fails half-way when it upgrades from read to write.
//!   Waiting on a fair async queue is faster and fairer than SQLite's
//!   sleep-and-retry busy handler;
//! - the WAL is checkpointed by a background task ([`CHECKPOINT_EVERY`],
//!   `PASSIVE`, on its own connection), not by whichever commit crosses
//!   SQLite's 1,000-page mark: with `synchronous=FULL` that checkpoint
//!   copies and syncs the database file inside a scan's commit, and every
//!   writer queued behind it waits too. A passive checkpoint neither
//!   blocks writers nor waits for readers.

use crate::error::Result;
use sea_orm::{
    ConnectOptions, ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction,
    DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};
use yaolian_migrations::{Migrator, MigratorTrait};

pub const SQLITE_POOL_SIZE: u32 = 8;
/// How often the SQLite WAL is checkpointed in the background.
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);
pub const POSTGRES_POOL_SIZE: u32 = 32;

/// SQLite's `synchronous` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// Every commit is on disk before it is acknowledged.
    #[default]
    Full,
    /// Faster; a power cut may lose the last commits (never corrupts).
    Normal,
}

/// How to connect, beyond the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DbOptions {
    /// Connections in the pool; `None`: [`SQLITE_POOL_SIZE`] or
    /// [`POSTGRES_POOL_SIZE`].
    pub pool_size: Option<u32>,
    pub synchronous: Synchronous,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "unsupported database URL {0:?}: use sqlite://path/to/file.db or postgres://user@host/db"
    )]
    BadUrl(String),
    #[error("cannot open the database at {url}: {source}")]
    Open { url: String, source: DbErr },
    #[error("cannot migrate the database: {0}")]
    Migrate(DbErr),
}

#[derive(Clone, Debug)]
pub struct Database {
    conn: DatabaseConnection,
    /// Present for SQLite only: the in-process writer queue.
    write_gate: Option<Arc<Mutex<()>>>,
    /// Present for SQLite only: the background checkpointer, which stops
    /// when [`Database::close`] is called or the last clone is dropped.
    checkpointer: Option<Arc<Checkpointer>>,
}

/// The SQLite checkpoint task's handle: dropping the sender ends it.
#[derive(Debug)]
struct Checkpointer {
    stop: tokio::sync::watch::Sender<bool>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// A write transaction. On SQLite it also holds the writer slot until it is
/// committed or dropped.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _gate: Option<OwnedMutexGuard<()>>,
}

impl Deref for WriteTxn {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl WriteTxn {
    pub async fn commit(self) -> Result<()> {
        self.txn.commit().await?;
        Ok(())
    }
}

/// Hides the password of a database URL for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl Database {
    pub async fn connect(url: &str) -> Result<Self, ConnectError> {
        Self::connect_with(url, DbOptions::default()).await
    }

    pub async fn connect_with(url: &str, opts: DbOptions) -> Result<Self, ConnectError> {
        let is_sqlite = url.starts_with("sqlite:");
        let is_postgres = url.starts_with("postgres://") || url.starts_with("postgresql://");
        if !is_sqlite && !is_postgres {
            return Err(ConnectError::BadUrl(redact_url(url)));
        }
        let mut options = ConnectOptions::new(url.to_string());
        options
            .sqlx_logging(false)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(30))
            // A ping on every checkout would add a round trip to every
            // query; only connections idle long enough to have been dropped
            // by the server or a firewall are checked.
            .test_before_acquire_if_idle_for(Duration::from_secs(30));
        if is_sqlite {
            options
                .max_connections(opts.pool_size.unwrap_or(SQLITE_POOL_SIZE))
                .min_connections(1)
                .map_sqlx_sqlite_opts(move |o| {
                    use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
                    o.create_if_missing(true)
                        .journal_mode(SqliteJournalMode::Wal)
                        .synchronous(match opts.synchronous {
                            Synchronous::Full => SqliteSynchronous::Full,
                            Synchronous::Normal => SqliteSynchronous::Normal,
                        })
                        .foreign_keys(true)
                        .busy_timeout(Duration::from_secs(30))
                        // The background task checkpoints instead.
                        .pragma("wal_autocheckpoint", "0")
                });
        } else {
            options
                .max_connections(opts.pool_size.unwrap_or(POSTGRES_POOL_SIZE))
                .min_connections(1);
        }
        let conn = sea_orm::Database::connect(options)
            .await
            .map_err(|source| ConnectError::Open {
                url: redact_url(url),
                source,
            })?;
        let write_gate = is_sqlite.then(|| Arc::new(Mutex::new(())));
        let checkpointer = if is_sqlite {
            Some(Arc::new(start_checkpointer(url, opts).await?))
        } else {
            None
        };
        Ok(Self {
            conn,
            write_gate,
            checkpointer,
        })
    }

    pub async fn migrate(&self) -> Result<(), ConnectError> {
        Migrator::up(&self.conn, None)
            .await
            .map_err(ConnectError::Migrate)
    }

    /// The raw connection: the backend's, and with `testkit` the tests'
    /// (to look at rows and break things on purpose).
    #[cfg(feature = "testkit")]
    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    #[cfg(not(feature = "testkit"))]
    pub(crate) fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.conn.get_database_backend()
    }

    /// Every command runs in exactly one of these. Crate-private (public
    /// with `testkit`): outside the backend, writes go through the services
    /// and `seeding`.
    #[cfg(not(feature = "testkit"))]
    pub(crate) async fn begin_write(&self) -> Result<WriteTxn> {
        self.begin_write_txn().await
    }

    #[cfg(feature = "testkit")]
    pub async fn begin_write(&self) -> Result<WriteTxn> {
        self.begin_write_txn().await
    }

    async fn begin_write_txn(&self) -> Result<WriteTxn> {
        let gate = match &self.write_gate {
            Some(gate) => {
                let m = crate::metrics::metrics();
                let started = std::time::Instant::now();
                m.writer_queue.inc();
                // Dropped (a cancelled request) or acquired, the queue
                // length comes back down.
                let _queued = scopeguard(|| {
                    m.writer_queue.dec();
                });
                let guard = gate.clone().lock_owned().await;
                m.writer_wait_seconds
                    .observe(started.elapsed().as_secs_f64());
                Some(guard)
            }
            None => None,
        };
        let txn = self
            .conn
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?;
        Ok(WriteTxn { txn, _gate: gate })
    }

    /// Connections open in the pool, and how many of them are idle.
    pub fn pool_use(&self) -> (u32, usize) {
        match self.backend() {
            DatabaseBackend::Sqlite => {
                let pool = self.conn.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
            DatabaseBackend::Postgres => {
                let pool = self.conn.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => (0, 0),
        }
    }

    /// Closes every pooled connection (after the server has drained), so
    /// SQLite checkpoints its WAL and PostgreSQL sees clean disconnects.
    pub async fn close(&self) {
        if let Some(c) = &self.checkpointer {
            // Stopped first, so that the pool's last connection is the last
            // one open and SQLite checkpoints the whole WAL as it closes.
            let _ = c.stop.send(true);
            if let Some(task) = c.task.lock().await.take()
                && let Err(e) = task.await
            {
                tracing::warn!(error = %e, "stopping the WAL checkpointer");
            }
        }
        if let Err(e) = self.conn.close_by_ref().await {
            tracing::warn!(error = %e, "closing the database pool");
        }
    }

    /// Readiness: the database answers a trivial query.
    pub async fn ping(&self) -> Result<()> {
        self.conn.execute_unprepared("SELECT 1").await?;
        Ok(())
    }
}

/// Opens the checkpointer's own connection and starts it: every
/// [`CHECKPOINT_EVERY`], a `PASSIVE` checkpoint, which copies what it can
/// without waiting for anyone. It ends when told to or when every
/// [`Database`] clone is gone (the sender is dropped).
async fn start_checkpointer(url: &str, opts: DbOptions) -> Result<Checkpointer, ConnectError> {
    use sea_orm::sqlx::Connection;
    use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteSynchronous};
    use std::str::FromStr;
    let open = |source: sea_orm::sqlx::Error| ConnectError::Open {
        url: redact_url(url),
        source: DbErr::Conn(sea_orm::RuntimeErr::SqlxError(source.into())),
    };
    let options = SqliteConnectOptions::from_str(url)
        .map_err(open)?
        .synchronous(match opts.synchronous {
            Synchronous::Full => SqliteSynchronous::Full,
            Synchronous::Normal => SqliteSynchronous::Normal,
        })
        .busy_timeout(Duration::from_secs(30));
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .map_err(open)?;
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                // Told to stop, or every sender is gone.
                _ = stopped.changed() => break,
            }
            if let Err(e) = sea_orm::sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&mut conn)
                .await
            {
                tracing::warn!(error = %e, "WAL checkpoint");
            }
        }
        if let Err(e) = conn.close().await {
            tracing::warn!(error = %e, "closing the WAL checkpointer's connection");
        }
    });
    Ok(Checkpointer {
        stop,
        task: Mutex::new(Some(task)),
    })
}

/// Runs `f` when dropped.
fn scopeguard(f: impl FnOnce()) -> impl Drop {
    struct Guard<F: FnOnce()>(Option<F>);
    impl<F: FnOnce()> Drop for Guard<F> {
        fn drop(&mut self) {
            if let Some(f) = self.0.take() {
                f();
            }
        }
    }
    Guard(Some(f))
}

/// Numbered placeholders for a statement built by hand (a `VALUES` list a
/// bulk `UPDATE … FROM` joins on), with the values bound in order. Numbered
/// on both databases (SQLite's `?NNN`), so a value bound first may be
/// written anywhere in the text; on PostgreSQL each placeholder carries its
/// type, which a `VALUES` list cannot infer.
pub(crate) struct Params {
    backend: DatabaseBackend,
    values: Vec<sea_orm::Value>,
}

impl Params {
    pub(crate) fn new(backend: DatabaseBackend) -> Self {
        Self {
            backend,
            values: Vec::new(),
        }
    }

    /// Binds `value` and returns its placeholder, cast to `pg_type` on
    /// PostgreSQL.
    pub(crate) fn bind(&mut self, value: impl Into<sea_orm::Value>, pg_type: &str) -> String {
        self.values.push(value.into());
        let n = self.values.len();
        match self.backend {
            DatabaseBackend::Postgres => format!("${n}::{pg_type}"),
            _ => format!("?{n}"),
        }
    }

    pub(crate) fn statement(self, sql: String) -> sea_orm::Statement {
        sea_orm::Statement::from_sql_and_values(self.backend, sql, self.values)
    }
}
