//! The HTTP surface: the web app at `/` (see `web.rs`), `/graphql`, a query
//! console at `/graphiql`, `/healthz`, `/readyz`,
//! `/metrics` (signed-in administrators and auditors; or
//! [`metrics_router`] on a private address).
//!
//! The GraphQL handler reads the body itself so that every failure, even one
//! before GraphQL runs (too large, not JSON), answers in GraphQL's error shape
//! with a code.

use crate::auth::Auth;
use crate::config::HttpSettings;
use crate::error::{ensure_code, request_error};
use crate::limits::RequestAllowance;
use crate::loaders::LoaderSlot;
use crate::schema::YaolianSchema;
use async_graphql::http::MultipartOptions;
use async_graphql::{BatchRequest, BatchResponse};
use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use std::net::SocketAddr;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use yaolian_backend::Backend;
use yaolian_backend::auth::ClientInfo;

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
    pub http: HttpSettings,
}

/// The areas' download routes need only the backend.
impl axum::extract::FromRef<AppState> for Backend {
    fn from_ref(app: &AppState) -> Backend {
        app.backend.clone()
    }
}

/// The router with the default limits.
pub fn router(backend: Backend) -> Router {
    router_with(backend, HttpSettings::default())
}

/// Only `/metrics`, without sign-in: serve it on an address only the
/// monitoring can reach (`metrics_listen`).
pub fn metrics_router(backend: Backend) -> Router {
    let schema = crate::schema::build(backend.clone());
    let state = AppState {
        backend,
        schema,
        http: HttpSettings::default(),
    };
    Router::new()
        .route("/metrics", get(crate::observe::open_metrics))
        .with_state(state)
}

pub fn router_with(backend: Backend, http: HttpSettings) -> Router {
    let schema = crate::schema::build(backend.clone());
    let timeout = http.request_timeout;
    let state = AppState {
        backend,
        schema,
        http,
    };
    Router::new()
        .route("/metrics", get(crate::observe::metrics))
        .route("/graphiql", get(console))
        .route("/graphql", get(console).post(graphql))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(crate::catalogue::files::routes())
        .merge(crate::barcode::files::routes())
        .merge(crate::procurement::files::routes())
        .merge(crate::distribution::files::routes())
        .merge(crate::session::routes())
        .fallback(get(crate::web::serve))
        .with_state(state)
        .layer(axum::middleware::map_response(security_headers))
        .layer(CatchPanicLayer::custom(|_| {
            json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                request_error("INTERNAL", "PANIC", "internal error"),
            )
        }))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(axum::middleware::from_fn(crate::observe::trace_request))
}

/// The router as a service that knows each connection's peer address, which
/// sign-in throttling counts by. Serve with `axum::serve(listener, service(router))`.
pub fn service(
    router: Router,
) -> axum::extract::connect_info::IntoMakeServiceWithConnectInfo<Router, SocketAddr> {
    router.into_make_service_with_connect_info::<SocketAddr>()
}

/// The console page is yaolian's own: inline script and style, requests to
/// this server only, nothing from another host (county servers have no
/// internet).
const CONSOLE_CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; \
    style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
    form-action 'none'";
/// An SVG label is a picture: no scripts, no loads, not even inline styles
/// from elsewhere.
const SVG_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox";
/// Everything else is data.
const DATA_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// Every response: no MIME sniffing (a label must never run as HTML), and
/// a Content-Security-Policy fitted to what it is.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let csp = if kind.starts_with("text/html") {
        CONSOLE_CSP
    } else if kind.starts_with("image/svg+xml") {
        SVG_CSP
    } else {
        DATA_CSP
    };
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(csp));
    response
}

/// A small query console for operators, until the web app is served here.
async fn console() -> Html<&'static str> {
    Html(include_str!("console.html"))
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

