//! The ledger against its rules: concurrency, blocked batches, reversals,
//! reservations, and a property test against an in-memory model.

mod common;

use common::Fixture;
use proptest::prelude::*;
use std::sync::Arc;
use uuid::Uuid;
use yaolian_backend::entity::enums::{BatchStatus, DocumentType, MovementKind, ReservationStatus};
use yaolian_backend::entity::{stock_movement, stock_reservation};
use yaolian_backend::error::{BlockReason, Error, StateReason};
use yaolian_backend::ledger::{self, Actor, DocumentRef, Posting};

fn posting(institution: Uuid, batch: Uuid, quantity: i64, kind: MovementKind) -> Posting {
    Posting {
        institution_id: institution,
        batch_id: batch,
        quantity,
        kind,
        document: None,
        reason: Some("test".into()),
        unit_cost_fen: None,
        occurred_at: None,
    }
}

async fn post(fx: &Fixture, p: Posting) -> Result<stock_movement::Model, Error> {
    let txn = fx.db().begin_write().await?;
    let m = ledger::post(&txn, fx.actor(), p).await?;
    txn.commit().await?;
    Ok(m)
}

/// A dispatched return of `quantity` of `batch` from the clinic to the
/// centre, as distribution writes it: the shipment and its line.
async fn return_shipment(fx: &Fixture, batch: Uuid, quantity: i64) -> (Uuid, Uuid) {
    use sea_orm::{EntityTrait, IntoActiveModel};
    use yaolian_backend::entity::enums::{ReturnReason, ShipmentKind, ShipmentStatus};
    use yaolian_backend::entity::{shipment, shipment_line};
    let id = Uuid::now_v7();
    let line = Uuid::now_v7();
    shipment::Entity::insert(
        shipment::Model {
            id,
            community_id: fx.community,
            number: "SH-2026-900001".into(),
            kind: ShipmentKind::Return,
            from_institution_id: fx.clinic,
            to_institution_id: fx.centre,
            requisition_id: None,
            delivery_run_id: None,
            transfer_to_institution_id: None,
            return_reason: Some(ReturnReason::Recalled),
            status: ShipmentStatus::Dispatched,
            emergency: false,
            planned_date: fx.now.date_naive(),
            package_count: 1,
            note: None,
            created_by: fx.user,
            created_at: fx.now,
            dispatched_at: Some(fx.now),
            dispatched_by: Some(fx.user),
            received_at: None,
            received_by: None,
            updated_at: fx.now,
        }
        .into_active_model(),
    )
    .exec_without_returning(fx.db().conn())
    .await
    .unwrap();
    shipment_line::Entity::insert(
        shipment_line::Model {
            id: line,
            shipment_id: id,
            line_no: 1,
            requisition_line_id: None,
            item_id: fx.item,
            batch_id: batch,
            quantity,
            reservation_id: None,
            scanned_quantity: 0,
            received_quantity: 0,
            lost_quantity: 0,
        }
        .into_active_model(),
    )
    .exec_without_returning(fx.db().conn())
    .await
    .unwrap();
    (id, line)
}

