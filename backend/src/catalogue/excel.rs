//! The catalogue as a spreadsheet: export every item of a community to an
//! .xlsx workbook, and import a workbook in the same layout, all or nothing.
//!
//! The layout (one sheet, [`SHEET_NAME`], header in row 1, one item a row):
//! code, kind, status, names, dosage form, strength, packaging, base unit,
//! for package levels 1 to 3 the pack name, units per pack, GTINs
//! (comma-separated) and traceability-code prefix, then the regulatory and
//! handling attributes, and the time of the last change. The import finds
//! columns by their header text (Chinese, English or both, as exported), so
//! their order may change and unknown columns are ignored.
//!
//! Two columns are read-only and ignored by the import: the status (an item
//! is suspended, delisted and reactivated through those commands, which ask
//! for a reason) and the time of the last change.
//!
//! Money is kept in whole fen: the VBP price is a number of yuan with at most
//! two decimals in the sheet, converted exactly, never through a float
//! calculation.

use super::maintain::{all_item_views, require_maintainer};
use super::{ItemDraft, ItemView, PackageLevelDraft, insert_items, replace_item};
use crate::Backend;
use crate::authz::Caller;
use crate::clock::{business_date, business_offset};
use crate::command::{Audit, Command, Effect, Ran};
use crate::entity::enums::{
    ControlledClass, InstitutionKind, InsuranceClass, ItemChange, ItemKind,
};
use crate::entity::{community, item_gtin, item_package_level};
use crate::error::{Error, Result};
use crate::ledger::Actor;
use crate::spreadsheet::{self, Limits, Sheet};
use calamine::Data;
use chrono::{DateTime, Utc};
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DataValidationRule, ExcelDateTime, Format,
    FormatAlign, FormatBorder, Note, Workbook, XlsxError,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveEnum, ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;
use yaolian_labels::gtin;

/// The name of the catalogue sheet. The import reads this sheet, or the
/// first sheet when there is none of this name.
pub const SHEET_NAME: &str = "目录 Catalogue";

/// Larger uploads are refused before they are opened.
pub const MAX_IMPORT_BYTES: usize = 10 * 1024 * 1024;

/// At most this many item rows in one import.
pub const MAX_IMPORT_ROWS: usize = 100_000;

/// The widest a column is made, in characters.
const MAX_COLUMN_WIDTH: usize = 60;

/// Excel's last row, for validations that cover rows typed in later.
const LAST_ROW: u32 = 1_048_575;

/// What an import did, or (dry run, or with errors) would do. The counts are
/// over the rows without errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub dry_run: bool,
    /// True when the rows were written (no errors and not a dry run).
    pub applied: bool,
    /// Item rows in the file (blank rows are not counted).
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub errors: Vec<RowError>,
}

/// One problem with one cell (or one row) of an uploaded workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The Excel row number: 1 is the header row, items start at 2.
    pub row: u32,
    /// The header text of the column, or "" when the problem is the row's.
    pub column: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum LevelField {
    Name,
    Units,
    Gtins,
    Prefix,
}

/// A column of the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Col {
    Code,
    Kind,
    Status,
    GenericName,
    TradeName,
    EnglishName,
    DosageForm,
    Strength,
    Packaging,
    BaseUnit,
    Level(i32, LevelField),
    Manufacturer,
    ApprovalNumber,
    NhsaCode,
    InsuranceClass,
    Essential,
    Vbp,
    VbpPrice,
    PrescriptionOnly,
    ControlledClass,
    AntibioticLevel,
    HighAlert,
    LookAlike,
    ColdChain,
    SkinTest,
    MinInstitutionLevel,
    NearExpiryDays,
    UpdatedAt,
}

const LEVELS: [i32; 3] = [1, 2, 3];

impl Col {
    /// Every column, in the order of the export.
    fn layout() -> Vec<Col> {
        let mut cols = vec![
            Col::Code,
            Col::Kind,
            Col::Status,
            Col::GenericName,
            Col::TradeName,
            Col::EnglishName,
            Col::DosageForm,
            Col::Strength,
            Col::Packaging,
            Col::BaseUnit,
        ];
        for level in LEVELS {
            for field in [
                LevelField::Name,
                LevelField::Units,
                LevelField::Gtins,
                LevelField::Prefix,
            ] {
                cols.push(Col::Level(level, field));
            }
        }
        cols.extend([
            Col::Manufacturer,
            Col::ApprovalNumber,
            Col::NhsaCode,
            Col::InsuranceClass,
            Col::Essential,
            Col::Vbp,
            Col::VbpPrice,
            Col::PrescriptionOnly,
            Col::ControlledClass,
            Col::AntibioticLevel,
            Col::HighAlert,
            Col::LookAlike,
            Col::ColdChain,
            Col::SkinTest,
            Col::MinInstitutionLevel,
            Col::NearExpiryDays,
            Col::UpdatedAt,
        ]);
        cols
    }

    /// The Chinese and the English part of the header.
    fn names(self) -> (String, String) {
        let (zh, en) = match self {
            Col::Code => ("编码", "Code"),
            Col::Kind => ("类别", "Kind"),
            Col::Status => ("状态", "Status"),
            Col::GenericName => ("通用名", "Generic name"),
            Col::TradeName => ("商品名", "Trade name"),
            Col::EnglishName => ("英文名", "English name"),
            Col::DosageForm => ("剂型", "Dosage form"),
            Col::Strength => ("规格", "Strength"),
            Col::Packaging => ("包装", "Packaging"),
            Col::BaseUnit => ("基本单位", "Base unit"),
            Col::Level(n, field) => {
                return match field {
                    LevelField::Name => (format!("{n}级包装"), format!("Level {n} pack")),
                    LevelField::Units => (
                        format!("{n}级包装含量"),
                        format!("Level {n} units per pack"),
                    ),
                    LevelField::Gtins => (format!("{n}级GTIN"), format!("Level {n} GTINs")),
                    LevelField::Prefix => (
                        format!("{n}级追溯码前缀"),
                        format!("Level {n} trace-code prefix"),
                    ),
                };
            }
            Col::Manufacturer => ("生产企业", "Manufacturer"),
            Col::ApprovalNumber => ("批准文号", "Approval number"),
            Col::NhsaCode => ("医保编码", "NHSA code"),
            Col::InsuranceClass => ("医保类别", "Insurance class"),
            Col::Essential => ("基药", "Essential"),
            Col::Vbp => ("集采", "VBP"),
            Col::VbpPrice => ("集采价(元)", "VBP price (yuan)"),
            Col::PrescriptionOnly => ("处方药", "Prescription only"),
            Col::ControlledClass => ("特殊管理", "Controlled class"),
            Col::AntibioticLevel => ("抗菌药物级别", "Antibiotic level"),
            Col::HighAlert => ("高警示", "High alert"),
            Col::LookAlike => ("易混淆", "Look-alike"),
            Col::ColdChain => ("冷链", "Cold chain"),
            Col::SkinTest => ("皮试", "Skin test"),
            Col::MinInstitutionLevel => ("最低机构级别", "Min institution level"),
            Col::NearExpiryDays => ("近效期天数", "Near-expiry days"),
            Col::UpdatedAt => ("更新时间", "Updated at"),
        };
        (zh.to_string(), en.to_string())
    }

    fn header(self) -> String {
        let (zh, en) = self.names();
        format!("{zh} {en}")
    }

    /// Columns an import cannot do without.
    fn required(self) -> bool {
        matches!(
            self,
            Col::Code
                | Col::Kind
                | Col::GenericName
                | Col::DosageForm
                | Col::Strength
                | Col::BaseUnit
                | Col::Level(1, LevelField::Name | LevelField::Units)
        )
    }

