//! The stock ledger: the only code that writes stock.
//!
//! Every change of stock is one append-only movement row plus an update of the
//! balance of that (institution, batch), in the caller's transaction. The
//! rules, which `verify` checks and the tests hammer:
//! - on-hand is never negative and reserved never exceeds on-hand (also
//!   enforced by CHECK constraints, as a second line);
//! - on-hand equals the sum of the pair's movements, and the balance's
//!   movement count equals the number of its movements (line numbers 1..n);
//! - reserved equals the sum of the pair's active reservations.
//!
//! Decrements are single guarded `UPDATE ... WHERE on_hand - reserved >= n`
//! statements and the rows affected decide: no read-then-write race, on
//! SQLite (no row locks) or PostgreSQL alike. A movement is never edited;
//! [`reverse`] posts its mirror image naming it.

use crate::clock::business_date;
use crate::db::WriteTxn;
use crate::entity::enums::{BatchStatus, DocumentType, MovementKind, ReservationStatus};
use crate::entity::{batch, institution, stock_balance, stock_movement, stock_reservation};
use crate::error::{BlockReason, Error, Result, StateReason};
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

/// The largest quantity one movement may carry, in base units. Far above any
/// real delivery, far below where sums could overflow.
pub const MAX_MOVEMENT_QUANTITY: i64 = 1_000_000_000;

/// The business document (and line of it) a movement or reservation serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRef {
    pub doc_type: DocumentType,
    pub id: Uuid,
    /// The line of the document, so that a pick, a receipt or a recall
    /// traces each movement to the line it served.
    pub line_id: Option<Uuid>,
    pub number: Option<String>,
}

/// What stock is being put to, as the blocked-batch rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Posting a movement of this kind.
    Post(MovementKind),
    /// Reserving stock for a document of this type.
    Reserve(DocumentType),
}

/// May a batch blocked for `reason` be put to `use`? One table, so that the
/// rules can be read (and tested) in one place:
///
/// | use                                         | quarantined | recalled | expired |
/// |---------------------------------------------|:-----------:|:--------:|:-------:|
/// | receipt, shipment out/in, dispense, adjust  | no          | no       | no      |
/// | opening, stocktake, return, recall, write-off | yes       | yes      | yes     |
/// | reserve for a RETURN                        | yes         | yes      | yes     |
/// | reserve for anything else                   | no          | no       | no      |
///
/// The "yes" rows exist precisely to get such stock out of the books or to
/// record what was counted.
pub fn allowed_when_blocked(purpose: Use, _reason: BlockReason) -> bool {
    match purpose {
        Use::Post(kind) => match kind {
            MovementKind::SupplierReceipt
            | MovementKind::ShipmentOut
            | MovementKind::ShipmentIn
            | MovementKind::Dispense
            | MovementKind::Adjustment => false,
            MovementKind::Opening
            | MovementKind::Stocktake
            | MovementKind::Return
            | MovementKind::Recall
            | MovementKind::WriteOff => true,
        },
        Use::Reserve(doc) => match doc {
            DocumentType::Return => true,
            DocumentType::GoodsReceipt
            | DocumentType::Shipment
            | DocumentType::Prescription
            | DocumentType::Stocktake
            | DocumentType::Recall => false,
        },
    }
}

/// Who posts, and when it is recorded.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub user_id: Uuid,
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Posting {
    pub institution_id: Uuid,
    pub batch_id: Uuid,
    /// Signed, in base units, never 0.
    pub quantity: i64,
    pub kind: MovementKind,
    pub document: Option<DocumentRef>,
    pub reason: Option<String>,
    pub unit_cost_fen: Option<i64>,
    /// When it happened; defaults to the recording time.
    pub occurred_at: Option<DateTime<Utc>>,
}

/// Why a batch may not be put to use on `today`, if it may not.
pub fn block_reason(batch: &batch::Model, today: NaiveDate) -> Option<BlockReason> {
    match batch.status {
        BatchStatus::Recalled => Some(BlockReason::Recalled),
        BatchStatus::Quarantined => Some(BlockReason::Quarantined),
        // A batch may be used up to and including its expiry date.
        BatchStatus::Available if today > batch.expiry_date => Some(BlockReason::Expired),
        BatchStatus::Available => None,
    }
}

fn check_quantity(quantity: i64, allow_negative: bool) -> Result<()> {
    if quantity == 0 {
        return Err(Error::validation(
            "quantity",
            "must not be 0",
            "数量不能为 0",
        ));
    }
    if !allow_negative && quantity < 0 {
        return Err(Error::validation(
            "quantity",
            "must be positive",
            "数量必须为正数",
        ));
    }
    if quantity.unsigned_abs() > MAX_MOVEMENT_QUANTITY as u64 {
        return Err(Error::validation(
            "quantity",
            format!("must be at most {MAX_MOVEMENT_QUANTITY} base units"),
            format!("最多 {MAX_MOVEMENT_QUANTITY} 个最小单位"),
        ));
    }
    Ok(())
}

/// Loads the batch and, on PostgreSQL, holds a share lock on it until the
/// transaction ends, so a recall (which takes the row exclusively) cannot
/// slip between this check and the posting.
async fn usable_batch(
    txn: &WriteTxn,
    batch_id: Uuid,
    purpose: Use,
    today: NaiveDate,
) -> Result<batch::Model> {
    let batch = batch::Entity::find_by_id(batch_id)
        .lock_shared()
        .one(&**txn)
        .await?
        .ok_or_else(|| Error::not_found("batch", batch_id))?;
    check_usable(&batch, purpose, today)?;
    Ok(batch)
}

fn check_usable(batch: &batch::Model, purpose: Use, today: NaiveDate) -> Result<()> {
    match block_reason(batch, today) {
        Some(reason) if !allowed_when_blocked(purpose, reason) => Err(Error::BatchBlocked {
            lot_number: batch.lot_number.clone(),
            reason,
        }),
        _ => Ok(()),
    }
}

