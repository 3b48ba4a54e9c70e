//! Undoing what keyboard-wedge scanners do to GS1 data before it is parsed.

use std::borrow::Cow;

use super::Gs1Error;

/// The group separator that ends a variable-length field (FNC1 in the symbol).
pub(crate) const GS: u8 = 0x1D;
const GS_CHAR: char = '\u{1D}';

/// The symbology identifier a scanner put in front of the data (ISO/IEC 15424).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Symbology {
    /// `]C1`
    Gs1_128,
    /// `]d2`
    Gs1DataMatrix,
    /// `]Q3`
    Gs1Qr,
    /// `]e0`
    Gs1DataBar,
    /// `]E0`: EAN-13, or UPC-A sent as 13 digits with a leading zero.
    Ean13,
    /// `]E4`
    Ean8,
}

impl Symbology {
    /// The three-character identifier, e.g. `"]C1"`.
    pub fn identifier(self) -> &'static str {
        match self {
            Symbology::Gs1_128 => "]C1",
            Symbology::Gs1DataMatrix => "]d2",
            Symbology::Gs1Qr => "]Q3",
            Symbology::Gs1DataBar => "]e0",
            Symbology::Ean13 => "]E0",
            Symbology::Ean8 => "]E4",
        }
    }

    /// Recognises a GS1 identifier from its two characters after `]`.
    pub(crate) fn from_id(id: &str) -> Option<Symbology> {
        Some(match id {
            "C1" => Symbology::Gs1_128,
            "d2" => Symbology::Gs1DataMatrix,
            "Q3" => Symbology::Gs1Qr,
            "e0" => Symbology::Gs1DataBar,
            "E0" => Symbology::Ean13,
            "E4" => Symbology::Ean8,
            _ => return None,
        })
    }
}

/// Strips CR, LF, BOM and NUL anywhere, trims spaces at both ends, and turns
/// every spelling of the separator (0x1D, Tab, `<GS>`, `{GS}` in any case,
/// Ctrl+] echoed as `^]`, and U+241D "␝") into one GS byte.
///
/// Borrows when nothing needs changing, which is the common case for
/// scanners that send a real 0x1D.
pub(crate) fn clean(raw: &str) -> Cow<'_, str> {
    let needs_rewrite = raw
        .bytes()
        .any(|b| matches!(b, b'\r' | b'\n' | 0 | b'\t' | b'<' | b'{' | b'^') || b >= 0x80);
    if !needs_rewrite {
        return Cow::Borrowed(raw.trim_matches(' '));
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(c) = rest.chars().next() {
        let mut advance = c.len_utf8();
        match c {
            '\r' | '\n' | '\0' | '\u{FEFF}' => {}
            '\t' | '\u{241D}' | GS_CHAR => out.push(GS_CHAR),
            '^' if rest.as_bytes().get(1) == Some(&b']') => {
                out.push(GS_CHAR);
                advance = 2;
            }
            '<' | '{' if is_gs_text(rest.as_bytes()) => {
                out.push(GS_CHAR);
                advance = 4;
            }
            _ => out.push(c),
        }
        rest = rest.get(advance..).unwrap_or("");
    }
    let trimmed = out.trim_matches(' ');
    if trimmed.len() == out.len() {
        Cow::Owned(out)
    } else {
        Cow::Owned(trimmed.to_owned())
    }
}

fn is_gs_text(b: &[u8]) -> bool {
    match (b.first(), b.get(1..3), b.get(3)) {
        (Some(b'<'), Some(gs), Some(b'>')) | (Some(b'{'), Some(gs), Some(b'}')) => {
            gs.eq_ignore_ascii_case(b"GS")
        }
        _ => false,
    }
}

/// Splits off a leading symbology identifier. Non-GS1 identifiers (such as
/// `]C0` plain Code 128 or `]d1` plain Data Matrix) are refused: the data
/// in them is not an element string even if it looks like one.
pub(crate) fn split_symbology(s: &str) -> Result<(Option<Symbology>, &str), Gs1Error> {
    if !s.starts_with(']') {
        return Ok((None, s));
    }
    let id = s.get(1..3).ok_or(Gs1Error::NotGs1)?;
    let sym = Symbology::from_id(id).ok_or_else(|| Gs1Error::UnsupportedSymbology {
        id: format!("]{id}"),
    })?;
    Ok((Some(sym), s.get(3..).unwrap_or("")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separator_spellings_become_gs() {
        for raw in [
            "10A\u{1D}21B",
            "10A\t21B",
            "10A<GS>21B",
            "10A<gs>21B",
            "10A{GS}21B",
            "10A{Gs}21B",
            "10A^]21B",
            "10A\u{241D}21B",
        ] {
            assert_eq!(clean(raw), "10A\u{1D}21B", "{raw:?}");
        }
    }

    #[test]
    fn noise_is_stripped() {
        assert_eq!(clean("\u{FEFF}0106\r\n901\0 "), "0106901");
        assert_eq!(clean("  ]C101\n"), "]C101");
        // A lone '<' or '{' that is not a separator stays.
        assert_eq!(clean("10A<B{C"), "10A<B{C");
        assert!(matches!(clean("0112345"), Cow::Borrowed(_)));
    }

    #[test]
    fn symbology_split() {
        assert_eq!(
            split_symbology("]d2011"),
            Ok((Some(Symbology::Gs1DataMatrix), "011"))
        );
        assert_eq!(split_symbology("011"), Ok((None, "011")));
        assert_eq!(
            split_symbology("]C0011"),
            Err(Gs1Error::UnsupportedSymbology { id: "]C0".into() })
        );
        assert_eq!(split_symbology("]C"), Err(Gs1Error::NotGs1));
    }
}
