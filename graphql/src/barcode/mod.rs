//! Scans and labels.

pub mod files;
pub mod query;
pub mod types;
