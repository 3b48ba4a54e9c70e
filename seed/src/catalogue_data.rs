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
];
