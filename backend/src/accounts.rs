//! User accounts (用户管理): the logistics centre's administrators create
//! users at any institution of the community, deactivate them (which ends
//! their sessions at once) and reset passwords; everyone changes their own.
//!
//! Passwords: at least 10 characters, not the username, not one of the
//! passwords every guessing list starts with. Hashing runs through the same
//! argon2 gate as sign-in, so an administrator's burst of resets cannot
//! starve the scanners.

use crate::Backend;
use crate::auth::{hash_password, normalise_username, verify_password};
use crate::authz::{self, Action, Caller, Scope};
use crate::command::{Audit, Command, Effect};
use crate::directory::UserView;
use crate::entity::enums::Role;
use crate::entity::{app_user, session, user_role};
use crate::error::{Error, Result, StateReason};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

pub const MIN_PASSWORD_CHARS: usize = 10;
const MAX_PASSWORD_CHARS: usize = 128;

/// The start of every guessing list, and what people here pick first.
const COMMON: &[&str] = &[
    "1234567890",
    "12345678910",
    "0123456789",
    "9876543210",
    "1111111111",
    "0000000000",
    "1234512345",
    "1qaz2wsx3edc",
    "qwertyuiop",
    "qwerty1234",
    "qwertyuiop123",
    "password123",
    "password1234",
    "passw0rd123",
    "p@ssw0rd123",
    "abcdefghij",
    "abc1234567",
    "abcd123456",
    "a123456789",
    "aa123456789",
    "iloveyou123",
    "woaini1314",
    "woaini5201314",
    "5201314520",
    "1314520520",
    "yaolian123",
    "yaolian2026",
    "admin12345",
    "admin123456",
    "administrator",
    "zxcvbnm123",
    "asdfghjkl1",
    "1q2w3e4r5t",
    "changeme123",
    "welcome123",
    "letmein123",
];

/// Why a password is refused, or `Ok` when it will do.
pub fn check_password(password: &str, username: &str) -> Result<()> {
    let field = "password";
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(Error::validation(
            field,
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
            format!("密码至少 {MIN_PASSWORD_CHARS} 个字符"),
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(Error::validation(
            field,
            format!("must be at most {MAX_PASSWORD_CHARS} characters"),
            format!("密码最多 {MAX_PASSWORD_CHARS} 个字符"),
        ));
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) || lower == username.to_lowercase() {
        return Err(Error::validation(
            field,
            "is too easy to guess; choose another",
            "密码过于常见，容易被猜到，请换一个",
        ));
    }
    if password
        .chars()
        .all(|c| c == password.chars().next().unwrap_or(c))
    {
        return Err(Error::validation(
            field,
            "must not be one character repeated",
            "密码不能是同一个字符重复",
        ));
    }
    Ok(())
}

pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub institution_id: Uuid,
    pub roles: Vec<Role>,
    pub password: String,
}

impl Backend {
    fn administer_users(&self, caller: &Caller) -> Result<()> {
        authz::authorize(
            caller,
            Action::AdministerUsers,
            Scope::Community(caller.community_id),
        )
    }

    async fn hash(&self, password: String) -> Result<String> {
        self.sign_in
            .argon
            .run(move || hash_password(&password))
            .await?
    }