    /// Shown in the export, ignored by the import.
    fn read_only(self) -> bool {
        matches!(self, Col::Status | Col::UpdatedAt)
    }

    /// Codes kept as text, so leading zeros and long digit runs survive.
    fn is_code(self) -> bool {
        matches!(
            self,
            Col::Code
                | Col::Level(_, LevelField::Gtins | LevelField::Prefix)
                | Col::ApprovalNumber
                | Col::NhsaCode
        )
    }

    fn is_flag(self) -> bool {
        matches!(
            self,
            Col::Essential
                | Col::Vbp
                | Col::PrescriptionOnly
                | Col::HighAlert
                | Col::LookAlike
                | Col::ColdChain
                | Col::SkinTest
        )
    }

    /// The header's comment: how to fill the column.
    fn note(self) -> Option<String> {
        Some(match self {
            Col::Code => "必填，唯一；字母、数字、- _ . Required and unique: letters, digits, - _ .".into(),
            Col::Kind => "DRUG（药品）或 CONSUMABLE（耗材） DRUG or CONSUMABLE".into(),
            Col::Status => "只读：暂停、停用、恢复请用相应操作（需填写原因），导入时忽略此列。\nRead-only: an item is suspended, delisted or reactivated through those commands, which ask for a reason; the import ignores this column.".into(),
            Col::Level(_, LevelField::Units) => "每包含基本单位数；上一级的整数倍 Base units per pack; a whole multiple of the level below".into(),
            Col::Level(_, LevelField::Gtins) => "多个用逗号分隔，按文本填写 Comma-separated, entered as text".into(),
            Col::Level(_, LevelField::Prefix) => "追溯码前7位，按文本填写 First 7 digits of the traceability codes, entered as text".into(),
            Col::InsuranceClass => "A（甲）、B（乙）、SELF_PAY（自费）或空 A, B, SELF_PAY or empty".into(),
            Col::VbpPrice => "元，最多两位小数；需集采为 Y Yuan with at most 2 decimals; needs VBP = Y".into(),
            Col::ControlledClass => "NARCOTIC, PSYCHOTROPIC_I, PSYCHOTROPIC_II, TOXIC, RADIOACTIVE, PRECURSOR 或空 or empty".into(),
            Col::AntibioticLevel => "0 非抗菌药, 1 非限制, 2 限制, 3 特殊使用 0 none, 1 non-restricted, 2 restricted, 3 special use".into(),
            Col::MinInstitutionLevel => "VILLAGE_CLINIC, TOWNSHIP_HEALTH_CENTRE, COMMUNITY_HEALTH_CENTRE, COUNTY_HOSPITAL".into(),
            Col::NearExpiryDays => "1-1095，空为90 1 to 1095; empty means 90".into(),
            Col::UpdatedAt => "只读（北京时间） Read-only (UTC+8)".into(),
            c if c.is_flag() => "Y/N（是/否）".into(),
            _ => return None,
        })
    }
}

/// Lower-case, without spaces, ASCII brackets: how headers are compared.
fn header_key(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Display width as Excel shows it: CJK and full-width characters take two
/// columns.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            let u = u32::from(c);
            let wide = matches!(u,
                0x1100..=0x115F
                | 0x2E80..=0x303E
                | 0x3041..=0x33FF
                | 0x3400..=0x4DBF
                | 0x4E00..=0x9FFF
                | 0xA000..=0xA4CF
                | 0xAC00..=0xD7A3
                | 0xF900..=0xFAFF
                | 0xFE30..=0xFE4F
                | 0xFF00..=0xFF60
                | 0xFFE0..=0xFFE6
                | 0x20000..=0x3FFFD);
            if wide { 2 } else { 1 }
        })
        .sum()
}

// ---------------------------------------------------------------- export

/// A cell of the export.
enum Out {
    Blank,
    Text(String),
    Code(String),
    Int(i64),
    Money(i64),
    Time(DateTime<Utc>),
}

fn flag(b: bool) -> Out {
    Out::Text(if b { "Y" } else { "N" }.into())
}

fn opt_text(s: &Option<String>) -> Out {
    match s {
        Some(s) if !s.is_empty() => Out::Text(s.clone()),
        _ => Out::Blank,
    }
}

fn cell_of(view: &ItemView, col: Col) -> Out {
    let i = &view.item;
    match col {
        Col::Code => Out::Code(i.code.clone()),
        Col::Kind => Out::Text(i.kind.to_value()),
        Col::Status => Out::Text(i.status.to_value()),
        Col::GenericName => Out::Text(i.generic_name.clone()),
        Col::TradeName => opt_text(&i.trade_name),
        Col::EnglishName => opt_text(&Some(i.english_name.clone())),
        Col::DosageForm => Out::Text(i.dosage_form.clone()),
        Col::Strength => Out::Text(i.strength.clone()),
        Col::Packaging => opt_text(&i.packaging),
        Col::BaseUnit => Out::Text(i.base_unit.clone()),
        Col::Level(n, field) => match view.levels.iter().find(|l| l.level == n) {
            None => Out::Blank,
            Some(l) => match field {
                LevelField::Name => Out::Text(l.name.clone()),
                LevelField::Units => Out::Int(l.units_per_pack),
                LevelField::Gtins if l.gtins.is_empty() => Out::Blank,
                LevelField::Gtins => Out::Code(l.gtins.join(",")),
                LevelField::Prefix => match &l.trace_code_prefix {
                    Some(p) => Out::Code(p.clone()),
                    None => Out::Blank,
                },
            },
        },
        Col::Manufacturer => opt_text(&i.manufacturer),
        Col::ApprovalNumber => match &i.approval_number {
            Some(a) => Out::Code(a.clone()),
            None => Out::Blank,
        },
        Col::NhsaCode => match &i.nhsa_code {
            Some(a) => Out::Code(a.clone()),
            None => Out::Blank,
        },
        Col::InsuranceClass => match i.insurance_class {
            Some(c) => Out::Text(c.to_value()),
            None => Out::Blank,
        },
        Col::Essential => flag(i.essential),
        Col::Vbp => flag(i.vbp),
        Col::VbpPrice => match i.vbp_price_fen {
            Some(fen) => Out::Money(fen),
            None => Out::Blank,
        },
        Col::PrescriptionOnly => flag(i.prescription_only),
        Col::ControlledClass => match i.controlled_class {
            Some(c) => Out::Text(c.to_value()),
            None => Out::Blank,
        },
        Col::AntibioticLevel => Out::Int(i64::from(i.antibiotic_level)),
        Col::HighAlert => flag(i.high_alert),
        Col::LookAlike => flag(i.look_alike),
        Col::ColdChain => flag(i.cold_chain),
        Col::SkinTest => flag(i.skin_test),
        Col::MinInstitutionLevel => Out::Text(i.min_institution_level.to_value()),
        Col::NearExpiryDays => Out::Int(i64::from(i.near_expiry_days)),
        Col::UpdatedAt => Out::Time(i.updated_at),
    }
}

