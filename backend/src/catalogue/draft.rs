//! An item as a buyer writes it: every catalogue attribute, validated and
//! normalised in one place, for the API, the spreadsheet import and the seed.

use crate::entity::enums::{ControlledClass, InstitutionKind, InsuranceClass, ItemKind};
use pinyin::ToPinyin;
use serde::{Deserialize, Serialize};
use yaolian_labels::{gtin, nhsa::NhsaCode};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageLevelDraft {
    /// 1 is the smallest sale pack; 2 and 3 the larger packs.
    pub level: i32,
    /// What the pack is called: 盒, 瓶, 中包, 箱.
    pub name: String,
    /// Base units in one pack of this level.
    pub units_per_pack: i64,
    pub gtins: Vec<String>,
    pub trace_code_prefix: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemDraft {
    pub code: String,
    pub kind: ItemKind,
    pub generic_name: String,
    pub trade_name: Option<String>,
    pub english_name: Option<String>,
    pub dosage_form: String,
    pub strength: String,
    pub packaging: Option<String>,
    pub base_unit: String,
    pub package_levels: Vec<PackageLevelDraft>,
    pub manufacturer: Option<String>,
    pub approval_number: Option<String>,
    pub nhsa_code: Option<String>,
    pub insurance_class: Option<InsuranceClass>,
    pub essential: bool,
    pub vbp: bool,
    pub vbp_price_fen: Option<i64>,
    pub prescription_only: bool,
    pub controlled_class: Option<ControlledClass>,
    pub antibiotic_level: i32,
    pub high_alert: bool,
    pub look_alike: bool,
    pub cold_chain: bool,
    pub skin_test: bool,
    pub min_institution_level: InstitutionKind,
    pub near_expiry_days: i32,
    /// Minimum remaining shelf life on receipt from a supplier, in days;
    /// `None` is the community's (`ReceivingPolicy::min_shelf_life_days`).
    pub min_receipt_shelf_life_days: Option<i32>,
    /// Minimum remaining shelf life when shipped to a member, in days;
    /// `None` is the community's.
    pub min_dispatch_shelf_life_days: Option<i32>,
    /// A cold-chain item's own storage range in tenths of a degree Celsius,
    /// inclusive: both or neither; `None` is the community's cold chain.
    pub storage_min_decicelsius: Option<i32>,
    pub storage_max_decicelsius: Option<i32>,
}

pub use crate::error::FieldError;

fn err(
    field: impl Into<String>,
    message: impl Into<String>,
    message_zh: impl Into<String>,
) -> FieldError {
    FieldError::new(field, message, message_zh)
}

fn too_long(field: &str, max: usize) -> FieldError {
    err(
        field,
        format!("must be at most {max} characters"),
        format!("最多 {max} 个字符"),
    )
}

pub const DEFAULT_NEAR_EXPIRY_DAYS: i32 = 90;

/// The longest minimum shelf life an item may ask for: ten years.
pub const MAX_SHELF_LIFE_DAYS: i32 = 3650;
/// An item's storage range lies within -50 °C to 60 °C (tenths of a degree).
pub const STORAGE_LOWEST_DECICELSIUS: i32 = -500;
pub const STORAGE_HIGHEST_DECICELSIUS: i32 = 600;

/// Tenths of a degree as the user typed them: `25` → `2.5`, `150` → `15`.
pub fn celsius(decicelsius: i32) -> String {
    let sign = if decicelsius < 0 { "-" } else { "" };
    let d = decicelsius.unsigned_abs();
    match d % 10 {
        0 => format!("{sign}{}", d / 10),
        tenth => format!("{sign}{}.{tenth}", d / 10),
    }
}

fn shelf_life_days(errors: &mut Vec<FieldError>, field: &str, days: Option<i32>) {
    if let Some(d) = days
        && !(1..=MAX_SHELF_LIFE_DAYS).contains(&d)
    {
        errors.push(err(
            field,
            format!(
                "must be 1 to {MAX_SHELF_LIFE_DAYS} days, or empty for the community's default"
            ),
            format!("应为 1 至 {MAX_SHELF_LIFE_DAYS} 天，留空则用默认值"),
        ));
    }
}

/// The storage range's rules: both limits or neither, each within -50 to
/// 60 °C, the lower below the upper, and only on a cold-chain item (the
/// range is what its arrival temperature is checked against).
fn storage_range(
    errors: &mut Vec<FieldError>,
    cold_chain: bool,
    min: Option<i32>,
    max: Option<i32>,
) {
    const MIN: &str = "storageMinCelsius";
    const MAX: &str = "storageMaxCelsius";
    let lowest = celsius(STORAGE_LOWEST_DECICELSIUS);
    let highest = celsius(STORAGE_HIGHEST_DECICELSIUS);
    let mut in_range = true;
    for (field, value) in [(MIN, min), (MAX, max)] {
        if let Some(t) = value
            && !(STORAGE_LOWEST_DECICELSIUS..=STORAGE_HIGHEST_DECICELSIUS).contains(&t)
        {
            in_range = false;
            errors.push(err(
                field,
                format!("must be between {lowest} and {highest} °C"),
                format!("应在 {lowest} 至 {highest} °C 之间"),
            ));
        }
    }
    if min.is_none() && max.is_none() {
        return;
    }
    if !cold_chain {
        errors.push(err(
            if min.is_some() { MIN } else { MAX },
            "a storage range is kept for cold-chain items only: mark the item cold-chain, or leave the range empty",
            "仅冷链品种可设储存温度范围：请标记为冷链品种，或留空",
        ));
        return;
    }
    match (min, max) {
        (Some(_), None) => errors.push(err(
            MAX,
            "give the upper limit too, or neither (the community's cold chain applies)",
            "请同时填写上限，或都不填（按默认冷链温度）",
        )),
        (None, Some(_)) => errors.push(err(
            MIN,
            "give the lower limit too, or neither (the community's cold chain applies)",
            "请同时填写下限，或都不填（按默认冷链温度）",
        )),
        (Some(lo), Some(hi)) if in_range && lo >= hi => errors.push(err(
            MAX,
            format!("must be above the lower limit of {} °C", celsius(lo)),
            format!("应高于下限 {} °C", celsius(lo)),
        )),
        _ => {}
    }
}

fn required(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize) -> String {
    let v = value.trim().to_string();
    if v.is_empty() {
        errors.push(err(field, "is required", "必填"));
    } else if v.chars().count() > max {
        errors.push(too_long(field, max));
    } else if let Some((en, zh)) = crate::text::hidden_control(&v) {
        errors.push(err(field, en, zh));
    }
    v
}

fn optional(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?.to_string();
    if v.chars().count() > max {
        errors.push(too_long(field, max));
    } else if let Some((en, zh)) = crate::text::hidden_control(&v) {
        errors.push(err(field, en, zh));
    }
    Some(v)
}

impl ItemDraft {
    /// Trims, upper-cases codes, turns every GTIN into its 14-digit form, and
    /// checks every rule; returns every problem found, not just the first.
    pub fn normalise(&self) -> Result<ItemDraft, Vec<FieldError>> {
        let mut e = Vec::new();
        let code = self.code.trim().to_uppercase();
        if code.is_empty() || code.len() > 32 {
            e.push(err(
                "code",
                "must be 1 to 32 characters",
                "应为 1 至 32 个字符",
            ));
        } else if !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            e.push(err(
                "code",
                "may contain only letters, digits, '-', '_' and '.'",
                "只能包含字母、数字和 - _ .",
            ));
        }
        let generic_name = required(&mut e, "genericName", &self.generic_name, 200);
        let dosage_form = required(&mut e, "dosageForm", &self.dosage_form, 64);
        let strength = required(&mut e, "strength", &self.strength, 64);
        let base_unit = required(&mut e, "baseUnit", &self.base_unit, 16);
        let trade_name = optional(&mut e, "tradeName", self.trade_name.as_deref(), 200);
        let english_name = optional(&mut e, "englishName", self.english_name.as_deref(), 200);
        let packaging = optional(&mut e, "packaging", self.packaging.as_deref(), 200);
        let manufacturer = optional(&mut e, "manufacturer", self.manufacturer.as_deref(), 200);
        let approval_number = optional(
            &mut e,
            "approvalNumber",
            self.approval_number.as_deref(),
            64,
        );

        let nhsa_code = match self
            .nhsa_code
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(raw) => {
                let upper = raw.to_uppercase();
                match NhsaCode::parse(&upper) {
                    Ok(parsed) => {
                        let first = upper.chars().next().unwrap_or(' ');
                        let fits = match self.kind {
                            ItemKind::Drug => first == 'X' || first == 'Z',
                            ItemKind::Consumable => first == 'C',
                        };
                        if !fits {
                            e.push(err(
                                "nhsaCode",
                                "a drug's NHSA code starts with X or Z, a consumable's with C",
                                "药品医保编码以 X 或 Z 开头，耗材以 C 开头",
                            ));
                        }
                        Some(parsed.as_str().to_string())
                    }
                    Err(why) => {
                        e.push(err("nhsaCode", why.to_string(), "医保编码格式不正确"));
                        Some(upper)
                    }
                }
            }
        };

        let mut levels = self.package_levels.clone();
        levels.sort_by_key(|l| l.level);
        if levels.is_empty() {
            e.push(err(
                "packageLevels",
                "at least the smallest pack (level 1) is needed",
                "至少需要最小包装（第 1 级）",
            ));
        }
        let mut seen_gtins = std::collections::HashSet::new();
        let mut previous_units = 0i64;
        for (i, level) in levels.iter_mut().enumerate() {
            let field = format!("packageLevels[{}]", level.level);
            if level.level != i as i32 + 1 || level.level > 3 {
                e.push(err(
                    &field,
                    "levels must be 1, then 2, then 3",
                    "包装级别应依次为 1、2、3",
                ));
            }
            level.name = required(&mut e, &format!("{field}.name"), &level.name, 16);
            if level.units_per_pack < 1 || level.units_per_pack > 1_000_000 {
                e.push(err(
                    format!("{field}.unitsPerPack"),
                    "must be 1 to 1000000",
                    "应为 1 至 1000000",
                ));
            } else if previous_units > 0
                && (level.units_per_pack <= previous_units
                    || level.units_per_pack % previous_units != 0)
            {
                e.push(err(
                    format!("{field}.unitsPerPack"),
                    format!(
                        "must be a whole multiple of level {}'s {previous_units}, and larger",
                        level.level - 1
                    ),
                    format!(
                        "应为第 {} 级（{previous_units}）的整数倍且更大",
                        level.level - 1
                    ),
                ));
            }
            previous_units = level.units_per_pack;
            let mut gtins = Vec::new();
            for raw in &level.gtins {
                let raw = raw.trim();
                if raw.is_empty() {
                    continue;
                }
                match gtin::normalize_to_gtin14(raw).filter(|g| gtin::is_valid_gtin(g)) {
                    Some(g) => {
                        if !seen_gtins.insert(g.clone()) {
                            e.push(err(
                                format!("{field}.gtins"),
                                format!("GTIN {raw} is listed twice"),
                                format!("GTIN {raw} 重复"),
                            ));
                        }
                        gtins.push(g);
                    }
                    None => e.push(err(
                        format!("{field}.gtins"),
                        format!("{raw} is not a valid GTIN (8, 12, 13 or 14 digits with a correct check digit)"),
                        format!("{raw} 不是有效的 GTIN（8、12、13 或 14 位且校验位正确）"),
                    )),
                }
            }
            level.gtins = gtins;
            level.trace_code_prefix = match level.trace_code_prefix.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(p) if p.len() == 7 && p.bytes().all(|b| b.is_ascii_digit()) => {
                    Some(p.to_string())
                }
                Some(p) => {
                    e.push(err(
                        format!("{field}.traceCodePrefix"),
                        format!("{p} is not 7 digits"),
                        format!("{p} 不是 7 位数字"),
                    ));
                    None
                }
            };
        }
        let mut seen_prefixes = std::collections::HashSet::new();
        for level in &levels {
            if let Some(p) = &level.trace_code_prefix
                && !seen_prefixes.insert(p.clone())
            {
                e.push(err(
                    "packageLevels",
                    format!("trace-code prefix {p} is on two levels"),
                    format!("追溯码前缀 {p} 出现在两个包装级别"),
                ));
            }
        }

        match self.vbp_price_fen {
            Some(p) if p < 0 => e.push(err("vbpPriceFen", "must not be negative", "不能为负数")),
            Some(_) if !self.vbp => e.push(err(
                "vbpPriceFen",
                "an agreed price needs the volume-based procurement flag",
                "填写集采价格需先标记为集采品种",
            )),
            _ => {}
        }
        if !(0..=3).contains(&self.antibiotic_level) {
            e.push(err(
                "antibioticLevel",
                "must be 0 (none) to 3 (special use)",
                "应为 0（非抗菌药）至 3（特殊使用级）",
            ));
        }
        if self.kind == ItemKind::Consumable
            && (self.antibiotic_level != 0 || self.controlled_class.is_some())
        {
            e.push(err(
                "kind",
                "a consumable has no antibiotic level or controlled class",
                "耗材不设抗菌药物级别或管制类别",
            ));
        }
        if !(1..=1095).contains(&self.near_expiry_days) {
            e.push(err(
                "nearExpiryDays",
                "must be 1 to 1095 days",
                "应为 1 至 1095 天",
            ));
        }
        shelf_life_days(
            &mut e,
            "minReceiptShelfLifeDays",
            self.min_receipt_shelf_life_days,
        );
        shelf_life_days(
            &mut e,
            "minDispatchShelfLifeDays",
            self.min_dispatch_shelf_life_days,
        );
        storage_range(
            &mut e,
            self.cold_chain,
            self.storage_min_decicelsius,
            self.storage_max_decicelsius,
        );
        if self.min_institution_level == InstitutionKind::LogisticsCentre {
            e.push(err(
                "minInstitutionLevel",
                "name a care level (VILLAGE_CLINIC up to COUNTY_HOSPITAL)",
                "请选择医疗机构级别（村卫生室至县医院）",
            ));
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok(ItemDraft {
            code,
            kind: self.kind,
            generic_name,
            trade_name,
            english_name,
            dosage_form,
            strength,
            packaging,
            base_unit,
            package_levels: levels,
            manufacturer,
            approval_number,
            nhsa_code,
            insurance_class: self.insurance_class,
            essential: self.essential,
            vbp: self.vbp,
            vbp_price_fen: self.vbp_price_fen,
            prescription_only: self.prescription_only,
            controlled_class: self.controlled_class,
            antibiotic_level: self.antibiotic_level,
            high_alert: self.high_alert,
            look_alike: self.look_alike,
            cold_chain: self.cold_chain,
            skin_test: self.skin_test,
            min_institution_level: self.min_institution_level,
            near_expiry_days: self.near_expiry_days,
            min_receipt_shelf_life_days: self.min_receipt_shelf_life_days,
            min_dispatch_shelf_life_days: self.min_dispatch_shelf_life_days,
            storage_min_decicelsius: self.storage_min_decicelsius,
            storage_max_decicelsius: self.storage_max_decicelsius,
        })
    }

    /// What search matches against: codes, names, and the pinyin of the
    /// Chinese names (full and initials), lower-case, `|`-separated.
    pub fn search_text(&self) -> String {
        let mut parts: Vec<String> =
            vec![self.code.to_lowercase(), self.generic_name.to_lowercase()];
        for name in [Some(&self.generic_name), self.trade_name.as_ref()]
            .into_iter()
            .flatten()
        {
            let (full, initials) = pinyin_of(name);
            parts.push(full);
            parts.push(initials);
        }
        parts.extend(self.trade_name.iter().map(|s| s.to_lowercase()));
        parts.extend(self.english_name.iter().map(|s| s.to_lowercase()));
        parts.extend(self.nhsa_code.iter().map(|s| s.to_lowercase()));
        parts.extend(self.approval_number.iter().map(|s| s.to_lowercase()));
        for level in &self.package_levels {
            for g in &level.gtins {
                parts.push(g.clone());
            }
        }
        parts.retain(|p| !p.is_empty());
        parts.join("|")
    }
}

