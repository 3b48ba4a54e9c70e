//! Every AI of the GS1 Barcode Syntax Dictionary, after a GTIN and an
//! expiry: a valid value (made from the AI's components) resolves and is
//! carried through exactly; invalid ones are refused naming the AI.

use chrono::NaiveDate;
use proptest::prelude::*;

use super::ai::{Comp, Cset, Lint};
use super::ai_table_gen::{DICTIONARY, parse_dictionary};
use super::lint::csum_alpha_pair;
use super::*;

const GTIN: &str = "06901234567892";
const EXPIRY: &str = "271231";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default()
}

/// `len` characters of `cset` that are plain in every input form (no `(`,
/// `<`, `^`, `\`, which the bracketed form or separator spellings treat
/// specially).
fn plain(cset: Cset, len: usize) -> String {
    let alphabet: &[u8] = match cset {
        Cset::N => b"1234567890",
        Cset::X => b"Ab1-./:_%2+",
        Cset::Y => b"A1#-/Z",
        Cset::Z => b"Ab1-_Z",
    };
    alphabet
        .iter()
        .cycle()
        .take(len)
        .map(|&b| char::from(b))
        .collect()
}

/// A valid value of exactly `len` characters for one component.
fn component(c: &Comp, len: usize) -> String {
    let lints = c.lints;
    let has = |l: Lint| lints.contains(&l);
    let fixed = |s: &str| s.to_owned();
    if has(Lint::Csum) {
        return crate::gtin::with_check_digit(&plain(Cset::N, len - 1));
    }
    if has(Lint::CsumAlpha) {
        let data: String = "Bm8v2A7907665CDEFGHJKLMN".chars().take(len - 2).collect();
        let pair = csum_alpha_pair(data.as_bytes()).unwrap_or_default();
        return format!("{data}{}{}", char::from(pair[0]), char::from(pair[1]));
    }
    for (lint, value) in [
        (Lint::Yymmd0, "271200"),
        (Lint::Yymmdd, "280229"),
        (Lint::Yyyymmdd, "20240229"),
        (Lint::Hhmi, "2359"),
        (Lint::Hh, "23"),
        (Lint::Mi, "59"),
        (Lint::Ss, "59"),
        (Lint::Iso3166, "156"),
        (Lint::Iso3166Or999, "999"),
        (Lint::Iso3166Alpha2, "CN"),
        (Lint::Iso4217, "156"),
        (Lint::Iso5218, "9"),
        (Lint::YesNo, "1"),
        (Lint::Winding, "9"),
        (Lint::Hyphen, "-"),
        (Lint::Latitude, "1800000000"),
        (Lint::Longitude, "0000000000"),
        (Lint::PieceOfTotal, "0202"),
        (Lint::PosInSeqSlash, "1/2"),
        (Lint::ImporterIdx, "_"),
        (Lint::Iban, "GB82WEST12345698765432"),
        (Lint::MediaType, "01"),
    ] {
        if has(lint) {
            return fixed(value);
        }
    }
    if has(Lint::Zero) {
        return "0".repeat(len);
    }
    let mut v = plain(c.cset, len);
    if has(Lint::PcEnc) {
        v = v.replace('%', "A");
        if len >= 4 {
            v.replace_range(..3, "%41");
        }
    }
    if has(Lint::HasNonDigit) && len >= 1 {
        v.replace_range(..1, "A");
    }
    v
}

/// Length used for a component: `max` for the longest value, `min` for the
/// shortest; fixed-content linters decide their own.
fn value(ai: Ai, longest: bool) -> String {
    ai.comps()
        .iter()
        .filter(|c| longest || !c.optional)
        .map(|c| {
            let len = if longest { c.max } else { c.min };
            let min_for_lints = if c.lints.contains(&Lint::CsumAlpha) {
                3
            } else {
                1
            };
            component(c, usize::from(len).max(min_for_lints))
        })
        .collect()
}