async fn assert_ledger_consistent(fx: &Fixture) {
    let violations = ledger::verify(fx.db().conn()).await.unwrap();
    assert!(violations.is_empty(), "ledger violations: {violations:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_concurrent_decrements_of_one_against_ten_give_ten_successes() {
    let fx = Arc::new(Fixture::new().await);
    let batch = fx.batch("C1", BatchStatus::Available, 365).await;
    post(&fx, posting(fx.clinic, batch, 10, MovementKind::Opening))
        .await
        .unwrap();

    let mut tasks = Vec::new();
    for _ in 0..40 {
        let fx = fx.clone();
        tasks.push(tokio::spawn(async move {
            post(&fx, posting(fx.clinic, batch, -1, MovementKind::Dispense)).await
        }));
    }
    let (mut ok, mut short, mut other) = (0, 0, Vec::new());
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::InsufficientStock { requested: 1, .. }) => short += 1,
            Err(e) => other.push(e.to_string()),
        }
    }
    assert!(other.is_empty(), "unexpected errors: {other:?}");
    assert_eq!((ok, short), (10, 30));
    let balance = fx.balance(fx.clinic, batch).await.unwrap();
    assert_eq!(balance.on_hand, 0);
    assert_eq!(balance.movement_count, 11);
    assert_ledger_consistent(&fx).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_reservations_never_over_reserve() {
    let fx = Arc::new(Fixture::new().await);
    let batch = fx.batch("R1", BatchStatus::Available, 365).await;
    post(
        &fx,
        posting(fx.centre, batch, 100, MovementKind::SupplierReceipt),
    )
    .await
    .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..30 {
        let fx = fx.clone();
        tasks.push(tokio::spawn(async move {
            let txn = fx.db().begin_write().await?;
            let r = ledger::reserve(
                &txn,
                fx.actor(),
                fx.centre,
                batch,
                7,
                DocumentRef {
                    doc_type: DocumentType::Shipment,
                    line_id: None,
                    id: Uuid::now_v7(),
                    number: None,
                },
            )
            .await?;
            txn.commit().await?;
            Ok::<_, Error>(r)
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::InsufficientStock { .. }) => {}
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!(ok, 14, "100 units hold fourteen reservations of 7");
    let balance = fx.balance(fx.centre, batch).await.unwrap();
    assert_eq!((balance.on_hand, balance.reserved), (100, 98));
    // Reserved stock is not free: a decrement of 3 fails, 2 succeeds.
    assert!(matches!(
        post(&fx, posting(fx.centre, batch, -3, MovementKind::Adjustment)).await,
        Err(Error::InsufficientStock {
            available: 2,
            requested: 3
        })
    ));
    post(&fx, posting(fx.centre, batch, -2, MovementKind::Adjustment))
        .await
        .unwrap();
    assert_ledger_consistent(&fx).await;
}

#[tokio::test]
async fn blocked_batches_are_refused_for_use_but_can_be_written_off() {
    let fx = Fixture::new().await;
    let quarantined = fx.batch("Q1", BatchStatus::Quarantined, 365).await;
    let recalled = fx.batch("X1", BatchStatus::Recalled, 365).await;
    let expired = fx.batch("E1", BatchStatus::Available, -1).await;
    let last_day = fx.batch("D1", BatchStatus::Available, 0).await;
    for (batch, reason) in [
        (quarantined, BlockReason::Quarantined),
        (recalled, BlockReason::Recalled),
        (expired, BlockReason::Expired),
    ] {
        post(&fx, posting(fx.clinic, batch, 5, MovementKind::Opening))
            .await
            .unwrap();
        for kind in [
            MovementKind::Dispense,
            MovementKind::ShipmentOut,
            MovementKind::Adjustment,
        ] {
            match post(&fx, posting(fx.clinic, batch, -1, kind)).await {
                Err(Error::BatchBlocked { reason: r, .. }) => assert_eq!(r, reason),
                other => panic!("{kind:?} on {reason:?} batch gave {other:?}"),
            }
        }
        let txn = fx.db().begin_write().await.unwrap();
        let reserve = ledger::reserve(
            &txn,
            fx.actor(),
            fx.clinic,
            batch,
            1,
            DocumentRef {
                doc_type: DocumentType::Prescription,
                line_id: None,
                id: Uuid::now_v7(),
                number: None,
            },
        )
        .await;
        assert!(matches!(reserve, Err(Error::BatchBlocked { .. })));
        drop(txn);
        let w = post(&fx, posting(fx.clinic, batch, -5, MovementKind::WriteOff))
            .await
            .unwrap();
        assert_eq!(w.balance_after, 0);
    }
    // The expiry date itself is still a usable day.
    post(&fx, posting(fx.clinic, last_day, 2, MovementKind::Opening))
        .await
        .unwrap();
    post(
        &fx,
        posting(fx.clinic, last_day, -1, MovementKind::Dispense),
    )
    .await
    .unwrap();
    assert_ledger_consistent(&fx).await;
}

#[tokio::test]
async fn a_failed_posting_leaves_no_trace() {
    let fx = Fixture::new().await;
    let batch = fx.batch("F1", BatchStatus::Available, 365).await;
    post(&fx, posting(fx.clinic, batch, 4, MovementKind::Opening))
        .await
        .unwrap();
    let err = post(&fx, posting(fx.clinic, batch, -5, MovementKind::Dispense))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InsufficientStock {
            available: 4,
            requested: 5
        }
    ));
    // Never a balance for an institution that never held the batch.
    let err = post(&fx, posting(fx.centre, batch, -1, MovementKind::Dispense))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InsufficientStock {
            available: 0,
            requested: 1
        }
    ));
    assert!(fx.balance(fx.centre, batch).await.is_none());
    assert!(matches!(
        post(&fx, posting(fx.clinic, batch, 0, MovementKind::Adjustment)).await,
        Err(Error::Validation(_))
    ));
    assert!(matches!(
        post(
            &fx,
            posting(fx.clinic, Uuid::now_v7(), 1, MovementKind::Adjustment)
        )
        .await,
        Err(Error::NotFound { .. })
    ));
    let b = fx.balance(fx.clinic, batch).await.unwrap();
    assert_eq!((b.on_hand, b.movement_count), (4, 1));
    assert_ledger_consistent(&fx).await;
}

