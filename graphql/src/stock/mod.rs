//! Stock: balances, stock cards, adjustments.

pub mod mutation;
pub mod query;
pub mod types;
