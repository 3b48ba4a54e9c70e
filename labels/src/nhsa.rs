//! NHSA codes (医保药品/耗材编码) as they appear in the catalogue.
//!
//! Western drugs (`X…`, 23 characters) have a documented segment layout and
//! are split into it. For Chinese patent medicines (`Z…`, 20) and
//! consumables (`C…`, 20) we do not have a segment layout we can cite, so
//! only the type letter, length and character set are checked and the rest
//! is exposed raw rather than guessed at.

use std::fmt;

/// What kind of item an NHSA code names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NhsaKind {
    /// `X`: western medicine, 23 characters.
    WesternDrug,
    /// `Z`: Chinese patent medicine, 20 characters.
    ChinesePatentMedicine,
    /// `C`: medical consumable, 20 characters.
    Consumable,
}

impl NhsaKind {
    pub fn letter(self) -> char {
        match self {
            NhsaKind::WesternDrug => 'X',
            NhsaKind::ChinesePatentMedicine => 'Z',
            NhsaKind::Consumable => 'C',
        }
    }
    pub fn code_len(self) -> usize {
        match self {
            NhsaKind::WesternDrug => 23,
            NhsaKind::ChinesePatentMedicine | NhsaKind::Consumable => 20,
        }
    }
}

/// A segment of the western-drug layout, named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NhsaSegment {
    /// 5: letter, 2 digits, 2 letters (ATC-style, e.g. `A01AB`).
    Class,
    /// 4 letters/digits, e.g. `D075`.
    Name,
    /// 4 letters/digits, e.g. `A002`.
    DosageForm,
    /// 4 letters/digits, e.g. `0101`.
    SpecPack,
    /// 5 letters/digits, e.g. `00483`.
    Enterprise,
    /// Everything after the type letter (Z and C codes).
    Body,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NhsaError {
    #[error("the NHSA code is empty")]
    Empty,
    #[error(
        "NHSA codes start with X (western drug), Z (Chinese patent medicine) or C (consumable), not {0:?}"
    )]
    UnknownType(char),
    #[error("a {kind:?} NHSA code has {expected} characters, found {found}")]
    WrongLength {
        kind: NhsaKind,
        expected: usize,
        found: usize,
    },
    #[error("segment {segment:?} of the NHSA code is malformed: {value:?}")]
    BadSegment { segment: NhsaSegment, value: String },
}

impl NhsaError {
    pub fn code(&self) -> &'static str {
        match self {
            NhsaError::Empty => "nhsa.empty",
            NhsaError::UnknownType(_) => "nhsa.unknown_type",
            NhsaError::WrongLength { .. } => "nhsa.wrong_length",
            NhsaError::BadSegment { .. } => "nhsa.bad_segment",
        }
    }
}

/// A checked NHSA code, stored upper-case.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct NhsaCode {
    kind: NhsaKind,
    code: String,
}

const WESTERN: [(NhsaSegment, usize, usize); 5] = [
    (NhsaSegment::Class, 1, 6),
    (NhsaSegment::Name, 6, 10),
    (NhsaSegment::DosageForm, 10, 14),
    (NhsaSegment::SpecPack, 14, 18),
    (NhsaSegment::Enterprise, 18, 23),
];

