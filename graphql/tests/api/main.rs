//! yaolian over HTTP, as clients use it. One binary, so the suite links once.

mod common;

mod auth;
mod barcode;
mod catalogue;
mod cli;
mod concurrency;
mod directory;
mod excel;
mod observe;
mod requests;
mod schema;
mod security;
mod stock;
mod tenancy;