/// Money as the sheet shows it, for width estimates.
fn yuan_text(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

const DATETIME_FORMAT: &str = "yyyy-mm-dd hh:mm:ss";

/// An instant as an Excel date-time at UTC+8, where the users are.
fn excel_time(at: DateTime<Utc>) -> Result<ExcelDateTime, XlsxError> {
    let local = at.with_timezone(&business_offset()).naive_local();
    ExcelDateTime::from_timestamp(local.and_utc().timestamp())
}

fn write_workbook(views: &[ItemView]) -> Result<Vec<u8>, XlsxError> {
    let cols = Col::layout();
    let header_format = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let text_format = Format::new().set_num_format("@");
    let int_format = Format::new().set_num_format("0");
    let money_format = Format::new().set_num_format("0.00");
    let time_format = Format::new().set_num_format(DATETIME_FORMAT);

    // Text is written as text, never as a formula; the quote prefix also
    // keeps Excel from turning it into one when a buyer edits the cell.
    let quoted_format = Format::new().set_quote_prefix();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET_NAME)?;
    sheet.set_default_note_author("yaolian");

    let mut widths: Vec<usize> = cols
        .iter()
        .map(|c| {
            // The header wraps, so its longer half decides.
            let (zh, en) = c.names();
            display_width(&zh).max(display_width(&en))
        })
        .collect();

    for (x, col) in cols.iter().enumerate() {
        let x = x as u16;
        sheet.write_string_with_format(0, x, col.header(), &header_format)?;
        if let Some(note) = col.note() {
            sheet.insert_note(0, x, &Note::new(note).set_width(320).set_height(90))?;
        }
        if col.is_code() {
            // Also for rows typed in later: digits stay text.
            sheet.set_column_format(x, &text_format)?;
        }
    }
    sheet.set_row_height(0, 32)?;

    for (y, view) in views.iter().enumerate() {
        let row = y as u32 + 1;
        for (x, col) in cols.iter().enumerate() {
            let width = match cell_of(view, *col) {
                Out::Blank => 0,
                Out::Text(s) if starts_like_formula(&s) => {
                    sheet.write_string_with_format(row, x as u16, &s, &quoted_format)?;
                    display_width(&s)
                }
                Out::Text(s) => {
                    sheet.write_string(row, x as u16, &s)?;
                    display_width(&s)
                }
                Out::Code(s) => {
                    sheet.write_string_with_format(row, x as u16, &s, &text_format)?;
                    display_width(&s)
                }
                Out::Int(n) => {
                    // Counts and days are far below 2^53.
                    sheet.write_number_with_format(row, x as u16, n as f64, &int_format)?;
                    n.to_string().len()
                }
                Out::Money(fen) => {
                    // fen / 100 is the double nearest to the decimal, so the
                    // import reads back exactly the same fen.
                    sheet.write_number_with_format(
                        row,
                        x as u16,
                        fen as f64 / 100.0,
                        &money_format,
                    )?;
                    yuan_text(fen).len()
                }
                Out::Time(at) => {
                    sheet.write_datetime_with_format(
                        row,
                        x as u16,
                        excel_time(at)?,
                        &time_format,
                    )?;
                    DATETIME_FORMAT.len()
                }
            };
            widths[x] = widths[x].max(width);
        }
    }

    for (x, width) in widths.iter().enumerate() {
        let width = (width + 2).clamp(6, MAX_COLUMN_WIDTH);
        sheet.set_column_width(x as u16, width as f64)?;
    }
    sheet.set_freeze_panes(1, 1)?;
    let last_col = (cols.len() - 1) as u16;
    sheet.autofilter(0, 0, views.len() as u32, last_col)?;

    // Drop-downs for the coded columns. A warning, not a stop: the import
    // also takes 是/否 and the Chinese names.
    let list = |values: &[&str]| -> Result<DataValidation, XlsxError> {
        Ok(DataValidation::new()
            .allow_list_strings(values)?
            .set_error_style(DataValidationErrorStyle::Warning))
    };
    for (x, col) in cols.iter().enumerate() {
        let validation = match col {
            Col::Kind => Some(list(&["DRUG", "CONSUMABLE"])?),
            c if c.is_flag() => Some(list(&["Y", "N"])?),
            Col::InsuranceClass => Some(list(&["A", "B", "SELF_PAY"])?),
            Col::ControlledClass => Some(list(&[
                "NARCOTIC",
                "PSYCHOTROPIC_I",
                "PSYCHOTROPIC_II",
                "TOXIC",
                "RADIOACTIVE",
                "PRECURSOR",
            ])?),
            Col::MinInstitutionLevel => Some(list(&[
                "VILLAGE_CLINIC",
                "TOWNSHIP_HEALTH_CENTRE",
                "COMMUNITY_HEALTH_CENTRE",
                "COUNTY_HOSPITAL",
            ])?),
            Col::AntibioticLevel => Some(
                DataValidation::new()
                    .allow_whole_number(DataValidationRule::Between(0, 3))
                    .set_error_style(DataValidationErrorStyle::Warning),
            ),
            _ => None,
        };
        if let Some(v) = validation {
            sheet.add_data_validation(1, x as u16, LAST_ROW, x as u16, &v)?;
        }
    }

    workbook.save_to_buffer()
}

/// Text that Excel (or a spreadsheet it is pasted into) would read as a
/// formula: a typed name like `=HYPERLINK(...)` must stay a name.
fn starts_like_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@'])
}

fn internal(what: &str, err: impl std::fmt::Display) -> Error {
    Error::internal(format_args!("{what}: {err}"))
}

// ---------------------------------------------------------------- import

fn file_error(message: impl Into<String>) -> Error {
    Error::validation("file", message, "文件超出导入限制，请拆分后分批导入")
}

/// How much of an upload the import reads. Measured on an export of 20,000
/// items (bench/RESULTS.md): the sheet part is 1.2 KiB a row and compresses
/// 9:1, the shared strings 0.2 KiB a row at 9.5:1, every other part is a few
/// KiB. So a 10 MiB upload of genuine rows inflates to about 100 MiB, and the
/// caps below leave room for that and for files other programs write, while
/// keeping what one import holds in memory to a known figure: at most 4
/// million cells of 32 bytes and 64 MiB of their text, plus the shared
/// strings (about three times their part's size as `String`s).
const IMPORT_LIMITS: Limits = Limits {
    // The header and MAX_IMPORT_ROWS item rows.
    max_rows: MAX_IMPORT_ROWS as u32 + 1,
    // The layout's 39 columns and 25 of the buyer's own (notes), which the
    // import ignores.
    max_columns: 64,
    // Every column of the layout filled on every row of the limit.
    max_cells: 4_000_000,
    // 670 bytes a row at the row limit; an export averages under 200.
    max_text_bytes: 64 << 20,
    // An .xlsx has a dozen parts; a thousand is no spreadsheet.
    max_entries: 1000,
    // The sheet of MAX_IMPORT_ROWS exported rows is about 120 MiB.
    max_entry_bytes: 160 * spreadsheet::MIB,
    // About 20 MiB at the row limit; held whole in memory.
    max_shared_strings_bytes: 32 * spreadsheet::MIB,
    max_total_uncompressed: 256 * spreadsheet::MIB,
    // Genuine parts compress 2:1 to 14:1; a thousandfold is a bomb.
    max_ratio: 100,
    ratio_exempt_bytes: 256 * 1024,
};

/// Opens the upload and returns the catalogue sheet's cells.
async fn read_sheet(bytes: Vec<u8>) -> Result<Sheet> {
    spreadsheet::read_xlsx(bytes, SHEET_NAME, IMPORT_LIMITS).await
}

/// Where each column is in the file, and what its header says.
struct Columns {
    at: HashMap<Col, (u32, String)>,
    /// Required columns the file lacks: reported once, on row 1, and not
    /// again on every row.
    missing: HashSet<Col>,
}