/// [`usable_batch`] and [`ensure_may_receive`] in one read, with the same
/// share locks on PostgreSQL: what every posting into stock checks, and
/// one statement less for each receipt a scanner waits on.
async fn receivable_batch(
    txn: &WriteTxn,
    institution_id: Uuid,
    batch_id: Uuid,
    purpose: Use,
    today: NaiveDate,
) -> Result<batch::Model> {
    use crate::joined;
    let mut q = Query::select();
    q.from_as(batch::Entity, Alias::new("b"))
        .join_as(
            JoinType::InnerJoin,
            institution::Entity,
            Alias::new("n"),
            Expr::col((Alias::new("n"), institution::Column::Id)).eq(institution_id),
        )
        .and_where(Expr::col((Alias::new("b"), batch::Column::Id)).eq(batch_id))
        .lock_shared();
    joined::select::<batch::Entity>(&mut q, "b");
    joined::select::<institution::Entity>(&mut q, "n");
    let row = txn.query_one(&q).await?;
    let found = match &row {
        Some(row) => (
            joined::model::<batch::Entity>(row, "b")?,
            joined::model::<institution::Entity>(row, "n")?,
        ),
        None => (None, None),
    };
    let (Some(batch), Some(inst)) = found else {
        // One of them does not exist: the separate reads say which.
        let batch = usable_batch(txn, batch_id, purpose, today).await?;
        ensure_may_receive(txn, institution_id).await?;
        return Ok(batch);
    };
    check_usable(&batch, purpose, today)?;
    may_receive(&inst)?;
    Ok(batch)
}

async fn balance(
    conn: &impl ConnectionTrait,
    institution_id: Uuid,
    batch_id: Uuid,
) -> Result<Option<stock_balance::Model>> {
    Ok(
        stock_balance::Entity::find_by_id((institution_id, batch_id))
            .one(conn)
            .await?,
    )
}

async fn insufficient(
    txn: &WriteTxn,
    institution_id: Uuid,
    batch_id: Uuid,
    requested: i64,
) -> Error {
    match balance(&**txn, institution_id, batch_id).await {
        Ok(found) => Error::InsufficientStock {
            available: found.map(|b| b.on_hand - b.reserved).unwrap_or(0),
            requested,
        },
        Err(e) => e,
    }
}

/// Adds `n` to on-hand, creating the balance on first receipt; returns the
/// balance after.
async fn increment(
    txn: &WriteTxn,
    institution_id: Uuid,
    batch: &batch::Model,
    n: i64,
    now: DateTime<Utc>,
) -> Result<stock_balance::Model> {
    ensure_may_receive(txn, institution_id).await?;
    upsert_increment(txn, institution_id, batch, n, now).await
}

/// The balance update of an increment alone; the institution is checked by
/// the caller.
async fn upsert_increment(
    txn: &WriteTxn,
    institution_id: Uuid,
    batch: &batch::Model,
    n: i64,
    now: DateTime<Utc>,
) -> Result<stock_balance::Model> {
    use stock_balance::Column as C;
    Ok(stock_balance::Entity::insert(stock_balance::ActiveModel {
        institution_id: Set(institution_id),
        batch_id: Set(batch.id),
        item_id: Set(batch.item_id),
        on_hand: Set(n),
        reserved: Set(0),
        movement_count: Set(1),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([C::InstitutionId, C::BatchId])
            .value(
                C::OnHand,
                Expr::col((stock_balance::Entity, C::OnHand)).add(n),
            )
            .value(
                C::MovementCount,
                Expr::col((stock_balance::Entity, C::MovementCount)).add(1),
            )
            .value(C::UpdatedAt, Expr::value(now))
            .to_owned(),
    )
    .exec_with_returning(&**txn)
    .await?)
}

/// A deactivated institution may only lose stock (returns, write-offs), so
/// that it can be emptied and nothing new arrives there. The row is read
/// with a share lock (PostgreSQL) so that a deactivation, which updates it,
/// waits for postings in flight.
async fn ensure_may_receive(txn: &WriteTxn, institution_id: Uuid) -> Result<()> {
    let inst = institution::Entity::find_by_id(institution_id)
        .lock_shared()
        .one(&**txn)
        .await?
        .ok_or_else(|| Error::not_found("institution", institution_id))?;
    may_receive(&inst)
}

fn may_receive(inst: &institution::Model) -> Result<()> {
    if inst.active {
        Ok(())
    } else {
        Err(Error::illegal_state(
            StateReason::InstitutionInactive,
            format!(
                "{} ({}) is deactivated: stock can only leave it",
                inst.name, inst.code
            ),
        ))
    }
}

/// Takes `n` from the free (unreserved) stock, or fails with
/// `INSUFFICIENT_STOCK` having changed nothing; returns the balance after.
async fn decrement_free(
    txn: &WriteTxn,
    institution_id: Uuid,
    batch_id: Uuid,
    n: i64,
    now: DateTime<Utc>,
) -> Result<stock_balance::Model> {
    use stock_balance::Column as C;
    let mut result = stock_balance::Entity::update_many()
        .col_expr(C::OnHand, Expr::col(C::OnHand).sub(n))
        .col_expr(C::MovementCount, Expr::col(C::MovementCount).add(1))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::InstitutionId.eq(institution_id))
        .filter(C::BatchId.eq(batch_id))
        .filter(Expr::col(C::OnHand).sub(Expr::col(C::Reserved)).gte(n))
        .exec_with_returning(&**txn)
        .await?;
    match result.pop() {
        Some(after) => Ok(after),
        None => Err(insufficient(txn, institution_id, batch_id, n).await),
    }
}

/// The movement row a posting makes, given the balance after it.
fn movement_row(
    actor: Actor,
    batch: &batch::Model,
    posting: Posting,
    after: &stock_balance::Model,
    reverses_id: Option<Uuid>,
) -> stock_movement::Model {
    let (doc_type, doc_id, doc_line, doc_number) = match posting.document {
        Some(d) => (Some(d.doc_type), Some(d.id), d.line_id, d.number),
        None => (None, None, None, None),
    };
    stock_movement::Model {
        id: Uuid::now_v7(),
        institution_id: posting.institution_id,
        batch_id: batch.id,
        item_id: batch.item_id,
        line_no: after.movement_count,
        quantity: posting.quantity,
        balance_after: after.on_hand,
        kind: posting.kind,
        document_type: doc_type,
        document_id: doc_id,
        document_line_id: doc_line,
        document_number: doc_number,
        reverses_id,
        reason: posting.reason,
        unit_cost_fen: posting.unit_cost_fen,
        // What the row returns must be what a later read returns: PostgreSQL
        // keeps microseconds, so the row is built with microseconds.
        occurred_at: posting.occurred_at.unwrap_or(actor.now).trunc_subsecs(6),
        recorded_at: actor.now.trunc_subsecs(6),
        user_id: actor.user_id,
    }
}

async fn append(
    txn: &WriteTxn,
    actor: Actor,
    batch: &batch::Model,
    posting: Posting,
    after: &stock_balance::Model,
    reverses_id: Option<Uuid>,
) -> Result<stock_movement::Model> {
    let movement = movement_row(actor, batch, posting, after, reverses_id);
    stock_movement::Entity::insert(movement.clone().into_active_model())
        .exec_without_returning(&**txn)
        .await
        .map_err(|e| {
            if reverses_id.is_some() && crate::error::is_unique_violation(&e) {
                Error::illegal_state(
                    StateReason::AlreadyReversed,
                    "this movement was already reversed",
                )
            } else {
                e.into()
            }
        })?;
    Ok(movement)
}

