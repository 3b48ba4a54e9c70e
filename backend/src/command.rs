//! The one way a mutation runs. A service validates its input, asks the
//! policy, then hands [`Backend::run`] the step that writes; the runner owns
//! everything around it, so a new capability writes only its own rules:
//!
//! - the write transaction (`Database::begin_write`: one per command);
//! - the audit row, in the same transaction as the change;
//! - the idempotency record of a `clientRequestId`, in the same transaction,
//!   and the replay of an earlier result;
//! - turning a lost race on a unique key into `CONFLICT` (see
//!   `From<DbErr> for Error`).
//!
//! The shape each command follows is validate → plan → apply: validation
//! and planning read outside the transaction where they can (so SQLite's
//! single writer is held only for the writes), and `apply` re-checks under
//! the lock whatever a concurrent command could have changed.

use crate::Backend;
use crate::audit::{self, AuditEntry};
use crate::db::WriteTxn;
use crate::error::{Error, Result};
use crate::idempotency::{self, ClientRequestId, Replayed};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A command as the runner needs to know it.
pub(crate) struct Command<'a> {
    /// The mutation's name, as the audit trail and the idempotency records
    /// store it.
    pub operation: &'static str,
    /// Who the audit row and the idempotency record are about.
    pub user_id: Uuid,
    /// Present for commands a scanner or a flaky network may send twice.
    pub idempotency: Option<Idempotency<'a>>,
}

pub(crate) struct Idempotency<'a> {
    pub key: &'a ClientRequestId,
    /// [`idempotency::fingerprint`] of the canonical request: the same key
    /// with another request is `CONFLICT`.
    pub request_hash: String,
}

/// What `apply` did.
pub(crate) enum Effect<T> {
    /// Something was written: commit it with its audit row (and idempotency
    /// record, whose result is `result_id`).
    Changed {
        value: T,
        result_id: Uuid,
        audit: Audit,
    },
    /// Nothing needed writing (an edit that changes nothing): roll back, so
    /// that no audit row or version claims a change.
    Unchanged(T),
}

/// The audit row of a command; who and when come from the runner.
pub(crate) struct Audit {
    pub institution_id: Option<Uuid>,
    pub entity_type: &'static str,
    pub entity_ids: Vec<Uuid>,
    pub detail: Option<serde_json::Value>,
}

/// The outcome of [`Backend::run`].
pub(crate) enum Ran<T> {
    Done(T),
    /// The request was done before; here is the id its first run
    /// remembered. The service loads it as the caller may see it.
    Replay(Uuid),
}

impl<T> Ran<T> {
    /// The value of a command run without a `clientRequestId`, which is
    /// never a replay.
    pub(crate) fn once(self) -> Result<T> {
        match self {
            Ran::Done(value) => Ok(value),
            Ran::Replay(id) => Err(Error::internal(format_args!(
                "a command without a clientRequestId was answered as a replay of {id}"
            ))),
        }
    }
}

impl Backend {
    /// Runs one command's writes in one transaction; see the module docs.
    /// Each run is a tracing span (operation, user, `clientRequestId`) and is
    /// counted by operation and outcome in `/metrics`.
    pub(crate) async fn run<T>(
        &self,
        command: Command<'_>,
        apply: impl AsyncFnOnce(&WriteTxn, DateTime<Utc>) -> Result<Effect<T>>,
    ) -> Result<Ran<T>> {
        let operation = command.operation;
        let span = tracing::info_span!(
            "command",
            operation,
            user = %command.user_id,
            client_request_id = command.idempotency.as_ref().map(|i| i.key.as_str()),
        );
        let started = std::time::Instant::now();
        let result = tracing::Instrument::instrument(self.run_once(command, apply), span).await;
        let outcome = match &result {
            Ok((Ran::Done(_), true)) => "OK",
            Ok((Ran::Done(_), false)) => "UNCHANGED",
            Ok((Ran::Replay(_), _)) => "REPLAY",
            Err(e) => e.code(),
        };
        crate::metrics::metrics().command(operation, outcome, started.elapsed().as_secs_f64());
        result.map(|(ran, _)| ran)
    }

    /// The run itself; also says whether anything was committed.
    async fn run_once<T>(
        &self,
        command: Command<'_>,
        apply: impl AsyncFnOnce(&WriteTxn, DateTime<Utc>) -> Result<Effect<T>>,
    ) -> Result<(Ran<T>, bool)> {
        let Command {
            operation,
            user_id,
            idempotency,
        } = command;
        let now = self.clock.now();
        let txn = self.db.begin_write().await?;
        let attempt = async {
            match apply(&txn, now).await? {
                Effect::Unchanged(value) => Ok((value, false)),
                Effect::Changed {
                    value,
                    result_id,
                    audit,
                } => {
                    audit::record(
                        &*txn,
                        now,
                        AuditEntry {
                            user_id: Some(user_id),
                            institution_id: audit.institution_id,
                            operation,
                            entity_type: audit.entity_type,
                            entity_ids: &audit.entity_ids,
                            detail: audit.detail,
                            client_request_id: idempotency.as_ref().map(|i| i.key.as_str()),
                        },
                    )
                    .await?;
                    if let Some(i) = &idempotency {
                        idempotency::remember(
                            &*txn,
                            user_id,
                            i.key,
                            operation,
                            &i.request_hash,
                            result_id,
                            now,
                        )
                        .await
                        .map_err(|e| match e {
                            Replayed::Raced => Error::Conflict(
                                "the same clientRequestId is being processed concurrently; retry"
                                    .into(),
                            ),
                            Replayed::Failed(e) => e,
                        })?;
                    }
                    Ok((value, true))
                }
            }
        }
        .await;
        match attempt {
            Ok((value, true)) => {
                txn.commit().await?;
                Ok((Ran::Done(value), true))
            }
            Ok((value, false)) => {
                drop(txn);
                Ok((Ran::Done(value), false))
            }
            Err(err) => {
                // A replay of a request already done (its effect may no
                // longer be possible, e.g. the stock has moved on): undo ours
                // and answer with the first result. A key used for a
                // different request is CONFLICT. The first-time path, nearly
                // every request, pays no look-up.
                drop(txn);
                match &idempotency {
                    Some(i) => match idempotency::lookup(
                        self.db.conn(),
                        user_id,
                        i.key,
                        operation,
                        &i.request_hash,
                    )
                    .await?
                    {
                        Some(id) => Ok((Ran::Replay(id), false)),
                        None => Err(err),
                    },
                    None => Err(err),
                }
            }
        }
    }
}
