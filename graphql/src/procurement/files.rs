//! Procurement's downloads: `GET /exports/procurement-plan.xlsx` and
//! `GET /exports/purchase-orders/{id}.xlsx`.

use crate::auth::SignedIn;
use crate::download::file;
use crate::error::error_response;
use axum::Router;
use axum::extract::{FromRef, Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use chrono::NaiveDate;
use uuid::Uuid;
use yaolian_backend::{Backend, Error};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn routes<S>() -> Router<S>
where
    Backend: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/exports/procurement-plan.xlsx", get(plan_xlsx))
        .route("/exports/purchase-orders/{file}", get(order_xlsx))
        .route("/exports/payables.xlsx", get(payables_xlsx))
        .route("/exports/member-statements.xlsx", get(statements_xlsx))
}

async fn plan_xlsx(State(backend): State<Backend>, SignedIn(caller): SignedIn) -> Response {
    let run = async {
        let body = backend.export_procurement_plan(&caller).await?;
        Ok::<_, Error>(file(XLSX, body, Some("procurement-plan.xlsx")))
    };
    run.await.unwrap_or_else(error_response)
}

/// `{id}.xlsx`: the order as its supplier receives it.
async fn order_xlsx(
    State(backend): State<Backend>,
    SignedIn(caller): SignedIn,
    Path(name): Path<String>,
) -> Response {
    let run = async {
        let id = name
            .strip_suffix(".xlsx")
            .and_then(|id| Uuid::parse_str(id).ok())
            .ok_or_else(|| Error::not_found("purchase order", &name))?;
        let view = backend.purchase_order(&caller, id).await?;
        let body = backend.export_purchase_order(&caller, id).await?;
        Ok::<_, Error>(file(
            XLSX,
            body,
            Some(&format!("{}.xlsx", view.order.number)),
        ))
    };
    run.await.unwrap_or_else(error_response)
}

async fn payables_xlsx(State(backend): State<Backend>, SignedIn(caller): SignedIn) -> Response {
    let run = async {
        let body = backend.export_payables(&caller).await?;
        Ok::<_, Error>(file(XLSX, body, Some("payables.xlsx")))
    };
    run.await.unwrap_or_else(error_response)
}

#[derive(serde::Deserialize)]
struct Period {
    from: Option<String>,
    to: Option<String>,
}

fn date(field: &str, raw: Option<&str>) -> Result<NaiveDate, Error> {
    raw.and_then(|d| d.trim().parse().ok()).ok_or_else(|| {
        Error::validation(
            field,
            "give the day as YYYY-MM-DD",
            "请填写日期（YYYY-MM-DD）",
        )
    })
}

/// `?from=YYYY-MM-DD&to=YYYY-MM-DD`: a summary and a sheet per member.
async fn statements_xlsx(
    State(backend): State<Backend>,
    SignedIn(caller): SignedIn,
    Query(period): Query<Period>,
) -> Response {
    let run = async {
        let from = date("from", period.from.as_deref())?;
        let to = date("to", period.to.as_deref())?;
        let body = backend.export_member_statements(&caller, from, to).await?;
        Ok::<_, Error>(file(
            XLSX,
            body,
            Some(&format!("member-statements-{from}-{to}.xlsx")),
        ))
    };
    run.await.unwrap_or_else(error_response)
}
