use super::RenderError;
use super::font;
use super::svg::{BAR_HEIGHT, MODULE, QUIET};

/// Pixels per font dot; 2 gives 10×14 glyphs, readable at label sizes.
const SCALE: usize = 2;
const ADVANCE: usize = (font::WIDTH + 1) * SCALE;
const LINE: usize = (font::HEIGHT + 3) * SCALE;
const MARGIN: usize = 8;

struct Canvas {
    width: usize,
    height: usize,
    // 8-bit grey, 0 = black.
    pixels: Vec<u8>,
}

impl Canvas {
    fn new(width: usize, height: usize) -> Self {
        Canvas {
            width,
            height,
            pixels: vec![255; width * height],
        }
    }

    fn fill(&mut self, x: usize, y: usize, w: usize, h: usize) {
        for row in y..(y + h).min(self.height) {
            let start = row * self.width + x.min(self.width);
            let end = row * self.width + (x + w).min(self.width);
            if let Some(span) = self.pixels.get_mut(start..end) {
                span.fill(0);
            }
        }
    }

    fn text(&mut self, y: usize, text: &str) {
        let w = text.chars().count() * ADVANCE;
        let x0 = self.width.saturating_sub(w) / 2;
        for (i, c) in text.chars().enumerate() {
            let Some(g) = font::glyph(c) else { continue };
            for (col, bits) in g.iter().enumerate() {
                for row in 0..font::HEIGHT {
                    if bits >> row & 1 == 1 {
                        self.fill(
                            x0 + i * ADVANCE + col * SCALE,
                            y + row * SCALE,
                            SCALE,
                            SCALE,
                        );
                    }
                }
            }
        }
    }

    fn encode(&self) -> Result<Vec<u8>, RenderError> {
        let err = |e: png::EncodingError| RenderError::Png(e.to_string());
        let (w, h) = (
            u32::try_from(self.width).map_err(|e| RenderError::Png(e.to_string()))?,
            u32::try_from(self.height).map_err(|e| RenderError::Png(e.to_string()))?,
        );
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(err)?;
        writer.write_image_data(&self.pixels).map_err(err)?;
        writer.finish().map_err(err)?;
        Ok(out)
    }
}

/// Bars, then the human-readable line, then the ASCII-only caption lines.
pub(crate) fn linear(
    modules: &[u8],
    hri: &str,
    captions: &[String],
) -> Result<Vec<u8>, RenderError> {
    let lines: Vec<&str> = std::iter::once(hri)
        .chain(captions.iter().map(String::as_str))
        .filter(|l| font::can_render(l))
        .collect();
    let symbol_width = (modules.len() + 2 * QUIET) * MODULE;
    let text_width = lines
        .iter()
        .map(|l| l.chars().count() * ADVANCE + 2 * MARGIN)
        .max()
        .unwrap_or(0);
    let width = symbol_width.max(text_width);
    let top = MARGIN;
    let height = top + BAR_HEIGHT + MARGIN + lines.len() * LINE + MARGIN;
    let mut canvas = Canvas::new(width, height);
    let left = (width - symbol_width) / 2 + QUIET * MODULE;
    for (i, m) in modules.iter().enumerate() {
        if *m == 1 {
            canvas.fill(left + i * MODULE, top, MODULE, BAR_HEIGHT);
        }
    }
    for (n, line) in lines.iter().enumerate() {
        canvas.text(top + BAR_HEIGHT + MARGIN + n * LINE, line);
    }
    canvas.encode()
}
