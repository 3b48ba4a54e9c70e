//! Delivery runs: the allocated shipments of one route (a township centre
//! and its village clinics, or a member on its own) that leave together on
//! a planned date, with a vehicle or driver note. Planning a run sets its
//! shipments' planned date; dispatching it dispatches them all at once.

use super::allocation::route_of;
use super::shipment::{self, ShipmentView};
use crate::Backend;
use crate::authz::{self, Action, Caller, Scope};
use crate::clock::business_date;
use crate::command::{Audit, Command, Effect};
use crate::entity::enums::{DeliveryRunStatus, ShipmentKind, ShipmentStatus};
use crate::entity::{delivery_run, shipment as ship};
use crate::error::{Error, Result, StateReason};
use crate::text::optional_text;
use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;
use yaolian_labels::document_number::kind;

#[derive(Debug, Clone)]
pub struct DeliveryRunInput {
    pub route_institution_id: Uuid,
    pub planned_date: NaiveDate,
    pub vehicle_note: Option<String>,
    /// The shipments to carry; all allocated shipments of the route not
    /// yet on a run when `None`.
    pub shipment_ids: Option<Vec<Uuid>>,
}

#[derive(Debug, Clone)]
pub struct DeliveryRunView {
    pub run: delivery_run::Model,
    pub shipments: Vec<ShipmentView>,
}

impl Backend {
    async fn run_view(&self, run: delivery_run::Model) -> Result<DeliveryRunView> {
        let conn = self.db.conn();
        let rows = ship::Entity::find()
            .filter(ship::Column::DeliveryRunId.eq(run.id))
            .order_by_asc(ship::Column::Id)
            .all(conn)
            .await?;
        Ok(DeliveryRunView {
            run,
            shipments: shipment::views(conn, rows).await?,
        })
    }

    pub async fn delivery_run(&self, caller: &Caller, id: Uuid) -> Result<DeliveryRunView> {
        authz::authorize(
            caller,
            Action::ManageDistribution,
            Scope::Community(caller.community_id),
        )
        .or_else(|_| {
            authz::authorize(
                caller,
                Action::ReadProcurement,
                Scope::Community(caller.community_id),
            )
        })?;
        let run = delivery_run::Entity::find_by_id(id)
            .one(self.db.conn())
            .await?
            .filter(|r| r.community_id == caller.community_id)
            .ok_or_else(|| Error::not_found("delivery run", id))?;
        self.run_view(run).await
    }

