//! The narrow door through which the demo county and the benchmarks' data
//! are loaded: a few typed steps in one write transaction. It is the only
//! way in from outside the backend that creates rows without a caller (the
//! entities, the ledger and the connection are the backend's own), and its
//! one stock step posts an OPENING through the ledger like any other
//! movement.

use crate::catalogue::{ItemDraft, insert_items};
use crate::clock::business_date;
use crate::db::{Database, WriteTxn};
use crate::entity::enums::{BatchStatus, InstitutionKind, ItemChange, MovementKind, Role};
use crate::entity::{app_user, batch, community, institution, item, user_role};
use crate::error::Result;
use crate::ledger::{self, Actor, Posting};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use std::collections::HashMap;
use uuid::Uuid;

/// One load: everything it writes commits together or not at all.
pub struct Loader {
    txn: WriteTxn,
    now: DateTime<Utc>,
    /// Who the catalogue versions and opening movements name; set once the
    /// first user exists.
    actor: Option<Uuid>,
}

/// What a community holds, by code: for a second run that adds nothing.
#[derive(Debug, Default, Clone)]
pub struct Directory {
    pub institutions: HashMap<String, Uuid>,
    pub users: HashMap<String, Uuid>,
    pub items: HashMap<String, Uuid>,
    pub batches: HashMap<String, Uuid>,
}

/// The community with this code, if it exists.
pub async fn find_community(db: &Database, code: &str) -> Result<Option<Uuid>> {
    Ok(community::Entity::find()
        .filter(community::Column::Code.eq(code))
        .one(db.conn())
        .await?
        .map(|c| c.id))
}

/// Every institution, user, item and batch of a community, by code, username
/// and lot.
pub async fn directory(db: &Database, community_id: Uuid) -> Result<Directory> {
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
    Ok(Directory {
        institutions: institutions.into_iter().map(|i| (i.code, i.id)).collect(),
        users: users.into_iter().map(|u| (u.username, u.id)).collect(),
        items: items.into_iter().map(|i| (i.code, i.id)).collect(),
        batches: batches.into_iter().map(|b| (b.lot_number, b.id)).collect(),
    })
}

impl Loader {
    /// Starts a load at `now` (the business date of `now` is the effective
    /// date of the catalogue it creates).
    pub async fn begin(db: &Database, now: DateTime<Utc>) -> Result<Loader> {
        Ok(Loader {
            txn: db.begin_write().await?,
            now,
            actor: None,
        })
    }

    pub async fn commit(self) -> Result<()> {
        self.txn.commit().await
    }

    fn actor(&self) -> Actor {
        Actor {
            user_id: self.actor.unwrap_or_default(),
            now: self.now,
        }
    }

    /// The user who stands in the catalogue history and the opening
    /// movements.
    pub fn act_as(&mut self, user_id: Uuid) {
        self.actor = Some(user_id);
    }

    pub async fn community(&mut self, code: &str, name: &str) -> Result<Uuid> {
        let id = Uuid::now_v7();
        community::ActiveModel {
            id: Set(id),
            code: Set(code.into()),
            name: Set(name.into()),
            created_at: Set(self.now),
            catalogue_version: Set(0),
        }
        .insert(&*self.txn)
        .await?;
        Ok(id)
    }

    pub async fn institution(
        &mut self,
        community_id: Uuid,
        code: &str,
        name: &str,
        kind: InstitutionKind,
        parent_id: Option<Uuid>,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        institution::ActiveModel {
            id: Set(id),
            community_id: Set(community_id),
            code: Set(code.into()),
            name: Set(name.into()),
            kind: Set(kind),
            parent_id: Set(parent_id),
            active: Set(true),
            created_at: Set(self.now),
        }
        .insert(&*self.txn)
        .await?;
        Ok(id)
    }

    /// A user with an argon2id hash made by `auth::hash_password`.
    pub async fn user(
        &mut self,
        institution_id: Uuid,
        username: &str,
        display_name: &str,
        password_hash: &str,
        roles: &[Role],
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        app_user::ActiveModel {
            id: Set(id),
            institution_id: Set(institution_id),
            username: Set(username.into()),
            display_name: Set(display_name.into()),
            password_hash: Set(password_hash.into()),
            active: Set(true),
            created_at: Set(self.now),
        }
        .insert(&*self.txn)
        .await?;
        for role in roles {
            user_role::ActiveModel {
                user_id: Set(id),
                role: Set(*role),
            }
            .insert(&*self.txn)
            .await?;
        }
        Ok(id)
    }

    /// Catalogue items from normalised drafts, versioned as CREATE.
    pub async fn items(&mut self, community_id: Uuid, drafts: &[&ItemDraft]) -> Result<Vec<Uuid>> {
        let today = business_date(self.now);
        insert_items(
            &self.txn,
            community_id,
            drafts,
            self.actor(),
            today,
            ItemChange::Create,
        )
        .await
    }

    pub async fn batch(
        &mut self,
        item_id: Uuid,
        lot: &str,
        expiry: NaiveDate,
        production: Option<NaiveDate>,
        status: BatchStatus,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        batch::ActiveModel {
            id: Set(id),
            item_id: Set(item_id),
            lot_number: Set(lot.into()),
            expiry_date: Set(expiry),
            production_date: Set(production),
            status: Set(status),
            created_at: Set(self.now),
        }
        .insert(&*self.txn)
        .await?;
        Ok(id)
    }

    /// Opening stock: an OPENING movement through the ledger.
    pub async fn opening_stock(
        &mut self,
        institution_id: Uuid,
        batch_id: Uuid,
        units: i64,
        unit_cost_fen: Option<i64>,
    ) -> Result<()> {
        ledger::post(
            &self.txn,
            self.actor(),
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

    /// Past use, through the ledger: an OPENING of `opening` units at
    /// `opened_at`, then each `(when, units)` dispensed (DISPENSE). The
    /// demo county's and the benchmarks' consumption history, which the
    /// replenishment suggestions read.
    pub async fn history(
        &mut self,
        institution_id: Uuid,
        batch_id: Uuid,
        opening: i64,
        unit_cost_fen: Option<i64>,
        opened_at: DateTime<Utc>,
        dispensed: &[(DateTime<Utc>, i64)],
    ) -> Result<()> {
        let mut postings = Vec::with_capacity(dispensed.len() + 1);
        postings.push(Posting {
            institution_id,
            batch_id,
            quantity: opening,
            kind: MovementKind::Opening,
            document: None,
            reason: Some("期初库存 opening stock".into()),
            unit_cost_fen,
            occurred_at: Some(opened_at),
        });
        for (at, units) in dispensed {
            postings.push(Posting {
                institution_id,
                batch_id,
                quantity: -units,
                kind: MovementKind::Dispense,
                document: None,
                reason: None,
                unit_cost_fen,
                occurred_at: Some(*at),
            });
        }
        // One batch at one institution: post_many keeps their order.
        ledger::post_many(&self.txn, self.actor(), postings).await?;
        Ok(())
    }
}
