//! One entry point for everything a scanner can type into the app.
//!
//! # Classification rules, in order
//! 1. Input over [`MAX_SCAN_LEN`] bytes is refused before any work.
//!    Full-width ASCII (from a Chinese IME left in full-width mode) is
//!    folded to ASCII; CR/LF/BOM/NUL are dropped and separator spellings
//!    unified as in [`crate::gs1`].
//! 2. A GS1 symbology identifier (`]C1`, `]d2`, `]Q3`, `]e0`) means a GS1
//!    element string, whatever follows. `]E0` / `]E4` mean a retail code
//!    (EAN-13 or UPC-A / EAN-8). Any other identifier (`]C0`, `]d1`, `]A0`…)
//!    is dropped and the rest classified as plain text, never as GS1.
//! 3. Data opening with `(` or with a GS (FNC1) is GS1.
//! 4. `LOC-…` is a location code; `XX-YYYY-NNNNNN` a document number
//!    (`SH` → [`Scan::Shipment`], other prefixes → [`Scan::Document`]).
//! 5. All digits:
//!    - exactly 20 → traceability code. **A bare 20-digit string with no
//!      symbology identifier is always a traceability code**, even when it
//!      would also parse as GS1 (`01` + GTIN + `30` + 2 digits, or `00` +
//!      SSCC): Chinese pack scanners emit trace codes that way, while GS1
//!      symbols scanned with identifiers enabled carry `]C1`/`]d2`.
//!    - 8 → EAN-8; 12 → UPC-A; 13 → EAN-13 (a leading `0` makes it a UPC-A);
//!      14 → GTIN-14 (this includes 本位码-looking `86…` strings: they must
//!      pass the GTIN check digit). A wrong check digit is an error.
//!    - 16 or more starting `00`, `01`, `02` → GS1 element string
//!      (e.g. `0106901234567892172712311026A`).
//!    - any other length (16–19 without an AI, 21+) → error: not silently a
//!      trace code.
//! 6. Other text starting with `00`/`01`/`02`, or containing a separator,
//!    is parsed as GS1; anything else is [`ScanError::Unrecognised`].

use std::borrow::Cow;

use chrono::NaiveDate;

use crate::document_number::{
    DocumentNumber, DocumentNumberError, LocationCode, LocationCodeError,
};
use crate::gs1::{self, ElementString, GS, Gs1Error, Symbology};
use crate::gtin;
use crate::trace_code::{self, TraceCode};

/// Longest input accepted, in bytes. Real scans are under 100; the cap keeps
/// a stuck key or a pasted document from costing anything.
pub const MAX_SCAN_LEN: usize = 512;

/// What a scan turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scan {
    Gs1(ElementString),
    TraceCode(TraceCode),
    Ean13(RetailCode),
    Ean8(RetailCode),
    UpcA(RetailCode),
    Gtin14(RetailCode),
    Shipment(DocumentNumber),
    Document(DocumentNumber),
    Location(LocationCode),
}

impl Scan {
    /// The product GTIN-14 the scan names, if any (GS1 (01) or a retail code).
    pub fn gtin14(&self) -> Option<&str> {
        match self {
            Scan::Gs1(es) => es.gtin(),
            Scan::Ean13(r) | Scan::Ean8(r) | Scan::UpcA(r) | Scan::Gtin14(r) => Some(r.gtin14()),
            _ => None,
        }
    }
}

/// A retail product code (EAN/UPC/GTIN-14) with a verified check digit.
/// It names a product, not a pack.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RetailCode {
    gtin14: [u8; 14],
    len: u8,
}

impl RetailCode {
    fn new(digits: &str) -> Option<RetailCode> {
        let padded = gtin::normalize_to_gtin14(digits)?;
        Some(RetailCode {
            gtin14: padded.as_bytes().try_into().ok()?,
            len: u8::try_from(digits.len()).ok()?,
        })
    }

    /// The digits as printed (8, 12, 13 or 14).
    pub fn as_str(&self) -> &str {
        let start = 14usize.saturating_sub(usize::from(self.len));
        std::str::from_utf8(self.gtin14.get(start..).unwrap_or_default()).unwrap_or_default()
    }

    /// Zero-padded to 14 digits, the catalogue's key.
    pub fn gtin14(&self) -> &str {
        std::str::from_utf8(&self.gtin14).unwrap_or_default()
    }

