//! The `yaolian` command.

mod admin;

use clap::{Parser, Subcommand};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use yaolian_backend::Backend;
use yaolian_backend::clock::{Clock, SystemClock};
use yaolian_backend::db::{Database, DbOptions};
use yaolian_graphql::config::{self, Config, ConfigArgs, LogFormat};

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

/// Where the database is, for the commands that need nothing else: the
/// flag, then `DATABASE_URL`, then the configuration file.
#[derive(clap::Args, Clone)]
struct DbArgs {
    /// sqlite://path/to/file.db (created if missing) or postgres://user@host/db
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
    /// A TOML file of settings (default: ./yaolian.toml when it exists).
    #[arg(long, env = "YAOLIAN_CONFIG", value_name = "FILE")]
    config: Option<std::path::PathBuf>,
}

impl DbArgs {
    fn url(&self) -> Result<String, String> {
        config::database_url(&ConfigArgs {
            config: self.config.clone(),
            database_url: self.database_url.clone(),
            ..Default::default()
        })
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the GraphQL server (migrates the database first).
    Serve {
        #[command(flatten)]
        config: ConfigArgs,
        /// Load the demo county if the database is empty, and print its sign-ins.
        #[arg(long)]
        demo: bool,
        /// The demo users' password (default: a fixed demo password).
        #[arg(long, env = "YAOLIAN_DEMO_PASSWORD", hide_env_values = true)]
        demo_password: Option<String>,
    },
    /// Print the configuration in force (flags, environment, yaolian.toml,
    /// defaults), with the database password masked.
    Config {
        #[command(flatten)]
        config: ConfigArgs,
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
        /// The demo users' password (default: a fixed demo password).
        #[arg(long, env = "YAOLIAN_DEMO_PASSWORD", hide_env_values = true)]
        demo_password: Option<String>,
    },
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Human => builder.init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(true)
            .init(),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // The log format is configuration; a bad configuration is reported
    // below, in the human format.
    let format = match &cli.command {
        Command::Serve { config, .. } => Config::resolve(config)
            .map(|c| c.log_format)
            .unwrap_or_default(),
        _ => LogFormat::Human,
    };
    init_logging(format);
    match run(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("yaolian: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn open(url: &str, options: DbOptions) -> Result<Database, String> {
    let database = Database::connect_with(url, options)
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
        Command::Config { config } => {
            print!("{}", Config::resolve(&config)?.describe());
            Ok(())
        }
        Command::Migrate { db } => {
            open(&db.url()?, DbOptions::default()).await?;
            eprintln!("database is up to date");
            Ok(())
        }
        Command::Seed {
            what: SeedCommand::Demo { db, demo_password },
        } => {
            let database = open(&db.url()?, DbOptions::default()).await?;
            seed(&database, demo_password).await
        }
        Command::Backup(args) => admin::backup(args).await,
        Command::Restore(args) => admin::restore(args).await,
        Command::Verify(args) => admin::verify(args).await,
        Command::Serve {
            config,
            demo,
            demo_password,
        } => serve(Config::resolve(&config)?, demo, demo_password).await,
    }
}

async fn serve(config: Config, demo: bool, demo_password: Option<String>) -> Result<(), String> {
    let addr = config.listen;
    // Bind before touching the database, so a busy port fails fast and
    // leaves nothing half-started.
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let metrics_listener = match config.metrics_listen {
        Some(a) => Some(
            tokio::net::TcpListener::bind(a)
                .await
                .map_err(|e| format!("cannot listen on {a} for metrics: {e}"))?,
        ),
        None => None,
    };
    let database = open(&config.database_url, config.db).await?;
    if demo {
        seed(&database, demo_password).await?;
    }
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let backend = Backend::new(database.clone(), clock, config.backend.clone());
    let app = yaolian_graphql::router_with(backend.clone(), config.http);
    if let Some(l) = metrics_listener {
        let local = l.local_addr().map_err(|e| e.to_string())?;
        eprintln!("metrics at http://{local}/metrics");
        let metrics = yaolian_graphql::metrics_router(backend);
        tokio::spawn(async move {
            if let Err(e) = axum::serve(l, metrics).await {
                tracing::error!(error = %e, "metrics server stopped");
            }
        });
    }
    let web = if yaolian_graphql::web::embedded() {
        "the web app"
    } else {
        "no web app in this build: see the page"
    };
    eprintln!(
        "yaolian listening on http://{addr}/ ({web}), API at http://{addr}/graphql, console at http://{addr}/graphiql"
    );
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, yaolian_graphql::service(app))
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            eprintln!("shutting down: no new connections; finishing requests in flight");
            let _ = stop_tx.send(true);
        })
        .into_future();
    tokio::pin!(server);
    // The graceful shutdown waits for every open connection; a client that
    // keeps one open must not hold the server (and the pool) forever.
    let result = tokio::select! {
        r = &mut server => r.map_err(|e| format!("server error: {e}")),
        () = grace_elapsed(stop_rx, config.shutdown_grace) => {
            eprintln!("requests still open after {} s; stopping them", config.shutdown_grace.as_secs());
            Ok(())
        }
    };
    database.close().await;
    eprintln!("stopped");
    result
}

/// Completes `grace` after the shutdown signal, never before it.
async fn grace_elapsed(mut stop: tokio::sync::watch::Receiver<bool>, grace: Duration) {
    if stop.wait_for(|s| *s).await.is_err() {
        std::future::pending::<()>().await;
    }
    tokio::time::sleep(grace).await;
}

async fn seed(database: &Database, password: Option<String>) -> Result<(), String> {
    let from_env = password.as_deref().is_some_and(|p| !p.is_empty());
    let password = password
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| yaolian_seed::DEMO_PASSWORD.to_string());
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
    let shown = if from_env {
        "(as given)".to_string()
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