/// Movement rows per multi-row insert: well under both databases' limits
/// on bound parameters (18 columns a row).
const INSERT_CHUNK: usize = 500;

/// Posts many lines at once in the caller's transaction: a 200-line receipt
/// or pick. The rules are [`post`]'s, line by line, but the round trips are
/// fewer: the batches are read (and share-locked) in one statement, each
/// receiving institution is checked once, and the movements go in with
/// multi-row inserts, so a line costs one balance update. Lines are applied
/// in (institution, batch) order, so two concurrent calls lock rows in the
/// same order and cannot deadlock; the movements come back in input order.
/// Any refused line refuses the whole call (the caller's transaction is
/// rolled back).
pub async fn post_many(
    txn: &WriteTxn,
    actor: Actor,
    postings: Vec<Posting>,
) -> Result<Vec<stock_movement::Model>> {
    for p in &postings {
        check_quantity(p.quantity, true)?;
    }
    let today = business_date(actor.now);
    let mut batch_ids: Vec<Uuid> = postings.iter().map(|p| p.batch_id).collect();
    batch_ids.sort();
    batch_ids.dedup();
    let batches: std::collections::HashMap<Uuid, batch::Model> = batch::Entity::find()
        .filter(batch::Column::Id.is_in(batch_ids.clone()))
        .order_by_asc(batch::Column::Id)
        .lock_shared()
        .all(&**txn)
        .await?
        .into_iter()
        .map(|b| (b.id, b))
        .collect();
    for p in &postings {
        let batch = batches
            .get(&p.batch_id)
            .ok_or_else(|| Error::not_found("batch", p.batch_id))?;
        if let Some(reason) = block_reason(batch, today)
            && !allowed_when_blocked(Use::Post(p.kind), reason)
        {
            return Err(Error::BatchBlocked {
                lot_number: batch.lot_number.clone(),
                reason,
            });
        }
    }
    let mut receiving: Vec<Uuid> = postings
        .iter()
        .filter(|p| p.quantity > 0)
        .map(|p| p.institution_id)
        .collect();
    receiving.sort();
    receiving.dedup();
    if !receiving.is_empty() {
        let found = institution::Entity::find()
            .filter(institution::Column::Id.is_in(receiving.clone()))
            .lock_shared()
            .all(&**txn)
            .await?;
        for id in &receiving {
            let inst = found
                .iter()
                .find(|i| i.id == *id)
                .ok_or_else(|| Error::not_found("institution", id))?;
            may_receive(inst)?;
        }
    }
    let mut order: Vec<usize> = (0..postings.len()).collect();
    order.sort_by_key(|&i| (postings[i].institution_id, postings[i].batch_id));
    let mut postings: Vec<Option<Posting>> = postings.into_iter().map(Some).collect();
    let mut rows: Vec<Option<stock_movement::Model>> = vec![None; postings.len()];
    for i in order {
        let Some(posting) = postings[i].take() else {
            continue;
        };
        let batch = &batches[&posting.batch_id];
        let after = if posting.quantity > 0 {
            upsert_increment(
                txn,
                posting.institution_id,
                batch,
                posting.quantity,
                actor.now,
            )
            .await?
        } else {
            decrement_free(
                txn,
                posting.institution_id,
                batch.id,
                -posting.quantity,
                actor.now,
            )
            .await?
        };
        rows[i] = Some(movement_row(actor, batch, posting, &after, None));
    }
    let rows: Vec<stock_movement::Model> = rows.into_iter().flatten().collect();
    for chunk in rows.chunks(INSERT_CHUNK) {
        stock_movement::Entity::insert_many(
            chunk
                .iter()
                .cloned()
                .map(IntoActiveModel::into_active_model),
        )
        .exec_without_returning(&**txn)
        .await?;
    }
    Ok(rows)
}

pub async fn post(txn: &WriteTxn, actor: Actor, posting: Posting) -> Result<stock_movement::Model> {
    check_quantity(posting.quantity, true)?;
    let (purpose, today) = (Use::Post(posting.kind), business_date(actor.now));
    let (batch, after) = if posting.quantity > 0 {
        let batch =
            receivable_batch(txn, posting.institution_id, posting.batch_id, purpose, today).await?;
        let after = upsert_increment(
            txn,
            posting.institution_id,
            &batch,
            posting.quantity,
            actor.now,
        )
        .await?;
        (batch, after)
    } else {
        let batch = usable_batch(txn, posting.batch_id, purpose, today).await?;
        let after = decrement_free(
            txn,
            posting.institution_id,
            batch.id,
            -posting.quantity,
            actor.now,
        )
        .await?;
        (batch, after)
    };
    append(txn, actor, &batch, posting, &after, None).await
}

/// Posts the mirror image of `movement_id`, naming it. A movement can be
/// reversed once; a reversal is not itself reversed (post a new movement).
pub async fn reverse(
    txn: &WriteTxn,
    actor: Actor,
    movement_id: Uuid,
    reason: String,
) -> Result<stock_movement::Model> {
    let original = stock_movement::Entity::find_by_id(movement_id)
        .one(&**txn)
        .await?
        .ok_or_else(|| Error::not_found("stock movement", movement_id))?;
    if original.reverses_id.is_some() {
        return Err(Error::illegal_state(
            StateReason::ReversalNotReversible,
            "a reversal cannot itself be reversed; post a new movement instead",
        ));
    }
    let already = stock_movement::Entity::find()
        .filter(stock_movement::Column::ReversesId.eq(movement_id))
        .one(&**txn)
        .await?;
    if already.is_some() {
        return Err(Error::illegal_state(
            StateReason::AlreadyReversed,
            "this movement was already reversed",
        ));
    }
    let batch = batch::Entity::find_by_id(original.batch_id)
        .one(&**txn)
        .await?
        .ok_or_else(|| Error::not_found("batch", original.batch_id))?;
    let quantity = -original.quantity;
    let after = if quantity > 0 {
        increment(txn, original.institution_id, &batch, quantity, actor.now).await?
    } else {
        decrement_free(txn, original.institution_id, batch.id, -quantity, actor.now).await?
    };
    let posting = Posting {
        institution_id: original.institution_id,
        batch_id: original.batch_id,
        quantity,
        kind: original.kind,
        document: match (original.document_type, original.document_id) {
            (Some(doc_type), Some(id)) => Some(DocumentRef {
                doc_type,
                id,
                line_id: original.document_line_id,
                number: original.document_number,
            }),
            _ => None,
        },
        reason: Some(reason),
        unit_cost_fen: original.unit_cost_fen,
        occurred_at: None,
    };
    append(txn, actor, &batch, posting, &after, Some(movement_id)).await
}

