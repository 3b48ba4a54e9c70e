//! The one reader of uploaded .xlsx workbooks, for every import.
//!
//! An .xlsx is a zip of XML parts, and both layers can be made to expand out
//! of all proportion to the upload: a compressed part can inflate a
//! thousandfold, and a sheet with two cells, A1 and XFD1048576, describes a
//! rectangle of 17 billion cells, which a dense reader allocates in full
//! (calamine's `worksheet_range` does, and aborts the process when the
//! allocation fails). So a workbook is read in three steps, each refusing
//! what is out of bounds before it costs memory:
//!
//! 1. the zip's central directory: the declared size of every part, the
//!    ratio of that size to the compressed size, and their total. The zip
//!    reader stops any part that inflates past its declared size, so the
//!    declared sizes bound what is read later. The shared-strings part,
//!    which calamine loads whole when it opens the workbook, has its own,
//!    smaller cap, and the count of strings it declares (calamine reserves
//!    room for that many up front) is checked before the workbook is opened;
//! 2. the sheet's declared `<dimension>`, before any cell is read;
//! 3. each cell as it streams past: its row, its column, the number of cells
//!    and the bytes of text kept so far.
//!
//! What comes back is a sparse [`Sheet`]: only the cells that have a value.

use crate::error::{Error, Result};
use calamine::{Data, DataRef, Reader, Xlsx};
use std::collections::HashSet;
use std::io::{Cursor, Read};
use std::sync::{Arc, LazyLock, Mutex};
use tokio::sync::Semaphore;
use uuid::Uuid;

/// How much of a workbook an import is willing to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Cells may sit in rows 1 to `max_rows`.
    pub max_rows: u32,
    /// Cells may sit in columns 1 to `max_columns` (A is 1).
    pub max_columns: u32,
    /// Cells with a value, at most.
    pub max_cells: usize,
    /// Bytes of text in all cells together: a shared string is copied into
    /// every cell that refers to it, so a short file can name a long string
    /// a million times.
    pub max_text_bytes: usize,
    /// Parts (files) in the zip.
    pub max_entries: usize,
    /// The declared uncompressed size of any one part.
    pub max_entry_bytes: u64,
    /// The declared uncompressed size of the shared-strings part, which is
    /// held in memory whole, as one `String` per entry.
    pub max_shared_strings_bytes: u64,
    /// The declared uncompressed size of all parts together.
    pub max_total_uncompressed: u64,
    /// Uncompressed bytes per compressed byte, for parts above
    /// `ratio_exempt_bytes`.
    pub max_ratio: u64,
    /// Parts up to this size may compress as well as they like: small
    /// repetitive parts (styles, an empty sheet) legitimately do.
    pub ratio_exempt_bytes: u64,
}

pub const MIB: u64 = 1024 * 1024;

/// The cells of one sheet that have a value, by (row, column), both from 0.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sheet {
    name: String,
    /// Sorted by position, one entry a position.
    cells: Vec<((u32, u32), Data)>,
}

static EMPTY: Data = Data::Empty;

impl Sheet {
    /// The sheet's name in the workbook.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The cell's value; `Data::Empty` where the sheet has none.
    pub fn get(&self, row: u32, col: u32) -> &Data {
        match self
            .cells
            .binary_search_by_key(&(row, col), |(pos, _)| *pos)
        {
            Ok(i) => &self.cells[i].1,
            Err(_) => &EMPTY,
        }
    }

    /// The cells of one row that have a value, with their column, left to
    /// right.
    pub fn row(&self, row: u32) -> impl Iterator<Item = (u32, &Data)> {
        let start = self.cells.partition_point(|((r, _), _)| *r < row);
        self.cells[start..]
            .iter()
            .take_while(move |((r, _), _)| *r == row)
            .map(|((_, c), d)| (*c, d))
    }

    /// The rows with at least one value, top to bottom.
    pub fn rows(&self) -> Vec<u32> {
        let mut rows: Vec<u32> = self.cells.iter().map(|((r, _), _)| *r).collect();
        rows.dedup();
        rows
    }

