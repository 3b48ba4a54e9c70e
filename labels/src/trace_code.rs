//! Chinese drug traceability codes (药品追溯码).
//!
//! Twenty digits; the first seven identify the product and package level.
//! The check-digit algorithm is not public in a citable form, so no check
//! digit is verified: what protects against misuse is that each code is
//! dispensed once, which the ledger enforces, not this crate.

use std::fmt;

/// Length of a traceability code.
pub const LEN: usize = 20;
/// Length of the product + package-level prefix.
pub const PREFIX_LEN: usize = 7;

/// A syntactically valid traceability code. Stored inline: no allocation.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TraceCode([u8; LEN]);

/// Why a string is not a traceability code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TraceCodeError {
    #[error("the traceability code is empty")]
    Empty,
    #[error("a traceability code has exactly 20 digits, found {found} characters")]
    WrongLength { found: usize },
    #[error("a traceability code has only digits, found {ch:?} at position {offset}")]
    NonDigit { ch: char, offset: usize },
}

impl TraceCodeError {
    pub fn code(&self) -> &'static str {
        match self {
            TraceCodeError::Empty => "trace_code.empty",
            TraceCodeError::WrongLength { .. } => "trace_code.wrong_length",
            TraceCodeError::NonDigit { .. } => "trace_code.non_digit",
        }
    }
}

/// Something worth showing the user that does not make the code unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceCodeWarning {
    /// The main national platform's codes start with `8`; verification
    /// services skip others, but other issuers exist, so this is not fatal.
    NotMainPlatform,
}

impl TraceCodeWarning {
    pub fn code(self) -> &'static str {
        match self {
            TraceCodeWarning::NotMainPlatform => "trace_code.not_main_platform",
        }
    }
    pub fn message(self) -> &'static str {
        match self {
            TraceCodeWarning::NotMainPlatform => {
                "code does not start with 8: not issued by the main traceability platform, \
                 so it cannot be verified there"
            }
        }
    }
}

impl TraceCode {
    /// Accepts exactly 20 ASCII digits (surrounding whitespace trimmed).
    pub fn parse(s: &str) -> Result<TraceCode, TraceCodeError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(TraceCodeError::Empty);
        }
        if let Some((offset, ch)) = s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(TraceCodeError::NonDigit { ch, offset });
        }
        let digits: [u8; LEN] = s
            .as_bytes()
            .try_into()
            .map_err(|_| TraceCodeError::WrongLength { found: s.len() })?;
        Ok(TraceCode(digits))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The first seven digits: product and package level, matched against
    /// the catalogue.
    pub fn prefix(&self) -> &str {
        self.as_str().get(..PREFIX_LEN).unwrap_or_default()
    }

    pub fn warnings(&self) -> Vec<TraceCodeWarning> {
        let mut w = Vec::new();
        if self.0.first() != Some(&b'8') {
            w.push(TraceCodeWarning::NotMainPlatform);
        }
        w
    }
}

impl fmt::Display for TraceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for TraceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TraceCode({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_splits_prefix() {
        let c = TraceCode::parse(" 81234567890123456789\n");
        assert_eq!(c.map(|c| c.prefix().to_owned()).as_deref(), Ok("8123456"));
        let c = TraceCode::parse("81234567890123456789").ok();
        assert_eq!(
            c.map(|c| c.to_string()).as_deref(),
            Some("81234567890123456789")
        );
        assert_eq!(c.map(|c| c.warnings()), Some(vec![]));
    }

    #[test]
    fn warns_when_not_main_platform() {
        let c = TraceCode::parse("61234567890123456789");
        assert_eq!(
            c.map(|c| c.warnings()),
            Ok(vec![TraceCodeWarning::NotMainPlatform])
        );
    }

    #[test]
    fn no_check_digit_is_enforced() {
        // Any last digit is accepted.
        for last in 0..=9 {
            assert!(TraceCode::parse(&format!("8123456789012345678{last}")).is_ok());
        }
    }

    #[test]
    fn rejects_with_codes() {
        assert_eq!(TraceCode::parse(""), Err(TraceCodeError::Empty));
        assert_eq!(
            TraceCode::parse("8123456789012345678"),
            Err(TraceCodeError::WrongLength { found: 19 })
        );
        assert_eq!(
            TraceCode::parse("812345678901234567890"),
            Err(TraceCodeError::WrongLength { found: 21 })
        );
        let e = TraceCode::parse("81234567890123456X89");
        assert_eq!(
            e,
            Err(TraceCodeError::NonDigit {
                ch: 'X',
                offset: 17
            })
        );
        assert_eq!(e.map_err(|e| e.code()), Err("trace_code.non_digit"));
        assert_eq!(
            TraceCode::parse("8123456789012345678９").map_err(|e| e.code()),
            Err("trace_code.non_digit")
        );
    }
}
