//! The Application Identifiers this service understands: every AI of the
//! GS1 General Specifications, as listed by GS1's Barcode Syntax Dictionary
//! (`labels/data/gs1-syntax-dictionary.txt`, turned into [`super::ai_table`]
//! by a test; see `ai_table_gen.rs`).
//!
//! An AI that is not in the dictionary is reported as unknown rather than
//! skipped: a silently ignored AI could hide a misread.

use std::fmt;

use super::ai_table::{AI_COUNT, TABLE};

/// An Application Identifier known to the parser. Opaque so that an unknown
/// AI cannot be constructed; use the associated constants or
/// [`Ai::from_code`]. Ordered like the codes (the table is in lexical order).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ai(u16);

/// Character set of one component (the dictionary's type letter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cset {
    /// `N`: digits.
    N,
    /// `X`: GS1 AI encodable character set 82.
    X,
    /// `Y`: GS1 AI encodable character set 39.
    Y,
    /// `Z`: GS1 AI encodable character set 64 (base64url).
    Z,
}

/// A content check the dictionary names for a component. The ones marked
/// "accepted" need data this crate does not have (the GS1 Company Prefix
/// length table, UN/ECE package codes, coupon rules) and pass unchecked;
/// see [`super::lint`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lint {
    Csum,
    CsumAlpha,
    Yymmd0,
    Yymmdd,
    Yyyymmdd,
    Hhmi,
    Hh,
    Mi,
    Ss,
    Iso3166,
    Iso3166Or999,
    Iso3166Alpha2,
    Iso4217,
    Iso5218,
    NonZero,
    Zero,
    YesNo,
    Winding,
    Hyphen,
    Latitude,
    Longitude,
    PieceOfTotal,
    PosInSeqSlash,
    ImporterIdx,
    Iban,
    NoZeroPrefix,
    HasNonDigit,
    PcEnc,
    /// Accepted: needs the GS1 Company Prefix length table.
    GcpPos1,
    /// Accepted: needs the GS1 Company Prefix length table.
    GcpPos2,
    /// Accepted: the code list is still growing.
    MediaType,
    /// Accepted: UN/ECE Recommendation 21 code list not carried.
    PackageType,
    /// Accepted: coupon semantics are out of scope for a pharmacy.
    CouponCode,
    /// Accepted: coupon semantics are out of scope for a pharmacy.
    CouponPosOffer,
}

/// One component of an AI's value: `min..=max` characters of `cset`.
/// Only the last component of an AI may have `min < max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Comp {
    pub(crate) cset: Cset,
    pub(crate) min: u8,
    pub(crate) max: u8,
    /// `[…]` in the dictionary: may be left out once the data is used up.
    pub(crate) optional: bool,
    pub(crate) lints: &'static [Lint],
}

impl Comp {
    pub(crate) const fn req(cset: Cset, min: u8, max: u8, lints: &'static [Lint]) -> Comp {
        Comp {
            cset,
            min,
            max,
            optional: false,
            lints,
        }
    }

    pub(crate) const fn opt(cset: Cset, min: u8, max: u8, lints: &'static [Lint]) -> Comp {
        Comp {
            cset,
            min,
            max,
            optional: true,
            lints,
        }
    }
}

/// One dictionary entry (ranges such as 3100-3105 are expanded).
#[derive(Debug)]
pub(crate) struct Spec {
    pub(crate) code: &'static str,
    /// `*` in the dictionary: GS1's predefined-length table, no FNC1 after it.
    pub(crate) predefined: bool,
    pub(crate) title: &'static str,
    pub(crate) comps: &'static [Comp],
}

