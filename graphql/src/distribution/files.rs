//! Distribution's downloads: `GET /exports/pick-lists/{runId}.xlsx`,
//! `GET /exports/delivery-notes/{shipmentId}.xlsx`, and the package label
//! `GET /labels/shipment/{shipmentId}.svg|.png?package=k`.

use crate::auth::SignedIn;
use crate::barcode::files::split_format;
use crate::download::file;
use crate::error::error_response;
use axum::Router;
use axum::extract::{FromRef, Path, Query, State};
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
        .route("/exports/pick-lists/{file}", get(pick_list_xlsx))
        .route("/exports/delivery-notes/{file}", get(delivery_note_xlsx))
        .route("/labels/shipment/{file}", get(shipment_label))
}

/// `{id}.xlsx` → the id; anything else names nothing there is.
fn xlsx_id(name: &str, what: &'static str) -> Result<Uuid, Error> {
    name.strip_suffix(".xlsx")
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or_else(|| Error::not_found(what, name))
}

/// `{runId}.xlsx`: the run's pick list, named after the run.
async fn pick_list_xlsx(
    State(backend): State<Backend>,
    SignedIn(caller): SignedIn,
    Path(name): Path<String>,
) -> Response {
    let run = async {
        let id = xlsx_id(&name, "delivery run")?;
        // The export decides who may have it; the name comes after.
        let body = backend.export_pick_list(&caller, id).await?;
        let view = backend.delivery_run(&caller, id).await?;
        Ok::<_, Error>(file(XLSX, body, Some(&format!("{}.xlsx", view.run.number))))
    };
    run.await.unwrap_or_else(error_response)
}

/// `{shipmentId}.xlsx`: the delivery note, named after the shipment.
async fn delivery_note_xlsx(
    State(backend): State<Backend>,
    SignedIn(caller): SignedIn,
    Path(name): Path<String>,
) -> Response {
    let run = async {
        let id = xlsx_id(&name, "shipment")?;
        let body = backend.export_delivery_note(&caller, id).await?;
        let view = backend.shipment(&caller, id).await?;
        Ok::<_, Error>(file(
            XLSX,
            body,
            Some(&format!("{}.xlsx", view.shipment.number)),
        ))
    };
    run.await.unwrap_or_else(error_response)
}

#[derive(serde::Deserialize)]
struct Package {
    /// Kept as text so that a bad value is a coded `VALIDATION`, not the
    /// extractor's plain-text rejection.
    package: Option<String>,
}

/// `GET /labels/shipment/{shipmentId}.svg|.png?package=k`: the label of
/// package k (default 1) of the shipment.
async fn shipment_label(
    State(backend): State<Backend>,
    SignedIn(caller): SignedIn,
    Path(file_name): Path<String>,
    Query(query): Query<Package>,
) -> Response {
    let run = async {
        let (name, format, content_type) = split_format(&file_name)?;
        let id = Uuid::parse_str(name).map_err(|_| {
            Error::validation(
                "shipmentId",
                format!("{name:?} is not a valid id"),
                "配送单编号无效",
            )
        })?;
        let package = match query.package.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(raw.parse::<u32>().map_err(|_| {
                Error::validation(
                    "package",
                    format!("{raw:?} is not a package number"),
                    "件号须为正整数",
                )
            })?),
        };
        let body = backend.shipment_label(&caller, id, format, package).await?;
        Ok::<_, Error>(file(content_type, body, None))
    };
    run.await.unwrap_or_else(error_response)
}