    /// The last row with a value.
    pub fn last_row(&self) -> Option<u32> {
        self.cells.last().map(|((r, _), _)| *r)
    }

    /// The rightmost column with a value.
    pub fn last_column(&self) -> Option<u32> {
        self.cells.iter().map(|((_, c), _)| *c).max()
    }

    /// The number of cells with a value.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
}

/// At most one workbook is parsed per CPU core at a time: parsing is CPU
/// and memory bound, and more at once only adds to the peak.
static PARSES: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    Arc::new(Semaphore::new(cores))
});

/// Reads the sheet called `preferred`, or the first sheet when there is
/// none of that name, on a blocking thread, within `limits`.
pub async fn read_xlsx(bytes: Vec<u8>, preferred: &str, limits: Limits) -> Result<Sheet> {
    let permit = Arc::clone(&PARSES)
        .acquire_owned()
        .await
        .map_err(|e| internal("the spreadsheet parse limiter is closed", e))?;
    let preferred = preferred.to_string();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        read_xlsx_blocking(&bytes, &preferred, &limits)
    })
    .await
    .map_err(|e| internal("spreadsheet parse task failed", e))?
}

/// As [`read_xlsx`], on the calling thread.
pub fn read_xlsx_blocking(bytes: &[u8], preferred: &str, limits: &Limits) -> Result<Sheet> {
    // calamine does arithmetic on cell references it has not bounded
    // ("A99999999999" overflows a u32), which panics in a debug build; a
    // hostile file must be refused, not take the worker down.
    match std::panic::catch_unwind(|| read_checked(bytes, preferred, limits)) {
        Ok(result) => result,
        Err(_) => Err(malformed(
            "not an .xlsx workbook (it is malformed and cannot be read)",
        )),
    }
}

fn read_checked(bytes: &[u8], preferred: &str, limits: &Limits) -> Result<Sheet> {
    inspect_zip(bytes, limits)?;
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| malformed(format!("not an .xlsx workbook ({e})")))?;
    let names = workbook.sheet_names();
    let name = names
        .iter()
        .find(|n| n.as_str() == preferred)
        .or_else(|| names.first())
        .cloned()
        .ok_or_else(|| malformed("not an .xlsx workbook (it has no sheet)"))?;
    let bad =
        |e: calamine::XlsxError| malformed(format!("not an .xlsx workbook (sheet {name}: {e})"));
    let mut reader = workbook.worksheet_cells_reader(&name).map_err(bad)?;

    let declared = reader.dimensions();
    if declared.end.0 >= limits.max_rows {
        return Err(refuse(format!(
            "the sheet declares {} rows; import at most {}",
            thousands(declared.end.0 as u64 + 1),
            thousands(limits.max_rows as u64)
        )));
    }
    if declared.end.1 >= limits.max_columns {
        return Err(refuse(format!(
            "the sheet declares {} columns (to column {}); import at most {} (to column {})",
            thousands(declared.end.1 as u64 + 1),
            column_name(declared.end.1),
            thousands(limits.max_columns as u64),
            column_name(limits.max_columns.saturating_sub(1))
        )));
    }

    let mut cells: Vec<((u32, u32), Data)> = Vec::new();
    let mut text_bytes = 0usize;
    while let Some(cell) = reader.next_cell().map_err(bad)? {
        let (row, col) = cell.get_position();
        let value = cell.get_value();
        // Cells with only a format cost nothing in a sparse sheet.
        if matches!(value, DataRef::Empty) {
            continue;
        }
        if row >= limits.max_rows || col >= limits.max_columns {
            return Err(refuse(format!(
                "cell {}{} is outside the import area (at most {} rows and {} columns, A1 to {}{})",
                column_name(col),
                row as u64 + 1,
                thousands(limits.max_rows as u64),
                thousands(limits.max_columns as u64),
                column_name(limits.max_columns.saturating_sub(1)),
                limits.max_rows
            )));
        }
        if cells.len() >= limits.max_cells {
            return Err(refuse(format!(
                "the sheet has more than {} cells with a value; import at most that many",
                thousands(limits.max_cells as u64)
            )));
        }
        text_bytes = text_bytes.saturating_add(text_len(value));
        if text_bytes > limits.max_text_bytes {
            return Err(refuse(format!(
                "the sheet's cells hold more than {} of text; import at most that much",
                size_text(limits.max_text_bytes as u64)
            )));
        }
        cells.push(((row, col), Data::from(cell.get_value().clone())));
    }
    drop(reader);

    // Excel writes cells in order; a file that does not, or that names a
    // cell twice, is put in order with the later value winning, as a dense
    // reader would have it.
    if !cells.windows(2).all(|w| w[0].0 < w[1].0) {
        cells.sort_by_key(|(pos, _)| *pos);
        cells.dedup_by(|later, kept| {
            if later.0 == kept.0 {
                std::mem::swap(later, kept);
                true
            } else {
                false
            }
        });
    }
    cells.shrink_to_fit();
    Ok(Sheet { name, cells })
}

