//! Balances and stock cards.

use super::types::{StockBalance, StockMovement};
use crate::context::{ContextExt, connection, page_rows, parse_id};
use crate::error::GqlResult;
use crate::limits::{connection_complexity, take_rows};
use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, ID, Object, Result};
use yaolian_backend::page::PageRequest;

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
        let caller = ctx.caller()?;
        take_rows(ctx, page_rows(first))?;
        let institution_id = parse_id(&institution_id, "institutionId")?;
        let item_id = item_id
            .as_ref()
            .map(|id| parse_id(id, "itemId"))
            .transpose()?;
        let page = ctx
            .backend()
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
        let caller = ctx.caller()?;
        take_rows(ctx, page_rows(first))?;
        let institution_id = parse_id(&institution_id, "institutionId")?;
        let batch_id = parse_id(&batch_id, "batchId")?;
        let page = ctx
            .backend()
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