impl Columns {
    /// Reads the header row (row 1); unknown columns are ignored.
    fn locate(sheet: &Sheet, errors: &mut Vec<RowError>) -> Columns {
        let mut keys: HashMap<String, Col> = HashMap::new();
        for col in Col::layout() {
            let (zh, en) = col.names();
            for text in [col.header(), zh, en] {
                keys.insert(header_key(&text), col);
            }
        }
        let mut at: HashMap<Col, (u32, String)> = HashMap::new();
        for (x, cell) in sheet.row(0) {
            let Data::String(text) = cell else {
                continue;
            };
            let Some(col) = keys.get(&header_key(text)).copied() else {
                continue;
            };
            let text = text.trim().to_string();
            if let Some((_, first)) = at.get(&col) {
                errors.push(RowError {
                    row: 1,
                    column: text,
                    message: format!("the column is there twice (also as {first:?})"),
                });
            } else {
                at.insert(col, (x, text));
            }
        }
        let mut missing: HashSet<Col> = HashSet::new();
        for col in Col::layout() {
            if col.required() && !at.contains_key(&col) {
                errors.push(RowError {
                    row: 1,
                    column: col.header(),
                    message: "this required column is missing".into(),
                });
                missing.insert(col);
            }
        }
        // A level's pack and its units go together.
        for level in [2, 3] {
            let name = Col::Level(level, LevelField::Name);
            let units = Col::Level(level, LevelField::Units);
            if at.contains_key(&name) != at.contains_key(&units) {
                let absent = if at.contains_key(&name) { units } else { name };
                missing.insert(absent);
                errors.push(RowError {
                    row: 1,
                    column: absent.header(),
                    message: format!(
                        "this column is missing; level {level} needs both the pack name and the units per pack"
                    ),
                });
            }
        }
        Columns { at, missing }
    }

    fn has(&self, col: Col) -> bool {
        self.at.contains_key(&col)
    }

    /// The header as the file has it, or as the export writes it.
    fn header(&self, col: Col) -> String {
        self.at
            .get(&col)
            .map(|(_, text)| text.clone())
            .unwrap_or_else(|| col.header())
    }
}

fn is_blank(d: &Data) -> bool {
    match d {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// A float as the digits a user typed, when it is whole.
fn whole_float(f: f64) -> Option<i64> {
    // 2^53: beyond it, not every integer is representable.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    (f.is_finite() && f.fract() == 0.0 && f.abs() <= EXACT).then_some(f as i64)
}

fn cell_text(d: &Data) -> Result<Option<String>, String> {
    match d {
        Data::Empty => Ok(None),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            let t = s.trim();
            Ok((!t.is_empty()).then(|| t.to_string()))
        }
        Data::Int(i) => Ok(Some(i.to_string())),
        Data::Float(f) => Ok(Some(match whole_float(*f) {
            Some(i) => i.to_string(),
            None => f.to_string(),
        })),
        Data::Bool(b) => Ok(Some(if *b { "TRUE" } else { "FALSE" }.into())),
        Data::DateTime(_) => {
            Err("holds a date where text is expected; format the cell as text".into())
        }
        Data::Error(e) => Err(format!("the cell shows an error ({e})")),
    }
}

/// A code (GTIN, prefix, item code) that Excel may have turned into a number.
fn cell_code(d: &Data) -> Result<Option<String>, String> {
    match d {
        Data::Float(f) => match whole_float(*f) {
            Some(i) => Ok(Some(i.to_string())),
            None if f.is_finite() && f.fract() == 0.0 => Err(
                "is a number too long for Excel to keep exactly; format the column as text and type it again".into(),
            ),
            None => Err(format!("{f} is not a code; a code is not a fraction")),
        },
        other => cell_text(other),
    }
}

fn cell_int(d: &Data) -> Result<Option<i64>, String> {
    const MESSAGE: &str = "must be a whole number";
    match d {
        Data::Empty => Ok(None),
        Data::Int(i) => Ok(Some(*i)),
        Data::Float(f) => whole_float(*f)
            .map(Some)
            .ok_or_else(|| format!("{f} {MESSAGE}")),
        Data::String(s) => {
            let t = s.trim();
            if t.is_empty() {
                return Ok(None);
            }
            if let Ok(i) = t.parse::<i64>() {
                return Ok(Some(i));
            }
            match t.parse::<f64>().ok().and_then(whole_float) {
                Some(i) => Ok(Some(i)),
                None => Err(format!("{t:?} {MESSAGE}")),
            }
        }
        Data::Bool(_) => Err(format!("{MESSAGE}, not TRUE/FALSE")),
        Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => {
            Err(format!("{MESSAGE}, not a date"))
        }
        Data::Error(e) => Err(format!("the cell shows an error ({e})")),
    }
}

fn cell_flag(d: &Data) -> Result<Option<bool>, String> {
    const MESSAGE: &str = "must be Y or N (also 是/否, TRUE/FALSE, 1/0)";
    match d {
        Data::Bool(b) => Ok(Some(*b)),
        Data::Int(1) => Ok(Some(true)),
        Data::Int(0) => Ok(Some(false)),
        Data::Float(f) if *f == 1.0 => Ok(Some(true)),
        Data::Float(f) if *f == 0.0 => Ok(Some(false)),
        other => match cell_text(other)? {
            None => Ok(None),
            Some(t) => match t.to_uppercase().as_str() {
                "Y" | "YES" | "是" | "TRUE" | "1" | "√" => Ok(Some(true)),
                "N" | "NO" | "否" | "FALSE" | "0" | "×" => Ok(Some(false)),
                _ => Err(format!("{t:?} {MESSAGE}")),
            },
        },
    }
}

/// A decimal amount of yuan, as text, to whole fen; exact, no float maths.
fn yuan_to_fen(text: &str) -> Result<i64, String> {
    let t: String = text
        .trim()
        .trim_start_matches(['¥', '￥'])
        .trim_end_matches('元')
        .trim()
        .chars()
        .filter(|c| *c != ',')
        .collect();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.as_str()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let fraction = fraction.trim_end_matches('0');
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return Err(format!("{text:?} is not an amount of yuan"));
    }
    if fraction.len() > 2 {
        return Err(format!(
            "{text} has more than 2 decimal places; prices are kept in whole fen"
        ));
    }
    if whole.len() > 13 {
        return Err(format!("{text} is too large for a price"));
    }
    let whole: i64 = whole
        .parse()
        .map_err(|_| format!("{text:?} is not an amount of yuan"))?;
    let cents: i64 = format!("{fraction:0<2}")
        .parse()
        .map_err(|_| format!("{text:?} is not an amount of yuan"))?;
    let fen = whole * 100 + cents;
    Ok(if negative { -fen } else { fen })
}

fn cell_fen(d: &Data) -> Result<Option<i64>, String> {
    match d {
        Data::Int(i) => i
            .checked_mul(100)
            .map(Some)
            .ok_or_else(|| format!("{i} is too large for a price")),
        // The shortest text that reads back as the same double: what the
        // user typed, or what a formula gave.
        Data::Float(f) if f.is_finite() => yuan_to_fen(&f.to_string()).map(Some),
        Data::Float(f) => Err(format!("{f} is not an amount of yuan")),
        other => match cell_text(other)? {
            None => Ok(None),
            Some(t) => yuan_to_fen(&t).map(Some),
        },
    }
}

fn parse_kind(t: &str) -> Option<ItemKind> {
    match t.to_uppercase().as_str() {
        "DRUG" | "药品" | "药" => Some(ItemKind::Drug),
        "CONSUMABLE" | "耗材" => Some(ItemKind::Consumable),
        _ => None,
    }
}

