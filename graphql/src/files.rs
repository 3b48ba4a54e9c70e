//! Plain authenticated downloads: label SVG/PNG and spreadsheets.

use crate::auth::bearer;
use crate::error::request_error;
use crate::http::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;
use yaolian_backend::authz::Caller;
use yaolian_backend::label::LabelFormat;
use yaolian_backend::{Error, error::AuthFailure};

/// The HTTP status that fits a backend error, with the GraphQL-shaped body.
pub fn error_response(err: Error) -> Response {
    crate::error::log_internal(&err);
    let status = match &err {
        Error::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        Error::Forbidden(_) => StatusCode::FORBIDDEN,
        Error::NotFound { .. } => StatusCode::NOT_FOUND,
        Error::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::Conflict(_) | Error::IllegalState { .. } => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let body = request_error(
        err.code(),
        err.code(),
        &format!("{err} ({})", err.message_zh()),
    );
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

pub async fn authenticate(app: &AppState, headers: &HeaderMap) -> Result<Caller, Error> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(Error::Unauthenticated(AuthFailure::MissingToken))?;
    let token = bearer(value).ok_or(Error::Unauthenticated(AuthFailure::InvalidToken))?;
    app.backend.authenticate(token).await
}

fn file(content_type: &'static str, body: Vec<u8>, filename: Option<&str>) -> Response {
    let mut resp = (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        body,
    )
        .into_response();
    if let Some(name) = filename
        && let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
    {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// `name.ext` → (name, format).
fn split_format(file_name: &str) -> Result<(&str, LabelFormat, &'static str), Error> {
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
pub async fn batch_label(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(file_name): Path<String>,
) -> Response {
    let run = async {
        let caller = authenticate(&app, &headers).await?;
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
        let body = app.backend.batch_label(&caller, id, format).await?;
        Ok::<_, Error>(file(content_type, body, None))
    };
    run.await.unwrap_or_else(error_response)
}

/// `GET /labels/location/{code}.svg|.png`.
pub async fn location_label(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(file_name): Path<String>,
) -> Response {
    let run = async {
        let caller = authenticate(&app, &headers).await?;
        let (code, format, content_type) = split_format(&file_name)?;
        let body = app.backend.location_label(&caller, code, format).await?;
        Ok::<_, Error>(file(content_type, body, None))
    };
    run.await.unwrap_or_else(error_response)
}

/// `GET /exports/catalogue.xlsx`: the whole catalogue, in the import's layout.
pub async fn catalogue_xlsx(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let run = async {
        let caller = authenticate(&app, &headers).await?;
        let body = app.backend.export_catalogue(&caller).await?;
        Ok::<_, Error>(file(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            body,
            Some("catalogue.xlsx"),
        ))
    };
    run.await.unwrap_or_else(error_response)
}
