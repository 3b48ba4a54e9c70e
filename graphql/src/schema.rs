//! The schema: thin resolvers that parse arguments, call one backend
//! service and map the result.

use crate::auth::caller;
use crate::error::GqlResult;
use crate::extensions::ErrorCodes;
use crate::limits::{connection_complexity, take_rows};
use crate::types::{Institution, StockBalance, StockMovement, User};
use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{
    Context, EmptySubscription, ID, InputObject, MergedObject, Object, OutputType, Result, Schema,
    SimpleObject,
};
use chrono::{DateTime, Utc};
use uuid::Uuid;
use yaolian_backend::Backend;
use yaolian_backend::page::{Page, PageRequest};
use yaolian_backend::stock::AdjustStock;

pub type YaolianSchema = Schema<Query, Mutation, EmptySubscription>;

/// Deeper than any screen needs, shallow enough that no request can fan out
/// without bound.
pub const MAX_DEPTH: usize = 12;
/// Each connection weighs `first` × its selection, so this is roughly "rows
/// × fields": a full page of 200 rows with a dozen fields each fits, three
/// hundred aliased pages do not.
pub const MAX_COMPLEXITY: usize = 10_000;

pub fn build(backend: Backend) -> YaolianSchema {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .data(backend)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .extension(ErrorCodes)
        .extension(crate::observe::Observe)
        .finish()
}

/// The schema without a database, for printing the SDL.
pub fn sdl() -> String {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .finish()
        .sdl()
}

/// What an unpaginated list is weighed as in the complexity limit: about
/// the size of a county's list of institutions.
pub(crate) const LIST_WEIGHT: usize = 50;

/// The rows a page will return at most, for the request's allowance.
pub(crate) fn page_rows(first: Option<i32>) -> i64 {
    i64::from(first.unwrap_or(50).clamp(0, 200))
}

pub(crate) fn backend<'a>(ctx: &'a Context<'_>) -> &'a Backend {
    ctx.data_unchecked::<Backend>()
}

pub(crate) fn parse_id(id: &ID, field: &str) -> Result<Uuid> {
    Uuid::parse_str(id.as_str().trim()).map_err(|_| {
        crate::error::to_gql(yaolian_backend::Error::validation(
            field,
            format!("{:?} is not a valid id", id.as_str()),
            "编号无效",
        ))
    })
}

pub(crate) fn connection<T, N: OutputType>(
    page: Page<T>,
    node: impl Fn(T) -> N,
) -> Connection<String, N, EmptyFields, EmptyFields> {
    let mut conn = Connection::new(page.has_previous_page, page.has_next_page);
    conn.edges.extend(
        page.edges
            .into_iter()
            .map(|(cursor, value)| Edge::new(cursor, node(value))),
    );
    conn
}

#[derive(MergedObject, Default)]
pub struct Query(
    AuthQuery,
    DirectoryQuery,
    StockQuery,
    crate::catalogue::CatalogueQuery,
    crate::barcode::BarcodeQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    AuthMutation,
    DirectoryMutation,
    StockMutation,
    crate::catalogue::CatalogueMutation,
);

#[derive(Default)]
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// The signed-in user.
    async fn me(&self, ctx: &Context<'_>) -> Result<User> {
        let caller = caller(ctx)?;
        backend(ctx).me(caller).await.gql().map(User)
    }
}

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
        let outcome = backend(ctx)
            .login(&username, &password, client)
            .await
            .gql()?;
        if let Some(slot) = ctx.data_opt::<crate::loaders::LoaderSlot>() {
            slot.fill(backend(ctx), &std::sync::Arc::new(outcome.caller));
        }
        Ok(LoginPayload {
            token: outcome.token,
            expires_at: outcome.expires_at,
            user: User(outcome.user),
        })
    }

    /// Revokes the token this request was sent with.
    async fn logout(&self, ctx: &Context<'_>) -> Result<bool> {
        let caller = caller(ctx)?;
        backend(ctx).logout(caller).await.gql()
    }
}

#[derive(Default)]
pub struct DirectoryQuery;

