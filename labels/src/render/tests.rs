//! The symbols are decoded back independently of the encoder: bar/space
//! widths → Code 128 values via the ISO/IEC 15417 width table → checksum,
//! code sets and FNC1 → data → GS1 parse. Data Matrix goes through the
//! `datamatrix` crate's decoder.

use chrono::NaiveDate;

use super::*;
use crate::gs1::{self, ElementStringBuilder};

/// ISO/IEC 15417 Code 128 bar/space widths for values 0–106 (106 = stop).
const WIDTHS: [&str; 107] = [
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212",
    "221213", "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221",
    "223211", "221132", "221231", "213212", "223112", "312131", "311222", "321122", "321221",
    "312212", "322112", "322211", "212123", "212321", "232121", "111323", "131123", "131321",
    "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331", "132131",
    "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131",
    "311123", "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111",
    "111224", "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", "111242",
    "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
    "113141", "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
];

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default()
}

fn sample() -> ElementString {
    gs1::parse("(01)06901234567892(17)271231(10)A213B1", today()).unwrap()
}

/// Module pattern (1 = bar) → Code 128 values, checking the stop pattern.
fn values(modules: &[u8]) -> Vec<usize> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < modules.len() {
        let n = modules[i..]
            .iter()
            .take_while(|&&m| m == modules[i])
            .count();
        runs.push(n);
        i += n;
    }
    assert_eq!(modules.first(), Some(&1), "symbol must start with a bar");
    assert_eq!((runs.len() - 7) % 6, 0, "runs: {runs:?}");
    let (data, stop) = runs.split_at(runs.len() - 7);
    let stop: String = stop.iter().map(|n| n.to_string()).collect();
    assert_eq!(stop, WIDTHS[106]);
    data.chunks(6)
        .map(|c| {
            let w: String = c.iter().map(|n| n.to_string()).collect();
            WIDTHS
                .iter()
                .position(|p| *p == w)
                .unwrap_or_else(|| panic!("no symbol has widths {w}"))
        })
        .collect()
}

/// Checks the mod-103 checksum and interprets code sets B/C and FNC1.
/// FNC1 comes back as 0x1D, a leading one as the `]C1` identifier.
fn interpret(values: &[usize]) -> String {
    let (body, check) = values.split_at(values.len() - 1);
    let sum: usize = body.iter().enumerate().map(|(i, v)| v * i.max(1)).sum();
    assert_eq!(sum % 103, check[0], "checksum");
    let mut set = match body[0] {
        104 => 'B',
        105 => 'C',
        other => panic!("unexpected start {other}"),
    };
    let mut out = String::new();
    for (i, &v) in body.iter().enumerate().skip(1) {
        match (set, v) {
            (_, 102) if i == 1 => out.push_str("]C1"),
            (_, 102) => out.push('\u{1D}'),
            ('C', 0..=99) => out.push_str(&format!("{v:02}")),
            ('C', 100) => set = 'B',
            ('B', 0..=95) => out.push(char::from(32 + v as u8)),
            ('B', 99) => set = 'C',
            other => panic!("unexpected {other:?}"),
        }
    }
    out
}

/// The attribute text of every positioned `<rect>` (the bars or cells; the
/// background rect has no x), each with a leading space.
fn rect_tags(svg: &str) -> Vec<String> {
    svg.split("<rect ")
        .skip(1)
        .map(|t| format!(" {}", &t[..t.find("/>").unwrap()]))
        .filter(|t| t.contains(" x=\""))
        .collect()
}

fn svg_bars(svg: &str) -> Vec<u8> {
    let attr = |tag: &str, name: &str| -> usize {
        let key = format!(" {name}=\"");
        let start = tag.find(&key).unwrap() + key.len();
        tag[start..].split('"').next().unwrap().parse().unwrap()
    };
    let bars: Vec<(usize, usize)> = rect_tags(svg)
        .iter()
        .map(|t| (attr(t, "x"), attr(t, "width")))
        .collect();
    let left = bars[0].0;
    let right = bars.iter().map(|(x, w)| x + w).max().unwrap();
    let mut modules = vec![0u8; (right - left) / svg::MODULE];
    for (x, w) in bars {
        for m in &mut modules[(x - left) / svg::MODULE..(x + w - left) / svg::MODULE] {
            *m = 1;
        }
    }
    modules
}

fn png_rows(png_bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    buf.truncate(info.buffer_size());
    (info.width as usize, info.height as usize, buf)
}

fn png_bars(png_bytes: &[u8]) -> Vec<u8> {
    let (w, _, px) = png_rows(png_bytes);
    // A row through the middle of the bars.
    let row = &px[w * (8 + svg::BAR_HEIGHT / 2)..w * (9 + svg::BAR_HEIGHT / 2)];
    let first = row.iter().position(|&p| p < 128).unwrap();
    let last = row.iter().rposition(|&p| p < 128).unwrap();
    row[first..=last]
        .chunks(svg::MODULE)
        .map(|c| u8::from(c[0] < 128))
        .collect()
}

#[test]
fn gs1_128_svg_decodes_to_the_element_string() {
    let es = sample();
    let svg = gs1_128_svg(&es, &[]).unwrap();
    let vals = values(&svg_bars(&svg));
    // Start C, FNC1, 13 digit pairs, switch to B, "A213B1", checksum.
    assert_eq!(
        &vals[..17],
        &[
            105, 102, 1, 6, 90, 12, 34, 56, 78, 92, 17, 27, 12, 31, 10, 100, 33
        ]
    );
    let data = interpret(&vals);
    assert_eq!(data, "]C101069012345678921727123110A213B1");
    let back = gs1::parse(&data, today()).unwrap();
    assert_eq!(back.human_readable(), es.human_readable());
    assert!(svg.contains(">(01)06901234567892(17)271231(10)A213B1</text>"));
}

