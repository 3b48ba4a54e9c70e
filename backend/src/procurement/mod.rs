//! Central procurement (统一采购): the logistics centre buys for every
//! member. Suppliers and their price agreements, purchase orders with their
//! state machine, and goods received against them by scanning, which the
//! ledger posts as SUPPLIER_RECEIPT at the centre.
//!
//! - `supplier`: suppliers, their credit code and drug-distribution licence;
//! - `agreement`: agreed prices per pack, at most one in force per
//!   (supplier, item, level) on a day, and the 集采 quantities used;
//! - `order`: purchase orders, `DRAFT → SUBMITTED → PARTIALLY_RECEIVED →
//!   RECEIVED → CLOSED`, or `CANCELLED`;
//! - `demand`: replenishment suggestions per institution and the centre's
//!   procurement plan, from the ledger's consumption (`pipeline`: what is on
//!   its way, filled in by distribution);
//! - `invoice`: supplier invoices and the three-way match; `payment`:
//!   payments and payables with their ageing; `member_account`: each
//!   member's account of what it was sent, at centre cost;
//! - `receipt`: receiving by scan or by hand: batch found or created, shelf
//!   life and cold chain checked, traceability codes recorded once.

mod agreement;
mod demand;
mod exports;
mod invoice;
pub mod member_account;
mod order;
mod payment;
mod pipeline;
mod receipt;
pub(crate) mod sheets;
mod supplier;

pub use agreement::{AgreementFilter, AgreementInput, AgreementView};
pub use demand::{
    Consumption, PlanLine, ProcurementPlan, ReplenishmentPolicy, Step, SuggestionLine, consumption,
};
pub use invoice::{
    Difference, DifferenceKind, InvoiceInput, InvoiceLineInput, InvoiceView, MatchTolerance,
};
pub use member_account::{Charge, Statement};
pub use order::{OrderFilter, OrderLineInput, OrderView, PurchaseOrderInput, transition_allowed};
pub use payment::{Payable, PaymentInput, PaymentView};
pub use receipt::{ReceiptLineView, ReceiveLine, ReceiveScan};
pub use supplier::SupplierInput;

pub(crate) use crate::text::{optional_text, required_text};

/// What goods must be like to be received.
#[derive(Debug, Clone, Copy)]
pub struct ReceivingPolicy {
    /// Remaining shelf life below which receipt needs a buyer's override.
    pub min_shelf_life_days: i64,
    /// The cold chain's range on arrival, in tenths of a degree Celsius,
    /// inclusive: outside it goods are received into quarantine.
    pub cold_chain_min_decicelsius: i32,
    pub cold_chain_max_decicelsius: i32,
}

impl Default for ReceivingPolicy {
    fn default() -> Self {
        ReceivingPolicy {
            // Six months.
            min_shelf_life_days: 183,
            cold_chain_min_decicelsius: 20,
            cold_chain_max_decicelsius: 80,
        }
    }
}

/// The most fen one price may be: ten million yuan a pack.
pub const MAX_PRICE_FEN: i64 = 1_000_000_000;
/// The most packs one line may order.
pub const MAX_PACKS: i64 = 1_000_000;

/// Fen as yuan for messages: `1234` → `12.34`.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let f = fen.unsigned_abs();
    format!("{sign}{}.{:02}", f / 100, f % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fen_print_as_yuan() {
        assert_eq!(yuan(0), "0.00");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(yuan(123_456), "1234.56");
        assert_eq!(yuan(-250), "-2.50");
    }
}
