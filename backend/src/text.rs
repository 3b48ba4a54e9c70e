//! Rules for text people type that others will read: names, reasons.

use crate::error::{Error, Result};

/// Why a text is refused, if it is: bidirectional-override and isolate
/// controls (U+202A–U+202E, U+2066–U+2069) reorder what a reader sees, so a
/// name could display as something other than what it is; other control
/// characters have no business in a name either.
/// The answer is the message in English and in Chinese.
pub fn hidden_control(text: &str) -> Option<(String, String)> {
    let c = text.chars().find(|c| {
        matches!(*c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
            || (c.is_control() && *c != '\n' && *c != '\t')
    })?;
    let code = u32::from(c);
    Some((
        format!("must not contain the invisible control character U+{code:04X}"),
        format!("不能包含不可见的控制字符 U+{code:04X}"),
    ))
}

/// Typed text: trimmed, required, bounded, no hidden control characters.
pub(crate) fn required_text(field: &str, raw: &str, max: usize) -> Result<String> {
    match optional_text(field, Some(raw), max)? {
        Some(t) => Ok(t),
        None => Err(Error::validation(field, "must not be blank", "不能为空")),
    }
}

pub(crate) fn optional_text(field: &str, raw: Option<&str>, max: usize) -> Result<Option<String>> {
    let Some(t) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if t.chars().count() > max {
        return Err(Error::validation(
            field,
            format!("must be at most {max} characters"),
            format!("最多 {max} 个字符"),
        ));
    }
    if let Some((en, zh)) = crate::text::hidden_control(t) {
        return Err(Error::validation(field, en, zh));
    }
    Ok(Some(t.to_string()))
}

#[cfg(test)]
mod tests {
    use super::{hidden_control, optional_text, required_text};

    #[test]
    fn typed_text_is_trimmed_and_bounded() {
        assert_eq!(required_text("name", "  甲  ", 10).unwrap(), "甲");
        assert!(required_text("name", "   ", 10).is_err());
        assert!(required_text("name", &"x".repeat(11), 10).is_err());
        assert_eq!(optional_text("note", Some(" "), 10).unwrap(), None);
        assert!(optional_text("note", Some("a\u{202E}b"), 10).is_err());
    }

    #[test]
    fn bidi_and_control_characters_are_refused() {
        assert!(hidden_control("阿莫西林胶囊 0.25g").is_none());
        assert!(hidden_control("two\nlines\tok").is_none());
        for bad in [
            '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}', '\u{0007}', '\u{0085}',
        ] {
            let text = format!("abc{bad}def");
            let (message, _) = hidden_control(&text).expect("refused");
            assert!(message.contains(&format!("U+{:04X}", u32::from(bad))));
        }
    }
}