#[tokio::test]
async fn reversal_mirrors_once_and_names_the_original() {
    let fx = Fixture::new().await;
    let batch = fx.batch("V1", BatchStatus::Available, 365).await;
    let receipt = post(
        &fx,
        posting(fx.centre, batch, 30, MovementKind::SupplierReceipt),
    )
    .await
    .unwrap();
    let out = post(
        &fx,
        posting(fx.centre, batch, -10, MovementKind::ShipmentOut),
    )
    .await
    .unwrap();
    let txn = fx.db().begin_write().await.unwrap();
    let rev = ledger::reverse(&txn, fx.actor(), out.id, "wrong batch picked".into())
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(rev.quantity, 10);
    assert_eq!(rev.kind, MovementKind::ShipmentOut);
    assert_eq!(rev.reverses_id, Some(out.id));
    assert_eq!(rev.balance_after, 30);
    assert_eq!(rev.line_no, 3);

    let txn = fx.db().begin_write().await.unwrap();
    let again = ledger::reverse(&txn, fx.actor(), out.id, "again".into()).await;
    assert!(matches!(
        again,
        Err(Error::IllegalState {
            reason: StateReason::AlreadyReversed,
            ..
        })
    ));
    let of_reversal = ledger::reverse(&txn, fx.actor(), rev.id, "again".into()).await;
    assert!(matches!(
        of_reversal,
        Err(Error::IllegalState {
            reason: StateReason::ReversalNotReversible,
            ..
        })
    ));
    drop(txn);

    // Reversing a receipt whose stock has left is refused, not negative.
    post(
        &fx,
        posting(fx.centre, batch, -25, MovementKind::ShipmentOut),
    )
    .await
    .unwrap();
    let txn = fx.db().begin_write().await.unwrap();
    let r = ledger::reverse(&txn, fx.actor(), receipt.id, "duplicate receipt".into()).await;
    assert!(matches!(r, Err(Error::InsufficientStock { .. })));
    drop(txn);
    assert_ledger_consistent(&fx).await;
}

