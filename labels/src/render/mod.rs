//! Printing labels: GS1-128 and plain Code 128 as SVG or PNG, and GS1
//! DataMatrix as SVG.
//!
//! SVG is the full label: symbol, human-readable line and caption lines
//! (Chinese generic name, strength, expiry…), left to the printer's fonts.
//! PNG carries the symbol and the ASCII human-readable line drawn with a
//! built-in 5×7 font; caption lines with non-ASCII characters are left out
//! of the PNG because embedding a CJK font would dwarf this crate. Use the
//! SVG when captions matter.
//!
//! GS1 DataMatrix is encoded by the `datamatrix` crate with FNC1 in first
//! position; the separator between variable-length fields is written as the
//! GS character (ASCII 29), which GS1 permits for Data Matrix and which a
//! reader transmits exactly as it would a separator FNC1.

mod code128;
mod font;
mod png_label;
mod svg;

use datamatrix::{DataMatrix, SymbolList};

use crate::gs1::{ElementString, GS};
use code128::Sym;

/// GS1 caps GS1-128 at 48 data characters (AIs included, FNC1s excluded).
pub const GS1_128_MAX_DATA: usize = 48;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    #[error("nothing to encode")]
    Empty,
    #[error("Code 128 cannot carry {0:?} (only printable ASCII)")]
    UnsupportedCharacter(char),
    #[error("GS1-128 carries at most {max} data characters, this needs {len}; use DataMatrix")]
    TooLong { len: usize, max: usize },
    #[error("barcode encoder failed: {0}")]
    Encoder(String),
    #[error("PNG encoding failed: {0}")]
    Png(String),
}

impl RenderError {
    pub fn code(&self) -> &'static str {
        match self {
            RenderError::Empty => "render.empty",
            RenderError::UnsupportedCharacter(_) => "render.unsupported_character",
            RenderError::TooLong { .. } => "render.too_long",
            RenderError::Encoder(_) => "render.encoder",
            RenderError::Png(_) => "render.png",
        }
    }
}

fn gs1_syms(es: &ElementString) -> Result<Vec<Sym>, RenderError> {
    let data = es.data_string();
    let len = data.bytes().filter(|&b| b != GS).count();
    if len == 0 {
        return Err(RenderError::Empty);
    }
    if len > GS1_128_MAX_DATA {
        return Err(RenderError::TooLong {
            len,
            max: GS1_128_MAX_DATA,
        });
    }
    let mut syms = Vec::with_capacity(data.len() + 1);
    syms.push(Sym::Fnc1);
    syms.extend(
        data.bytes()
            .map(|b| if b == GS { Sym::Fnc1 } else { Sym::Char(b) }),
    );
    Ok(syms)
}

fn text_syms(text: &str) -> Result<Vec<Sym>, RenderError> {
    if let Some(c) = text.chars().find(|c| !(' '..='~').contains(c)) {
        return Err(RenderError::UnsupportedCharacter(c));
    }
    Ok(text.bytes().map(Sym::Char).collect())
}

/// The GS1-128 bars and spaces (1 = bar), start code to stop pattern,
/// without quiet zones. Starts with FNC1; FNC1 separates variable fields.
pub fn gs1_128_modules(es: &ElementString) -> Result<Vec<u8>, RenderError> {
    code128::modules(&gs1_syms(es)?)
}

/// Plain Code 128 modules for shipment numbers, location codes and the like.
pub fn code128_modules(text: &str) -> Result<Vec<u8>, RenderError> {
    code128::modules(&text_syms(text)?)
}

/// A GS1-128 label: symbol, `(01)…(17)…(10)…` line, then `caption_lines`.
pub fn gs1_128_svg(es: &ElementString, caption_lines: &[String]) -> Result<String, RenderError> {
    Ok(svg::linear(
        &gs1_128_modules(es)?,
        &es.human_readable(),
        caption_lines,
    ))
}

/// A Code 128 label whose human-readable line is the text itself.
pub fn code128_svg(text: &str, caption_lines: &[String]) -> Result<String, RenderError> {
    Ok(svg::linear(&code128_modules(text)?, text, caption_lines))
}

/// PNG of [`gs1_128_svg`]; non-ASCII caption lines are omitted.
pub fn gs1_128_png(es: &ElementString, caption_lines: &[String]) -> Result<Vec<u8>, RenderError> {
    png_label::linear(&gs1_128_modules(es)?, &es.human_readable(), caption_lines)
}

/// PNG of [`code128_svg`]; non-ASCII caption lines are omitted.
pub fn code128_png(text: &str, caption_lines: &[String]) -> Result<Vec<u8>, RenderError> {
    png_label::linear(&code128_modules(text)?, text, caption_lines)
}

/// The GS1 DataMatrix symbol as encoded by the `datamatrix` crate.
pub fn gs1_datamatrix(es: &ElementString) -> Result<DataMatrix, RenderError> {
    let data = es.data_string();
    if data.is_empty() {
        return Err(RenderError::Empty);
    }
    DataMatrix::encode_gs1(data.as_bytes(), SymbolList::default())
        .map_err(|e| RenderError::Encoder(format!("{e:?}")))
}

/// A GS1 DataMatrix label: symbol, human-readable line, `caption_lines`.
pub fn datamatrix_svg(es: &ElementString, caption_lines: &[String]) -> Result<String, RenderError> {
    let bitmap = gs1_datamatrix(es)?.bitmap();
    Ok(svg::matrix(
        bitmap.bits(),
        bitmap.width(),
        &es.human_readable(),
        caption_lines,
    ))
}

#[cfg(test)]
mod tests;
