use chrono::NaiveDate;

use super::date::encode_date;
use super::input::GS;
use super::parser::{check_value, parse_raw};
use super::{Ai, ElementString, Gs1Error};

/// Assembles an element string for printing.
///
/// Predefined-length elements are emitted first and variable-length ones
/// after, each group in insertion order: that is GS1's recommended layout,
/// needs the fewest FNC1 separators, and leaves no variable field in the
/// middle for a scanner to run together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ElementStringBuilder {
    elements: Vec<(Ai, String)>,
}

impl ElementStringBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Any supported AI with its value as it will be printed.
    pub fn element(mut self, ai: Ai, value: impl Into<String>) -> Self {
        self.elements.push((ai, value.into()));
        self
    }
    pub fn sscc(self, sscc: impl Into<String>) -> Self {
        self.element(Ai::SSCC, sscc)
    }
    /// (01); a GTIN-8/12/13 is padded to 14 digits.
    pub fn gtin(self, gtin: &str) -> Self {
        let padded = format!("{gtin:0>14}");
        self.element(Ai::GTIN, padded)
    }
    pub fn lot(self, lot: impl Into<String>) -> Self {
        self.element(Ai::BATCH, lot)
    }
    pub fn serial(self, serial: impl Into<String>) -> Self {
        self.element(Ai::SERIAL, serial)
    }
    pub fn expiry(self, date: NaiveDate) -> Self {
        self.element(Ai::EXPIRY, encode_date(date))
    }
    pub fn production_date(self, date: NaiveDate) -> Self {
        self.element(Ai::PRODUCTION_DATE, encode_date(date))
    }
    pub fn best_before(self, date: NaiveDate) -> Self {
        self.element(Ai::BEST_BEFORE, encode_date(date))
    }
    /// (30) variable count.
    pub fn count(self, n: u32) -> Self {
        self.element(Ai::VAR_COUNT, n.to_string())
    }
    /// (37) count of trade items in a logistic unit.
    pub fn content_count(self, n: u32) -> Self {
        self.element(Ai::COUNT, n.to_string())
    }

    fn ordered(&self) -> Result<Vec<(Ai, &str)>, Gs1Error> {
        let mut out: Vec<(Ai, &str)> = Vec::with_capacity(self.elements.len());
        for (ai, v) in &self.elements {
            check_value(*ai, v.as_bytes(), 0)?;
            if let Some((_, first)) = out.iter().find(|(a, _)| a == ai) {
                return Err(Gs1Error::DuplicateAi {
                    ai: *ai,
                    first: (*first).to_owned(),
                    second: v.clone(),
                });
            }
            out.push((*ai, v));
        }
        if out.iter().any(|(a, _)| *a == Ai::GTIN)
            && out.iter().any(|(a, _)| *a == Ai::CONTENT_GTIN)
        {
            return Err(Gs1Error::ConflictingAi {
                first: Ai::GTIN,
                second: Ai::CONTENT_GTIN,
            });
        }
        if out.is_empty() {
            return Err(Gs1Error::Empty);
        }
        out.sort_by_key(|(ai, _)| !ai.is_predefined_length());
        Ok(out)
    }

    /// The data string as the symbol carries it (see [`build`]).
    pub fn build(&self) -> Result<String, Gs1Error> {
        Ok(join(&self.ordered()?))
    }

    /// `(01)…(17)…(10)…` in the same order as [`Self::build`].
    pub fn human_readable(&self) -> Result<String, Gs1Error> {
        let mut out = String::new();
        for (ai, v) in self.ordered()? {
            out.push('(');
            out.push_str(ai.code());
            out.push(')');
            out.push_str(v);
        }
        Ok(out)
    }

    /// Builds and parses back, giving the typed view the renderers take.
    pub fn element_string(&self, today: NaiveDate) -> Result<ElementString, Gs1Error> {
        // The builder's output has every separator it needs, so recovery
        // (which exists for scanner artefacts) must not reinterpret it.
        parse_raw(&self.build()?, None, today, false)
    }
}

/// Builds the GS-separated data string: AI + value for each element,
/// predefined-length elements first, a GS (0x1D, FNC1 in the symbol) after
/// each variable-length value except the last. Values are validated.
pub fn build(elements: &[(Ai, &str)]) -> Result<String, Gs1Error> {
    elements
        .iter()
        .fold(ElementStringBuilder::new(), |b, (ai, v)| b.element(*ai, *v))
        .build()
}

fn join(elements: &[(Ai, &str)]) -> String {
    let mut out = String::new();
    let last = elements.len().saturating_sub(1);
    for (i, (ai, v)) in elements.iter().enumerate() {
        out.push_str(ai.code());
        out.push_str(v);
        if i < last && !ai.is_predefined_length() {
            out.push(char::from(GS));
        }
    }
    out
}
