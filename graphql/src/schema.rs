//! The schema: each domain area's queries and mutations merged. Resolvers
//! are thin: they parse arguments, call one backend service and map the
//! result. A new area adds its `query` and `mutation` here.

use crate::extensions::ErrorCodes;
use crate::{barcode, catalogue, directory, distribution, procurement, stock};
use async_graphql::{EmptySubscription, MergedObject, Schema};
use yaolian_backend::Backend;

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

#[derive(MergedObject, Default)]
pub struct Query(
    directory::query::AuthQuery,
    directory::query::DirectoryQuery,
    stock::query::StockQuery,
    catalogue::query::CatalogueQuery,
    barcode::query::BarcodeQuery,
    procurement::query::ProcurementQuery,
    distribution::query::DistributionQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    directory::mutation::AuthMutation,
    directory::mutation::DirectoryMutation,
    directory::mutation::AccountMutation,
    stock::mutation::StockMutation,
    catalogue::mutation::CatalogueMutation,
    procurement::mutation::ProcurementMutation,
    distribution::mutation::DistributionMutation,
);
