//! Generates `ai_table.rs` from the checked-in GS1 Barcode Syntax Dictionary
//! and fails when the checked-in table has drifted from it. To take a new
//! dictionary release: replace `labels/data/gs1-syntax-dictionary.txt`, run
//! `UPDATE_AI_TABLE=1 cargo test -p yaolian-labels ai_table`, review the diff.
//! A linter name this crate has never seen fails generation, so a new check
//! is a decision, not a silent pass.

/// One dictionary component: `N6,yymmd0`, `[X..17]`, `N..15`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DictComp {
    pub(crate) cset: char,
    pub(crate) min: u8,
    pub(crate) max: u8,
    pub(crate) optional: bool,
    pub(crate) lints: Vec<String>,
}

/// One AI of the dictionary, ranges expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DictEntry {
    pub(crate) code: String,
    pub(crate) predefined: bool,
    pub(crate) title: String,
    pub(crate) comps: Vec<DictComp>,
}

pub(crate) const DICTIONARY: &str = include_str!("../../data/gs1-syntax-dictionary.txt");

const FLAG_CHARS: &str = "*!?\"$%&'()+,-./:;<=>@[\\]^_`{|}~";

fn parse_comp(tok: &str) -> Result<DictComp, String> {
    let (optional, ty, lints) = match tok.strip_prefix('[') {
        Some(rest) => {
            let (inner, after) = rest.split_once(']').ok_or(format!("unclosed [ in {tok}"))?;
            (true, inner, after.trim_start_matches(','))
        }
        None => match tok.split_once(',') {
            Some((ty, lints)) => (false, ty, lints),
            None => (false, tok, ""),
        },
    };
    let mut chars = ty.chars();
    let cset = chars.next().ok_or(format!("empty component {tok}"))?;
    let len = chars.as_str();
    let (min, max) = match len.strip_prefix("..") {
        Some(max) => (1, max.parse::<u8>().map_err(|e| format!("{tok}: {e}"))?),
        None => {
            let n = len.parse::<u8>().map_err(|e| format!("{tok}: {e}"))?;
            (n, n)
        }
    };
    Ok(DictComp {
        cset,
        min,
        max,
        optional,
        lints: lints
            .split(',')
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

fn is_comp(tok: &str) -> bool {
    let t = tok.trim_start_matches('[');
    let mut c = t.chars();
    matches!(c.next(), Some('N' | 'X' | 'Y' | 'Z'))
        && c.next().is_some_and(|d| d.is_ascii_digit() || d == '.')
}

pub(crate) fn parse_dictionary(text: &str) -> Result<Vec<DictEntry>, String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (spec, title) = match line.split_once('#') {
            Some((s, t)) => (s, t.trim()),
            None => (line, ""),
        };
        let mut toks = spec.split_whitespace().peekable();
        let ais = toks.next().ok_or("empty line")?;
        let mut predefined = false;
        if let Some(flags) = toks.next_if(|t| t.chars().all(|c| FLAG_CHARS.contains(c))) {
            predefined = flags.contains('*');
        }
        let mut comps = Vec::new();
        while let Some(tok) = toks.next_if(|t| is_comp(t)) {
            comps.push(parse_comp(tok)?);
        }
        if comps.is_empty() {
            return Err(format!("no components: {line}"));
        }
        let (first, last) = ais.split_once('-').unwrap_or((ais, ais));
        let (lo, hi) = (
            first.parse::<u32>().map_err(|e| format!("{ais}: {e}"))?,
            last.parse::<u32>().map_err(|e| format!("{ais}: {e}"))?,
        );
        for n in lo..=hi {
            out.push(DictEntry {
                code: format!("{n:0width$}", width = first.len()),
                predefined,
                title: title.to_owned(),
                comps: comps.clone(),
            });
        }
    }
    Ok(out)
}

fn lint_variant(name: &str) -> Result<&'static str, String> {
    Ok(match name {
        "csum" => "Csum",
        "csumalpha" => "CsumAlpha",
        "yymmd0" => "Yymmd0",
        "yymmdd" => "Yymmdd",
        "yyyymmdd" => "Yyyymmdd",
        "hhmi" => "Hhmi",
        "hh" => "Hh",
        "mi" => "Mi",
        "ss" => "Ss",
        "iso3166" => "Iso3166",
        "iso3166999" => "Iso3166Or999",
        "iso3166alpha2" => "Iso3166Alpha2",
        "iso4217" => "Iso4217",
        "iso5218" => "Iso5218",
        "nonzero" => "NonZero",
        "zero" => "Zero",
        "yesno" => "YesNo",
        "winding" => "Winding",
        "hyphen" => "Hyphen",
        "latitude" => "Latitude",
        "longitude" => "Longitude",
        "pieceoftotal" => "PieceOfTotal",
        "posinseqslash" => "PosInSeqSlash",
        "importeridx" => "ImporterIdx",
        "iban" => "Iban",
        "nozeroprefix" => "NoZeroPrefix",
        "hasnondigit" => "HasNonDigit",
        "pcenc" => "PcEnc",
        "gcppos1" => "GcpPos1",
        "gcppos2" => "GcpPos2",
        "mediatype" => "MediaType",
        "packagetype" => "PackageType",
        "couponcode" => "CouponCode",
        "couponposoffer" => "CouponPosOffer",
        other => return Err(format!("linter {other:?} is new: decide how to check it")),
    })
}