/// Values that break one rule of `ai` each, with what was broken. Every AI
/// gets at least the bad character.
fn invalid_values(ai: Ai) -> Vec<(String, &'static str)> {
    let good = value(ai, true);
    let comps = ai.comps();
    let mut out = Vec::new();
    let bad = match comps.first().map(|c| c.cset) {
        Some(Cset::N) => 'A',
        _ => '~',
    };
    out.push((
        format!("{bad}{}", good.get(1..).unwrap_or_default()),
        "character",
    ));
    let shortest = value(ai, false);
    let min: usize = comps
        .iter()
        .filter(|c| !c.optional)
        .map(|c| usize::from(c.min))
        .sum();
    if min > 1 {
        out.push((
            shortest
                .get(..shortest.len() - 1)
                .unwrap_or_default()
                .to_owned(),
            "short",
        ));
    }
    let last = comps.last().map_or(Cset::N, |c| c.cset);
    out.push((format!("{good}{}", plain(last, 1)), "long"));
    // Break each component's content check in turn, keeping its length.
    let mut pos = 0;
    for c in comps {
        // Variable components come last, so the value may end early.
        let len = usize::from(c.max).min(good.len() - pos);
        let part = good.get(pos..pos + len).unwrap_or_default().to_owned();
        let broken = c.lints.iter().find_map(|l| {
            Some(match l {
                Lint::Csum => {
                    let last = part.bytes().last()?;
                    format!(
                        "{}{}",
                        &part[..len - 1],
                        char::from(b'0' + (last - b'0' + 1) % 10)
                    )
                }
                Lint::CsumAlpha => format!("{}22", &part[..part.len() - 2]),
                Lint::Yymmd0 => "271331".into(),
                Lint::Yymmdd => "270229".into(),
                Lint::Yyyymmdd => "20230229".into(),
                Lint::Hhmi => "2400".into(),
                Lint::Hh => "24".into(),
                Lint::Mi | Lint::Ss => "60".into(),
                Lint::Iso3166 | Lint::Iso3166Or999 | Lint::Iso4217 => "000".into(),
                Lint::Iso3166Alpha2 => "XX".into(),
                Lint::Iso5218 => "3".into(),
                Lint::NonZero => "0".repeat(len),
                Lint::Zero => "1".repeat(len),
                Lint::YesNo | Lint::Winding => "2".into(),
                Lint::Hyphen => "A".into(),
                Lint::Latitude => "1800000001".into(),
                Lint::Longitude => "3600000001".into(),
                Lint::PieceOfTotal => "0201".into(),
                Lint::PosInSeqSlash => "2/1".into(),
                Lint::ImporterIdx => ".".into(),
                Lint::Iban => "GB82WEST12345698765433".into(),
                Lint::NoZeroPrefix => format!("0{}", &part[1..]),
                Lint::HasNonDigit => "1".repeat(part.len()),
                Lint::PcEnc => format!("%G{}", &part[2..]),
                _ => return None,
            })
        });
        if let Some(b) = broken.filter(|b| b.len() == part.len()) {
            let mut v = good.clone();
            v.replace_range(pos..pos + part.len(), &b);
            out.push((v, "content"));
        }
        pos += part.len();
    }
    out
}

/// The scan with `ai`=`v` after a GTIN and an expiry. (01) and (17) replace
/// the base element instead; (02) may not appear with (01) (GS1 General
/// Specifications), so it follows the expiry alone.
fn elements(ai: Ai, v: &str) -> Vec<(Ai, String)> {
    match ai {
        Ai::GTIN => vec![(Ai::GTIN, v.into()), (Ai::EXPIRY, EXPIRY.into())],
        Ai::EXPIRY => vec![(Ai::GTIN, GTIN.into()), (Ai::EXPIRY, v.into())],
        Ai::CONTENT_GTIN => vec![(Ai::EXPIRY, EXPIRY.into()), (ai, v.into())],
        _ => vec![
            (Ai::GTIN, GTIN.into()),
            (Ai::EXPIRY, EXPIRY.into()),
            (ai, v.into()),
        ],
    }
}

fn raw(elements: &[(Ai, String)]) -> String {
    let mut out = String::new();
    let last = elements.len().saturating_sub(1);
    for (i, (ai, v)) in elements.iter().enumerate() {
        out.push_str(ai.code());
        out.push_str(v);
        if i < last && !ai.is_predefined_length() {
            out.push('\u{1D}');
        }
    }
    out
}

