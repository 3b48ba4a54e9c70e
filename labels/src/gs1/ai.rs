//! The Application Identifiers this service understands.
//!
//! Only AIs that appear on drug and consumable packs (plus the internal-use
//! range 90–99, which GS1 reserves for company data and which some Chinese
//! packers use) are supported. Anything else is reported as unknown rather
//! than skipped: a silently ignored AI could hide a misread.

use std::fmt;

/// An Application Identifier supported by the parser. Opaque so that an
/// unsupported AI cannot be constructed; use the associated constants or
/// [`Ai::from_code`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ai(u8);

/// How an AI's value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// Exactly `len` digits; `check` when the last one is a mod-10 check digit.
    Digits { len: u8, check: bool },
    /// YYMMDD; day `00` means the last day of the month.
    Date,
    /// YYMMDDHHMM (AI 7003); a real day is required.
    DateTime,
    /// 1 to `max` digits.
    VarDigits { max: u8 },
    /// 1 to `max` characters of GS1 AI encodable character set 82.
    Cset82 { max: u8 },
}

struct Spec {
    code: &'static str,
    title: &'static str,
    format: Format,
}

const fn spec(code: &'static str, title: &'static str, format: Format) -> Spec {
    Spec {
        code,
        title,
        format,
    }
}

const DATE: Format = Format::Date;
const NHRN: Format = Format::Cset82 { max: 20 };

static TABLE: [Spec; 33] = [
    spec(
        "00",
        "SSCC",
        Format::Digits {
            len: 18,
            check: true,
        },
    ),
    spec(
        "01",
        "GTIN",
        Format::Digits {
            len: 14,
            check: true,
        },
    ),
    spec(
        "02",
        "CONTENT",
        Format::Digits {
            len: 14,
            check: true,
        },
    ),
    spec("10", "BATCH/LOT", Format::Cset82 { max: 20 }),
    spec("11", "PROD DATE", DATE),
    spec("12", "DUE DATE", DATE),
    spec("13", "PACK DATE", DATE),
    spec("15", "BEST BEFORE or BEST BY", DATE),
    spec("16", "SELL BY", DATE),
    spec("17", "USE BY or EXPIRY", DATE),
    spec(
        "20",
        "VARIANT",
        Format::Digits {
            len: 2,
            check: false,
        },
    ),
    spec("21", "SERIAL", Format::Cset82 { max: 20 }),
    spec("30", "VAR. COUNT", Format::VarDigits { max: 8 }),
    spec("37", "COUNT", Format::VarDigits { max: 8 }),
    spec("240", "ADDITIONAL ID", Format::Cset82 { max: 30 }),
    spec("241", "CUST. PART No.", Format::Cset82 { max: 30 }),
    spec("7003", "EXPIRY TIME", Format::DateTime),
    spec("710", "NHRN PZN", NHRN),
    spec("711", "NHRN CIP", NHRN),
    spec("712", "NHRN CN", NHRN),
    spec("713", "NHRN DRN", NHRN),
    spec("714", "NHRN AIM", NHRN),
    spec("715", "NHRN NDC", NHRN),
    spec("90", "INTERNAL", Format::Cset82 { max: 30 }),
    spec("91", "INTERNAL", Format::Cset82 { max: 90 }),
    spec("92", "INTERNAL", Format::Cset82 { max: 90 }),
    spec("93", "INTERNAL", Format::Cset82 { max: 90 }),
    spec("94", "INTERNAL", Format::Cset82 { max: 90 }),
    spec("95", "INTERNAL", Format::Cset82 { max: 90 }),
    spec("96", "INTERNAL", Format::Cset82 { max: 90 }),
    spec("97", "INTERNAL", Format::Cset82 { max: 90 }),
    spec("98", "INTERNAL", Format::Cset82 { max: 90 }),
    spec("99", "INTERNAL", Format::Cset82 { max: 90 }),
];

