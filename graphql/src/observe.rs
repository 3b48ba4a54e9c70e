//! What an operator sees: a tracing span per request (request id, method,
//! path, and once known the GraphQL operation, user and institution), the
//! `x-request-id` header honoured or generated and echoed, and `/metrics` in
//! Prometheus's text format.

use crate::auth::{Auth, SignedIn};
use crate::http::AppState;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery,
};
use async_graphql::parser::types::{
    ExecutableDocument, OperationDefinition, OperationType, Selection,
};
use async_graphql::{Response as GqlResponse, ServerResult, Variables};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Instant;
use yaolian_backend::metrics::{Operation, OperationOutcome, latency_histogram};

pub const REQUEST_ID: &str = "x-request-id";

/// The request's id, as the client sent it or as generated here.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// A client's id is kept if it is short, visible ASCII; otherwise (or when
/// absent) a fresh one is made, so a log line can never be forged into two.
fn request_id(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

/// Outermost middleware: the span every log line of the request belongs to.
pub async fn trace_request(mut request: Request, next: Next) -> Response {
    let id = request_id(request.headers());
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        path = %request.uri().path(),
        operation = tracing::field::Empty,
        user = tracing::field::Empty,
        institution = tracing::field::Empty,
    );
    request.extensions_mut().insert(RequestId(id.clone()));
    let started = Instant::now();
    let mut response = tracing::Instrument::instrument(next.run(request), span.clone()).await;
    // Every request at debug; at info only what an operator should see
    // (a server fault, or a request slow enough for a user to notice), so
    // a clinic's scanning does not fill the log.
    let status = response.status();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if status.is_server_error() || ms >= 1000.0 {
            tracing::warn!(status = status.as_u16(), ms, "request finished");
        } else {
            tracing::debug!(status = status.as_u16(), ms, "request finished");
        }
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// Records who is asking on the request's span, once authenticated.
pub fn record_caller(auth: &Auth) {
    if let Auth::Caller(caller) = auth {
        let span = tracing::Span::current();
        span.record("user", tracing::field::display(caller.user_id));
        span.record(
            "institution",
            tracing::field::display(caller.institution_id),
        );
    }
}

struct HttpMetrics {
    requests: Family<OperationOutcome, Counter>,
    seconds: Family<Operation, Histogram, fn() -> Histogram>,
}

static HTTP: LazyLock<HttpMetrics> = LazyLock::new(|| HttpMetrics {
    requests: Family::default(),
    seconds: Family::new_with_constructor(latency_histogram),
});

/// Counts and times each GraphQL operation by its root fields
/// (`mutation adjustStock`), which, unlike the client's operation name,
/// says what was done; the outcome is `OK` or the first error's code.
pub struct Observe;

impl ExtensionFactory for Observe {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ObserveExtension {
            operations: Mutex::new(Vec::new()),
        })
    }
}

struct ObserveExtension {
    /// Each operation of the document by name, with its label; which one
    /// runs is known only at execution.
    operations: Mutex<Vec<(Option<String>, String)>>,
}

/// `query items`, `mutation adjustStock`, `mutation a+b` for several root
/// fields (at most three are named).
fn label(op: &OperationDefinition) -> String {
    let kind = match op.ty {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    };
    let mut fields: Vec<&str> = op
        .selection_set
        .node
        .items
        .iter()
        .filter_map(|s| match &s.node {
            Selection::Field(f) => Some(f.node.name.node.as_str()),
            _ => None,
        })
        .collect();
    fields.sort_unstable();
    fields.dedup();
    let more = fields.len() > 3;
    fields.truncate(3);
    let mut label = format!("{kind} {}", fields.join("+"));
    if more {
        label.push_str("+…");
    }
    label
}