#[Object]
impl DirectoryQuery {
    /// Every institution of the caller's community.
    #[graphql(complexity = "LIST_WEIGHT * child_complexity")]
    async fn institutions(&self, ctx: &Context<'_>) -> Result<Vec<Institution>> {
        let caller = caller(ctx)?;
        let list = backend(ctx).institutions(caller).await.gql()?;
        take_rows(ctx, list.len() as i64)?;
        Ok(list.into_iter().map(Institution).collect())
    }

    /// Administrators and auditors see every user; others see their own
    /// institution's.
    #[graphql(complexity = "LIST_WEIGHT * child_complexity")]
    async fn users(&self, ctx: &Context<'_>, institution_id: Option<ID>) -> Result<Vec<User>> {
        let caller = caller(ctx)?;
        let institution_id = institution_id
            .as_ref()
            .map(|id| parse_id(id, "institutionId"))
            .transpose()?;
        let list = backend(ctx).users(caller, institution_id).await.gql()?;
        take_rows(ctx, list.len() as i64)?;
        Ok(list.into_iter().map(User).collect())
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
        let caller = caller(ctx)?;
        let id = parse_id(&id, "id")?;
        backend(ctx)
            .deactivate_institution(caller, id, &reason)
            .await
            .gql()
            .map(Institution)
    }

    async fn reactivate_institution(&self, ctx: &Context<'_>, id: ID) -> Result<Institution> {
        let caller = caller(ctx)?;
        let id = parse_id(&id, "id")?;
        backend(ctx)
            .reactivate_institution(caller, id)
            .await
            .gql()
            .map(Institution)
    }
}

#[derive(Default)]
pub struct StockQuery;

#[Object]
impl StockQuery {
    /// Stock balances of one institution, soonest expiry first.
    #[graphql(complexity = "connection_complexity(first, child_complexity)")]
    async fn stock(
        &self,
        ctx: &Context<'_>,
        institution_id: ID,
        item_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, StockBalance, EmptyFields, EmptyFields>> {
        let caller = caller(ctx)?;
        take_rows(ctx, page_rows(first))?;
        let institution_id = parse_id(&institution_id, "institutionId")?;
        let item_id = item_id
            .as_ref()
            .map(|id| parse_id(id, "itemId"))
            .transpose()?;
        let page = backend(ctx)
            .stock(
                caller,
                institution_id,
                item_id,
                PageRequest { first, after },
            )
            .await
            .gql()?;
        Ok(connection(page, StockBalance))
    }

    /// Every movement of one batch at one institution, in posting order.
    #[graphql(complexity = "connection_complexity(first, child_complexity)")]
    async fn stock_card(
        &self,
        ctx: &Context<'_>,
        institution_id: ID,
        batch_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, StockMovement, EmptyFields, EmptyFields>> {
        let caller = caller(ctx)?;
        take_rows(ctx, page_rows(first))?;
        let institution_id = parse_id(&institution_id, "institutionId")?;
        let batch_id = parse_id(&batch_id, "batchId")?;
        let page = backend(ctx)
            .stock_card(
                caller,
                institution_id,
                batch_id,
                PageRequest { first, after },
            )
            .await
            .gql()?;
        Ok(connection(page, StockMovement))
    }
}

#[derive(InputObject)]
pub struct AdjustStockInput {
    pub institution_id: ID,
    pub batch_id: ID,
    /// Signed change in base units; not 0.
    pub quantity: i32,
    pub reason: String,
    /// Generated by the client once per intended adjustment; a replay
    /// returns the first result and posts nothing.
    pub client_request_id: ID,
}

#[derive(Default)]
pub struct StockMutation;

#[Object]
impl StockMutation {
    async fn adjust_stock(
        &self,
        ctx: &Context<'_>,
        input: AdjustStockInput,
    ) -> Result<StockMovement> {
        let caller = caller(ctx)?;
        let command = AdjustStock {
            institution_id: parse_id(&input.institution_id, "institutionId")?,
            batch_id: parse_id(&input.batch_id, "batchId")?,
            quantity: i64::from(input.quantity),
            reason: input.reason,
            client_request_id: input.client_request_id.to_string(),
        };
        backend(ctx)
            .adjust_stock(caller, command)
            .await
            .gql()
            .map(StockMovement)
    }
}
