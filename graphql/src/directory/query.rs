//! Who is signed in, the community's institutions and users.

use super::types::{Institution, User};
use crate::context::{ContextExt, LIST_WEIGHT, parse_id};
use crate::error::GqlResult;
use crate::limits::take_rows;
use async_graphql::{Context, ID, Object, Result};

#[derive(Default)]
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// The signed-in user.
    async fn me(&self, ctx: &Context<'_>) -> Result<User> {
        let caller = ctx.caller()?;
        ctx.backend().me(caller).await.gql().map(User)
    }
}

#[derive(Default)]
pub struct DirectoryQuery;

#[Object]
impl DirectoryQuery {
    /// Every institution of the caller's community.
    #[graphql(complexity = "LIST_WEIGHT * child_complexity")]
    async fn institutions(&self, ctx: &Context<'_>) -> Result<Vec<Institution>> {
        let caller = ctx.caller()?;
        let list = ctx.backend().institutions(caller).await.gql()?;
        take_rows(ctx, list.len() as i64)?;
        Ok(list.into_iter().map(Institution).collect())
    }

    /// Administrators and auditors see every user; others see their own
    /// institution's.
    #[graphql(complexity = "LIST_WEIGHT * child_complexity")]
    async fn users(&self, ctx: &Context<'_>, institution_id: Option<ID>) -> Result<Vec<User>> {
        let caller = ctx.caller()?;
        let institution_id = institution_id
            .as_ref()
            .map(|id| parse_id(id, "institutionId"))
            .transpose()?;
        let list = ctx.backend().users(caller, institution_id).await.gql()?;
        take_rows(ctx, list.len() as i64)?;
        Ok(list.into_iter().map(User).collect())
    }
}
