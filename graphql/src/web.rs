//! The web app (药链工作台), built from `web/` by `build.rs` and embedded in
//! the binary, so a county server needs nothing but `yaolian`.
//!
//! - Hashed assets under `/assets/` are immutable: cached for a year.
//! - Any other GET that is not an API route gets `index.html` (not cached),
//!   so that the app's own routes (`/scan`, `/stock/…`) survive a reload.
//! - A build without Node.js embeds nothing; `/` then says what to install,
//!   and the API works as before.

use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use include_dir::{Dir, include_dir};

static APP: Dir<'static> = include_dir!("$OUT_DIR/web");

/// What the app may load: only this server. Element Plus sets `style`
/// attributes, hence `'unsafe-inline'` for styles alone; no inline script.
pub const APP_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; \
    frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Whether this build carries the web app.
pub fn embedded() -> bool {
    APP.get_file("index.html").is_some()
}

pub async fn serve(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if let Some(file) = (!path.is_empty()).then(|| APP.get_file(path)).flatten() {
        let immutable = path.starts_with("assets/");
        return asset(file.contents(), content_type(path), immutable);
    }
    // A missing file under /assets/ is a stale or mistyped link, not a
    // route of the app: answer 404 rather than HTML the browser would try
    // to run as a script.
    if path.starts_with("assets/") {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    }
    match APP.get_file("index.html") {
        Some(index) => asset(index.contents(), "text/html; charset=utf-8", false),
        None => missing().into_response(),
    }
}

fn asset(body: &'static [u8], kind: &'static str, immutable: bool) -> Response {
    let cache = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response = (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        body,
    )
        .into_response();
    if kind.starts_with("text/html") {
        response.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(APP_CSP),
        );
    }
    response
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("ttf") => "font/ttf",
        Some("json" | "map") => "application/json",
        Some("webmanifest") => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

fn missing() -> Html<&'static str> {
    Html(
        "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>药链 yaolian</title>\
         <body style=\"font-family:sans-serif;max-width:40em;margin:3em auto\">\
         <h1>药链工作台未随此版本构建</h1>\
         <p>The web app was not built into this binary: Node.js 20 or newer (with npm) \
         was not found when it was compiled. Install Node.js, then run \
         <code>cargo run --release -- serve --demo</code> again.</p>\
         <p>The API works: POST GraphQL to <code>/graphql</code>, or use the query console at \
         <a href=\"/graphiql\">/graphiql</a>.</p></body></html>",
    )
}
