//! What an import would do, planned outside the write transaction.

use super::*;

/// A row after its own checks.
pub(super) struct Checked<'a> {
    pub(super) row: u32,
    pub(super) code: String,
    pub(super) current: Option<&'a ItemView>,
    /// The normalised draft, when the row has no problem of its own.
    pub(super) draft: Option<ItemDraft>,
    pub(super) claims: Claims,
}

/// The valid GTINs (as 14 digits) and trace-code prefixes a row puts on its
/// levels, whatever else is wrong with it.
pub(super) struct Claims {
    pub(super) gtins: Vec<(i32, String)>,
    pub(super) prefixes: Vec<(i32, String)>,
}

impl Claims {
    pub(super) fn of(draft: &ItemDraft) -> Claims {
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
pub(super) enum Step<'a> {
    Create(ItemDraft),
    Update(&'a ItemView, ItemDraft),
    Unchanged,
}

pub(super) struct Plan<'a> {
    pub(super) rows: usize,
    pub(super) actions: Vec<Step<'a>>,
    pub(super) errors: Vec<RowError>,
}

impl Plan<'_> {
    pub(super) fn report(&self, dry_run: bool, applied: bool) -> ImportReport {
        let count = |f: fn(&Step) -> bool| self.actions.iter().filter(|a| f(a)).count();
        ImportReport {
            dry_run,
            applied,
            rows: self.rows,
            created: count(|a| matches!(a, Step::Create(_))),
            updated: count(|a| matches!(a, Step::Update(..))),
            unchanged: count(|a| matches!(a, Step::Unchanged)),
            errors: self.errors.clone(),
        }
    }
}

/// Validates every row against the rules, against each other and against
/// the catalogue as it will be once the file is applied.
pub(super) fn plan<'a>(sheet: &Sheet, existing: &'a [ItemView]) -> Result<Plan<'a>> {
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
            None => Step::Create(draft),
            Some(view) if view.draft() == draft => Step::Unchanged,
            Some(view) => Step::Update(view, draft),
        });
    }
    errors.sort_by_key(|e| e.row);
    Ok(Plan {
        rows,
        actions,
        errors,
    })
}