fn release(text: &str) -> &str {
    text.lines()
        .find_map(|l| l.strip_prefix("# Release: "))
        .unwrap_or("unknown")
        .trim()
}

/// The source text of `ai_table.rs`.
pub(crate) fn render(text: &str) -> Result<String, String> {
    let entries = parse_dictionary(text)?;
    let mut out = format!(
        "//! Every GS1 Application Identifier, generated from\n\
         //! `labels/data/gs1-syntax-dictionary.txt` (GS1 Barcode Syntax Dictionary,\n\
         //! release {}) by `ai_table_gen.rs`. Do not edit: regenerate with\n\
         //! `UPDATE_AI_TABLE=1 cargo test -p yaolian-labels ai_table`.\n\
         //!\n\
         //! Per entry: code, predefined length (no FNC1 after it), title, and\n\
         //! the value's components (character set, min and max length,\n\
         //! checks). `opt` components may be left out at the end of a value.\n\
         \n\
         use super::ai::Cset::{{N, X, Y, Z}};\n\
         use super::ai::Lint::*;\n\
         use super::ai::{{Comp, Spec}};\n\
         \n\
         pub(crate) const AI_COUNT: usize = {};\n\
         \n\
         #[rustfmt::skip]\n\
         pub(crate) static TABLE: [Spec; AI_COUNT] = [\n",
        release(text),
        entries.len()
    );
    for e in &entries {
        let mut comps = Vec::new();
        for c in &e.comps {
            let lints = c
                .lints
                .iter()
                .map(|l| lint_variant(l))
                .collect::<Result<Vec<_>, _>>()?;
            comps.push(format!(
                "Comp::{}({}, {}, {}, &[{}])",
                if c.optional { "opt" } else { "req" },
                c.cset,
                c.min,
                c.max,
                lints.join(", ")
            ));
        }
        out.push_str(&format!(
            "    Spec::new({:?}, {}, {:?}, &[{}]),\n",
            e.code,
            e.predefined,
            e.title,
            comps.join(", ")
        ));
    }
    out.push_str("];\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::disallowed_methods)] // a test's own switch
    fn ai_table_is_generated_from_dictionary() {
        let fresh = render(DICTIONARY).unwrap_or_else(|e| panic!("{e}"));
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/gs1/ai_table.rs");
        if std::env::var_os("UPDATE_AI_TABLE").is_some() {
            std::fs::write(path, &fresh).unwrap_or_else(|e| panic!("{path}: {e}"));
        }
        let checked_in = include_str!("ai_table.rs");
        assert!(
            fresh == checked_in,
            "ai_table.rs has drifted from the dictionary: run UPDATE_AI_TABLE=1 cargo test -p yaolian-labels ai_table"
        );
    }

    #[test]
    fn ai_table_dictionary_parses_as_documented() {
        let all = parse_dictionary(DICTIONARY).unwrap_or_default();
        let get = |code: &str| all.iter().find(|e| e.code == code).cloned();
        let gtin = get("01").unwrap_or_else(|| panic!("no 01"));
        assert!(gtin.predefined);
        assert_eq!(gtin.comps[0].lints, ["csum", "gcppos2"]);
        let gdti = get("253").unwrap_or_else(|| panic!("no 253"));
        assert_eq!(gdti.comps.len(), 2);
        assert!(gdti.comps[1].optional);
        assert_eq!((gdti.comps[1].min, gdti.comps[1].max), (1, 17));
        assert_eq!(get("423").map(|e| e.comps.len()), Some(5));
        assert_eq!(get("3105").map(|e| e.title), Some("NET WEIGHT (kg)".into()));
        assert!(get("3106").is_none());
        assert_eq!(get("99").map(|e| e.comps[0].max), Some(90));
        assert_eq!(get("8110").map(|e| e.title), Some(String::new()));
    }
}
