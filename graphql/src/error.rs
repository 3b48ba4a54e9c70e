//! The one place backend errors become GraphQL errors: `extensions.code`
//! from the error's code, the message in English and Chinese.

use async_graphql::{ErrorExtensions, Name, ServerError, Value};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use yaolian_backend::Error;

pub fn to_gql(err: Error) -> async_graphql::Error {
    let code = err.code();
    let zh = err.message_zh();
    let en = err.to_string();
    let mut gql = async_graphql::Error::new(format!("{en} ({zh})")).extend_with(|_, ext| {
        ext.set("code", code);
        ext.set("messageEn", en.clone());
        ext.set("messageZh", zh.clone());
    });
    match &err {
        Error::Validation(errors) => {
            let fields: Vec<async_graphql::Value> = errors
                .iter()
                .map(|e| {
                    let mut map = async_graphql::indexmap::IndexMap::new();
                    map.insert(Name::new("field"), Value::from(e.field.as_str()));
                    map.insert(Name::new("message"), Value::from(e.message.as_str()));
                    map.insert(Name::new("messageZh"), Value::from(e.message_zh.as_str()));
                    Value::Object(map)
                })
                .collect();
            // `field` (the first) stays for clients that show one message.
            let first = errors.first().map(|e| e.field.clone()).unwrap_or_default();
            gql = gql.extend_with(move |_, ext| {
                ext.set("field", first.as_str());
                ext.set("fields", Value::List(fields.clone()));
            });
        }
        Error::IllegalState { reason, .. } => {
            let r = reason.code();
            gql = gql.extend_with(move |_, ext| ext.set("reason", r));
        }
        Error::Internal { reference, .. } => {
            log_internal(&err);
            let r = reference.to_string();
            gql = gql.extend_with(move |_, ext| ext.set("reference", r.as_str()));
        }
        Error::InsufficientStock {
            available,
            requested,
        } => {
            let (a, r) = (*available, *requested);
            gql = gql.extend_with(move |_, ext| {
                ext.set("available", a);
                ext.set("requested", r);
            });
        }
        Error::InvalidBarcode { reason, .. } => {
            let r = *reason;
            gql = gql.extend_with(move |_, ext| ext.set("reason", r));
        }
        Error::RateLimited {
            retry_after_secs,
            refusal,
        } => {
            let (s, r) = (*retry_after_secs, refusal.code());
            gql = gql.extend_with(move |_, ext| {
                ext.set("retryAfterSeconds", s);
                ext.set("reason", r);
            });
        }
        _ => {}
    }
    gql
}

/// Where an error leaves the server (a GraphQL error, a download's
/// response), an internal fault is logged once, with its cause and the
/// reference the user was given, so a clinic's phone call can be matched to
/// the log line.
pub fn log_internal(err: &Error) {
    if let Error::Internal { reference, cause } = err {
        tracing::error!(%reference, %cause, "internal error");
    }
}

/// `result.gql()?` in resolvers.
pub trait GqlResult<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> GqlResult<T> for Result<T, Error> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(to_gql)
    }
}

/// Errors raised by async-graphql itself (a malformed document, an unknown
/// field, an `Int` out of range, a query too deep) carry no code; give them
/// one, with the precise class in `extensions.reason`.
pub fn ensure_code(err: &mut ServerError, default_reason: &str) {
    let has_code = err
        .extensions
        .as_ref()
        .is_some_and(|ext| ext.get("code").is_some());
    if has_code {
        return;
    }
    // async-graphql's own wording for a missing context entry names our
    // Rust types; that is an internal fault, and no type name may reach a
    // client.
    if err.message.starts_with("Data `") && err.message.contains("does not exist") {
        let reference = uuid::Uuid::now_v7();
        tracing::error!(%reference, error = %err.message, "resolver context is missing data");
        err.message = format!("internal error (reference {reference})");
        let ext = err.extensions.get_or_insert_with(Default::default);
        ext.set("code", "INTERNAL");
        ext.set("reference", reference.to_string());
        return;
    }
    let reason = if err.message.contains("nested too deep") || err.message.contains("too complex") {
        "QUERY_TOO_COMPLEX"
    } else {
        default_reason
    };
    let ext = err.extensions.get_or_insert_with(Default::default);
    ext.set("code", "VALIDATION");
    ext.set("reason", reason);
}

/// A request-level error in GraphQL's response shape, for failures before
/// execution (a body too large, not JSON).
pub fn request_error(code: &str, reason: &str, message: &str) -> serde_json::Value {
    serde_json::json!({
        "data": null,
        "errors": [{
            "message": message,
            "extensions": { "code": code, "reason": reason }
        }]
    })
}

/// The HTTP status that fits a backend error, with the GraphQL-shaped body.
pub fn error_response(err: Error) -> Response {
    log_internal(&err);
    let status = match &err {
        Error::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        Error::Forbidden(_) => StatusCode::FORBIDDEN,
        Error::NotFound { .. } => StatusCode::NOT_FOUND,
        Error::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::Conflict(_) | Error::IllegalState { .. } => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let mut body = request_error(
        err.code(),
        err.code(),
        &format!("{err} ({})", err.message_zh()),
    );
    if let Some(ext) = body.pointer_mut("/errors/0/extensions") {
        ext["messageEn"] = serde_json::Value::from(err.to_string());
        ext["messageZh"] = serde_json::Value::from(err.message_zh());
    }
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}
