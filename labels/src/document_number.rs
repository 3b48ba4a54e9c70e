//! yaolian's own document numbers (`PO-2026-000123`, `SH-2026-000045`, …)
//! and location codes (`LOC-A-01-03`), as printed on paper and labels.

use std::fmt;
use std::str::FromStr;

/// `PREFIX-YYYY-NNNNNN`: a 2–4 letter document kind, the year, and a
/// six-digit sequence. Copy and allocation-free.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentNumber {
    prefix: [u8; 4],
    prefix_len: u8,
    year: u16,
    sequence: u32,
}

/// Known prefixes, for documentation; any 2–4 uppercase letters parse.
pub mod kind {
    pub const PURCHASE_ORDER: &str = "PO";
    pub const GOODS_RECEIPT: &str = "GR";
    pub const SHIPMENT: &str = "SH";
    pub const REQUISITION: &str = "RQ";
    pub const PRESCRIPTION: &str = "RX";
    pub const DELIVERY_RUN: &str = "DR";
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentNumberError {
    #[error("a document number looks like SH-2026-000123 (PREFIX-YYYY-NNNNNN), got {0:?}")]
    Malformed(String),
    #[error("document prefix must be 2-4 letters A-Z, got {0:?}")]
    BadPrefix(String),
    #[error("document year must be 2000-2999, got {0}")]
    BadYear(u32),
    #[error("document sequence must be 1-999999, got {0}")]
    BadSequence(u32),
}

impl DocumentNumberError {
    pub fn code(&self) -> &'static str {
        match self {
            DocumentNumberError::Malformed(_) => "document_number.malformed",
            DocumentNumberError::BadPrefix(_) => "document_number.bad_prefix",
            DocumentNumberError::BadYear(_) => "document_number.bad_year",
            DocumentNumberError::BadSequence(_) => "document_number.bad_sequence",
        }
    }
}

impl DocumentNumber {
    /// Builds a number from its parts, e.g. `("SH", 2026, 123)`.
    pub fn new(prefix: &str, year: u32, sequence: u32) -> Result<Self, DocumentNumberError> {
        let p = prefix.as_bytes();
        if !(2..=4).contains(&p.len()) || !p.iter().all(u8::is_ascii_uppercase) {
            return Err(DocumentNumberError::BadPrefix(prefix.to_owned()));
        }
        if !(2000..=2999).contains(&year) {
            return Err(DocumentNumberError::BadYear(year));
        }
        if !(1..=999_999).contains(&sequence) {
            return Err(DocumentNumberError::BadSequence(sequence));
        }
        let mut buf = [0u8; 4];
        for (dst, src) in buf.iter_mut().zip(p) {
            *dst = *src;
        }
        Ok(DocumentNumber {
            prefix: buf,
            prefix_len: p.len() as u8,
            year: year as u16,
            sequence,
        })
    }

    /// Parses `PREFIX-YYYY-NNNNNN`; lower-case letters are accepted because
    /// hand-typed numbers arrive that way.
    pub fn parse(s: &str) -> Result<Self, DocumentNumberError> {
        let s = s.trim();
        let malformed = || DocumentNumberError::Malformed(s.to_owned());
        let mut parts = s.split('-');
        let (Some(prefix), Some(year), Some(seq), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed());
        };
        let all_digits = |t: &str, n: usize| t.len() == n && t.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(year, 4) || !all_digits(seq, 6) {
            return Err(malformed());
        }
        let year: u32 = year.parse().map_err(|_| malformed())?;
        let seq: u32 = seq.parse().map_err(|_| malformed())?;
        Self::new(&prefix.to_ascii_uppercase(), year, seq)
    }

    pub fn prefix(&self) -> &str {
        let p = self
            .prefix
            .get(..usize::from(self.prefix_len))
            .unwrap_or_default();
        std::str::from_utf8(p).unwrap_or_default()
    }
    pub fn year(&self) -> u32 {
        u32::from(self.year)
    }
    pub fn sequence(&self) -> u32 {
        self.sequence
    }
    pub fn is_shipment(&self) -> bool {
        self.prefix() == kind::SHIPMENT
    }
}

impl fmt::Display for DocumentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:04}-{:06}", self.prefix(), self.year, self.sequence)
    }
}

impl fmt::Debug for DocumentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocumentNumber({self})")
    }
}

impl FromStr for DocumentNumber {
    type Err = DocumentNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A storage location code: `LOC-` then 1–32 of `A-Z 0-9 -`, upper-cased.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct LocationCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a location code is LOC- followed by 1-32 of A-Z, 0-9 and -, got {0:?}")]
pub struct LocationCodeError(pub String);

impl LocationCodeError {
    pub fn code(&self) -> &'static str {
        "location.malformed"
    }
}

impl LocationCode {
    pub const PREFIX: &'static str = "LOC-";

    pub fn parse(s: &str) -> Result<Self, LocationCodeError> {
        let up = s.trim().to_ascii_uppercase();
        let body = up.strip_prefix(Self::PREFIX).unwrap_or_default();
        let ok = (1..=32).contains(&body.len())
            && body
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(LocationCode(up))
        } else {
            Err(LocationCodeError(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LocationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_numbers_round_trip() {
        let n = DocumentNumber::parse("sh-2026-000123").ok();
        assert_eq!(n.map(|n| n.to_string()).as_deref(), Some("SH-2026-000123"));
        assert_eq!(n.map(|n| n.is_shipment()), Some(true));
        assert_eq!(n.map(|n| (n.year(), n.sequence())), Some((2026, 123)));
        let po = DocumentNumber::new(kind::PURCHASE_ORDER, 2026, 7).ok();
        assert_eq!(po.map(|n| n.to_string()).as_deref(), Some("PO-2026-000007"));
        assert_eq!(DocumentNumber::parse("PO-2026-000007").ok(), po);
        assert_eq!(po.map(|n| n.prefix().to_owned()).as_deref(), Some("PO"));
    }

    #[test]
    fn document_number_errors() {
        let code = |s: &str| DocumentNumber::parse(s).map_err(|e| e.code());
        assert_eq!(code("SH-2026-00012"), Err("document_number.malformed"));
        assert_eq!(code("SH-2026-000123-1"), Err("document_number.malformed"));
        assert_eq!(code("SH2026000123"), Err("document_number.malformed"));
        assert_eq!(code("S-2026-000123"), Err("document_number.bad_prefix"));
        assert_eq!(code("S1-2026-000123"), Err("document_number.bad_prefix"));
        assert_eq!(code("SH-1999-000123"), Err("document_number.bad_year"));
        assert_eq!(code("SH-2026-000000"), Err("document_number.bad_sequence"));
        assert_eq!(
            DocumentNumber::new("SH", 2026, 1_000_000),
            Err(DocumentNumberError::BadSequence(1_000_000))
        );
    }

    #[test]
    fn location_codes() {
        assert_eq!(
            LocationCode::parse("loc-a-01-03").map(|l| l.to_string()),
            Ok("LOC-A-01-03".to_owned())
        );
        assert!(LocationCode::parse("LOC-").is_err());
        assert!(LocationCode::parse("LOC-A_1").is_err());
        assert!(LocationCode::parse(&format!("LOC-{}", "A".repeat(33))).is_err());
        assert!(LocationCode::parse(&format!("LOC-{}", "A".repeat(32))).is_ok());
        assert_eq!(
            LocationCode::parse("LOC-冷库").map_err(|e| e.code()),
            Err("location.malformed")
        );
    }
}
