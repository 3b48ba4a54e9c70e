//! Procurement's downloads: `GET /exports/procurement-plan.xlsx` and
//! `GET /exports/purchase-orders/{id}.xlsx`.

use crate::auth::SignedIn;
use crate::download::file;
use crate::error::error_response;
use axum::Router;
use axum::extract::{FromRef, Path, State};
use axum::response::Response;
use axum::routing::get;
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