fn parse_insurance(t: &str) -> Option<InsuranceClass> {
    match t.to_uppercase().as_str() {
        "A" | "甲" | "甲类" => Some(InsuranceClass::A),
        "B" | "乙" | "乙类" => Some(InsuranceClass::B),
        "SELF_PAY" | "SELF-PAY" | "自费" | "丙" | "丙类" => Some(InsuranceClass::SelfPay),
        _ => None,
    }
}

fn parse_controlled(t: &str) -> Option<ControlledClass> {
    match t.to_uppercase().as_str() {
        "NARCOTIC" | "麻醉药品" => Some(ControlledClass::Narcotic),
        "PSYCHOTROPIC_I" | "第一类精神药品" | "一类精神药品" => {
            Some(ControlledClass::PsychotropicI)
        }
        "PSYCHOTROPIC_II" | "第二类精神药品" | "二类精神药品" => {
            Some(ControlledClass::PsychotropicIi)
        }
        "TOXIC" | "医疗用毒性药品" | "毒性药品" => Some(ControlledClass::Toxic),
        "RADIOACTIVE" | "放射性药品" => Some(ControlledClass::Radioactive),
        "PRECURSOR" | "药品类易制毒化学品" | "易制毒" => {
            Some(ControlledClass::Precursor)
        }
        _ => None,
    }
}

fn parse_institution_kind(t: &str) -> Option<InstitutionKind> {
    match t.to_uppercase().as_str() {
        "VILLAGE_CLINIC" | "村卫生室" => Some(InstitutionKind::VillageClinic),
        "TOWNSHIP_HEALTH_CENTRE" | "乡镇卫生院" => Some(InstitutionKind::TownshipHealthCentre),
        "COMMUNITY_HEALTH_CENTRE" | "社区卫生服务中心" => {
            Some(InstitutionKind::CommunityHealthCentre)
        }
        "COUNTY_HOSPITAL" | "县级医院" | "县医院" => Some(InstitutionKind::CountyHospital),
        "LOGISTICS_CENTRE" => Some(InstitutionKind::LogisticsCentre),
        _ => None,
    }
}

fn split_gtins(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | ';' | '；' | '、' | '/'))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The column a draft's field is entered in.
fn field_column(field: &str) -> Option<Col> {
    Some(match field {
        "code" => Col::Code,
        "kind" => Col::Kind,
        "genericName" => Col::GenericName,
        "tradeName" => Col::TradeName,
        "englishName" => Col::EnglishName,
        "dosageForm" => Col::DosageForm,
        "strength" => Col::Strength,
        "packaging" => Col::Packaging,
        "baseUnit" => Col::BaseUnit,
        "manufacturer" => Col::Manufacturer,
        "approvalNumber" => Col::ApprovalNumber,
        "nhsaCode" => Col::NhsaCode,
        "insuranceClass" => Col::InsuranceClass,
        "vbpPriceFen" => Col::VbpPrice,
        "antibioticLevel" => Col::AntibioticLevel,
        "controlledClass" => Col::ControlledClass,
        "nearExpiryDays" => Col::NearExpiryDays,
        "minInstitutionLevel" => Col::MinInstitutionLevel,
        other => {
            let rest = other.strip_prefix("packageLevels[")?;
            let (n, rest) = rest.split_once(']')?;
            let n: i32 = n.parse().ok().filter(|n| LEVELS.contains(n))?;
            let field = match rest {
                "" | ".name" => LevelField::Name,
                ".unitsPerPack" => LevelField::Units,
                ".gtins" => LevelField::Gtins,
                ".traceCodePrefix" => LevelField::Prefix,
                _ => return None,
            };
            Col::Level(n, field)
        }
    })
}

/// Reads one data row into a draft, starting from `base` for the columns the
/// file does not have.
struct RowReader<'a> {
    sheet: &'a Sheet,
    columns: &'a Columns,
    row: u32,
    /// Columns with a problem, with the message.
    errors: Vec<(Col, String)>,
}

impl RowReader<'_> {
    /// The cell, or `None` when the file has no such column.
    fn cell(&self, col: Col) -> Option<&Data> {
        let (x, _) = self.columns.at.get(&col)?;
        Some(self.sheet.get(self.row, *x))
    }

    fn read<T>(
        &mut self,
        col: Col,
        parse: impl Fn(&Data) -> Result<Option<T>, String>,
    ) -> Option<Option<T>> {
        let cell = self.cell(col)?;
        match parse(cell) {
            Ok(v) => Some(v),
            Err(message) => {
                self.errors.push((col, message));
                Some(None)
            }
        }
    }

    fn text(&mut self, col: Col, current: Option<String>) -> Option<String> {
        self.read(col, cell_text).unwrap_or(current)
    }

    fn required_text(&mut self, col: Col, current: String) -> String {
        self.text(col, Some(current)).unwrap_or_default()
    }

    fn code(&mut self, col: Col, current: Option<String>) -> Option<String> {
        self.read(col, cell_code).unwrap_or(current)
    }

    fn flag(&mut self, col: Col, current: bool) -> bool {
        self.read(col, cell_flag)
            .map(Option::unwrap_or_default)
            .unwrap_or(current)
    }

    fn int(&mut self, col: Col, current: i64, blank: i64) -> i64 {
        match self.read(col, cell_int) {
            None => current,
            Some(v) => v.unwrap_or(blank),
        }
    }

    fn choice<T>(
        &mut self,
        col: Col,
        current: Option<T>,
        parse: impl Fn(&str) -> Option<T>,
        expected: &str,
    ) -> Option<T> {
        let Some(cell) = self.cell(col) else {
            return current;
        };
        match cell_text(cell) {
            Ok(None) => None,
            Ok(Some(t)) => match parse(&t) {
                Some(v) => Some(v),
                None => {
                    self.errors
                        .push((col, format!("{t:?} is not one of {expected}")));
                    None
                }
            },
            Err(message) => {
                self.errors.push((col, message));
                None
            }
        }
    }

    fn draft(&mut self, base: &ItemDraft) -> ItemDraft {
        let code = self
            .code(Col::Code, Some(base.code.clone()))
            .unwrap_or_default();
        let kind = match self.choice(Col::Kind, Some(base.kind), parse_kind, "DRUG, CONSUMABLE") {
            Some(k) => k,
            None => {
                if !self.errors.iter().any(|(c, _)| *c == Col::Kind) {
                    self.errors.push((Col::Kind, "is required".into()));
                }
                base.kind
            }
        };
        let mut levels = Vec::new();
        for n in LEVELS {
            let current = base.package_levels.iter().find(|l| l.level == n);
            if !self.columns.has(Col::Level(n, LevelField::Name)) {
                // The file leaves this level alone.
                levels.extend(current.cloned());
                continue;
            }
            let name = self.text(Col::Level(n, LevelField::Name), None);
            let units = self
                .read(Col::Level(n, LevelField::Units), cell_int)
                .flatten();
            let gtins = self
                .code(
                    Col::Level(n, LevelField::Gtins),
                    current.map(|l| l.gtins.join(",")),
                )
                .map(|t| split_gtins(&t))
                .unwrap_or_default();
            let prefix = self.code(
                Col::Level(n, LevelField::Prefix),
                current.and_then(|l| l.trace_code_prefix.clone()),
            );
            let units_failed = self
                .errors
                .iter()
                .any(|(c, _)| *c == Col::Level(n, LevelField::Units));
            if name.is_none() && units.is_none() && gtins.is_empty() && prefix.is_none() {
                // No such level (a wrong units cell is reported already).
                continue;
            }
            if units.is_none() && !units_failed {
                self.errors.push((
                    Col::Level(n, LevelField::Units),
                    format!("is required when level {n} is filled in"),
                ));
            }
            levels.push(PackageLevelDraft {
                level: n,
                name: name.unwrap_or_default(),
                // A stand-in when missing or wrong; the problem is reported.
                units_per_pack: units.unwrap_or(1),
                gtins,
                trace_code_prefix: prefix,
            });
        }
        let vbp_price_fen = self
            .read(Col::VbpPrice, cell_fen)
            .unwrap_or(base.vbp_price_fen);
        let antibiotic_level = self.int(Col::AntibioticLevel, i64::from(base.antibiotic_level), 0);
        let near_expiry_days = self.int(
            Col::NearExpiryDays,
            i64::from(base.near_expiry_days),
            i64::from(super::draft::DEFAULT_NEAR_EXPIRY_DAYS),
        );
        let min_institution_level = self
            .choice(
                Col::MinInstitutionLevel,
                Some(base.min_institution_level),
                parse_institution_kind,
                "VILLAGE_CLINIC, TOWNSHIP_HEALTH_CENTRE, COMMUNITY_HEALTH_CENTRE, COUNTY_HOSPITAL",
            )
            .unwrap_or(InstitutionKind::VillageClinic);
        ItemDraft {
            code,
            kind,
            generic_name: self.required_text(Col::GenericName, base.generic_name.clone()),
            trade_name: self.text(Col::TradeName, base.trade_name.clone()),
            english_name: self.text(Col::EnglishName, base.english_name.clone()),
            dosage_form: self.required_text(Col::DosageForm, base.dosage_form.clone()),
            strength: self.required_text(Col::Strength, base.strength.clone()),
            packaging: self.text(Col::Packaging, base.packaging.clone()),
            base_unit: self.required_text(Col::BaseUnit, base.base_unit.clone()),
            package_levels: levels,
            manufacturer: self.text(Col::Manufacturer, base.manufacturer.clone()),
            approval_number: self.code(Col::ApprovalNumber, base.approval_number.clone()),
            nhsa_code: self.code(Col::NhsaCode, base.nhsa_code.clone()),
            insurance_class: self.choice(
                Col::InsuranceClass,
                base.insurance_class,
                parse_insurance,
                "A, B, SELF_PAY",
            ),
            essential: self.flag(Col::Essential, base.essential),
            vbp: self.flag(Col::Vbp, base.vbp),
            vbp_price_fen,
            prescription_only: self.flag(Col::PrescriptionOnly, base.prescription_only),
            controlled_class: self.choice(
                Col::ControlledClass,
                base.controlled_class,
                parse_controlled,
                "NARCOTIC, PSYCHOTROPIC_I, PSYCHOTROPIC_II, TOXIC, RADIOACTIVE, PRECURSOR",
            ),
            antibiotic_level: clamp_i32(antibiotic_level),
            high_alert: self.flag(Col::HighAlert, base.high_alert),
            look_alike: self.flag(Col::LookAlike, base.look_alike),
            cold_chain: self.flag(Col::ColdChain, base.cold_chain),
            skin_test: self.flag(Col::SkinTest, base.skin_test),
            min_institution_level,
            near_expiry_days: clamp_i32(near_expiry_days),
        }
    }
}