fn text_len(value: &DataRef<'_>) -> usize {
    match value {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.len(),
        DataRef::SharedString(s) => s.len(),
        _ => 0,
    }
}

/// Checks the zip's central directory, and the shared-strings count, before
/// anything is inflated in bulk.
fn inspect_zip(bytes: &[u8], limits: &Limits) -> Result<()> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| malformed(format!("not an .xlsx workbook ({e})")))?;
    if zip.len() > limits.max_entries {
        return Err(refuse(format!(
            "the file holds {} parts; an .xlsx workbook has at most {}",
            thousands(zip.len() as u64),
            thousands(limits.max_entries as u64)
        )));
    }
    let mut total: u64 = 0;
    let mut shared_strings = Vec::new();
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| malformed(format!("not an .xlsx workbook ({e})")))?;
        let shown = entry
            .name()
            .map_err(|e| malformed(format!("not an .xlsx workbook ({e})")))?
            .into_owned();
        let name = shown.replace('\\', "/").to_ascii_lowercase();
        let size = entry.size();
        let compressed = entry.compressed_size();
        let is_shared_strings = name.ends_with("sharedstrings.xml");
        let cap = if is_shared_strings {
            limits.max_shared_strings_bytes
        } else {
            limits.max_entry_bytes
        };
        if size > cap {
            return Err(refuse(format!(
                "the file expands to more than {} (its part {} alone is {})",
                size_text(cap),
                shown,
                size_text(size)
            )));
        }
        if size > limits.ratio_exempt_bytes && size / compressed.max(1) > limits.max_ratio {
            return Err(refuse(format!(
                "the file is compressed {}:1 (its part {} expands from {} to {}), far more than a spreadsheet compresses; it is refused as a zip bomb",
                size / compressed.max(1),
                shown,
                size_text(compressed),
                size_text(size)
            )));
        }
        total = total.saturating_add(size);
        if total > limits.max_total_uncompressed {
            return Err(refuse(format!(
                "the file expands to more than {}; import at most that much",
                size_text(limits.max_total_uncompressed)
            )));
        }
        if is_shared_strings {
            shared_strings.push(i);
        }
    }
    for i in shared_strings {
        check_shared_strings(&mut zip, i, limits)?;
    }
    Ok(())
}

/// The shared-strings part declares how many strings it holds, and calamine
/// reserves room for that many before reading one: `uniqueCount="10^12"` in a
/// kilobyte file asks for terabytes and aborts the process. The declaration
/// is in the part's root tag, so only its head is read.
fn check_shared_strings(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    index: usize,
    limits: &Limits,
) -> Result<()> {
    const HEAD: u64 = 64 * 1024;
    let malformed = || malformed("not an .xlsx workbook (its shared strings are malformed)");
    let entry = zip.by_index(index).map_err(|_| malformed())?;
    let mut head = Vec::new();
    entry
        .take(HEAD)
        .read_to_end(&mut head)
        .map_err(|_| malformed())?;
    let counts = sst_unique_counts(&head).ok_or_else(malformed)?;
    for count in counts {
        // Each string is at least one cell's worth; more than there may be
        // cells is not a catalogue.
        let n: u64 = if count.len() > 18 {
            u64::MAX
        } else {
            count.parse().map_err(|_| malformed())?
        };
        if n > limits.max_cells as u64 {
            return Err(refuse(format!(
                "the file declares {} distinct texts; import at most {}",
                thousands(n),
                thousands(limits.max_cells as u64)
            )));
        }
    }
    Ok(())
}

