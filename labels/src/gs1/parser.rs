//! The element-string parser proper: raw (GS-separated), bracketed, and the
//! retail symbologies that carry a bare GTIN.

use chrono::NaiveDate;

use super::ai::{Comp, Lint, gs1_ai_length, is_cset82, lookup_prefix};
use super::date::{decode_date, decode_date_time};
use super::element_string::Decoded;
use super::input::GS;
use super::lint::{self, Fault};
use super::{Ai, ElementString, Gs1Error, Symbology};
use crate::gtin;

/// Checks a value against its AI's components: first the shape (each
/// component's character set and length, in order, nothing left over), then
/// each component's content checks, so a wrong length is reported as such
/// before any check digit. Needs no `today`, so the builder can use it too.
pub(crate) fn check_value(ai: Ai, v: &[u8], offset: usize) -> Result<(), Gs1Error> {
    if v.is_empty() {
        return Err(Gs1Error::EmptyValue { ai, offset });
    }
    let comps = ai.comps();
    let mut pos = 0;
    for (i, comp) in comps.iter().enumerate() {
        let rest = v.get(pos..).unwrap_or_default();
        if rest.is_empty() && comp.optional {
            // Optional components may all be left out once the data ends.
            break;
        }
        let take = rest.len().min(usize::from(comp.max));
        let part = rest.get(..take).unwrap_or_default();
        if let Some(j) = part.iter().position(|b| !comp.cset.allows(*b)) {
            return Err(Gs1Error::InvalidCharacter {
                ai,
                ch: first_char(v.get(pos + j..).unwrap_or_default()),
                offset: offset + pos + j,
            });
        }
        if take < usize::from(comp.min) {
            let needed: usize = comps
                .iter()
                .skip(i + 1)
                .filter(|c| !c.optional)
                .map(|c| usize::from(c.min))
                .sum();
            return Err(Gs1Error::Truncated {
                ai,
                expected: pos + usize::from(comp.min) + needed,
                found: v.len(),
            });
        }
        pos += take;
    }
    if pos < v.len() {
        return Err(Gs1Error::TooLong {
            ai,
            max: ai.max_len(),
            found: v.len(),
        });
    }
    for (comp, part) in components(ai, v) {
        for &l in comp.lints {
            lint::check(l, part).map_err(|fault| match fault {
                Fault::CheckDigit => Gs1Error::BadCheckDigit {
                    ai,
                    value: ascii(v).to_owned(),
                },
                Fault::Date => Gs1Error::InvalidDate {
                    ai,
                    value: ascii(v).to_owned(),
                },
                Fault::Value(reason) => Gs1Error::InvalidValue {
                    ai,
                    value: ascii(v).to_owned(),
                    reason,
                },
            })?;
        }
    }
    Ok(())
}

/// Splits a value that passed the shape check into its components.
fn components(ai: Ai, v: &[u8]) -> impl Iterator<Item = (&'static Comp, &[u8])> {
    let mut pos = 0;
    ai.comps().iter().map_while(move |comp| {
        let rest = v.get(pos..).unwrap_or_default();
        if rest.is_empty() && comp.optional {
            return None;
        }
        let take = rest.len().min(usize::from(comp.max));
        pos += take;
        Some((comp, rest.get(..take).unwrap_or_default()))
    })
}

/// [`check_value`] plus the typed reading, which for dates needs `today`.
pub(crate) fn decode_value(
    ai: Ai,
    v: &[u8],
    offset: usize,
    today: NaiveDate,
) -> Result<Decoded, Gs1Error> {
    check_value(ai, v, offset)?;
    let invalid_date = || Gs1Error::InvalidDate {
        ai,
        value: ascii(v).to_owned(),
    };
    if ai == Ai::EXPIRY_DATE_TIME {
        return Ok(Decoded::DateTime(
            decode_date_time(v, today).ok_or_else(invalid_date)?,
        ));
    }
    if ai == Ai::VAR_COUNT || ai == Ai::COUNT {
        // At most 8 digits, so always fits.
        return Ok(Decoded::Number(ascii(v).parse().unwrap_or(u32::MAX)));
    }
    if ai.is_date() {
        return Ok(Decoded::Date(
            decode_date(v, today).ok_or_else(invalid_date)?,
        ));
    }
    // A YYMMDD inside a longer value (7007, 4324, 8008…): 29 February is
    // only real once the century is known.
    for (comp, part) in components(ai, v) {
        if comp.lints.contains(&Lint::Yymmd0) || comp.lints.contains(&Lint::Yymmdd) {
            decode_date(part, today).ok_or_else(invalid_date)?;
        }
    }
    Ok(Decoded::Text)
}

/// Views bytes already checked to be ASCII as text.
fn ascii(v: &[u8]) -> &str {
    std::str::from_utf8(v).unwrap_or_default()
}

