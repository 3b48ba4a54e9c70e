//! GTIN check digits (GS1 General Specifications, section 7.9).
//!
//! The same mod-10 algorithm protects GTIN-8/12/13/14 and the SSCC, so the
//! helpers here take any run of digits rather than a fixed length.

/// Computes the check digit for `digits` (the data digits, without a check
/// digit): weights 3,1,3,1… from the rightmost digit, check = (10 − sum mod 10) mod 10.
///
/// Returns `None` when `digits` is empty or contains anything but ASCII digits.
pub fn check_digit(digits: &str) -> Option<u8> {
    if digits.is_empty() {
        return None;
    }
    let mut sum: u32 = 0;
    for (i, b) in digits.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return None;
        }
        let d = u32::from(b - b'0');
        sum += if i % 2 == 0 { d * 3 } else { d };
    }
    // sum % 10 < 10, so the result always fits a u8.
    Some(((10 - sum % 10) % 10) as u8)
}

/// True when the last digit of `s` is the correct check digit for the rest.
/// Any length of at least two digits is accepted; see [`is_valid_gtin`] for GTIN lengths.
pub fn has_valid_check_digit(s: &str) -> bool {
    let Some((data, last)) = s.len().checked_sub(1).and_then(|n| s.split_at_checked(n)) else {
        return false;
    };
    let Some(&last) = last.as_bytes().first() else {
        return false;
    };
    last.is_ascii_digit() && check_digit(data) == Some(last - b'0')
}

/// True for a GTIN-8, -12, -13 or -14 with a correct check digit.
pub fn is_valid_gtin(s: &str) -> bool {
    matches!(s.len(), 8 | 12 | 13 | 14) && has_valid_check_digit(s)
}

/// Appends the check digit to `data_without_check`.
///
/// Seed data uses this to make realistic GTINs. Input that is not all digits
/// is returned unchanged, so a caller's mistake shows up as an invalid GTIN
/// downstream instead of a panic here.
pub fn with_check_digit(data_without_check: &str) -> String {
    match check_digit(data_without_check) {
        Some(c) => {
            let mut s = String::with_capacity(data_without_check.len() + 1);
            s.push_str(data_without_check);
            s.push(char::from(b'0' + c));
            s
        }
        None => data_without_check.to_owned(),
    }
}

/// Left-pads a valid GTIN-8/12/13/14 with zeros to 14 digits, the form AI (01)
/// carries and the catalogue should store. `None` for an invalid GTIN.
pub fn normalize_to_gtin14(s: &str) -> Option<String> {
    if !is_valid_gtin(s) {
        return None;
    }
    let mut out = String::with_capacity(14);
    for _ in s.len()..14 {
        out.push('0');
    }
    out.push_str(s);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_examples_are_valid() {
        for s in [
            "24012345678905",
            "2112233789657",
            "416000336108",
            "02345680",
        ] {
            assert!(is_valid_gtin(s), "{s}");
        }
        assert!(!is_valid_gtin("24012345678909"));
    }

    #[test]
    fn check_digit_values() {
        assert_eq!(check_digit("2401234567890"), Some(5));
        assert_eq!(check_digit("211223378965"), Some(7));
        assert_eq!(check_digit("0234568"), Some(0));
        assert_eq!(check_digit("690123456789"), Some(2));
        assert_eq!(check_digit(""), None);
        assert_eq!(check_digit("12a"), None);
    }

    #[test]
    fn wrong_lengths_and_garbage_are_invalid() {
        assert!(!is_valid_gtin(""));
        assert!(!is_valid_gtin("5"));
        assert!(!is_valid_gtin("0234568０"));
        assert!(!is_valid_gtin("123456789012345")); // 15 digits
        assert!(!is_valid_gtin("0234568X"));
    }

    #[test]
    fn with_check_digit_appends() {
        assert_eq!(with_check_digit("690123456789"), "6901234567892");
        assert_eq!(with_check_digit("abc"), "abc");
    }

    #[test]
    fn normalises_to_14() {
        assert_eq!(
            normalize_to_gtin14("02345680").as_deref(),
            Some("00000002345680")
        );
        assert_eq!(
            normalize_to_gtin14("6901234567892").as_deref(),
            Some("06901234567892")
        );
        assert_eq!(normalize_to_gtin14("24012345678909"), None);
    }
}
