//! Distribution's GraphQL: requisitions, allocation, delivery runs,
//! shipments and their receipt by scan, returns and transfers; and its
//! downloads (pick lists, delivery notes, shipment labels).

pub mod files;
pub mod mutation;
pub mod query;
pub mod types;
