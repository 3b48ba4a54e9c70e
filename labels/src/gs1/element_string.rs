use chrono::{NaiveDate, NaiveDateTime};

use super::input::GS;
use super::{Ai, Gs1Error, Symbology};

/// The typed reading of one element's value, worked out once at parse time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decoded {
    Text,
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    Number(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Element {
    pub(crate) ai: Ai,
    start: usize,
    end: usize,
    pub(crate) decoded: Decoded,
}

fn is_nhrn(ai: Ai) -> bool {
    (Ai::NHRN_DE..=Ai::NHRN_LAST).contains(&ai)
}

/// The AIs [`ElementString`] has a typed accessor for.
fn has_accessor(ai: Ai) -> bool {
    [
        Ai::SSCC,
        Ai::GTIN,
        Ai::CONTENT_GTIN,
        Ai::BATCH,
        Ai::PRODUCTION_DATE,
        Ai::DUE_DATE,
        Ai::PACKAGING_DATE,
        Ai::BEST_BEFORE,
        Ai::SELL_BY,
        Ai::EXPIRY,
        Ai::VARIANT,
        Ai::SERIAL,
        Ai::VAR_COUNT,
        Ai::COUNT,
        Ai::ADDITIONAL_PRODUCT_ID,
        Ai::CUSTOMER_PART_NUMBER,
        Ai::EXPIRY_DATE_TIME,
    ]
    .contains(&ai)
        || is_nhrn(ai)
        // 90–99, company internal data, read through `internal()`.
        || ai.code().starts_with('9')
}

/// A parsed GS1 element string.
///
/// All values live in one string and elements point into it, which keeps a
/// parse to two allocations. Two element strings compare equal when they
/// hold the same elements in the same order, came from the same symbology
/// and agree on whether a separator had to be recovered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElementString {
    pub(crate) symbology: Option<Symbology>,
    pub(crate) values: String,
    pub(crate) elements: Vec<Element>,
    pub(crate) recovered_missing_separator: bool,
}

impl ElementString {
    pub(crate) fn with_capacity(symbology: Option<Symbology>, bytes: usize) -> Self {
        ElementString {
            symbology,
            values: String::with_capacity(bytes),
            elements: Vec::with_capacity(6),
            recovered_missing_separator: false,
        }
    }

    /// Adds an element. An identical repeat is dropped (GS1 allows it);
    /// a repeat with a different value is an error. In `strict` mode (used
    /// while trying a split during separator recovery) any repeat fails.
    pub(crate) fn push(
        &mut self,
        ai: Ai,
        value: &str,
        decoded: Decoded,
        strict: bool,
    ) -> Result<(), Gs1Error> {
        if let Some(first) = self.get(ai) {
            if strict || first != value {
                return Err(Gs1Error::DuplicateAi {
                    ai,
                    first: first.to_owned(),
                    second: value.to_owned(),
                });
            }
            return Ok(());
        }
        let start = self.values.len();
        self.values.push_str(value);
        self.elements.push(Element {
            ai,
            start,
            end: self.values.len(),
            decoded,
        });
        Ok(())
    }

    pub(crate) fn check_conflicts(&self) -> Result<(), Gs1Error> {
        // GS1 forbids (02) with (01): (02) names the contents of a logistic
        // unit, (01) the unit itself.
        if self.get(Ai::GTIN).is_some() && self.get(Ai::CONTENT_GTIN).is_some() {
            return Err(Gs1Error::ConflictingAi {
                first: Ai::GTIN,
                second: Ai::CONTENT_GTIN,
            });
        }
        Ok(())
    }

    fn value_of(&self, e: &Element) -> &str {
        self.values.get(e.start..e.end).unwrap_or("")
    }

    fn find(&self, ai: Ai) -> Option<&Element> {
        self.elements.iter().find(|e| e.ai == ai)
    }

    /// The symbology identifier the scanner sent, if any.
    pub fn symbology(&self) -> Option<Symbology> {
        self.symbology
    }

    /// True when a dropped GS separator was reconstructed (see
    /// [`crate::gs1`]); the UI should ask the user to check lot and expiry.
    pub fn recovered_missing_separator(&self) -> bool {
        self.recovered_missing_separator
    }

