//! Sign-in, sessions and the caller behind a bearer token.
//!
//! Tokens are 256 random bits, given to the client once and stored only as
//! their SHA-256 (a fast hash is right for a random secret; argon2id is for
//! passwords, which are not random). Sessions expire and can be revoked, and
//! every request looks its session up, so a sign-out takes effect at once on
//! every server instance.

use crate::Backend;
use crate::audit::{self, AuditEntry};
use crate::authz::Caller;
use crate::directory::UserView;
use crate::entity::enums::{InstitutionKind, Role};
use crate::entity::{app_user, institution, login_throttle, session, user_role};
use crate::error::{AuthFailure, Error, Result};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, FromQueryResult, JoinType, QueryFilter,
    QuerySelect, Set,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Sign-in throttling per username: after this many failures inside the
/// window, the username is locked for the lockout period.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    pub max_failures: i32,
    pub window: Duration,
    pub lockout: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            max_failures: 5,
            window: Duration::minutes(15),
            lockout: Duration::minutes(15),
        }
    }
}

#[derive(FromQueryResult)]
struct SessionRow {
    session_id: Uuid,
    expires_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
    user_id: Uuid,
    username: String,
    active: bool,
    institution_id: Uuid,
    institution_kind: InstitutionKind,
    community_id: Uuid,
    role: Option<Role>,
}

pub struct LoginOutcome {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: UserView,
}

/// Hashes a password with argon2id and a fresh salt (PHC string).
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| {
            let reference = Uuid::now_v7();
            tracing::error!(%reference, error = %e, "password hashing failed");
            Error::Internal { reference }
        })
}

fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash of nothing anyone knows, verified when the username does not exist
/// so that a wrong username costs as much time as a wrong password.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password("no such user").unwrap_or_default());

