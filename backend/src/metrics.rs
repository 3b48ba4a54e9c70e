//! The figures `/metrics` serves, kept process-wide: what every command,
//! scan and sign-in did, and how long writers queue for SQLite's one
//! writer. The HTTP layer adds its own (requests, latency) and encodes them
//! all in Prometheus's text format.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::LazyLock;

/// 0.5 ms to ~8 s: a scan is a few milliseconds, an import seconds.
pub fn latency_histogram() -> Histogram {
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        0.0005, 2.0, 15,
    ))
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationOutcome {
    pub operation: String,
    /// `OK`, `REPLAY`, `UNCHANGED`, or the error's code.
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Operation {
    pub operation: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ScanOutcome {
    /// `GS1`, `TRACE_CODE`, `RETAIL_CODE` …, or `UNREADABLE`.
    pub kind: String,
    /// `OK`, `WARNED` (resolved with a warning), or the error's code.
    pub result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SignInOutcome {
    /// `OK`, `FAILED` (wrong username or password) or `REFUSED` (throttled).
    pub outcome: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

#[derive(Debug)]
pub struct Metrics {
    pub commands: Family<OperationOutcome, Counter>,
    pub command_seconds: HistogramFamily<Operation>,
    pub writer_wait_seconds: Histogram,
    pub writer_queue: Gauge,
    pub scans: Family<ScanOutcome, Counter>,
    pub sign_ins: Family<SignInOutcome, Counter>,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| Metrics {
    commands: Family::default(),
    command_seconds: Family::new_with_constructor(latency_histogram),
    writer_wait_seconds: latency_histogram(),
    writer_queue: Gauge::default(),
    scans: Family::default(),
    sign_ins: Family::default(),
});

pub fn metrics() -> &'static Metrics {
    &METRICS
}

impl Metrics {
    pub(crate) fn command(&self, operation: &str, outcome: &str, seconds: f64) {
        self.commands
            .get_or_create(&OperationOutcome {
                operation: operation.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
        self.command_seconds
            .get_or_create(&Operation {
                operation: operation.to_string(),
            })
            .observe(seconds);
    }

    pub(crate) fn scan(&self, kind: &str, result: &str) {
        self.scans
            .get_or_create(&ScanOutcome {
                kind: kind.to_string(),
                result: result.to_string(),
            })
            .inc();
    }

    pub(crate) fn sign_in(&self, outcome: &str) {
        self.sign_ins
            .get_or_create(&SignInOutcome {
                outcome: outcome.to_string(),
            })
            .inc();
    }

    /// Registers this process's figures (the metric handles are shared, so
    /// a registry built per scrape sees the live values).
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "yaolian_commands",
            "Commands (mutations) run, by operation and outcome",
            self.commands.clone(),
        );
        registry.register(
            "yaolian_command_duration_seconds",
            "Time a command took, including the wait for the writer",
            self.command_seconds.clone(),
        );
        registry.register(
            "yaolian_sqlite_writer_wait_seconds",
            "Time a write transaction waited for SQLite's single writer",
            self.writer_wait_seconds.clone(),
        );
        registry.register(
            "yaolian_sqlite_writer_queue",
            "Write transactions waiting for SQLite's single writer now",
            self.writer_queue.clone(),
        );
        registry.register(
            "yaolian_scans",
            "Barcodes resolved, by what they were and how it went",
            self.scans.clone(),
        );
        registry.register(
            "yaolian_sign_ins",
            "Sign-in attempts, by outcome",
            self.sign_ins.clone(),
        );
    }
}
