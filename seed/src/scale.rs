//! Catalogues of any size for tests and benchmarks: realistic names built
//! from real drug stems, dosage forms and strengths, with unique codes
//! (`SC000001`…), GTINs, traceability-code prefixes and NHSA codes.
//!
//! The identifiers do not collide with the demo county's: GTINs use the
//! company prefix `6939`, trace-code prefixes start at `8400000`.

use chrono::{DateTime, Utc};
use uuid::Uuid;
use yaolian_backend::Result;
use yaolian_backend::catalogue::{ItemDraft, PackageLevelDraft};
use yaolian_backend::db::Database;
use yaolian_backend::enums::{ControlledClass, InstitutionKind, InsuranceClass, ItemKind};
use yaolian_backend::seeding::Loader;
use yaolian_labels::gtin::with_check_digit;

/// The most items [`catalogue_drafts`] can make with unique identifiers
/// (two trace-code prefixes each, out of `8400000`…`8999999`).
pub const MAX_SCALE_ITEMS: usize = 300_000;

/// A drug stem: Chinese and English name, ATC-style class for the NHSA code,
/// antibiotic level, and the strengths it comes in.
struct Stem {
    zh: &'static str,
    en: &'static str,
    class: &'static str,
    antibiotic: i32,
    strengths: &'static [&'static str],
}

