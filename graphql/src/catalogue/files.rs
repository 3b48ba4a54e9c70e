//! `GET /exports/catalogue.xlsx`.

use crate::auth::SignedIn;
use crate::download::file;
use crate::error::error_response;
use axum::Router;
use axum::extract::{FromRef, State};
use axum::response::Response;
use axum::routing::get;
use yaolian_backend::{Backend, Error};

pub fn routes<S>() -> Router<S>
where
    Backend: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new().route("/exports/catalogue.xlsx", get(catalogue_xlsx))
}

/// `GET /exports/catalogue.xlsx`: the whole catalogue, in the import's layout.
async fn catalogue_xlsx(State(backend): State<Backend>, SignedIn(caller): SignedIn) -> Response {
    let run = async {
        let body = backend.export_catalogue(&caller).await?;
        Ok::<_, Error>(file(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            body,
            Some("catalogue.xlsx"),
        ))
    };
    run.await.unwrap_or_else(error_response)
}