/// The values of the `uniqueCount` attributes on the first `sst` start tag,
/// or None when there is no such tag in `xml` or a value is not digits.
fn sst_unique_counts(xml: &[u8]) -> Option<Vec<&str>> {
    let find = |from: usize, needle: &[u8]| -> Option<usize> {
        xml.get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| from + p)
    };
    let mut i = 0;
    loop {
        i += xml.get(i..)?.iter().position(|&b| b == b'<')?;
        let rest = xml.get(i..)?;
        if rest.starts_with(b"<?") {
            i = find(i, b"?>")? + 2;
        } else if rest.starts_with(b"<!--") {
            i = find(i + 4, b"-->")? + 3;
        } else if rest.starts_with(b"<![CDATA[") {
            i = find(i, b"]]>")? + 3;
        } else if rest.starts_with(b"<!") || rest.starts_with(b"</") {
            i = find(i, b">")? + 1;
        } else {
            let name_len = rest[1..]
                .iter()
                .position(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/')?;
            let name = &rest[1..1 + name_len];
            let local = name.rsplit(|&b| b == b':').next()?;
            let (attrs, end) = parse_attributes(xml, i + 1 + name_len)?;
            if local == b"sst" {
                let mut counts = Vec::new();
                for (key, value) in attrs {
                    if key == b"uniqueCount" {
                        if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
                            return None;
                        }
                        counts.push(std::str::from_utf8(value).ok()?);
                    }
                }
                return Some(counts);
            }
            i = end;
        }
    }
}

type Attributes<'a> = Vec<(&'a [u8], &'a [u8])>;

/// The attributes of a start tag from `i` (just after its name), and where
/// the tag ends.
fn parse_attributes(xml: &[u8], mut i: usize) -> Option<(Attributes<'_>, usize)> {
    let mut attrs = Vec::new();
    let skip_ws = |mut i: usize| {
        while xml.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        i
    };
    loop {
        i = skip_ws(i);
        match xml.get(i)? {
            b'>' => return Some((attrs, i + 1)),
            b'/' => i += 1,
            _ => {
                let key_start = i;
                while xml
                    .get(i)
                    .is_some_and(|b| !b.is_ascii_whitespace() && *b != b'=' && *b != b'>')
                {
                    i += 1;
                }
                let key = &xml[key_start..i];
                i = skip_ws(i);
                if xml.get(i)? != &b'=' {
                    return None;
                }
                i = skip_ws(i + 1);
                let quote = *xml.get(i)?;
                if quote != b'"' && quote != b'\'' {
                    return None;
                }
                let value_start = i + 1;
                let len = xml.get(value_start..)?.iter().position(|&b| b == quote)?;
                attrs.push((key, &xml[value_start..value_start + len]));
                i = value_start + len + 1;
            }
        }
    }
}