impl Spec {
    pub(crate) const fn new(
        code: &'static str,
        predefined: bool,
        title: &'static str,
        comps: &'static [Comp],
    ) -> Spec {
        Spec {
            code,
            predefined,
            title,
            comps,
        }
    }
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The table entry for `code`; a missing code fails the build, so the
/// constants below cannot silently drift from the dictionary.
const fn must(code: &str) -> Ai {
    let mut i = 0;
    while i < TABLE.len() {
        if same(TABLE[i].code.as_bytes(), code.as_bytes()) {
            return Ai(i as u16);
        }
        i += 1;
    }
    panic!("AI constant missing from the generated table");
}

/// Slot of a code in [`INDEX`]: 2-digit codes at 0..100, 3-digit at
/// 100..1100, 4-digit at 1100..11100.
const fn slot(len: usize, n: usize) -> usize {
    match len {
        2 => n,
        3 => 100 + n,
        _ => 1100 + n,
    }
}

const NONE: u16 = u16::MAX;
const SLOTS: usize = 11_100;

/// O(1) lookup, built at compile time from the table: the AI length for
/// each two-digit prefix (GS1 fixes it per prefix; 0 = no AI), and the
/// table index for each possible code.
struct Index {
    len_by_prefix: [u8; 100],
    by_code: [u16; SLOTS],
}

const fn build_index() -> Index {
    assert!(TABLE.len() < NONE as usize);
    let mut idx = Index {
        len_by_prefix: [0; 100],
        by_code: [NONE; SLOTS],
    };
    let mut i = 0;
    while i < TABLE.len() {
        let b = TABLE[i].code.as_bytes();
        assert!(b.len() >= 2 && b.len() <= 4);
        let mut n = 0usize;
        let mut k = 0;
        while k < b.len() {
            assert!(b[k].is_ascii_digit());
            n = n * 10 + (b[k] - b'0') as usize;
            k += 1;
        }
        let prefix = ((b[0] - b'0') * 10 + (b[1] - b'0')) as usize;
        // GS1 AIs are prefix-free and their length follows from the first
        // two digits; the parser relies on both.
        assert!(idx.len_by_prefix[prefix] == 0 || idx.len_by_prefix[prefix] as usize == b.len());
        idx.len_by_prefix[prefix] = b.len() as u8;
        idx.by_code[slot(b.len(), n)] = i as u16;
        i += 1;
    }
    idx
}

static INDEX: Index = build_index();

impl Ai {
    pub const SSCC: Ai = must("00");
    pub const GTIN: Ai = must("01");
    pub const CONTENT_GTIN: Ai = must("02");
    pub const BATCH: Ai = must("10");
    pub const PRODUCTION_DATE: Ai = must("11");
    pub const DUE_DATE: Ai = must("12");
    pub const PACKAGING_DATE: Ai = must("13");
    pub const BEST_BEFORE: Ai = must("15");
    pub const SELL_BY: Ai = must("16");
    pub const EXPIRY: Ai = must("17");
    pub const VARIANT: Ai = must("20");
    pub const SERIAL: Ai = must("21");
    pub const VAR_COUNT: Ai = must("30");
    pub const COUNT: Ai = must("37");
    pub const ADDITIONAL_PRODUCT_ID: Ai = must("240");
    pub const CUSTOMER_PART_NUMBER: Ai = must("241");
    pub const EXPIRY_DATE_TIME: Ai = must("7003");
    /// National healthcare reimbursement number, Germany (PZN).
    pub const NHRN_DE: Ai = must("710");
    /// France (CIP).
    pub const NHRN_FR: Ai = must("711");
    /// Spain (CN).
    pub const NHRN_ES: Ai = must("712");
    /// Brazil (ANVISA DRN).
    pub const NHRN_BR: Ai = must("713");
    /// Portugal (AIM).
    pub const NHRN_PT: Ai = must("714");
    /// United States (FDA NDC).
    pub const NHRN_US: Ai = must("715");
    /// Italy (AIC).
    pub const NHRN_IT: Ai = must("716");
    /// The last NHRN AI the dictionary lists (717, SRN).
    pub const NHRN_LAST: Ai = must("717");

    /// All known AIs, in code order.
    pub fn all() -> impl ExactSizeIterator<Item = Ai> {
        // AI_COUNT < u16::MAX is asserted when the index is built.
        (0..AI_COUNT as u16).map(Ai)
    }

    /// The internal-use AI `90`..=`99`.
    pub fn internal(code: u8) -> Option<Ai> {
        (90..=99)
            .contains(&code)
            .then(|| lookup_prefix(&[b'0' + code / 10, b'0' + code % 10]))
            .flatten()
            .map(|(ai, _)| ai)
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

    /// GS1's data title, e.g. `"USE BY or EXPIRY"`; empty for the few AIs
    /// the dictionary gives none (the coupon AIs 8110 and 8112).
    pub fn title(self) -> &'static str {
        self.spec().title
    }

    /// True when the AI is in GS1's predefined-length table (first two digits
    /// 00–04, 11–20, 31–36, 41): such a field never needs a separator after it.
    /// AI 7003 has a fixed-size value but is *not* predefined, so it does.
    pub fn is_predefined_length(self) -> bool {
        self.spec().predefined
    }

    /// True for AIs whose whole value is one YYMMDD date.
    pub fn is_date(self) -> bool {
        matches!(
            self.spec().comps,
            [Comp {
                cset: Cset::N,
                min: 6,
                max: 6,
                lints: [Lint::Yymmd0 | Lint::Yymmdd],
                ..
            }]
        )
    }

    /// Maximum value length in characters (the exact length for fixed fields).
    pub fn max_len(self) -> usize {
        self.spec().comps.iter().map(|c| usize::from(c.max)).sum()
    }

    /// For the measures and amounts (310n–369n, 390n–395n), the number of
    /// decimal places, which GS1 puts in the AI's last digit.
    pub fn decimal_places(self) -> Option<u8> {
        let b = self.code().as_bytes();
        let last = b.get(3).map(|d| d - b'0')?;
        match b.get(..3)? {
            [b'3', b'1'..=b'6', _] | [b'3', b'9', b'0'..=b'5'] => Some(last),
            _ => None,
        }
    }