const STEMS: &[Stem] = &[
    Stem {
        zh: "阿莫西林",
        en: "Amoxicillin",
        class: "J01CA",
        antibiotic: 1,
        strengths: &["0.125g", "0.25g", "0.5g"],
    },
    Stem {
        zh: "头孢呋辛酯",
        en: "Cefuroxime Axetil",
        class: "J01DC",
        antibiotic: 1,
        strengths: &["0.125g", "0.25g"],
    },
    Stem {
        zh: "头孢克肟",
        en: "Cefixime",
        class: "J01DD",
        antibiotic: 2,
        strengths: &["50mg", "100mg"],
    },
    Stem {
        zh: "左氧氟沙星",
        en: "Levofloxacin",
        class: "J01MA",
        antibiotic: 2,
        strengths: &["0.1g", "0.2g", "0.5g"],
    },
    Stem {
        zh: "阿奇霉素",
        en: "Azithromycin",
        class: "J01FA",
        antibiotic: 1,
        strengths: &["0.1g", "0.25g", "0.5g"],
    },
    Stem {
        zh: "克拉霉素",
        en: "Clarithromycin",
        class: "J01FA",
        antibiotic: 1,
        strengths: &["0.125g", "0.25g"],
    },
    Stem {
        zh: "甲硝唑",
        en: "Metronidazole",
        class: "P01AB",
        antibiotic: 1,
        strengths: &["0.2g", "0.5g"],
    },
    Stem {
        zh: "对乙酰氨基酚",
        en: "Paracetamol",
        class: "N02BE",
        antibiotic: 0,
        strengths: &["0.1g", "0.3g", "0.5g"],
    },
    Stem {
        zh: "布洛芬",
        en: "Ibuprofen",
        class: "M01AE",
        antibiotic: 0,
        strengths: &["0.1g", "0.2g", "0.3g", "0.4g"],
    },
    Stem {
        zh: "阿司匹林",
        en: "Aspirin",
        class: "B01AC",
        antibiotic: 0,
        strengths: &["25mg", "50mg", "100mg"],
    },
    Stem {
        zh: "氯吡格雷",
        en: "Clopidogrel",
        class: "B01AC",
        antibiotic: 0,
        strengths: &["25mg", "75mg"],
    },
    Stem {
        zh: "硝苯地平",
        en: "Nifedipine",
        class: "C08CA",
        antibiotic: 0,
        strengths: &["10mg", "20mg", "30mg"],
    },
    Stem {
        zh: "氨氯地平",
        en: "Amlodipine",
        class: "C08CA",
        antibiotic: 0,
        strengths: &["2.5mg", "5mg", "10mg"],
    },
    Stem {
        zh: "厄贝沙坦",
        en: "Irbesartan",
        class: "C09CA",
        antibiotic: 0,
        strengths: &["75mg", "150mg"],
    },
    Stem {
        zh: "缬沙坦",
        en: "Valsartan",
        class: "C09CA",
        antibiotic: 0,
        strengths: &["40mg", "80mg", "160mg"],
    },
    Stem {
        zh: "美托洛尔",
        en: "Metoprolol",
        class: "C07AB",
        antibiotic: 0,
        strengths: &["25mg", "47.5mg", "50mg"],
    },
    Stem {
        zh: "氢氯噻嗪",
        en: "Hydrochlorothiazide",
        class: "C03AA",
        antibiotic: 0,
        strengths: &["10mg", "25mg"],
    },
    Stem {
        zh: "二甲双胍",
        en: "Metformin",
        class: "A10BA",
        antibiotic: 0,
        strengths: &["0.25g", "0.5g", "0.85g"],
    },
    Stem {
        zh: "格列美脲",
        en: "Glimepiride",
        class: "A10BB",
        antibiotic: 0,
        strengths: &["1mg", "2mg"],
    },
    Stem {
        zh: "阿卡波糖",
        en: "Acarbose",
        class: "A10BF",
        antibiotic: 0,
        strengths: &["50mg", "100mg"],
    },
    Stem {
        zh: "阿托伐他汀钙",
        en: "Atorvastatin Calcium",
        class: "C10AA",
        antibiotic: 0,
        strengths: &["10mg", "20mg", "40mg"],
    },
    Stem {
        zh: "瑞舒伐他汀钙",
        en: "Rosuvastatin Calcium",
        class: "C10AA",
        antibiotic: 0,
        strengths: &["5mg", "10mg", "20mg"],
    },
    Stem {
        zh: "奥美拉唑",
        en: "Omeprazole",
        class: "A02BC",
        antibiotic: 0,
        strengths: &["10mg", "20mg", "40mg"],
    },
    Stem {
        zh: "泮托拉唑",
        en: "Pantoprazole",
        class: "A02BC",
        antibiotic: 0,
        strengths: &["20mg", "40mg"],
    },
    Stem {
        zh: "蒙脱石",
        en: "Montmorillonite",
        class: "A07BC",
        antibiotic: 0,
        strengths: &["3g"],
    },
    Stem {
        zh: "氯雷他定",
        en: "Loratadine",
        class: "R06AX",
        antibiotic: 0,
        strengths: &["5mg", "10mg"],
    },
    Stem {
        zh: "西替利嗪",
        en: "Cetirizine",
        class: "R06AE",
        antibiotic: 0,
        strengths: &["5mg", "10mg"],
    },
    Stem {
        zh: "氨溴索",
        en: "Ambroxol",
        class: "R05CB",
        antibiotic: 0,
        strengths: &["15mg", "30mg"],
    },
    Stem {
        zh: "孟鲁司特钠",
        en: "Montelukast Sodium",
        class: "R03DC",
        antibiotic: 0,
        strengths: &["4mg", "5mg", "10mg"],
    },
    Stem {
        zh: "地塞米松",
        en: "Dexamethasone",
        class: "H02AB",
        antibiotic: 0,
        strengths: &["0.75mg", "5mg"],
    },
    Stem {
        zh: "泼尼松",
        en: "Prednisone",
        class: "H02AB",
        antibiotic: 0,
        strengths: &["5mg"],
    },
    Stem {
        zh: "维生素C",
        en: "Vitamin C",
        class: "A11GA",
        antibiotic: 0,
        strengths: &["0.1g", "0.5g"],
    },
    Stem {
        zh: "维生素B12",
        en: "Vitamin B12",
        class: "B03BA",
        antibiotic: 0,
        strengths: &["25μg", "0.5mg"],
    },
    Stem {
        zh: "叶酸",
        en: "Folic Acid",
        class: "B03BB",
        antibiotic: 0,
        strengths: &["0.4mg", "5mg"],
    },
    Stem {
        zh: "硝酸甘油",
        en: "Nitroglycerin",
        class: "C01DA",
        antibiotic: 0,
        strengths: &["0.5mg"],
    },
    Stem {
        zh: "螺内酯",
        en: "Spironolactone",
        class: "C03DA",
        antibiotic: 0,
        strengths: &["20mg"],
    },
    Stem {
        zh: "呋塞米",
        en: "Furosemide",
        class: "C03CA",
        antibiotic: 0,
        strengths: &["20mg", "40mg"],
    },
    Stem {
        zh: "甲钴胺",
        en: "Mecobalamin",
        class: "B03BA",
        antibiotic: 0,
        strengths: &["0.5mg"],
    },
    Stem {
        zh: "艾司唑仑",
        en: "Estazolam",
        class: "N05CD",
        antibiotic: 0,
        strengths: &["1mg", "2mg"],
    },
    Stem {
        zh: "左甲状腺素钠",
        en: "Levothyroxine Sodium",
        class: "H03AA",
        antibiotic: 0,
        strengths: &["25μg", "50μg", "100μg"],
    },
];

