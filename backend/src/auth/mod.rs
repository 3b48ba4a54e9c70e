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
use crate::command::{Audit, Command, Effect, Ran};
use crate::directory::UserView;
use crate::entity::enums::{InstitutionKind, Role};
use crate::entity::{app_user, institution, session, user_role};
use crate::error::{AuthFailure, Error, Result};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, FromQueryResult, JoinType, QueryFilter,
    QuerySelect, Set,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub mod gate;
pub mod throttle;

pub use throttle::ThrottlePolicy;

/// Where a sign-in attempt came from, as the HTTP layer saw it.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientInfo {
    pub address: Option<std::net::IpAddr>,
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
    institution_active: bool,
    community_id: Uuid,
    role: Option<Role>,
}

pub struct LoginOutcome {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: UserView,
    /// The new session's caller, for resolving the rest of the response.
    pub caller: Caller,
}

/// Hashes a password with argon2id and a fresh salt (PHC string).
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(format_args!("password hashing failed: {e}")))
}

pub(crate) fn verify_password(password: &str, phc: &str) -> bool {
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

/// The audit row of a sign-in attempt that did not sign in: about the user
/// when the username exists, otherwise only what `detail` says.
async fn audit_attempt(
    txn: &crate::db::WriteTxn,
    now: DateTime<Utc>,
    operation: &str,
    user_id: Option<Uuid>,
    detail: serde_json::Value,
) -> Result<()> {
    audit::record(
        &**txn,
        now,
        AuditEntry {
            user_id,
            institution_id: None,
            operation,
            entity_type: "user",
            entity_ids: user_id.as_slice(),
            detail: Some(detail),
            client_request_id: None,
        },
    )
    .await
}

pub fn normalise_username(raw: &str) -> Result<String> {
    let name = raw.trim().to_lowercase();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(Error::validation(
            "username",
            "must be 1 to 64 characters",
            "用户名应为 1 至 64 个字符",
        ));
    }
    Ok(name)
}