/// Holds `quantity` of free stock for a document (a shipment line, a
/// prescription) so nobody else can take it.
pub async fn reserve(
    txn: &WriteTxn,
    actor: Actor,
    institution_id: Uuid,
    batch_id: Uuid,
    quantity: i64,
    document: DocumentRef,
) -> Result<stock_reservation::Model> {
    use stock_balance::Column as C;
    check_quantity(quantity, false)?;
    // Reserving is allocating: refused for blocked batches, except to send
    // them back.
    usable_batch(
        txn,
        batch_id,
        Use::Reserve(document.doc_type),
        business_date(actor.now),
    )
    .await?;
    let result = stock_balance::Entity::update_many()
        .col_expr(C::Reserved, Expr::col(C::Reserved).add(quantity))
        .col_expr(C::UpdatedAt, Expr::value(actor.now))
        .filter(C::InstitutionId.eq(institution_id))
        .filter(C::BatchId.eq(batch_id))
        .filter(
            Expr::col(C::OnHand)
                .sub(Expr::col(C::Reserved))
                .gte(quantity),
        )
        .exec(&**txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(insufficient(txn, institution_id, batch_id, quantity).await);
    }
    Ok(stock_reservation::ActiveModel {
        id: Set(Uuid::now_v7()),
        institution_id: Set(institution_id),
        batch_id: Set(batch_id),
        quantity: Set(quantity),
        original_quantity: Set(quantity),
        document_type: Set(document.doc_type),
        document_id: Set(document.id),
        document_line_id: Set(document.line_id),
        status: Set(ReservationStatus::Active),
        created_at: Set(actor.now),
        updated_at: Set(actor.now),
    }
    .insert(&**txn)
    .await?)
}

/// Takes `quantity` off an active reservation; marks it `done_status` when
/// nothing is left.
async fn draw_down(
    txn: &WriteTxn,
    now: DateTime<Utc>,
    reservation_id: Uuid,
    quantity: i64,
    done_status: ReservationStatus,
) -> Result<stock_reservation::Model> {
    use stock_reservation::Column as R;
    check_quantity(quantity, false)?;
    let result = stock_reservation::Entity::update_many()
        .col_expr(R::Quantity, Expr::col(R::Quantity).sub(quantity))
        .col_expr(R::UpdatedAt, Expr::value(now))
        .filter(R::Id.eq(reservation_id))
        .filter(R::Status.eq(ReservationStatus::Active))
        .filter(R::Quantity.gte(quantity))
        .exec(&**txn)
        .await?;
    let reservation = stock_reservation::Entity::find_by_id(reservation_id)
        .one(&**txn)
        .await?
        .ok_or_else(|| Error::not_found("reservation", reservation_id))?;
    if result.rows_affected != 1 {
        return Err(if reservation.status != ReservationStatus::Active {
            Error::illegal_state(
                StateReason::ReservationNotActive,
                "the reservation is no longer active",
            )
        } else {
            Error::InsufficientStock {
                available: reservation.quantity,
                requested: quantity,
            }
        });
    }
    if reservation.quantity == 0 {
        let mut done: stock_reservation::ActiveModel = reservation.into();
        done.status = Set(done_status);
        return Ok(done.update(&**txn).await?);
    }
    Ok(reservation)
}

/// Gives back `quantity` of a reservation to free stock.
pub async fn release(
    txn: &WriteTxn,
    actor: Actor,
    reservation_id: Uuid,
    quantity: i64,
) -> Result<stock_reservation::Model> {
    use stock_balance::Column as C;
    let reservation = draw_down(
        txn,
        actor.now,
        reservation_id,
        quantity,
        ReservationStatus::Released,
    )
    .await?;
    let result = stock_balance::Entity::update_many()
        .col_expr(C::Reserved, Expr::col(C::Reserved).sub(quantity))
        .col_expr(C::UpdatedAt, Expr::value(actor.now))
        .filter(C::InstitutionId.eq(reservation.institution_id))
        .filter(C::BatchId.eq(reservation.batch_id))
        .filter(C::Reserved.gte(quantity))
        .exec(&**txn)
        .await?;
    if result.rows_affected != 1 {
        // Reservation rows and the balance disagree: a ledger bug, not input.
        return Err(Error::internal(format_args!(
            "reserved stock missing on release of reservation {reservation_id}"
        )));
    }
    Ok(reservation)
}

/// What to take off a reservation, and as which movement.
#[derive(Debug, Clone)]
pub struct Consumption {
    pub reservation_id: Uuid,
    pub quantity: i64,
    pub kind: MovementKind,
    /// Defaults to the reservation's own document.
    pub document: Option<DocumentRef>,
    pub reason: Option<String>,
    pub unit_cost_fen: Option<i64>,
}

/// Turns part of a reservation into an outgoing movement (a dispatch, a
/// dispensing): on-hand and reserved drop together.
pub async fn consume(
    txn: &WriteTxn,
    actor: Actor,
    consumption: Consumption,
) -> Result<stock_movement::Model> {
    let Consumption {
        reservation_id,
        quantity,
        kind,
        document,
        reason,
        unit_cost_fen,
    } = consumption;
    use stock_balance::Column as C;
    let current = stock_reservation::Entity::find_by_id(reservation_id)
        .one(&**txn)
        .await?
        .ok_or_else(|| Error::not_found("reservation", reservation_id))?;
    // Stock reserved to be sent back may leave however it is blocked: the
    // reservation was allowed for that reason.
    let purpose =
        if allowed_when_blocked(Use::Reserve(current.document_type), BlockReason::Recalled) {
            Use::Reserve(current.document_type)
        } else {
            Use::Post(kind)
        };
    let batch = usable_batch(txn, current.batch_id, purpose, business_date(actor.now)).await?;
    let reservation = draw_down(
        txn,
        actor.now,
        reservation_id,
        quantity,
        ReservationStatus::Consumed,
    )
    .await?;
    let after = stock_balance::Entity::update_many()
        .col_expr(C::OnHand, Expr::col(C::OnHand).sub(quantity))
        .col_expr(C::Reserved, Expr::col(C::Reserved).sub(quantity))
        .col_expr(C::MovementCount, Expr::col(C::MovementCount).add(1))
        .col_expr(C::UpdatedAt, Expr::value(actor.now))
        .filter(C::InstitutionId.eq(reservation.institution_id))
        .filter(C::BatchId.eq(reservation.batch_id))
        .filter(C::Reserved.gte(quantity))
        .filter(C::OnHand.gte(quantity))
        .exec_with_returning(&**txn)
        .await?
        .pop();
    let Some(after) = after else {
        // Reservation rows and the balance disagree: a ledger bug, not input.
        return Err(Error::internal(format_args!(
            "reserved stock missing on consumption of reservation {reservation_id}"
        )));
    };
    let posting = Posting {
        institution_id: reservation.institution_id,
        batch_id: reservation.batch_id,
        quantity: -quantity,
        kind,
        document: document.or(Some(DocumentRef {
            doc_type: reservation.document_type,
            id: reservation.document_id,
            line_id: reservation.document_line_id,
            number: None,
        })),
        reason,
        unit_cost_fen,
        occurred_at: None,
    };
    append(txn, actor, &batch, posting, &after, None).await
}