/// A dosage form: the suffix of the generic name, the form, the English
/// suffix, the base unit, and the pack sizes it is sold in.
struct Form {
    suffix: &'static str,
    form: &'static str,
    en: &'static str,
    unit: &'static str,
    packs: &'static [i64],
}

const FORMS: &[Form] = &[
    Form {
        suffix: "片",
        form: "片剂",
        en: "Tablets",
        unit: "片",
        packs: &[12, 24, 30, 100],
    },
    Form {
        suffix: "胶囊",
        form: "胶囊剂",
        en: "Capsules",
        unit: "粒",
        packs: &[12, 24, 36],
    },
    Form {
        suffix: "分散片",
        form: "片剂",
        en: "Dispersible Tablets",
        unit: "片",
        packs: &[12, 24],
    },
    Form {
        suffix: "缓释片",
        form: "片剂",
        en: "Sustained-release Tablets",
        unit: "片",
        packs: &[7, 14, 28],
    },
    Form {
        suffix: "颗粒",
        form: "颗粒剂",
        en: "Granules",
        unit: "袋",
        packs: &[6, 10, 12],
    },
    Form {
        suffix: "注射液",
        form: "注射剂",
        en: "Injection",
        unit: "支",
        packs: &[5, 10],
    },
];

struct Consumable {
    zh: &'static str,
    en: &'static str,
    unit: &'static str,
    specs: &'static [&'static str],
    packs: &'static [i64],
}

const CONSUMABLES: &[Consumable] = &[
    Consumable {
        zh: "一次性使用无菌注射器",
        en: "Sterile Syringe",
        unit: "支",
        specs: &["1ml", "2ml", "5ml", "10ml", "20ml"],
        packs: &[50, 100],
    },
    Consumable {
        zh: "一次性使用输液器",
        en: "Infusion Set",
        unit: "套",
        specs: &["0.55mm", "0.7mm"],
        packs: &[25, 50],
    },
    Consumable {
        zh: "一次性使用静脉留置针",
        en: "IV Cannula",
        unit: "支",
        specs: &["18G", "20G", "22G", "24G"],
        packs: &[50],
    },
    Consumable {
        zh: "医用脱脂纱布块",
        en: "Absorbent Gauze Swab",
        unit: "块",
        specs: &["5cm×7cm×8层", "8cm×10cm×8层"],
        packs: &[100, 200],
    },
    Consumable {
        zh: "医用外科口罩",
        en: "Surgical Mask",
        unit: "只",
        specs: &["17.5cm×9.5cm"],
        packs: &[50],
    },
    Consumable {
        zh: "一次性使用医用橡胶检查手套",
        en: "Examination Gloves",
        unit: "只",
        specs: &["S", "M", "L"],
        packs: &[100],
    },
    Consumable {
        zh: "医用棉签",
        en: "Cotton Swab",
        unit: "支",
        specs: &["10cm", "15cm"],
        packs: &[50, 100],
    },
    Consumable {
        zh: "一次性使用采血针",
        en: "Blood Lancet",
        unit: "支",
        specs: &["21G", "28G"],
        packs: &[100, 200],
    },
];

