//! Institutions, users, signing in and out.

pub mod mutation;
pub mod query;
pub mod types;