#[tokio::test]
async fn reservations_are_consumed_and_released_in_step_with_the_balance() {
    let fx = Fixture::new().await;
    let batch = fx.batch("S1", BatchStatus::Available, 365).await;
    post(
        &fx,
        posting(fx.centre, batch, 50, MovementKind::SupplierReceipt),
    )
    .await
    .unwrap();
    let doc = DocumentRef {
        doc_type: DocumentType::Shipment,
        line_id: None,
        id: Uuid::now_v7(),
        number: Some("SH-2026-000001".into()),
    };
    let txn = fx.db().begin_write().await.unwrap();
    let r = ledger::reserve(&txn, fx.actor(), fx.centre, batch, 20, doc.clone())
        .await
        .unwrap();
    txn.commit().await.unwrap();

    let txn = fx.db().begin_write().await.unwrap();
    let m = ledger::consume(
        &txn,
        fx.actor(),
        ledger::Consumption {
            reservation_id: r.id,
            quantity: 15,
            kind: MovementKind::ShipmentOut,
            document: None,
            reason: None,
            unit_cost_fen: Some(12),
        },
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(m.quantity, -15);
    assert_eq!(m.document_id, Some(doc.id));
    assert_eq!(m.balance_after, 35);
    let b = fx.balance(fx.centre, batch).await.unwrap();
    assert_eq!((b.on_hand, b.reserved), (35, 5));

    // More than is left on the reservation is refused.
    let txn = fx.db().begin_write().await.unwrap();
    assert!(
        ledger::release(&txn, fx.actor(), r.id, 6).await.is_err(),
        "only 5 are left on the reservation"
    );
    drop(txn);
    let txn = fx.db().begin_write().await.unwrap();
    let released = ledger::release(&txn, fx.actor(), r.id, 5).await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(released.status, ReservationStatus::Released);
    let b = fx.balance(fx.centre, batch).await.unwrap();
    assert_eq!((b.on_hand, b.reserved), (35, 0));

    let txn = fx.db().begin_write().await.unwrap();
    let closed = ledger::release(&txn, fx.actor(), r.id, 1).await;
    assert!(matches!(
        closed,
        Err(Error::IllegalState {
            reason: StateReason::ReservationNotActive,
            ..
        })
    ));
    drop(txn);
    assert_ledger_consistent(&fx).await;
}

/// One step of the property test.
#[derive(Debug, Clone)]
enum Op {
    Post(i64),
    Reserve(i64),
    Release(usize, i64),
    Consume(usize, i64),
    Reverse(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (-40i64..=40).prop_filter("non-zero", |q| *q != 0).prop_map(Op::Post),
        2 => (1i64..=25).prop_map(Op::Reserve),
        1 => (0usize..8, 1i64..=15).prop_map(|(i, q)| Op::Release(i, q)),
        1 => (0usize..8, 1i64..=15).prop_map(|(i, q)| Op::Consume(i, q)),
        1 => (0usize..16).prop_map(Op::Reverse),
    ]
}

#[derive(Default)]
struct Model {
    on_hand: i64,
    reserved: i64,
    /// (id, remaining, active)
    reservations: Vec<(Uuid, i64, bool)>,
    /// (id, quantity, reversed, is a reversal)
    movements: Vec<(Uuid, i64, bool, bool)>,
}

async fn apply(fx: &Fixture, batch: Uuid, model: &mut Model, op: &Op) -> Result<(), String> {
    let actor: Actor = fx.actor();
    let free = model.on_hand - model.reserved;
    let txn = fx.db().begin_write().await.map_err(|e| e.to_string())?;
    let inst = fx.centre;
    let outcome: Result<(), Error> = match op {
        Op::Post(q) => {
            let kind = if *q > 0 {
                MovementKind::SupplierReceipt
            } else {
                MovementKind::Dispense
            };
            let expect_ok = *q > 0 || free >= -q;
            let r = ledger::post(&txn, actor, posting(inst, batch, *q, kind)).await;
            if r.is_ok() != expect_ok {
                return Err(format!("post {q} with free {free}: {r:?}"));
            }
            r.map(|m| {
                model.on_hand += q;
                model.movements.push((m.id, *q, false, false));
            })
        }
        Op::Reserve(q) => {
            let doc = DocumentRef {
                doc_type: DocumentType::Shipment,
                line_id: None,
                id: Uuid::now_v7(),
                number: None,
            };
            let r = ledger::reserve(&txn, actor, inst, batch, *q, doc).await;
            if r.is_ok() != (free >= *q) {
                return Err(format!("reserve {q} with free {free}: {r:?}"));
            }
            r.map(|res| {
                model.reserved += q;
                model.reservations.push((res.id, *q, true));
            })
        }
        Op::Release(i, q) | Op::Consume(i, q) => {
            let Some(&(id, remaining, active)) = model.reservations.get(*i) else {
                return Ok(());
            };
            let expect_ok = active && remaining >= *q;
            let consume = matches!(op, Op::Consume(..));
            let r = if consume {
                ledger::consume(
                    &txn,
                    actor,
                    ledger::Consumption {
                        reservation_id: id,
                        quantity: *q,
                        kind: MovementKind::ShipmentOut,
                        document: None,
                        reason: None,
                        unit_cost_fen: None,
                    },
                )
                .await
                .map(|m| Some(m.id))
            } else {
                ledger::release(&txn, actor, id, *q).await.map(|_| None)
            };
            if r.is_ok() != expect_ok {
                return Err(format!("{op:?} on ({remaining}, {active}): {r:?}"));
            }
            r.map(|movement| {
                let entry = &mut model.reservations[*i];
                entry.1 -= q;
                entry.2 = entry.1 > 0;
                model.reserved -= q;
                if let Some(mid) = movement {
                    model.on_hand -= q;
                    model.movements.push((mid, -q, false, false));
                }
            })
        }
        Op::Reverse(i) => {
            let Some(&(id, q, reversed, is_reversal)) = model.movements.get(*i) else {
                return Ok(());
            };
            let expect_ok = !reversed && !is_reversal && (q < 0 || free >= q);
            let r = ledger::reverse(&txn, actor, id, "property".into()).await;
            if r.is_ok() != expect_ok {
                return Err(format!(
                    "reverse {q} (reversed {reversed}) free {free}: {r:?}"
                ));
            }
            r.map(|m| {
                model.movements[*i].2 = true;
                model.on_hand -= q;
                model.movements.push((m.id, -q, false, true));
            })
        }
    };
    match outcome {
        Ok(()) => txn.commit().await.map_err(|e| e.to_string())?,
        Err(_) => drop(txn),
    }
    let b = fx.balance(inst, batch).await;
    let (on_hand, reserved) = b.map(|b| (b.on_hand, b.reserved)).unwrap_or((0, 0));
    if (on_hand, reserved) != (model.on_hand, model.reserved) {
        return Err(format!(
            "after {op:?}: db ({on_hand}, {reserved}) model ({}, {})",
            model.on_hand, model.reserved
        ));
    }
    Ok(())
}

#[test]
fn ledger_matches_a_model_under_random_operations() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fx = rt.block_on(Fixture::new());
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 24,
        ..ProptestConfig::default()
    });
    runner
        .run(&proptest::collection::vec(op(), 1..30), |ops| {
            rt.block_on(async {
                let batch = fx
                    .batch(
                        &Uuid::now_v7().simple().to_string()[12..32],
                        BatchStatus::Available,
                        365,
                    )
                    .await;
                let mut model = Model::default();
                for op in &ops {
                    apply(&fx, batch, &mut model, op).await?;
                }
                let active: i64 = stock_reservation_sum(&fx, batch).await;
                if active != model.reserved {
                    return Err(format!(
                        "active reservations {active} vs {}",
                        model.reserved
                    ));
                }
                Ok(())
            })
            .map_err(TestCaseError::fail)
        })
        .unwrap();
    rt.block_on(assert_ledger_consistent(&fx));
}