const MANUFACTURERS: &[&str] = &[
    "华北制药股份有限公司",
    "石药集团欧意药业有限公司",
    "扬子江药业集团有限公司",
    "齐鲁制药有限公司",
    "华润双鹤药业股份有限公司",
    "浙江华海药业股份有限公司",
    "珠海联邦制药股份有限公司",
    "广州白云山制药股份有限公司",
    "哈药集团制药总厂",
    "江苏恒瑞医药股份有限公司",
    "上海信谊药厂有限公司",
    "北京双鹭药业股份有限公司",
    "四川科伦药业股份有限公司",
    "山东新华制药股份有限公司",
    "重庆药友制药有限责任公司",
    "湖南千金湘江药业股份有限公司",
];

const TRADE_SUFFIXES: &[&str] = &["宁", "欣", "康", "泰", "舒", "平", "安", "林"];

const DEVICE_MAKERS: &[&str] = &[
    "山东威高集团医用高分子制品股份有限公司",
    "江西洪达医疗器械集团有限公司",
    "稳健医疗用品股份有限公司",
    "河南驼人医疗器械集团有限公司",
];

/// The `index`-th generated item; every index gives a different item.
fn draft(index: usize) -> ItemDraft {
    let serial = index + 1;
    let code = format!("SC{serial:06}");
    let gtin = with_check_digit(&format!("6939{serial:08}"));
    let case_gtin = with_check_digit(&format!("1{}", &gtin[..12]));
    let consumable = index % 5 == 4;
    let variant = index / 5;
    if consumable {
        let c = &CONSUMABLES[variant % CONSUMABLES.len()];
        let spec = c.specs[(variant / CONSUMABLES.len()) % c.specs.len()];
        let pack = c.packs[variant % c.packs.len()];
        let maker = DEVICE_MAKERS[(variant / 3) % DEVICE_MAKERS.len()];
        return ItemDraft {
            code,
            kind: ItemKind::Consumable,
            generic_name: c.zh.into(),
            trade_name: None,
            english_name: Some(c.en.into()),
            dosage_form: "医用耗材".into(),
            strength: spec.into(),
            packaging: Some(format!("{pack}{}/盒", c.unit)),
            base_unit: c.unit.into(),
            package_levels: vec![
                PackageLevelDraft {
                    level: 1,
                    name: "盒".into(),
                    units_per_pack: pack,
                    gtins: vec![gtin],
                    trace_code_prefix: None,
                },
                PackageLevelDraft {
                    level: 2,
                    name: "箱".into(),
                    units_per_pack: pack * 20,
                    gtins: vec![case_gtin],
                    trace_code_prefix: None,
                },
            ],
            manufacturer: Some(maker.into()),
            approval_number: Some(format!("国械注准2021{:07}", 3_140_000 + serial % 1_000_000)),
            nhsa_code: Some(format!("C{:019}", 1_031_100_000_000_000u64 + serial as u64)),
            insurance_class: Some(InsuranceClass::B),
            essential: false,
            vbp: variant.is_multiple_of(4),
            vbp_price_fen: variant
                .is_multiple_of(4)
                .then_some(30 + (serial % 50) as i64),
            prescription_only: false,
            controlled_class: None,
            antibiotic_level: 0,
            high_alert: false,
            look_alike: false,
            cold_chain: false,
            skin_test: false,
            min_institution_level: InstitutionKind::VillageClinic,
            near_expiry_days: 180,
            min_receipt_shelf_life_days: None,
            min_dispatch_shelf_life_days: None,
            storage_min_decicelsius: None,
            storage_max_decicelsius: None,
        };
    }

    let drug = index - index / 5;
    let stem = &STEMS[drug % STEMS.len()];
    let form = &FORMS[(drug / STEMS.len()) % FORMS.len()];
    let rest = drug / (STEMS.len() * FORMS.len());
    let strength = stem.strengths[rest % stem.strengths.len()];
    let maker_index = (rest / stem.strengths.len()) % MANUFACTURERS.len();
    let maker = MANUFACTURERS[maker_index];
    let pack = form.packs[(rest / (stem.strengths.len() * MANUFACTURERS.len())) % form.packs.len()];
    let injection = form.suffix == "注射液";
    let box_prefix = format!("8{:06}", 400_000 + 2 * index);
    let case_prefix = format!("8{:06}", 400_001 + 2 * index);
    let mut levels = vec![
        PackageLevelDraft {
            level: 1,
            name: "盒".into(),
            units_per_pack: pack,
            gtins: vec![gtin],
            trace_code_prefix: Some(box_prefix),
        },
        PackageLevelDraft {
            level: 2,
            name: "中包".into(),
            units_per_pack: pack * 10,
            gtins: vec![],
            trace_code_prefix: None,
        },
        PackageLevelDraft {
            level: 3,
            name: "箱".into(),
            units_per_pack: pack * 200,
            gtins: vec![case_gtin],
            trace_code_prefix: Some(case_prefix),
        },
    ];
    if drug.is_multiple_of(3) {
        // Many small clinics' drugs have no middle pack.
        levels.remove(1);
        levels[1].level = 2;
    }
    let controlled = stem.zh == "艾司唑仑";
    let vbp = drug.is_multiple_of(7);
    let cold_chain = injection && drug.is_multiple_of(17);
    ItemDraft {
        code,
        kind: ItemKind::Drug,
        generic_name: format!("{}{}", stem.zh, form.suffix),
        trade_name: (drug % 4 == 1).then(|| {
            let head: String = stem.zh.chars().take(2).collect();
            format!(
                "{head}{}",
                TRADE_SUFFIXES[maker_index % TRADE_SUFFIXES.len()]
            )
        }),
        english_name: Some(format!("{} {}", stem.en, form.en)),
        dosage_form: form.form.into(),
        strength: if injection {
            format!("{strength}/2ml")
        } else {
            strength.into()
        },
        packaging: Some(format!("{pack}{}/盒", form.unit)),
        base_unit: form.unit.into(),
        package_levels: levels,
        manufacturer: Some(maker.into()),
        approval_number: Some(format!("国药准字H{:08}", 20_000_000 + serial)),
        nhsa_code: Some(format!(
            "X{}A{:03}{}{:03}{:04}{:05}",
            stem.class,
            drug % STEMS.len() + 1,
            if injection { "B" } else { "E" },
            (drug / STEMS.len()) % FORMS.len() + 1,
            101 + rest % 50,
            maker_index * 37 + 100
        )),
        insurance_class: Some(match drug % 5 {
            0..=2 => InsuranceClass::A,
            3 => InsuranceClass::B,
            _ => InsuranceClass::SelfPay,
        }),
        essential: drug % 3 != 2,
        vbp,
        vbp_price_fen: vbp.then_some(5 + ((serial * 37) % 5000) as i64),
        prescription_only: stem.antibiotic > 0 || drug.is_multiple_of(2),
        controlled_class: controlled.then_some(ControlledClass::PsychotropicIi),
        antibiotic_level: stem.antibiotic,
        high_alert: injection && drug.is_multiple_of(11),
        look_alike: drug.is_multiple_of(13),
        cold_chain,
        skin_test: stem.zh == "阿莫西林" && injection,
        min_institution_level: if controlled {
            InstitutionKind::CountyHospital
        } else if stem.antibiotic >= 2 || injection {
            InstitutionKind::TownshipHealthCentre
        } else {
            InstitutionKind::VillageClinic
        },
        near_expiry_days: if injection { 60 } else { 90 },
        // Some items with their own rules, so that every column of the
        // spreadsheet carries values both ways.
        min_receipt_shelf_life_days: drug.is_multiple_of(6).then_some(365),
        min_dispatch_shelf_life_days: drug.is_multiple_of(6).then_some(90),
        storage_min_decicelsius: cold_chain.then_some(25),
        storage_max_decicelsius: cold_chain.then_some(75),
    }
}

