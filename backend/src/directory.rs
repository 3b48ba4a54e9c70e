//! Institutions and users: who is who in the community.

use crate::Backend;
use crate::authz::{self, Action, Caller, Scope, Target};
use crate::command::{Audit, Command, Effect};
use crate::entity::enums::{InstitutionKind, Role};
use crate::entity::{app_user, institution, user_role};
use crate::error::{Error, Result, StateReason};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct UserView {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub institution: institution::Model,
    /// A deactivated user cannot sign in.
    pub active: bool,
}

impl Backend {
    /// An institution the caller's community owns; another community's is
    /// reported as not found rather than forbidden, so ids do not leak.
    pub(crate) async fn institution_in_community(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<institution::Model> {
        institution::Entity::find_by_id(id)
            .one(self.db.conn())
            .await?
            .filter(|i| i.community_id == caller.community_id)
            .ok_or_else(|| Error::not_found("institution", id))
    }

    pub(crate) fn scope(inst: &institution::Model) -> Scope {
        Scope::Institution(Target {
            institution_id: inst.id,
            community_id: inst.community_id,
        })
    }

    pub async fn me(&self, caller: &Caller) -> Result<UserView> {
        self.user_by_id(caller.user_id).await
    }

    pub(crate) async fn user_by_id(&self, id: Uuid) -> Result<UserView> {
        let user = app_user::Entity::find_by_id(id)
            .one(self.db.conn())
            .await?
            .ok_or_else(|| Error::not_found("user", id))?;
        self.user_view(user).await
    }

    pub(crate) async fn user_view(&self, user: app_user::Model) -> Result<UserView> {
        let mut views = self.user_views(vec![user]).await?;
        views
            .pop()
            .ok_or_else(|| Error::internal("a user's view was not built"))
    }

    async fn user_views(&self, users: Vec<app_user::Model>) -> Result<Vec<UserView>> {
        let conn = self.db.conn();
        let user_ids: Vec<Uuid> = users.iter().map(|u| u.id).collect();
        let inst_ids: Vec<Uuid> = users.iter().map(|u| u.institution_id).collect();
        let mut roles: HashMap<Uuid, Vec<Role>> = HashMap::new();
        for r in user_role::Entity::find()
            .filter(user_role::Column::UserId.is_in(user_ids))
            .all(conn)
            .await?
        {
            roles.entry(r.user_id).or_default().push(r.role);
        }
        let institutions: HashMap<Uuid, institution::Model> = institution::Entity::find()
            .filter(institution::Column::Id.is_in(inst_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|i| (i.id, i))
            .collect();
        users
            .into_iter()
            .map(|u| {
                let mut user_roles = roles.remove(&u.id).unwrap_or_default();
                user_roles.sort();
                let institution = institutions
                    .get(&u.institution_id)
                    .cloned()
                    .ok_or_else(|| Error::not_found("institution", u.institution_id))?;
                Ok(UserView {
                    active: u.active,
                    id: u.id,
                    username: u.username,
                    display_name: u.display_name,
                    roles: user_roles,
                    institution,
                })
            })
            .collect()
    }

    /// Every institution of the caller's community, by code.
    pub async fn institutions(&self, caller: &Caller) -> Result<Vec<institution::Model>> {
        authz::authorize(
            caller,
            Action::ReadDirectory,
            Scope::Community(caller.community_id),
        )?;
        Ok(institution::Entity::find()
            .filter(institution::Column::CommunityId.eq(caller.community_id))
            .order_by_asc(institution::Column::Code)
            .all(self.db.conn())
            .await?)
    }

    /// Institutions by id, for batched loading. Only the caller's community.
    pub async fn institutions_by_ids(
        &self,
        caller: &Caller,
        ids: &[Uuid],
    ) -> Result<Vec<institution::Model>> {
        Ok(institution::Entity::find()
            .filter(institution::Column::Id.is_in(ids.to_vec()))
            .filter(institution::Column::CommunityId.eq(caller.community_id))
            .all(self.db.conn())
            .await?)
    }

    /// Administrators and auditors list anyone in the community; everyone
    /// else lists their own institution's users.
    pub async fn users(
        &self,
        caller: &Caller,
        institution_id: Option<Uuid>,
    ) -> Result<Vec<UserView>> {
        let conn = self.db.conn();
        let scope: Vec<Uuid> = match institution_id {
            Some(id) => {
                let inst = self.institution_in_community(caller, id).await?;
                authz::authorize(caller, Action::ListUsers, Self::scope(&inst))?;
                vec![inst.id]
            }
            None if authz::authorize(
                caller,
                Action::ListUsers,
                Scope::Community(caller.community_id),
            )
            .is_ok() =>
            {
                self.institutions(caller)
                    .await?
                    .into_iter()
                    .map(|i| i.id)
                    .collect()
            }
            None => vec![caller.institution_id],
        };
        let users = app_user::Entity::find()
            .filter(app_user::Column::InstitutionId.is_in(scope))
            .order_by_asc(app_user::Column::Username)
            .all(conn)
            .await?;
        self.user_views(users).await
    }

    /// Takes an institution out of service: its users can no longer sign
    /// in and their sessions stop working at once; stock can still leave it
    /// (returns, write-offs) but nothing new can arrive. The logistics
    /// centre cannot be deactivated: every member depends on it.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn deactivate_institution(
        &self,
        caller: &Caller,
        id: Uuid,
        reason: &str,
    ) -> Result<institution::Model> {
        self.set_institution_active(caller, id, false, Some(reason))
            .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn reactivate_institution(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<institution::Model> {
        self.set_institution_active(caller, id, true, None).await
    }

    async fn set_institution_active(
        &self,
        caller: &Caller,
        id: Uuid,
        active: bool,
        reason: Option<&str>,
    ) -> Result<institution::Model> {
        let operation = if active {
            "reactivateInstitution"
        } else {
            "deactivateInstitution"
        };
        let reason = reason.map(crate::stock::require_reason).transpose()?;
        let inst = self.institution_in_community(caller, id).await?;
        authz::authorize(caller, Action::AdministerInstitutions, Self::scope(&inst))?;
        if !active && inst.kind == InstitutionKind::LogisticsCentre {
            return Err(Error::illegal_state(
                StateReason::CentreRequired,
                "the logistics centre cannot be deactivated: every member depends on it",
            ));
        }
        self.run(
            Command {
                operation,
                user_id: caller.user_id,
                idempotency: None,
            },
            async |txn, _now| {
                // Guarded on the current state, so two administrators racing
                // get one success and one ILLEGAL_STATE.
                let changed = institution::Entity::update_many()
                    .col_expr(institution::Column::Active, Expr::value(active))
                    .filter(institution::Column::Id.eq(inst.id))
                    .filter(institution::Column::Active.eq(!active))
                    .exec(&**txn)
                    .await?;
                if changed.rows_affected != 1 {
                    return Err(Error::illegal_state(
                        StateReason::InstitutionUnchanged,
                        if active {
                            "this institution is already active"
                        } else {
                            "this institution is already deactivated"
                        },
                    ));
                }
                Ok(Effect::Changed {
                    value: (),
                    result_id: inst.id,
                    audit: Audit {
                        institution_id: Some(inst.id),
                        entity_type: "institution",
                        entity_ids: vec![inst.id],
                        detail: Some(serde_json::json!({ "reason": reason })),
                    },
                })
            },
        )
        .await?;
        Ok(institution::Model { active, ..inst })
    }
}