fn bracketed(elements: &[(Ai, String)]) -> String {
    elements
        .iter()
        .map(|(ai, v)| format!("({}){v}", ai.code()))
        .collect()
}

fn assert_carried(ai: Ai, v: &str, scan: &str) {
    let es = match parse(scan, today()) {
        Ok(es) => es,
        Err(e) => panic!("{} {v:?}: {scan:?} refused: {e}", ai.code()),
    };
    let found: Vec<&str> = es
        .elements()
        .filter(|(a, _)| *a == ai)
        .map(|(_, v)| v)
        .collect();
    assert_eq!(found, [v], "{scan:?}");
    let others: Vec<Ai> = es.other_elements().map(|(a, _)| a).collect();
    assert!(others.iter().filter(|a| **a == ai).count() <= 1, "{scan:?}");
    assert!(!others.contains(&Ai::GTIN) && !others.contains(&Ai::EXPIRY));
    assert!(!es.recovered_missing_separator(), "{scan:?}");
    assert_eq!(
        es.gtin(),
        if ai == Ai::CONTENT_GTIN {
            None
        } else {
            es.get(Ai::GTIN)
        }
    );
}

#[test]
fn table_covers_the_whole_dictionary() {
    let dict = parse_dictionary(DICTIONARY).unwrap_or_default();
    let codes: Vec<&str> = Ai::all().map(Ai::code).collect();
    let expected: Vec<&str> = dict.iter().map(|e| e.code.as_str()).collect();
    assert_eq!(codes, expected);
    assert!(codes.len() > 500, "{}", codes.len());
}

#[test]
fn every_ai_with_a_valid_value_resolves_after_gtin_and_expiry() {
    let mut checked = 0;
    for ai in Ai::all() {
        for longest in [true, false] {
            let v = value(ai, longest);
            let els = elements(ai, &v);
            // Raw, the AI last (no separator after it).
            assert_carried(ai, &v, &raw(&els));
            // Raw, the AI followed by another field: a separator exactly
            // where GS1 requires one.
            let mut more = els.clone();
            let follower = if ai == Ai::BATCH {
                (Ai::SERIAL, "SER1")
            } else {
                (Ai::BATCH, "LOT1")
            };
            more.push((follower.0, follower.1.into()));
            assert_carried(ai, &v, &format!("]d2{}", raw(&more)));
            // Keyboard-wedge separator text and the bracketed form.
            assert_carried(ai, &v, &raw(&more).replace('\u{1D}', "<GS>"));
            assert_carried(ai, &v, &bracketed(&more));
            checked += 1;
        }
    }
    assert_eq!(checked, 2 * Ai::all().len());
}

#[test]
fn every_ai_is_in_exactly_one_of_typed_or_other_elements() {
    for ai in Ai::all() {
        let v = value(ai, true);
        let Ok(es) = parse(&bracketed(&elements(ai, &v)), today()) else {
            panic!("{}", ai.code());
        };
        let in_other = es.other_elements().any(|(a, x)| a == ai && x == v);
        let typed = match ai.code() {
            "00" => es.sscc() == Some(v.as_str()),
            "01" => es.gtin() == Some(v.as_str()),
            "02" => es.content_gtin() == Some(v.as_str()),
            "10" => es.lot() == Some(v.as_str()),
            "21" => es.serial() == Some(v.as_str()),
            "20" => es.variant() == Some(v.as_str()),
            "240" => es.additional_product_id() == Some(v.as_str()),
            "241" => es.customer_part_number() == Some(v.as_str()),
            "11" | "12" | "13" | "15" | "16" | "17" => ai.is_date(),
            "30" => es.count().map(|n| n.to_string()) == Some(v.clone()),
            "37" => es.content_count().map(|n| n.to_string()) == Some(v.clone()),
            "7003" => es.expiry_date_time().is_some(),
            c if c.len() == 3 && c.starts_with("71") => es.nhrn() == Some((ai, v.as_str())),
            c if c.len() == 2 && c.starts_with('9') => {
                es.internal(c.parse().unwrap_or(0)) == Some(v.as_str())
            }
            _ => false,
        };
        assert!(
            typed != in_other,
            "{}: typed {typed}, other {in_other}",
            ai.code()
        );
    }
}