/// `n` distinct items (at most [`MAX_SCALE_ITEMS`]), codes `SC000001`…,
/// about one in five a consumable, every one valid.
pub fn catalogue_drafts(n: usize) -> Vec<ItemDraft> {
    assert!(
        n <= MAX_SCALE_ITEMS,
        "at most {MAX_SCALE_ITEMS} generated items have unique trace-code prefixes"
    );
    (0..n).map(draft).collect()
}

/// Inserts [`catalogue_drafts`]`(n)` into the community in one write
/// transaction, as `user_id` at `now`.
pub async fn load_catalogue(
    db: &Database,
    community_id: Uuid,
    user_id: Uuid,
    now: DateTime<Utc>,
    n: usize,
) -> Result<()> {
    let drafts = catalogue_drafts(n)
        .into_iter()
        .map(|d| d.normalise().map_err(yaolian_backend::Error::invalid))
        .collect::<Result<Vec<_>>>()?;
    let refs: Vec<&ItemDraft> = drafts.iter().collect();
    let mut load = Loader::begin(db, now).await?;
    load.act_as(user_id);
    // Generated codes, GTINs and prefixes are unique by construction (the
    // test below checks it), so the bulk insert needs no look-ups.
    load.items(community_id, &refs).await?;
    load.commit().await
}

