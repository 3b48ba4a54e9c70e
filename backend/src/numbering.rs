//! Document numbers (`PO-2026-000123`): a sequence per community, document
//! prefix and year, drawn inside the command's transaction, so a number is
//! used exactly once and a rolled-back command gives its number back.

use crate::clock::business_date;
use crate::db::WriteTxn;
use crate::entity::document_sequence;
use crate::error::{Error, Result};
use chrono::{DateTime, Datelike, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{EntityTrait, Set};
use uuid::Uuid;
use yaolian_labels::document_number::DocumentNumber;

/// The next number of `prefix` (see `yaolian_labels::document_number::kind`)
/// in the community, in the year of the business date. One upsert: on
/// PostgreSQL the row lock orders concurrent commands; on SQLite the writer
/// lock already does.
///
/// It is [`next_many`] of one, and must stay the same statement: the
/// driver caches prepared statements by their text, so two upserts of the
/// same text binding the increment as different integer types (an `i32`
/// 1 here, an `i64` count there) make PostgreSQL read the second's 8 bytes
/// as the first's 4-byte parameter ("incorrect binary data format").
pub(crate) async fn next(
    txn: &WriteTxn,
    community_id: Uuid,
    prefix: &'static str,
    now: DateTime<Utc>,
) -> Result<String> {
    next_many(txn, community_id, prefix, now, 1)
        .await?
        .pop()
        .ok_or_else(|| Error::internal(format_args!("no document number of {prefix} was drawn")))
}

/// `n` consecutive numbers of `prefix` at once (one upsert), for a command
/// that makes many documents: a batch allocation's shipments.
pub(crate) async fn next_many(
    txn: &WriteTxn,
    community_id: Uuid,
    prefix: &'static str,
    now: DateTime<Utc>,
    n: usize,
) -> Result<Vec<String>> {
    use document_sequence::Column as C;
    if n == 0 {
        return Ok(Vec::new());
    }
    let count = i64::try_from(n).map_err(|_| Error::internal("too many document numbers"))?;
    let year = business_date(now).year();
    let row = document_sequence::Entity::insert(document_sequence::ActiveModel {
        community_id: Set(community_id),
        prefix: Set(prefix.to_string()),
        year: Set(year),
        last_value: Set(count),
    })
    .on_conflict(
        OnConflict::columns([C::CommunityId, C::Prefix, C::Year])
            .value(
                C::LastValue,
                Expr::col((document_sequence::Entity, C::LastValue)).add(count),
            )
            .to_owned(),
    )
    .exec_with_returning(&**txn)
    .await?;
    let first = row.last_value - count + 1;
    (first..=row.last_value)
        .map(|seq| {
            let sequence = u32::try_from(seq).unwrap_or(u32::MAX);
            DocumentNumber::new(prefix, year as u32, sequence)
                .map(|n| n.to_string())
                .map_err(|e| {
                    Error::internal(format_args!(
                        "document numbers of {prefix} for {year} are used up: {e}"
                    ))
                })
        })
        .collect()
}