/// What a bulk balance update does to each row it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bulk {
    /// `reserved += n`, while `on_hand - reserved >= n`.
    Reserve,
    /// `on_hand -= n`, `reserved -= n`, `movement_count += lines`, while
    /// `reserved >= n`.
    Consume,
}

/// One guarded `UPDATE … FROM (VALUES …)` for many balances: `rows` are
/// (institution, batch, n, lines), each pair once. Returns the balances it
/// updated (after); a row whose guard failed is simply not among them, and
/// the caller says why. One statement per 500 balances instead of one each:
/// what lets a county's allocation and dispatch run in seconds.
async fn bulk_update(
    txn: &WriteTxn,
    mode: Bulk,
    rows: &[(Uuid, Uuid, i64, i64)],
    now: DateTime<Utc>,
) -> Result<Vec<stock_balance::Model>> {
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(INSERT_CHUNK) {
        let mut p = crate::db::Params::new(txn.get_database_backend());
        let stamp = p.bind(now, "timestamptz");
        let tuples: Vec<String> = chunk
            .iter()
            .map(|(inst, batch, q, lines)| {
                format!(
                    "({}, {}, {}, {})",
                    p.bind(*inst, "uuid"),
                    p.bind(*batch, "uuid"),
                    p.bind(*q, "bigint"),
                    p.bind(*lines, "bigint")
                )
            })
            .collect();
        let (set, guard) = match mode {
            Bulk::Reserve => (
                "reserved = stock_balance.reserved + v.v_n",
                "stock_balance.on_hand - stock_balance.reserved >= v.v_n",
            ),
            Bulk::Consume => (
                "on_hand = stock_balance.on_hand - v.v_n, \
                 reserved = stock_balance.reserved - v.v_n, \
                 movement_count = stock_balance.movement_count + v.v_lines",
                "stock_balance.reserved >= v.v_n AND stock_balance.on_hand >= v.v_n",
            ),
        };
        let sql = format!(
            "WITH v(v_institution, v_batch, v_n, v_lines) AS (VALUES {}) \
             UPDATE stock_balance SET {set}, updated_at = {stamp} FROM v \
             WHERE stock_balance.institution_id = v.v_institution \
             AND stock_balance.batch_id = v.v_batch AND {guard} \
             RETURNING institution_id, batch_id, item_id, on_hand, reserved, movement_count, updated_at",
            tuples.join(", ")
        );
        out.extend(
            stock_balance::Entity::find()
                .from_raw_sql(p.statement(sql))
                .all(&**txn)
                .await?,
        );
    }
    Ok(out)
}

/// A batch with free (unreserved) stock at an institution, as allocation
/// sees it.
#[derive(Debug, Clone)]
pub struct FreeBatch {
    pub batch: batch::Model,
    pub free: i64,
}

/// The batches of `item_ids` with free stock at `institution_id`, earliest
/// expiry first (then by batch, so the order is total). On PostgreSQL the
/// balances are locked until the transaction ends, in (batch) order, so
/// that the reservations a caller then makes from them cannot be raced and
/// two allocations cannot deadlock; on SQLite the write transaction already
/// holds the only writer. Blocked batches are included: the caller decides
/// (with [`block_reason`]) what it may use.
pub async fn free_stock(
    txn: &WriteTxn,
    institution_id: Uuid,
    item_ids: &[Uuid],
) -> Result<Vec<FreeBatch>> {
    use stock_balance::Column as C;
    if item_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for chunk in item_ids.chunks(INSERT_CHUNK) {
        let balances = stock_balance::Entity::find()
            .filter(C::InstitutionId.eq(institution_id))
            .filter(C::ItemId.is_in(chunk.to_vec()))
            .filter(Expr::col(C::OnHand).sub(Expr::col(C::Reserved)).gt(0))
            .order_by_asc(C::BatchId)
            .lock_exclusive()
            .all(&**txn)
            .await?;
        let ids: Vec<Uuid> = balances.iter().map(|b| b.batch_id).collect();
        let batches: std::collections::HashMap<Uuid, batch::Model> = batch::Entity::find()
            .filter(batch::Column::Id.is_in(ids))
            .lock_shared()
            .all(&**txn)
            .await?
            .into_iter()
            .map(|b| (b.id, b))
            .collect();
        for b in balances {
            if let Some(found) = batches.get(&b.batch_id) {
                out.push(FreeBatch {
                    batch: found.clone(),
                    free: b.on_hand - b.reserved,
                });
            }
        }
    }
    out.sort_by(|a, b| {
        (a.batch.expiry_date, a.batch.id).cmp(&(b.batch.expiry_date, b.batch.id))
    });
    Ok(out)
}

/// One reservation asked of [`reserve_many`].
#[derive(Debug, Clone)]
pub struct Hold {
    pub batch_id: Uuid,
    pub quantity: i64,
    pub document: DocumentRef,
}