/// County-scale stock for the availability bench: `batches_per_item`
/// batches of each of `items`, each held at every one of `institutions`
/// with opening stock, through the ledger, in one transaction.
pub async fn load_stock(
    db: &Database,
    user_id: Uuid,
    now: DateTime<Utc>,
    items: &[Uuid],
    batches_per_item: usize,
    institutions: &[Uuid],
) -> Result<usize> {
    use yaolian_backend::enums::BatchStatus;
    let today = yaolian_backend::clock::business_date(now);
    let mut load = Loader::begin(db, now).await?;
    load.act_as(user_id);
    let mut batches = 0;
    for (i, item) in items.iter().enumerate() {
        for j in 0..batches_per_item {
            let expiry = today + chrono::Duration::days(30 + ((i * 37 + j * 101) % 700) as i64);
            let batch = load
                .batch(
                    *item,
                    &format!("S{i:05}{j:02}"),
                    expiry,
                    None,
                    BatchStatus::Available,
                )
                .await?;
            for inst in institutions {
                load.opening_stock(*inst, batch, 100 + ((i + j) % 50) as i64 * 10, Some(25))
                    .await?;
            }
            batches += 1;
        }
    }
    load.commit().await?;
    Ok(batches)
}

/// A county of `members` member institutions besides the demo's: one
/// township centre per ten, the rest its village clinics. Returns their ids.
pub async fn load_members(
    db: &Database,
    community_id: Uuid,
    now: DateTime<Utc>,
    members: usize,
) -> Result<Vec<Uuid>> {
    let mut load = Loader::begin(db, now).await?;
    let mut ids = Vec::with_capacity(members);
    let mut township = None;
    for n in 0..members {
        let id = if n % 10 == 0 {
            let id = load
                .institution(
                    community_id,
                    &format!("SC-TH{n:04}"),
                    &format!("规模测试第{n}卫生院"),
                    InstitutionKind::TownshipHealthCentre,
                    None,
                )
                .await?;
            township = Some(id);
            id
        } else {
            load.institution(
                community_id,
                &format!("SC-VC{n:04}"),
                &format!("规模测试第{n}村卫生室"),
                InstitutionKind::VillageClinic,
                township,
            )
            .await?
        };
        ids.push(id);
    }
    load.commit().await?;
    Ok(ids)
}

