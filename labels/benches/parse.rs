//! Parser throughput over a realistic mix of scans, single-threaded.
//! Criterion's "thrpt" line is scans per second.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use yaolian_labels::{gs1, scan};

const MIX: &[&str] = &[
    // GS1 DataMatrix with real GS separators.
    "]d2010690123456789217271231\u{1D}10A213B1\u{1D}211234567890",
    "]C101069012345678921727123110A213B1",
    // Keyboard-wedge separators.
    "010690123456789217271231<GS>10A213B1<GS>2198765",
    "]d2010690123456789211250101172712311024B031",
    // Bracketed human-readable text.
    "(01)06901234567892(17)271231(10)A213B1(21)1234",
    // Traceability codes, the bulk of dispensing scans.
    "81234567890123456789",
    "81234567890123456790",
    "81234567890123456791",
    // Retail EAN-13.
    "6901234567892",
    "]E06901234567892",
];

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default()
}

fn bench(c: &mut Criterion) {
    let today = today();
    let mut group = c.benchmark_group("scan");
    group.throughput(Throughput::Elements(MIX.len() as u64));
    group.bench_function("classify_mix", |b| {
        b.iter(|| {
            for raw in MIX {
                let _ = black_box(scan::classify(black_box(raw), today));
            }
        })
    });
    let gs1_only: Vec<&str> = MIX.iter().copied().take(5).collect();
    group.throughput(Throughput::Elements(gs1_only.len() as u64));
    group.bench_function("gs1_parse_mix", |b| {
        b.iter(|| {
            for raw in &gs1_only {
                let _ = black_box(gs1::parse(black_box(raw), today));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
