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
    let width = symbol_width.max(MIN_WIDTH);
    let left = (width - symbol_width) / 2 + QUIET * MODULE;
    let top = QUIET;
    let height = top + BAR_HEIGHT + text_height(captions);
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
    let width = symbol_width.max(MIN_WIDTH);
    let left = (width - symbol_width) / 2 + MATRIX_QUIET * CELL;
    let top = MATRIX_QUIET * CELL;
    let height = top + rows * CELL + MATRIX_QUIET * CELL + text_height(captions);
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
