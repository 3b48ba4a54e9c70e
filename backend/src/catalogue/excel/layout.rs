//! The sheet's layout: every column, its header in Chinese and English,
//! and how a header the buyer typed is matched back to a column.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum LevelField {
    Name,
    Units,
    Gtins,
    Prefix,
}

/// A column of the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Col {
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
    MinReceiptShelfLifeDays,
    MinDispatchShelfLifeDays,
    StorageMin,
    StorageMax,
    UpdatedAt,
}

pub(super) const LEVELS: [i32; 3] = [1, 2, 3];

impl Col {
    /// Every column, in the order of the export.
    pub(super) fn layout() -> Vec<Col> {
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
            Col::MinReceiptShelfLifeDays,
            Col::MinDispatchShelfLifeDays,
            Col::StorageMin,
            Col::StorageMax,
            Col::UpdatedAt,
        ]);
        cols
    }

    /// The Chinese and the English part of the header.
    pub(super) fn names(self) -> (String, String) {
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
            Col::MinReceiptShelfLifeDays => {
                ("收货最短效期(天)", "Min shelf life on receipt (days)")
            }
            Col::MinDispatchShelfLifeDays => {
                ("配送最短效期(天)", "Min shelf life on dispatch (days)")
            }
            Col::StorageMin => ("储存温度下限(°C)", "Storage min (°C)"),
            Col::StorageMax => ("储存温度上限(°C)", "Storage max (°C)"),
            Col::UpdatedAt => ("更新时间", "Updated at"),
        };
        (zh.to_string(), en.to_string())
    }

    pub(super) fn header(self) -> String {
        let (zh, en) = self.names();
        format!("{zh} {en}")
    }

    /// Columns an import cannot do without.
    pub(super) fn required(self) -> bool {
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
    pub(super) fn read_only(self) -> bool {
        matches!(self, Col::Status | Col::UpdatedAt)
    }

    /// Codes kept as text, so leading zeros and long digit runs survive.
    pub(super) fn is_code(self) -> bool {
        matches!(
            self,
            Col::Code
                | Col::Level(_, LevelField::Gtins | LevelField::Prefix)
                | Col::ApprovalNumber
                | Col::NhsaCode
        )
    }

    pub(super) fn is_flag(self) -> bool {
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
    pub(super) fn note(self) -> Option<String> {
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
            Col::MinReceiptShelfLifeDays => "1-3650；空为社区默认（yaolian.toml [procurement] min_shelf_life_days，默认183） 1 to 3650; empty means the community's minimum (183 unless yaolian.toml says otherwise)".into(),
            Col::MinDispatchShelfLifeDays => "1-3650；空为社区默认 1 to 3650; empty means the community's minimum".into(),
            Col::StorageMin | Col::StorageMax => "冷链品种自己的储存温度，-50 至 60 °C，最多一位小数；上下限同填或同空，空为 2-8 °C（yaolian.toml cold_chain_celsius） A cold-chain item's own range, -50 to 60 °C with at most one decimal; both or neither, empty means 2-8 °C (yaolian.toml cold_chain_celsius)".into(),
            Col::UpdatedAt => "只读（北京时间） Read-only (UTC+8)".into(),
            c if c.is_flag() => "Y/N（是/否）".into(),
            _ => return None,
        })
    }
}

/// Lower-case, without spaces, ASCII brackets: how headers are compared.
pub(super) fn header_key(text: &str) -> String {
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
pub(super) fn display_width(text: &str) -> usize {
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
