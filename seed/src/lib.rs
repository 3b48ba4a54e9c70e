//! The demo county, and generators for tests and benchmarks.
//!
//! The demo is a small but realistic county medical community: one
//! logistics centre, the county hospital, three township health centres with
//! two village clinics each, about fifty drugs and consumables, batches with
//! expiries spread from already-expired to two years out (relative to the
//! day the demo is loaded, so it never goes stale), and opening stock posted
//! through the ledger like any other stock.

mod catalogue_data;
pub mod scale;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use std::collections::BTreeMap;
use uuid::Uuid;
use yaolian_backend::Result;
use yaolian_backend::catalogue::insert_item;
use yaolian_backend::clock::business_date;
use yaolian_backend::db::Database;
use yaolian_backend::entity::enums::{BatchStatus, InstitutionKind, MovementKind, Role};
use yaolian_backend::entity::{app_user, batch, community, institution, item, user_role};
use yaolian_backend::ledger::{self, Actor, Posting};

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

/// Loads the demo county unless it is already there; a second run adds
/// nothing. One transaction: a failure leaves no half-seeded county.
pub async fn seed_demo(db: &Database, password: &str, now: DateTime<Utc>) -> Result<DemoCounty> {
    if let Some(existing) = community::Entity::find()
        .filter(community::Column::Code.eq(DEMO_COMMUNITY_CODE))
        .one(db.conn())
        .await?
    {
        return describe_existing(db, existing.id).await;
    }
    // All demo users share one password, so one argon2id hash (with its own
    // random salt) serves them all and the seed stays fast.
    let password_hash = yaolian_backend::auth::hash_password(password)?;
    let today = business_date(now);
    let txn = db.begin_write().await?;
    let mut county = DemoCounty {
        created: true,
        ..Default::default()
    };

    let community_id = Uuid::now_v7();
    community::ActiveModel {
        id: Set(community_id),
        code: Set(DEMO_COMMUNITY_CODE.into()),
        name: Set("示范县医共体 Demo County Medical Community".into()),
        created_at: Set(now),
        catalogue_version: Set(0),
    }
    .insert(&*txn)
    .await?;
    county.community_id = community_id;

    for inst in INSTITUTIONS {
        let id = Uuid::now_v7();
        let parent_id = inst
            .parent
            .and_then(|code| county.institutions.get(code).copied());
        institution::ActiveModel {
            id: Set(id),
            community_id: Set(community_id),
            code: Set(inst.code.into()),
            name: Set(inst.name.into()),
            kind: Set(inst.kind),
            parent_id: Set(parent_id),
            active: Set(true),
            created_at: Set(now),
        }
        .insert(&*txn)
        .await?;
        county.institutions.insert(inst.code.into(), id);
    }

    for user in DEMO_USERS {
        let id = Uuid::now_v7();
        app_user::ActiveModel {
            id: Set(id),
            institution_id: Set(county.institution(user.institution)),
            username: Set(user.username.into()),
            display_name: Set(user.display_name.into()),
            password_hash: Set(password_hash.clone()),
            active: Set(true),
            created_at: Set(now),
        }
        .insert(&*txn)
        .await?;
        for role in user.roles {
            user_role::ActiveModel {
                user_id: Set(id),
                role: Set(*role),
            }
            .insert(&*txn)
            .await?;
        }
        county.users.insert(user.username.into(), id);
    }
    let admin = county.users.get("admin").copied().unwrap_or_default();
    let actor = Actor {
        user_id: admin,
        now,
    };

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

    for (i, spec) in DEMO_ITEMS.iter().enumerate() {
        let draft = demo_draft(i, spec)
            .normalise()
            .map_err(yaolian_backend::Error::invalid)?;
        let item_id = insert_item(
            &txn,
            community_id,
            &draft,
            actor,
            today,
            yaolian_backend::entity::enums::ItemChange::Create,
        )
        .await?
        .id;
        county.items.insert(spec.code.into(), item_id);

        let batch_count = 2 + i % 2;
        for j in 0..batch_count {
            let days = SHELF_LIVES[(i + j) % SHELF_LIVES.len()] + (i as i64 % 7) * 3;
            let expiry = today + Duration::days(days);
            let lot = demo_lot(today, i, j);
            let batch_id =
                new_batch(&txn, item_id, &lot, expiry, BatchStatus::Available, now).await?;
            county.batches.insert(lot.clone(), batch_id);
            let units = spec.pack_size as i64 * (20 + (i as i64 * 7) % 30);
            post_opening(&txn, actor, centre, batch_id, units, spec.unit_cost_fen).await?;

            // The first batch of each item also stands on the members'
            // shelves, so clinics have stock to adjust, count and dispense.
            if j == 0 {
                for (code, stocked, per_batch) in &clinics {
                    if i < *stocked {
                        post_opening(
                            &txn,
                            actor,
                            county.institution(code),
                            batch_id,
                            *per_batch,
                            spec.unit_cost_fen,
                        )
                        .await?;
                    }
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
    let expired = new_batch(
        &txn,
        expired_item,
        "EXP2301X",
        today - Duration::days(10),
        BatchStatus::Available,
        now,
    )
    .await?;
    county.batches.insert("EXP2301X".into(), expired);
    post_opening(
        &txn,
        actor,
        county.institution("DEMO-VC0101"),
        expired,
        24,
        None,
    )
    .await?;
    let quarantined_item = county
        .items
        .get(DEMO_ITEMS[6].code)
        .copied()
        .unwrap_or_default();
    let quarantined = new_batch(
        &txn,
        quarantined_item,
        "QTN2402Q",
        today + Duration::days(300),
        BatchStatus::Quarantined,
        now,
    )
    .await?;
    county.batches.insert("QTN2402Q".into(), quarantined);
    post_opening(&txn, actor, centre, quarantined, 500, None).await?;

    txn.commit().await?;
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

async fn new_batch(
    txn: &yaolian_backend::db::WriteTxn,
    item_id: Uuid,
    lot: &str,
    expiry: NaiveDate,
    status: BatchStatus,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    batch::ActiveModel {
        id: Set(id),
        item_id: Set(item_id),
        lot_number: Set(lot.into()),
        expiry_date: Set(expiry),
        production_date: Set(Some(expiry - Duration::days(730))),
        status: Set(status),
        created_at: Set(now),
    }
    .insert(&**txn)
    .await?;
    Ok(id)
}

async fn post_opening(
    txn: &yaolian_backend::db::WriteTxn,
    actor: Actor,
    institution_id: Uuid,
    batch_id: Uuid,
    units: i64,
    unit_cost_fen: Option<i64>,
) -> Result<()> {
    ledger::post(
        txn,
        actor,
        Posting {
            institution_id,
            batch_id,
            quantity: units,
            kind: MovementKind::Opening,
            document: None,
            reason: Some("期初库存 opening stock".into()),
            unit_cost_fen,
            occurred_at: None,
        },
    )
    .await?;
    Ok(())
}

async fn describe_existing(db: &Database, community_id: Uuid) -> Result<DemoCounty> {
    let conn = db.conn();
    let institutions = institution::Entity::find()
        .filter(institution::Column::CommunityId.eq(community_id))
        .all(conn)
        .await?;
    let inst_ids: Vec<Uuid> = institutions.iter().map(|i| i.id).collect();
    let users = app_user::Entity::find()
        .filter(app_user::Column::InstitutionId.is_in(inst_ids))
        .all(conn)
        .await?;
    let items = item::Entity::find()
        .filter(item::Column::CommunityId.eq(community_id))
        .all(conn)
        .await?;
    let item_ids: Vec<Uuid> = items.iter().map(|i| i.id).collect();
    let batches = batch::Entity::find()
        .filter(batch::Column::ItemId.is_in(item_ids))
        .all(conn)
        .await?;
    Ok(DemoCounty {
        community_id,
        institutions: institutions.into_iter().map(|i| (i.code, i.id)).collect(),
        users: users.into_iter().map(|u| (u.username, u.id)).collect(),
        items: items.into_iter().map(|i| (i.code, i.id)).collect(),
        batches: batches.into_iter().map(|b| (b.lot_number, b.id)).collect(),
        created: false,
    })
}
