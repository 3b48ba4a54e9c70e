//! The HTTP surface: `/graphql`, GraphiQL at `/`, `/healthz`, `/readyz`.
//!
//! The GraphQL handler reads the body itself so that every failure, even one
//! before GraphQL runs (too large, not JSON), answers in GraphQL's error shape
//! with a code.

use crate::auth::{Auth, bearer};
use crate::error::{ensure_code, request_error};
use crate::loaders::Loaders;
use crate::schema::YaolianSchema;
use async_graphql::http::{GraphiQLSource, MultipartOptions};
use async_graphql::{BatchRequest, BatchResponse};
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use yaolian_backend::Backend;

/// A GraphQL request in JSON is small; 1 MiB is generous.
pub const MAX_JSON_BODY: usize = 1024 * 1024;
/// Uploads (spreadsheets) are bigger, but bounded.
pub const MAX_MULTIPART_BODY: usize = 16 * 1024 * 1024;
/// Operations in one batched request.
pub const MAX_BATCH: usize = 16;

#[derive(Clone)]
pub struct AppState {
    pub backend: Backend,
    pub schema: YaolianSchema,
}

pub fn router(backend: Backend) -> Router {
    let schema = crate::schema::build(backend.clone());
    let state = AppState { backend, schema };
    Router::new()
        .route("/", get(graphiql))
        .route("/graphql", get(graphiql).post(graphql))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/exports/catalogue.xlsx", get(crate::files::catalogue_xlsx))
        .route("/labels/batch/{file}", get(crate::files::batch_label))
        .route("/labels/location/{file}", get(crate::files::location_label))
        .with_state(state)
        .layer(CatchPanicLayer::custom(|_| {
            json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                request_error("INTERNAL", "PANIC", "internal error"),
            )
        }))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(60),
        ))
        .layer(TraceLayer::new_for_http())
}

async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").finish())
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(app): State<AppState>) -> Response {
    match app.backend.ready().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response(),
    }
}

fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

async fn graphql(State(app): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let multipart = content_type.starts_with("multipart/form-data");
    let limit = if multipart {
        MAX_MULTIPART_BODY
    } else {
        MAX_JSON_BODY
    };
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => {
            return json_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                request_error(
                    "PAYLOAD_TOO_LARGE",
                    "PAYLOAD_TOO_LARGE",
                    &format!("request body is larger than {limit} bytes (请求体过大)"),
                ),
            );
        }
    };

    let request = if multipart {
        async_graphql::http::receive_batch_body(
            Some(content_type.as_str()),
            futures::io::Cursor::new(bytes.to_vec()),
            MultipartOptions::default()
                .max_file_size(MAX_MULTIPART_BODY)
                .max_num_files(4),
        )
        .await
        .map_err(|e| e.to_string())
    } else {
        serde_json::from_slice::<BatchRequest>(&bytes).map_err(|e| e.to_string())
    };
    let request = match request {
        Ok(r) => r,
        Err(why) => {
            return json_response(
                StatusCode::BAD_REQUEST,
                request_error(
                    "VALIDATION",
                    "BAD_REQUEST",
                    &format!("the body is not a GraphQL request: {why} (请求格式错误)"),
                ),
            );
        }
    };

    let auth = match headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        None => Auth::Anonymous,
        Some(value) => match bearer(value) {
            Some(token) => Auth::from_result(app.backend.authenticate(token).await),
            None => Auth::Refused(yaolian_backend::error::AuthFailure::InvalidToken),
        },
    };
    let mut request = request;
    if let BatchRequest::Batch(list) = &request
        && list.len() > MAX_BATCH
    {
        return json_response(
            StatusCode::BAD_REQUEST,
            request_error(
                "VALIDATION",
                "BATCH_TOO_LARGE",
                &format!("at most {MAX_BATCH} operations per batch (批量请求过多)"),
            ),
        );
    }
    if let Auth::Caller(caller) = &auth {
        let with_loaders = |r: async_graphql::Request| r.data(Loaders::new(&app.backend, caller));
        request = match request {
            BatchRequest::Single(r) => BatchRequest::Single(with_loaders(r)),
            BatchRequest::Batch(rs) => {
                BatchRequest::Batch(rs.into_iter().map(with_loaders).collect())
            }
        };
    }
    let mut response = app.schema.execute_batch(request.data(auth)).await;
    for_each_error(&mut response, |e| ensure_code(e, "BAD_REQUEST"));
    json_response(
        StatusCode::OK,
        serde_json::to_value(&response).unwrap_or_default(),
    )
}

fn for_each_error(
    response: &mut BatchResponse,
    mut f: impl FnMut(&mut async_graphql::ServerError),
) {
    match response {
        BatchResponse::Single(r) => r.errors.iter_mut().for_each(&mut f),
        BatchResponse::Batch(rs) => rs
            .iter_mut()
            .flat_map(|r| r.errors.iter_mut())
            .for_each(&mut f),
    }
}