/// About `movements` movements of 90 days' use at `institutions`: each
/// holds `items_each` of `items` (rotating, so every item is held
/// somewhere), one batch per item, an opening 91 days ago and dispensing
/// spread over the window, through the ledger. Commits every few thousand
/// postings. Returns the movements posted.
pub async fn load_history(
    db: &Database,
    user_id: Uuid,
    now: DateTime<Utc>,
    items: &[Uuid],
    institutions: &[Uuid],
    items_each: usize,
    movements: usize,
) -> Result<usize> {
    use yaolian_backend::enums::BatchStatus;
    let today = yaolian_backend::clock::business_date(now);
    let pairs = institutions.len() * items_each.min(items.len());
    let per_pair = (movements / pairs.max(1)).max(2);
    let dispenses = per_pair - 1;
    let mut load = Loader::begin(db, now).await?;
    load.act_as(user_id);
    let mut batches = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let expiry = today + chrono::Duration::days(400 + (i % 300) as i64);
        batches.push(
            load.batch(
                *item,
                &format!("H{i:06}"),
                expiry,
                None,
                BatchStatus::Available,
            )
            .await?,
        );
    }
    load.commit().await?;
    let mut posted = 0;
    let mut pending = 0;
    let mut load = Loader::begin(db, now).await?;
    load.act_as(user_id);
    for (n, inst) in institutions.iter().enumerate() {
        for k in 0..items_each.min(items.len()) {
            let i = (n * 7 + k) % items.len();
            let each = 1 + ((n + k) % 5) as i64;
            let dispensed: Vec<(DateTime<Utc>, i64)> = (0..dispenses)
                .map(|d| {
                    let minutes = (d as i64 * 90 * 24 * 60) / dispenses as i64;
                    (
                        now - chrono::Duration::days(90) + chrono::Duration::minutes(minutes),
                        each,
                    )
                })
                .collect();
            let opening = each * dispenses as i64 + 20;
            load.history(
                *inst,
                batches[i],
                opening,
                Some(25),
                now - chrono::Duration::days(91),
                &dispensed,
            )
            .await?;
            posted += per_pair;
            pending += per_pair;
            if pending >= 20_000 {
                load.commit().await?;
                load = Loader::begin(db, now).await?;
                load.act_as(user_id);
                pending = 0;
            }
        }
    }
    load.commit().await?;
    Ok(posted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn drafts_are_valid_and_unique() {
        let drafts = catalogue_drafts(3000);
        let mut codes = HashSet::new();
        let mut gtins = HashSet::new();
        let mut prefixes = HashSet::new();
        let mut names = HashSet::new();
        for d in &drafts {
            let n = d
                .normalise()
                .unwrap_or_else(|e| panic!("{}: {e:?}", d.code));
            assert!(codes.insert(n.code.clone()));
            for l in &n.package_levels {
                for g in &l.gtins {
                    assert!(gtins.insert(g.clone()), "{g}");
                }
                if let Some(p) = &l.trace_code_prefix {
                    assert!(p.starts_with('8'));
                    assert!(prefixes.insert(p.clone()), "{p}");
                }
            }
            names.insert((
                n.generic_name.clone(),
                n.strength.clone(),
                n.manufacturer.clone(),
            ));
        }
        // Every drug differs in name, strength or maker.
        assert!(names.len() >= 2400, "{} distinct", names.len());
        assert!(drafts.iter().any(|d| d.kind == ItemKind::Consumable));
        assert_eq!(drafts[0].code, "SC000001");
    }
}
