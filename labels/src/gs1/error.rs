use super::{Ai, Symbology};

/// Why a scan is not a usable GS1 element string.
///
/// Offsets are byte offsets into the *normalised* data: after the symbology
/// identifier and stray CR/LF/BOM/NUL are removed and every separator
/// spelling has become one GS byte. For the bracketed form they count from
/// the first `(`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Gs1Error {
    #[error("the scan is empty")]
    Empty,
    #[error(
        "symbology identifier {id} is not a GS1 symbology (expected ]C1, ]d2, ]Q3, ]e0, ]E0 or ]E4)"
    )]
    UnsupportedSymbology { id: String },
    #[error("the data does not start with a GS1 Application Identifier")]
    NotGs1,
    #[error("{symbology:?} scan must carry {expected} digits, found {found:?}")]
    InvalidRetailCode {
        symbology: Symbology,
        expected: &'static str,
        found: String,
    },
    #[error("unknown or unsupported Application Identifier ({ai}) at byte {offset}")]
    UnknownAi { ai: String, offset: usize },
    #[error("AI {ai} needs {expected} characters but only {found} were found (truncated scan?)")]
    Truncated {
        ai: Ai,
        expected: usize,
        found: usize,
    },
    #[error("AI {ai} value {value} has a wrong check digit")]
    BadCheckDigit { ai: Ai, value: String },
    #[error("AI {ai} value {value} is not a valid date")]
    InvalidDate { ai: Ai, value: String },
    #[error("AI {ai} value {value} is not valid: {reason}")]
    InvalidValue {
        ai: Ai,
        value: String,
        reason: &'static str,
    },
    #[error("AI {ai} allows at most {max} characters, found {found}")]
    TooLong { ai: Ai, max: usize, found: usize },
    #[error("AI {ai} has no value (at byte {offset})")]
    EmptyValue { ai: Ai, offset: usize },
    #[error("AI {ai} may not contain {ch:?} (at byte {offset})")]
    InvalidCharacter { ai: Ai, ch: char, offset: usize },
    #[error("AI {ai} appears twice with different values: {first:?} and {second:?}")]
    DuplicateAi {
        ai: Ai,
        first: String,
        second: String,
    },
    #[error("AIs {first} and {second} may not appear in the same element string")]
    ConflictingAi { first: Ai, second: Ai },
    #[error(
        "AI {ai} at byte {offset} runs on without a separator and could be split {splits} ways; \
         the scanner probably dropped the GS separator: rescan with a scanner that sends GS, \
         or enter the fields by hand"
    )]
    Ambiguous {
        ai: Ai,
        offset: usize,
        splits: usize,
    },
}

impl Gs1Error {
    /// The AI at fault, when the error is about one known AI's value.
    pub fn ai(&self) -> Option<Ai> {
        match self {
            Gs1Error::Truncated { ai, .. }
            | Gs1Error::BadCheckDigit { ai, .. }
            | Gs1Error::InvalidDate { ai, .. }
            | Gs1Error::InvalidValue { ai, .. }
            | Gs1Error::TooLong { ai, .. }
            | Gs1Error::EmptyValue { ai, .. }
            | Gs1Error::InvalidCharacter { ai, .. }
            | Gs1Error::DuplicateAi { ai, .. }
            | Gs1Error::Ambiguous { ai, .. } => Some(*ai),
            Gs1Error::ConflictingAi { second, .. } => Some(*second),
            _ => None,
        }
    }

    /// A short stable machine code for the UI and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Gs1Error::Empty => "gs1.empty",
            Gs1Error::UnsupportedSymbology { .. } => "gs1.unsupported_symbology",
            Gs1Error::NotGs1 => "gs1.not_gs1",
            Gs1Error::InvalidRetailCode { .. } => "gs1.invalid_retail_code",
            Gs1Error::UnknownAi { .. } => "gs1.unknown_ai",
            Gs1Error::Truncated { .. } => "gs1.truncated",
            Gs1Error::BadCheckDigit { .. } => "gs1.bad_check_digit",
            Gs1Error::InvalidDate { .. } => "gs1.invalid_date",
            Gs1Error::InvalidValue { .. } => "gs1.invalid_value",
            Gs1Error::TooLong { .. } => "gs1.too_long",
            Gs1Error::EmptyValue { .. } => "gs1.empty_value",
            Gs1Error::InvalidCharacter { .. } => "gs1.invalid_character",
            Gs1Error::DuplicateAi { .. } => "gs1.duplicate_ai",
            Gs1Error::ConflictingAi { .. } => "gs1.conflicting_ai",
            Gs1Error::Ambiguous { .. } => "gs1.ambiguous",
        }
    }
}
