//! The web app's sign-in: the same sessions as the `login` mutation, but
//! the token travels in an HttpOnly, SameSite=Strict cookie that page
//! scripts cannot read (so an injected script cannot steal it).
//!
//! - `POST /session` with `{"username", "password"}` signs in and sets the
//!   cookie; the answer holds the user and the expiry, never the token.
//! - `POST /session/logout` revokes the session on the server and clears
//!   the cookie.
//!
//! Both need the `X-Yaolian-Web` header, like every cookie request that
//! changes something (see `auth.rs`): a form on another site cannot sign a
//! browser in or out.

use crate::auth::{Auth, SESSION_COOKIE, WEB_HEADER};
use crate::error::{error_response, request_error};
use crate::http::{AppState, json_response};
use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use std::net::SocketAddr;
use yaolian_backend::auth::ClientInfo;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/session", post(sign_in))
        .route("/session/logout", post(sign_out))
}

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

fn refused(status: StatusCode, code: &str, reason: &str, message: &str) -> Response {
    json_response(status, request_error(code, reason, message))
}

fn needs_web_header(headers: &HeaderMap) -> Option<Response> {
    (!headers.contains_key(WEB_HEADER)).then(|| {
        refused(
            StatusCode::FORBIDDEN,
            "UNAUTHENTICATED",
            "MISSING_CSRF_HEADER",
            "sign in from the yaolian web app (请从药链工作台登录)",
        )
    })
}

/// `Set-Cookie` for a session that ends at `max_age` seconds from now
/// (0 clears it). No `Secure` flag: county servers are often reached over
/// plain HTTP on the LAN, where a Secure cookie would never be sent; put
/// yaolian behind TLS and the browser keeps the cookie to that origin.
fn cookie(token: &str, max_age: i64) -> HeaderValue {
    let value =
        format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}");
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("yaolian_session=; Max-Age=0"))
}

/// Credentials are small; anything bigger is not a sign-in.
const MAX_BODY: usize = 4096;

async fn sign_in(State(app): State<AppState>, request: axum::extract::Request) -> Response {
    let (parts, body) = request.into_parts();
    if let Some(refusal) = needs_web_header(&parts.headers) {
        return refusal;
    }
    let body = axum::body::to_bytes(body, MAX_BODY)
        .await
        .unwrap_or_default();
    let Ok(credentials) = serde_json::from_slice::<Credentials>(&body) else {
        return refused(
            StatusCode::BAD_REQUEST,
            "VALIDATION",
            "BAD_REQUEST",
            "send {\"username\", \"password\"} as JSON (请求格式错误)",
        );
    };
    let client = ClientInfo {
        address: parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip()),
    };
    let outcome = match app
        .backend
        .login(&credentials.username, &credentials.password, client)
        .await
    {
        Ok(outcome) => outcome,
        Err(err) => return error_response(err),
    };
    let max_age = (outcome.expires_at - app.backend.clock().now())
        .num_seconds()
        .max(0);
    let body = serde_json::json!({
        "expiresAt": outcome.expires_at,
        "user": {
            "id": outcome.user.id,
            "username": outcome.user.username,
            "displayName": outcome.user.display_name,
        },
    });
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::SET_COOKIE, cookie(&outcome.token, max_age)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body.to_string(),
    )
        .into_response()
}

async fn sign_out(State(app): State<AppState>, auth: Auth, headers: HeaderMap) -> Response {
    if let Some(refusal) = needs_web_header(&headers) {
        return refusal;
    }
    // Signing out of a session that has already ended (expired, revoked,
    // or never there) still clears the cookie.
    if let Auth::Caller(caller) = &auth
        && let Err(err) = app.backend.logout(caller).await
    {
        return error_response(err);
    }
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::SET_COOKIE, cookie("", 0)),
        ],
        "{\"signedOut\":true}",
    )
        .into_response()
}