fn first_char(v: &[u8]) -> char {
    match std::str::from_utf8(v) {
        Ok(s) => s.chars().next(),
        Err(e) => std::str::from_utf8(v.get(..e.valid_up_to()).unwrap_or_default())
            .ok()
            .and_then(|s| s.chars().next()),
    }
    .unwrap_or(char::REPLACEMENT_CHARACTER)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A real parse: separator recovery allowed, identical repeats tolerated.
    Normal,
    /// Trying one split during recovery: no nested recovery, no repeats.
    Trial,
}

/// Parses GS-separated data (already cleaned, symbology stripped).
pub(crate) fn parse_raw(
    data: &str,
    symbology: Option<Symbology>,
    today: NaiveDate,
    allow_recovery: bool,
) -> Result<ElementString, Gs1Error> {
    let b = data.as_bytes();
    let start = b.iter().position(|&c| c != GS).ok_or(Gs1Error::Empty)?;
    let raw = Raw {
        b,
        today,
        // A scanner that sends one separator sends them all; recovery is only
        // for data in which none arrived.
        may_recover: allow_recovery && !b.get(start..).unwrap_or_default().contains(&GS),
    };
    let mut out = ElementString::with_capacity(symbology, b.len());
    raw.run(start, b.len(), &mut out, Mode::Normal)?;
    out.check_conflicts()?;
    Ok(out)
}

struct Raw<'a> {
    b: &'a [u8],
    today: NaiveDate,
    may_recover: bool,
}

impl Raw<'_> {
    fn slice(&self, from: usize, to: usize) -> &[u8] {
        self.b.get(from..to).unwrap_or_default()
    }

    fn next_gs(&self, from: usize, to: usize) -> usize {
        self.slice(from, to)
            .iter()
            .position(|&c| c == GS)
            .map_or(to, |i| from + i)
    }

    fn unknown_ai(&self, pos: usize, end: usize, first: bool) -> Gs1Error {
        let rest = self.slice(pos, end);
        let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        if first && digits < 2 {
            return Gs1Error::NotGs1;
        }
        let len = match rest {
            [a, b, ..] if digits >= 2 => gs1_ai_length((a - b'0') * 10 + (b - b'0')),
            _ => 2,
        };
        let shown = rest.get(..len.min(rest.len())).unwrap_or_default();
        Gs1Error::UnknownAi {
            ai: String::from_utf8_lossy(shown).into_owned(),
            offset: pos,
        }
    }

    fn run(
        &self,
        start: usize,
        end: usize,
        out: &mut ElementString,
        mode: Mode,
    ) -> Result<(), Gs1Error> {
        let strict = mode == Mode::Trial;
        let mut pos = start;
        let mut first = mode == Mode::Normal;
        while pos < end {
            if self.b.get(pos) == Some(&GS) {
                // After a predefined-length field a separator is redundant but harmless.
                pos += 1;
                continue;
            }
            let (ai, ai_len) = lookup_prefix(self.slice(pos, end))
                .ok_or_else(|| self.unknown_ai(pos, end, first))?;
            first = false;
            let vstart = pos + ai_len;
            if ai.is_predefined_length() {
                let stop = self.next_gs(vstart, (vstart + ai.max_len()).min(end));
                let v = self.slice(vstart, stop);
                if v.is_empty() {
                    // "17" at the very end reads better as truncated than as empty.
                    return Err(Gs1Error::Truncated {
                        ai,
                        expected: ai.max_len(),
                        found: 0,
                    });
                }
                let decoded = decode_value(ai, v, vstart, self.today)?;
                out.push(ai, ascii(v), decoded, strict)?;
                pos = stop;
            } else {
                let stop = self.next_gs(vstart, end);
                if mode == Mode::Normal && self.may_recover && (ai == Ai::BATCH || ai == Ai::SERIAL)
                {
                    self.recover(ai, vstart, stop, out)?;
                } else {
                    let v = self.slice(vstart, stop);
                    let decoded = decode_value(ai, v, vstart, self.today)?;
                    out.push(ai, ascii(v), decoded, strict)?;
                }
                pos = stop;
            }
        }
        Ok(())
    }

    /// Dropped-separator recovery for a lot (10) or serial (21) that runs to
    /// the end of the data. The rule is documented on [`crate::gs1`].
    fn recover(
        &self,
        ai: Ai,
        vstart: usize,
        stop: usize,
        out: &mut ElementString,
    ) -> Result<(), Gs1Error> {
        let text = self.slice(vstart, stop);
        let whole_ok = check_value(ai, text, vstart).is_ok();
        let other = if ai == Ai::BATCH {
            Ai::SERIAL
        } else {
            Ai::BATCH
        };
        let mut splits = 0usize;
        let mut chosen: Option<ElementString> = None;
        for p in 1..text.len() {
            let prefix_ok = p <= ai.max_len() && text.get(p - 1).is_some_and(|c| is_cset82(*c));
            if !prefix_ok {
                break;
            }
            let follower_ok = match lookup_prefix(text.get(p..).unwrap_or_default()) {
                Some((next, _)) if next == Ai::EXPIRY => true,
                Some((next, _)) if next == other => !whole_ok,
                _ => false,
            };
            if !follower_ok {
                continue;
            }
            let mut trial = out.clone();
            let head = self.slice(vstart, vstart + p);
            let attempt = decode_value(ai, head, vstart, self.today)
                .and_then(|d| trial.push(ai, ascii(head), d, true))
                .and_then(|()| self.run(vstart + p, stop, &mut trial, Mode::Trial));
            if attempt.is_ok() {
                splits += 1;
                if chosen.is_none() {
                    chosen = Some(trial);
                }
            }
        }
        match (splits, chosen) {
            (1, Some(mut split)) => {
                split.recovered_missing_separator = true;
                *out = split;
                Ok(())
            }
            (0, _) | (_, None) => {
                let decoded = decode_value(ai, text, vstart, self.today)?;
                out.push(ai, ascii(text), decoded, false)
            }
            (splits, Some(_)) => Err(Gs1Error::Ambiguous {
                ai,
                offset: vstart,
                splits,
            }),
        }
    }
}

