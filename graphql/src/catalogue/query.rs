//! Reading the unified catalogue: search, one item, its history.

use super::types::{Item, ItemKind, ItemVersion};
use crate::context::{ContextExt, connection, parse_id};
use crate::error::GqlResult;
use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, ID, Object, Result};
use yaolian_backend::page::PageRequest;

#[derive(Default)]
pub struct CatalogueQuery;

#[Object]
impl CatalogueQuery {
    /// Searches the unified catalogue: Chinese name (substring), pinyin
    /// initials or full pinyin, English name, item code, NHSA code or GTIN.
    /// Exact codes first, then prefixes, then substrings.
    #[graphql(complexity = "crate::limits::connection_complexity(first, child_complexity)")]
    async fn items(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        kind: Option<ItemKind>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Item, EmptyFields, EmptyFields>> {
        let caller = ctx.caller()?;
        crate::limits::take_rows(ctx, crate::context::page_rows(first))?;
        let page = ctx
            .backend()
            .search_items(
                caller,
                search.as_deref(),
                kind.map(Into::into),
                PageRequest { first, after },
            )
            .await
            .gql()?;
        Ok(connection(page, Item::from_view))
    }

    async fn item(&self, ctx: &Context<'_>, id: ID) -> Result<Item> {
        let caller = ctx.caller()?;
        let id = parse_id(&id, "id")?;
        ctx.backend()
            .item(caller, id)
            .await
            .gql()
            .map(Item::from_view)
    }

    /// Every version of an item: who changed what, when, effective when.
    #[graphql(complexity = "crate::context::LIST_WEIGHT * child_complexity")]
    async fn item_history(&self, ctx: &Context<'_>, item_id: ID) -> Result<Vec<ItemVersion>> {
        let caller = ctx.caller()?;
        let id = parse_id(&item_id, "itemId")?;
        let list = ctx.backend().item_history(caller, id).await.gql()?;
        crate::limits::take_rows(ctx, list.len() as i64)?;
        Ok(list.into_iter().map(ItemVersion).collect())
    }
}
