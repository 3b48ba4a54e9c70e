//! yaolian's API: the GraphQL schema over the backend services, the axum
//! router, and the `yaolian` binary.

pub mod auth;
pub mod barcode;
pub mod catalogue;
pub mod config;
mod context;
pub mod directory;
pub mod distribution;
mod download;
pub mod error;
pub mod extensions;
pub mod http;
pub mod limits;
pub mod loaders;
pub mod observe;
pub mod procurement;
pub mod schema;
pub mod session;
pub mod stock;
pub mod web;

pub use http::{metrics_router, router, router_with, service};
