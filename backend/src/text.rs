//! Rules for text people type that others will read: names, reasons.

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

#[cfg(test)]
mod tests {
    use super::hidden_control;

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
