//! The demo county, and generators for tests and benchmarks.
//!
//! The demo is a small but realistic county medical community: one
//! logistics centre, the county hospital, three township health centres with
//! two village clinics each, about fifty drugs and consumables, batches with
//! expiries spread from already-expired to two years out (relative to the
//! day the demo is loaded, so it never goes stale), and opening stock posted
//! through the ledger like any other stock.

mod catalogue_data;
mod distribution;
mod procurement;
pub mod scale;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::collections::BTreeMap;
use uuid::Uuid;
use yaolian_backend::Result;
use yaolian_backend::clock::business_date;
use yaolian_backend::db::Database;
use yaolian_backend::enums::{BatchStatus, InstitutionKind, Role};
use yaolian_backend::seeding::{self, Loader};

pub use catalogue_data::{
    DEMO_ITEMS, DemoItem, demo_case_gtin, demo_draft, demo_gtin, demo_trace_prefix,
};

pub const DEMO_COMMUNITY_CODE: &str = "DEMO";
/// The demo users' password unless the operator gives another
/// (`yaolian serve --demo --demo-password`, or `YAOLIAN_DEMO_PASSWORD`).
pub const DEMO_PASSWORD: &str = "yaolian-demo";

struct DemoInstitution {
    code: &'static str,
    name: &'static str,
    kind: InstitutionKind,
    parent: Option<&'static str>,
}

const INSTITUTIONS: &[DemoInstitution] = &[
    DemoInstitution {
        code: "DEMO-LC",
        name: "示范县医共体药械配送中心",
        kind: InstitutionKind::LogisticsCentre,
        parent: None,
    },
    DemoInstitution {
        code: "DEMO-CH",
        name: "示范县总医院",
        kind: InstitutionKind::CountyHospital,
        parent: None,
    },
    DemoInstitution {
        code: "DEMO-TH01",
        name: "青山镇卫生院",
        kind: InstitutionKind::TownshipHealthCentre,
        parent: Some("DEMO-CH"),
    },
    DemoInstitution {
        code: "DEMO-TH02",
        name: "河西镇卫生院",
        kind: InstitutionKind::TownshipHealthCentre,
        parent: Some("DEMO-CH"),
    },
    DemoInstitution {
        code: "DEMO-TH03",
        name: "石桥镇卫生院",
        kind: InstitutionKind::TownshipHealthCentre,
        parent: Some("DEMO-CH"),
    },
    DemoInstitution {
        code: "DEMO-VC0101",
        name: "青山镇东岭村卫生室",
        kind: InstitutionKind::VillageClinic,
        parent: Some("DEMO-TH01"),
    },
    DemoInstitution {
        code: "DEMO-VC0102",
        name: "青山镇南坪村卫生室",
        kind: InstitutionKind::VillageClinic,
        parent: Some("DEMO-TH01"),
    },
    DemoInstitution {
        code: "DEMO-VC0201",
        name: "河西镇柳湾村卫生室",
        kind: InstitutionKind::VillageClinic,
        parent: Some("DEMO-TH02"),
    },
    DemoInstitution {
        code: "DEMO-VC0202",
        name: "河西镇杨庄村卫生室",
        kind: InstitutionKind::VillageClinic,
        parent: Some("DEMO-TH02"),
    },
    DemoInstitution {
        code: "DEMO-VC0301",
        name: "石桥镇石门村卫生室",
        kind: InstitutionKind::VillageClinic,
        parent: Some("DEMO-TH03"),
    },
    DemoInstitution {
        code: "DEMO-VC0302",
        name: "石桥镇桥头村卫生室",
        kind: InstitutionKind::VillageClinic,
        parent: Some("DEMO-TH03"),
    },
];

/// A demo sign-in, as README lists them.
pub struct DemoUser {
    pub username: &'static str,
    pub display_name: &'static str,
    pub institution: &'static str,
    pub roles: &'static [Role],
}

