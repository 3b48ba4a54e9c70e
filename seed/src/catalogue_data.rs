//! The demo formulary: common drugs of a Chinese county formulary, with
//! realistic dosage forms, strengths and pack sizes, plus a few consumables.

pub struct DemoItem {
    pub code: &'static str,
    pub generic_name: &'static str,
    pub english_name: &'static str,
    pub dosage_form: &'static str,
    pub strength: &'static str,
    pub base_unit: &'static str,
    /// Base units in the smallest sale pack (box, bottle, bag).
    pub pack_size: u32,
    /// Cost of one base unit, in fen.
    pub unit_cost_fen: Option<i64>,
}

macro_rules! items {
    ($( ($code:literal, $zh:literal, $en:literal, $form:literal, $strength:literal, $unit:literal, $pack:literal, $cost:literal) ),* $(,)?) => {
        &[ $( DemoItem {
            code: $code,
            generic_name: $zh,
            english_name: $en,
            dosage_form: $form,
            strength: $strength,
            base_unit: $unit,
            pack_size: $pack,
            unit_cost_fen: Some($cost),
        } ),* ]
    };
}

pub const DEMO_ITEMS: &[DemoItem] = items![
    (
        "YP0001",
        "阿莫西林胶囊",
        "Amoxicillin Capsules",
        "胶囊剂",
        "0.25g",
        "粒",
        24,
        12
    ),
    (
        "YP0002",
        "头孢呋辛酯片",
        "Cefuroxime Axetil Tablets",
        "片剂",
        "0.25g",
        "片",
        12,
        85
    ),
    (
        "YP0003",
        "左氧氟沙星片",
        "Levofloxacin Tablets",
        "片剂",
        "0.5g",
        "片",
        4,
        95
    ),
    (
        "YP0004",
        "阿奇霉素片",
        "Azithromycin Tablets",
        "片剂",
        "0.25g",
        "片",
        6,
        110
    ),
    (
        "YP0005",
        "甲硝唑片",
        "Metronidazole Tablets",
        "片剂",
        "0.2g",
        "片",
        100,
        2
    ),
    (
        "YP0006",
        "布洛芬缓释胶囊",
        "Ibuprofen Sustained-release Capsules",
        "胶囊剂",
        "0.3g",
        "粒",
        20,
        18
    ),
    (
        "YP0007",
        "对乙酰氨基酚片",
        "Paracetamol Tablets",
        "片剂",
        "0.5g",
        "片",
        20,
        5
    ),
    (
        "YP0008",
        "阿司匹林肠溶片",
        "Aspirin Enteric-coated Tablets",
        "片剂",
        "100mg",
        "片",
        30,
        4
    ),
    (
        "YP0009",
        "硝苯地平控释片",
        "Nifedipine Controlled-release Tablets",
        "片剂",
        "30mg",
        "片",
        7,
        150
    ),
    (
        "YP0010",
        "苯磺酸氨氯地平片",
        "Amlodipine Besylate Tablets",
        "片剂",
        "5mg",
        "片",
        28,
        3
    ),
    (
        "YP0011",
        "厄贝沙坦片",
        "Irbesartan Tablets",
        "片剂",
        "150mg",
        "片",
        28,
        6
    ),
    (
        "YP0012",
        "缬沙坦胶囊",
        "Valsartan Capsules",
        "胶囊剂",
        "80mg",
        "粒",
        28,
        9
    ),
    (
        "YP0013",
        "琥珀酸美托洛尔缓释片",
        "Metoprolol Succinate Sustained-release Tablets",
        "片剂",
        "47.5mg",
        "片",
        7,
        160
    ),
    (
        "YP0014",
        "氢氯噻嗪片",
        "Hydrochlorothiazide Tablets",
        "片剂",
        "25mg",
        "片",
        100,
        1
    ),
    (
        "YP0015",
        "盐酸二甲双胍片",
        "Metformin Hydrochloride Tablets",
        "片剂",
        "0.5g",
        "片",
        60,
        3
    ),
    (
        "YP0016",
        "格列美脲片",
        "Glimepiride Tablets",
        "片剂",
        "2mg",
        "片",
        30,
        8
    ),
    (
        "YP0017",
        "阿卡波糖片",
        "Acarbose Tablets",
        "片剂",
        "50mg",
        "片",
        30,
        20
    ),
    (
        "YP0018",
        "门冬胰岛素注射液",
        "Insulin Aspart Injection",
        "注射剂",
        "3ml:300U",
        "支",
        1,
        4200
    ),
    (
        "YP0019",
        "阿托伐他汀钙片",
        "Atorvastatin Calcium Tablets",
        "片剂",
        "20mg",
        "片",
        28,
        7
    ),
    (
        "YP0020",
        "瑞舒伐他汀钙片",
        "Rosuvastatin Calcium Tablets",
        "片剂",
        "10mg",
        "片",
        28,
        6
    ),
    (
        "YP0021",
        "硫酸氢氯吡格雷片",
        "Clopidogrel Bisulfate Tablets",
        "片剂",
        "75mg",
        "片",
        28,
        12
    ),
    (
        "YP0022",
        "奥美拉唑肠溶胶囊",
        "Omeprazole Enteric-coated Capsules",
        "胶囊剂",
        "20mg",
        "粒",
        14,
        10
    ),
    (
        "YP0023",
        "雷贝拉唑钠肠溶片",
        "Rabeprazole Sodium Enteric-coated Tablets",
        "片剂",
        "10mg",
        "片",
        14,
        45
    ),
    (
        "YP0024",
        "蒙脱石散",
        "Montmorillonite Powder",
        "散剂",
        "3g",
        "袋",
        10,
        60
    ),
    (
        "YP0025",
        "多潘立酮片",
        "Domperidone Tablets",
        "片剂",
        "10mg",
        "片",
        30,
        8
    ),
    (
        "YP0026",
        "氯雷他定片",
        "Loratadine Tablets",
        "片剂",
        "10mg",
        "片",
        6,
        40
    ),
    (
        "YP0027",
        "盐酸西替利嗪片",
        "Cetirizine Hydrochloride Tablets",
        "片剂",
        "10mg",
        "片",
        12,
        30
    ),
    (
        "YP0028",
        "硫酸沙丁胺醇吸入气雾剂",
        "Salbutamol Sulfate Inhalation Aerosol",
        "气雾剂",
        "100μg×200揿",
        "瓶",
        1,
        2300
    ),
    (
        "YP0029",
        "布地奈德福莫特罗吸入粉雾剂",
        "Budesonide and Formoterol Inhalation Powder",
        "吸入剂",
        "160μg/4.5μg×60吸",
        "支",
        1,
        18500
    ),
    (
        "YP0030",
        "盐酸氨溴索口服溶液",
        "Ambroxol Hydrochloride Oral Solution",
        "口服溶液剂",
        "100ml:0.3g",
        "瓶",
        1,
        1450
    ),
    (
        "YP0031",
        "复方甘草片",
        "Compound Liquorice Tablets",
        "片剂",
        "复方",
        "片",
        100,
        2
    ),
    (
        "YP0032",
        "左甲状腺素钠片",
        "Levothyroxine Sodium Tablets",
        "片剂",
        "50μg",
        "片",
        100,
        25
    ),
    (
        "YP0033",
        "醋酸泼尼松片",
        "Prednisone Acetate Tablets",
        "片剂",
        "5mg",
        "片",
        100,
        3
    ),
    (
        "YP0034",
        "地塞米松磷酸钠注射液",
        "Dexamethasone Sodium Phosphate Injection",
        "注射剂",
        "1ml:5mg",
        "支",
        10,
        35
    ),
    (
        "YP0035",
        "氯化钠注射液",
        "Sodium Chloride Injection",
        "注射剂",
        "0.9% 250ml",
        "袋",
        1,
        260
    ),
    (
        "YP0036",
        "葡萄糖注射液",
        "Glucose Injection",
        "注射剂",
        "5% 250ml",
        "袋",
        1,
        280
    ),
    (
        "YP0037",
        "注射用头孢曲松钠",
        "Ceftriaxone Sodium for Injection",
        "注射剂",
        "1.0g",
        "瓶",
        10,
        320
    ),
    (
        "YP0038",
        "注射用青霉素钠",
        "Benzylpenicillin Sodium for Injection",
        "注射剂",
        "80万U",
        "瓶",
        50,
        45
    ),
    (
        "YP0039",
        "呋塞米片",
        "Furosemide Tablets",
        "片剂",
        "20mg",
        "片",
        100,
        2
    ),
    (
        "YP0040",
        "螺内酯片",
        "Spironolactone Tablets",
        "片剂",
        "20mg",
        "片",
        100,
        4
    ),
    (
        "YP0041",
        "地高辛片",
        "Digoxin Tablets",
        "片剂",
        "0.25mg",
        "片",
        100,
        6
    ),
    (
        "YP0042",
        "硝酸甘油片",
        "Nitroglycerin Tablets",
        "片剂",
        "0.5mg",
        "片",
        100,
        5
    ),
    (
        "YP0043",
        "华法林钠片",
        "Warfarin Sodium Tablets",
        "片剂",
        "2.5mg",
        "片",
        60,
        9
    ),
    (
        "YP0044",
        "甲钴胺片",
        "Mecobalamin Tablets",
        "片剂",
        "0.5mg",
        "片",
        20,
        35
    ),
    (
        "YP0045",
        "碳酸钙D3片",
        "Calcium Carbonate and Vitamin D3 Tablets",
        "片剂",
        "0.6g",
        "片",
        30,
        30
    ),
    (
        "YP0046",
        "硫酸亚铁片",
        "Ferrous Sulfate Tablets",
        "片剂",
        "0.3g",
        "片",
        100,
        2
    ),
    (
        "YP0047",
        "叶酸片",
        "Folic Acid Tablets",
        "片剂",
        "0.4mg",
        "片",
        31,
        6
    ),
    (
        "YP0048",
        "盐酸曲马多缓释片",
        "Tramadol Hydrochloride Sustained-release Tablets",
        "片剂",
        "100mg",
        "片",
        10,
        120
    ),
    (
        "YP0049",
        "板蓝根颗粒",
        "Isatis Root Granules",
        "颗粒剂",
        "10g",
        "袋",
        20,
        40
    ),
    (
        "YP0050",
        "藿香正气水",
        "Huoxiang Zhengqi Liquid",
        "酊剂",
        "10ml",
        "支",
        10,
        90
    ),
    (
        "HC0001",
        "一次性使用无菌注射器",
        "Disposable Sterile Syringe",
        "医用耗材",
        "5ml",
        "支",
        100,
        25
    ),
    (
        "HC0002",
        "一次性使用输液器",
        "Disposable Infusion Set",
        "医用耗材",
        "带针",
        "套",
        50,
        90
    ),
    (
        "HC0003",
        "医用外科口罩",
        "Surgical Mask",
        "医用耗材",
        "17.5cm×9.5cm",
        "只",
        50,
        30
    ),
    (
        "HC0004",
        "医用脱脂纱布块",
        "Absorbent Gauze Swab",
        "医用耗材",
        "8cm×10cm×8层",
        "块",
        100,
        15
    ),
    // A second strength of YP0001 from another maker: what the doctors'
    // stock check offers as an alternative. Held at the centre only.
    (
        "YP0051",
        "阿莫西林胶囊",
        "Amoxicillin Capsules",
        "胶囊剂",
        "0.5g",
        "粒",
        20,
        21
    ),
];