/// Reserves many lines at one institution at once: the rules are
/// [`reserve`]'s, but each batch's balance takes one guarded update for all
/// its lines and the reservation rows go in with multi-row inserts. Any
/// refused line refuses the whole call. Returns the reservations in input
/// order.
pub async fn reserve_many(
    txn: &WriteTxn,
    actor: Actor,
    institution_id: Uuid,
    holds: Vec<Hold>,
) -> Result<Vec<stock_reservation::Model>> {
    for h in &holds {
        check_quantity(h.quantity, false)?;
    }
    let today = business_date(actor.now);
    let mut totals: std::collections::BTreeMap<Uuid, i64> = std::collections::BTreeMap::new();
    for h in &holds {
        let t = totals.entry(h.batch_id).or_insert(0);
        *t = t.saturating_add(h.quantity);
    }
    let ids: Vec<Uuid> = totals.keys().copied().collect();
    let mut batches = std::collections::HashMap::new();
    for chunk in ids.chunks(INSERT_CHUNK) {
        for b in batch::Entity::find()
            .filter(batch::Column::Id.is_in(chunk.to_vec()))
            .lock_shared()
            .all(&**txn)
            .await?
        {
            batches.insert(b.id, b);
        }
    }
    for h in &holds {
        let batch = batches
            .get(&h.batch_id)
            .ok_or_else(|| Error::not_found("batch", h.batch_id))?;
        if let Some(reason) = block_reason(batch, today)
            && !allowed_when_blocked(Use::Reserve(h.document.doc_type), reason)
        {
            return Err(Error::BatchBlocked {
                lot_number: batch.lot_number.clone(),
                reason,
            });
        }
    }
    // In batch order, so two callers lock balances in the same order.
    let rows: Vec<(Uuid, Uuid, i64, i64)> = totals
        .iter()
        .map(|(batch_id, total)| (institution_id, *batch_id, *total, 0))
        .collect();
    let updated = bulk_update(txn, Bulk::Reserve, &rows, actor.now).await?;
    if updated.len() != rows.len() {
        let done: std::collections::HashSet<Uuid> = updated.iter().map(|b| b.batch_id).collect();
        if let Some((batch_id, total)) = totals.iter().find(|(b, _)| !done.contains(b)) {
            return Err(insufficient(txn, institution_id, *batch_id, *total).await);
        }
    }
    let rows: Vec<stock_reservation::Model> = holds
        .into_iter()
        .map(|h| stock_reservation::Model {
            id: Uuid::now_v7(),
            institution_id,
            batch_id: h.batch_id,
            quantity: h.quantity,
            original_quantity: h.quantity,
            document_type: h.document.doc_type,
            document_id: h.document.id,
            document_line_id: h.document.line_id,
            status: ReservationStatus::Active,
            created_at: actor.now,
            updated_at: actor.now,
        })
        .collect();
    for chunk in rows.chunks(INSERT_CHUNK) {
        stock_reservation::Entity::insert_many(
            chunk
                .iter()
                .cloned()
                .map(IntoActiveModel::into_active_model),
        )
        .exec_without_returning(&**txn)
        .await?;
    }
    Ok(rows)
}

/// Releases whole active reservations (a cancelled shipment): one update
/// of the reservations and one per balance.
pub async fn release_all(
    txn: &WriteTxn,
    actor: Actor,
    reservation_ids: &[Uuid],
) -> Result<()> {
    use stock_balance::Column as C;
    use stock_reservation::Column as R;
    if reservation_ids.is_empty() {
        return Ok(());
    }
    let held = stock_reservation::Entity::find()
        .filter(R::Id.is_in(reservation_ids.to_vec()))
        .filter(R::Status.eq(ReservationStatus::Active))
        .all(&**txn)
        .await?;
    if held.len() != reservation_ids.len() {
        return Err(Error::illegal_state(
            StateReason::ReservationNotActive,
            "a reservation of this document is no longer active",
        ));
    }
    let done = stock_reservation::Entity::update_many()
        .col_expr(R::Quantity, Expr::value(0i64))
        .col_expr(R::Status, Expr::value(ReservationStatus::Released))
        .col_expr(R::UpdatedAt, Expr::value(actor.now))
        .filter(R::Id.is_in(reservation_ids.to_vec()))
        .filter(R::Status.eq(ReservationStatus::Active))
        .exec(&**txn)
        .await?;
    if done.rows_affected != reservation_ids.len() as u64 {
        return Err(Error::Conflict(
            "the reservations changed at the same moment; try again".into(),
        ));
    }
    let mut totals: std::collections::BTreeMap<(Uuid, Uuid), i64> =
        std::collections::BTreeMap::new();
    for r in &held {
        *totals.entry((r.institution_id, r.batch_id)).or_insert(0) += r.quantity;
    }
    for ((institution_id, batch_id), total) in totals {
        let result = stock_balance::Entity::update_many()
            .col_expr(C::Reserved, Expr::col(C::Reserved).sub(total))
            .col_expr(C::UpdatedAt, Expr::value(actor.now))
            .filter(C::InstitutionId.eq(institution_id))
            .filter(C::BatchId.eq(batch_id))
            .filter(C::Reserved.gte(total))
            .exec(&**txn)
            .await?;
        if result.rows_affected != 1 {
            return Err(Error::internal(format_args!(
                "reserved stock missing on release at {institution_id} of batch {batch_id}"
            )));
        }
    }
    Ok(())
}

/// One whole reservation to turn into an outgoing movement.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub reservation_id: Uuid,
    pub kind: MovementKind,
    pub document: DocumentRef,
    pub unit_cost_fen: Option<i64>,
}