    pub(crate) fn comps(self) -> &'static [Comp] {
        self.spec().comps
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

/// Finds the known AI that `b` starts with, and its length in digits.
/// A match on the leading digits is enough because GS1 AIs are prefix-free.
pub(crate) fn lookup_prefix(b: &[u8]) -> Option<(Ai, usize)> {
    let digit = |i: usize| {
        b.get(i)
            .filter(|c| c.is_ascii_digit())
            .map(|c| usize::from(c - b'0'))
    };
    let two = digit(0)? * 10 + digit(1)?;
    let len = usize::from(*INDEX.len_by_prefix.get(two)?);
    let n = match len {
        2 => two,
        3 => two * 10 + digit(2)?,
        4 => (two * 10 + digit(2)?) * 10 + digit(3)?,
        _ => return None,
    };
    match *INDEX.by_code.get(slot(len, n))? {
        NONE => None,
        i => Some((Ai(i), len)),
    }
}

/// Length of the AI that starts with these two digits, from GS1's table of
/// AI prefixes; used only to name an unknown AI in an error message.
pub(crate) fn gs1_ai_length(first_two: u8) -> usize {
    match INDEX.len_by_prefix.get(usize::from(first_two)) {
        Some(&len) if len != 0 => usize::from(len),
        _ => match first_two {
            23..=25 | 40..=42 | 71 => 3,
            31..=36 | 39 | 43 | 70 | 72 | 80..=82 => 4,
            _ => 2,
        },
    }
}

/// GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
pub(crate) fn is_cset82(b: u8) -> bool {
    matches!(b,
        b'!' | b'"' | b'%'..=b'?' | b'A'..=b'Z' | b'_' | b'a'..=b'z')
}

/// GS1 AI encodable character set 39 (figure 7.11-2).
pub(crate) fn is_cset39(b: u8) -> bool {
    matches!(b, b'#' | b'-' | b'/' | b'0'..=b'9' | b'A'..=b'Z')
}

/// GS1 AI encodable character set 64, the URL-safe base64 alphabet plus its
/// `=` padding (figure 7.11-3).
pub(crate) fn is_cset64(b: u8) -> bool {
    matches!(b, b'-' | b'0'..=b'9' | b'=' | b'A'..=b'Z' | b'_' | b'a'..=b'z')
}

impl Cset {
    pub(crate) fn allows(self, b: u8) -> bool {
        match self {
            Cset::N => b.is_ascii_digit(),
            Cset::X => is_cset82(b),
            Cset::Y => is_cset39(b),
            Cset::Z => is_cset64(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_lookup() {
        for ai in Ai::all() {
            assert_eq!(Ai::from_code(ai.code()), Some(ai), "{}", ai.code());
        }
        assert_eq!(Ai::all().len(), AI_COUNT);
        assert!(
            Ai::all()
                .zip(Ai::all().skip(1))
                .all(|(a, b)| a.code() < b.code())
        );
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
        assert_eq!(Ai::from_code("244"), None);
        assert_eq!(Ai::from_code("718"), None);
        assert_eq!(Ai::from_code("3106"), None);
        assert_eq!(Ai::from_code("7012"), None);
        assert_eq!(Ai::from_code("1"), None);
        assert_eq!(Ai::from_code("170"), None);
        assert_eq!(Ai::from_code("89"), None);
        assert_eq!(Ai::internal(99).map(Ai::code), Some("99"));
        assert_eq!(Ai::internal(89), None);
        assert_eq!(Ai::from_code("714"), Some(Ai::NHRN_PT));
        assert_eq!(Ai::from_code("242").map(Ai::title), Some("MTO VARIANT"));
        assert_eq!(gs1_ai_length(31), 4);
        assert_eq!(gs1_ai_length(23), 3);
        assert_eq!(gs1_ai_length(14), 2);
    }

    #[test]
    fn constants_name_their_codes() {
        assert_eq!(Ai::GTIN.code(), "01");
        assert_eq!(Ai::EXPIRY_DATE_TIME.code(), "7003");
        assert_eq!(Ai::NHRN_IT.code(), "716");
        assert!(Ai::EXPIRY.is_date() && !Ai::BATCH.is_date());
        assert_eq!(Ai::EXPIRY_DATE_TIME.max_len(), 10);
        assert_eq!(Ai::from_code("3103").and_then(Ai::decimal_places), Some(3));
        assert_eq!(Ai::from_code("3925").and_then(Ai::decimal_places), Some(5));
        assert_eq!(Ai::from_code("7003").and_then(Ai::decimal_places), None);
        assert_eq!(Ai::GTIN.decimal_places(), None);
    }

    #[test]
    fn character_sets() {
        let set = |f: fn(u8) -> bool| -> String {
            (0u8..128).filter(|b| f(*b)).map(char::from).collect()
        };
        let all = set(is_cset82);
        assert_eq!(
            all,
            "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
        );
        assert_eq!(all.len(), 82);
        assert_eq!(set(is_cset39).len(), 39);
        assert_eq!(set(is_cset64).len(), 65); // 64 symbols and the pad
    }
}
