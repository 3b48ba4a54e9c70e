//! A minimal community for ledger tests: one centre, one clinic, one user,
//! one item. Runs on SQLite, or on PostgreSQL when `DATABASE_URL` says so.
#![allow(dead_code)]

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use uuid::Uuid;
use yaolian_backend::clock::business_date;
use yaolian_backend::db::Database;
use yaolian_backend::entity::enums::{BatchStatus, InstitutionKind, ItemStatus, Role};
use yaolian_backend::entity::{
    app_user, batch, community, institution, item, stock_balance, user_role,
};
use yaolian_backend::ledger::Actor;
use yaolian_backend::testkit::{ScratchDb, postgres_url, scratch_database_on};

pub struct Fixture {
    pub scratch: ScratchDb,
    pub community: Uuid,
    pub centre: Uuid,
    pub clinic: Uuid,
    pub user: Uuid,
    pub item: Uuid,
    pub now: DateTime<Utc>,
}

impl Fixture {
    pub async fn new() -> Self {
        Self::on(postgres_url().as_deref()).await
    }

    /// Always a SQLite file, for what only SQLite has (file backups).
    pub async fn sqlite() -> Self {
        Self::on(None).await
    }

    async fn on(postgres: Option<&str>) -> Self {
        let scratch = scratch_database_on(postgres)
            .await
            .expect("scratch database");
        let now = Utc.with_ymd_and_hms(2026, 6, 15, 2, 0, 0).unwrap();
        let conn = scratch.db.conn();
        let community_id = Uuid::now_v7();
        community::ActiveModel {
            id: Set(community_id),
            code: Set(format!("C{}", &community_id.simple().to_string()[16..])),
            name: Set("test".into()),
            created_at: Set(now),
            catalogue_version: Set(0),
        }
        .insert(conn)
        .await
        .unwrap();
        let mut ids = vec![];
        for kind in [
            InstitutionKind::LogisticsCentre,
            InstitutionKind::VillageClinic,
        ] {
            let id = Uuid::now_v7();
            institution::ActiveModel {
                id: Set(id),
                community_id: Set(community_id),
                code: Set(id.simple().to_string()[16..].to_string()),
                name: Set(format!("{kind:?}")),
                kind: Set(kind),
                parent_id: Set(None),
                active: Set(true),
                created_at: Set(now),
            }
            .insert(conn)
            .await
            .unwrap();
            ids.push(id);
        }
        let user = Uuid::now_v7();
        app_user::ActiveModel {
            id: Set(user),
            institution_id: Set(ids[0]),
            username: Set(format!("u{}", user.simple())),
            display_name: Set("tester".into()),
            password_hash: Set("x".into()),
            active: Set(true),
            created_at: Set(now),
        }
        .insert(conn)
        .await
        .unwrap();
        user_role::ActiveModel {
            user_id: Set(user),
            role: Set(Role::Warehouse),
        }
        .insert(conn)
        .await
        .unwrap();
        let item_id = Uuid::now_v7();
        item::ActiveModel {
            id: Set(item_id),
            community_id: Set(community_id),
            code: Set("T0001".into()),
            generic_name: Set("阿莫西林胶囊".into()),
            english_name: Set("Amoxicillin Capsules".into()),
            dosage_form: Set("胶囊剂".into()),
            strength: Set("0.25g".into()),
            base_unit: Set("粒".into()),
            status: Set(ItemStatus::Active),
            created_at: Set(now),
            updated_at: Set(now),
            // The catalogue attributes keep their column defaults.
            ..Default::default()
        }
        .insert(conn)
        .await
        .unwrap();
        Fixture {
            scratch,
            community: community_id,
            centre: ids[0],
            clinic: ids[1],
            user,
            item: item_id,
            now,
        }
    }

    pub fn db(&self) -> &Database {
        &self.scratch.db
    }

    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.user,
            now: self.now,
        }
    }

    pub fn today(&self) -> NaiveDate {
        business_date(self.now)
    }

    pub async fn batch(&self, lot: &str, status: BatchStatus, expires_in_days: i64) -> Uuid {
        let id = Uuid::now_v7();
        batch::ActiveModel {
            id: Set(id),
            item_id: Set(self.item),
            lot_number: Set(lot.into()),
            expiry_date: Set(self.today() + Duration::days(expires_in_days)),
            production_date: Set(None),
            status: Set(status),
            created_at: Set(self.now),
        }
        .insert(self.db().conn())
        .await
        .unwrap();
        id
    }

    pub async fn balance(&self, institution: Uuid, batch: Uuid) -> Option<stock_balance::Model> {
        stock_balance::Entity::find_by_id((institution, batch))
            .one(self.db().conn())
            .await
            .unwrap()
    }

    /// Quarantine or recall a batch, as a recall would (tests only).
    pub async fn set_batch_status(&self, id: Uuid, status: BatchStatus) {
        batch::ActiveModel {
            id: Set(id),
            status: Set(status),
            ..Default::default()
        }
        .update(self.db().conn())
        .await
        .unwrap();
    }
}