/// Consumes whole reservations as outgoing movements (a dispatch): the
/// rules are [`consume`]'s, but the reservations close in one statement,
/// each (institution, batch) balance takes one update for all its lines,
/// and the movements go in with multi-row inserts. Lines of one balance get
/// consecutive line numbers and running balances. Returns the movements in
/// input order.
pub async fn consume_all(
    txn: &WriteTxn,
    actor: Actor,
    outgoing: Vec<Outgoing>,
) -> Result<Vec<stock_movement::Model>> {
    use stock_reservation::Column as R;
    if outgoing.is_empty() {
        return Ok(Vec::new());
    }
    let today = business_date(actor.now);
    let ids: Vec<Uuid> = outgoing.iter().map(|o| o.reservation_id).collect();
    let mut held = std::collections::HashMap::new();
    for chunk in ids.chunks(INSERT_CHUNK) {
        for r in stock_reservation::Entity::find()
            .filter(R::Id.is_in(chunk.to_vec()))
            .filter(R::Status.eq(ReservationStatus::Active))
            .all(&**txn)
            .await?
        {
            held.insert(r.id, r);
        }
    }
    if held.len() != ids.len() {
        return Err(Error::illegal_state(
            StateReason::ReservationNotActive,
            "a reservation of this document is no longer active",
        ));
    }
    let mut batch_ids: Vec<Uuid> = held.values().map(|r| r.batch_id).collect();
    batch_ids.sort();
    batch_ids.dedup();
    let mut batches = std::collections::HashMap::new();
    for chunk in batch_ids.chunks(INSERT_CHUNK) {
        for b in batch::Entity::find()
            .filter(batch::Column::Id.is_in(chunk.to_vec()))
            .lock_shared()
            .all(&**txn)
            .await?
        {
            batches.insert(b.id, b);
        }
    }
    for o in &outgoing {
        let r = &held[&o.reservation_id];
        let batch = batches
            .get(&r.batch_id)
            .ok_or_else(|| Error::not_found("batch", r.batch_id))?;
        let purpose =
            if allowed_when_blocked(Use::Reserve(r.document_type), BlockReason::Recalled) {
                Use::Reserve(r.document_type)
            } else {
                Use::Post(o.kind)
            };
        if let Some(reason) = block_reason(batch, today)
            && !allowed_when_blocked(purpose, reason)
        {
            return Err(Error::BatchBlocked {
                lot_number: batch.lot_number.clone(),
                reason,
            });
        }
    }
    for chunk in ids.chunks(INSERT_CHUNK) {
        let done = stock_reservation::Entity::update_many()
            .col_expr(R::Quantity, Expr::value(0i64))
            .col_expr(R::Status, Expr::value(ReservationStatus::Consumed))
            .col_expr(R::UpdatedAt, Expr::value(actor.now))
            .filter(R::Id.is_in(chunk.to_vec()))
            .filter(R::Status.eq(ReservationStatus::Active))
            .exec(&**txn)
            .await?;
        if done.rows_affected != chunk.len() as u64 {
            return Err(Error::Conflict(
                "the reservations changed at the same moment; try again".into(),
            ));
        }
    }
    // Group by balance, in key order (the lock order of every multi-line
    // posting).
    let mut groups: std::collections::BTreeMap<(Uuid, Uuid), Vec<usize>> =
        std::collections::BTreeMap::new();
    for (i, o) in outgoing.iter().enumerate() {
        let r = &held[&o.reservation_id];
        groups.entry((r.institution_id, r.batch_id)).or_default().push(i);
    }
    let mut outgoing: Vec<Option<Outgoing>> = outgoing.into_iter().map(Some).collect();
    let mut rows: Vec<Option<stock_movement::Model>> = vec![None; outgoing.len()];
    let wanted: Vec<(Uuid, Uuid, i64, i64)> = groups
        .iter()
        .map(|((institution_id, batch_id), members)| {
            let total: i64 = members
                .iter()
                .filter_map(|i| outgoing[*i].as_ref())
                .map(|o| held[&o.reservation_id].quantity)
                .sum();
            (*institution_id, *batch_id, total, members.len() as i64)
        })
        .collect();
    let updated: std::collections::HashMap<(Uuid, Uuid), stock_balance::Model> =
        bulk_update(txn, Bulk::Consume, &wanted, actor.now)
            .await?
            .into_iter()
            .map(|b| ((b.institution_id, b.batch_id), b))
            .collect();
    for (((institution_id, batch_id), members), (_, _, total, lines)) in
        groups.into_iter().zip(wanted)
    {
        let after = updated
            .get(&(institution_id, batch_id))
            .cloned()
            .ok_or_else(|| {
                Error::internal(format_args!(
                    "reserved stock missing on dispatch at {institution_id} of batch {batch_id}"
                ))
            })?;
        let batch = &batches[&batch_id];
        // Walk back from the balance after to give each line its own.
        let mut on_hand = after.on_hand + total;
        let mut line_no = after.movement_count - lines;
        for i in members {
            let Some(o) = outgoing[i].take() else {
                continue;
            };
            let quantity = held[&o.reservation_id].quantity;
            on_hand -= quantity;
            line_no += 1;
            let step = stock_balance::Model {
                on_hand,
                movement_count: line_no,
                ..after.clone()
            };
            let posting = Posting {
                institution_id,
                batch_id,
                quantity: -quantity,
                kind: o.kind,
                document: Some(o.document),
                reason: None,
                unit_cost_fen: o.unit_cost_fen,
                occurred_at: None,
            };
            rows[i] = Some(movement_row(actor, batch, posting, &step, None));
        }
    }
    let rows: Vec<stock_movement::Model> = rows.into_iter().flatten().collect();
    for chunk in rows.chunks(INSERT_CHUNK) {
        stock_movement::Entity::insert_many(
            chunk
                .iter()
                .cloned()
                .map(IntoActiveModel::into_active_model),
        )
        .exec_without_returning(&**txn)
        .await?;
    }
    Ok(rows)
}

/// One broken ledger rule, found by [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub institution_id: Uuid,
    pub batch_id: Uuid,
    pub rule: &'static str,
    pub detail: String,
}

/// Checks every ledger rule over the whole database. Used by the tests after
/// concurrent load, and cheap enough to run as an operational check.
pub async fn verify(conn: &impl ConnectionTrait) -> Result<Vec<Violation>> {
    use sea_orm::FromQueryResult;

    #[derive(FromQueryResult)]
    struct Sum {
        institution_id: Uuid,
        batch_id: Uuid,
        total: Option<i64>,
        lines: i64,
        max_line: Option<i64>,
    }
    #[derive(FromQueryResult)]
    struct Held {
        institution_id: Uuid,
        batch_id: Uuid,
        total: Option<i64>,
    }

    let balances = stock_balance::Entity::find().all(conn).await?;
    let sums = Sum::find_by_statement(sea_orm::Statement::from_string(
        conn.get_database_backend(),
        "SELECT institution_id, batch_id, CAST(SUM(quantity) AS BIGINT) AS total, \
         COUNT(*) AS lines, MAX(line_no) AS max_line \
         FROM stock_movement GROUP BY institution_id, batch_id",
    ))
    .all(conn)
    .await?;
    let held = Held::find_by_statement(sea_orm::Statement::from_string(
        conn.get_database_backend(),
        "SELECT institution_id, batch_id, CAST(SUM(quantity) AS BIGINT) AS total \
         FROM stock_reservation WHERE status = 'ACTIVE' GROUP BY institution_id, batch_id",
    ))
    .all(conn)
    .await?;

    let mut sums: std::collections::HashMap<(Uuid, Uuid), Sum> = sums
        .into_iter()
        .map(|s| ((s.institution_id, s.batch_id), s))
        .collect();
    let held: std::collections::HashMap<(Uuid, Uuid), i64> = held
        .into_iter()
        .map(|h| ((h.institution_id, h.batch_id), h.total.unwrap_or(0)))
        .collect();

    let mut out = Vec::new();
    let mut flag = |b: &stock_balance::Model, rule: &'static str, detail: String| {
        out.push(Violation {
            institution_id: b.institution_id,
            batch_id: b.batch_id,
            rule,
            detail,
        })
    };
    for b in &balances {
        if b.on_hand < 0 {
            flag(b, "on_hand_non_negative", format!("on_hand {}", b.on_hand));
        }
        if b.reserved < 0 || b.reserved > b.on_hand {
            flag(
                b,
                "reserved_within_on_hand",
                format!("reserved {} on_hand {}", b.reserved, b.on_hand),
            );
        }
        let key = (b.institution_id, b.batch_id);
        match sums.remove(&key) {
            Some(s) => {
                if s.total.unwrap_or(0) != b.on_hand {
                    flag(
                        b,
                        "on_hand_equals_movements",
                        format!("on_hand {} movements {}", b.on_hand, s.total.unwrap_or(0)),
                    );
                }
                if s.lines != b.movement_count || s.max_line != Some(b.movement_count) {
                    flag(
                        b,
                        "line_numbers_contiguous",
                        format!(
                            "movement_count {} lines {} max line {:?}",
                            b.movement_count, s.lines, s.max_line
                        ),
                    );
                }
            }
            None => {
                if b.on_hand != 0 || b.movement_count != 0 {
                    flag(
                        b,
                        "on_hand_equals_movements",
                        "balance without movements".into(),
                    );
                }
            }
        }
        let reserved = held.get(&key).copied().unwrap_or(0);
        if reserved != b.reserved {
            flag(
                b,
                "reserved_equals_reservations",
                format!("reserved {} active reservations {}", b.reserved, reserved),
            );
        }
    }
    for (key, _) in sums {
        out.push(Violation {
            institution_id: key.0,
            batch_id: key.1,
            rule: "movement_without_balance",
            detail: String::new(),
        });
    }
    out.extend(verify_transit(conn).await?);
    Ok(out)
}

