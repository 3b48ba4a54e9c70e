//! yaolian's domain: every rule of the supply chain lives here, behind
//! services that take the caller and check what they may do. No HTTP or
//! GraphQL types.

pub mod audit;
pub mod auth;
pub mod authz;
pub mod backup;
pub mod barcode;
pub mod catalogue;
pub mod clock;
pub(crate) mod command;
pub mod db;
pub mod directory;
pub mod entity;
pub mod error;
pub mod idempotency;
pub mod label;
pub mod ledger;
pub mod metrics;
pub mod page;
pub mod spreadsheet;
pub mod stock;
pub mod testkit;
pub mod text;

use crate::auth::ThrottlePolicy;
use crate::clock::Clock;
use crate::db::Database;
use std::sync::Arc;

pub use crate::error::{Error, Result};
/// Barcode parsing and rendering, for the API layer's label endpoints.
pub use yaolian_labels as labels;

#[derive(Debug, Clone)]
pub struct Settings {
    pub session_ttl: chrono::Duration,
    pub throttle: ThrottlePolicy,
    pub adjustment: stock::AdjustmentPolicy,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_ttl: chrono::Duration::hours(12),
            throttle: ThrottlePolicy::default(),
            adjustment: stock::AdjustmentPolicy::default(),
        }
    }
}

/// The services, over one database and one clock. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Backend {
    db: Database,
    clock: Arc<dyn Clock>,
    settings: Settings,
    search: Arc<catalogue::search::SearchCache>,
    sign_in: auth::gate::SignInGuards,
    imports: Arc<spreadsheet::RunningImports>,
}

impl Backend {
    /// May this caller read the server's operating figures (`/metrics`)?
    pub fn may_read_metrics(&self, caller: &authz::Caller) -> Result<()> {
        authz::authorize(
            caller,
            authz::Action::ReadMetrics,
            authz::Scope::Community(caller.community_id),
        )
    }

    /// Adds the backend's figures, and the pool's as of now, to a registry
    /// that is about to be encoded.
    pub fn register_metrics(&self, registry: &mut prometheus_client::registry::Registry) {
        use prometheus_client::metrics::gauge::Gauge;
        metrics::metrics().register(registry);
        let (size, idle) = self.db.pool_use();
        let open: Gauge = Gauge::default();
        open.set(i64::from(size));
        let idle_gauge: Gauge = Gauge::default();
        idle_gauge.set(idle as i64);
        registry.register(
            "yaolian_db_pool_connections",
            "Connections open in the database pool",
            open,
        );
        registry.register(
            "yaolian_db_pool_idle_connections",
            "Open connections not in use",
            idle_gauge,
        );
    }

    pub fn new(db: Database, clock: Arc<dyn Clock>, settings: Settings) -> Self {
        Self {
            db,
            clock,
            settings,
            search: Arc::default(),
            sign_in: auth::gate::SignInGuards::default(),
            imports: Arc::default(),
        }
    }

    pub fn db(&self) -> &Database {
        &self.db
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub async fn ready(&self) -> Result<()> {
        self.db.ping().await
    }
}