// Indices into TABLE; kept next to it so a reorder shows up in review.
const INTERNAL_FIRST: u8 = 23;

impl Ai {
    pub const SSCC: Ai = Ai(0);
    pub const GTIN: Ai = Ai(1);
    pub const CONTENT_GTIN: Ai = Ai(2);
    pub const BATCH: Ai = Ai(3);
    pub const PRODUCTION_DATE: Ai = Ai(4);
    pub const DUE_DATE: Ai = Ai(5);
    pub const PACKAGING_DATE: Ai = Ai(6);
    pub const BEST_BEFORE: Ai = Ai(7);
    pub const SELL_BY: Ai = Ai(8);
    pub const EXPIRY: Ai = Ai(9);
    pub const VARIANT: Ai = Ai(10);
    pub const SERIAL: Ai = Ai(11);
    pub const VAR_COUNT: Ai = Ai(12);
    pub const COUNT: Ai = Ai(13);
    pub const ADDITIONAL_PRODUCT_ID: Ai = Ai(14);
    pub const CUSTOMER_PART_NUMBER: Ai = Ai(15);
    pub const EXPIRY_DATE_TIME: Ai = Ai(16);
    /// National healthcare reimbursement number, Germany (PZN).
    pub const NHRN_DE: Ai = Ai(17);
    /// France (CIP).
    pub const NHRN_FR: Ai = Ai(18);
    /// Spain (CN).
    pub const NHRN_ES: Ai = Ai(19);
    /// Brazil (ANVISA DRN).
    pub const NHRN_BR: Ai = Ai(20);
    /// Portugal (AIM).
    pub const NHRN_PT: Ai = Ai(21);
    /// United States (FDA NDC).
    pub const NHRN_US: Ai = Ai(22);

    /// All supported AIs, in table order.
    pub fn all() -> impl Iterator<Item = Ai> {
        (0..TABLE.len()).filter_map(|i| u8::try_from(i).ok().map(Ai))
    }

    /// The internal-use AI `90`..=`99`.
    pub fn internal(code: u8) -> Option<Ai> {
        (90..=99)
            .contains(&code)
            .then(|| Ai(INTERNAL_FIRST + (code - 90)))
    }

    /// Looks up an AI by its digits, e.g. `"17"` or `"7003"`.
    pub fn from_code(code: &str) -> Option<Ai> {
        let b = code.as_bytes();
        match lookup_prefix(b) {
            Some((ai, len)) if len == b.len() => Some(ai),
            _ => None,
        }
    }

    /// The AI's digits, e.g. `"17"`.
    pub fn code(self) -> &'static str {
        self.spec().code
    }

    /// GS1's data title, e.g. `"USE BY or EXPIRY"`.
    pub fn title(self) -> &'static str {
        self.spec().title
    }

    /// True when the AI is in GS1's predefined-length table (first two digits
    /// 00–04, 11–20, 31–36, 41): such a field never needs a separator after it.
    /// AI 7003 has a fixed-size value but is *not* predefined, so it does.
    pub fn is_predefined_length(self) -> bool {
        matches!(self.0, 0..=2) || (4..=10).contains(&self.0)
    }

    /// True for AIs whose value is a YYMMDD date.
    pub fn is_date(self) -> bool {
        self.format() == Format::Date
    }

    /// Maximum value length in characters (the exact length for fixed fields).
    pub fn max_len(self) -> usize {
        match self.format() {
            Format::Digits { len, .. } => usize::from(len),
            Format::Date => 6,
            Format::DateTime => 10,
            Format::VarDigits { max } | Format::Cset82 { max } => usize::from(max),
        }
    }

    pub(crate) fn format(self) -> Format {
        self.spec().format
    }

    fn spec(self) -> &'static Spec {
        // Ai values only come from this module, all in range; the fallback
        // keeps the accessor total without a panic path.
        TABLE.get(usize::from(self.0)).unwrap_or(&TABLE[0])
    }
}