    /// An EAN-13 under GS1 China's prefixes 690–699.
    pub fn is_chinese_product(&self) -> bool {
        self.len == 13 && self.as_str().starts_with("69")
    }
}

impl std::fmt::Debug for RetailCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RetailCode({})", self.as_str())
    }
}

/// Why a scan could not be used. Each has a distinct [`ScanError::code`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    #[error("the scan is empty")]
    Empty,
    #[error("the scan is {len} bytes long; at most {max} are accepted")]
    TooLong { len: usize, max: usize },
    #[error("{len} digits is neither a 20-digit traceability code nor a GTIN-8/12/13/14")]
    UnrecognisedDigits { len: usize },
    #[error("{kind} {value} has a wrong check digit")]
    BadCheckDigit { kind: &'static str, value: String },
    #[error("not a barcode this system knows: {sample:?}")]
    Unrecognised { sample: String },
    #[error(transparent)]
    Gs1(#[from] Gs1Error),
    #[error(transparent)]
    Document(#[from] DocumentNumberError),
    #[error(transparent)]
    Location(#[from] LocationCodeError),
}

impl ScanError {
    pub fn code(&self) -> &'static str {
        match self {
            ScanError::Empty => "scan.empty",
            ScanError::TooLong { .. } => "scan.too_long",
            ScanError::UnrecognisedDigits { .. } => "scan.unrecognised_digits",
            ScanError::BadCheckDigit { .. } => "scan.bad_check_digit",
            ScanError::Unrecognised { .. } => "scan.unrecognised",
            ScanError::Gs1(e) => e.code(),
            ScanError::Document(e) => e.code(),
            ScanError::Location(e) => e.code(),
        }
    }
}

/// Classifies one scan; see the module docs for the rules.
pub fn classify(raw: &str, today: NaiveDate) -> Result<Scan, ScanError> {
    if raw.len() > MAX_SCAN_LEN {
        return Err(ScanError::TooLong {
            len: raw.len(),
            max: MAX_SCAN_LEN,
        });
    }
    let folded = fold_full_width(raw);
    let cleaned = gs1::clean(&folded);
    if cleaned.bytes().all(|b| b == GS || b == b' ') {
        return Err(ScanError::Empty);
    }
    if let Some(rest) = cleaned.strip_prefix(']') {
        let id = rest.get(..2).unwrap_or_default();
        return match Symbology::from_id(id) {
            Some(Symbology::Ean13) => retail(rest.get(2..).unwrap_or_default(), &[12, 13]),
            Some(Symbology::Ean8) => retail(rest.get(2..).unwrap_or_default(), &[8]),
            Some(_) => Ok(Scan::Gs1(gs1::parse_cleaned(&cleaned, today)?)),
            None if id.len() == 2 => plain(rest.get(2..).unwrap_or_default(), today, false),
            None => Err(unrecognised(&cleaned)),
        };
    }
    plain(&cleaned, today, true)
}

fn plain(s: &str, today: NaiveDate, allow_gs1: bool) -> Result<Scan, ScanError> {
    let s = s.trim_matches(' ');
    if s.is_empty() {
        return Err(ScanError::Empty);
    }
    let b = s.as_bytes();
    let gs1 = |s: &str| -> Result<Scan, ScanError> { Ok(Scan::Gs1(gs1::parse_cleaned(s, today)?)) };
    if allow_gs1 && matches!(b.first(), Some(&b'(') | Some(&GS)) {
        return gs1(s);
    }
    if b.len() >= 4 && b.get(..4).is_some_and(|p| p.eq_ignore_ascii_case(b"LOC-")) {
        return Ok(Scan::Location(LocationCode::parse(s)?));
    }
    if looks_like_document(b) {
        let n = DocumentNumber::parse(s)?;
        return Ok(if n.is_shipment() {
            Scan::Shipment(n)
        } else {
            Scan::Document(n)
        });
    }
    let ai_start = matches!(b, [b'0', b'0' | b'1' | b'2', ..]);
    if b.iter().all(u8::is_ascii_digit) {
        return match b.len() {
            trace_code::LEN => TraceCode::parse(s)
                .map(Scan::TraceCode)
                .map_err(|_| unrecognised(s)),
            8 | 12 | 13 | 14 => retail(s, &[8, 12, 13, 14]),
            n if allow_gs1 && n >= 16 && ai_start => gs1(s),
            len => Err(ScanError::UnrecognisedDigits { len }),
        };
    }
    if allow_gs1 && (ai_start || (b.first().is_some_and(u8::is_ascii_digit) && b.contains(&GS))) {
        return gs1(s);
    }
    Err(unrecognised(s))
}

/// Two to four letters, a dash, then a digit: someone meant a document number,
/// so a malformed one gets the document error rather than "unrecognised".
fn looks_like_document(b: &[u8]) -> bool {
    let letters = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    (2..=4).contains(&letters)
        && b.get(letters) == Some(&b'-')
        && b.get(letters + 1).is_some_and(u8::is_ascii_digit)
}

fn retail(digits: &str, lengths: &[usize]) -> Result<Scan, ScanError> {
    let digits = digits.trim_matches(char::from(GS));
    if !lengths.contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(if digits.is_empty() {
            ScanError::Empty
        } else {
            ScanError::UnrecognisedDigits { len: digits.len() }
        });
    }
    // A 13-digit code with a leading zero is a UPC-A in EAN-13 clothing.
    let digits = match digits.strip_prefix('0') {
        Some(upc) if digits.len() == 13 => upc,
        _ => digits,
    };
    let kind = match digits.len() {
        8 => "EAN-8",
        12 => "UPC-A",
        13 => "EAN-13",
        _ => "GTIN-14",
    };
    let code = RetailCode::new(digits).ok_or_else(|| ScanError::BadCheckDigit {
        kind,
        value: digits.to_owned(),
    })?;
    Ok(match digits.len() {
        8 => Scan::Ean8(code),
        12 => Scan::UpcA(code),
        13 => Scan::Ean13(code),
        _ => Scan::Gtin14(code),
    })
}

fn unrecognised(s: &str) -> ScanError {
    ScanError::Unrecognised {
        sample: s.chars().take(40).collect(),
    }
}

/// Folds full-width ASCII (U+FF01–U+FF5E) and the ideographic space.
fn fold_full_width(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\u{FF01}'..='\u{FF5E}' => {
                    char::from_u32(u32::from(c) - 0xFF01 + 0x21).unwrap_or(c)
                }
                '\u{3000}' => ' ',
                _ => c,
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default()
    }

    fn code_of(raw: &str) -> &'static str {
        match classify(raw, today()) {
            Ok(s) => panic!("{raw:?} classified as {s:?}"),
            Err(e) => e.code(),
        }
    }

    fn kind(raw: &str) -> String {
        match classify(raw, today()) {
            Ok(Scan::Gs1(es)) => format!("gs1 {}", es.human_readable()),
            Ok(Scan::TraceCode(t)) => format!("trace {t}"),
            Ok(Scan::Ean13(r)) => format!("ean13 {}", r.as_str()),
            Ok(Scan::Ean8(r)) => format!("ean8 {}", r.as_str()),
            Ok(Scan::UpcA(r)) => format!("upca {}", r.as_str()),
            Ok(Scan::Gtin14(r)) => format!("gtin14 {}", r.as_str()),
            Ok(Scan::Shipment(n)) => format!("shipment {n}"),
            Ok(Scan::Document(n)) => format!("document {n}"),
            Ok(Scan::Location(l)) => format!("location {l}"),
            Err(e) => format!("error {}", e.code()),
        }
    }

    #[test]
    fn classifies_each_kind() {
        assert_eq!(
            kind("]C101069012345678921727123110A213B1"),
            "gs1 (01)06901234567892(17)271231(10)A213B1"
        );
        assert_eq!(kind("(01)06901234567892"), "gs1 (01)06901234567892");
        assert_eq!(
            kind("01069012345678921727123110A213B1"),
            "gs1 (01)06901234567892(17)271231(10)A213B1"
        );
        assert_eq!(kind("0106901234567892"), "gs1 (01)06901234567892");
        assert_eq!(kind("81234567890123456789"), "trace 81234567890123456789");
        assert_eq!(kind("6901234567892"), "ean13 6901234567892");
        assert_eq!(kind("]E06901234567892"), "ean13 6901234567892");
        assert_eq!(kind("]E00012345678905"), "upca 012345678905");
        assert_eq!(kind("012345678905"), "upca 012345678905");
        assert_eq!(kind("02345680"), "ean8 02345680");
        assert_eq!(kind("]E402345680"), "ean8 02345680");
        assert_eq!(kind("24012345678905"), "gtin14 24012345678905");
        assert_eq!(kind("SH-2026-000123"), "shipment SH-2026-000123");
        assert_eq!(kind("po-2026-000007\r\n"), "document PO-2026-000007");
        assert_eq!(kind("loc-a-01-03"), "location LOC-A-01-03");
        assert_eq!(kind("]C0SH-2026-000123"), "shipment SH-2026-000123");
        assert_eq!(
            kind("８１２３４５６７８９０１２３４５６７８９"),
            "trace 81234567890123456789"
        );
    }

    #[test]
    fn chinese_products_are_flagged() {
        let Ok(Scan::Ean13(r)) = classify("6901234567892", today()) else {
            panic!("not an EAN-13");
        };
        assert!(r.is_chinese_product());
        assert_eq!(r.gtin14(), "06901234567892");
        let Ok(Scan::Ean13(r)) = classify("9501101530003", today()) else {
            panic!("not an EAN-13");
        };
        assert!(!r.is_chinese_product());
        assert_eq!(
            classify("]E09501101530003", today())
                .ok()
                .as_ref()
                .and_then(Scan::gtin14),
            Some("09501101530003")
        );
    }

    #[test]
    fn bare_20_digits_are_trace_codes_even_if_gs1_shaped() {
        // 01 + GTIN + 30 + 2 digits is also a valid element string.
        assert_eq!(kind("01069012345678923012"), "trace 01069012345678923012");
        assert_eq!(
            kind("]C101069012345678923012"),
            "gs1 (01)06901234567892(30)12"
        );
        // Trace code printed as plain Code 128 with AIM identifier on.
        assert_eq!(
            kind("]C081234567890123456789"),
            "trace 81234567890123456789"
        );
    }

    #[test]
    fn near_miss_digit_strings_are_not_trace_codes() {
        assert_eq!(code_of("8123456789012345678"), "scan.unrecognised_digits"); // 19
        assert_eq!(code_of("812345678901234567"), "scan.unrecognised_digits"); // 18
        assert_eq!(code_of("8123456789012345"), "scan.unrecognised_digits"); // 16
        assert_eq!(code_of("812345678901234567890"), "scan.unrecognised_digits"); // 21
        // 18 digits starting 01: a truncated GS1 string, said so.
        assert_eq!(code_of("010690123456789217"), "gs1.truncated");
    }

    #[test]
    fn distinct_errors() {
        assert_eq!(code_of(""), "scan.empty");
        assert_eq!(code_of(" \r\n"), "scan.empty");
        assert_eq!(code_of("<GS>"), "scan.empty");
        assert_eq!(code_of(&"1".repeat(513)), "scan.too_long");
        assert_eq!(code_of("hello world"), "scan.unrecognised");
        assert_eq!(code_of("]"), "scan.unrecognised");
        assert_eq!(code_of("6901234567893"), "scan.bad_check_digit");
        assert_eq!(code_of("]E06901234567893"), "scan.bad_check_digit");
        assert_eq!(code_of("]E069012345678"), "scan.unrecognised_digits");
        assert_eq!(code_of("0106901234567893"), "gs1.bad_check_digit");
        assert_eq!(code_of("]d2"), "gs1.empty");
        assert_eq!(code_of("]C101069012345678"), "gs1.truncated");
        assert_eq!(code_of("SH-2026-12"), "document_number.malformed");
        assert_eq!(code_of("LOC-A_1"), "location.malformed");
        assert_eq!(
            classify(&"1".repeat(600), today()),
            Err(ScanError::TooLong { len: 600, max: 512 })
        );
        assert_eq!(
            classify("8123456789012345678", today()).map_err(|e| e.to_string()),
            Err("19 digits is neither a 20-digit traceability code nor a GTIN-8/12/13/14".into())
        );
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,600}") {
            let _ = classify(&s, today());
        }

        #[test]
        fn any_20_digits_is_a_trace_code(s in "[0-9]{20}") {
            let got = classify(&s, today());
            prop_assert!(matches!(got, Ok(Scan::TraceCode(t)) if t.as_str() == s));
        }
    }
}