async fn stock_reservation_sum(fx: &Fixture, batch: Uuid) -> i64 {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    stock_reservation::Entity::find()
        .filter(stock_reservation::Column::BatchId.eq(batch))
        .filter(stock_reservation::Column::Status.eq(ReservationStatus::Active))
        .all(fx.db().conn())
        .await
        .unwrap()
        .iter()
        .map(|r| r.quantity)
        .sum()
}

#[tokio::test]
async fn post_many_equals_the_same_lines_posted_one_by_one() {
    let one = Fixture::new().await;
    let many = Fixture::new().await;
    // Two batches, lines interleaved and repeated, at two institutions:
    // what a receipt plus a pick could look like.
    let mut lines = Vec::new();
    let (a1, b1) = (
        one.batch("PM-A", BatchStatus::Available, 365).await,
        one.batch("PM-B", BatchStatus::Available, 200).await,
    );
    let (a2, b2) = (
        many.batch("PM-A", BatchStatus::Available, 365).await,
        many.batch("PM-B", BatchStatus::Available, 200).await,
    );
    lines.push((0, true, 1_000));
    lines.push((0, false, 1_000));
    for i in 0..60i64 {
        let (inst, q) = match i % 4 {
            0 => (0, 10 + i),
            1 => (1, 5),
            2 => (0, -3),
            _ => (1, 2),
        };
        lines.push((inst, i % 3 == 0, q));
    }
    let to = |fx: &Fixture, a: Uuid, b: Uuid| -> Vec<Posting> {
        lines
            .iter()
            .map(|&(inst, first, q)| {
                let inst = if inst == 0 { fx.centre } else { fx.clinic };
                let kind = if q > 0 {
                    MovementKind::SupplierReceipt
                } else {
                    MovementKind::Dispense
                };
                posting(inst, if first { a } else { b }, q, kind)
            })
            .collect()
    };
    for p in to(&one, a1, b1) {
        post(&one, p).await.unwrap();
    }
    let txn = many.db().begin_write().await.unwrap();
    let posted = ledger::post_many(&txn, many.actor(), to(&many, a2, b2))
        .await
        .unwrap();
    txn.commit().await.unwrap();
    // In input order, each with its quantity.
    let quantities: Vec<i64> = posted.iter().map(|m| m.quantity).collect();
    assert_eq!(quantities, lines.iter().map(|l| l.2).collect::<Vec<_>>());
    for (fx, a, b) in [(&one, a1, b1), (&many, a2, b2)] {
        assert_ledger_consistent(fx).await;
        let _ = (a, b);
    }
    for (x, y) in [(a1, a2), (b1, b2)] {
        for (i1, i2) in [(one.centre, many.centre), (one.clinic, many.clinic)] {
            let l = one
                .balance(i1, x)
                .await
                .map(|b| (b.on_hand, b.movement_count));
            let r = many
                .balance(i2, y)
                .await
                .map(|b| (b.on_hand, b.movement_count));
            assert_eq!(l, r);
        }
    }
}

