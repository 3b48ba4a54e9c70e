//! Scratch databases for tests and benchmarks: a fresh SQLite file, or, when
//! `DATABASE_URL` names a PostgreSQL server, a fresh database on it, so tests
//! run in parallel without sharing rows.

pub mod xlsx;

use crate::db::{ConnectError, Database};
use sea_orm::{ConnectionTrait, DbErr};

pub struct ScratchDb {
    pub url: String,
    pub db: Database,
    /// Keeps the SQLite file's directory alive as long as the database.
    _dir: Option<TempDir>,
}

/// A directory removed on drop; std has none and one struct is not worth a
/// dependency.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The PostgreSQL URL to test against, if any: the test run's own setting,
/// not the server's configuration.
#[allow(clippy::disallowed_methods)]
pub fn postgres_url() -> Option<String> {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
}

/// Creates, connects and migrates a new empty database: on the PostgreSQL
/// server `DATABASE_URL` names, else a SQLite file.
pub async fn scratch_database() -> Result<ScratchDb, ConnectError> {
    scratch_database_on(postgres_url().as_deref()).await
}

/// As [`scratch_database`], on the given PostgreSQL server or (None) SQLite.
pub async fn scratch_database_on(postgres: Option<&str>) -> Result<ScratchDb, ConnectError> {
    let id = uuid::Uuid::now_v7().simple().to_string();
    match postgres.map(str::to_string) {
        Some(base) => {
            let admin = Database::connect(&base).await?;
            let name = format!("t_{id}");
            admin
                .conn()
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .map_err(|source| ConnectError::Open {
                    url: base.clone(),
                    source,
                })?;
            let url = replace_db_name(&base, &name).ok_or_else(|| ConnectError::Open {
                url: base.clone(),
                source: DbErr::Custom("cannot derive a database URL".into()),
            })?;
            let db = Database::connect(&url).await?;
            db.migrate().await?;
            Ok(ScratchDb {
                url,
                db,
                _dir: None,
            })
        }
        None => {
            let dir = std::env::temp_dir().join(format!("yaolian-test-{id}"));
            std::fs::create_dir_all(&dir).map_err(|e| ConnectError::Open {
                url: dir.display().to_string(),
                source: DbErr::Custom(e.to_string()),
            })?;
            let url = format!("sqlite://{}", dir.join("test.db").display());
            let db = Database::connect(&url).await?;
            db.migrate().await?;
            Ok(ScratchDb {
                url,
                db,
                _dir: Some(TempDir(dir)),
            })
        }
    }
}

fn replace_db_name(url: &str, name: &str) -> Option<String> {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let scheme_end = head.find("://")? + 3;
    let path_start = head[scheme_end..].find('/').map(|i| i + scheme_end);
    let base = match path_start {
        Some(i) => &head[..i],
        None => head,
    };
    Some(match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    })
}

#[cfg(test)]
mod tests {
    use super::replace_db_name;

    #[test]
    fn replaces_database_name_keeping_query() {
        assert_eq!(
            replace_db_name("postgres://postgres@127.0.0.1:5432/postgres", "t_1").as_deref(),
            Some("postgres://postgres@127.0.0.1:5432/t_1")
        );
        assert_eq!(
            replace_db_name("postgres://u:p@h/db?sslmode=disable", "t_2").as_deref(),
            Some("postgres://u:p@h/t_2?sslmode=disable")
        );
        assert_eq!(
            replace_db_name("postgres://h:5432", "t_3").as_deref(),
            Some("postgres://h:5432/t_3")
        );
    }
}