/// Out-of-range numbers become a value the draft's own check refuses.
fn clamp_i32(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX })
}

/// What a new row starts from when the file lacks an optional column.
fn blank_draft() -> ItemDraft {
    ItemDraft {
        code: String::new(),
        kind: ItemKind::Drug,
        generic_name: String::new(),
        trade_name: None,
        english_name: None,
        dosage_form: String::new(),
        strength: String::new(),
        packaging: None,
        base_unit: String::new(),
        package_levels: Vec::new(),
        manufacturer: None,
        approval_number: None,
        nhsa_code: None,
        insurance_class: None,
        essential: false,
        vbp: false,
        vbp_price_fen: None,
        prescription_only: false,
        controlled_class: None,
        antibiotic_level: 0,
        high_alert: false,
        look_alike: false,
        cold_chain: false,
        skin_test: false,
        min_institution_level: InstitutionKind::VillageClinic,
        near_expiry_days: super::draft::DEFAULT_NEAR_EXPIRY_DAYS,
    }
}

/// A row after its own checks.
struct Checked<'a> {
    row: u32,
    code: String,
    current: Option<&'a ItemView>,
    /// The normalised draft, when the row has no problem of its own.
    draft: Option<ItemDraft>,
    claims: Claims,
}

/// The valid GTINs (as 14 digits) and trace-code prefixes a row puts on its
/// levels, whatever else is wrong with it.
struct Claims {
    gtins: Vec<(i32, String)>,
    prefixes: Vec<(i32, String)>,
}

impl Claims {
    fn of(draft: &ItemDraft) -> Claims {
        let mut claims = Claims {
            gtins: Vec::new(),
            prefixes: Vec::new(),
        };
        let mut seen = HashSet::new();
        for level in &draft.package_levels {
            for raw in &level.gtins {
                if let Some(g) = gtin::normalize_to_gtin14(raw.trim())
                    && seen.insert(g.clone())
                {
                    claims.gtins.push((level.level, g));
                }
            }
            if let Some(p) = level.trace_code_prefix.as_deref().map(str::trim)
                && p.len() == 7
                && p.bytes().all(|b| b.is_ascii_digit())
                && seen.insert(p.to_string())
            {
                claims.prefixes.push((level.level, p.to_string()));
            }
        }
        claims
    }
}

/// One valid row and what it does.
enum Action<'a> {
    Create(ItemDraft),
    Update(&'a ItemView, ItemDraft),
    Unchanged,
}

struct Plan<'a> {
    rows: usize,
    actions: Vec<Action<'a>>,
    errors: Vec<RowError>,
}

impl Plan<'_> {
    fn report(&self, dry_run: bool, applied: bool) -> ImportReport {
        let count = |f: fn(&Action) -> bool| self.actions.iter().filter(|a| f(a)).count();
        ImportReport {
            dry_run,
            applied,
            rows: self.rows,
            created: count(|a| matches!(a, Action::Create(_))),
            updated: count(|a| matches!(a, Action::Update(..))),
            unchanged: count(|a| matches!(a, Action::Unchanged)),
            errors: self.errors.clone(),
        }
    }
}