#[test]
fn fnc1_separates_variable_fields() {
    let es = ElementStringBuilder::new()
        .gtin("6901234567892")
        .lot("L1")
        .serial("77")
        .element_string(today())
        .unwrap();
    let data = interpret(&values(&gs1_128_modules(&es).unwrap()));
    assert_eq!(data, "]C1010690123456789210L1\u{1D}2177");
    assert_eq!(gs1::parse(&data, today()).unwrap().serial(), Some("77"));
}

#[test]
fn png_carries_the_same_symbol() {
    let es = sample();
    let png = gs1_128_png(&es, &["Exp 2027-12-31".into()]).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(png_bars(&png), gs1_128_modules(&es).unwrap());
    assert_eq!(
        interpret(&values(&png_bars(&png))),
        "]C101069012345678921727123110A213B1"
    );
}

#[test]
fn png_omits_non_ascii_captions_only() {
    let es = sample();
    let height = |caps: &[String]| png_rows(&gs1_128_png(&es, caps).unwrap()).1;
    let none = height(&[]);
    let ascii = height(&["0.25g x 24".into()]);
    let chinese = height(&["阿莫西林胶囊".into()]);
    assert_eq!(chinese, none);
    assert!(ascii > none);
    // Text was actually drawn under the bars.
    let (w, h, px) = png_rows(&gs1_128_png(&es, &[]).unwrap());
    let text_area = &px[w * (8 + svg::BAR_HEIGHT + 4)..w * h];
    assert!(text_area.contains(&0));
}

#[test]
fn shipment_code128() {
    let svg = code128_svg("SH-2026-000123", &[]).unwrap();
    let vals = values(&svg_bars(&svg));
    assert_eq!(vals[0], 104, "starts in set B");
    assert_eq!(interpret(&vals), "SH-2026-000123");
    let png = code128_png("LOC-A-01", &[]).unwrap();
    assert_eq!(interpret(&values(&png_bars(&png))), "LOC-A-01");
    assert_eq!(
        code128_svg("货位", &[]).map_err(|e| e.code()),
        Err("render.unsupported_character")
    );
}

#[test]
fn captions_are_escaped() {
    let caps = vec![
        "阿莫西林胶囊 <0.25g> & \"24粒\"".to_owned(),
        "有效期至 2027-12-31\u{1}".to_owned(),
    ];
    let svg = gs1_128_svg(&sample(), &caps).unwrap();
    assert!(svg.contains(">阿莫西林胶囊 &lt;0.25g&gt; &amp; &quot;24粒&quot;</text>"));
    assert!(svg.contains(">有效期至 2027-12-31</text>"));
    assert!(!svg.contains("<0.25g>"));
    assert_eq!(svg.matches("<text ").count(), 3);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.ends_with("</svg>"));
}

#[test]
fn gs1_128_length_cap() {
    let es = ElementStringBuilder::new()
        .gtin("6901234567892")
        .lot("ABCDEFGHIJKLMNOPQRST")
        .serial("ABCDEFGHIJKLMNOPQRST")
        .element_string(today())
        .unwrap();
    assert_eq!(
        gs1_128_svg(&es, &[]),
        Err(RenderError::TooLong { len: 60, max: 48 })
    );
    // DataMatrix has room for it.
    assert!(datamatrix_svg(&es, &[]).is_ok());
}

#[test]
fn datamatrix_round_trips_through_a_decoder() {
    let es = ElementStringBuilder::new()
        .gtin("6901234567892")
        .expiry(NaiveDate::from_ymd_opt(2027, 12, 31).unwrap())
        .lot("A213B1")
        .serial("1234")
        .element_string(today())
        .unwrap();
    let dm = gs1_datamatrix(&es).unwrap();
    assert_eq!(dm.data_codewords()[0], 232, "FNC1 in first position");
    let bitmap = dm.bitmap();
    let decoded = datamatrix::DataMatrix::decode(bitmap.bits(), bitmap.width()).unwrap();
    assert_eq!(decoded, b"01069012345678921727123110A213B1\x1D211234");

    // And from the SVG's own rectangles.
    let svg = datamatrix_svg(&es, &["阿莫西林".into()]).unwrap();
    let cells: Vec<(usize, usize)> = rect_tags(&svg)
        .iter()
        .map(|t| {
            let num = |k: &str| -> usize {
                let s = t.find(k).unwrap() + k.len();
                t[s..].split('"').next().unwrap().parse().unwrap()
            };
            (num(" x=\""), num(" y=\""))
        })
        .collect();
    let (x0, y0) = (
        cells.iter().map(|c| c.0).min().unwrap(),
        cells.iter().map(|c| c.1).min().unwrap(),
    );
    let cols = (cells.iter().map(|c| c.0).max().unwrap() - x0) / svg::CELL + 1;
    let rows = (cells.iter().map(|c| c.1).max().unwrap() - y0) / svg::CELL + 1;
    let mut grid = vec![false; cols * rows];
    for (x, y) in cells {
        grid[(y - y0) / svg::CELL * cols + (x - x0) / svg::CELL] = true;
    }
    let from_svg = datamatrix::DataMatrix::decode(&grid, cols).unwrap();
    let reparsed = gs1::parse(
        &format!("]d2{}", String::from_utf8(from_svg).unwrap()),
        today(),
    )
    .unwrap();
    assert_eq!(
        reparsed.elements().collect::<Vec<_>>(),
        es.elements().collect::<Vec<_>>()
    );
    assert!(svg.contains(">阿莫西林</text>"));
}
