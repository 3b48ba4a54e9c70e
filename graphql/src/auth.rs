//! Who sent the request. The handler authenticates once per request; the
//! resolvers ask for the caller and get `UNAUTHENTICATED` if there is none.

use crate::error::to_gql;
use async_graphql::Context;
use std::sync::Arc;
use uuid::Uuid;
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
}

pub fn caller<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a Caller> {
    match ctx.data_opt::<Auth>() {
        Some(Auth::Caller(caller)) => Ok(caller),
        Some(Auth::Refused(failure)) => Err(to_gql(Error::Unauthenticated(*failure))),
        Some(Auth::Unavailable(reference)) => Err(to_gql(Error::Internal {
            reference: *reference,
            cause: "the session could not be looked up (logged with this reference)".into(),
        })),
        Some(Auth::Anonymous) | None => {
            Err(to_gql(Error::Unauthenticated(AuthFailure::MissingToken)))
        }
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
