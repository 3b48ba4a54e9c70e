//! Reading one cell as text, a code, a number, a flag or money.

use super::*;

pub(super) fn is_blank(d: &Data) -> bool {
    match d {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// A float as the digits a user typed, when it is whole.
pub(super) fn whole_float(f: f64) -> Option<i64> {
    // 2^53: beyond it, not every integer is representable.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    (f.is_finite() && f.fract() == 0.0 && f.abs() <= EXACT).then_some(f as i64)
}

pub(super) fn cell_text(d: &Data) -> Result<Option<String>, String> {
    match d {
        Data::Empty => Ok(None),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            let t = s.trim();
            Ok((!t.is_empty()).then(|| t.to_string()))
        }
        Data::Int(i) => Ok(Some(i.to_string())),
        Data::Float(f) => Ok(Some(match whole_float(*f) {
            Some(i) => i.to_string(),
            None => f.to_string(),
        })),
        Data::Bool(b) => Ok(Some(if *b { "TRUE" } else { "FALSE" }.into())),
        Data::DateTime(_) => {
            Err("holds a date where text is expected; format the cell as text".into())
        }
        Data::Error(e) => Err(format!("the cell shows an error ({e})")),
    }
}

/// A code (GTIN, prefix, item code) that Excel may have turned into a number.
pub(super) fn cell_code(d: &Data) -> Result<Option<String>, String> {
    match d {
        Data::Float(f) => match whole_float(*f) {
            Some(i) => Ok(Some(i.to_string())),
            None if f.is_finite() && f.fract() == 0.0 => Err(
                "is a number too long for Excel to keep exactly; format the column as text and type it again".into(),
            ),
            None => Err(format!("{f} is not a code; a code is not a fraction")),
        },
        other => cell_text(other),
    }
}

pub(super) fn cell_int(d: &Data) -> Result<Option<i64>, String> {
    const MESSAGE: &str = "must be a whole number";
    match d {
        Data::Empty => Ok(None),
        Data::Int(i) => Ok(Some(*i)),
        Data::Float(f) => whole_float(*f)
            .map(Some)
            .ok_or_else(|| format!("{f} {MESSAGE}")),
        Data::String(s) => {
            let t = s.trim();
            if t.is_empty() {
                return Ok(None);
            }
            if let Ok(i) = t.parse::<i64>() {
                return Ok(Some(i));
            }
            match t.parse::<f64>().ok().and_then(whole_float) {
                Some(i) => Ok(Some(i)),
                None => Err(format!("{t:?} {MESSAGE}")),
            }
        }
        Data::Bool(_) => Err(format!("{MESSAGE}, not TRUE/FALSE")),
        Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => {
            Err(format!("{MESSAGE}, not a date"))
        }
        Data::Error(e) => Err(format!("the cell shows an error ({e})")),
    }
}

pub(super) fn cell_flag(d: &Data) -> Result<Option<bool>, String> {
    const MESSAGE: &str = "must be Y or N (also 是/否, TRUE/FALSE, 1/0)";
    match d {
        Data::Bool(b) => Ok(Some(*b)),
        Data::Int(1) => Ok(Some(true)),
        Data::Int(0) => Ok(Some(false)),
        Data::Float(f) if *f == 1.0 => Ok(Some(true)),
        Data::Float(f) if *f == 0.0 => Ok(Some(false)),
        other => match cell_text(other)? {
            None => Ok(None),
            Some(t) => match t.to_uppercase().as_str() {
                "Y" | "YES" | "是" | "TRUE" | "1" | "√" => Ok(Some(true)),
                "N" | "NO" | "否" | "FALSE" | "0" | "×" => Ok(Some(false)),
                _ => Err(format!("{t:?} {MESSAGE}")),
            },
        },
    }
}

/// A decimal amount of yuan, as text, to whole fen; exact, no float maths.
pub(super) fn yuan_to_fen(text: &str) -> Result<i64, String> {
    let t: String = text
        .trim()
        .trim_start_matches(['¥', '￥'])
        .trim_end_matches('元')
        .trim()
        .chars()
        .filter(|c| *c != ',')
        .collect();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.as_str()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let fraction = fraction.trim_end_matches('0');
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return Err(format!("{text:?} is not an amount of yuan"));
    }
    if fraction.len() > 2 {
        return Err(format!(
            "{text} has more than 2 decimal places; prices are kept in whole fen"
        ));
    }
    if whole.len() > 13 {
        return Err(format!("{text} is too large for a price"));
    }
    let whole: i64 = whole
        .parse()
        .map_err(|_| format!("{text:?} is not an amount of yuan"))?;
    let cents: i64 = format!("{fraction:0<2}")
        .parse()
        .map_err(|_| format!("{text:?} is not an amount of yuan"))?;
    let fen = whole * 100 + cents;
    Ok(if negative { -fen } else { fen })
}

pub(super) fn cell_fen(d: &Data) -> Result<Option<i64>, String> {
    match d {
        Data::Int(i) => i
            .checked_mul(100)
            .map(Some)
            .ok_or_else(|| format!("{i} is too large for a price")),
        // The shortest text that reads back as the same double: what the
        // user typed, or what a formula gave.
        Data::Float(f) if f.is_finite() => yuan_to_fen(&f.to_string()).map(Some),
        Data::Float(f) => Err(format!("{f} is not an amount of yuan")),
        other => match cell_text(other)? {
            None => Ok(None),
            Some(t) => yuan_to_fen(&t).map(Some),
        },
    }
}

/// Degrees Celsius, as text, to whole tenths of a degree; exact, no float
/// maths. `°C` or `℃` after the number is allowed.
pub(super) fn celsius_to_tenths(text: &str) -> Result<i64, String> {
    let t = text
        .trim()
        .trim_end_matches("°C")
        .trim_end_matches('℃')
        .trim();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let fraction = fraction.trim_end_matches('0');
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return Err(format!("{text:?} is not a temperature in °C"));
    }
    if fraction.len() > 1 {
        return Err(format!(
            "{text} has more than 1 decimal place; temperatures are kept in tenths of a degree"
        ));
    }
    // Far outside any range an item may have; the draft says which.
    if whole.len() > 6 {
        return Err(format!("{text} is not a temperature in °C"));
    }
    let whole: i64 = whole
        .parse()
        .map_err(|_| format!("{text:?} is not a temperature in °C"))?;
    let tenth: i64 = if fraction.is_empty() {
        0
    } else {
        fraction
            .parse()
            .map_err(|_| format!("{text:?} is not a temperature in °C"))?
    };
    let tenths = whole * 10 + tenth;
    Ok(if negative { -tenths } else { tenths })
}

pub(super) fn cell_tenths(d: &Data) -> Result<Option<i64>, String> {
    match d {
        Data::Int(i) => i
            .checked_mul(10)
            .map(Some)
            .ok_or_else(|| format!("{i} is not a temperature in °C")),
        // The shortest text that reads back as the same double: what the
        // user typed. A huge double prints in exponent form and is refused.
        Data::Float(f) if f.is_finite() => celsius_to_tenths(&f.to_string()).map(Some),
        Data::Float(f) => Err(format!("{f} is not a temperature in °C")),
        other => match cell_text(other)? {
            None => Ok(None),
            Some(t) => celsius_to_tenths(&t).map(Some),
        },
    }
}

pub(super) fn split_gtins(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | ';' | '；' | '、' | '/'))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
