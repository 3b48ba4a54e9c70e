//! The one error type of every service. Each variant has a stable code that
//! the API puts in `extensions.code`, and a message a user can act on, in
//! English and Chinese.

pub use crate::auth::throttle::Refusal;
use sea_orm::DbErr;
use uuid::Uuid;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Unauthenticated(AuthFailure),
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: String },
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    #[error("invalid barcode: {message}")]
    InvalidBarcode {
        /// What exactly is wrong, as a short code (`gs1.bad_check_digit`).
        reason: &'static str,
        message: String,
    },
    #[error("insufficient stock: {available} available, {requested} requested")]
    InsufficientStock { available: i64, requested: i64 },
    #[error("batch {lot_number} is {reason} and cannot be used")]
    BatchBlocked {
        lot_number: String,
        reason: BlockReason,
    },
    #[error("{0}")]
    IllegalState(String),
    #[error("traceability code {0} has already been dispensed")]
    DuplicateTraceCode(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{}", rate_limited_message(*refusal, *retry_after_secs))]
    RateLimited {
        retry_after_secs: i64,
        refusal: Refusal,
    },
    /// A fault of ours or of the database; the detail goes to the log, not to
    /// the user.
    #[error("internal error (reference {reference})")]
    Internal { reference: Uuid },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    MissingToken,
    InvalidToken,
    ExpiredToken,
    RevokedToken,
    BadCredentials,
    UserDisabled,
    /// The user's institution was deactivated; its sessions stop working.
    InstitutionInactive,
}

impl std::fmt::Display for AuthFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AuthFailure::MissingToken => "sign in first: no bearer token was sent",
            AuthFailure::InvalidToken => "the bearer token is not valid",
            AuthFailure::ExpiredToken => "the session has expired; sign in again",
            AuthFailure::RevokedToken => "the session was signed out; sign in again",
            AuthFailure::BadCredentials => "wrong username or password",
            AuthFailure::UserDisabled => "this account is disabled",
            AuthFailure::InstitutionInactive => "your institution has been deactivated",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockReason {
    Quarantined,
    Recalled,
    Expired,
}

impl std::fmt::Display for BlockReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BlockReason::Quarantined => "quarantined",
            BlockReason::Recalled => "recalled",
            BlockReason::Expired => "expired",
        })
    }
}

fn rate_limited_message(refusal: Refusal, secs: i64) -> String {
    match refusal {
        Refusal::Busy => format!("the server is busy checking passwords; try again in {secs} s"),
        _ => format!("too many sign-in attempts; try again in {secs} s"),
    }
}

impl Error {
    pub fn code(&self) -> &'static str {
        match self {
            Error::Unauthenticated(_) => "UNAUTHENTICATED",
            Error::Forbidden(_) => "FORBIDDEN",
            Error::NotFound { .. } => "NOT_FOUND",
            Error::Validation { .. } => "VALIDATION",
            Error::InvalidBarcode { .. } => "INVALID_BARCODE",
            Error::InsufficientStock { .. } => "INSUFFICIENT_STOCK",
            Error::BatchBlocked { .. } => "BATCH_BLOCKED",
            Error::IllegalState(_) => "ILLEGAL_STATE",
            Error::DuplicateTraceCode(_) => "DUPLICATE_TRACE_CODE",
            Error::Conflict(_) => "CONFLICT",
            Error::RateLimited { .. } => "RATE_LIMITED",
            Error::Internal { .. } => "INTERNAL",
        }
    }

    /// The Chinese message shown to clinic users next to the English one.
    pub fn message_zh(&self) -> String {
        match self {
            Error::Unauthenticated(f) => match f {
                AuthFailure::MissingToken => "请先登录".into(),
                AuthFailure::InvalidToken => "登录凭证无效".into(),
                AuthFailure::ExpiredToken => "登录已过期，请重新登录".into(),
                AuthFailure::RevokedToken => "已退出登录，请重新登录".into(),
                AuthFailure::BadCredentials => "用户名或密码错误".into(),
                AuthFailure::UserDisabled => "账号已停用".into(),
                AuthFailure::InstitutionInactive => "所在机构已停用".into(),
            },
            Error::Forbidden(_) => "无权执行此操作".into(),
            Error::NotFound { .. } => "未找到记录".into(),
            Error::Validation { field, message } => format!("输入有误（{field}）：{message}"),
            Error::InvalidBarcode { .. } => "条码无法识别，请重新扫描".into(),
            Error::InsufficientStock {
                available,
                requested,
            } => format!("库存不足：可用 {available}，需要 {requested}"),
            Error::BatchBlocked { lot_number, reason } => {
                let why = match reason {
                    BlockReason::Quarantined => "已隔离",
                    BlockReason::Recalled => "已召回",
                    BlockReason::Expired => "已过期",
                };
                format!("批号 {lot_number} {why}，不可使用")
            }
            Error::IllegalState(_) => "当前状态不允许此操作".into(),
            Error::DuplicateTraceCode(code) => format!("追溯码 {code} 已被使用"),
            Error::Conflict(_) => "请求冲突".into(),
            Error::RateLimited {
                retry_after_secs,
                refusal: Refusal::Busy,
            } => format!("服务器繁忙，请 {retry_after_secs} 秒后再试"),
            Error::RateLimited {
                retry_after_secs, ..
            } => format!("登录尝试次数过多，请 {retry_after_secs} 秒后再试"),
            Error::Internal { reference } => format!("系统内部错误（参考号 {reference}）"),
        }
    }

    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        Error::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    pub fn forbidden(why: impl Into<String>) -> Self {
        Error::Forbidden(why.into())
    }

    pub fn illegal_state(why: impl Into<String>) -> Self {
        Error::IllegalState(why.into())
    }
}

impl From<DbErr> for Error {
    fn from(err: DbErr) -> Self {
        // A unique or foreign key the database refused is a lost race with
        // another command (both checked, one committed first): the user can
        // reload and retry. Everything else is our fault.
        if matches!(
            err.sql_err(),
            Some(
                sea_orm::SqlErr::UniqueConstraintViolation(_)
                    | sea_orm::SqlErr::ForeignKeyConstraintViolation(_)
            )
        ) {
            tracing::info!(error = %err, "constraint refused a write; answering CONFLICT");
            return Error::Conflict(
                "someone else changed this at the same moment; reload and try again".into(),
            );
        }
        let reference = Uuid::now_v7();
        tracing::error!(%reference, error = %err, "database error");
        Error::Internal { reference }
    }
}

/// True when the database refused a row because a unique constraint already
/// holds that key: used to detect a lost race, not to report an error.
pub(crate) fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
