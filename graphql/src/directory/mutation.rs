//! Signing in and out; institutions in and out of service.

use super::types::{Institution, User};
use crate::context::{ContextExt, parse_id};
use crate::error::GqlResult;
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

#[derive(SimpleObject)]
pub struct LoginPayload {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
    expires_at: DateTime<Utc>,
    user: User,
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    async fn login(
        &self,
        ctx: &Context<'_>,
        username: String,
        password: String,
    ) -> Result<LoginPayload> {
        crate::limits::take_login(ctx)?;
        let client = ctx
            .data_opt::<yaolian_backend::auth::ClientInfo>()
            .copied()
            .unwrap_or_default();
        let outcome = ctx
            .backend()
            .login(&username, &password, client)
            .await
            .gql()?;
        if let Some(slot) = ctx.data_opt::<crate::loaders::LoaderSlot>() {
            slot.fill(ctx.backend(), &std::sync::Arc::new(outcome.caller));
        }
        Ok(LoginPayload {
            token: outcome.token,
            expires_at: outcome.expires_at,
            user: User(outcome.user),
        })
    }

    /// Revokes the token this request was sent with.
    async fn logout(&self, ctx: &Context<'_>) -> Result<bool> {
        let caller = ctx.caller()?;
        ctx.backend().logout(caller).await.gql()
    }
}

#[derive(Default)]
pub struct DirectoryMutation;

#[Object]
impl DirectoryMutation {
    /// Takes an institution out of service (ADMIN at the logistics centre):
    /// its users' sessions stop working and they cannot sign in; its stock
    /// can still be returned or written off, but nothing new arrives.
    async fn deactivate_institution(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
    ) -> Result<Institution> {
        let caller = ctx.caller()?;
        let id = parse_id(&id, "id")?;
        ctx.backend()
            .deactivate_institution(caller, id, &reason)
            .await
            .gql()
            .map(Institution)
    }

    async fn reactivate_institution(&self, ctx: &Context<'_>, id: ID) -> Result<Institution> {
        let caller = ctx.caller()?;
        let id = parse_id(&id, "id")?;
        ctx.backend()
            .reactivate_institution(caller, id)
            .await
            .gql()
            .map(Institution)
    }
}
