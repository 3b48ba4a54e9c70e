//! The unified social credit code (统一社会信用代码, GB 32100-2015): the
//! 18-character identifier of every Chinese organisation, printed on a
//! supplier's business and drug-distribution licences.
//!
//! Layout: registration authority (1 character), organisation type (1),
//! administrative division (6 digits), organisation code (9 characters, the
//! last its own check character under GB 11714), and a check character over
//! the first 17. The alphabet is the digits and the capital letters without
//! I, O, Z, S and V (they read like 1, 0, 2, 5 and U); each character's
//! value is its position in that alphabet.

use std::fmt;

/// The 31 characters a code is written in, in value order.
pub const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights of the first 17 characters: 3^i mod 31.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A code whose characters and check character are right.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Uscc([u8; 18]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    #[error("a unified social credit code has 18 characters, got {0}")]
    Length(usize),
    #[error("character {position} ({found:?}) is not used in unified social credit codes")]
    BadCharacter { position: usize, found: char },
    #[error("the administrative division (characters 3-8) must be digits, got {0:?}")]
    BadDivision(String),
    #[error("the check character should be {expected}, got {found}")]
    BadCheck { expected: char, found: char },
}

impl UsccError {
    pub fn code(&self) -> &'static str {
        match self {
            UsccError::Length(_) => "uscc.length",
            UsccError::BadCharacter { .. } => "uscc.bad_character",
            UsccError::BadDivision(_) => "uscc.bad_division",
            UsccError::BadCheck { .. } => "uscc.bad_check",
        }
    }
}

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|v| v as u32)
}

/// The check character of the first 17 characters (which must be in the
/// alphabet).
pub fn check_character(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first17.iter().zip(WEIGHTS) {
        sum += value(*c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(ALPHABET[check as usize])
}

impl Uscc {
    /// Parses a code as typed: surrounding spaces are ignored and lower-case
    /// letters accepted, since codes are copied by hand from licences.
    pub fn parse(raw: &str) -> Result<Uscc, UsccError> {
        let s = raw.trim();
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != 18 {
            return Err(UsccError::Length(chars.len()));
        }
        let mut out = [0u8; 18];
        for (i, c) in chars.iter().enumerate() {
            let up = c.to_ascii_uppercase();
            if !up.is_ascii() || value(up as u8).is_none() {
                return Err(UsccError::BadCharacter {
                    position: i + 1,
                    found: *c,
                });
            }
            out[i] = up as u8;
        }
        if !out[2..8].iter().all(u8::is_ascii_digit) {
            return Err(UsccError::BadDivision(
                String::from_utf8_lossy(&out[2..8]).into_owned(),
            ));
        }
        let expected = check_character(&out[..17]).ok_or(UsccError::Length(18))?;
        if expected != out[17] {
            return Err(UsccError::BadCheck {
                expected: expected as char,
                found: out[17] as char,
            });
        }
        Ok(Uscc(out))
    }

    pub fn as_str(&self) -> &str {
        // Only alphabet bytes are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uscc({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn published_codes_check() {
        // Codes printed on public business licences.
        for code in [
            "91350100M000100Y43",
            "91110000802100433B", // 国家电网有限公司
            "91440300708461136T", // 华为技术有限公司
            "12100000400000624D",
        ] {
            assert!(Uscc::parse(code).is_ok(), "{code}");
        }
        assert_eq!(
            Uscc::parse(" 91350100m000100y43 ").unwrap().as_str(),
            "91350100M000100Y43"
        );
    }

    #[test]
    fn faults_are_named() {
        assert_eq!(Uscc::parse("9135010").unwrap_err().code(), "uscc.length");
        assert_eq!(
            Uscc::parse("91350100M000100Y44").unwrap_err(),
            UsccError::BadCheck {
                expected: '3',
                found: '4'
            }
        );
        assert_eq!(
            Uscc::parse("91350100M0001O0Y43").unwrap_err().code(),
            "uscc.bad_character"
        );
        assert_eq!(
            Uscc::parse("9135A100M000100Y43").unwrap_err().code(),
            "uscc.bad_division"
        );
    }

    fn code_strategy() -> impl Strategy<Value = Vec<u8>> {
        (
            proptest::collection::vec(0usize..31, 2),
            proptest::collection::vec(0usize..10, 6),
            proptest::collection::vec(0usize..31, 9),
        )
            .prop_map(|(head, division, org)| {
                let mut v: Vec<u8> = head.into_iter().map(|i| ALPHABET[i]).collect();
                v.extend(division.into_iter().map(|i| ALPHABET[i]));
                v.extend(org.into_iter().map(|i| ALPHABET[i]));
                let check = check_character(&v).unwrap();
                v.push(check);
                v
            })
    }

    proptest! {
        #[test]
        fn a_computed_check_character_always_verifies(code in code_strategy()) {
            let s = String::from_utf8(code).unwrap();
            let parsed = Uscc::parse(&s).unwrap();
            prop_assert_eq!(parsed.as_str(), s.as_str());
        }

        /// The weights are powers of 3 mod the prime 31, so any one changed
        /// character changes the sum mod 31: every single substitution is
        /// caught.
        #[test]
        fn any_single_substitution_is_caught(
            code in code_strategy(),
            position in 0usize..18,
            replacement in 0usize..31,
        ) {
            let mut changed = code.clone();
            prop_assume!(ALPHABET[replacement] != code[position]);
            changed[position] = ALPHABET[replacement];
            let s = String::from_utf8(changed).unwrap();
            prop_assert!(Uscc::parse(&s).is_err());
        }
    }
}