fn token_hash(token: &str) -> String {
    crate::idempotency::hex(&Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn normalise_username(raw: &str) -> Result<String> {
    let name = raw.trim().to_lowercase();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(Error::validation("username", "must be 1 to 64 characters"));
    }
    Ok(name)
}

impl Backend {
    pub async fn login(&self, username: &str, password: &str) -> Result<LoginOutcome> {
        let username = normalise_username(username)?;
        if password.is_empty() || password.len() > 1024 {
            return Err(Error::Unauthenticated(AuthFailure::BadCredentials));
        }
        let now = self.clock.now();
        let conn = self.db.conn();

        if let Some(t) = login_throttle::Entity::find_by_id(username.clone())
            .one(conn)
            .await?
            && let Some(until) = t.locked_until
            && until > now
        {
            return Err(Error::RateLimited {
                retry_after_secs: (until - now).num_seconds().max(1),
            });
        }

        let user = app_user::Entity::find()
            .filter(app_user::Column::Username.eq(username.clone()))
            .one(conn)
            .await?;
        let phc = user
            .as_ref()
            .map(|u| u.password_hash.clone())
            .unwrap_or_else(|| DUMMY_HASH.clone());
        let attempt = password.to_string();
        // argon2id takes tens of milliseconds of CPU by design: keep it off
        // the async workers.
        let verified = tokio::task::spawn_blocking(move || verify_password(&attempt, &phc))
            .await
            .unwrap_or(false);

        let user = match user {
            Some(u) if verified => u,
            found => {
                self.record_failed_login(&username, found.map(|u| u.id), now)
                    .await?;
                return Err(Error::Unauthenticated(AuthFailure::BadCredentials));
            }
        };
        if !user.active {
            return Err(Error::Unauthenticated(AuthFailure::UserDisabled));
        }

        let token = new_token();
        let expires_at = now + self.settings.session_ttl;
        let txn = self.db.begin_write().await?;
        login_throttle::Entity::delete_by_id(username.clone())
            .exec(&*txn)
            .await?;
        let session_id = Uuid::now_v7();
        session::ActiveModel {
            id: Set(session_id),
            user_id: Set(user.id),
            token_hash: Set(token_hash(&token)),
            created_at: Set(now),
            expires_at: Set(expires_at),
            revoked_at: Set(None),
        }
        .insert(&*txn)
        .await?;
        audit::record(
            &*txn,
            now,
            AuditEntry {
                user_id: Some(user.id),
                institution_id: Some(user.institution_id),
                operation: "login",
                entity_type: "session",
                entity_ids: &[session_id],
                detail: None,
                client_request_id: None,
            },
        )
        .await?;
        txn.commit().await?;

        let user = self.user_view(user).await?;
        Ok(LoginOutcome {
            token,
            expires_at,
            user,
        })
    }

    async fn record_failed_login(
        &self,
        username: &str,
        user_id: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        use login_throttle::Column as C;
        let policy = self.settings.throttle;
        let txn = self.db.begin_write().await?;
        let current = login_throttle::Entity::find_by_id(username.to_string())
            .one(&*txn)
            .await?;
        let (failures, window_started_at) = match current {
            Some(t) if now - t.window_started_at < policy.window => {
                (t.failures + 1, t.window_started_at)
            }
            _ => (1, now),
        };
        let locked_until = (failures >= policy.max_failures).then(|| now + policy.lockout);
        login_throttle::Entity::insert(login_throttle::ActiveModel {
            username: Set(username.to_string()),
            failures: Set(failures),
            window_started_at: Set(window_started_at),
            locked_until: Set(locked_until),
        })
        .on_conflict(
            OnConflict::column(C::Username)
                .value(C::Failures, Expr::value(failures))
                .value(C::WindowStartedAt, Expr::value(window_started_at))
                .value(C::LockedUntil, Expr::value(locked_until))
                .to_owned(),
        )
        .exec_without_returning(&*txn)
        .await?;
        audit::record(
            &*txn,
            now,
            AuditEntry {
                user_id,
                institution_id: None,
                operation: "login_failed",
                entity_type: "user",
                entity_ids: user_id.as_slice(),
                detail: Some(serde_json::json!({ "username": username, "failures": failures })),
                client_request_id: None,
            },
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The caller behind a bearer token, or why there is none.
    pub async fn authenticate(&self, token: &str) -> Result<Caller> {
        let token = token.trim();
        if token.is_empty() || token.len() > 128 {
            return Err(Error::Unauthenticated(AuthFailure::InvalidToken));
        }
        // One round trip: session, user, institution and roles (a row per
        // role) together, since every request pays for this lookup.
        let rows: Vec<SessionRow> = session::Entity::find()
            .select_only()
            .column_as(session::Column::Id, "session_id")
            .column(session::Column::ExpiresAt)
            .column(session::Column::RevokedAt)
            .column_as(app_user::Column::Id, "user_id")
            .column(app_user::Column::Username)
            .column(app_user::Column::Active)
            .column_as(institution::Column::Id, "institution_id")
            .column_as(institution::Column::Kind, "institution_kind")
            .column(institution::Column::CommunityId)
            .column(user_role::Column::Role)
            .join(
                JoinType::InnerJoin,
                session::Entity::belongs_to(app_user::Entity)
                    .from(session::Column::UserId)
                    .to(app_user::Column::Id)
                    .into(),
            )
            .join(
                JoinType::InnerJoin,
                app_user::Entity::belongs_to(institution::Entity)
                    .from(app_user::Column::InstitutionId)
                    .to(institution::Column::Id)
                    .into(),
            )
            .join_rev(
                JoinType::LeftJoin,
                user_role::Entity::belongs_to(app_user::Entity)
                    .from(user_role::Column::UserId)
                    .to(app_user::Column::Id)
                    .into(),
            )
            .filter(session::Column::TokenHash.eq(token_hash(token)))
            .into_model::<SessionRow>()
            .all(self.db.conn())
            .await?;
        let first = rows
            .first()
            .ok_or(Error::Unauthenticated(AuthFailure::InvalidToken))?;
        if first.revoked_at.is_some() {
            return Err(Error::Unauthenticated(AuthFailure::RevokedToken));
        }
        if first.expires_at <= self.clock.now() {
            return Err(Error::Unauthenticated(AuthFailure::ExpiredToken));
        }
        if !first.active {
            return Err(Error::Unauthenticated(AuthFailure::UserDisabled));
        }
        let mut roles: Vec<_> = rows.iter().filter_map(|r| r.role).collect();
        roles.sort();
        Ok(Caller {
            user_id: first.user_id,
            username: first.username.clone(),
            roles,
            institution_id: first.institution_id,
            institution_kind: first.institution_kind,
            community_id: first.community_id,
            session_id: first.session_id,
        })
    }

    /// Revokes the caller's session. Signing out twice is harmless: the
    /// second request is already unauthenticated.
    pub async fn logout(&self, caller: &Caller) -> Result<bool> {
        let now = self.clock.now();
        let txn = self.db.begin_write().await?;
        let result = session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(Some(now)))
            .filter(session::Column::Id.eq(caller.session_id))
            .filter(session::Column::RevokedAt.is_null())
            .exec(&*txn)
            .await?;
        audit::record(
            &*txn,
            now,
            AuditEntry {
                user_id: Some(caller.user_id),
                institution_id: Some(caller.institution_id),
                operation: "logout",
                entity_type: "session",
                entity_ids: &[caller.session_id],
                detail: None,
                client_request_id: None,
            },
        )
        .await?;
        txn.commit().await?;
        Ok(result.rows_affected == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let phc = hash_password("s3cret").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password("s3cret", &phc));
        assert!(!verify_password("s3cret ", &phc));
        assert!(!verify_password("s3cret", "not a phc string"));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), token_hash(&b));
    }

    #[test]
    fn usernames_are_case_insensitive() {
        assert_eq!(normalise_username("  Admin ").unwrap(), "admin");
        assert!(normalise_username("   ").is_err());
    }
}
