//! The unified catalogue.

pub mod files;
pub mod mutation;
pub mod query;
pub mod types;
