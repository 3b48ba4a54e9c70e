use std::fmt::Write;

/// Width of one module in SVG user units (≈ px). Labels are scaled by the
/// print pipeline; what matters here is whole-unit bars.
pub(crate) const MODULE: usize = 2;
/// Code 128 needs a quiet zone of at least 10 modules each side.
pub(crate) const QUIET: usize = 10;
pub(crate) const BAR_HEIGHT: usize = 80;
const HRI_SIZE: usize = 14;
const CAPTION_SIZE: usize = 14;
const LINE_GAP: usize = 4;
const MIN_WIDTH: usize = 240;
/// White space left and right of the widest text line.
const TEXT_MARGIN: usize = 8;
/// Label stock is 50 × 30 mm: a drawing narrower than that shape gains
/// width (centred) so that the printed symbol keeps its size on the label.
const STOCK_WIDTH_PER_HEIGHT: (usize, usize) = (5, 3);

/// An upper bound of the width a text line takes, in user units, at `size`:
/// the drawing is sized from it, so no glyph falls outside. Monospace ASCII
/// advances 0.6 em; proportional ASCII is at most that on average but can
/// run wider (W, M), so 0.7 em is allowed; CJK and other wide characters
/// take a full em.
fn text_width(text: &str, size: usize, monospace: bool) -> usize {
    let tenths: usize = text
        .chars()
        .map(|c| match c {
            c if c.is_ascii() && monospace => 6,
            c if c.is_ascii() => 7,
            _ => 10,
        })
        .sum();
    (tenths * size).div_ceil(10)
}

/// The drawing's width: the symbol's, the widest text line's with its
/// margins, and the label stock's proportion, whichever is widest.
fn drawing_width(symbol_width: usize, height: usize, hri: &str, captions: &[String]) -> usize {
    let text = captions
        .iter()
        .map(|c| text_width(&escape(c), CAPTION_SIZE, false))
        .chain(std::iter::once(text_width(&escape(hri), HRI_SIZE, true)))
        .max()
        .unwrap_or(0)
        + 2 * TEXT_MARGIN;
    let stock = (height * STOCK_WIDTH_PER_HEIGHT.0).div_ceil(STOCK_WIDTH_PER_HEIGHT.1);
    symbol_width.max(text).max(stock).max(MIN_WIDTH)
}

/// XML-escapes text for an element body or attribute, and drops characters
/// XML 1.0 cannot hold at all (most C0 controls) instead of emitting a
/// document no viewer will open.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn open(out: &mut String, width: usize, height: usize) {
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}"><rect width="{width}" height="{height}" fill="#fff"/>"##
    );
}

fn text_lines(out: &mut String, width: usize, mut y: usize, hri: &str, captions: &[String]) {
    let cx = width / 2;
    y += LINE_GAP + HRI_SIZE;
    let _ = write!(
        out,
        r#"<text x="{cx}" y="{y}" font-family="monospace" font-size="{HRI_SIZE}" text-anchor="middle">{}</text>"#,
        escape(hri)
    );
    for line in captions {
        y += LINE_GAP + CAPTION_SIZE;
        let _ = write!(
            out,
            r#"<text x="{cx}" y="{y}" font-family="sans-serif" font-size="{CAPTION_SIZE}" text-anchor="middle">{}</text>"#,
            escape(line)
        );
    }
}

fn text_height(captions: &[String]) -> usize {
    (1 + captions.len()) * (LINE_GAP + CAPTION_SIZE.max(HRI_SIZE)) + LINE_GAP * 2
}

/// A 1D symbol: one `<rect>` per bar, then the text lines.
pub(crate) fn linear(modules: &[u8], hri: &str, captions: &[String]) -> String {
    let symbol_width = (modules.len() + 2 * QUIET) * MODULE;
    let top = QUIET;
    let height = top + BAR_HEIGHT + text_height(captions);
    let width = drawing_width(symbol_width, height, hri, captions);
    let left = (width - symbol_width) / 2 + QUIET * MODULE;
    let mut out = String::with_capacity(modules.len() * 12 + 512);
    open(&mut out, width, height);
    out.push_str(r##"<g fill="#000">"##);
    let mut i = 0;
    while i < modules.len() {
        if modules.get(i) == Some(&1) {
            let run = modules
                .get(i..)
                .unwrap_or_default()
                .iter()
                .take_while(|&&m| m == 1)
                .count();
            let _ = write!(
                out,
                r#"<rect x="{}" y="{top}" width="{}" height="{BAR_HEIGHT}"/>"#,
                left + i * MODULE,
                run * MODULE
            );
            i += run;
        } else {
            i += 1;
        }
    }
    out.push_str("</g>");
    text_lines(&mut out, width, top + BAR_HEIGHT, hri, captions);
    out.push_str("</svg>");
    out
}

/// Size of one Data Matrix module in user units.
pub(crate) const CELL: usize = 4;
/// Data Matrix needs a quiet zone of one module; two is kinder to cameras.
const MATRIX_QUIET: usize = 2;

/// A 2D symbol from row-major dark/light cells, then the text lines.
pub(crate) fn matrix(bits: &[bool], cols: usize, hri: &str, captions: &[String]) -> String {
    let rows = bits.len().checked_div(cols).unwrap_or(0);
    let symbol_width = (cols + 2 * MATRIX_QUIET) * CELL;
    let top = MATRIX_QUIET * CELL;
    let height = top + rows * CELL + MATRIX_QUIET * CELL + text_height(captions);
    let width = drawing_width(symbol_width, height, hri, captions);
    let left = (width - symbol_width) / 2 + MATRIX_QUIET * CELL;
    let mut out = String::with_capacity(bits.len() * 40 + 512);
    open(&mut out, width, height);
    out.push_str(r##"<g fill="#000">"##);
    for (i, _) in bits.iter().enumerate().filter(|(_, dark)| **dark) {
        let (r, c) = (i / cols.max(1), i % cols.max(1));
        let _ = write!(
            out,
            r#"<rect x="{}" y="{}" width="{CELL}" height="{CELL}"/>"#,
            left + c * CELL,
            top + r * CELL
        );
    }
    out.push_str("</g>");
    text_lines(
        &mut out,
        width,
        top + rows * CELL + MATRIX_QUIET * CELL,
        hri,
        captions,
    );
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod sizing {
    use super::*;

    #[test]
    fn the_drawing_is_as_wide_as_its_widest_line() {
        let long = "(01)06901234000010(17)270630(10)LOT-0001-ABCDEFG(21)SERIAL-0000000001";
        let captions = vec!["阿莫西林胶囊 0.25g×24粒 华北制药股份有限公司".to_string()];
        let svg = matrix(&[true; 16 * 16], 16, long, &captions);
        let width: usize = svg
            .split("width=\"")
            .nth(1)
            .and_then(|w| w.split('"').next())
            .and_then(|w| w.parse().ok())
            .unwrap();
        assert!(
            width >= text_width(long, HRI_SIZE, true) + 2 * TEXT_MARGIN,
            "{width}"
        );
        assert!(width >= text_width(&captions[0], CAPTION_SIZE, false) + 2 * TEXT_MARGIN);
        // A short label keeps the label stock's 5:3.
        let short = matrix(&[true; 16 * 16], 16, "(10)A", &[]);
        assert!(short.contains("width=\"240\""), "{short}");
    }

    #[test]
    fn wide_characters_count_a_full_em() {
        assert_eq!(text_width("药品", 14, false), 28);
        assert_eq!(text_width("0123456789", 14, true), 84);
        assert_eq!(text_width("AB", 10, false), 14);
    }
}
