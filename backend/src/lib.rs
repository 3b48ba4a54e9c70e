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