#[test]
fn every_ai_with_an_invalid_value_is_refused_naming_it() {
    let mut refused = 0;
    for ai in Ai::all() {
        for (v, broke) in invalid_values(ai) {
            let els = elements(ai, &v);
            let mut scans = vec![bracketed(&els)];
            // In raw data a predefined-length field ends where its length
            // says, so an over-long value just starts the next AI, and a
            // short one borrows from the next AI unless it ends the data.
            let last = els.last().map(|(a, _)| *a) == Some(ai);
            let spills = match broke {
                "long" => ai.is_predefined_length(),
                "short" => !last,
                _ => false,
            };
            if !spills {
                scans.push(raw(&els));
            }
            for scan in scans {
                match parse(&scan, today()) {
                    Ok(es) => panic!(
                        "{} {broke} value {v:?} accepted: {}",
                        ai.code(),
                        es.human_readable()
                    ),
                    Err(e) => {
                        assert_eq!(e.ai(), Some(ai), "{scan:?}: {e}");
                        assert!(e.to_string().contains(&format!("({})", ai.code())), "{e}");
                    }
                }
                refused += 1;
            }
        }
    }
    assert!(refused > 3 * Ai::all().len(), "{refused}");
}

#[test]
fn foreign_and_logistic_ais_from_the_issue() {
    let scan = "]d2010690123456789217271231\u{1D}22CPV1\u{1D}235TPX\u{1D}242123\u{1D}\
                243PCN\u{1D}251REF\u{1D}2534000001000005DOC\u{1D}3103001250\
                70032712312359\u{1D}716AIC123\u{1D}10LOT1";
    let Ok(es) = parse(scan, today()) else {
        panic!("{scan:?}");
    };
    let others: Vec<(String, &str)> = es
        .other_elements()
        .map(|(a, v)| (a.code().to_owned(), v))
        .collect();
    assert_eq!(
        others,
        [
            ("22".to_owned(), "CPV1"),
            ("235".into(), "TPX"),
            ("242".into(), "123"),
            ("243".into(), "PCN"),
            ("251".into(), "REF"),
            ("253".into(), "4000001000005DOC"),
            ("3103".into(), "001250"),
        ]
    );
    assert_eq!(es.lot(), Some("LOT1"));
    assert_eq!(es.nhrn(), Some((Ai::NHRN_IT, "AIC123")));
    assert!(es.expiry_date_time().is_some());
    assert_eq!(
        Ai::from_code("3103").map(Ai::title),
        Some("NET WEIGHT (kg)")
    );
}

#[test]
fn multi_component_values_are_checked_per_component() {
    let code = |e: Result<ElementString, Gs1Error>| e.map(|_| ()).map_err(|e| e.code());
    // (8003): N1 must be 0, N13 has a check digit, serial optional.
    assert_eq!(code(parse("(8003)04000001000005", today())), Ok(()));
    assert_eq!(code(parse("(8003)04000001000005SER", today())), Ok(()));
    assert_eq!(
        code(parse("(8003)14000001000005", today())),
        Err("gs1.invalid_value")
    );
    assert_eq!(
        code(parse("(8003)04000001000006", today())),
        Err("gs1.bad_check_digit")
    );
    assert_eq!(
        code(parse("(8003)0400000100000", today())),
        Err("gs1.truncated")
    );
    // (7007): a date, optionally a second one; half a second date is short.
    assert_eq!(code(parse("(7007)270101", today())), Ok(()));
    assert_eq!(code(parse("(7007)270101271231", today())), Ok(()));
    assert_eq!(
        code(parse("(7007)2701012712", today())),
        Err("gs1.truncated")
    );
    // 29 February of a year the century rule makes common.
    assert_eq!(
        code(parse("(7007)270229", today())),
        Err("gs1.invalid_date")
    );
    assert_eq!(code(parse("(4324)2802290000", today())), Ok(()));
    // (3910): ISO 4217 currency then the amount.
    assert_eq!(code(parse("(3912)156123456", today())), Ok(()));
    assert_eq!(
        code(parse("(3912)000123456", today())),
        Err("gs1.invalid_value")
    );
    // (422) country of origin.
    assert_eq!(code(parse("(422)156", today())), Ok(()));
    assert_eq!(code(parse("(422)999", today())), Err("gs1.invalid_value"));
    // (8008): hours required, minutes and seconds optional.
    assert_eq!(code(parse("(8008)27123123", today())), Ok(()));
    assert_eq!(code(parse("(8008)2712312359", today())), Ok(()));
    assert_eq!(
        code(parse("(8008)27123124", today())),
        Err("gs1.invalid_date")
    );
    // (8013) GMN check character pair.
    assert_eq!(
        code(parse("(8013)1987654Ad4X4bL5ttr2310c2K", today())),
        Ok(())
    );
    assert_eq!(
        code(parse("(8013)1987654Ad4X4bL5ttr2310c2J", today())),
        Err("gs1.bad_check_digit")
    );
    // (8030) uses set 64, (8010) set 39.
    assert_eq!(code(parse("(8010)ABC#-/", today())), Ok(()));
    assert_eq!(
        code(parse("(8010)abc", today())),
        Err("gs1.invalid_character")
    );
    assert_eq!(code(parse("(8030)Ab-_=", today())), Ok(()));
    assert_eq!(
        code(parse("(8030)A.b", today())),
        Err("gs1.invalid_character")
    );
}

