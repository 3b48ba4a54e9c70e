//! Distribution to members (集中配送). A member asks for stock with a
//! requisition; the centre approves it (reducing lines with reasons),
//! allocates it first-expiry-first into a shipment, groups shipments by
//! route into delivery runs, and dispatches them; the member's pharmacist
//! receives each pack by scanning, and whatever did not arrive in good
//! order goes back to the centre as a discrepancy to resolve. Returns (and
//! the first half of a transfer between members) are shipments the other
//! way, received the same way.
//!
//! - `requisition`: `DRAFT → SUBMITTED → APPROVED | REJECTED → ALLOCATED →
//!   DISPATCHED → RECEIVED → CLOSED`, one table of moves;
//! - `allocation`: FEFO over the centre's free stock, skipping blocked
//!   batches and those too short-dated for the destination; what cannot be
//!   met stays on the requisition as a backorder;
//! - `run`: delivery runs per route (a township centre and its villages);
//! - `shipment`: shipments, their dispatch (reservations consumed as
//!   SHIPMENT_OUT, members charged at centre cost) and cancellation;
//! - `receiving`: receipt scans and completion (SHIPMENT_IN for what
//!   arrived in good order, discrepancies for the rest);
//! - `discrepancy`: the centre's resolution of each discrepancy;
//! - `returns`: returns and transfers;
//! - `transit`: what is on its way, for stock figures and demand;
//! - `exports`: the pick list of a run and the delivery note of a
//!   shipment, as workbooks (the shipment label is in `label`).
//!
//! Stock in transit lives on shipment lines: sent = arrived + lost + in
//! transit. `ledger::verify` checks every line against its movements.

mod allocation;
mod discrepancy;
mod exports;
mod receiving;
mod requisition;
mod returns;
mod run;
mod shipment;
pub(crate) mod transit;

pub use allocation::Allocation;
pub use discrepancy::ResolveInput;
pub use receiving::{DiscrepancyInput, ReceiptProgress, ReceiveShipmentScan};
pub use requisition::{
    ApprovalLine, RequisitionFilter, RequisitionInput, RequisitionLineInput, RequisitionView,
    transition_allowed,
};
pub use returns::{ReturnInput, ReturnLineInput, TransferInput};
pub use run::{DeliveryRunInput, DeliveryRunView};
pub use shipment::{ShipmentFilter, ShipmentView};
pub use transit::{InTransit, TransitLine};

use crate::entity::enums::InstitutionKind;

/// How far ahead stock must last when it goes to a member.
#[derive(Debug, Clone, Copy)]
pub struct DistributionPolicy {
    /// Minimum remaining shelf life at the planned delivery date, per
    /// destination kind, in days; an item's own minimum, when stricter,
    /// wins.
    pub village_clinic_days: i64,
    pub township_days: i64,
    pub county_hospital_days: i64,
    /// Days from allocation to delivery when no run is planned yet.
    pub lead_days: i64,
}

impl Default for DistributionPolicy {
    fn default() -> Self {
        DistributionPolicy {
            village_clinic_days: 60,
            township_days: 60,
            county_hospital_days: 60,
            lead_days: 1,
        }
    }
}

impl DistributionPolicy {
    pub fn min_shelf_life_days(&self, kind: InstitutionKind) -> i64 {
        match kind {
            InstitutionKind::VillageClinic => self.village_clinic_days,
            InstitutionKind::TownshipHealthCentre | InstitutionKind::CommunityHealthCentre => {
                self.township_days
            }
            InstitutionKind::CountyHospital => self.county_hospital_days,
            // Stock going back to the centre is not judged by shelf life.
            InstitutionKind::LogisticsCentre => 0,
        }
    }
}

/// The most lines one requisition or return may have.
pub const MAX_LINES: usize = 500;