/// Validates every row against the rules, against each other and against
/// the catalogue as it will be once the file is applied.
fn plan<'a>(sheet: &Sheet, existing: &'a [ItemView]) -> Result<Plan<'a>> {
    let mut errors = Vec::new();
    let columns = Columns::locate(sheet, &mut errors);
    // A row is an item when any column the import reads has something.
    let read: Vec<u32> = columns
        .at
        .iter()
        .filter(|(col, _)| !col.read_only())
        .map(|(_, (x, _))| *x)
        .collect();
    // Only the rows the file has: a sparse sheet's last row says nothing of
    // how many rows there are.
    let data_rows: Vec<u32> = sheet
        .rows()
        .into_iter()
        .filter(|&r| r >= 1 && read.iter().any(|&c| !is_blank(sheet.get(r, c))))
        .collect();
    if data_rows.len() > MAX_IMPORT_ROWS {
        return Err(file_error(format!(
            "the sheet has {} item rows; import at most {MAX_IMPORT_ROWS} at a time",
            data_rows.len()
        )));
    }
    let rows = data_rows.len();

    let by_code: HashMap<&str, &ItemView> =
        existing.iter().map(|v| (v.item.code.as_str(), v)).collect();
    let blank = blank_draft();
    let err = |row: u32, col: Option<Col>, message: String| RowError {
        row: row + 1,
        column: col.map(|c| columns.header(c)).unwrap_or_default(),
        message,
    };

    // Each row on its own.
    let mut checked: Vec<Checked> = Vec::new();
    let mut codes: HashMap<String, u32> = HashMap::new();
    for &row in &data_rows {
        let mut reader = RowReader {
            sheet,
            columns: &columns,
            row,
            errors: Vec::new(),
        };
        // The code first: an existing item's values fill absent columns.
        let key = reader
            .code(Col::Code, None)
            .map(|c| c.trim().to_uppercase())
            .unwrap_or_default();
        reader.errors.clear();
        let current = by_code.get(key.as_str()).copied();
        let base = current.map(ItemView::draft);
        let raw = reader.draft(base.as_ref().unwrap_or(&blank));
        let mut row_errors: Vec<(Option<Col>, String)> = reader
            .errors
            .iter()
            .map(|(c, m)| (Some(*c), m.clone()))
            .collect();
        if !key.is_empty() {
            if let Some(first) = codes.get(&key) {
                row_errors.push((
                    Some(Col::Code),
                    format!("{key} is also the code on row {}", first + 1),
                ));
            } else {
                codes.insert(key.clone(), row);
            }
        }
        let claims = Claims::of(&raw);
        // A row that is exactly the stored item is unchanged, even when the
        // item predates a rule the draft now checks: re-importing an export
        // must always work and change nothing.
        let draft = if row_errors.is_empty()
            && let Some(stored) = base.as_ref()
            && &raw == stored
        {
            Some(raw)
        } else {
            match raw.normalise() {
                Ok(mut draft) => {
                    for level in &mut draft.package_levels {
                        level.gtins.sort();
                    }
                    row_errors.is_empty().then_some(draft)
                }
                Err(field_errors) => {
                    let typed: HashSet<Option<Col>> = row_errors.iter().map(|(c, _)| *c).collect();
                    for fe in field_errors {
                        let col = field_column(&fe.field);
                        // A wrong type is already reported for the column.
                        if col.is_some() && typed.contains(&col) {
                            continue;
                        }
                        let message = if col.is_some() {
                            fe.message
                        } else {
                            format!("{}: {}", fe.field, fe.message)
                        };
                        row_errors.push((col, message));
                    }
                    None
                }
            }
        };
        errors.extend(
            row_errors
                .into_iter()
                // A missing column is reported once, on the header row.
                .filter(|(c, _)| !c.is_some_and(|c| columns.missing.contains(&c)))
                .map(|(c, m)| err(row, c, m)),
        );
        checked.push(Checked {
            row,
            code: key,
            current,
            draft,
            claims,
        });
    }

    // GTINs and trace-code prefixes are unique: among the rows (also those
    // with other problems), and against the items the file does not mention
    // (the catalogue after the import).
    let mut owners: HashMap<String, String> = HashMap::new();
    let mut prefix_owners: HashMap<String, String> = HashMap::new();
    for view in existing {
        if codes.contains_key(&view.item.code) {
            continue;
        }
        let owner = format!(
            "item {} ({}), which the file does not change",
            view.item.code, view.item.generic_name
        );
        for level in &view.levels {
            for g in &level.gtins {
                owners.insert(g.clone(), owner.clone());
            }
            if let Some(p) = &level.trace_code_prefix {
                prefix_owners.insert(p.clone(), owner.clone());
            }
        }
    }
    let mut actions = Vec::new();
    for c in checked {
        let here = format!("row {} ({})", c.row + 1, c.code);
        let mut clash = false;
        for (level, g) in &c.claims.gtins {
            if let Some(owner) = owners.get(g) {
                errors.push(err(
                    c.row,
                    Some(Col::Level(*level, LevelField::Gtins)),
                    format!("GTIN {g} is already on {owner}"),
                ));
                clash = true;
            } else {
                owners.insert(g.clone(), here.clone());
            }
        }
        for (level, p) in &c.claims.prefixes {
            if let Some(owner) = prefix_owners.get(p) {
                errors.push(err(
                    c.row,
                    Some(Col::Level(*level, LevelField::Prefix)),
                    format!("trace-code prefix {p} is already on {owner}"),
                ));
                clash = true;
            } else {
                prefix_owners.insert(p.clone(), here.clone());
            }
        }
        let Some(draft) = c.draft.filter(|_| !clash) else {
            continue;
        };
        actions.push(match c.current {
            None => Action::Create(draft),
            Some(view) if view.draft() == draft => Action::Unchanged,
            Some(view) => Action::Update(view, draft),
        });
    }
    errors.sort_by_key(|e| e.row);
    Ok(Plan {
        rows,
        actions,
        errors,
    })
}

/// Takes the GTINs and trace-code prefixes off items about to change, so
/// rows that swap them between items do not trip over the order in which
/// they are written; every changed item writes its own back.
async fn release_codes(txn: &crate::db::WriteTxn, ids: &[Uuid]) -> Result<()> {
    for chunk in ids.chunks(500) {
        item_gtin::Entity::delete_many()
            .filter(item_gtin::Column::ItemId.is_in(chunk.to_vec()))
            .exec(&**txn)
            .await?;
        item_package_level::Entity::update_many()
            .col_expr(
                item_package_level::Column::TraceCodePrefix,
                Expr::value(Option::<String>::None),
            )
            .filter(item_package_level::Column::ItemId.is_in(chunk.to_vec()))
            .exec(&**txn)
            .await?;
    }
    Ok(())
}

