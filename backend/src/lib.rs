//! yaolian's domain: every rule of the supply chain lives here, behind
//! services that take the caller and check what they may do. No HTTP or
//! GraphQL types.

/// What only the backend may touch (the tables, the ledger): crate-private,
/// and public only with the `testkit` feature, which the test suites and
/// benchmarks enable and the `yaolian` binary never does.
macro_rules! sealed {
    ($(#[$meta:meta])* mod $name:ident;) => {
        #[cfg(feature = "testkit")]
        $(#[$meta])*
        pub mod $name;
        #[cfg(not(feature = "testkit"))]
        $(#[$meta])*
        pub(crate) mod $name;
    };
}

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod authz;
pub mod availability;
pub mod backup;
pub mod barcode;
pub mod catalogue;
pub mod clock;
pub(crate) mod command;
pub mod db;
pub mod directory;
pub mod distribution;
sealed! {
    /// The tables. Outside the backend only their enumerations (`enums`)
    /// and read-only rows (`model`) are visible.
    mod entity;
}
pub mod error;
pub(crate) mod idempotency;
pub(crate) mod joined;
pub mod label;
pub mod location;
sealed! {
    /// The only writer of stock.
    #[cfg_attr(not(feature = "testkit"), allow(dead_code))]
    mod ledger;
}
pub mod metrics;
pub(crate) mod numbering;
pub mod page;
pub mod procurement;
pub mod seeding;
pub mod spreadsheet;
pub mod stock;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
pub mod text;

/// The enumerations stored in the tables (roles, kinds, statuses): values
/// every layer may name.
pub use entity::enums;

/// Rows as the services return them: read-only data. Writing goes through
/// the services.
pub mod model {
    pub use crate::entity::batch::Model as Batch;
    pub use crate::entity::delivery_run::Model as DeliveryRun;
    pub use crate::entity::goods_receipt::Model as GoodsReceipt;
    pub use crate::entity::institution::Model as Institution;
    pub use crate::entity::item::Model as Item;
    pub use crate::entity::item_version::Model as ItemVersion;
    pub use crate::entity::member_account_entry::Model as MemberAccountEntry;
    pub use crate::entity::price_agreement::Model as PriceAgreement;
    pub use crate::entity::purchase_order::Model as PurchaseOrder;
    pub use crate::entity::purchase_order_line::Model as PurchaseOrderLine;
    pub use crate::entity::receipt_line::Model as ReceiptLine;
    pub use crate::entity::requisition::Model as Requisition;
    pub use crate::entity::requisition_line::Model as RequisitionLine;
    pub use crate::entity::shipment::Model as Shipment;
    pub use crate::entity::shipment_discrepancy::Model as ShipmentDiscrepancy;
    pub use crate::entity::shipment_line::Model as ShipmentLine;
    pub use crate::entity::stock_movement::Model as StockMovement;
    pub use crate::entity::supplier::Model as Supplier;
    pub use crate::entity::supplier_invoice::Model as SupplierInvoice;
    pub use crate::entity::supplier_invoice_line::Model as SupplierInvoiceLine;
    pub use crate::entity::supplier_payment::Model as SupplierPayment;
}

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
    pub receiving: procurement::ReceivingPolicy,
    pub replenishment: procurement::ReplenishmentPolicy,
    pub invoice_tolerance: procurement::MatchTolerance,
    pub distribution: distribution::DistributionPolicy,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_ttl: chrono::Duration::hours(12),
            throttle: ThrottlePolicy::default(),
            adjustment: stock::AdjustmentPolicy::default(),
            receiving: procurement::ReceivingPolicy::default(),
            replenishment: procurement::ReplenishmentPolicy::default(),
            invoice_tolerance: procurement::MatchTolerance::default(),
            distribution: distribution::DistributionPolicy::default(),
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

    /// The database, for tests and benchmarks (`testkit`); services use
    /// their own field.
    #[cfg(feature = "testkit")]
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
