//! The `yaolian` command.

mod admin;

use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use yaolian_backend::clock::{Clock, SystemClock};
use yaolian_backend::db::Database;
use yaolian_backend::{Backend, Settings};

const DEFAULT_DATABASE_URL: &str = "sqlite://yaolian.db";

#[derive(Parser)]
#[command(
    name = "yaolian",
    version,
    about = "药链 yaolian: the drug and consumables supply chain of a county medical community"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct DbArgs {
    /// sqlite://path/to/file.db (created if missing) or postgres://user@host/db
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    database_url: String,
}

#[derive(Subcommand)]
enum Command {
    /// Run the GraphQL server (migrates the database first).
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Address to listen on.
        #[arg(long, env = "YAOLIAN_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Load the demo county if the database is empty, and print its sign-ins.
        #[arg(long)]
        demo: bool,
    },
    /// Create or upgrade the database schema.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Load data.
    Seed {
        #[command(subcommand)]
        what: SeedCommand,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Copy a SQLite database to a new file, consistently, while it serves.
    Backup(admin::BackupArgs),
    /// Replace a SQLite database with a backup, once the backup passes verify.
    Restore(admin::RestoreArgs),
    /// Check a database (SQLite or PostgreSQL): file integrity, schema version
    /// and every ledger rule. Exits 1 on any problem.
    Verify(admin::VerifyArgs),
}

#[derive(Subcommand)]
enum SeedCommand {
    /// The demo county (idempotent: a second run adds nothing).
    Demo {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("yaolian: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn open(db: &DbArgs) -> Result<Database, String> {
    let database = Database::connect(&db.database_url)
        .await
        .map_err(|e| e.to_string())?;
    database.migrate().await.map_err(|e| e.to_string())?;
    Ok(database)
}

async fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Schema => {
            print!("{}", yaolian_graphql::schema::sdl());
            Ok(())
        }
        Command::Migrate { db } => {
            open(&db).await?;
            eprintln!("database is up to date");
            Ok(())
        }
        Command::Seed {
            what: SeedCommand::Demo { db },
        } => {
            let database = open(&db).await?;
            seed(&database).await
        }
        Command::Backup(args) => admin::backup(args).await,
        Command::Restore(args) => admin::restore(args).await,
        Command::Verify(args) => admin::verify(args).await,
        Command::Serve { db, listen, demo } => {
            let addr: SocketAddr = listen.parse().map_err(|_| {
                format!("--listen {listen:?} is not an address like 127.0.0.1:8080")
            })?;
            // Bind before touching the database, so a busy port fails fast
            // and leaves nothing half-started.
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
            let database = open(&db).await?;
            if demo {
                seed(&database).await?;
            }
            let clock: Arc<dyn Clock> = Arc::new(SystemClock);
            let backend = Backend::new(database, clock, Settings::default());
            let app = yaolian_graphql::router(backend);
            eprintln!(
                "yaolian listening on http://{addr}/ (GraphiQL), API at http://{addr}/graphql"
            );
            axum::serve(listener, yaolian_graphql::service(app))
                .with_graceful_shutdown(shutdown_signal())
                .await
                .map_err(|e| format!("server error: {e}"))
        }
    }
}

async fn seed(database: &Database) -> Result<(), String> {
    let password = yaolian_seed::demo_password();
    let county = yaolian_seed::seed_demo(database, &password, SystemClock.now())
        .await
        .map_err(|e| format!("cannot load the demo county: {e}"))?;
    if county.created {
        eprintln!(
            "demo county loaded: {} institutions, {} users, {} items, {} batches",
            county.institutions.len(),
            county.users.len(),
            county.items.len(),
            county.batches.len()
        );
    } else {
        eprintln!("demo county already present; nothing added");
    }
    let shown = if std::env::var("YAOLIAN_DEMO_PASSWORD").is_ok_and(|p| !p.is_empty()) {
        "(from YAOLIAN_DEMO_PASSWORD)".to_string()
    } else {
        password
    };
    eprintln!("demo sign-ins (password {shown}):");
    for user in yaolian_seed::DEMO_USERS {
        eprintln!(
            "  {:<20} {:<12} {}",
            user.username, user.institution, user.display_name
        );
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
