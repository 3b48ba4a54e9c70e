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
//!   sleep-and-retry busy handler.

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
pub const POSTGRES_POOL_SIZE: u32 = 32;

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
                .max_connections(SQLITE_POOL_SIZE)
                .min_connections(1)
                .map_sqlx_sqlite_opts(|o| {
                    use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
                    o.create_if_missing(true)
                        .journal_mode(SqliteJournalMode::Wal)
                        .synchronous(SqliteSynchronous::Full)
                        .foreign_keys(true)
                        .busy_timeout(Duration::from_secs(30))
                });
        } else {
            options
                .max_connections(POSTGRES_POOL_SIZE)
                .min_connections(1);
        }
        let conn = sea_orm::Database::connect(options)
            .await
            .map_err(|source| ConnectError::Open {
                url: redact_url(url),
                source,
            })?;
        let write_gate = is_sqlite.then(|| Arc::new(Mutex::new(())));
        Ok(Self { conn, write_gate })
    }

    pub async fn migrate(&self) -> Result<(), ConnectError> {
        Migrator::up(&self.conn, None)
            .await
            .map_err(ConnectError::Migrate)
    }

    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.conn.get_database_backend()
    }

    /// Every command runs in exactly one of these.
    pub async fn begin_write(&self) -> Result<WriteTxn> {
        let gate = match &self.write_gate {
            Some(gate) => Some(gate.clone().lock_owned().await),
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

    /// Readiness: the database answers a trivial query.
    pub async fn ping(&self) -> Result<()> {
        self.conn.execute_unprepared("SELECT 1").await?;
        Ok(())
    }
}