    pub async fn create_user(&self, caller: &Caller, input: NewUser) -> Result<UserView> {
        self.administer_users(caller)?;
        let username = normalise_username(&input.username)?;
        let mut errors = Vec::new();
        if !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            errors.push(crate::error::FieldError::new(
                "username",
                "may hold only letters, digits, '.', '_' and '-'",
                "用户名只能包含字母、数字、点、下划线和连字符",
            ));
        }
        let display_name = input.display_name.trim().to_string();
        if display_name.is_empty() || display_name.chars().count() > 64 {
            errors.push(crate::error::FieldError::new(
                "displayName",
                "must be 1 to 64 characters",
                "姓名应为 1 至 64 个字符",
            ));
        }
        let mut roles = input.roles.clone();
        roles.sort();
        roles.dedup();
        if roles.is_empty() {
            errors.push(crate::error::FieldError::new(
                "roles",
                "give the user at least one role",
                "请至少选择一个角色",
            ));
        }
        if let Err(Error::Validation(mut e)) = check_password(&input.password, &username) {
            errors.append(&mut e);
        }
        if !errors.is_empty() {
            return Err(Error::invalid(errors));
        }
        let inst = self
            .institution_in_community(caller, input.institution_id)
            .await?;
        if !inst.active {
            return Err(Error::illegal_state(
                StateReason::InstitutionInactive,
                "users cannot be added to a deactivated institution",
            ));
        }
        let taken = app_user::Entity::find()
            .filter(app_user::Column::Username.eq(&username))
            .one(self.db.conn())
            .await?;
        if taken.is_some() {
            return Err(Error::validation(
                "username",
                "is taken; choose another",
                "用户名已被使用，请换一个",
            ));
        }
        let password_hash = self.hash(input.password).await?;
        let id = Uuid::now_v7();
        let ran = self
            .run(
                Command {
                    operation: "createUser",
                    user_id: caller.user_id,
                    idempotency: None,
                },
                async |txn, now| {
                    app_user::Entity::insert(app_user::ActiveModel {
                        id: Set(id),
                        institution_id: Set(inst.id),
                        username: Set(username.clone()),
                        display_name: Set(display_name.clone()),
                        password_hash: Set(password_hash.clone()),
                        active: Set(true),
                        created_at: Set(now),
                    })
                    .exec_without_returning(&**txn)
                    .await?;
                    user_role::Entity::insert_many(roles.iter().map(|r| user_role::ActiveModel {
                        user_id: Set(id),
                        role: Set(*r),
                    }))
                    .exec_without_returning(&**txn)
                    .await?;
                    Ok(Effect::Changed {
                        value: (),
                        result_id: id,
                        audit: Audit {
                            institution_id: Some(inst.id),
                            entity_type: "user",
                            entity_ids: vec![id],
                            detail: Some(serde_json::json!({
                                "username": username,
                                "roles": roles,
                            })),
                        },
                    })
                },
            )
            .await;
        ran?;
        self.user_by_id(id).await
    }

    /// Takes a user out of service: they cannot sign in, and every open
    /// session of theirs stops working on its next request.
    pub async fn deactivate_user(
        &self,
        caller: &Caller,
        id: Uuid,
        reason: &str,
    ) -> Result<UserView> {
        self.administer_users(caller)?;
        let reason = crate::stock::require_reason(reason)?;
        let user = self.user_in_community(caller, id).await?;
        if user.id == caller.user_id {
            return Err(Error::illegal_state(
                StateReason::OwnAccount,
                "you cannot deactivate your own account",
            ));
        }
        self.set_user_active(caller, &user, false, Some(reason))
            .await?;
        self.user_by_id(id).await
    }

    pub async fn reactivate_user(&self, caller: &Caller, id: Uuid) -> Result<UserView> {
        self.administer_users(caller)?;
        let user = self.user_in_community(caller, id).await?;
        self.set_user_active(caller, &user, true, None).await?;
        self.user_by_id(id).await
    }

    async fn set_user_active(
        &self,
        caller: &Caller,
        user: &app_user::Model,
        active: bool,
        reason: Option<String>,
    ) -> Result<()> {
        let operation = if active {
            "reactivateUser"
        } else {
            "deactivateUser"
        };
        self.run(
            Command {
                operation,
                user_id: caller.user_id,
                idempotency: None,
            },
            async |txn, now| {
                let changed = app_user::Entity::update_many()
                    .col_expr(app_user::Column::Active, Expr::value(active))
                    .filter(app_user::Column::Id.eq(user.id))
                    .filter(app_user::Column::Active.eq(!active))
                    .exec(&**txn)
                    .await?;
                if changed.rows_affected != 1 {
                    return Err(Error::illegal_state(
                        StateReason::UserUnchanged,
                        if active {
                            "this user is already active"
                        } else {
                            "this user is already deactivated"
                        },
                    ));
                }
                if !active {
                    revoke_sessions(txn, user.id, None, now).await?;
                }
                Ok(Effect::Changed {
                    value: (),
                    result_id: user.id,
                    audit: Audit {
                        institution_id: Some(user.institution_id),
                        entity_type: "user",
                        entity_ids: vec![user.id],
                        detail: Some(serde_json::json!({ "reason": reason })),
                    },
                })
            },
        )
        .await?;
        Ok(())
    }

    /// Sets a new password for someone who forgot theirs; their open
    /// sessions end, so whoever had them must sign in with the new one.
    pub async fn reset_password(
        &self,
        caller: &Caller,
        id: Uuid,
        new_password: String,
    ) -> Result<bool> {
        self.administer_users(caller)?;
        let user = self.user_in_community(caller, id).await?;
        check_password(&new_password, &user.username)?;
        let phc = self.hash(new_password).await?;
        self.store_password(caller, "resetPassword", &user, phc, None)
            .await?;
        Ok(true)
    }

    /// Everyone may change their own password, given the current one. The
    /// other sessions of the account end; this one goes on.
    pub async fn change_password(
        &self,
        caller: &Caller,
        current: String,
        new_password: String,
    ) -> Result<bool> {
        let user = app_user::Entity::find_by_id(caller.user_id)
            .one(self.db.conn())
            .await?
            .ok_or_else(|| Error::not_found("user", caller.user_id))?;
        let phc = user.password_hash.clone();
        let verified = self
            .sign_in
            .argon
            .run(move || verify_password(&current, &phc))
            .await?;
        if !verified {
            return Err(Error::validation(
                "currentPassword",
                "is not your current password",
                "当前密码不正确",
            ));
        }
        check_password(&new_password, &user.username)?;
        let phc = self.hash(new_password).await?;
        self.store_password(
            caller,
            "changePassword",
            &user,
            phc,
            Some(caller.session_id),
        )
        .await?;
        Ok(true)
    }

    async fn store_password(
        &self,
        caller: &Caller,
        operation: &'static str,
        user: &app_user::Model,
        phc: String,
        keep_session: Option<Uuid>,
    ) -> Result<()> {
        self.run(
            Command {
                operation,
                user_id: caller.user_id,
                idempotency: None,
            },
            async |txn, now| {
                app_user::Entity::update_many()
                    .col_expr(app_user::Column::PasswordHash, Expr::value(phc.clone()))
                    .filter(app_user::Column::Id.eq(user.id))
                    .exec(&**txn)
                    .await?;
                revoke_sessions(txn, user.id, keep_session, now).await?;
                Ok(Effect::Changed {
                    value: (),
                    result_id: user.id,
                    audit: Audit {
                        institution_id: Some(user.institution_id),
                        entity_type: "user",
                        entity_ids: vec![user.id],
                        detail: None,
                    },
                })
            },
        )
        .await?;
        Ok(())
    }

    async fn user_in_community(&self, caller: &Caller, id: Uuid) -> Result<app_user::Model> {
        let user = app_user::Entity::find_by_id(id)
            .one(self.db.conn())
            .await?
            .ok_or_else(|| Error::not_found("user", id))?;
        // Another community's user is "not found", so ids do not leak.
        self.institution_in_community(caller, user.institution_id)
            .await
            .map_err(|_| Error::not_found("user", id))?;
        Ok(user)
    }
}

/// Ends every open session of a user (but `keep`).
async fn revoke_sessions(
    txn: &crate::db::WriteTxn,
    user_id: Uuid,
    keep: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut update = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Some(now)))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null());
    if let Some(keep) = keep {
        update = update.filter(session::Column::Id.ne(keep));
    }
    update.exec(&**txn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_checked_for_length_guessability_and_repetition() {
        let code = |p: &str| check_password(p, "li.ming").err().map(|e| e.to_string());
        assert!(code("short").unwrap().contains("at least 10"));
        assert!(code("123456789").unwrap().contains("at least 10"));
        assert!(code("1234567890").unwrap().contains("guess"));
        assert!(code("Password123").unwrap().contains("guess"));
        assert!(code("li.ming").unwrap().contains("at least"));
        assert!(code("aaaaaaaaaaaa").unwrap().contains("repeated"));
        assert!(check_password("马上就好-clinic-7", "li.ming").is_ok());
        assert!(check_password("correct horse battery", "li.ming").is_ok());
        // Ten characters exactly is enough; counted as characters, not bytes.
        assert!(check_password("药品药品药品药品药品", "li.ming").is_ok());
    }
}