#[tokio::test]
async fn post_many_refuses_everything_when_one_line_is_refused() {
    let fx = Fixture::new().await;
    let good = fx.batch("PM-G", BatchStatus::Available, 365).await;
    let held = fx.batch("PM-Q", BatchStatus::Quarantined, 365).await;
    let txn = fx.db().begin_write().await.unwrap();
    let refused = ledger::post_many(
        &txn,
        fx.actor(),
        vec![
            posting(fx.centre, good, 10, MovementKind::SupplierReceipt),
            posting(fx.centre, held, 10, MovementKind::SupplierReceipt),
        ],
    )
    .await;
    drop(txn);
    assert!(matches!(
        refused,
        Err(Error::BatchBlocked {
            reason: BlockReason::Quarantined,
            ..
        })
    ));
    assert!(fx.balance(fx.centre, good).await.is_none());
    // Short stock on a later line: nothing of the earlier lines stays.
    post(&fx, posting(fx.clinic, good, 5, MovementKind::Opening))
        .await
        .unwrap();
    let txn = fx.db().begin_write().await.unwrap();
    let short = ledger::post_many(
        &txn,
        fx.actor(),
        vec![
            posting(fx.clinic, good, -2, MovementKind::Dispense),
            posting(fx.clinic, good, -4, MovementKind::Dispense),
        ],
    )
    .await;
    drop(txn);
    assert!(matches!(short, Err(Error::InsufficientStock { .. })));
    assert_eq!(fx.balance(fx.clinic, good).await.unwrap().on_hand, 5);
    assert_ledger_consistent(&fx).await;
}

