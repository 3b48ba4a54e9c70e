//! The directory's GraphQL types: institutions and users.

use crate::context::{loaders, not_found};
use async_graphql::{Context, Enum, ID, Object, Result};
use uuid::Uuid;
use yaolian_backend::directory::UserView;
use yaolian_backend::enums as be;
use yaolian_backend::model;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::InstitutionKind")]
pub enum InstitutionKind {
    LogisticsCentre,
    CountyHospital,
    TownshipHealthCentre,
    CommunityHealthCentre,
    VillageClinic,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::Role")]
pub enum Role {
    Admin,
    Buyer,
    Warehouse,
    Pharmacist,
    Doctor,
    Auditor,
}

pub(crate) async fn load_institution(ctx: &Context<'_>, id: Uuid) -> Result<Institution> {
    loaders(ctx)?
        .institutions
        .load_one(id)
        .await
        .map_err(|e| (*e).clone())?
        .map(Institution)
        .ok_or_else(|| not_found("institution", id))
}

pub struct User(pub UserView);

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn username(&self) -> &str {
        &self.0.username
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    async fn roles(&self) -> Vec<Role> {
        self.0.roles.iter().map(|r| (*r).into()).collect()
    }
    async fn institution(&self) -> Institution {
        Institution(self.0.institution.clone())
    }
    /// A deactivated user cannot sign in.
    async fn active(&self) -> bool {
        self.0.active
    }
}

pub struct Institution(pub model::Institution);

#[Object]
impl Institution {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> InstitutionKind {
        self.0.kind.into()
    }
    async fn active(&self) -> bool {
        self.0.active
    }
    /// The institution this one belongs to: a village clinic's township
    /// centre.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Institution>> {
        match self.0.parent_id {
            Some(id) => load_institution(ctx, id).await.map(Some),
            None => Ok(None),
        }
    }
}
