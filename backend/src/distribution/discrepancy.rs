//! The centre's resolution of what a receipt found different. Each
//! discrepancy is resolved once:
//!
//! - SHORT, DAMAGED, WRONG_BATCH: the units did not arrive in good order,
//!   so they leave transit as lost (`lost_quantity`). RESEND credits the
//!   member and puts the units back on the requisition's backorder for the
//!   next allocation; CREDIT credits the member (the centre bears it);
//!   WRITE_OFF only records the loss with its reason.
//! - OVER: more arrived than was sent, so the centre's count was wrong.
//!   ACCEPT posts the extra out of the centre and into the member on the
//!   same line, and charges it.
//!
//! Once nothing is unresolved and nothing is in transit, the shipment
//! closes, and its requisition follows.

use super::allocation::recount_allocated;
use super::shipment::{self, ShipmentView, document, set_status_all, settle_requisitions};
use crate::Backend;
use crate::authz::{self, Action, Caller, Scope};
use crate::command::{Audit, Command, Effect};
use crate::entity::enums::{
    DiscrepancyKind as K, DiscrepancyResolution as Res, MovementKind, ShipmentKind,
    ShipmentStatus as S,
};
use crate::entity::{shipment as ship, shipment_discrepancy as disc, shipment_line};
use crate::error::{Error, Result, StateReason};
use crate::ledger::{self, Actor, Posting};
use crate::procurement::member_account::{self, Charge};
use crate::text::required_text;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct ResolveInput {
    pub discrepancy_id: Uuid,
    pub resolution: Res,
    pub reason: String,
}

/// Which resolutions fit which kind.
pub fn resolution_fits(kind: K, resolution: Res) -> bool {
    match kind {
        K::Short | K::Damaged | K::WrongBatch => {
            matches!(resolution, Res::Resend | Res::Credit | Res::WriteOff)
        }
        K::Over => resolution == Res::Accept,
    }
}