#[async_trait::async_trait]
impl Extension for ObserveExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        if let Ok(mut slot) = self.operations.lock() {
            *slot = doc
                .operations
                .iter()
                .map(|(name, op)| (name.map(|n| n.to_string()), label(&op.node)))
                .collect();
        }
        Ok(doc)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> GqlResponse {
        let started = Instant::now();
        let label = self
            .operations
            .lock()
            .ok()
            .and_then(|ops| {
                ops.iter()
                    .find(|(name, _)| operation_name.is_none() || name.as_deref() == operation_name)
                    .map(|(_, label)| label.clone())
            })
            .unwrap_or_else(|| "unknown".into());
        // The span shows the client's operation name too; the metric label
        // set does not, since clients choose it and it must stay small.
        match operation_name {
            Some(name) => tracing::Span::current().record(
                "operation",
                tracing::field::display(format_args!("{label} ({name})")),
            ),
            None => tracing::Span::current().record("operation", label.as_str()),
        };
        let response = next.run(ctx, operation_name).await;
        let outcome = response
            .errors
            .first()
            .and_then(|e| e.extensions.as_ref())
            .and_then(|ext| ext.get("code"))
            .and_then(|v| match v {
                async_graphql::Value::String(s) => Some(s.clone()),
                async_graphql::Value::Enum(s) => Some(s.to_string()),
                _ => None,
            })
            .unwrap_or_else(|| {
                if response.errors.is_empty() {
                    "OK".into()
                } else {
                    "ERROR".into()
                }
            });
        HTTP.requests
            .get_or_create(&OperationOutcome {
                operation: label.clone(),
                outcome,
            })
            .inc();
        HTTP.seconds
            .get_or_create(&Operation { operation: label })
            .observe(started.elapsed().as_secs_f64());
        response
    }
}

/// The process's own figures, from `/proc` (Linux); elsewhere, none.
fn register_process(registry: &mut Registry) {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return;
    };
    // Fields after the command name, which is in parentheses and may hold
    // spaces.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let num = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok());
    // After ')': state is 0, utime 11, stime 12, num_threads 17, rss 21.
    let ticks = 100.0; // USER_HZ on every Linux yaolian runs on
    if let (Some(u), Some(s)) = (num(11), num(12)) {
        let cpu: Gauge<f64, std::sync::atomic::AtomicU64> = Gauge::default();
        cpu.set((u + s) as f64 / ticks);
        registry.register(
            "process_cpu_seconds",
            "CPU time used (user and system)",
            cpu,
        );
    }
    if let Some(threads) = num(17) {
        let g: Gauge = Gauge::default();
        g.set(threads as i64);
        registry.register("process_threads", "Threads of the process", g);
    }
    if let Some(pages) = num(21) {
        let g: Gauge = Gauge::default();
        g.set((pages * 4096) as i64);
        registry.register("process_resident_memory_bytes", "Resident memory", g);
    }
    if let Ok(dir) = std::fs::read_dir("/proc/self/fd") {
        let g: Gauge = Gauge::default();
        g.set(dir.count() as i64);
        registry.register("process_open_fds", "Open file descriptors", g);
    }
}

/// Every figure, in Prometheus's text format.
pub fn encode(app: &AppState) -> String {
    let mut registry = Registry::default();
    app.backend.register_metrics(&mut registry);
    registry.register(
        "yaolian_graphql_operations",
        "GraphQL operations, by root fields and outcome",
        HTTP.requests.clone(),
    );
    registry.register(
        "yaolian_graphql_operation_duration_seconds",
        "Time to execute a GraphQL operation",
        HTTP.seconds.clone(),
    );
    register_process(&mut registry);
    let mut out = String::new();
    if prometheus_client::encoding::text::encode(&mut out, &registry).is_err() {
        out.clear();
    }
    out
}

fn metrics_response(app: &AppState) -> Response {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        encode(app),
    )
        .into_response()
}

/// `GET /metrics` on the main address: for the centre's administrators and
/// auditors only, with their bearer token.
pub async fn metrics(State(app): State<AppState>, SignedIn(caller): SignedIn) -> Response {
    match app.backend.may_read_metrics(&caller) {
        Ok(()) => metrics_response(&app),
        Err(e) => crate::error::error_response(e),
    }
}

/// `GET /metrics` on the private metrics address: no sign-in, so bind it
/// where only the scraper can reach it.
pub async fn open_metrics(State(app): State<AppState>) -> Response {
    metrics_response(&app)
}
