//! Hand-built .xlsx workbooks for the tests of the upload limits: only the
//! five parts a reader needs, so a test says exactly what is in the file,
//! and big parts are written a batch at a time, so making a zip bomb does
//! not itself take the memory the test measures.

use std::io::{Cursor, Write};
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

/// A part's content: text, or a text repeated.
#[derive(Debug, Clone, Copy)]
pub enum Body<'a> {
    Text(&'a str),
    Repeat {
        head: &'a str,
        unit: &'a str,
        times: usize,
        tail: &'a str,
    },
}

impl Body<'_> {
    fn write_to(&self, out: &mut impl Write) -> std::io::Result<()> {
        match *self {
            Body::Text(text) => out.write_all(text.as_bytes()),
            Body::Repeat {
                head,
                unit,
                times,
                tail,
            } => {
                out.write_all(head.as_bytes())?;
                let per_batch = (1 << 20) / unit.len().max(1) + 1;
                let batch = unit.repeat(per_batch.min(times.max(1)));
                let mut left = times;
                while left > 0 {
                    let n = left.min(per_batch);
                    out.write_all(&batch.as_bytes()[..n * unit.len()])?;
                    left -= n;
                }
                out.write_all(tail.as_bytes())
            }
        }
    }
}

pub const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;

pub const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

pub const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;

pub const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

pub const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

/// A worksheet part: the optional `<dimension ref>`, then `rows` (the XML
/// inside `<sheetData>`).
pub fn sheet_xml(dimension: Option<&str>, rows: &str) -> String {
    let dimension = dimension
        .map(|d| format!(r#"<dimension ref="{d}"/>"#))
        .unwrap_or_default();
    format!("{SHEET_HEAD}{dimension}<sheetData>{rows}</sheetData></worksheet>")
}

/// A row of cells, each given by its reference and its value XML, e.g.
/// `("A1", "<v>1</v>")`.
pub fn row(number: u32, cells: &[(&str, &str)]) -> String {
    let cells: String = cells
        .iter()
        .map(|(r, v)| format!(r#"<c r="{r}">{v}</c>"#))
        .collect();
    format!(r#"<row r="{number}">{cells}</row>"#)
}

/// A workbook of one sheet, "Sheet1", and optionally a shared-strings part;
/// every part deflated.
pub fn workbook(sheet: Body<'_>, shared_strings: Option<Body<'_>>) -> Vec<u8> {
    let mut parts = vec![
        ("[Content_Types].xml", Body::Text(CONTENT_TYPES)),
        ("_rels/.rels", Body::Text(RELS)),
        ("xl/workbook.xml", Body::Text(WORKBOOK)),
        ("xl/_rels/workbook.xml.rels", Body::Text(WORKBOOK_RELS)),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    if let Some(strings) = shared_strings {
        parts.push(("xl/sharedStrings.xml", strings));
    }
    zip_parts(&parts)
}

/// A zip of the parts, in order, deflated at the best compression.
pub fn zip_parts(parts: &[(&str, Body<'_>)]) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    for (name, body) in parts {
        zip.start_file(*name, options).expect("zip part");
        body.write_to(&mut zip).expect("zip write");
    }
    zip.finish().expect("zip finish").into_inner()
}

/// Makes the zip claim that the part `name` is `size` bytes uncompressed, in
/// its local header and in the central directory, as a forger would.
pub fn understate(zip: &mut [u8], name: &str, size: u32) {
    let mut patched = 0;
    for (signature, size_at) in [(0x04034b50u32, 22usize), (0x02014b50, 24)] {
        let name_at = if signature == 0x04034b50 { 30 } else { 46 };
        let mut i = 0;
        while i + name_at <= zip.len() {
            if u32::from_le_bytes([zip[i], zip[i + 1], zip[i + 2], zip[i + 3]]) == signature {
                let len_at = if signature == 0x04034b50 { 26 } else { 28 };
                let len = u16::from_le_bytes([zip[i + len_at], zip[i + len_at + 1]]) as usize;
                if zip.get(i + name_at..i + name_at + len) == Some(name.as_bytes()) {
                    zip[i + size_at..i + size_at + 4].copy_from_slice(&size.to_le_bytes());
                    patched += 1;
                }
            }
            i += 1;
        }
    }
    assert_eq!(patched, 2, "part {name} not found in both headers");
}
