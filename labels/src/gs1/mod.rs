//! GS1 element strings: what a GS1-128, GS1 DataMatrix, GS1 QR or GS1 DataBar
//! on a pack says (GTIN, lot, expiry, serial, counts), parsed from whatever a
//! keyboard-wedge scanner typed, and built back for printing.
//!
//! # Input accepted by [`parse`]
//! - An optional symbology identifier: `]C1`, `]d2`, `]Q3`, `]e0` (element
//!   string follows), `]E0`, `]E4` (a bare EAN/UPC, read as AI 01). Any
//!   other `]xx` is refused, since a non-GS1 symbol does not carry AIs.
//! - The separator as 0x1D, Tab, `<GS>` or `{GS}` in any letter case, Ctrl+]
//!   echoed as `^]`, or U+241D. A leading separator (FNC1 in first position)
//!   and a separator after a predefined-length field are ignored.
//!   `<GS>` is taken as a separator even though `<`, `G`, `S`, `>` are legal
//!   in a lot: scanners configured that way are far more common than such lots.
//! - CR, LF, BOM and NUL are dropped anywhere; spaces at either end trimmed.
//! - The bracketed form `(01)06901234567892(17)271231(10)A213B1(21)1234`,
//!   where `\(` may escape a literal `(` in a value.
//!
//! Two-digit years resolve to the century that puts them between 49 years
//! before and 50 years after `today` (GS1 General Specifications 7.12);
//! day `00` is the last day of that month.
//!
//! # Dropped-separator recovery
//! Some scanners drop the GS after a variable-length field, so
//! `01…10LOT17YYMMDD` arrives instead of `01…10LOT<GS>17YYMMDD`. The exact
//! rule:
//!
//! 1. Recovery is attempted only when the data (after any leading FNC1)
//!    contains no separator at all (a scanner that sends one sends all),
//!    only in [`parse`] (never for the bracketed form or the builder), and
//!    only for a lot (10) or serial (21) field. Such a field then runs to
//!    the end of the data; call that text `T`.
//! 2. A *split* is a position `p ≥ 1` in `T` such that `T[..p]` is a valid
//!    value for the field (1–20 characters of character set 82) and `T[p..]`
//!    parses completely as further elements, with no recovery of its own and
//!    no AI that has already appeared, where `T[p..]` starts with
//!      - `17` (expiry), or
//!      - the other variable pharma AI (`21` after a lot, `10` after a
//!        serial), but only when `T` as a whole is *not* a valid value (it is
//!        longer than 20 characters): a lot or serial may well contain the
//!        digits `21` or `10`, so those are only split off when the field
//!        cannot possibly hold all of `T`.
//! 3. No split: `T` is the value (or its error, e.g. `TooLong`). Exactly one
//!    split: it is taken and [`ElementString::recovered_missing_separator`]
//!    is set so the UI can warn. Two or more: [`Gs1Error::Ambiguous`]; the
//!    parser does not guess.
//!
//! So `0106901234567892` `10A213B1` `17271231` is recovered (lot `A213B1`,
//! expiry 2027-12-31), `…17271231` `10A213B1` needs nothing, and a lot
//! ending in `17` plus a valid date is kept whole when an expiry was already
//! given earlier.

mod ai;
mod ai_table;
#[cfg(test)]
mod ai_table_gen;
mod builder;
mod date;
mod element_string;
mod error;
mod input;
mod iso;
mod lint;
mod parser;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_all_ais;

use chrono::NaiveDate;

pub use ai::Ai;
pub use builder::{ElementStringBuilder, build};
pub use element_string::ElementString;
pub use error::Gs1Error;
pub use input::Symbology;

pub(crate) use input::{GS, clean};

/// Parses one scan into an element string. `today` drives the two-digit-year
/// century rule; pass the business date, never read the clock here.
pub fn parse(raw: &str, today: NaiveDate) -> Result<ElementString, Gs1Error> {
    let cleaned = input::clean(raw);
    parse_cleaned(&cleaned, today)
}

/// [`parse`] for input already passed through [`clean`].
pub(crate) fn parse_cleaned(cleaned: &str, today: NaiveDate) -> Result<ElementString, Gs1Error> {
    let (symbology, body) = input::split_symbology(cleaned)?;
    match symbology {
        Some(s @ (Symbology::Ean13 | Symbology::Ean8)) => parser::parse_retail(body, s),
        _ => {
            let trimmed = body.trim_start_matches(char::from(GS));
            if trimmed.is_empty() {
                Err(Gs1Error::Empty)
            } else if trimmed.starts_with('(') {
                parser::parse_bracketed(trimmed, symbology, today)
            } else {
                parser::parse_raw(body, symbology, today, true)
            }
        }
    }
}