/// Parses the bracketed human-readable form `(01)…(17)…(10)…`. A value runs
/// to the next `(` that opens a 2–4 digit AI group; `\(` stands for a
/// literal `(` so any value can be written.
pub(crate) fn parse_bracketed(
    data: &str,
    symbology: Option<Symbology>,
    today: NaiveDate,
) -> Result<ElementString, Gs1Error> {
    let b = data.as_bytes();
    let mut out = ElementString::with_capacity(symbology, b.len());
    let mut pos = 0;
    let mut value = Vec::with_capacity(32);
    while pos < b.len() {
        if b.get(pos) == Some(&GS) {
            pos += 1;
            continue;
        }
        let Some(digits) = ai_group_len(b, pos) else {
            return Err(if out.elements.is_empty() {
                Gs1Error::NotGs1
            } else {
                Gs1Error::UnknownAi {
                    ai: String::from_utf8_lossy(
                        b.get(pos..(pos + 5).min(b.len())).unwrap_or_default(),
                    )
                    .into_owned(),
                    offset: pos,
                }
            });
        };
        let code = ascii(b.get(pos + 1..pos + 1 + digits).unwrap_or_default());
        let ai = Ai::from_code(code).ok_or_else(|| Gs1Error::UnknownAi {
            ai: code.to_owned(),
            offset: pos,
        })?;
        let vstart = pos + digits + 2;
        let mut i = vstart;
        value.clear();
        while let Some(&c) = b.get(i) {
            if c == b'\\' && b.get(i + 1) == Some(&b'(') {
                value.push(b'(');
                i += 2;
            } else if c == b'(' && ai_group_len(b, i).is_some() {
                break;
            } else {
                value.push(c);
                i += 1;
            }
        }
        let decoded = decode_value(ai, &value, vstart, today)?;
        out.push(ai, ascii(&value), decoded, false)?;
        pos = i;
    }
    if out.elements.is_empty() {
        return Err(Gs1Error::Empty);
    }
    out.check_conflicts()?;
    Ok(out)
}

/// Number of digits in an `(NN)`..`(NNNN)` group starting at `pos`.
fn ai_group_len(b: &[u8], pos: usize) -> Option<usize> {
    if b.get(pos) != Some(&b'(') {
        return None;
    }
    let digits = b
        .get(pos + 1..)?
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    ((2..=4).contains(&digits) && b.get(pos + 1 + digits) == Some(&b')')).then_some(digits)
}

/// `]E0` / `]E4` carry a bare GTIN; GS1 treats it as AI (01).
pub(crate) fn parse_retail(data: &str, symbology: Symbology) -> Result<ElementString, Gs1Error> {
    let data = data.trim_matches(char::from(GS));
    let (lengths, expected): (&[usize], _) = match symbology {
        Symbology::Ean8 => (&[8], "8"),
        _ => (&[12, 13], "12 or 13"),
    };
    if data.is_empty() {
        return Err(Gs1Error::Empty);
    }
    if !lengths.contains(&data.len()) || !data.bytes().all(|c| c.is_ascii_digit()) {
        return Err(Gs1Error::InvalidRetailCode {
            symbology,
            expected,
            found: data.to_owned(),
        });
    }
    let gtin14 = gtin::normalize_to_gtin14(data).ok_or_else(|| Gs1Error::BadCheckDigit {
        ai: Ai::GTIN,
        value: data.to_owned(),
    })?;
    let mut out = ElementString::with_capacity(Some(symbology), 14);
    out.push(Ai::GTIN, &gtin14, Decoded::Text, false)?;
    Ok(out)
}
