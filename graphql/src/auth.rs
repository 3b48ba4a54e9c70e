//! Who sent the request, decided once per request in one place: the
//! `Auth` and `SignedIn` extractors, used by the GraphQL handler and the
//! downloads alike. Resolvers then ask the context for the caller.
//!
//! Two ways in, one session table behind both:
//! - `Authorization: Bearer <token>`, for scanners and API clients;
//! - the web app's `yaolian_session` cookie (HttpOnly, SameSite=Strict; see
//!   `session.rs`). A request that changes something (any method but GET
//!   and HEAD) must also carry the `X-Yaolian-Web` header: a page on
//!   another site cannot add a custom header without a CORS preflight,
//!   which this server never grants, so a forged form post is refused even
//!   where a browser would have sent the cookie.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::Response;
use std::sync::Arc;
use uuid::Uuid;
use yaolian_backend::Backend;
use yaolian_backend::authz::Caller;
use yaolian_backend::error::{AuthFailure, Error};

#[derive(Clone)]
pub enum Auth {
    Caller(Arc<Caller>),
    Anonymous,
    /// A token was sent but cannot be used.
    Refused(AuthFailure),
    /// The session could not be looked up (the database failed).
    Unavailable(Uuid),
}

impl Auth {
    pub fn from_result(result: Result<Caller, Error>) -> Self {
        match result {
            Ok(caller) => Auth::Caller(Arc::new(caller)),
            Err(Error::Unauthenticated(failure)) => Auth::Refused(failure),
            Err(Error::Internal { reference, cause }) => {
                tracing::error!(%reference, %cause, "session look-up failed");
                Auth::Unavailable(reference)
            }
            Err(_) => Auth::Refused(AuthFailure::InvalidToken),
        }
    }

    /// The caller, or the error that says why there is none.
    pub fn caller(&self) -> Result<&Caller, Error> {
        match self {
            Auth::Caller(caller) => Ok(caller),
            Auth::Refused(failure) => Err(Error::Unauthenticated(*failure)),
            Auth::Unavailable(reference) => Err(Error::Internal {
                reference: *reference,
                cause: "the session could not be looked up (logged with this reference)".into(),
            }),
            Auth::Anonymous => Err(Error::Unauthenticated(AuthFailure::MissingToken)),
        }
    }

    /// Looks the bearer token (or else the session cookie) of a request up;
    /// neither: anonymous.
    pub async fn of(backend: &Backend, parts: &Parts) -> Auth {
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            return match value.to_str().ok().and_then(bearer) {
                Some(token) => Auth::from_result(backend.authenticate(token).await),
                None => Auth::Refused(AuthFailure::InvalidToken),
            };
        }
        let Some(token) = session_cookie(&parts.headers) else {
            return Auth::Anonymous;
        };
        let safe =
            parts.method == axum::http::Method::GET || parts.method == axum::http::Method::HEAD;
        if !safe && !parts.headers.contains_key(WEB_HEADER) {
            return Auth::Refused(AuthFailure::MissingCsrfHeader);
        }
        Auth::from_result(backend.authenticate(token).await)
    }
}

impl<S> FromRequestParts<S> for Auth
where
    Backend: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Auth::of(&Backend::from_ref(state), parts).await;
        crate::observe::record_caller(&auth);
        Ok(auth)
    }
}

/// A signed-in caller, or the request is answered 401 (or 500) in the
/// GraphQL error shape before the handler runs.
pub struct SignedIn(pub Caller);

impl<S> FromRequestParts<S> for SignedIn
where
    Backend: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_request_parts(parts, state)
            .await
            .unwrap_or(Auth::Anonymous);
        auth.caller()
            .map(|c| SignedIn(c.clone()))
            .map_err(crate::error::error_response)
    }
}

/// The cookie that holds a web session's token.
pub const SESSION_COOKIE: &str = "yaolian_session";
/// The header the web app sends with every request (see the module docs).
pub const WEB_HEADER: &str = "x-yaolian-web";

/// The session token of a request's `Cookie` headers, if there is one.
pub fn session_cookie(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// The bearer token of an `Authorization` header value, if it is one.
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

#[cfg(test)]
mod tests {
    use super::{bearer, session_cookie};
    use axum::http::{HeaderMap, HeaderValue, header};

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; yaolian_session=tok ; b=2"),
        );
        assert_eq!(session_cookie(&h), Some("tok"));
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("yaolian_sessionx=no"),
        );
        h.append(header::COOKIE, HeaderValue::from_static("yaolian_session="));
        assert_eq!(session_cookie(&h), None);
    }

    #[test]
    fn bearer_tokens_are_extracted() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("abc"), None);
    }
}
