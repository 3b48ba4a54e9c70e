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
//! calculation. Temperatures likewise: degrees with at most one decimal,
//! kept in tenths.
//!
//! An item's own minimum shelf lives and storage range are optional
//! columns: blank is the community's default, and a file without them
//! leaves them as they are.

use super::maintain::{all_item_views, require_maintainer};
use super::{ItemDraft, ItemView, PackageLevelDraft, insert_items, replace_item};
use crate::Backend;
use crate::authz::Caller;
use crate::clock::{business_date, business_offset};
use crate::command::{Audit, Command, Effect, Ran};
use crate::entity::enums::{InstitutionKind, ItemChange, ItemKind};
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

mod cells;
mod export;
mod import;
mod layout;
mod plan;
mod rows;

use cells::*;
use export::*;
use import::*;
use layout::*;
use plan::*;
use rows::*;

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

// ---------------------------------------------------------------- import

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
    fn celsius_converts_exactly_to_tenths() {
        assert_eq!(celsius_to_tenths("2"), Ok(20));
        assert_eq!(celsius_to_tenths("2.5"), Ok(25));
        assert_eq!(celsius_to_tenths(" 8.0 °C"), Ok(80));
        assert_eq!(celsius_to_tenths("-0.5℃"), Ok(-5));
        assert_eq!(celsius_to_tenths("-20"), Ok(-200));
        assert!(celsius_to_tenths("2.25").is_err());
        assert!(celsius_to_tenths("warm").is_err());
        assert!(celsius_to_tenths("1e3").is_err());
        for tenths in [-500, -5, 0, 1, 25, 80, 599] {
            let f = f64::from(tenths) / 10.0;
            assert_eq!(
                cell_tenths(&Data::Float(f)),
                Ok(Some(i64::from(tenths))),
                "{f}"
            );
        }
        assert_eq!(cell_tenths(&Data::Int(8)), Ok(Some(80)));
        assert_eq!(cell_tenths(&Data::Empty), Ok(None));
        assert!(cell_tenths(&Data::Float(2.25)).is_err());
        assert!(cell_tenths(&Data::Float(1e300)).is_err());
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