use yaolian_backend::catalogue::{ItemDraft, PackageLevelDraft};
use yaolian_backend::enums::{ControlledClass, InstitutionKind, InsuranceClass, ItemKind};
use yaolian_labels::gtin::with_check_digit;

/// The smallest pack's GTIN-13 of demo item `index` (valid check digit,
/// Chinese `69` prefix).
pub fn demo_gtin(index: usize) -> String {
    with_check_digit(&format!("6901234{:05}", index + 1))
}

/// The shipping case's GTIN-14 (indicator 1 over the same item reference).
pub fn demo_case_gtin(index: usize) -> String {
    let g13 = demo_gtin(index);
    with_check_digit(&format!("1{}", &g13[..12]))
}

/// Traceability-code prefixes (first 7 digits) of the demo item's box and
/// case, as the platform would issue them to its manufacturer.
pub fn demo_trace_prefix(index: usize, level: i32) -> String {
    format!("8{}{:05}", level, index + 1)
}

/// ATC-like classes for the NHSA codes of the western drugs.
fn atc_class(code: &str) -> &'static str {
    match code {
        "YP0001" | "YP0038" | "YP0051" => "J01CA",
        "YP0002" | "YP0037" => "J01DC",
        "YP0003" => "J01MA",
        "YP0004" => "J01FA",
        "YP0005" => "P01AB",
        "YP0006" | "YP0007" => "N02BE",
        "YP0008" | "YP0021" => "B01AC",
        "YP0009" | "YP0010" => "C08CA",
        "YP0011" | "YP0012" => "C09CA",
        "YP0013" => "C07AB",
        "YP0014" | "YP0039" | "YP0040" => "C03AA",
        "YP0015" => "A10BA",
        "YP0016" => "A10BB",
        "YP0017" => "A10BF",
        "YP0018" => "A10AB",
        "YP0019" | "YP0020" => "C10AA",
        "YP0022" | "YP0023" => "A02BC",
        _ => "V03AX",
    }
}

