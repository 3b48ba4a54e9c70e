//! Per-request allowances that the schema's depth and complexity limits
//! cannot express, shared by every operation of a batch:
//!
//! - **rows**: how many list rows one HTTP request may return in all. The
//!   complexity limit weighs each connection by its `first`, which stops a
//!   request made of many aliases at validation; this catches what is left
//!   (a batch of operations that are each just under the limit).
//! - **sign-ins**: one `login` per request and none in a batch, so that one
//!   request cannot buy hundreds of password checks.

use async_graphql::{Context, ErrorExtensions};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

/// List rows one HTTP request may return, all operations of a batch
/// together. A screen shows at most a few hundred.
pub const MAX_ROWS_PER_REQUEST: i64 = 5_000;

#[derive(Clone)]
pub struct RequestAllowance {
    rows: Arc<AtomicI64>,
    login: Arc<AtomicBool>,
}

impl RequestAllowance {
    /// `batch`: the request carries several operations, so sign-in is not
    /// allowed in it at all.
    pub fn new(batch: bool) -> Self {
        RequestAllowance {
            rows: Arc::new(AtomicI64::new(MAX_ROWS_PER_REQUEST)),
            login: Arc::new(AtomicBool::new(!batch)),
        }
    }
}

fn refused(reason: &'static str, en: String, zh: &'static str) -> async_graphql::Error {
    async_graphql::Error::new(format!("{en} ({zh})")).extend_with(move |_, ext| {
        ext.set("code", "VALIDATION");
        ext.set("reason", reason);
        ext.set("messageEn", en.clone());
        ext.set("messageZh", zh);
    })
}

/// Takes `rows` from the request's allowance before a list is fetched.
pub fn take_rows(ctx: &Context<'_>, rows: i64) -> async_graphql::Result<()> {
    let Some(allowance) = ctx.data_opt::<RequestAllowance>() else {
        return Ok(());
    };
    let before = allowance.rows.fetch_sub(rows.max(0), Ordering::SeqCst);
    if before < rows {
        return Err(refused(
            "QUERY_TOO_COMPLEX",
            format!(
                "this request asks for more than {MAX_ROWS_PER_REQUEST} rows in all; ask for fewer, or page with `first` and `after`"
            ),
            "请求的数据行过多，请分页查询",
        ));
    }
    Ok(())
}

/// Claims the request's one sign-in.
pub fn take_login(ctx: &Context<'_>) -> async_graphql::Result<()> {
    let allowed = ctx
        .data_opt::<RequestAllowance>()
        .is_some_and(|a| a.login.swap(false, Ordering::SeqCst));
    if allowed {
        Ok(())
    } else {
        Err(refused(
            "ONE_LOGIN_PER_REQUEST",
            "sign in with one `login` per request, and not inside a batch".into(),
            "每个请求只能登录一次，且不能在批量请求中登录",
        ))
    }
}

/// The complexity of a connection field: each requested row costs what its
/// selection costs. `first` is clamped the way the backend clamps it, so a
/// bad value is refused by the resolver, not weighed as zero.
pub fn connection_complexity(first: Option<i32>, child: usize) -> usize {
    let rows = first.unwrap_or(50).clamp(1, 200) as usize;
    rows.saturating_mul(child.max(1)).saturating_add(1)
}
