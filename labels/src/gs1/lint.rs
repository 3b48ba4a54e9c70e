//! Content checks ("linters") the GS1 Barcode Syntax Dictionary names for a
//! component, written from the rules in the GS1 General Specifications.
//! Each takes one component whose length and character set were already
//! checked. The few that need data this crate does not carry pass
//! unchecked; [`Lint`] marks them.

use super::ai::{Lint, is_cset82};
use super::date::plausible_date;
use super::iso;
use crate::gtin;

/// Why a component failed its check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    CheckDigit,
    Date,
    Value(&'static str),
}

fn num(v: &[u8]) -> u64 {
    v.iter().fold(0u64, |n, d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    })
}

fn two(v: &[u8], at: usize) -> Option<u8> {
    match v.get(at..at + 2)? {
        [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => Some((a - b'0') * 10 + (b - b'0')),
        _ => None,
    }
}

fn ok_if(cond: bool, fault: Fault) -> Result<(), Fault> {
    if cond { Ok(()) } else { Err(fault) }
}

pub(crate) fn check(lint: Lint, v: &[u8]) -> Result<(), Fault> {
    let value = |why| Fault::Value(why);
    match lint {
        Lint::Csum => ok_if(
            gtin::has_valid_check_digit(std::str::from_utf8(v).unwrap_or_default()),
            Fault::CheckDigit,
        ),
        Lint::CsumAlpha => ok_if(csum_alpha(v), Fault::CheckDigit),
        Lint::Yymmd0 => ok_if(v.len() == 6 && plausible_date(v), Fault::Date),
        Lint::Yymmdd => ok_if(
            v.len() == 6 && plausible_date(v) && v.get(4..6) != Some(b"00"),
            Fault::Date,
        ),
        Lint::Yyyymmdd => {
            let year = two(v, 0)
                .zip(two(v, 2))
                .map(|(c, y)| i32::from(c) * 100 + i32::from(y));
            let real = match (year, two(v, 4), two(v, 6)) {
                (Some(y), Some(m), Some(d)) if v.len() == 8 => {
                    chrono::NaiveDate::from_ymd_opt(y, u32::from(m), u32::from(d)).is_some()
                }
                _ => false,
            };
            ok_if(real, Fault::Date)
        }
        Lint::Hhmi => ok_if(
            v.len() == 4
                && two(v, 0).is_some_and(|h| h <= 23)
                && two(v, 2).is_some_and(|m| m <= 59),
            Fault::Date,
        ),
        Lint::Hh => ok_if(
            v.len() == 2 && two(v, 0).is_some_and(|h| h <= 23),
            Fault::Date,
        ),
        Lint::Mi | Lint::Ss => ok_if(
            v.len() == 2 && two(v, 0).is_some_and(|m| m <= 59),
            Fault::Date,
        ),
        Lint::Iso3166 => ok_if(
            v.len() == 3 && u16::try_from(num(v)).is_ok_and(iso::is_country),
            value("not an ISO 3166 country code"),
        ),
        Lint::Iso3166Or999 => ok_if(
            v == b"999" || (v.len() == 3 && u16::try_from(num(v)).is_ok_and(iso::is_country)),
            value("not an ISO 3166 country code or 999"),
        ),
        Lint::Iso3166Alpha2 => ok_if(
            <[u8; 2]>::try_from(v).is_ok_and(iso::is_country_alpha2),
            value("not an ISO 3166 alpha-2 country code"),
        ),
        Lint::Iso4217 => ok_if(
            v.len() == 3 && u16::try_from(num(v)).is_ok_and(iso::is_currency),
            value("not an ISO 4217 currency code"),
        ),
        Lint::Iso5218 => ok_if(
            matches!(v, b"0" | b"1" | b"2" | b"9"),
            value("not an ISO/IEC 5218 sex code (0, 1, 2 or 9)"),
        ),
        Lint::NonZero => ok_if(v.iter().any(|&d| d != b'0'), value("must not be zero")),
        Lint::Zero => ok_if(v.iter().all(|&d| d == b'0'), value("must be zero")),
        Lint::YesNo => ok_if(matches!(v, b"0" | b"1"), value("must be 0 or 1")),
        Lint::Winding => ok_if(
            matches!(v, b"0" | b"1" | b"9"),
            value("winding must be 0, 1 or 9"),
        ),
        Lint::Hyphen => ok_if(
            v.iter().all(|&c| c == b'-'),
            value("only '-' is allowed here"),
        ),
        // Degrees north of the South Pole and east of the antimeridian, in
        // ten-millionths: at most 180 and 360 degrees.
        Lint::Latitude => ok_if(num(v) <= 1_800_000_000, value("latitude out of range")),
        Lint::Longitude => ok_if(num(v) <= 3_600_000_000, value("longitude out of range")),
        Lint::PieceOfTotal => {
            let half = v.len() / 2;
            let (piece, total) = v.split_at(half);
            ok_if(
                v.len().is_multiple_of(2) && num(piece) >= 1 && num(piece) <= num(total),
                value("piece number must be between 1 and the total"),
            )
        }
        Lint::PosInSeqSlash => {
            let half = v.len() / 2;
            let ok = match (v.get(..half), v.get(half), v.get(half + 1..)) {
                (Some(pos), Some(b'/'), Some(of))
                    if v.len() % 2 == 1 && pos.iter().chain(of).all(u8::is_ascii_digit) =>
                {
                    num(pos) >= 1 && num(pos) <= num(of)
                }
                _ => false,
            };
            ok_if(ok, value("must be position/total, e.g. 1/2"))
        }
        Lint::ImporterIdx => ok_if(
            v.iter()
                .all(|&c| c == b'-' || c == b'_' || c.is_ascii_alphanumeric()),
            value("not an importer index character"),
        ),
        Lint::Iban => ok_if(iban(v), value("not a valid IBAN")),
        Lint::NoZeroPrefix => ok_if(
            v.first() != Some(&b'0') || v.len() == 1,
            value("must not start with 0"),
        ),
        Lint::HasNonDigit => ok_if(
            v.iter().any(|c| !c.is_ascii_digit()),
            value("must contain a character that is not a digit"),
        ),
        Lint::PcEnc => ok_if(percent_encoding_ok(v), value("bad %-escape")),
        Lint::GcpPos1
        | Lint::GcpPos2
        | Lint::MediaType
        | Lint::PackageType
        | Lint::CouponCode
        | Lint::CouponPosOffer => Ok(()),
    }
}

/// Every `%` starts a two-hex-digit escape.
fn percent_encoding_ok(v: &[u8]) -> bool {
    let mut i = 0;
    while let Some(&c) = v.get(i) {
        if c == b'%' {
            let hex = v
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
            if !hex {
                return false;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    true
}

/// ISO 13616: two letters, two check digits, up to 30 letters or digits;
/// moved to the end and read as a number, it is 1 mod 97.
fn iban(v: &[u8]) -> bool {
    let shape = v.len() >= 5
        && v.iter().take(2).all(u8::is_ascii_uppercase)
        && v.iter().skip(2).take(2).all(u8::is_ascii_digit)
        && v.iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
    if !shape {
        return false;
    }
    let (head, tail) = v.split_at(4);
    let rem = tail.iter().chain(head).fold(0u32, |r, &c| {
        if c.is_ascii_digit() {
            (r * 10 + u32::from(c - b'0')) % 97
        } else {
            (r * 100 + u32::from(c - b'A') + 10) % 97
        }
    });
    rem == 1
}

/// Position of a character in GS1 AI encodable character set 82 (0–81).
fn cset82_value(c: u8) -> Option<u32> {
    let mut n = 0u32;
    for b in 0u8..128 {
        if is_cset82(b) {
            if b == c {
                return Some(n);
            }
            n += 1;
        }
    }
    None
}

/// The check character pair of a GMN or MUDI (GS1 General Specifications
/// 7.9.5) for `data`: each character's set-82 value times a prime weight, 2
/// for the rightmost and rising leftward (3, 5, 7, …); the sum mod 1021
/// written as two characters of set 32. `None` for data that cannot carry one.
pub(crate) fn csum_alpha_pair(data: &[u8]) -> Option<[u8; 2]> {
    const PRIMES: [u32; 23] = [
        2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83,
    ];
    const CSET32: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    if data.len() > PRIMES.len() {
        return None;
    }
    let mut sum = 0u32;
    for (&c, weight) in data.iter().rev().zip(PRIMES.iter()) {
        sum += cset82_value(c)? * weight;
    }
    let sum = sum % 1021;
    Some([
        *CSET32.get((sum / 32) as usize)?,
        *CSET32.get((sum % 32) as usize)?,
    ])
}

fn csum_alpha(v: &[u8]) -> bool {
    let Some(n) = v.len().checked_sub(2) else {
        return false;
    };
    let (data, check) = v.split_at(n);
    csum_alpha_pair(data).is_some_and(|pair| check == pair)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_characters_of_published_gmns() {
        // GS1 General Specifications' example GMN and its check pair.
        assert!(csum_alpha(b"1987654Ad4X4bL5ttr2310c2K"));
        assert!(!csum_alpha(b"1987654Ad4X4bL5ttr2310c2J"));
        assert!(csum_alpha(b"12345678901234567890123NT"));
        assert!(csum_alpha(b"7907665Bm8v2AB"));
        assert!(csum_alpha(b"22"));
        assert!(!csum_alpha(b"K"));
    }

    #[test]
    fn simple_linters() {
        assert_eq!(check(Lint::Iban, b"GB82WEST12345698765432"), Ok(()));
        assert!(check(Lint::Iban, b"GB82WEST12345698765433").is_err());
        assert_eq!(check(Lint::PieceOfTotal, b"0102"), Ok(()));
        assert!(check(Lint::PieceOfTotal, b"0301").is_err());
        assert!(check(Lint::PieceOfTotal, b"0002").is_err());
        assert_eq!(check(Lint::PosInSeqSlash, b"1/2"), Ok(()));
        assert!(check(Lint::PosInSeqSlash, b"3/2").is_err());
        assert!(check(Lint::PcEnc, b"A%2").is_err());
        assert_eq!(check(Lint::PcEnc, b"A%20B"), Ok(()));
        assert_eq!(check(Lint::Yyyymmdd, b"20240229"), Ok(()));
        assert_eq!(check(Lint::Yyyymmdd, b"20230229"), Err(Fault::Date));
        assert_eq!(check(Lint::Hhmi, b"2360"), Err(Fault::Date));
        assert_eq!(check(Lint::Iso3166, b"156"), Ok(()));
        assert!(check(Lint::Iso3166, b"999").is_err());
        assert_eq!(check(Lint::Iso3166Or999, b"999"), Ok(()));
        assert_eq!(check(Lint::Iso4217, b"156"), Ok(()));
        assert!(check(Lint::NoZeroPrefix, b"012").is_err());
        assert_eq!(check(Lint::NoZeroPrefix, b"0"), Ok(()));
    }
}
