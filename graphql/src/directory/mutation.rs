//! Signing in and out; institutions in and out of service; user accounts.

use super::types::{Institution, Role, User};
use crate::context::{ContextExt, parse_id};
use crate::error::GqlResult;
use async_graphql::InputObject;
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use yaolian_backend::accounts::NewUser;

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

#[derive(InputObject)]
pub struct CreateUserInput {
    /// Letters, digits, '.', '_' and '-'; stored in lower case.
    username: String,
    display_name: String,
    institution_id: ID,
    roles: Vec<Role>,
    /// At least 10 characters; common passwords are refused.
    password: String,
}

#[derive(Default)]
pub struct AccountMutation;

/// User accounts: ADMIN at the logistics centre, except `changePassword`,
/// which is everyone's own.
#[Object]
impl AccountMutation {
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> Result<User> {
        let caller = ctx.caller()?;
        let institution_id = parse_id(&input.institution_id, "institutionId")?;
        ctx.backend()
            .create_user(
                caller,
                NewUser {
                    username: input.username,
                    display_name: input.display_name,
                    institution_id,
                    roles: input.roles.into_iter().map(Into::into).collect(),
                    password: input.password,
                },
            )
            .await
            .gql()
            .map(User)
    }

    /// The user can no longer sign in, and their open sessions end at once.
    async fn deactivate_user(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<User> {
        let caller = ctx.caller()?;
        let id = parse_id(&id, "id")?;
        ctx.backend()
            .deactivate_user(caller, id, &reason)
            .await
            .gql()
            .map(User)
    }

    async fn reactivate_user(&self, ctx: &Context<'_>, id: ID) -> Result<User> {
        let caller = ctx.caller()?;
        let id = parse_id(&id, "id")?;
        ctx.backend()
            .reactivate_user(caller, id)
            .await
            .gql()
            .map(User)
    }

    /// Sets a new password for a user; their open sessions end.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        id: ID,
        new_password: String,
    ) -> Result<bool> {
        let caller = ctx.caller()?;
        let id = parse_id(&id, "id")?;
        ctx.backend()
            .reset_password(caller, id, new_password)
            .await
            .gql()
    }

    /// Changes the caller's own password; their other sessions end.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        new_password: String,
    ) -> Result<bool> {
        let caller = ctx.caller()?;
        ctx.backend()
            .change_password(caller, current_password, new_password)
            .await
            .gql()
    }
}