pub(crate) fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Only these bodies are GraphQL requests. Refusing anything else (a
/// `text/plain` form post above all) means a web page elsewhere cannot send
/// a request here without a CORS preflight, which this server never grants.
fn body_kind(content_type: &str) -> Option<BodyKind> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/json" | "application/graphql-response+json" => Some(BodyKind::Json),
        "multipart/form-data" => Some(BodyKind::Multipart),
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Json,
    Multipart,
}

fn too_large(limit: usize) -> Response {
    json_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        request_error(
            "PAYLOAD_TOO_LARGE",
            "PAYLOAD_TOO_LARGE",
            &format!("request body is larger than {limit} bytes (请求体过大)"),
        ),
    )
}

async fn graphql(
    State(app): State<AppState>,
    auth: Auth,
    request: axum::extract::Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    let client = ClientInfo {
        address: parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip()),
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let Some(kind) = body_kind(&content_type) else {
        return json_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            request_error(
                "VALIDATION",
                "UNSUPPORTED_MEDIA_TYPE",
                "send GraphQL requests as application/json, or multipart/form-data for uploads (请求格式不支持)",
            ),
        );
    };

    // Who is asking came first (the `Auth` extractor): an upload is read
    // only for a signed-in caller, so nobody can make the server parse
    // megabytes without a token.
    if kind == BodyKind::Multipart && !matches!(auth, Auth::Caller(_)) {
        return json_response(
            StatusCode::UNAUTHORIZED,
            request_error(
                "UNAUTHENTICATED",
                "UPLOAD_NEEDS_SIGN_IN",
                "sign in before uploading files (请先登录再上传文件)",
            ),
        );
    }

    let limit = match kind {
        BodyKind::Multipart => app.http.max_upload_body,
        BodyKind::Json => app.http.max_json_body,
    };
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => return too_large(limit),
    };

    let request = match kind {
        BodyKind::Multipart => async_graphql::http::receive_batch_body(
            Some(content_type.as_str()),
            futures::io::Cursor::new(bytes.to_vec()),
            MultipartOptions::default()
                .max_file_size(app.http.max_upload_body)
                .max_num_files(4),
        )
        .await
        .map_err(|e| e.to_string()),
        BodyKind::Json => serde_json::from_slice::<BatchRequest>(&bytes).map_err(|e| e.to_string()),
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
    // The operations part of an upload is held to the JSON limit: only the
    // files may be large.
    if kind == BodyKind::Multipart && operations_size(&request) > app.http.max_json_body {
        return too_large(app.http.max_json_body);
    }

    let batch = matches!(request, BatchRequest::Batch(_));
    let allowance = RequestAllowance::new(batch);
    let slot = LoaderSlot::default();
    let signed_in = match &auth {
        Auth::Caller(caller) => {
            slot.fill(&app.backend, caller);
            true
        }
        _ => false,
    };
    let prepare = |r: async_graphql::Request| {
        let r = r
            .data(allowance.clone())
            .data(slot.clone())
            .data(client)
            .data(auth.clone());
        if signed_in {
            r
        } else {
            // The schema is for those who may use it.
            r.disable_introspection()
        }
    };
    let request = match request {
        BatchRequest::Single(r) => BatchRequest::Single(prepare(r)),
        BatchRequest::Batch(rs) => BatchRequest::Batch(rs.into_iter().map(prepare).collect()),
    };
    let mut response = app.schema.execute_batch(request).await;
    for_each_error(&mut response, |e| ensure_code(e, "BAD_REQUEST"));
    json_response(
        StatusCode::OK,
        serde_json::to_value(&response).unwrap_or_default(),
    )
}

/// The size of the operations of a request, as its JSON would be.
fn operations_size(request: &BatchRequest) -> usize {
    let one = |r: &async_graphql::Request| {
        r.query.len()
            + r.operation_name.as_ref().map_or(0, String::len)
            + serde_json::to_vec(&r.variables).map_or(usize::MAX / 32, |v| v.len())
    };
    match request {
        BatchRequest::Single(r) => one(r),
        BatchRequest::Batch(rs) => rs.iter().map(one).fold(0, usize::saturating_add),
    }
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