/// Every quantity is in exactly one place: at the sender, on a shipment in
/// transit, or at the destination. For each shipment line, what left the
/// sender (its outgoing movements) is what was sent; what the destination
/// posted in is what the line says arrived; and sent = arrived + written
/// off as lost + still in transit, with nothing negative, and nothing left
/// in transit once the shipment is closed. A line not yet dispatched has
/// no movements at all.
async fn verify_transit(conn: &impl ConnectionTrait) -> Result<Vec<Violation>> {
    use crate::entity::enums::ShipmentStatus;
    use crate::entity::{shipment, shipment_line};
    use sea_orm::FromQueryResult;

    #[derive(FromQueryResult)]
    struct Moved {
        line_id: Uuid,
        sent: Option<i64>,
        arrived: Option<i64>,
    }
    let moved = Moved::find_by_statement(sea_orm::Statement::from_string(
        conn.get_database_backend(),
        "SELECT document_line_id AS line_id, \
         CAST(SUM(CASE WHEN quantity < 0 THEN -quantity ELSE 0 END) AS BIGINT) AS sent, \
         CAST(SUM(CASE WHEN quantity > 0 THEN quantity ELSE 0 END) AS BIGINT) AS arrived \
         FROM stock_movement WHERE document_type IN ('SHIPMENT', 'RETURN') \
         AND document_line_id IS NOT NULL AND kind IN ('SHIPMENT_OUT', 'SHIPMENT_IN', 'RETURN') \
         GROUP BY document_line_id",
    ))
    .all(conn)
    .await?;
    let mut moved: std::collections::HashMap<Uuid, (i64, i64)> = moved
        .into_iter()
        .map(|m| (m.line_id, (m.sent.unwrap_or(0), m.arrived.unwrap_or(0))))
        .collect();
    let shipments: std::collections::HashMap<Uuid, shipment::Model> = shipment::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut out = Vec::new();
    for line in shipment_line::Entity::find().all(conn).await? {
        let Some(ship) = shipments.get(&line.shipment_id) else {
            continue;
        };
        let (sent, arrived) = moved.remove(&line.id).unwrap_or((0, 0));
        let mut flag = |rule: &'static str, detail: String| {
            out.push(Violation {
                institution_id: ship.from_institution_id,
                batch_id: line.batch_id,
                rule,
                detail: format!("{} line {}: {detail}", ship.number, line.line_no),
            })
        };
        let dispatched = !matches!(
            ship.status,
            ShipmentStatus::Allocated | ShipmentStatus::Cancelled
        );
        let expected_sent = if dispatched { line.quantity } else { 0 };
        if sent != expected_sent {
            flag(
                "shipment_sent_equals_movements",
                format!("sent {expected_sent}, movements out {sent}"),
            );
        }
        if arrived != line.received_quantity {
            flag(
                "shipment_arrived_equals_movements",
                format!(
                    "received {}, movements in {arrived}",
                    line.received_quantity
                ),
            );
        }
        let in_transit = line.in_transit();
        if line.received_quantity < 0 || line.lost_quantity < 0 || in_transit < 0 {
            flag(
                "transit_non_negative",
                format!(
                    "sent {} received {} lost {}",
                    line.quantity, line.received_quantity, line.lost_quantity
                ),
            );
        }
        if ship.status == ShipmentStatus::Closed && in_transit != 0 {
            flag(
                "closed_shipment_not_in_transit",
                format!("{in_transit} still in transit"),
            );
        }
    }
    for (line_id, _) in moved {
        out.push(Violation {
            institution_id: Uuid::nil(),
            batch_id: Uuid::nil(),
            rule: "movement_of_unknown_shipment_line",
            detail: line_id.to_string(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn batch(status: BatchStatus, expiry: NaiveDate) -> batch::Model {
        batch::Model {
            id: Uuid::now_v7(),
            item_id: Uuid::now_v7(),
            lot_number: "L1".into(),
            expiry_date: expiry,
            production_date: None,
            status,
            created_at: chrono::DateTime::from_timestamp(1_781_000_000, 0).expect("a fixed instant"),
        }
    }

    #[test]
    fn a_batch_is_usable_through_its_expiry_date() {
        let expiry = NaiveDate::from_ymd_opt(2027, 3, 31).unwrap();
        let b = batch(BatchStatus::Available, expiry);
        assert_eq!(block_reason(&b, expiry), None);
        assert_eq!(
            block_reason(&b, expiry.succ_opt().unwrap()),
            Some(BlockReason::Expired)
        );
        let q = batch(BatchStatus::Quarantined, expiry);
        assert_eq!(
            block_reason(&q, expiry.pred_opt().unwrap()),
            Some(BlockReason::Quarantined)
        );
        let r = batch(BatchStatus::Recalled, expiry);
        assert_eq!(block_reason(&r, expiry), Some(BlockReason::Recalled));
    }

    #[test]
    fn quantities_are_bounded() {
        assert!(check_quantity(0, true).is_err());
        assert!(check_quantity(-1, false).is_err());
        assert!(check_quantity(-1, true).is_ok());
        assert!(check_quantity(MAX_MOVEMENT_QUANTITY, false).is_ok());
        assert!(check_quantity(MAX_MOVEMENT_QUANTITY + 1, false).is_err());
        assert!(check_quantity(i64::MIN, true).is_err());
    }
}
