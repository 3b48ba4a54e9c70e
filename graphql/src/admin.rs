//! `yaolian backup`, `restore` and `verify`: the operator's side of
//! `yaolian_backend::backup`. Reports go to stdout, errors to stderr.

use crate::DbArgs;
use std::path::PathBuf;
use yaolian_backend::backup::{self, VerifyReport};
use yaolian_backend::db::{Database, redact_url};

#[derive(clap::Args)]
pub struct BackupArgs {
    /// The new file to write (refused if it exists). Safe while `serve` runs.
    #[arg(long, value_name = "FILE")]
    to: PathBuf,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(clap::Args)]
pub struct RestoreArgs {
    /// The backup to restore; it is checked before anything is replaced.
    #[arg(long, value_name = "FILE")]
    from: PathBuf,
    #[command(flatten)]
    db: DbArgs,
    /// Replace an existing database (its current contents are lost). A
    /// database a running server has open is never replaced.
    #[arg(long)]
    force: bool,
}

#[derive(clap::Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    db: DbArgs,
}

pub async fn backup(args: BackupArgs) -> Result<(), String> {
    let url = &args.db.url()?;
    let source = backup::sqlite_path(url).map_err(|e| e.to_string())?;
    // Connecting would create an empty database and back that up.
    if !source.is_file() {
        return Err(format!(
            "{} does not exist: nothing to back up",
            source.display()
        ));
    }
    let database = Database::connect(url).await.map_err(|e| e.to_string())?;
    let report = backup::backup_sqlite(&database, &args.to)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "backup of {} written to {}: {} bytes, {} stock movements, in {:.2?}",
        source.display(),
        report.path.display(),
        report.bytes,
        report.movements,
        report.duration
    );
    print!("{}", report.check);
    clean(
        &report.check,
        "the backup was written, but the database it copies",
    )
}

pub async fn restore(args: RestoreArgs) -> Result<(), String> {
    let report = backup::restore_sqlite(&args.from, &args.db.url()?, args.force)
        .await
        .map_err(|e| e.to_string())?;
    print!("{}", report.check);
    println!(
        "{} {} from {} ({} bytes, {} stock movements) in {:.2?}",
        if report.replaced {
            "replaced"
        } else {
            "created"
        },
        report.target.display(),
        args.from.display(),
        report.bytes,
        report.check.movements.unwrap_or(0),
        report.duration
    );
    Ok(())
}

pub async fn verify(args: VerifyArgs) -> Result<(), String> {
    let url = &args.db.url()?;
    println!("verifying {}", redact_url(url));
    let report = if url.starts_with("sqlite:") {
        // Read-only: verifying must neither create nor change a file.
        let path = backup::sqlite_path(url).map_err(|e| e.to_string())?;
        backup::verify_sqlite_file(&path).await
    } else {
        let database = Database::connect(url).await.map_err(|e| e.to_string())?;
        backup::verify_open(&database).await
    }
    .map_err(|e| e.to_string())?;
    print!("{report}");
    clean(&report, "the database")
}

fn clean(report: &VerifyReport, what: &str) -> Result<(), String> {
    if report.is_clean() {
        Ok(())
    } else {
        Err(format!(
            "{what} fails verification: {} problem(s), listed above",
            report.problems().count()
        ))
    }
}
