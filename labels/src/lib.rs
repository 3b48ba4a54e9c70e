//! Barcodes and codes on drug packs, for the yaolian medical-community
//! supply chain: parsing what scanners send, and drawing labels.
//!
//! Pure functions only: no database, no clock, no IO. Anything that
//! depends on the date (two-digit years) takes `today` as an argument.
//!
//! # Modules
//! - [`scan`]: `classify(raw, today) -> Result<Scan, ScanError>`, the single
//!   entry for every scanner input (GS1, traceability code, EAN/UPC,
//!   shipment and other document numbers, location codes).
//! - [`gs1`]: element strings: `parse(raw, today)`, [`gs1::ElementString`]
//!   with typed accessors, [`gs1::ElementStringBuilder`] / [`gs1::build`],
//!   and the dropped-separator recovery rule.
//! - [`gtin`]: check digits, validation, GTIN-14 normalisation.
//! - [`trace_code`]: the 20-digit Chinese drug traceability code (药品追溯码).
//! - [`nhsa`]: NHSA drug and consumable codes (医保编码).
//! - [`uscc`]: the unified social credit code of suppliers (统一社会信用代码).
//! - [`document_number`]: `PREFIX-YYYY-NNNNNN` document numbers and
//!   `LOC-…` location codes.
//! - [`render`]: GS1-128 / Code 128 as SVG and PNG, GS1 DataMatrix as SVG.
//!
//! Every error type has a `code()` giving a short stable machine code
//! (`gs1.bad_check_digit`, `scan.too_long`, …) next to its English message.

pub mod document_number;
pub mod gs1;
pub mod gtin;
pub mod nhsa;
pub mod render;
pub mod scan;
pub mod trace_code;
pub mod uscc;

pub use gs1::{ElementString, Gs1Error};
pub use scan::{Scan, ScanError, classify};
