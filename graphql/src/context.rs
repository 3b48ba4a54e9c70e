//! What every resolver needs from the request, in one leaf module: the
//! backend, the signed-in caller, ids and pages. Nothing here knows a
//! domain area.

use crate::auth::Auth;
use crate::loaders::{LoaderSlot, Loaders};
use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, ID, OutputType, Result};
use uuid::Uuid;
use yaolian_backend::Backend;
use yaolian_backend::authz::Caller;
use yaolian_backend::error::{AuthFailure, Error};
use yaolian_backend::page::Page;

/// `ctx.backend()`, `ctx.caller()?` in resolvers.
pub(crate) trait ContextExt {
    fn backend(&self) -> &Backend;
    /// The signed-in caller, or `UNAUTHENTICATED` saying why not.
    fn caller(&self) -> Result<&Caller>;
}

impl ContextExt for Context<'_> {
    fn backend(&self) -> &Backend {
        self.data_unchecked::<Backend>()
    }

    fn caller(&self) -> Result<&Caller> {
        self.data_opt::<Auth>()
            .unwrap_or(&Auth::Anonymous)
            .caller()
            .map_err(crate::error::to_gql)
    }
}

/// What an unpaginated list is weighed as in the complexity limit: about
/// the size of a county's list of institutions.
pub(crate) const LIST_WEIGHT: usize = 50;

/// The rows a page will return at most, for the request's allowance.
pub(crate) fn page_rows(first: Option<i32>) -> i64 {
    i64::from(first.unwrap_or(50).clamp(0, 200))
}

pub(crate) fn parse_id(id: &ID, field: &str) -> Result<Uuid> {
    Uuid::parse_str(id.as_str().trim()).map_err(|_| {
        crate::error::to_gql(Error::validation(
            field,
            format!("{:?} is not a valid id", id.as_str()),
            "编号无效",
        ))
    })
}

/// A backend page as a Relay connection.
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

/// The request's DataLoaders (present once someone is signed in).
pub(crate) fn loaders<'a>(ctx: &'a Context<'_>) -> Result<&'a Loaders> {
    ctx.data_opt::<LoaderSlot>()
        .and_then(LoaderSlot::get)
        .ok_or_else(|| crate::error::to_gql(Error::Unauthenticated(AuthFailure::MissingToken)))
}

pub(crate) fn not_found(entity: &'static str, id: Uuid) -> async_graphql::Error {
    crate::error::to_gql(Error::not_found(entity, id))
}

/// A business day, `YYYY-MM-DD`, as the statement arguments name it
/// (`Date!`); the same text as the `NaiveDate` fields.
#[derive(Debug, Clone, Copy)]
pub struct Date(pub chrono::NaiveDate);

#[async_graphql::Scalar(name = "Date")]
impl async_graphql::ScalarType for Date {
    fn parse(value: async_graphql::Value) -> async_graphql::InputValueResult<Self> {
        match &value {
            async_graphql::Value::String(s) => s
                .trim()
                .parse()
                .map(Date)
                .map_err(|_| async_graphql::InputValueError::custom("a day is YYYY-MM-DD")),
            _ => Err(async_graphql::InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> async_graphql::Value {
        async_graphql::Value::String(self.0.to_string())
    }
}
