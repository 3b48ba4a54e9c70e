//! The procurement and distribution workbooks (plan, purchase order,
//! payables, member statements, pick lists, delivery notes): tables of
//! typed cells, written one way. Money is written as yuan with two
//! decimals from integer fen; text is always text (never a formula,
//! whatever a supplier's name starts with).

use crate::error::{Error, Result};
use chrono::NaiveDate;
use rust_xlsxwriter::{
    Color, ExcelDateTime, Format, FormatAlign, FormatBorder, Image, Workbook, XlsxError,
};

#[derive(Debug, Clone)]
pub(crate) enum Cell {
    Text(String),
    Int(i64),
    /// Fen, shown as yuan.
    Yuan(i64),
    Date(NaiveDate),
    /// A PNG (a barcode) drawn over the cell, scaled to fit; its row is
    /// made tall enough to hold it.
    Image(Vec<u8>),
    Empty,
}

/// The width, in characters, a column holding an image is given, and the
/// height, in points, of a row holding one.
const IMAGE_WIDTH: usize = 34;
const IMAGE_ROW_HEIGHT: f64 = 48.0;

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

/// One sheet: a title block (label, value rows), then a table.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sheet {
    pub name: String,
    pub heading: Vec<(String, Cell)>,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
    /// Rows after the table (totals), bold.
    pub footer: Vec<Vec<Cell>>,
}

fn width(cell: &Cell) -> usize {
    match cell {
        Cell::Text(s) => s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum(),
        Cell::Int(n) => n.to_string().len(),
        Cell::Yuan(f) => f.to_string().len() + 2,
        Cell::Date(_) => 10,
        Cell::Image(_) => IMAGE_WIDTH,
        Cell::Empty => 0,
    }
}

/// Sheet names: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(raw: &str, taken: &mut Vec<String>) -> String {
    let clean: String = raw
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(28)
        .collect();
    let mut name = clean.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{clean}{n}");
        n += 1;
    }
    taken.push(name.clone());
    name
}

fn write(sheets: &[Sheet]) -> std::result::Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let bold = Format::new().set_bold();
    let text = Format::new().set_quote_prefix();
    let int = Format::new().set_num_format("0");
    let money = Format::new().set_num_format("#,##0.00");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let mut taken = Vec::new();
    for s in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(sheet_name(&s.name, &mut taken))?;
        let mut widths: Vec<usize> = s.columns.iter().map(|c| width(&Cell::from(*c))).collect();
        // Images are scaled to their cell, so they go in once the columns
        // have their widths.
        let mut images: Vec<(u32, u16, Vec<u8>)> = Vec::new();
        let mut put = |sheet: &mut rust_xlsxwriter::Worksheet,
                       row: u32,
                       col: u16,
                       cell: &Cell,
                       emphasis: bool|
         -> std::result::Result<(), XlsxError> {
            let f = |base: &Format| {
                if emphasis {
                    base.clone().set_bold()
                } else {
                    base.clone()
                }
            };
            match cell {
                Cell::Text(t) => sheet.write_string_with_format(row, col, t, &f(&text))?,
                Cell::Int(n) => sheet.write_number_with_format(row, col, *n as f64, &f(&int))?,
                Cell::Yuan(fen) => {
                    sheet.write_number_with_format(row, col, *fen as f64 / 100.0, &f(&money))?
                }
                Cell::Date(d) => {
                    let at = ExcelDateTime::from_ymd(
                        d.format("%Y").to_string().parse().unwrap_or(1970),
                        d.format("%m").to_string().parse().unwrap_or(1),
                        d.format("%d").to_string().parse().unwrap_or(1),
                    )?;
                    sheet.write_datetime_with_format(row, col, &at, &f(&date))?
                }
                Cell::Image(png) => {
                    images.push((row, col, png.clone()));
                    sheet.set_row_height(row, IMAGE_ROW_HEIGHT)?
                }
                Cell::Empty => sheet,
            };
            Ok(())
        };
        let mut row = 0u32;
        for (label, value) in &s.heading {
            sheet.write_string_with_format(row, 0, label, &bold)?;
            put(sheet, row, 1, value, false)?;
            row += 1;
        }
        if !s.heading.is_empty() {
            row += 1;
        }
        for (x, c) in s.columns.iter().enumerate() {
            sheet.write_string_with_format(row, x as u16, *c, &header)?;
        }
        row += 1;
        for (cells, emphasis) in s
            .rows
            .iter()
            .map(|r| (r, false))
            .chain(s.footer.iter().map(|r| (r, true)))
        {
            for (x, cell) in cells.iter().enumerate() {
                if let Some(w) = widths.get_mut(x) {
                    *w = (*w).max(width(cell));
                }
                put(sheet, row, x as u16, cell, emphasis)?;
            }
            row += 1;
        }
        for (x, w) in widths.iter().enumerate() {
            sheet.set_column_width(x as u16, (*w as f64 + 2.0).min(60.0))?;
        }
        for (row, col, png) in images {
            sheet.insert_image_fit_to_cell_centered(row, col, &Image::new_from_buffer(&png)?)?;
        }
    }
    workbook.save_to_buffer()
}

/// The workbook's bytes, written off the async threads.
pub(crate) async fn workbook(sheets: Vec<Sheet>) -> Result<Vec<u8>> {
    tokio::task::spawn_blocking(move || write(&sheets))
        .await
        .map_err(|e| Error::internal(format_args!("workbook task failed: {e}")))?
        .map_err(|e| Error::internal(format_args!("cannot write the workbook: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_legal_and_unique() {
        let mut taken = Vec::new();
        assert_eq!(
            sheet_name("青山镇/东岭村[卫生室]", &mut taken),
            "青山镇_东岭村_卫生室_"
        );
        assert_eq!(sheet_name("汇总", &mut taken), "汇总");
        assert_eq!(sheet_name("汇总", &mut taken), "汇总2");
        assert!(sheet_name(&"长".repeat(40), &mut taken).chars().count() <= 31);
    }
}