#[test]
fn separator_recovery_still_needs_exactly_one_split() {
    // A measure after a lot with the GS dropped is not recovered (only
    // (17) or the other pharma AI may follow), so it stays in the lot.
    let Ok(es) = parse("010690123456789210LOT13103001250", today()) else {
        panic!("refused");
    };
    assert_eq!(es.lot(), Some("LOT13103001250"));
    assert!(!es.recovered_missing_separator());
    let Ok(es) = parse("010690123456789210LOT1172712313103001250", today()) else {
        panic!("refused");
    };
    assert_eq!(es.lot(), Some("LOT1"));
    assert_eq!(
        es.get(Ai::from_code("3103").unwrap_or(Ai::GTIN)),
        Some("001250")
    );
    assert!(es.recovered_missing_separator());
}

fn any_ai() -> impl Strategy<Value = Ai> {
    (0..Ai::all().len()).prop_map(|i| Ai::all().nth(i).unwrap_or(Ai::GTIN))
}

fn noise() -> impl Strategy<Value = String> {
    "[0-9A-Za-z#%/_=~()\\-\u{1D}]{0,24}"
}

proptest! {
    #[test]
    fn random_ai_element_strings_never_panic(
        parts in proptest::collection::vec((any_ai(), any::<bool>(), noise()), 1..5),
    ) {
        let mut raw_scan = String::new();
        let mut bracketed_scan = String::new();
        for (ai, valid, junk) in &parts {
            let v = if *valid { value(*ai, junk.len() % 2 == 0) } else { junk.clone() };
            raw_scan.push_str(ai.code());
            raw_scan.push_str(&v);
            if !ai.is_predefined_length() && *valid {
                raw_scan.push('\u{1D}');
            }
            bracketed_scan.push_str(&format!("({}){v}", ai.code()));
        }
        for scan in [&raw_scan, &bracketed_scan] {
            if let Ok(es) = parse(scan, today()) {
                let again = parse(&es.bracketed(), today());
                prop_assert!(again.is_ok(), "{:?} -> {:?}", scan, again);
                let _ = es.other_elements().count();
            }
            let _ = crate::scan::classify(scan, today());
        }
    }

    #[test]
    fn every_ai_round_trips_through_the_builder(ai in any_ai(), longest in any::<bool>()) {
        let v = value(ai, longest);
        let els = elements(ai, &v);
        let b = els.iter().fold(ElementStringBuilder::new(), |b, (a, x)| b.element(*a, x.clone()));
        let es = b.element_string(today());
        prop_assert!(es.is_ok(), "{:?}", es);
        let es = es.unwrap_or_else(|_| ElementString::with_capacity(None, 0));
        prop_assert_eq!(es.get(ai), Some(v.as_str()));
    }
}
