//! `clientRequestId`: a scanner or a flaky rural link may send a command
//! twice. The first result is remembered in the same transaction as its
//! effect, so a replay returns it and posts nothing, and a crash can never
//! leave the effect without the record (or the other way round).

use crate::entity::idempotency_record;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A validated client request id: 1 to 64 visible ASCII characters (a UUID
/// fits; so does a scanner's own counter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRequestId(String);

impl ClientRequestId {
    pub fn parse(raw: &str) -> Result<Self> {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.len() > 64 {
            return Err(Error::validation(
                "clientRequestId",
                "must be 1 to 64 characters",
                "请求编号应为 1 至 64 个字符",
            ));
        }
        if !trimmed.chars().all(|c| c.is_ascii_graphic()) {
            return Err(Error::validation(
                "clientRequestId",
                "may contain only visible ASCII characters",
                "请求编号只能包含可见的 ASCII 字符",
            ));
        }
        Ok(Self(trimmed.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Hash of the canonical form of a request, to tell a true replay from a
/// key reused for something else.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hex(&hasher.finalize())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0xf) as usize] as char);
    }
    out
}

/// The result id of an earlier request with this key, if there was one.
/// A key reused with a different operation or request is a `CONFLICT`.
///
/// Services call it after [`remember`] found the key taken: the unique key
/// inside the command's transaction is what detects a replay, so the common
/// (first-time) path pays no extra round trip.
pub(crate) async fn lookup(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    key: &ClientRequestId,
    operation: &str,
    request_hash: &str,
) -> Result<Option<Uuid>> {
    let found = idempotency_record::Entity::find_by_id((user_id, key.0.clone()))
        .one(conn)
        .await?;
    match found {
        None => Ok(None),
        Some(rec) if rec.operation == operation && rec.request_hash == request_hash => {
            Ok(Some(rec.result_id))
        }
        Some(_) => Err(Error::Conflict(format!(
            "clientRequestId {} was already used for a different request",
            key.0
        ))),
    }
}

/// Remembers the result. If another request with the same key committed
/// first (possible on PostgreSQL, where writers run side by side), this
/// fails with [`Replayed`] and the caller's transaction must be rolled back.
pub(crate) async fn remember(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    key: &ClientRequestId,
    operation: &str,
    request_hash: &str,
    result_id: Uuid,
    at: DateTime<Utc>,
) -> std::result::Result<(), Replayed> {
    let inserted = idempotency_record::Entity::insert(idempotency_record::ActiveModel {
        user_id: Set(user_id),
        client_request_id: Set(key.0.clone()),
        operation: Set(operation.to_string()),
        request_hash: Set(request_hash.to_string()),
        result_id: Set(result_id),
        created_at: Set(at),
    })
    .exec_without_returning(conn)
    .await;
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if crate::error::is_unique_violation(&e) => Err(Replayed::Raced),
        Err(e) => Err(Replayed::Failed(e.into())),
    }
}

#[derive(Debug)]
pub(crate) enum Replayed {
    /// Someone else recorded this key first: roll back and look it up.
    Raced,
    Failed(Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_trimmed_and_bounded() {
        assert_eq!(ClientRequestId::parse(" abc ").unwrap().as_str(), "abc");
        assert!(ClientRequestId::parse("").is_err());
        assert!(ClientRequestId::parse("   ").is_err());
        assert!(ClientRequestId::parse(&"x".repeat(65)).is_err());
        assert!(ClientRequestId::parse("a b").is_err());
        assert!(ClientRequestId::parse(&"x".repeat(64)).is_ok());
    }

    #[test]
    fn fingerprint_separates_fields() {
        assert_ne!(fingerprint(&["ab", "c"]), fingerprint(&["a", "bc"]));
        assert_eq!(fingerprint(&["a", "b"]), fingerprint(&["a", "b"]));
        assert_eq!(fingerprint(&[]).len(), 64);
    }
}
