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
    /// Every problem found with the input, each naming its field, so a form
    /// can mark them all at once.
    #[error("{}", join_fields(.0))]
    Validation(Vec<FieldError>),
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
    #[error("{message}")]
    IllegalState {
        /// What state forbids it, for clients to branch on.
        reason: StateReason,
        message: String,
    },
    #[error(
        "traceability code {0} is already recorded: each pack's code is received and dispensed once"
    )]
    DuplicateTraceCode(String),
    /// A pack scanned at receipt that the shipment does not carry.
    #[error("{message}")]
    WrongPack {
        kind: WrongPack,
        message: String,
        message_zh: String,
    },
    #[error("{0}")]
    Conflict(String),
    #[error("{}", rate_limited_message(*refusal, *retry_after_secs))]
    RateLimited {
        retry_after_secs: i64,
        refusal: Refusal,
    },
    /// A fault of ours or of the database. The cause goes to the log, with
    /// the reference, where the error leaves the server (the API's edge);
    /// the user sees only the reference.
    #[error("internal error (reference {reference})")]
    Internal { reference: Uuid, cause: String },
}

/// One problem with one field of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The input's field as the API names it (`quantity`,
    /// `packageLevels.gtins`).
    pub field: String,
    pub message: String,
    pub message_zh: String,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        message: impl Into<String>,
        message_zh: impl Into<String>,
    ) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
            message_zh: message_zh.into(),
        }
    }
}

fn join_fields(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// How a scanned pack fails to belong to the shipment being received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrongPack {
    /// Another item altogether.
    NotOnShipment,
    /// The item is on the shipment, but not this batch.
    WrongBatch,
    /// This pack (its traceability code) was already counted.
    AlreadyScanned,
}

impl WrongPack {
    pub fn code(self) -> &'static str {
        match self {
            WrongPack::NotOnShipment => "NOT_ON_SHIPMENT",
            WrongPack::WrongBatch => "WRONG_BATCH",
            WrongPack::AlreadyScanned => "ALREADY_SCANNED",
        }
    }
}

/// Why the current state of something forbids an operation: the stable,
/// machine-readable half of `ILLEGAL_STATE` (`extensions.reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateReason {
    /// The institution is deactivated: stock may leave it, not arrive.
    InstitutionInactive,
    /// The institution is already in the state asked for.
    InstitutionUnchanged,
    /// The logistics centre serves every member and cannot be deactivated.
    CentreRequired,
    /// A movement may be reversed once.
    AlreadyReversed,
    /// A reversal is corrected by a new movement, not by reversing it.
    ReversalNotReversible,
    /// The reservation was already consumed or released.
    ReservationNotActive,
    /// The item's status does not allow this status change.
    ItemStatusTransition,
    ItemSuspended,
    ItemDelisted,
    /// The user account is already in the state asked for.
    UserUnchanged,
    /// Administrators cannot lock themselves out.
    OwnAccount,
    /// A purchase order's status does not allow this.
    PurchaseOrderTransition,
    /// The supplier is marked inactive: nothing is ordered from it.
    SupplierInactive,
    /// An invoice's status does not allow this.
    InvoiceTransition,
    /// A requisition's status does not allow this.
    RequisitionTransition,
    /// A shipment's status does not allow this.
    ShipmentTransition,
    /// A delivery run's status does not allow this.
    DeliveryRunTransition,
    /// A discrepancy is resolved once.
    DiscrepancyResolved,
}

