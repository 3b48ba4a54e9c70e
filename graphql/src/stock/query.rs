//! Balances and stock cards.

use super::types::{StockAvailability, StockBalance, StockMovement};
use crate::context::{ContextExt, connection, page_rows, parse_id};
use crate::error::GqlResult;
use crate::limits::{connection_complexity, take_rows};
use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, ID, Object, Result};
use yaolian_backend::page::PageRequest;
use yaolian_backend::stock::StockFilter;

#[derive(Default)]
pub struct StockQuery;

#[Object]
impl StockQuery {
    /// Stock balances of one institution, soonest expiry first. `search`
    /// filters by item as the catalogue search does (name, pinyin initials,
    /// codes); `inStockOnly` leaves out batches with nothing on hand.
    #[graphql(complexity = "connection_complexity(first, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn stock(
        &self,
        ctx: &Context<'_>,
        institution_id: ID,
        item_id: Option<ID>,
        search: Option<String>,
        #[graphql(default = false)] in_stock_only: bool,
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
                StockFilter {
                    item_id,
                    search: search.as_deref(),
                    include_empty: !in_stock_only,
                },
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

    /// What a doctor checks before prescribing: how much of an item can be
    /// used now at the pickup institution (default: the caller's own), its
    /// township centre, the county hospital and the logistics centre, and
    /// the alternatives. Any member may ask; no costs or batches are shown.
    async fn stock_availability(
        &self,
        ctx: &Context<'_>,
        item_id: ID,
        pickup_institution_id: Option<ID>,
    ) -> Result<StockAvailability> {
        let caller = ctx.caller()?;
        let item_id = parse_id(&item_id, "itemId")?;
        let pickup = pickup_institution_id
            .as_ref()
            .map(|id| parse_id(id, "pickupInstitutionId"))
            .transpose()?;
        ctx.backend()
            .stock_availability(caller, item_id, pickup)
            .await
            .gql()
            .map(StockAvailability)
    }

    /// `stockAvailability` for each hit of the catalogue search (name,
    /// pinyin initials, codes), best first; `first` at most 50, default 10.
    #[graphql(complexity = "20 * child_complexity")]
    async fn stock_search(
        &self,
        ctx: &Context<'_>,
        search: String,
        pickup_institution_id: Option<ID>,
        first: Option<i32>,
    ) -> Result<Vec<StockAvailability>> {
        let caller = ctx.caller()?;
        let pickup = pickup_institution_id
            .as_ref()
            .map(|id| parse_id(id, "pickupInstitutionId"))
            .transpose()?;
        Ok(ctx
            .backend()
            .stock_search(caller, &search, pickup, first)
            .await
            .gql()?
            .into_iter()
            .map(StockAvailability)
            .collect())
    }
}