    /// The elements in the order they were scanned.
    pub fn elements(&self) -> impl ExactSizeIterator<Item = (Ai, &str)> + '_ {
        self.elements.iter().map(|e| (e.ai, self.value_of(e)))
    }

    /// The raw value of `ai`, as printed.
    pub fn get(&self, ai: Ai) -> Option<&str> {
        self.find(ai).map(|e| self.value_of(e))
    }

    fn date(&self, ai: Ai) -> Option<NaiveDate> {
        match self.find(ai)?.decoded {
            Decoded::Date(d) => Some(d),
            _ => None,
        }
    }

    fn number(&self, ai: Ai) -> Option<u32> {
        match self.find(ai)?.decoded {
            Decoded::Number(n) => Some(n),
            _ => None,
        }
    }

    /// (00) Serial Shipping Container Code.
    pub fn sscc(&self) -> Option<&str> {
        self.get(Ai::SSCC)
    }
    /// (01) GTIN-14 of the item.
    pub fn gtin(&self) -> Option<&str> {
        self.get(Ai::GTIN)
    }
    /// (02) GTIN of the trade items inside a logistic unit.
    pub fn content_gtin(&self) -> Option<&str> {
        self.get(Ai::CONTENT_GTIN)
    }
    /// (10) Batch or lot number.
    pub fn lot(&self) -> Option<&str> {
        self.get(Ai::BATCH)
    }
    /// (21) Serial number.
    pub fn serial(&self) -> Option<&str> {
        self.get(Ai::SERIAL)
    }
    /// (11) Production date.
    pub fn production_date(&self) -> Option<NaiveDate> {
        self.date(Ai::PRODUCTION_DATE)
    }
    /// (12) Due date.
    pub fn due_date(&self) -> Option<NaiveDate> {
        self.date(Ai::DUE_DATE)
    }
    /// (13) Packaging date.
    pub fn packaging_date(&self) -> Option<NaiveDate> {
        self.date(Ai::PACKAGING_DATE)
    }
    /// (15) Best before date.
    pub fn best_before(&self) -> Option<NaiveDate> {
        self.date(Ai::BEST_BEFORE)
    }
    /// (16) Sell by date.
    pub fn sell_by(&self) -> Option<NaiveDate> {
        self.date(Ai::SELL_BY)
    }
    /// (17) Expiry date; day `00` already resolved to the month's last day.
    pub fn expiry(&self) -> Option<NaiveDate> {
        self.date(Ai::EXPIRY)
    }
    /// (7003) Expiry date and time.
    pub fn expiry_date_time(&self) -> Option<NaiveDateTime> {
        match self.find(Ai::EXPIRY_DATE_TIME)?.decoded {
            Decoded::DateTime(dt) => Some(dt),
            _ => None,
        }
    }
    /// (20) Internal product variant.
    pub fn variant(&self) -> Option<&str> {
        self.get(Ai::VARIANT)
    }
    /// (30) Variable count of items.
    pub fn count(&self) -> Option<u32> {
        self.number(Ai::VAR_COUNT)
    }
    /// (37) Count of trade items in a logistic unit.
    pub fn content_count(&self) -> Option<u32> {
        self.number(Ai::COUNT)
    }
    /// (240) Additional product identification.
    pub fn additional_product_id(&self) -> Option<&str> {
        self.get(Ai::ADDITIONAL_PRODUCT_ID)
    }
    /// (241) Customer part number.
    pub fn customer_part_number(&self) -> Option<&str> {
        self.get(Ai::CUSTOMER_PART_NUMBER)
    }
    /// The first national healthcare reimbursement number (710–717) and its AI.
    pub fn nhrn(&self) -> Option<(Ai, &str)> {
        self.elements().find(|(ai, _)| is_nhrn(*ai))
    }
    /// (90)–(99) company internal data.
    pub fn internal(&self, code: u8) -> Option<&str> {
        self.get(Ai::internal(code)?)
    }

    /// Every element that no typed accessor above covers (measures, logistic
    /// and shipping AIs, foreign AIs such as (22), (235), (253), (8003)…), in
    /// scan order, so that nothing a pack carries is dropped. An element
    /// with an accessor never appears here too.
    pub fn other_elements(&self) -> impl Iterator<Item = (Ai, &str)> + '_ {
        self.elements().filter(|(ai, _)| !has_accessor(*ai))
    }

    /// The element string as a GS1 symbol carries it: AIs and values
    /// concatenated, a GS (0x1D, FNC1 in the symbol) after every
    /// variable-length value except the last, no leading FNC1.
    pub fn data_string(&self) -> String {
        let mut out = String::with_capacity(self.values.len() + 4 * self.elements.len());
        let last = self.elements.len().saturating_sub(1);
        for (i, e) in self.elements.iter().enumerate() {
            out.push_str(e.ai.code());
            out.push_str(self.value_of(e));
            if i < last && !e.ai.is_predefined_length() {
                out.push(char::from(GS));
            }
        }
        out
    }

    /// The human-readable interpretation printed under a symbol, e.g.
    /// `(01)06901234567892(17)271231(10)A213B1`.
    pub fn human_readable(&self) -> String {
        self.bracketed_inner(false)
    }

    /// Like [`Self::human_readable`] but with `(` inside values escaped as
    /// `\(` (the bracketed syntax of gs1-syntax-engine), so that it parses
    /// back unambiguously whatever the values contain.
    pub fn bracketed(&self) -> String {
        self.bracketed_inner(true)
    }

    fn bracketed_inner(&self, escape: bool) -> String {
        let mut out = String::with_capacity(self.values.len() + 6 * self.elements.len());
        for e in &self.elements {
            out.push('(');
            out.push_str(e.ai.code());
            out.push(')');
            let v = self.value_of(e);
            if escape {
                for c in v.chars() {
                    if c == '(' {
                        out.push('\\');
                    }
                    out.push(c);
                }
            } else {
                out.push_str(v);
            }
        }
        out
    }
}