fn upper_alnum(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

impl NhsaCode {
    /// Parses a code; surrounding whitespace is trimmed and letters
    /// upper-cased, since catalogue imports are often hand-typed.
    pub fn parse(s: &str) -> Result<NhsaCode, NhsaError> {
        let code = s.trim().to_ascii_uppercase();
        let first = code.chars().next().ok_or(NhsaError::Empty)?;
        let kind = match first {
            'X' => NhsaKind::WesternDrug,
            'Z' => NhsaKind::ChinesePatentMedicine,
            'C' => NhsaKind::Consumable,
            other => return Err(NhsaError::UnknownType(other)),
        };
        let found = code.chars().count();
        if found != kind.code_len() || !code.is_ascii() {
            return Err(NhsaError::WrongLength {
                kind,
                expected: kind.code_len(),
                found,
            });
        }
        let bad = |segment, value: &str| NhsaError::BadSegment {
            segment,
            value: value.to_owned(),
        };
        if kind == NhsaKind::WesternDrug {
            for (segment, from, to) in WESTERN {
                let v = code.get(from..to).unwrap_or_default();
                let ok = match segment {
                    NhsaSegment::Class => matches!(
                        v.as_bytes(),
                        [a, b, c, d, e] if a.is_ascii_uppercase()
                            && b.is_ascii_digit() && c.is_ascii_digit()
                            && d.is_ascii_uppercase() && e.is_ascii_uppercase()
                    ),
                    _ => upper_alnum(v),
                };
                if !ok {
                    return Err(bad(segment, v));
                }
            }
        } else {
            let body = code.get(1..).unwrap_or_default();
            if !upper_alnum(body) {
                return Err(bad(NhsaSegment::Body, body));
            }
        }
        Ok(NhsaCode { kind, code })
    }

    pub fn kind(&self) -> NhsaKind {
        self.kind
    }
    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// A segment of a western-drug code; `None` for Z and C codes, whose
    /// layout is not split (see module docs). [`NhsaSegment::Body`] works
    /// for every kind.
    pub fn segment(&self, segment: NhsaSegment) -> Option<&str> {
        if segment == NhsaSegment::Body {
            return self.code.get(1..);
        }
        if self.kind != NhsaKind::WesternDrug {
            return None;
        }
        let (_, from, to) = WESTERN.iter().find(|(s, _, _)| *s == segment)?;
        self.code.get(*from..*to)
    }
    pub fn class(&self) -> Option<&str> {
        self.segment(NhsaSegment::Class)
    }
    pub fn name(&self) -> Option<&str> {
        self.segment(NhsaSegment::Name)
    }
    pub fn dosage_form(&self) -> Option<&str> {
        self.segment(NhsaSegment::DosageForm)
    }
    pub fn spec_pack(&self) -> Option<&str> {
        self.segment(NhsaSegment::SpecPack)
    }
    pub fn enterprise(&self) -> Option<&str> {
        self.segment(NhsaSegment::Enterprise)
    }
    /// Everything after the type letter.
    pub fn body(&self) -> &str {
        self.code.get(1..).unwrap_or_default()
    }
}

impl fmt::Display for NhsaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)
    }
}

impl fmt::Debug for NhsaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NhsaCode({})", self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn western_drug_segments() {
        let c = NhsaCode::parse("XA01ABD075A002010100483").unwrap();
        assert_eq!(c.kind(), NhsaKind::WesternDrug);
        assert_eq!(c.class(), Some("A01AB"));
        assert_eq!(c.name(), Some("D075"));
        assert_eq!(c.dosage_form(), Some("A002"));
        assert_eq!(c.spec_pack(), Some("0101"));
        assert_eq!(c.enterprise(), Some("00483"));
        assert_eq!(c.body(), "A01ABD075A002010100483");
        assert_eq!(
            NhsaCode::parse(" xa01abd075a002010100483 ").map(|c| c.to_string()),
            Ok("XA01ABD075A002010100483".to_owned())
        );
    }

    #[test]
    fn z_and_c_codes_expose_raw_body() {
        let z = NhsaCode::parse("ZA01AAA0001010100001").unwrap();
        assert_eq!(z.kind(), NhsaKind::ChinesePatentMedicine);
        assert_eq!(z.class(), None);
        assert_eq!(z.segment(NhsaSegment::Body), Some("A01AAA0001010100001"));
        let c = NhsaCode::parse("C0301010010100000001").unwrap();
        assert_eq!(c.kind(), NhsaKind::Consumable);
        assert_eq!(c.body(), "0301010010100000001");
    }

    #[test]
    fn errors_name_the_fault() {
        assert_eq!(NhsaCode::parse(""), Err(NhsaError::Empty));
        assert_eq!(
            NhsaCode::parse("YA01ABD075A002010100483"),
            Err(NhsaError::UnknownType('Y'))
        );
        assert_eq!(
            NhsaCode::parse("XA01ABD075A00201010048"),
            Err(NhsaError::WrongLength {
                kind: NhsaKind::WesternDrug,
                expected: 23,
                found: 22
            })
        );
        assert_eq!(
            NhsaCode::parse("X101ABD075A002010100483"),
            Err(NhsaError::BadSegment {
                segment: NhsaSegment::Class,
                value: "101AB".into()
            })
        );
        assert_eq!(
            NhsaCode::parse("XA01ABD075A002010-00483"),
            Err(NhsaError::BadSegment {
                segment: NhsaSegment::SpecPack,
                value: "010-".into()
            })
        );
        assert_eq!(
            NhsaCode::parse("Z0301010010100000-01").map_err(|e| e.code()),
            Err("nhsa.bad_segment")
        );
        assert_eq!(
            NhsaCode::parse("C03010100101000000０1").map_err(|e| e.code()),
            Err("nhsa.wrong_length")
        );
    }
}