/// The demo item as a catalogue draft, with the attributes a county
/// formulary gives it.
pub fn demo_draft(index: usize, spec: &DemoItem) -> ItemDraft {
    let consumable = spec.code.starts_with("HC");
    let tcm = matches!(spec.code, "YP0049" | "YP0050");
    let antibiotic_level = match spec.code {
        "YP0001" | "YP0002" | "YP0004" | "YP0005" | "YP0038" | "YP0051" => 1,
        "YP0003" | "YP0037" => 2,
        _ => 0,
    };
    let controlled_class = match spec.code {
        "YP0048" => Some(ControlledClass::PsychotropicIi),
        _ => None,
    };
    let min_institution_level = match spec.code {
        "YP0048" => InstitutionKind::CountyHospital,
        "YP0018" | "YP0029" | "YP0037" | "YP0003" => InstitutionKind::TownshipHealthCentre,
        _ => InstitutionKind::VillageClinic,
    };
    let nhsa_code = if consumable {
        Some(format!("C{:019}", 1_031_100_000_000_000u64 + index as u64))
    } else if tcm {
        Some(format!("ZA{:018}", 4_000_000_000u64 + index as u64))
    } else {
        Some(format!(
            "X{}A{:03}E{:03}0101{:05}",
            atc_class(spec.code),
            index + 1,
            index % 40 + 1,
            483 + index
        ))
    };
    let case_units = i64::from(spec.pack_size) * if consumable { 20 } else { 100 };
    ItemDraft {
        code: spec.code.into(),
        kind: if consumable {
            ItemKind::Consumable
        } else {
            ItemKind::Drug
        },
        generic_name: spec.generic_name.into(),
        trade_name: None,
        english_name: Some(spec.english_name.into()),
        dosage_form: spec.dosage_form.into(),
        strength: spec.strength.into(),
        packaging: Some(format!("{}{}/盒", spec.pack_size, spec.base_unit)),
        base_unit: spec.base_unit.into(),
        package_levels: vec![
            PackageLevelDraft {
                level: 1,
                name: "盒".into(),
                units_per_pack: i64::from(spec.pack_size),
                gtins: vec![demo_gtin(index)],
                trace_code_prefix: (!consumable).then(|| demo_trace_prefix(index, 1)),
            },
            PackageLevelDraft {
                level: 2,
                name: "箱".into(),
                units_per_pack: case_units,
                gtins: vec![demo_case_gtin(index)],
                trace_code_prefix: (!consumable).then(|| demo_trace_prefix(index, 3)),
            },
        ],
        manufacturer: Some(
            [
                "华北制药股份有限公司",
                "石药集团欧意药业有限公司",
                "扬子江药业集团有限公司",
                "齐鲁制药有限公司",
                "山东威高集团医用高分子制品股份有限公司",
            ][if consumable { 4 } else { index % 4 }]
            .into(),
        ),
        approval_number: Some(if consumable {
            format!("国械注准2020{:07}", 3_140_000 + index)
        } else if tcm {
            format!("国药准字Z{:08}", 44_020_000 + index)
        } else {
            format!("国药准字H{:08}", 13_020_000 + index)
        }),
        nhsa_code,
        insurance_class: Some(if index % 5 == 4 {
            InsuranceClass::B
        } else {
            InsuranceClass::A
        }),
        essential: !consumable && index % 3 != 2,
        vbp: matches!(
            spec.code,
            "YP0010" | "YP0015" | "YP0019" | "YP0020" | "YP0021"
        ),
        vbp_price_fen: match spec.code {
            "YP0010" | "YP0015" | "YP0019" | "YP0020" | "YP0021" => spec.unit_cost_fen,
            _ => None,
        },
        prescription_only: !consumable
            && !matches!(spec.code, "YP0007" | "YP0024" | "YP0049" | "YP0050"),
        controlled_class,
        antibiotic_level,
        high_alert: matches!(spec.code, "YP0018" | "YP0041" | "YP0043"),
        look_alike: matches!(spec.code, "YP0009" | "YP0010"),
        cold_chain: spec.code == "YP0018",
        skin_test: spec.code == "YP0038",
        min_institution_level,
        near_expiry_days: if spec.code == "YP0018" { 60 } else { 90 },
        // The community's rules apply to every demo item.
        min_receipt_shelf_life_days: None,
        min_dispatch_shelf_life_days: None,
        storage_min_decicelsius: None,
        storage_max_decicelsius: None,
    }
}
