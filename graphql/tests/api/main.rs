//! yaolian over HTTP, as clients use it. One binary, so the suite links once.

mod common;

mod accounts;
mod auth;
mod availability;
mod barcode;
mod catalogue;
mod cli;
mod concurrency;
mod directory;
mod distribution;
mod distribution_files;
mod excel;
mod observe;
mod procurement;
mod requests;
mod schema;
mod security;
mod stock;
mod tenancy;
mod web;
