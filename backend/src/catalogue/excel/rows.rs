//! One spreadsheet row read into a draft, every problem tied to its cell.

use super::*;

pub(super) struct Columns {
    pub(super) at: HashMap<Col, (u32, String)>,
    /// Required columns the file lacks: reported once, on row 1, and not
    /// again on every row.
    pub(super) missing: HashSet<Col>,
}

impl Columns {
    /// Reads the header row (row 1); unknown columns are ignored.
    pub(super) fn locate(sheet: &Sheet, errors: &mut Vec<RowError>) -> Columns {
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

    pub(super) fn has(&self, col: Col) -> bool {
        self.at.contains_key(&col)
    }

    /// The header as the file has it, or as the export writes it.
    pub(super) fn header(&self, col: Col) -> String {
        self.at
            .get(&col)
            .map(|(_, text)| text.clone())
            .unwrap_or_else(|| col.header())
    }
}

/// The column a draft's field is entered in.
pub(super) fn field_column(field: &str) -> Option<Col> {
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
        "minReceiptShelfLifeDays" => Col::MinReceiptShelfLifeDays,
        "minDispatchShelfLifeDays" => Col::MinDispatchShelfLifeDays,
        "storageMinCelsius" => Col::StorageMin,
        "storageMaxCelsius" => Col::StorageMax,
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
pub(super) struct RowReader<'a> {
    pub(super) sheet: &'a Sheet,
    pub(super) columns: &'a Columns,
    pub(super) row: u32,
    /// Columns with a problem, with the message.
    pub(super) errors: Vec<(Col, String)>,
}

impl RowReader<'_> {
    /// The cell, or `None` when the file has no such column.
    pub(super) fn cell(&self, col: Col) -> Option<&Data> {
        let (x, _) = self.columns.at.get(&col)?;
        Some(self.sheet.get(self.row, *x))
    }

    pub(super) fn read<T>(
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

    pub(super) fn text(&mut self, col: Col, current: Option<String>) -> Option<String> {
        self.read(col, cell_text).unwrap_or(current)
    }

    pub(super) fn required_text(&mut self, col: Col, current: String) -> String {
        self.text(col, Some(current)).unwrap_or_default()
    }

    pub(super) fn code(&mut self, col: Col, current: Option<String>) -> Option<String> {
        self.read(col, cell_code).unwrap_or(current)
    }

    pub(super) fn flag(&mut self, col: Col, current: bool) -> bool {
        self.read(col, cell_flag)
            .map(Option::unwrap_or_default)
            .unwrap_or(current)
    }

    pub(super) fn int(&mut self, col: Col, current: i64, blank: i64) -> i64 {
        match self.read(col, cell_int) {
            None => current,
            Some(v) => v.unwrap_or(blank),
        }
    }

    /// A number that may be blank (the community's default): the file's
    /// value when it has the column, else `current`.
    pub(super) fn opt_number(
        &mut self,
        col: Col,
        current: Option<i32>,
        parse: impl Fn(&Data) -> Result<Option<i64>, String>,
    ) -> Option<i32> {
        self.read(col, parse)
            .map(|v| v.map(clamp_i32))
            .unwrap_or(current)
    }

    pub(super) fn choice<T>(
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

    pub(super) fn draft(&mut self, base: &ItemDraft) -> ItemDraft {
        let code = self
            .code(Col::Code, Some(base.code.clone()))
            .unwrap_or_default();
        let kind = match self.choice(
            Col::Kind,
            Some(base.kind),
            |t| t.parse().ok(),
            "DRUG, CONSUMABLE",
        ) {
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
            i64::from(crate::catalogue::draft::DEFAULT_NEAR_EXPIRY_DAYS),
        );
        let min_institution_level = self
            .choice(
                Col::MinInstitutionLevel,
                Some(base.min_institution_level),
                |t| t.parse().ok(),
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
                |t| t.parse().ok(),
                "A, B, SELF_PAY",
            ),
            essential: self.flag(Col::Essential, base.essential),
            vbp: self.flag(Col::Vbp, base.vbp),
            vbp_price_fen,
            prescription_only: self.flag(Col::PrescriptionOnly, base.prescription_only),
            controlled_class: self.choice(
                Col::ControlledClass,
                base.controlled_class,
                |t| t.parse().ok(),
                "NARCOTIC, PSYCHOTROPIC_I, PSYCHOTROPIC_II, TOXIC, RADIOACTIVE, PRECURSOR",
            ),
            antibiotic_level: clamp_i32(antibiotic_level),
            high_alert: self.flag(Col::HighAlert, base.high_alert),
            look_alike: self.flag(Col::LookAlike, base.look_alike),
            cold_chain: self.flag(Col::ColdChain, base.cold_chain),
            skin_test: self.flag(Col::SkinTest, base.skin_test),
            min_institution_level,
            near_expiry_days: clamp_i32(near_expiry_days),
            min_receipt_shelf_life_days: self.opt_number(
                Col::MinReceiptShelfLifeDays,
                base.min_receipt_shelf_life_days,
                cell_int,
            ),
            min_dispatch_shelf_life_days: self.opt_number(
                Col::MinDispatchShelfLifeDays,
                base.min_dispatch_shelf_life_days,
                cell_int,
            ),
            storage_min_decicelsius: self.opt_number(
                Col::StorageMin,
                base.storage_min_decicelsius,
                cell_tenths,
            ),
            storage_max_decicelsius: self.opt_number(
                Col::StorageMax,
                base.storage_max_decicelsius,
                cell_tenths,
            ),
        }
    }
}

/// Out-of-range numbers become a value the draft's own check refuses.
pub(super) fn clamp_i32(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX })
}

/// What a new row starts from when the file lacks an optional column.
pub(super) fn blank_draft() -> ItemDraft {
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
        near_expiry_days: crate::catalogue::draft::DEFAULT_NEAR_EXPIRY_DAYS,
        min_receipt_shelf_life_days: None,
        min_dispatch_shelf_life_days: None,
        storage_min_decicelsius: None,
        storage_max_decicelsius: None,
    }
}
