//! Distribution's GraphQL: requisitions, allocation, delivery runs,
//! shipments and their receipt by scan, returns and transfers.

pub mod mutation;
pub mod query;
pub mod types;