#[tokio::test]
async fn recalled_stock_is_reservable_for_a_return_and_nothing_else() {
    let fx = Fixture::new().await;
    let batch = fx.batch("RC-1", BatchStatus::Available, 365).await;
    post(&fx, posting(fx.clinic, batch, 20, MovementKind::Opening))
        .await
        .unwrap();
    fx.set_batch_status(batch, BatchStatus::Recalled).await;
    let reserve = |doc_type| {
        let fx = &fx;
        async move {
            let txn = fx.db().begin_write().await?;
            let r = ledger::reserve(
                &txn,
                fx.actor(),
                fx.clinic,
                batch,
                5,
                DocumentRef {
                    doc_type,
                    id: Uuid::now_v7(),
                    line_id: Some(Uuid::now_v7()),
                    number: None,
                },
            )
            .await?;
            txn.commit().await?;
            Ok::<_, Error>(r)
        }
    };
    for doc in [
        DocumentType::Shipment,
        DocumentType::Prescription,
        DocumentType::Stocktake,
        DocumentType::Recall,
        DocumentType::GoodsReceipt,
    ] {
        assert!(
            matches!(
                reserve(doc).await,
                Err(Error::BatchBlocked {
                    reason: BlockReason::Recalled,
                    ..
                })
            ),
            "{doc:?}"
        );
    }
    // The return is a real shipment back to the centre, so that what it
    // takes out is in transit on its line (`ledger::verify` checks that).
    let (return_id, return_line) = return_shipment(&fx, batch, 5).await;
    let txn = fx.db().begin_write().await.unwrap();
    let held = ledger::reserve(
        &txn,
        fx.actor(),
        fx.clinic,
        batch,
        5,
        DocumentRef {
            doc_type: DocumentType::Return,
            id: return_id,
            line_id: Some(return_line),
            number: None,
        },
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(held.document_line_id, Some(return_line));
    // ... and the return can then take it out.
    let txn = fx.db().begin_write().await.unwrap();
    let out = ledger::consume(
        &txn,
        fx.actor(),
        ledger::Consumption {
            reservation_id: held.id,
            quantity: 5,
            kind: MovementKind::Return,
            document: None,
            reason: Some("recall".into()),
            unit_cost_fen: None,
        },
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(out.document_type, Some(DocumentType::Return));
    assert_eq!(out.document_line_id, held.document_line_id);
    assert_ledger_consistent(&fx).await;
}

#[test]
fn the_blocked_batch_table_has_a_decision_for_every_use() {
    use ledger::{Use, allowed_when_blocked};
    use sea_orm::Iterable;
    for reason in [
        BlockReason::Quarantined,
        BlockReason::Recalled,
        BlockReason::Expired,
    ] {
        let usable: Vec<MovementKind> = MovementKind::iter()
            .filter(|k| allowed_when_blocked(Use::Post(*k), reason))
            .collect();
        assert_eq!(
            usable,
            vec![
                MovementKind::Opening,
                MovementKind::Stocktake,
                MovementKind::Return,
                MovementKind::Recall,
                MovementKind::WriteOff
            ]
        );
        let reservable: Vec<DocumentType> = DocumentType::iter()
            .filter(|d| allowed_when_blocked(Use::Reserve(*d), reason))
            .collect();
        assert_eq!(reservable, vec![DocumentType::Return]);
    }
}

/// Below the ledger, the database keeps its own rules. On PostgreSQL a
/// movement's one key is its balance, `(institution, batch, item)`: a row
/// at an institution that holds no balance of the batch, or naming another
/// item than the batch's, is refused by the database itself. SQLite keeps
/// its single-column keys (see the migration `ledger_keys`): there the rows
/// must name a real institution, batch and item.
#[tokio::test]
async fn the_database_refuses_movements_that_bypass_the_balance() {
    use sea_orm::{DatabaseBackend, EntityTrait, IntoActiveModel};
    let fx = Fixture::new().await;
    let batch = fx.batch("K1", BatchStatus::Available, 365).await;
    let received = post(
        &fx,
        posting(fx.centre, batch, 30, MovementKind::SupplierReceipt),
    )
    .await
    .unwrap();
    let insert = async |m: stock_movement::Model| {
        stock_movement::Entity::insert(m.into_active_model())
            .exec_without_returning(fx.db().conn())
            .await
    };
    let stray = |institution_id, item_id| stock_movement::Model {
        id: Uuid::now_v7(),
        institution_id,
        item_id,
        line_no: 99,
        ..received.clone()
    };
    let postgres = fx.db().backend() == DatabaseBackend::Postgres;

    // The clinic holds no balance of the batch.
    let no_balance = insert(stray(fx.clinic, fx.item)).await;
    assert_eq!(no_balance.is_err(), postgres, "{no_balance:?}");
    // An item that is not the batch's (here: no item at all, on SQLite).
    let other_item = insert(stray(fx.centre, Uuid::now_v7())).await;
    assert!(other_item.is_err());
    // A reversal of a reversed movement: unique on both.
    let reversal = stock_movement::Model {
        id: Uuid::now_v7(),
        line_no: 100,
        quantity: -30,
        reverses_id: Some(received.id),
        ..received.clone()
    };
    insert(reversal.clone()).await.unwrap();
    let twice = insert(stock_movement::Model {
        id: Uuid::now_v7(),
        line_no: 101,
        ..reversal
    })
    .await;
    assert!(twice.is_err());
}
