//! GS1 six-digit dates.

use chrono::{Datelike, NaiveDate, NaiveDateTime};

/// Resolves a two-digit year per GS1 General Specifications 7.12: the year
/// lands between 49 years before and 50 years after `today`'s year.
pub(crate) fn full_year(yy: u8, today: NaiveDate) -> i32 {
    let year = today.year();
    let current_yy = year.rem_euclid(100);
    let century = year - current_yy;
    let diff = i32::from(yy) - current_yy;
    if diff >= 51 {
        century - 100 + i32::from(yy)
    } else if diff <= -50 {
        century + 100 + i32::from(yy)
    } else {
        century + i32::from(yy)
    }
}

fn two(b: &[u8], at: usize) -> Option<u8> {
    let hi = b.get(at).filter(|c| c.is_ascii_digit())?;
    let lo = b.get(at + 1).filter(|c| c.is_ascii_digit())?;
    Some((hi - b'0') * 10 + (lo - b'0'))
}

fn last_day_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year.checked_add(1)?, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    next.pred_opt()
}

/// Decodes YYMMDD; day `00` is the last day of the month, since old stock
/// still carries such labels.
pub(crate) fn decode_date(b: &[u8], today: NaiveDate) -> Option<NaiveDate> {
    if b.len() != 6 {
        return None;
    }
    let year = full_year(two(b, 0)?, today);
    let month = u32::from(two(b, 2)?);
    let day = u32::from(two(b, 4)?);
    if !(1..=12).contains(&month) {
        return None;
    }
    if day == 0 {
        last_day_of_month(year, month)
    } else {
        NaiveDate::from_ymd_opt(year, month, day)
    }
}

/// Checks YYMMDD without knowing the century: Feb 29 passes because some
/// century makes it real; the parser decides once it knows `today`.
pub(crate) fn plausible_date(b: &[u8]) -> bool {
    let (Some(_), Some(month), Some(day)) = (two(b, 0), two(b, 2), two(b, 4)) else {
        return false;
    };
    let max_day = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 => 29,
        _ => return false,
    };
    b.len() == 6 && day <= max_day
}

/// Decodes YYMMDDHHMM (AI 7003). Day `00` is not allowed here: a time of day
/// on "some day this month" makes no sense.
pub(crate) fn decode_date_time(b: &[u8], today: NaiveDate) -> Option<NaiveDateTime> {
    if b.len() != 10 {
        return None;
    }
    let year = full_year(two(b, 0)?, today);
    let date = NaiveDate::from_ymd_opt(year, u32::from(two(b, 2)?), u32::from(two(b, 4)?))?;
    date.and_hms_opt(u32::from(two(b, 6)?), u32::from(two(b, 8)?), 0)
}

/// Writes a date as YYMMDD.
pub(crate) fn encode_date(d: NaiveDate) -> String {
    let yy = d.year().rem_euclid(100);
    format!("{yy:02}{:02}{:02}", d.month(), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn century_window_is_minus_49_to_plus_50() {
        let today = d(2026, 6, 1);
        assert_eq!(full_year(26, today), 2026);
        assert_eq!(full_year(76, today), 2076); // +50
        assert_eq!(full_year(77, today), 1977); // -49
        assert_eq!(full_year(0, today), 2000);
        assert_eq!(full_year(99, today), 1999);
        // Near a century boundary the window wraps forward.
        let late = d(2090, 1, 1);
        assert_eq!(full_year(10, late), 2110);
        assert_eq!(full_year(41, late), 2041);
        assert_eq!(full_year(40, late), 2140);
    }

    #[test]
    fn day_zero_is_last_day_of_month() {
        let today = d(2026, 1, 1);
        assert_eq!(decode_date(b"250200", today), Some(d(2025, 2, 28)));
        assert_eq!(decode_date(b"240200", today), Some(d(2024, 2, 29)));
        assert_eq!(decode_date(b"271200", today), Some(d(2027, 12, 31)));
        assert_eq!(decode_date(b"260400", today), Some(d(2026, 4, 30)));
    }

    #[test]
    fn invalid_dates() {
        let today = d(2026, 1, 1);
        assert_eq!(decode_date(b"251301", today), None);
        assert_eq!(decode_date(b"250230", today), None);
        assert_eq!(decode_date(b"250229", today), None);
        assert_eq!(decode_date(b"250001", today), None);
        assert_eq!(decode_date(b"2502", today), None);
        assert!(plausible_date(b"250229"));
        assert!(!plausible_date(b"250230"));
        assert!(!plausible_date(b"251301"));
    }

    #[test]
    fn date_time() {
        let today = d(2026, 1, 1);
        assert_eq!(
            decode_date_time(b"2712312359", today),
            d(2027, 12, 31).and_hms_opt(23, 59, 0)
        );
        assert_eq!(decode_date_time(b"2712312400", today), None);
        assert_eq!(decode_date_time(b"2712002300", today), None);
    }

    #[test]
    fn encodes() {
        assert_eq!(encode_date(d(2027, 1, 5)), "270105");
    }
}