impl fmt::Display for Ai {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({})", self.code())
    }
}

impl fmt::Debug for Ai {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ai({})", self.code())
    }
}

/// Finds the supported AI that `b` starts with, and its length in digits.
/// A match on the leading digits is enough because GS1 AIs are prefix-free.
pub(crate) fn lookup_prefix(b: &[u8]) -> Option<(Ai, usize)> {
    let digit = |i: usize| b.get(i).filter(|c| c.is_ascii_digit()).map(|c| c - b'0');
    let two = digit(0)? * 10 + digit(1)?;
    let ai = match two {
        0 => Ai::SSCC,
        1 => Ai::GTIN,
        2 => Ai::CONTENT_GTIN,
        10 => Ai::BATCH,
        11 => Ai::PRODUCTION_DATE,
        12 => Ai::DUE_DATE,
        13 => Ai::PACKAGING_DATE,
        15 => Ai::BEST_BEFORE,
        16 => Ai::SELL_BY,
        17 => Ai::EXPIRY,
        20 => Ai::VARIANT,
        21 => Ai::SERIAL,
        30 => Ai::VAR_COUNT,
        37 => Ai::COUNT,
        90..=99 => Ai(INTERNAL_FIRST + (two - 90)),
        24 => {
            return match digit(2)? {
                0 => Some((Ai::ADDITIONAL_PRODUCT_ID, 3)),
                1 => Some((Ai::CUSTOMER_PART_NUMBER, 3)),
                _ => None,
            };
        }
        71 => {
            let third = digit(2)?;
            return (third <= 5).then(|| (Ai(Ai::NHRN_DE.0 + third), 3));
        }
        70 => {
            return (digit(2)? == 0 && digit(3)? == 3).then_some((Ai::EXPIRY_DATE_TIME, 4));
        }
        _ => return None,
    };
    Some((ai, 2))
}

/// Length of the AI that starts with these two digits, from GS1's table of
/// AI prefixes; used only to name an unknown AI in an error message.
pub(crate) fn gs1_ai_length(first_two: u8) -> usize {
    match first_two {
        23..=25 | 40..=42 | 71 => 3,
        31..=36 | 39 | 43 | 70 | 72 | 80..=82 => 4,
        _ => 2,
    }
}

/// GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
pub(crate) fn is_cset82(b: u8) -> bool {
    matches!(b,
        b'!' | b'"' | b'%'..=b'?' | b'A'..=b'Z' | b'_' | b'a'..=b'z')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_lookup() {
        for ai in Ai::all() {
            assert_eq!(Ai::from_code(ai.code()), Some(ai), "{}", ai.code());
        }
        assert_eq!(Ai::all().count(), 33);
    }

    #[test]
    fn predefined_length_matches_gs1_prefix_table() {
        for ai in Ai::all() {
            let two: u8 = ai.code()[..2].parse().unwrap_or(99);
            let predefined = matches!(two, 0..=4 | 11..=20 | 31..=36 | 41);
            assert_eq!(ai.is_predefined_length(), predefined, "{}", ai.code());
        }
    }

    #[test]
    fn unknown_codes() {
        assert_eq!(Ai::from_code("14"), None);
        assert_eq!(Ai::from_code("242"), None);
        assert_eq!(Ai::from_code("716"), None);
        assert_eq!(Ai::from_code("7004"), None);
        assert_eq!(Ai::from_code("1"), None);
        assert_eq!(Ai::from_code("170"), None);
        assert_eq!(Ai::internal(99).map(Ai::code), Some("99"));
        assert_eq!(Ai::internal(89), None);
        assert_eq!(Ai::from_code("714"), Some(Ai::NHRN_PT));
    }

    #[test]
    fn cset82_membership() {
        let all: String = (0u8..128)
            .filter(|b| is_cset82(*b))
            .map(char::from)
            .collect();
        assert_eq!(
            all,
            "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
        );
        assert_eq!(all.len(), 82);
    }
}