    /// Runs, the next to leave first.
    pub async fn delivery_runs(
        &self,
        caller: &Caller,
        status: Option<DeliveryRunStatus>,
    ) -> Result<Vec<DeliveryRunView>> {
        authz::authorize(
            caller,
            Action::ReadProcurement,
            Scope::Community(caller.community_id),
        )?;
        let mut q = delivery_run::Entity::find()
            .filter(delivery_run::Column::CommunityId.eq(caller.community_id));
        if let Some(s) = status {
            q = q.filter(delivery_run::Column::Status.eq(s));
        }
        let runs = q
            .order_by_asc(delivery_run::Column::PlannedDate)
            .order_by_asc(delivery_run::Column::Id)
            .all(self.db.conn())
            .await?;
        let mut out = Vec::new();
        for r in runs {
            out.push(self.run_view(r).await?);
        }
        Ok(out)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn plan_delivery_run(
        &self,
        caller: &Caller,
        input: DeliveryRunInput,
    ) -> Result<DeliveryRunView> {
        authz::authorize(
            caller,
            Action::ManageDistribution,
            Scope::Community(caller.community_id),
        )?;
        let note = optional_text("vehicleNote", input.vehicle_note.as_deref(), 200)?;
        let today = business_date(self.clock.now());
        if input.planned_date < today {
            return Err(Error::validation(
                "plannedDate",
                "a run is planned for today or later",
                "配送日期不能早于今天",
            ));
        }
        let route = self
            .institution_in_community(caller, input.route_institution_id)
            .await?;
        if route_of(&route) != route.id {
            return Err(Error::validation(
                "routeInstitutionId",
                format!(
                    "{} is delivered with its township centre's route; plan that route",
                    route.name
                ),
                format!("{} 随所属乡镇卫生院线路配送", route.name),
            ));
        }
        let conn = self.db.conn();
        let allocated = ship::Entity::find()
            .filter(ship::Column::CommunityId.eq(caller.community_id))
            .filter(ship::Column::Status.eq(ShipmentStatus::Allocated))
            .filter(ship::Column::Kind.eq(ShipmentKind::Delivery))
            .all(conn)
            .await?;
        let dests = self
            .institutions_map(
                conn,
                allocated.iter().map(|s| s.to_institution_id).collect(),
            )
            .await?;
        let on_route =
            |s: &ship::Model| dests.get(&s.to_institution_id).map(route_of) == Some(route.id);
        let chosen: Vec<Uuid> = match &input.shipment_ids {
            Some(ids) => {
                for id in ids {
                    let s = allocated.iter().find(|s| s.id == *id).ok_or_else(|| {
                        Error::validation(
                            "shipmentIds",
                            format!("shipment {id} is not an allocated delivery"),
                            "所选配送单不是待发货状态",
                        )
                    })?;
                    if !on_route(s) {
                        return Err(Error::validation(
                            "shipmentIds",
                            format!("{} goes to another route", s.number),
                            format!("{} 不属于该线路", s.number),
                        ));
                    }
                }
                ids.clone()
            }
            None => allocated
                .iter()
                .filter(|s| s.delivery_run_id.is_none() && on_route(s))
                .map(|s| s.id)
                .collect(),
        };
        let run = self
            .run(
                Command {
                    operation: "planDeliveryRun",
                    user_id: caller.user_id,
                    idempotency: None,
                },
                async |txn, now| {
                    let number =
                        crate::numbering::next(txn, caller.community_id, kind::DELIVERY_RUN, now)
                            .await?;
                    let run = delivery_run::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        community_id: Set(caller.community_id),
                        number: Set(number),
                        route_institution_id: Set(route.id),
                        planned_date: Set(input.planned_date),
                        vehicle_note: Set(note.clone()),
                        status: Set(DeliveryRunStatus::Planned),
                        created_by: Set(caller.user_id),
                        created_at: Set(now),
                        updated_at: Set(now),
                    }
                    .insert(&**txn)
                    .await?;
                    for chunk in chosen.chunks(500) {
                        let done = ship::Entity::update_many()
                            .col_expr(ship::Column::DeliveryRunId, Expr::value(run.id))
                            .col_expr(ship::Column::PlannedDate, Expr::value(input.planned_date))
                            .col_expr(ship::Column::UpdatedAt, Expr::value(now))
                            .filter(ship::Column::Id.is_in(chunk.to_vec()))
                            .filter(ship::Column::Status.eq(ShipmentStatus::Allocated))
                            .exec(&**txn)
                            .await?;
                        if done.rows_affected != chunk.len() as u64 {
                            return Err(Error::Conflict(
                                "a shipment was changed at the same moment; reload and try again"
                                    .into(),
                            ));
                        }
                    }
                    Ok(Effect::Changed {
                        result_id: run.id,
                        audit: Audit {
                            institution_id: Some(caller.institution_id),
                            entity_type: "delivery_run",
                            entity_ids: vec![run.id, route.id],
                            detail: Some(serde_json::json!({
                                "number": run.number,
                                "plannedDate": run.planned_date,
                                "shipments": chosen.len(),
                            })),
                        },
                        value: run,
                    })
                },
            )
            .await?
            .once()?;
        self.run_view(run).await
    }

    /// Dispatches every allocated shipment of the run in one transaction.
    pub async fn dispatch_delivery_run(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<DeliveryRunView> {
        let view = self.delivery_run(caller, id).await?;
        if view.run.status != DeliveryRunStatus::Planned {
            return Err(Error::illegal_state(
                StateReason::DeliveryRunTransition,
                format!(
                    "delivery run {} was already dispatched or cancelled",
                    view.run.number
                ),
            ));
        }
        let ids: Vec<Uuid> = view
            .shipments
            .iter()
            .filter(|s| s.shipment.status == ShipmentStatus::Allocated)
            .map(|s| s.shipment.id)
            .collect();
        if ids.is_empty() {
            return Err(Error::illegal_state(
                StateReason::DeliveryRunTransition,
                format!(
                    "delivery run {} has no shipment to dispatch",
                    view.run.number
                ),
            ));
        }
        self.dispatch_shipments(caller, &ids, Some(&view.run))
            .await?;
        self.delivery_run(caller, id).await
    }
}
