//! Several entities read by one statement: each entity's columns selected
//! under its table alias as a prefix (`b_lot_number`), and decoded back
//! into its model, `None` where an outer join found no row.
//!
//! For the paths a scanner waits on, where four reads side by side still
//! cost four trips to the database's worker and four decodes, and the
//! server is CPU-bound on exactly that at eight concurrent scanners.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, SelectStatement};
use sea_orm::{
    DbErr, EntityTrait, FromQueryResult, IdenStatic, Iterable, PrimaryKeyToColumn, QueryResult,
};

/// The marker column that says whether `table`'s row was found.
fn found(table: &str) -> String {
    format!("{table}__found")
}

/// Selects every column of `E`, read from the table aliased `table`, as
/// `{table}_{column}`, and a marker of whether that row exists.
pub(crate) fn select<E: EntityTrait>(q: &mut SelectStatement, table: &str) {
    for c in E::Column::iter() {
        q.expr_as(
            Expr::col((Alias::new(table), c)),
            Alias::new(format!("{table}_{}", c.as_str())),
        );
    }
    if let Some(key) = E::PrimaryKey::iter().next() {
        q.expr_as(
            Expr::col((Alias::new(table), key.into_column())).is_not_null(),
            Alias::new(found(table)),
        );
    }
}

/// `table`'s model in `row`, `None` where an outer join found none.
pub(crate) fn model<E: EntityTrait>(
    row: &QueryResult,
    table: &str,
) -> Result<Option<E::Model>, DbErr>
where
    E::Model: FromQueryResult,
{
    if !row.try_get::<bool>("", &found(table))? {
        return Ok(None);
    }
    E::Model::from_query_result(row, &format!("{table}_")).map(Some)
}