impl Backend {
    /// Signs in. Every attempt is counted before its password is checked
    /// (see [`throttle`]), password checks queue behind one per core (see
    /// [`gate`]), and a wrong username, a wrong password, a disabled account
    /// and a deactivated institution all answer the same
    /// `UNAUTHENTICATED`, so the answer tells nothing about which it was.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: ClientInfo,
    ) -> Result<LoginOutcome> {
        let result = self.try_login(username, password, client).await;
        crate::metrics::metrics().sign_in(match &result {
            Ok(_) => "OK",
            Err(Error::Unauthenticated(_)) => "FAILED",
            Err(Error::RateLimited { .. }) => "REFUSED",
            Err(e) => e.code(),
        });
        result
    }

    async fn try_login(
        &self,
        username: &str,
        password: &str,
        client: ClientInfo,
    ) -> Result<LoginOutcome> {
        let username = normalise_username(username)?;
        let now = self.clock.now();
        let policy = self.settings.throttle;
        self.sign_in
            .addresses
            .take(client.address, now, &policy)
            .inspect_err(|_| {
                tracing::warn!(address = ?client.address, "sign-in flood from one address refused");
            })?;
        if password.is_empty() || password.len() > 1024 {
            return Err(Error::Unauthenticated(AuthFailure::BadCredentials));
        }
        let address = gate::throttle_address(client.address);
        let keys = throttle::Keys::new(&username, &address);

        let conn = self.db.conn();
        let found = match app_user::Entity::find()
            .filter(app_user::Column::Username.eq(username.clone()))
            .one(conn)
            .await?
        {
            Some(user) => {
                let inst = institution::Entity::find_by_id(user.institution_id)
                    .one(conn)
                    .await?;
                Some((user, inst))
            }
            None => None,
        };
        // Who the audit row is about: a user that exists, or only a hash of
        // what was typed (it may be a password typed in the wrong field).
        let user_id = found.as_ref().map(|(u, _)| u.id);
        let who = match &found {
            Some(_) => serde_json::Value::Null,
            None => serde_json::Value::from(throttle::username_fingerprint(&username)),
        };

        let txn = self.db.begin_write().await?;
        match throttle::admit(&txn, &keys, now, &policy).await? {
            throttle::Decision::Admit { .. } => txn.commit().await?,
            throttle::Decision::Refuse {
                refusal,
                retry_after_secs,
            } => {
                audit_attempt(
                    &txn,
                    now,
                    "login_refused",
                    user_id,
                    serde_json::json!({
                        "address": address,
                        "refusal": refusal.code(),
                        "usernameHash": who,
                    }),
                )
                .await?;
                txn.commit().await?;
                return Err(Error::RateLimited {
                    retry_after_secs,
                    refusal,
                });
            }
        }

        let phc = found
            .as_ref()
            .map(|(u, _)| u.password_hash.clone())
            .unwrap_or_else(|| DUMMY_HASH.clone());
        let attempt = password.to_string();
        let verified = self
            .sign_in
            .argon
            .run(move || verify_password(&attempt, &phc))
            .await?;

        let usable = match found {
            Some((user, Some(inst))) if verified && user.active && inst.active => {
                Some((user, inst))
            }
            _ => None,
        };
        let Some((user, inst)) = usable else {
            let txn = self.db.begin_write().await?;
            audit_attempt(
                &txn,
                now,
                "login_failed",
                user_id,
                serde_json::json!({ "address": address, "usernameHash": who }),
            )
            .await?;
            txn.commit().await?;
            return Err(Error::Unauthenticated(AuthFailure::BadCredentials));
        };

        let token = new_token();
        let expires_at = now + self.settings.session_ttl;
        let session_id = Uuid::now_v7();
        self.run(
            Command {
                operation: "login",
                user_id: user.id,
                idempotency: None,
            },
            async |txn, now| {
                throttle::succeeded(txn, &keys).await?;
                session::ActiveModel {
                    id: Set(session_id),
                    user_id: Set(user.id),
                    token_hash: Set(token_hash(&token)),
                    created_at: Set(now),
                    expires_at: Set(expires_at),
                    revoked_at: Set(None),
                }
                .insert(&**txn)
                .await?;
                Ok(Effect::Changed {
                    value: (),
                    result_id: session_id,
                    audit: Audit {
                        institution_id: Some(user.institution_id),
                        entity_type: "session",
                        entity_ids: vec![session_id],
                        detail: Some(serde_json::json!({ "address": address })),
                    },
                })
            },
        )
        .await?;

        let user = self.user_view(user).await?;
        let caller = Caller {
            user_id: user.id,
            username: user.username.clone(),
            roles: user.roles.clone(),
            institution_id: inst.id,
            institution_kind: inst.kind,
            community_id: inst.community_id,
            session_id,
        };
        Ok(LoginOutcome {
            token,
            expires_at,
            user,
            caller,
        })
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
            .column_as(institution::Column::Active, "institution_active")
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
        if !first.institution_active {
            return Err(Error::Unauthenticated(AuthFailure::InstitutionInactive));
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
        let ran = self
            .run(
                Command {
                    operation: "logout",
                    user_id: caller.user_id,
                    idempotency: None,
                },
                async |txn, now| {
                    let result = session::Entity::update_many()
                        .col_expr(session::Column::RevokedAt, Expr::value(Some(now)))
                        .filter(session::Column::Id.eq(caller.session_id))
                        .filter(session::Column::RevokedAt.is_null())
                        .exec(&**txn)
                        .await?;
                    Ok(Effect::Changed {
                        value: result.rows_affected == 1,
                        result_id: caller.session_id,
                        audit: Audit {
                            institution_id: Some(caller.institution_id),
                            entity_type: "session",
                            entity_ids: vec![caller.session_id],
                            detail: None,
                        },
                    })
                },
            )
            .await?;
        Ok(matches!(ran, Ran::Done(true)))
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