pub const DEMO_USERS: &[DemoUser] = &[
    DemoUser {
        username: "admin",
        display_name: "系统管理员 Administrator",
        institution: "DEMO-LC",
        roles: &[Role::Admin],
    },
    DemoUser {
        username: "buyer",
        display_name: "采购员 王芳",
        institution: "DEMO-LC",
        roles: &[Role::Buyer],
    },
    DemoUser {
        username: "warehouse",
        display_name: "库管员 李强",
        institution: "DEMO-LC",
        roles: &[Role::Warehouse],
    },
    DemoUser {
        username: "auditor",
        display_name: "审计员 赵敏",
        institution: "DEMO-LC",
        roles: &[Role::Auditor],
    },
    DemoUser {
        username: "doctor",
        display_name: "医生 陈明（总医院）",
        institution: "DEMO-CH",
        roles: &[Role::Doctor],
    },
    DemoUser {
        username: "doctor.th01",
        display_name: "医生 刘洋（青山镇卫生院）",
        institution: "DEMO-TH01",
        roles: &[Role::Doctor],
    },
    DemoUser {
        username: "pharmacist.ch",
        display_name: "药师 孙丽（总医院药剂科）",
        institution: "DEMO-CH",
        roles: &[Role::Pharmacist],
    },
    DemoUser {
        username: "pharmacist.th01",
        display_name: "药师 周静（青山镇卫生院）",
        institution: "DEMO-TH01",
        roles: &[Role::Pharmacist],
    },
    DemoUser {
        username: "pharmacist.th02",
        display_name: "药师 吴涛（河西镇卫生院）",
        institution: "DEMO-TH02",
        roles: &[Role::Pharmacist],
    },
    DemoUser {
        username: "pharmacist.th03",
        display_name: "药师 郑红（石桥镇卫生院）",
        institution: "DEMO-TH03",
        roles: &[Role::Pharmacist],
    },
    DemoUser {
        username: "pharmacist.vc0101",
        display_name: "乡村医生 冯军（东岭村）",
        institution: "DEMO-VC0101",
        roles: &[Role::Pharmacist],
    },
    DemoUser {
        username: "pharmacist.vc0102",
        display_name: "乡村医生 何梅（南坪村）",
        institution: "DEMO-VC0102",
        roles: &[Role::Pharmacist],
    },
    DemoUser {
        username: "pharmacist.vc0201",
        display_name: "乡村医生 许亮（柳湾村）",
        institution: "DEMO-VC0201",
        roles: &[Role::Pharmacist],
    },
    DemoUser {
        username: "pharmacist.vc0202",
        display_name: "乡村医生 韩雪（杨庄村）",
        institution: "DEMO-VC0202",
        roles: &[Role::Pharmacist],
    },
    DemoUser {
        username: "pharmacist.vc0301",
        display_name: "乡村医生 曹刚（石门村）",
        institution: "DEMO-VC0301",
        roles: &[Role::Pharmacist],
    },
    DemoUser {
        username: "pharmacist.vc0302",
        display_name: "乡村医生 邓丽（桥头村）",
        institution: "DEMO-VC0302",
        roles: &[Role::Pharmacist],
    },
];

/// What the seed created, by code, for tests and benchmarks to refer to.
#[derive(Debug, Clone, Default)]
pub struct DemoCounty {
    pub community_id: Uuid,
    pub institutions: BTreeMap<String, Uuid>,
    pub users: BTreeMap<String, Uuid>,
    pub items: BTreeMap<String, Uuid>,
    /// Batches by lot number.
    pub batches: BTreeMap<String, Uuid>,
    /// False when the demo was already there and nothing was added.
    pub created: bool,
}

impl DemoCounty {
    pub fn institution(&self, code: &str) -> Uuid {
        self.institutions.get(code).copied().unwrap_or_default()
    }
}