/// Imports of one kind that are running, by community: a second import
/// while one runs would hold a second workbook in memory and then race the
/// first to write the same rows.
#[derive(Debug, Default)]
pub struct RunningImports {
    running: Mutex<HashSet<(&'static str, Uuid)>>,
}

/// Ends the import in [`RunningImports`] when dropped, however the import
/// ends.
#[derive(Debug)]
pub struct ImportGuard<'a> {
    imports: &'a RunningImports,
    key: (&'static str, Uuid),
}

impl RunningImports {
    /// Starts an import of `kind` for `community`, or None when one is
    /// already running.
    pub fn begin(&self, kind: &'static str, community: Uuid) -> Option<ImportGuard<'_>> {
        let key = (kind, community);
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        // Lazily: a guard made and dropped here would unlock the other
        // import's key.
        running
            .insert(key)
            .then(|| ImportGuard { imports: self, key })
    }
}

impl Drop for ImportGuard<'_> {
    fn drop(&mut self) {
        let mut running = self
            .imports
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        running.remove(&self.key);
    }
}

/// A file that is not a workbook we can read.
fn malformed(message: impl Into<String>) -> Error {
    Error::validation("file", message, "不是可读取的 .xlsx 工作簿")
}

/// A workbook beyond what one import may hold.
fn refuse(message: impl Into<String>) -> Error {
    Error::validation("file", message, "文件超出导入限制，请拆分后分批导入")
}

fn internal(what: &str, err: impl std::fmt::Display) -> Error {
    Error::internal(format_args!("{what}: {err}"))
}

/// The column's letters: 0 is A, 16383 is XFD.
pub fn column_name(col: u32) -> String {
    let mut n = col as u64 + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(b'A' + rem);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// A size as a buyer reads it: "160 MiB", "64 KiB", "100 bytes".
fn size_text(bytes: u64) -> String {
    if bytes >= MIB {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= 1024 {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// 1048576 as "1,048,576".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::xlsx::{self, Body};
    use proptest::prelude::*;

    const SMALL: Limits = Limits {
        max_rows: 10,
        max_columns: 4,
        max_cells: 12,
        max_text_bytes: 100,
        max_entries: 10,
        max_entry_bytes: 1 << 20,
        max_shared_strings_bytes: 64 * 1024,
        max_total_uncompressed: 2 << 20,
        max_ratio: 100,
        ratio_exempt_bytes: 16 * 1024,
    };

    fn book(dimension: Option<&str>, rows: &str) -> Vec<u8> {
        xlsx::workbook(Body::Text(&xlsx::sheet_xml(dimension, rows)), None)
    }

    fn read(bytes: &[u8], limits: &Limits) -> Result<Sheet, String> {
        read_xlsx_blocking(bytes, "Catalogue", limits).map_err(|e| match e {
            Error::Validation(errors) => {
                assert_eq!(errors.len(), 1);
                assert_eq!(errors[0].field, "file");
                assert!(!errors[0].message_zh.is_empty());
                errors[0].message.clone()
            }
            other => panic!("not a file error: {other:?}"),
        })
    }

    fn refused(bytes: &[u8], limits: &Limits) -> String {
        match read(bytes, limits) {
            Ok(sheet) => panic!("read {} cells", sheet.len()),
            Err(message) => message,
        }
    }

    #[test]
    fn reads_a_sparse_sheet() {
        let rows = xlsx::row(1, &[("A1", "<v>1</v>"), ("C1", "<v>2.5</v>")])
            + &xlsx::row(4, &[("B4", r#"<is><t>x</t></is>"#)])
            // Excel writes formatted empty cells; they are no value.
            + &xlsx::row(5, &[("D5", "")]);
        let rows = rows.replace(r#"<c r="B4">"#, r#"<c r="B4" t="inlineStr">"#);
        let sheet = read(&book(Some("A1:D5"), &rows), &SMALL).unwrap();
        // No sheet called Catalogue: the first one.
        assert_eq!(sheet.name(), "Sheet1");
        assert_eq!(sheet.len(), 3);
        assert_eq!(sheet.get(0, 0), &Data::Float(1.0));
        assert_eq!(sheet.get(0, 2), &Data::Float(2.5));
        assert_eq!(sheet.get(3, 1), &Data::String("x".into()));
        assert_eq!(sheet.get(0, 1), &Data::Empty);
        assert_eq!(sheet.get(9, 3), &Data::Empty);
        assert_eq!(sheet.rows(), vec![0, 3]);
        assert_eq!(sheet.last_row(), Some(3));
        assert_eq!(sheet.last_column(), Some(2));
        let row: Vec<(u32, &Data)> = sheet.row(0).collect();
        assert_eq!(row, vec![(0, &Data::Float(1.0)), (2, &Data::Float(2.5))]);
        assert_eq!(sheet.row(1).count(), 0);
    }

    #[test]
    fn cells_out_of_order_are_sorted_and_the_later_of_two_wins() {
        let rows = xlsx::row(3, &[("B3", "<v>1</v>")])
            + &xlsx::row(1, &[("A1", "<v>2</v>"), ("A1", "<v>3</v>")]);
        let sheet = read(&book(None, &rows), &SMALL).unwrap();
        assert_eq!(sheet.rows(), vec![0, 2]);
        assert_eq!(sheet.len(), 2);
        assert_eq!(sheet.get(0, 0), &Data::Float(3.0));
    }

    #[test]
    fn a_cell_beyond_the_last_row_or_column_is_refused() {
        let bytes = book(None, &xlsx::row(11, &[("A11", "<v>1</v>")]));
        assert_eq!(
            refused(&bytes, &SMALL),
            "cell A11 is outside the import area (at most 10 rows and 4 columns, A1 to D10)"
        );
        let bytes = book(None, &xlsx::row(1, &[("E1", "<v>1</v>")]));
        assert!(refused(&bytes, &SMALL).starts_with("cell E1 is outside"));
        // The last row and column are in.
        let bytes = book(None, &xlsx::row(10, &[("D10", "<v>1</v>")]));
        assert_eq!(read(&bytes, &SMALL).unwrap().len(), 1);
    }

    #[test]
    fn a_declared_dimension_beyond_the_limits_is_refused() {
        let rows = xlsx::row(1, &[("A1", "<v>1</v>")]);
        assert_eq!(
            refused(&book(Some("A1:A1048576"), &rows), &SMALL),
            "the sheet declares 1,048,576 rows; import at most 10"
        );
        assert_eq!(
            refused(&book(Some("A1:XFD1"), &rows), &SMALL),
            "the sheet declares 16,384 columns (to column XFD); import at most 4 (to column D)"
        );
        assert!(read(&book(Some("A1:D10"), &rows), &SMALL).is_ok());
    }

    #[test]
    fn more_cells_than_the_limit_are_refused() {
        let mut rows = String::new();
        for r in 1..=4 {
            let cells: Vec<(String, &str)> = ["A", "B", "C", "D"]
                .iter()
                .map(|c| (format!("{c}{r}"), "<v>1</v>"))
                .collect();
            let cells: Vec<(&str, &str)> = cells.iter().map(|(a, b)| (a.as_str(), *b)).collect();
            rows += &xlsx::row(r, &cells);
        }
        assert_eq!(
            refused(&book(None, &rows), &SMALL),
            "the sheet has more than 12 cells with a value; import at most that many"
        );
    }

    #[test]
    fn a_shared_string_repeated_past_the_text_limit_is_refused() {
        let long = "x".repeat(40);
        let strings = format!(r#"<sst uniqueCount="1"><si><t>{long}</t></si></sst>"#);
        let cells = xlsx::row(
            1,
            &[("A1", "<v>0</v>"), ("B1", "<v>0</v>"), ("C1", "<v>0</v>")],
        )
        .replace("\">", "\" t=\"s\">");
        let bytes = xlsx::workbook(
            Body::Text(&xlsx::sheet_xml(None, &cells)),
            Some(Body::Text(&strings)),
        );
        assert!(refused(&bytes, &SMALL).contains("more than 100 bytes of text"));
        let roomy = Limits {
            max_text_bytes: 120,
            ..SMALL
        };
        let sheet = read(&bytes, &roomy).unwrap();
        assert_eq!(sheet.get(0, 2), &Data::String(long));
    }

    #[test]
    fn a_part_that_compresses_too_well_is_refused() {
        let padding = " ".repeat(64 * 1024);
        let bytes = book(None, &padding);
        let message = refused(&bytes, &SMALL);
        assert!(message.contains("refused as a zip bomb"), "{message}");
        assert!(message.contains("xl/worksheets/sheet1.xml"), "{message}");
        // Below the exemption, small repetitive parts are fine.
        let lenient = Limits {
            ratio_exempt_bytes: 1 << 20,
            ..SMALL
        };
        assert!(read(&bytes, &lenient).is_ok());
    }

    #[test]
    fn parts_too_large_alone_or_together_are_refused() {
        let padding = " ".repeat(200 * 1024);
        let bytes = book(None, &padding);
        let no_ratio = Limits {
            max_ratio: u64::MAX,
            ..SMALL
        };
        let small_parts = Limits {
            max_entry_bytes: 100 * 1024,
            ..no_ratio
        };
        assert!(refused(&bytes, &small_parts).starts_with("the file expands to more than 100 KiB"));
        let small_total = Limits {
            max_total_uncompressed: 150 * 1024,
            ..no_ratio
        };
        assert_eq!(
            refused(&bytes, &small_total),
            "the file expands to more than 150 KiB; import at most that much"
        );
        let few_parts = Limits {
            max_entries: 3,
            ..no_ratio
        };
        assert_eq!(
            refused(&bytes, &few_parts),
            "the file holds 5 parts; an .xlsx workbook has at most 3"
        );
        assert!(read(&bytes, &no_ratio).is_ok());
    }

    #[test]
    fn the_declared_count_of_shared_strings_is_checked() {
        let sheet = xlsx::sheet_xml(None, "");
        let with = |sst: &str| xlsx::workbook(Body::Text(&sheet), Some(Body::Text(sst)));
        let message = refused(
            &with(
                r#"<?xml version="1.0"?><!-- uniqueCount="1" --><x:sst xmlns:x="s" count="1" uniqueCount = '99999999999999999999'><x:si/></x:sst>"#,
            ),
            &SMALL,
        );
        assert!(
            message.contains("distinct texts; import at most 12"),
            "{message}"
        );
        assert!(read(&with(r#"<sst uniqueCount="12"></sst>"#), &SMALL).is_ok());
        assert!(read(&with(r#"<sst></sst>"#), &SMALL).is_ok());
        assert!(
            refused(&with(r#"<sst uniqueCount="1e9"></sst>"#), &SMALL)
                .contains("shared strings are malformed")
        );
        assert!(refused(&with("no xml"), &SMALL).contains("shared strings are malformed"));
    }

    #[test]
    fn the_sst_scanner_skips_what_is_not_the_root_tag() {
        let counts = |xml: &str| sst_unique_counts(xml.as_bytes()).map(|v| v.join(","));
        assert_eq!(counts(r#"<sst uniqueCount="3">"#), Some("3".into()));
        assert_eq!(
            counts(
                r#"<?xml a="<sst uniqueCount='1'>"?><!-- <sst uniqueCount="2"> --><a b=">"/><sst count="9" uniqueCount="3">"#
            ),
            Some("3".into())
        );
        assert_eq!(counts(r#"<sst>"#), Some("".into()));
        assert_eq!(counts(r#"<sst uniqueCount="-1">"#), None);
        assert_eq!(counts(r#"<sst uniqueCount=1>"#), None);
        assert_eq!(counts(r#"<sst uniqueCount="1""#), None);
        assert_eq!(counts(""), None);
    }

    #[test]
    fn not_a_workbook_is_a_file_error() {
        assert!(refused(b"hello", &SMALL).starts_with("not an .xlsx workbook"));
        let no_sheet = xlsx::zip_parts(&[("[Content_Types].xml", Body::Text(xlsx::CONTENT_TYPES))]);
        assert!(refused(&no_sheet, &SMALL).starts_with("not an .xlsx workbook"));
        // calamine overflows a u32 on this reference; it is still only a bad
        // file.
        let bytes = book(None, &xlsx::row(1, &[("A99999999999", "<v>1</v>")]));
        assert!(refused(&bytes, &SMALL).starts_with("not an .xlsx workbook"));
    }

    #[test]
    fn names_and_numbers_read_as_in_excel() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(16_383), "XFD");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_048_576), "1,048,576");
    }

    #[test]
    fn one_import_of_a_kind_per_community_at_a_time() {
        let imports = RunningImports::default();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let first = imports.begin("catalogue", a).expect("first");
        assert!(imports.begin("catalogue", a).is_none());
        assert!(imports.begin("catalogue", b).is_some());
        assert!(imports.begin("stocktake", a).is_some());
        drop(first);
        assert!(imports.begin("catalogue", a).is_some());
    }

    /// A cell reference, mostly plausible, sometimes not.
    fn reference() -> impl Strategy<Value = String> {
        prop_oneof![
            ("[A-F]", 1u32..14).prop_map(|(c, r)| format!("{c}{r}")),
            ("[A-Z]{1,4}", 1u64..5_000_000_000).prop_map(|(c, r)| format!("{c}{r}")),
            "[A-Za-z0-9]{0,12}",
        ]
    }

    fn value() -> impl Strategy<Value = (Option<&'static str>, String)> {
        prop_oneof![
            (-1e9f64..1e9).prop_map(|f| (None, format!("<v>{f}</v>"))),
            "[a-z ]{0,30}".prop_map(|s| (Some("inlineStr"), format!("<is><t>{s}</t></is>"))),
            (0u32..6).prop_map(|i| (Some("s"), format!("<v>{i}</v>"))),
            (0u8..3).prop_map(|b| (Some("b"), format!("<v>{b}</v>"))),
            Just((Some("e"), "<v>#DIV/0!</v>".to_string())),
            "[<>&a-z0-9\"]{0,10}".prop_map(|s| (None, s)),
        ]
    }

    fn workbook() -> impl Strategy<Value = Vec<u8>> {
        (
            proptest::option::of("[A-Z]{1,3}[0-9]{1,8}(:[A-Z]{1,3}[0-9]{1,8})?"),
            proptest::collection::vec((reference(), value()), 0..30),
            proptest::option::of((0u64..1_000_000_000_000, 0usize..5)),
        )
            .prop_map(|(dimension, cells, strings)| {
                let cells: String = cells
                    .into_iter()
                    .map(|(r, (t, v))| match t {
                        Some(t) => format!(r#"<c r="{r}" t="{t}">{v}</c>"#),
                        None => format!(r#"<c r="{r}">{v}</c>"#),
                    })
                    .collect();
                let sheet = xlsx::sheet_xml(dimension.as_deref(), &format!("<row>{cells}</row>"));
                let strings = strings.map(|(declared, n)| {
                    let si: String = (0..n).map(|i| format!("<si><t>s{i}</t></si>")).collect();
                    format!(r#"<sst uniqueCount="{declared}">{si}</sst>"#)
                });
                xlsx::workbook(Body::Text(&sheet), strings.as_deref().map(Body::Text))
            })
    }

    fn within_limits(result: Result<Sheet>, limits: &Limits) -> Result<(), TestCaseError> {
        match result {
            Ok(sheet) => {
                prop_assert!(sheet.len() <= limits.max_cells);
                prop_assert!(sheet.last_row().is_none_or(|r| r < limits.max_rows));
                prop_assert!(sheet.last_column().is_none_or(|c| c < limits.max_columns));
                prop_assert!(sheet.cells.windows(2).all(|w| w[0].0 < w[1].0));
            }
            Err(Error::Validation(errors)) => prop_assert_eq!(&errors[0].field, "file"),
            Err(other) => prop_assert!(false, "not a file error: {other:?}"),
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Whatever the cells, references and declarations, a small
        /// workbook is read within the limits or refused as a bad file.
        #[test]
        fn random_workbooks_are_read_within_the_limits_or_refused(bytes in workbook()) {
            within_limits(read_xlsx_blocking(&bytes, "Sheet1", &SMALL), &SMALL)?;
        }

        /// Nor does damage to the zip itself take the reader down.
        #[test]
        fn damaged_workbooks_are_refused_or_read(
            bytes in workbook(),
            damage in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        ) {
            let mut bytes = bytes;
            for (at, byte) in damage {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            within_limits(read_xlsx_blocking(&bytes, "Sheet1", &SMALL), &SMALL)?;
        }
    }
}
