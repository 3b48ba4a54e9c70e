//! Printable labels: `GET /labels/batch/{batchId}.svg|.png` and
//! `GET /labels/location/{code}.svg|.png`.

use crate::auth::SignedIn;
use crate::download::file;
use crate::error::error_response;
use axum::Router;
use axum::extract::{FromRef, Path, State};
use axum::response::Response;
use axum::routing::get;
use uuid::Uuid;
use yaolian_backend::label::LabelFormat;
use yaolian_backend::{Backend, Error};

pub fn routes<S>() -> Router<S>
where
    Backend: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/labels/batch/{file}", get(batch_label))
        .route("/labels/location/{file}", get(location_label))
}

/// `name.ext` → (name, format).
pub(crate) fn split_format(file_name: &str) -> Result<(&str, LabelFormat, &'static str), Error> {
    let (name, ext) = file_name.rsplit_once('.').ok_or_else(not_a_label_format)?;
    match ext {
        "svg" => Ok((name, LabelFormat::Svg, "image/svg+xml")),
        "png" => Ok((name, LabelFormat::Png, "image/png")),
        _ => Err(not_a_label_format()),
    }
}

fn not_a_label_format() -> Error {
    Error::validation("file", "ask for .svg or .png", "请求 .svg 或 .png 格式")
}

/// `GET /labels/batch/{batchId}.svg|.png`; `{batchId}.dm.svg` for a GS1
/// DataMatrix.
async fn batch_label(
    State(backend): State<Backend>,
    SignedIn(caller): SignedIn,
    Path(file_name): Path<String>,
) -> Response {
    let run = async {
        let (name, mut format, mut content_type) = split_format(&file_name)?;
        let name = match name.strip_suffix(".dm") {
            Some(n) if format == LabelFormat::Svg => {
                format = LabelFormat::DataMatrixSvg;
                content_type = "image/svg+xml";
                n
            }
            _ => name,
        };
        let id = Uuid::parse_str(name).map_err(|_| {
            Error::validation(
                "batchId",
                format!("{name:?} is not a valid id"),
                "批次编号无效",
            )
        })?;
        let body = backend.batch_label(&caller, id, format).await?;
        Ok::<_, Error>(file(content_type, body, None))
    };
    run.await.unwrap_or_else(error_response)
}

/// `GET /labels/location/{code}.svg|.png`.
async fn location_label(
    State(backend): State<Backend>,
    SignedIn(caller): SignedIn,
    Path(file_name): Path<String>,
) -> Response {
    let run = async {
        let (code, format, content_type) = split_format(&file_name)?;
        let body = backend.location_label(&caller, code, format).await?;
        Ok::<_, Error>(file(content_type, body, None))
    };
    run.await.unwrap_or_else(error_response)
}