/// Full pinyin without tones or spaces (`amoxilin`) and initials (`amxl`).
/// Characters without pinyin (letters, digits) are kept as they are.
pub fn pinyin_of(text: &str) -> (String, String) {
    let mut full = String::new();
    let mut initials = String::new();
    for (ch, py) in text.chars().zip(text.to_pinyin()) {
        match py {
            Some(p) => {
                full.push_str(p.plain());
                initials.push_str(p.first_letter());
            }
            None if ch.is_alphanumeric() => {
                let lower = ch.to_lowercase().to_string();
                full.push_str(&lower);
                initials.push_str(&lower);
            }
            None => {}
        }
    }
    (full, initials)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn amoxicillin() -> ItemDraft {
        ItemDraft {
            code: " yp0001 ".into(),
            kind: ItemKind::Drug,
            generic_name: "阿莫西林胶囊".into(),
            trade_name: Some("阿莫仙".into()),
            english_name: Some("Amoxicillin Capsules".into()),
            dosage_form: "胶囊剂".into(),
            strength: "0.25g".into(),
            packaging: Some("24粒/盒".into()),
            base_unit: "粒".into(),
            package_levels: vec![
                PackageLevelDraft {
                    level: 1,
                    name: "盒".into(),
                    units_per_pack: 24,
                    gtins: vec![gtin::with_check_digit("690123400010")],
                    trace_code_prefix: Some("8100001".into()),
                },
                PackageLevelDraft {
                    level: 2,
                    name: "箱".into(),
                    units_per_pack: 24 * 200,
                    gtins: vec![],
                    trace_code_prefix: None,
                },
            ],
            manufacturer: None,
            approval_number: Some("国药准字H20003263".into()),
            nhsa_code: Some("xj01caa040a001010100483".into()),
            insurance_class: Some(InsuranceClass::A),
            essential: true,
            vbp: false,
            vbp_price_fen: None,
            prescription_only: true,
            controlled_class: None,
            antibiotic_level: 1,
            high_alert: false,
            look_alike: false,
            cold_chain: false,
            skin_test: false,
            min_institution_level: InstitutionKind::VillageClinic,
            near_expiry_days: 90,
            min_receipt_shelf_life_days: None,
            min_dispatch_shelf_life_days: None,
            storage_min_decicelsius: None,
            storage_max_decicelsius: None,
        }
    }

    #[test]
    fn pinyin_gives_full_and_initials() {
        assert_eq!(pinyin_of("阿莫西林"), ("amoxilin".into(), "amxl".into()));
        assert_eq!(
            pinyin_of("维生素B12"),
            ("weishengsub12".into(), "wssb12".into())
        );
    }

    #[test]
    fn a_good_draft_is_normalised() {
        let d = amoxicillin().normalise().unwrap();
        assert_eq!(d.code, "YP0001");
        assert_eq!(d.nhsa_code.as_deref(), Some("XJ01CAA040A001010100483"));
        let gtin14 = format!("0{}", gtin::with_check_digit("690123400010"));
        assert_eq!(d.package_levels[0].gtins, vec![gtin14.clone()]);
        let text = d.search_text();
        for needle in [
            "yp0001",
            "阿莫西林",
            "amoxilin",
            "amxl",
            "amoxicillin",
            &gtin14,
            "amx",
        ] {
            assert!(text.contains(needle), "{needle} in {text}");
        }
    }

    #[test]
    fn every_problem_is_reported() {
        let mut d = amoxicillin();
        d.code = "bad code!".into();
        d.generic_name = " ".into();
        let good = gtin::with_check_digit("690123400010");
        let bad_check = (good.as_bytes()[12] - b'0' + 1) % 10;
        d.package_levels[0].gtins = vec![format!("{}{}", &good[..12], bad_check)];
        d.package_levels[1].units_per_pack = 30;
        d.package_levels[0].trace_code_prefix = Some("81x".into());
        d.vbp_price_fen = Some(100);
        d.antibiotic_level = 5;
        d.nhsa_code = Some("Q123".into());
        let errors = d.normalise().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "code",
            "genericName",
            "packageLevels[1].gtins",
            "packageLevels[2].unitsPerPack",
            "packageLevels[1].traceCodePrefix",
            "vbpPriceFen",
            "antibioticLevel",
            "nhsaCode",
        ] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }

    fn fields(d: &ItemDraft) -> Vec<(String, String)> {
        match d.normalise() {
            Ok(_) => vec![],
            Err(e) => e.into_iter().map(|e| (e.field, e.message)).collect(),
        }
    }

    #[test]
    fn an_items_own_shelf_lives_are_one_day_to_ten_years() {
        let mut d = amoxicillin();
        d.min_receipt_shelf_life_days = Some(400);
        d.min_dispatch_shelf_life_days = Some(MAX_SHELF_LIFE_DAYS);
        let n = d.normalise().unwrap();
        assert_eq!(n.min_receipt_shelf_life_days, Some(400));
        assert_eq!(n.min_dispatch_shelf_life_days, Some(3650));
        d.min_receipt_shelf_life_days = Some(0);
        d.min_dispatch_shelf_life_days = Some(3651);
        let f = fields(&d);
        let named: Vec<&str> = f.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            named,
            vec!["minReceiptShelfLifeDays", "minDispatchShelfLifeDays"]
        );
        assert!(f[0].1.contains("1 to 3650 days"), "{f:?}");
    }

    #[test]
    fn a_storage_range_is_both_limits_within_bounds_on_a_cold_chain_item() {
        let mut d = amoxicillin();
        d.cold_chain = true;
        d.storage_min_decicelsius = Some(150);
        d.storage_max_decicelsius = Some(250);
        let n = d.normalise().unwrap();
        assert_eq!(
            (n.storage_min_decicelsius, n.storage_max_decicelsius),
            (Some(150), Some(250))
        );
        // The bounds themselves are allowed.
        d.storage_min_decicelsius = Some(-500);
        d.storage_max_decicelsius = Some(600);
        assert_eq!(fields(&d), vec![]);

        let case = |min: Option<i32>, max: Option<i32>, cold: bool| {
            let mut d = amoxicillin();
            d.cold_chain = cold;
            d.storage_min_decicelsius = min;
            d.storage_max_decicelsius = max;
            fields(&d)
        };
        let only = |f: Vec<(String, String)>, field: &str, needle: &str| {
            assert_eq!(f.len(), 1, "{f:?}");
            assert_eq!(f[0].0, field, "{f:?}");
            assert!(f[0].1.contains(needle), "{f:?}");
        };
        only(
            case(Some(20), None, true),
            "storageMaxCelsius",
            "upper limit too",
        );
        only(
            case(None, Some(80), true),
            "storageMinCelsius",
            "lower limit too",
        );
        only(
            case(Some(80), Some(80), true),
            "storageMaxCelsius",
            "above the lower limit of 8 °C",
        );
        only(
            case(Some(85), Some(20), true),
            "storageMaxCelsius",
            "above the lower limit of 8.5 °C",
        );
        only(
            case(Some(-501), Some(20), true),
            "storageMinCelsius",
            "between -50 and 60 °C",
        );
        only(
            case(Some(20), Some(601), true),
            "storageMaxCelsius",
            "between -50 and 60 °C",
        );
        // Not cold-chain: no range at all, however good.
        only(
            case(Some(20), Some(80), false),
            "storageMinCelsius",
            "cold-chain items only",
        );
        only(
            case(None, Some(80), false),
            "storageMaxCelsius",
            "cold-chain items only",
        );
        assert_eq!(case(None, None, false), vec![]);
    }

    #[test]
    fn tenths_of_a_degree_print_as_typed() {
        assert_eq!(celsius(20), "2");
        assert_eq!(celsius(25), "2.5");
        assert_eq!(celsius(-5), "-0.5");
        assert_eq!(celsius(-500), "-50");
        assert_eq!(celsius(0), "0");
    }
}
