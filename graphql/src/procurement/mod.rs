//! Procurement: suppliers, price agreements, purchase orders and goods
//! receipt at the centre.

pub mod files;
pub mod mutation;
pub mod query;
pub mod types;
