//! Writing the catalogue as a workbook.

use super::*;

// ---------------------------------------------------------------- export

/// A cell of the export.
pub(super) enum Out {
    Blank,
    Text(String),
    Code(String),
    Int(i64),
    Money(i64),
    /// Tenths of a degree, shown as degrees.
    Tenths(i32),
    Time(DateTime<Utc>),
}

pub(super) fn flag(b: bool) -> Out {
    Out::Text(if b { "Y" } else { "N" }.into())
}

pub(super) fn opt_text(s: &Option<String>) -> Out {
    match s {
        Some(s) if !s.is_empty() => Out::Text(s.clone()),
        _ => Out::Blank,
    }
}

/// Blank is the community's default.
pub(super) fn opt_int(v: Option<i32>) -> Out {
    v.map_or(Out::Blank, |v| Out::Int(i64::from(v)))
}

pub(super) fn cell_of(view: &ItemView, col: Col) -> Out {
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
        Col::MinReceiptShelfLifeDays => opt_int(i.min_receipt_shelf_life_days),
        Col::MinDispatchShelfLifeDays => opt_int(i.min_dispatch_shelf_life_days),
        Col::StorageMin => i.storage_min_decicelsius.map_or(Out::Blank, Out::Tenths),
        Col::StorageMax => i.storage_max_decicelsius.map_or(Out::Blank, Out::Tenths),
        Col::UpdatedAt => Out::Time(i.updated_at),
    }
}

/// Money as the sheet shows it, for width estimates.
pub(super) fn yuan_text(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

pub(super) const DATETIME_FORMAT: &str = "yyyy-mm-dd hh:mm:ss";

/// An instant as an Excel date-time at UTC+8, where the users are.
pub(super) fn excel_time(at: DateTime<Utc>) -> Result<ExcelDateTime, XlsxError> {
    let local = at.with_timezone(&business_offset()).naive_local();
    ExcelDateTime::from_timestamp(local.and_utc().timestamp())
}

pub(super) fn write_workbook(views: &[ItemView]) -> Result<Vec<u8>, XlsxError> {
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
    let tenths_format = Format::new().set_num_format("0.0");
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
                Out::Tenths(t) => {
                    // t / 10 is the double nearest to the decimal: read
                    // back, it is the same tenths.
                    sheet.write_number_with_format(
                        row,
                        x as u16,
                        f64::from(t) / 10.0,
                        &tenths_format,
                    )?;
                    crate::catalogue::draft::celsius(t).len()
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
            Col::MinReceiptShelfLifeDays | Col::MinDispatchShelfLifeDays => Some(
                DataValidation::new()
                    .allow_whole_number(DataValidationRule::Between(
                        1,
                        crate::catalogue::draft::MAX_SHELF_LIFE_DAYS,
                    ))
                    .set_error_style(DataValidationErrorStyle::Warning),
            ),
            Col::StorageMin | Col::StorageMax => Some(
                DataValidation::new()
                    .allow_decimal_number(DataValidationRule::Between(-50.0, 60.0))
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
pub(super) fn starts_like_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@'])
}

pub(super) fn internal(what: &str, err: impl std::fmt::Display) -> Error {
    Error::internal(format_args!("{what}: {err}"))
}