impl Backend {
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn resolve_discrepancy(
        &self,
        caller: &Caller,
        input: ResolveInput,
    ) -> Result<ShipmentView> {
        authz::authorize(
            caller,
            Action::ManageDistribution,
            Scope::Community(caller.community_id),
        )?;
        let reason = required_text("reason", &input.reason, 500)?;
        let conn = self.db.conn();
        let d = disc::Entity::find_by_id(input.discrepancy_id)
            .one(conn)
            .await?
            .ok_or_else(|| Error::not_found("discrepancy", input.discrepancy_id))?;
        let s = self
            .shipment_in_community(conn, caller, d.shipment_id)
            .await?;
        if !resolution_fits(d.kind, input.resolution) {
            return Err(Error::validation(
                "resolution",
                format!(
                    "a {:?} discrepancy is resolved by {}",
                    d.kind,
                    if d.kind == K::Over {
                        "ACCEPT"
                    } else {
                        "RESEND, CREDIT or WRITE_OFF"
                    }
                ),
                if d.kind == K::Over {
                    "多到的货物只能确认接收"
                } else {
                    "短少、破损或错批只能补发、冲账或核销"
                },
            ));
        }
        if input.resolution == Res::Resend && s.requisition_id.is_none() {
            return Err(Error::validation(
                "resolution",
                "only a shipment made from a requisition can be resent; credit it instead",
                "非请领配送不能补发，请改为冲账",
            ));
        }
        let resolution = input.resolution;
        self.run(
            Command {
                operation: "resolveShipmentDiscrepancy",
                user_id: caller.user_id,
                idempotency: None,
            },
            async |txn, now| {
                let s = ship::Entity::find_by_id(s.id)
                    .lock_exclusive()
                    .one(&**txn)
                    .await?
                    .ok_or_else(|| Error::not_found("shipment", s.id))?;
                if s.status != S::Received {
                    return Err(shipment::illegal_transition(&s, S::Closed));
                }
                let done = disc::Entity::update_many()
                    .col_expr(disc::Column::Resolution, Expr::value(resolution))
                    .col_expr(disc::Column::ResolutionReason, Expr::value(reason.clone()))
                    .col_expr(disc::Column::ResolvedBy, Expr::value(caller.user_id))
                    .col_expr(disc::Column::ResolvedAt, Expr::value(now))
                    .filter(disc::Column::Id.eq(d.id))
                    .filter(disc::Column::Resolution.is_null())
                    .exec(&**txn)
                    .await?;
                if done.rows_affected != 1 {
                    return Err(Error::illegal_state(
                        StateReason::DiscrepancyResolved,
                        "this discrepancy was already resolved",
                    ));
                }
                let line = shipment_line::Entity::find_by_id(d.shipment_line_id)
                    .one(&**txn)
                    .await?
                    .ok_or_else(|| Error::not_found("shipment line", d.shipment_line_id))?;
                let actor = Actor {
                    user_id: caller.user_id,
                    now,
                };
                use shipment_line::Column as L;
                let mut charges = Vec::new();
                match resolution {
                    Res::Resend | Res::Credit | Res::WriteOff => {
                        // The CHECK keeps received + lost within what was sent.
                        shipment_line::Entity::update_many()
                            .col_expr(L::LostQuantity, Expr::col(L::LostQuantity).add(d.quantity))
                            .filter(L::Id.eq(line.id))
                            .exec(&**txn)
                            .await?;
                        if resolution != Res::WriteOff && s.kind == ShipmentKind::Delivery {
                            charges.push(Charge {
                                member_id: s.to_institution_id,
                                batch_id: line.batch_id,
                                item_id: line.item_id,
                                quantity: -d.quantity,
                                document: document(&s, Some(line.id)),
                                movement_id: None,
                                occurred_at: now,
                            });
                        }
                    }
                    Res::Accept => {
                        let (out_kind, in_kind) = match s.kind {
                            ShipmentKind::Delivery => {
                                (MovementKind::ShipmentOut, MovementKind::ShipmentIn)
                            }
                            ShipmentKind::Return => (MovementKind::Return, MovementKind::Return),
                        };
                        let posted = ledger::post_many(
                            txn,
                            actor,
                            vec![
                                Posting {
                                    institution_id: s.from_institution_id,
                                    batch_id: line.batch_id,
                                    quantity: -d.quantity,
                                    kind: out_kind,
                                    document: Some(document(&s, Some(line.id))),
                                    reason: Some(reason.clone()),
                                    unit_cost_fen: None,
                                    occurred_at: None,
                                },
                                Posting {
                                    institution_id: s.to_institution_id,
                                    batch_id: line.batch_id,
                                    quantity: d.quantity,
                                    kind: in_kind,
                                    document: Some(document(&s, Some(line.id))),
                                    reason: Some(reason.clone()),
                                    unit_cost_fen: None,
                                    occurred_at: None,
                                },
                            ],
                        )
                        .await?;
                        shipment_line::Entity::update_many()
                            .col_expr(L::Quantity, Expr::col(L::Quantity).add(d.quantity))
                            .col_expr(
                                L::ReceivedQuantity,
                                Expr::col(L::ReceivedQuantity).add(d.quantity),
                            )
                            .filter(L::Id.eq(line.id))
                            .exec(&**txn)
                            .await?;
                        let (member, quantity) = match s.kind {
                            ShipmentKind::Delivery => (s.to_institution_id, d.quantity),
                            ShipmentKind::Return => (s.from_institution_id, -d.quantity),
                        };
                        charges.push(Charge {
                            member_id: member,
                            batch_id: line.batch_id,
                            item_id: line.item_id,
                            quantity,
                            document: document(&s, Some(line.id)),
                            movement_id: posted.first().map(|m| m.id),
                            occurred_at: now,
                        });
                    }
                }
                member_account::charge(txn, caller.community_id, now, &charges).await?;
                if resolution == Res::Resend
                    && let Some(r) = s.requisition_id
                {
                    // The lost units are no longer on any shipment: the
                    // line's allocation drops by them, and they are
                    // backordered again.
                    recount_allocated(txn, &[r]).await?;
                }
                let open: u64 = {
                    use sea_orm::PaginatorTrait;
                    disc::Entity::find()
                        .filter(disc::Column::ShipmentId.eq(s.id))
                        .filter(disc::Column::Resolution.is_null())
                        .count(&**txn)
                        .await?
                };
                let in_transit: Vec<(i64, i64, i64)> = shipment_line::Entity::find()
                    .select_only()
                    .column(L::Quantity)
                    .column(L::ReceivedQuantity)
                    .column(L::LostQuantity)
                    .filter(L::ShipmentId.eq(s.id))
                    .into_tuple()
                    .all(&**txn)
                    .await?;
                let left: i64 = in_transit.iter().map(|(q, r, l)| q - r - l).sum();
                if open == 0 && left == 0 {
                    set_status_all(
                        txn,
                        std::slice::from_ref(&s),
                        S::Received,
                        S::Closed,
                        now,
                        |u| u,
                    )
                    .await?;
                    if let Some(r) = s.requisition_id {
                        settle_requisitions(txn, &[r], now).await?;
                    }
                }
                let out = shipment::views(
                    &**txn,
                    vec![
                        ship::Entity::find_by_id(s.id)
                            .one(&**txn)
                            .await?
                            .ok_or_else(|| Error::not_found("shipment", s.id))?,
                    ],
                )
                .await?
                .pop()
                .ok_or_else(|| Error::not_found("shipment", s.id))?;
                Ok(Effect::Changed {
                    result_id: out.shipment.id,
                    audit: Audit {
                        institution_id: Some(s.from_institution_id),
                        entity_type: "shipment_discrepancy",
                        entity_ids: vec![d.id, s.id],
                        detail: Some(serde_json::json!({
                            "shipment": s.number,
                            "kind": format!("{:?}", d.kind),
                            "quantity": d.quantity,
                            "resolution": format!("{resolution:?}"),
                            "reason": reason,
                        })),
                    },
                    value: out,
                })
            },
        )
        .await?
        .once()
    }
}