impl StateReason {
    pub fn code(self) -> &'static str {
        match self {
            StateReason::InstitutionInactive => "INSTITUTION_INACTIVE",
            StateReason::InstitutionUnchanged => "INSTITUTION_UNCHANGED",
            StateReason::CentreRequired => "CENTRE_REQUIRED",
            StateReason::AlreadyReversed => "ALREADY_REVERSED",
            StateReason::ReversalNotReversible => "REVERSAL_NOT_REVERSIBLE",
            StateReason::ReservationNotActive => "RESERVATION_NOT_ACTIVE",
            StateReason::ItemStatusTransition => "ITEM_STATUS_TRANSITION",
            StateReason::ItemSuspended => "ITEM_SUSPENDED",
            StateReason::ItemDelisted => "ITEM_DELISTED",
            StateReason::UserUnchanged => "USER_UNCHANGED",
            StateReason::OwnAccount => "OWN_ACCOUNT",
            StateReason::PurchaseOrderTransition => "PURCHASE_ORDER_TRANSITION",
            StateReason::SupplierInactive => "SUPPLIER_INACTIVE",
            StateReason::InvoiceTransition => "INVOICE_TRANSITION",
            StateReason::RequisitionTransition => "REQUISITION_TRANSITION",
            StateReason::ShipmentTransition => "SHIPMENT_TRANSITION",
            StateReason::DeliveryRunTransition => "DELIVERY_RUN_TRANSITION",
            StateReason::DiscrepancyResolved => "DISCREPANCY_RESOLVED",
        }
    }

    fn message_zh(self) -> &'static str {
        match self {
            StateReason::InstitutionInactive => "该机构已停用，库存只能调出，不能调入",
            StateReason::InstitutionUnchanged => "该机构已处于此状态",
            StateReason::CentreRequired => "物流中心不能停用",
            StateReason::AlreadyReversed => "该记录已冲销过",
            StateReason::ReversalNotReversible => "冲销记录不能再次冲销，请重新登记",
            StateReason::ReservationNotActive => "该预留已失效",
            StateReason::ItemStatusTransition => "品种当前状态不允许此变更",
            StateReason::ItemSuspended => "该品种已暂停供应",
            StateReason::ItemDelisted => "该品种已从目录中撤销",
            StateReason::UserUnchanged => "该账号已处于此状态",
            StateReason::OwnAccount => "不能停用自己的账号",
            StateReason::PurchaseOrderTransition => "采购订单当前状态不允许此操作",
            StateReason::SupplierInactive => "该供应商已停用",
            StateReason::InvoiceTransition => "发票当前状态不允许此操作",
            StateReason::RequisitionTransition => "请领单当前状态不允许此操作",
            StateReason::ShipmentTransition => "配送单当前状态不允许此操作",
            StateReason::DeliveryRunTransition => "配送车次当前状态不允许此操作",
            StateReason::DiscrepancyResolved => "该差异已处理",
        }
    }
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
    /// A browser session's cookie came on a request that changes something
    /// without the web app's own header: a cross-site forgery, or a client
    /// that should send a bearer token instead.
    MissingCsrfHeader,
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
            AuthFailure::MissingCsrfHeader => {
                "a browser session may change data only from the yaolian web app (X-Yaolian-Web header missing)"
            }
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
            Error::Validation(_) => "VALIDATION",
            Error::InvalidBarcode { .. } => "INVALID_BARCODE",
            Error::InsufficientStock { .. } => "INSUFFICIENT_STOCK",
            Error::BatchBlocked { .. } => "BATCH_BLOCKED",
            Error::IllegalState { .. } => "ILLEGAL_STATE",
            Error::DuplicateTraceCode(_) => "DUPLICATE_TRACE_CODE",
            Error::WrongPack { kind, .. } => kind.code(),
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
                AuthFailure::MissingCsrfHeader => "请求被拒绝：请从药链工作台操作".into(),
            },
            Error::Forbidden(_) => "无权执行此操作".into(),
            Error::NotFound { .. } => "未找到记录".into(),
            Error::Validation(errors) => format!(
                "输入有误：{}",
                errors
                    .iter()
                    .map(|e| format!("{}：{}", e.field, e.message_zh))
                    .collect::<Vec<_>>()
                    .join("；")
            ),
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
            Error::IllegalState { reason, .. } => reason.message_zh().into(),
            Error::DuplicateTraceCode(code) => format!("追溯码 {code} 已被使用"),
            Error::WrongPack { message_zh, .. } => message_zh.clone(),
            Error::Conflict(_) => "请求冲突".into(),
            Error::RateLimited {
                retry_after_secs,
                refusal: Refusal::Busy,
            } => format!("服务器繁忙，请 {retry_after_secs} 秒后再试"),
            Error::RateLimited {
                retry_after_secs, ..
            } => format!("登录尝试次数过多，请 {retry_after_secs} 秒后再试"),
            Error::Internal { reference, .. } => format!("系统内部错误（参考号 {reference}）"),
        }
    }

    /// One problem with one field, in English and Chinese.
    pub fn validation(
        field: impl Into<String>,
        message: impl Into<String>,
        message_zh: impl Into<String>,
    ) -> Self {
        Error::Validation(vec![FieldError::new(field, message, message_zh)])
    }

    /// Every problem at once; callers pass a non-empty list.
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        Error::Validation(errors)
    }

    /// A fault of ours, with a fresh reference; `cause` is for the log.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Error::Internal {
            reference: Uuid::now_v7(),
            cause: cause.to_string(),
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

    pub fn illegal_state(reason: StateReason, why: impl Into<String>) -> Self {
        Error::IllegalState {
            reason,
            message: why.into(),
        }
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
            return Error::Conflict(
                "someone else changed this at the same moment; reload and try again".into(),
            );
        }
        Error::internal(format_args!("database error: {err}"))
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