impl Backend {
    /// The whole catalogue of the caller's community as an .xlsx workbook.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn export_catalogue(&self, caller: &Caller) -> Result<Vec<u8>> {
        crate::authz::authorize(
            caller,
            crate::authz::Action::ExportCatalogue,
            crate::authz::Scope::Community(caller.community_id),
        )?;
        let views = all_item_views(self.db.conn(), caller.community_id).await?;
        let items = views.len();
        let bytes = tokio::task::spawn_blocking(move || write_workbook(&views))
            .await
            .map_err(|e| internal("catalogue export task failed", e))?
            .map_err(|e| internal("cannot write the catalogue workbook", e))?;
        // Who took a copy of the catalogue (its prices) out, and when.
        self.run(
            Command {
                operation: "exportCatalogue",
                user_id: caller.user_id,
                idempotency: None,
            },
            async |_txn, _now| {
                Ok(Effect::Changed {
                    value: (),
                    result_id: caller.community_id,
                    audit: Audit {
                        institution_id: Some(caller.institution_id),
                        entity_type: "export",
                        entity_ids: Vec::new(),
                        detail: Some(serde_json::json!({ "items": items, "bytes": bytes.len() })),
                    },
                })
            },
        )
        .await?;
        Ok(bytes)
    }

    /// Reads an .xlsx in the export's layout; validates every row; imports
    /// all or nothing; `dry_run` validates only.
    ///
    /// New codes are created, existing codes replaced (unchanged rows write
    /// nothing), all in one transaction with change `IMPORT` effective today.
    /// Items the file does not mention are left alone, and so are the columns
    /// the file lacks (a new item gets the defaults). Status and the time of
    /// the last change are read-only.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn import_catalogue(
        &self,
        caller: &Caller,
        bytes: &[u8],
        dry_run: bool,
    ) -> Result<ImportReport> {
        require_maintainer(caller)?;
        // Held to the end, through the write: a second import would hold a
        // second workbook in memory and then race this one for the rows.
        let _running = self
            .imports
            .begin("catalogue", caller.community_id)
            .ok_or_else(|| {
                Error::Conflict(
                    "another catalogue import is running for this community; try again when it finishes"
                        .into(),
                )
            })?;
        if bytes.len() > MAX_IMPORT_BYTES {
            return Err(file_error(format!(
                "the file is {:.1} MiB; upload at most 10 MiB",
                bytes.len() as f64 / (1024.0 * 1024.0)
            )));
        }
        let sheet = read_sheet(bytes.to_vec()).await?;

        if dry_run {
            let existing = all_item_views(self.db.conn(), caller.community_id).await?;
            return Ok(plan(&sheet, &existing)?.report(true, false));
        }

        // Plan on a snapshot, outside the writer: checking 20,000 rows takes
        // seconds, and on SQLite every scanner would wait behind it. Under
        // the lock, the catalogue version says whether anything changed
        // meanwhile; only then is the plan made again, against what is
        // about to be changed.
        let community_id = caller.community_id;
        let seen = catalogue_version(self.db.conn(), community_id, false).await?;
        let existing = all_item_views(self.db.conn(), community_id).await?;
        let outside = plan(&sheet, &existing)?;
        if !outside.errors.is_empty() {
            return Ok(outside.report(false, false));
        }
        let ran = self
            .run(
                Command {
                    operation: "importCatalogue",
                    user_id: caller.user_id,
                    idempotency: None,
                },
                async |txn, now| {
                    let today = business_date(now);
                    let actor = Actor {
                        user_id: caller.user_id,
                        now,
                    };
                    let relocked;
                    let replanned;
                    let plan = if catalogue_version(&**txn, community_id, true).await? == seen {
                        &outside
                    } else {
                        relocked = all_item_views(&**txn, community_id).await?;
                        replanned = plan(&sheet, &relocked)?;
                        &replanned
                    };
                    if !plan.errors.is_empty() {
                        return Ok(Effect::Unchanged(plan.report(false, false)));
                    }
                    let changing: Vec<Uuid> = plan
                        .actions
                        .iter()
                        .filter_map(|a| match a {
                            Action::Update(view, _) => Some(view.item.id),
                            _ => None,
                        })
                        .collect();
                    release_codes(txn, &changing).await?;
                    let mut touched = Vec::new();
                    for action in &plan.actions {
                        if let Action::Update(view, draft) = action
                            && let Some(item) =
                                replace_item(txn, view, draft, actor, today, ItemChange::Import)
                                    .await?
                        {
                            touched.push(item.id);
                        }
                    }
                    // The plan has checked codes, GTINs and prefixes against
                    // the file and the catalogue, so new items go in with a
                    // few bulk statements.
                    let creates: Vec<&ItemDraft> = plan
                        .actions
                        .iter()
                        .filter_map(|a| match a {
                            Action::Create(draft) => Some(draft),
                            _ => None,
                        })
                        .collect();
                    touched.extend(
                        insert_items(
                            txn,
                            community_id,
                            &creates,
                            actor,
                            today,
                            ItemChange::Import,
                        )
                        .await?,
                    );
                    let report = plan.report(false, true);
                    Ok(Effect::Changed {
                        result_id: community_id,
                        audit: Audit {
                            institution_id: Some(caller.institution_id),
                            entity_type: "item",
                            entity_ids: touched,
                            detail: Some(serde_json::json!({
                                "rows": report.rows,
                                "created": report.created,
                                "updated": report.updated,
                                "unchanged": report.unchanged,
                            })),
                        },
                        value: report,
                    })
                },
            )
            .await?;
        Ok(match ran {
            Ran::Done(report) => report,
            // No clientRequestId, so never a replay.
            Ran::Replay(_) => outside.report(false, false),
        })
    }
}

/// The community's catalogue version; `lock` takes the row for the rest of
/// the transaction (PostgreSQL), which every catalogue change updates, so
/// nothing changes the catalogue between this read and the import's writes.
async fn catalogue_version(
    conn: &impl sea_orm::ConnectionTrait,
    community_id: Uuid,
    lock: bool,
) -> Result<i64> {
    let mut query = community::Entity::find_by_id(community_id);
    if lock {
        query = query.lock_exclusive();
    }
    query
        .one(conn)
        .await?
        .map(|c| c.catalogue_version)
        .ok_or_else(|| Error::not_found("community", community_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_converts_exactly_to_fen() {
        assert_eq!(yuan_to_fen("12.34"), Ok(1234));
        assert_eq!(yuan_to_fen("12.3"), Ok(1230));
        assert_eq!(yuan_to_fen("12"), Ok(1200));
        assert_eq!(yuan_to_fen("¥1,234.50"), Ok(123_450));
        assert_eq!(yuan_to_fen("0.10元"), Ok(10));
        assert_eq!(yuan_to_fen("12.3400"), Ok(1234));
        assert_eq!(yuan_to_fen("-1.5"), Ok(-150));
        assert!(yuan_to_fen("12.345").is_err());
        assert!(yuan_to_fen("abc").is_err());
        assert!(yuan_to_fen(".5").is_err());
        assert!(yuan_to_fen("1e3").is_err());
        // Doubles the sheet holds for typed prices read back exactly.
        for fen in [1i64, 10, 99, 1234, 1_999_999, 12_345_678_901] {
            let f = fen as f64 / 100.0;
            assert_eq!(cell_fen(&Data::Float(f)), Ok(Some(fen)), "{f}");
        }
        assert!(cell_fen(&Data::Float(12.345)).is_err());
        assert_eq!(cell_fen(&Data::Int(3)), Ok(Some(300)));
    }

    #[test]
    fn numeric_codes_become_their_digits() {
        assert_eq!(
            cell_code(&Data::Float(6_901_234_000_019.0)),
            Ok(Some("6901234000019".into()))
        );
        assert_eq!(cell_code(&Data::Int(8_100_001)), Ok(Some("8100001".into())));
        assert!(cell_code(&Data::Float(1e20)).is_err());
        assert!(cell_code(&Data::Float(12.5)).is_err());
        assert_eq!(cell_int(&Data::Float(24.0)), Ok(Some(24)));
        assert!(cell_int(&Data::Float(24.5)).is_err());
        assert!(cell_int(&Data::String("abc".into())).is_err());
        assert_eq!(cell_int(&Data::String(" 100 ".into())), Ok(Some(100)));
    }

    #[test]
    fn flags_take_the_usual_spellings() {
        for (d, v) in [
            (Data::String("Y".into()), true),
            (Data::String("n".into()), false),
            (Data::String("是".into()), true),
            (Data::String("否".into()), false),
            (Data::String("TRUE".into()), true),
            (Data::Bool(false), false),
            (Data::Float(1.0), true),
            (Data::Int(0), false),
        ] {
            assert_eq!(cell_flag(&d), Ok(Some(v)), "{d:?}");
        }
        assert_eq!(cell_flag(&Data::Empty), Ok(None));
        assert!(cell_flag(&Data::String("maybe".into())).is_err());
    }

    #[test]
    fn headers_match_in_either_language() {
        assert_eq!(header_key(" 编码  Code "), header_key("编码 Code"));
        assert_eq!(header_key("集采价（元）"), header_key("集采价(元)"));
        assert_eq!(display_width("阿莫西林 0.5g"), 13);
        assert_eq!(
            field_column("packageLevels[2].unitsPerPack"),
            Some(Col::Level(2, LevelField::Units))
        );
        assert_eq!(
            field_column("packageLevels[1]"),
            Some(Col::Level(1, LevelField::Name))
        );
        assert_eq!(field_column("packageLevels"), None);
        let headers: HashSet<String> = Col::layout()
            .into_iter()
            .map(|c| header_key(&c.header()))
            .collect();
        assert_eq!(headers.len(), Col::layout().len());
    }
}
