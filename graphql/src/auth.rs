//! Who sent the request, decided once per request in one place: the
//! `Auth` and `SignedIn` extractors, used by the GraphQL handler and the
//! downloads alike. Resolvers then ask the context for the caller.

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

    /// Looks the bearer token of a request up (no header: anonymous).
    pub async fn of(backend: &Backend, parts: &Parts) -> Auth {
        match parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        {
            None => Auth::Anonymous,
            Some(value) => match bearer(value) {
                Some(token) => Auth::from_result(backend.authenticate(token).await),
                None => Auth::Refused(AuthFailure::InvalidToken),
            },
        }
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

/// The bearer token of an `Authorization` header value, if it is one.
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

#[cfg(test)]
mod tests {
    use super::bearer;

    #[test]
    fn bearer_tokens_are_extracted() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("abc"), None);
    }
}