/// What the demo county comes with.
#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    /// 90 days of dispensing at every member, so that the replenishment
    /// suggestions and the procurement plan have lines on first start. The
    /// members' stock on hand is the same either way; the test suites
    /// leave it out so their stock cards start with one line. With it come
    /// requisitions in every state, a planned delivery run and a shipment
    /// in transit.
    pub history: bool,
}

/// Loads the demo county, with its dispensing history, unless it is
/// already there.
pub async fn seed_demo(db: &Database, password: &str, now: DateTime<Utc>) -> Result<DemoCounty> {
    seed_demo_with(db, password, now, DemoOptions { history: true }).await
}

/// Loads the demo county unless it is already there; a second run adds
/// nothing. One transaction: a failure leaves no half-seeded county.
pub async fn seed_demo_with(
    db: &Database,
    password: &str,
    now: DateTime<Utc>,
    options: DemoOptions,
) -> Result<DemoCounty> {
    if let Some(existing) = seeding::find_community(db, DEMO_COMMUNITY_CODE).await? {
        return describe_existing(db, existing).await;
    }
    // All demo users share one password, so one argon2id hash (with its own
    // random salt) serves them all and the seed stays fast.
    let password_hash = yaolian_backend::auth::hash_password(password)?;
    let today = business_date(now);
    let mut load = Loader::begin(db, now).await?;
    let mut county = DemoCounty {
        created: true,
        ..Default::default()
    };

    let community_id = load
        .community(
            DEMO_COMMUNITY_CODE,
            "示范县医共体 Demo County Medical Community",
        )
        .await?;
    county.community_id = community_id;

    for inst in INSTITUTIONS {
        let parent_id = inst
            .parent
            .and_then(|code| county.institutions.get(code).copied());
        let id = load
            .institution(community_id, inst.code, inst.name, inst.kind, parent_id)
            .await?;
        county.institutions.insert(inst.code.into(), id);
    }

    for user in DEMO_USERS {
        let id = load
            .user(
                county.institution(user.institution),
                user.username,
                user.display_name,
                &password_hash,
                user.roles,
            )
            .await?;
        county.users.insert(user.username.into(), id);
    }
    load.act_as(county.users.get("admin").copied().unwrap_or_default());

    let centre = county.institution("DEMO-LC");
    let clinics: Vec<(&str, usize, i64)> = vec![
        // (institution, how many items it stocks, opening units per batch)
        ("DEMO-CH", 40, 600),
        ("DEMO-TH01", 24, 200),
        ("DEMO-TH02", 22, 180),
        ("DEMO-TH03", 20, 160),
        ("DEMO-VC0101", 12, 60),
        ("DEMO-VC0102", 10, 50),
        ("DEMO-VC0201", 11, 55),
        ("DEMO-VC0202", 9, 45),
        ("DEMO-VC0301", 10, 50),
        ("DEMO-VC0302", 8, 40),
    ];
    // Days to expiry of each item's batches, rotated per item so every
    // near-expiry band (already expired, <15, <30, <90, long) is present.
    const SHELF_LIVES: [i64; 5] = [540, 200, 80, 25, 720];

    let drafts = DEMO_ITEMS
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            demo_draft(i, spec)
                .normalise()
                .map_err(yaolian_backend::Error::invalid)
        })
        .collect::<Result<Vec<_>>>()?;
    let item_ids = load
        .items(community_id, &drafts.iter().collect::<Vec<_>>())
        .await?;
    for (i, (spec, item_id)) in DEMO_ITEMS.iter().zip(item_ids).enumerate() {
        county.items.insert(spec.code.into(), item_id);

        let batch_count = 2 + i % 2;
        for j in 0..batch_count {
            let days = SHELF_LIVES[(i + j) % SHELF_LIVES.len()] + (i as i64 % 7) * 3;
            let expiry = today + Duration::days(days);
            let lot = demo_lot(today, i, j);
            let batch_id = load
                .batch(
                    item_id,
                    &lot,
                    expiry,
                    Some(expiry - Duration::days(730)),
                    BatchStatus::Available,
                )
                .await?;
            county.batches.insert(lot.clone(), batch_id);
            let units = spec.pack_size as i64 * (20 + (i as i64 * 7) % 30);
            load.opening_stock(centre, batch_id, units, spec.unit_cost_fen)
                .await?;

            // The first batch of each item also stands on the members'
            // shelves, so clinics have stock to adjust, count and dispense.
            if j == 0 {
                for (m, (code, stocked, per_batch)) in clinics.iter().enumerate() {
                    if i >= *stocked {
                        continue;
                    }
                    let member = county.institution(code);
                    if !options.history {
                        load.opening_stock(member, batch_id, *per_batch, spec.unit_cost_fen)
                            .await?;
                        continue;
                    }
                    // Between half and twice its shelf stock a month,
                    // dispensed every third day for 90 days: what it has
                    // now is what it would have had anyway.
                    let monthly = per_batch * (4 + ((i * 5 + m * 3) % 13) as i64) / 8;
                    let each = (monthly / 10).max(1);
                    let dispensed: Vec<(DateTime<Utc>, i64)> = (0..30)
                        .map(|k| (now - Duration::days(90 - 3 * k) + Duration::hours(2), each))
                        .collect();
                    load.history(
                        member,
                        batch_id,
                        per_batch + each * 30,
                        spec.unit_cost_fen,
                        now - Duration::days(91),
                        &dispensed,
                    )
                    .await?;
                }
            }
        }
    }

    // Real shelves hold problems too: an expired batch nobody has cleared,
    // and a batch quarantined after a complaint.
    let expired_item = county
        .items
        .get(DEMO_ITEMS[0].code)
        .copied()
        .unwrap_or_default();
    let expiry = today - Duration::days(10);
    let expired = load
        .batch(
            expired_item,
            "EXP2301X",
            expiry,
            Some(expiry - Duration::days(730)),
            BatchStatus::Available,
        )
        .await?;
    county.batches.insert("EXP2301X".into(), expired);
    load.opening_stock(county.institution("DEMO-VC0101"), expired, 24, None)
        .await?;
    let quarantined_item = county
        .items
        .get(DEMO_ITEMS[6].code)
        .copied()
        .unwrap_or_default();
    let expiry = today + Duration::days(300);
    let quarantined = load
        .batch(
            quarantined_item,
            "QTN2402Q",
            expiry,
            Some(expiry - Duration::days(730)),
            BatchStatus::Quarantined,
        )
        .await?;
    county.batches.insert("QTN2402Q".into(), quarantined);
    load.opening_stock(centre, quarantined, 500, None).await?;

    load.commit().await?;
    // After the commit: procurement goes through the services, each in its
    // own command, as the buyer and the warehouse would.
    distribution::shelves(db, &county, now).await?;
    procurement::seed(db, &county, now).await?;
    // The lived-in demo also has its distribution under way; the test
    // suites start without, so their stock has nothing reserved.
    if options.history {
        distribution::seed(db, &county, now).await?;
    }
    Ok(county)
}

/// The lot number of batch `batch_index` of demo item `item_index`, for a
/// demo loaded on `today`: year, a month, the item's position, a letter.
pub fn demo_lot(today: NaiveDate, item_index: usize, batch_index: usize) -> String {
    use chrono::Datelike;
    format!(
        "{:02}{:02}{:02}{}",
        today.year() % 100,
        (today.month() as usize + batch_index) % 12 + 1,
        item_index + 1,
        char::from(b'A' + (batch_index % 26) as u8)
    )
}

async fn describe_existing(db: &Database, community_id: Uuid) -> Result<DemoCounty> {
    let found = seeding::directory(db, community_id).await?;
    Ok(DemoCounty {
        community_id,
        institutions: found.institutions.into_iter().collect(),
        users: found.users.into_iter().collect(),
        items: found.items.into_iter().collect(),
        batches: found.batches.into_iter().collect(),
        created: false,
    })
}
