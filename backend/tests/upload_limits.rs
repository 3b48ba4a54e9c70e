//! Uploads built to exhaust memory: a sheet whose cells span the whole grid,
//! a declared dimension of the whole grid, a compressed cell bomb and a
//! shared-strings bomb. Each must be refused as a bad file, quickly, with
//! the process's peak resident memory barely moving.
//!
//! Peak memory is per process, so the tests of this file run one at a time
//! (a lock), and nothing else shares the binary.

// The seed's scale generator, for a genuine export to compare with.
#[allow(dead_code)]
#[path = "../../seed/src/scale.rs"]
mod scale;

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::{ActiveModelTrait, Set};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;
use yaolian_backend::authz::Caller;
use yaolian_backend::catalogue::excel::ImportReport;
use yaolian_backend::clock::ManualClock;
use yaolian_backend::entity::enums::{InstitutionKind, Role};
use yaolian_backend::entity::{app_user, community, institution, user_role};
use yaolian_backend::error::{Error, Result};
use yaolian_backend::testkit::xlsx::{self, Body};
use yaolian_backend::testkit::{ScratchDb, scratch_database};
use yaolian_backend::{Backend, Settings};

/// The growth of peak resident memory a refused file may cause. The old
/// reader took 335 MiB for the A1 and J1048576 sheet, and aborted on the
/// others.
const MAX_GROWTH: u64 = 64 * 1024 * 1024;

/// One test at a time: peak memory is the process's.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct Fx {
    _scratch: ScratchDb,
    backend: Backend,
    community: Uuid,
    buyer: Caller,
    now: DateTime<Utc>,
}

impl Fx {
    async fn new() -> Fx {
        let scratch = scratch_database().await.unwrap();
        let now = Utc.with_ymd_and_hms(2026, 6, 15, 2, 0, 0).unwrap();
        let conn = scratch.db.conn();
        let community = Uuid::now_v7();
        community::ActiveModel {
            id: Set(community),
            code: Set(format!("C{}", &community.simple().to_string()[16..])),
            name: Set("test".into()),
            created_at: Set(now),
            catalogue_version: Set(0),
        }
        .insert(conn)
        .await
        .unwrap();
        let centre = Uuid::now_v7();
        institution::ActiveModel {
            id: Set(centre),
            community_id: Set(community),
            code: Set(centre.simple().to_string()[16..].to_string()),
            name: Set("配送中心".into()),
            kind: Set(InstitutionKind::LogisticsCentre),
            parent_id: Set(None),
            active: Set(true),
            created_at: Set(now),
        }
        .insert(conn)
        .await
        .unwrap();
        let user = Uuid::now_v7();
        app_user::ActiveModel {
            id: Set(user),
            institution_id: Set(centre),
            username: Set(format!("u{}", user.simple())),
            display_name: Set("buyer".into()),
            password_hash: Set("x".into()),
            active: Set(true),
            created_at: Set(now),
        }
        .insert(conn)
        .await
        .unwrap();
        user_role::ActiveModel {
            user_id: Set(user),
            role: Set(Role::Buyer),
        }
        .insert(conn)
        .await
        .unwrap();
        let buyer = Caller {
            user_id: user,
            username: format!("u{}", user.simple()),
            roles: vec![Role::Buyer],
            institution_id: centre,
            institution_kind: InstitutionKind::LogisticsCentre,
            community_id: community,
            session_id: Uuid::now_v7(),
        };
        let backend = Backend::new(
            scratch.db.clone(),
            Arc::new(ManualClock::new(now + chrono::Duration::hours(1))),
            Settings::default(),
        );
        Fx {
            _scratch: scratch,
            backend,
            community,
            buyer,
            now,
        }
    }

    async fn load(&self, n: usize) {
        scale::load_catalogue(
            self.backend.db(),
            self.community,
            self.buyer.user_id,
            self.now,
            n,
        )
        .await
        .unwrap();
    }

    /// Imports as a dry run, with how long it took and how far the peak
    /// resident memory grew meanwhile.
    async fn measured(&self, bytes: &[u8]) -> (Result<ImportReport>, Duration, u64) {
        let base = status_bytes("VmRSS");
        reset_peak();
        let started = Instant::now();
        let result = self
            .backend
            .import_catalogue(&self.buyer, bytes, true)
            .await;
        let took = started.elapsed();
        let growth = status_bytes("VmHWM").saturating_sub(base);
        (result, took, growth)
    }
}

/// A line of /proc/self/status, in bytes.
fn status_bytes(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kib| kib * 1024)
        .unwrap_or_else(|| panic!("no {key} in /proc/self/status"))
}

/// Sets the peak (VmHWM) back to the current resident size.
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").expect("reset the peak RSS");
}

/// Asserts the import refused the file as a bad file, quickly and without
/// taking memory, and that the message says `needle`.
async fn assert_refused(fx: &Fx, what: &str, bytes: &[u8], needle: &str) {
    assert!(
        bytes.len() <= 10 * 1024 * 1024,
        "{what} must fit the upload cap"
    );
    let (result, took, growth) = fx.measured(bytes).await;
    match result {
        Err(Error::Validation(errors)) => {
            let (field, message) = (&errors[0].field, &errors[0].message);
            assert_eq!(field, "file");
            assert!(message.contains(needle), "{what}: {message}");
        }
        other => panic!("{what}: expected VALIDATION, got {other:?}"),
    }
    assert!(
        growth < MAX_GROWTH,
        "{what}: peak RSS grew {} MiB",
        growth >> 20
    );
    assert!(took < Duration::from_secs(5), "{what}: took {took:?}");
}

fn number_cell(r: &str) -> (&str, &str) {
    (r, "<v>1</v>")
}

/// A1 and one far cell, with no dimension: only the cells say how far the
/// sheet goes.
fn two_cells(far: &str, far_row: u32) -> Vec<u8> {
    let rows = xlsx::row(1, &[number_cell("A1")]) + &xlsx::row(far_row, &[number_cell(far)]);
    xlsx::workbook(Body::Text(&xlsx::sheet_xml(None, &rows)), None)
}

#[tokio::test]
async fn a1_and_xfd1048576_is_refused_without_allocating() {
    let _serial = SERIAL.lock().await;
    let fx = Fx::new().await;
    let bytes = two_cells("XFD1048576", 1_048_576);
    assert!(bytes.len() < 2048, "{} bytes", bytes.len());
    assert_refused(
        &fx,
        "A1 and XFD1048576",
        &bytes,
        "cell XFD1048576 is outside the import area",
    )
    .await;
}

#[tokio::test]
async fn a1_and_j1048576_is_refused_without_allocating() {
    let _serial = SERIAL.lock().await;
    let fx = Fx::new().await;
    assert_refused(
        &fx,
        "A1 and J1048576",
        &two_cells("J1048576", 1_048_576),
        "cell J1048576 is outside the import area",
    )
    .await;
}

#[tokio::test]
async fn a_declared_dimension_of_the_whole_grid_is_refused() {
    let _serial = SERIAL.lock().await;
    let fx = Fx::new().await;
    let rows = xlsx::row(1, &[number_cell("A1"), number_cell("B1")]);
    let bytes = xlsx::workbook(
        Body::Text(&xlsx::sheet_xml(Some("A1:XFD1048576"), &rows)),
        None,
    );
    assert_refused(
        &fx,
        "dimension A1:XFD1048576",
        &bytes,
        "the sheet declares 1,048,576 rows; import at most 100,001",
    )
    .await;
    // Columns alone, too.
    let bytes = xlsx::workbook(Body::Text(&xlsx::sheet_xml(Some("A1:XFD2"), &rows)), None);
    assert_refused(
        &fx,
        "dimension A1:XFD2",
        &bytes,
        "the sheet declares 16,384 columns (to column XFD)",
    )
    .await;
}

/// Repeated cells deflate about 1000:1: a few MiB of upload that is a
/// gigabyte of XML. Refused for its size, or, below the size cap, for its
/// compression ratio.
fn cell_bomb(rows: usize) -> Vec<u8> {
    let head = format!("{}<sheetData>", xlsx::SHEET_HEAD);
    xlsx::workbook(
        Body::Repeat {
            head: &head,
            // 72 bytes, four cells.
            unit: "<row><c><v>1</v></c><c><v>1</v></c><c><v>1</v></c><c><v>1</v></c></row>",
            times: rows,
            tail: "</sheetData></worksheet>",
        },
        None,
    )
}

#[tokio::test]
async fn a_compressed_cell_bomb_is_refused() {
    let _serial = SERIAL.lock().await;
    let fx = Fx::new().await;
    // 1 GiB of XML, 56 million cells.
    let bytes = cell_bomb(14_000_000);
    assert!(bytes.len() < 10 * 1024 * 1024, "{} bytes", bytes.len());
    assert_refused(
        &fx,
        "cell bomb",
        &bytes,
        "the file expands to more than 160 MiB",
    )
    .await;
    // 100 MiB of XML, under the size cap, 5.6 million cells.
    let bytes = cell_bomb(1_400_000);
    assert_refused(&fx, "small cell bomb", &bytes, "refused as a zip bomb").await;
}

#[tokio::test]
async fn a_shared_strings_bomb_is_refused() {
    let _serial = SERIAL.lock().await;
    let fx = Fx::new().await;
    let sheet = xlsx::sheet_xml(None, &xlsx::row(1, &[("A1", "<v>0</v>")]));
    let sheet_cell = sheet.replace(r#"<c r="A1">"#, r#"<c r="A1" t="s">"#);
    // Millions of empty strings, each a String in memory.
    let bytes = xlsx::workbook(
        Body::Text(&sheet_cell),
        Some(Body::Repeat {
            head: r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
            unit: "<si><t></t></si>",
            times: 40_000_000,
            tail: "</sst>",
        }),
    );
    assert_refused(&fx, "shared-strings bomb", &bytes, "MiB").await;
    // A kilobyte that declares a trillion strings, for which calamine would
    // reserve room up front.
    let bytes = xlsx::workbook(
        Body::Text(&sheet_cell),
        Some(Body::Text(
            r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1000000000000"><si><t>x</t></si></sst>"#,
        )),
    );
    assert_refused(
        &fx,
        "uniqueCount",
        &bytes,
        "1,000,000,000,000 distinct texts",
    )
    .await;
}

/// The sizes in a zip's headers are the sender's word: a part that says it
/// is small and inflates to more is cut off where it said it ends.
#[tokio::test]
async fn a_part_larger_than_it_declares_is_refused() {
    let _serial = SERIAL.lock().await;
    let fx = Fx::new().await;
    let head = format!("{}<sheetData>", xlsx::SHEET_HEAD);
    let mut bytes = xlsx::workbook(
        Body::Repeat {
            head: &head,
            unit: r#"<row><c t="inlineStr"><is><t>x</t></is></c></row>"#,
            times: 4_000_000,
            tail: "</sheetData></worksheet>",
        },
        None,
    );
    xlsx::understate(&mut bytes, "xl/worksheets/sheet1.xml", 100 * 1024);
    assert_refused(&fx, "understated part", &bytes, "not an .xlsx workbook").await;
}

/// The figures in bench/RESULTS.md: peak resident memory growth and time of
/// a dry-run import of a genuine 20,000-item export and of each bomb.
///
/// `cargo test --release -p yaolian-backend --test upload_limits -- --ignored --nocapture`
#[tokio::test]
#[ignore]
async fn peak_memory_figures() {
    let _serial = SERIAL.lock().await;
    let fx = Fx::new().await;
    fx.load(20_000).await;
    let export = fx.backend.export_catalogue(&fx.buyer).await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&export[..])).unwrap();
    println!("export of 20,000 items: {} KiB", export.len() / 1024);
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).unwrap();
        println!(
            "  {:32} {:>8} KiB -> {:>8} KiB ({:.1}:1)",
            entry.name().unwrap(),
            entry.compressed_size() / 1024,
            entry.size() / 1024,
            entry.size() as f64 / entry.compressed_size().max(1) as f64
        );
    }
    println!("| upload | size | result | time | peak RSS growth |");
    println!("|---|---:|---|---:|---:|");
    let report =
        |what: &str, bytes: &[u8], result: &Result<ImportReport>, took: Duration, growth: u64| {
            let outcome = match result {
                Ok(r) => format!("{} rows, {} unchanged", r.rows, r.unchanged),
                Err(e) => format!("{}: {}", e.code(), e),
            };
            println!(
                "| {what} | {} KiB | {outcome} | {:.2} s | {} MiB |",
                bytes.len() / 1024,
                took.as_secs_f64(),
                growth >> 20
            );
        };
    let (result, took, growth) = fx.measured(&export).await;
    report(
        "genuine export, 20,000 items",
        &export,
        &result,
        took,
        growth,
    );
    drop(result);

    let rows = xlsx::row(1, &[number_cell("A1"), number_cell("B1")]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("A1 and XFD1048576", two_cells("XFD1048576", 1_048_576)),
        ("A1 and J1048576", two_cells("J1048576", 1_048_576)),
        (
            "dimension A1:XFD1048576",
            xlsx::workbook(
                Body::Text(&xlsx::sheet_xml(Some("A1:XFD1048576"), &rows)),
                None,
            ),
        ),
        ("cell bomb (1 GiB of XML)", cell_bomb(14_000_000)),
        ("cell bomb (100 MiB of XML)", cell_bomb(1_400_000)),
        (
            "shared-strings bomb (640 MB)",
            xlsx::workbook(
                Body::Text(&xlsx::sheet_xml(None, &xlsx::row(1, &[("A1", "<v>0</v>")]))),
                Some(Body::Repeat {
                    head: r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
                    unit: "<si><t></t></si>",
                    times: 40_000_000,
                    tail: "</sst>",
                }),
            ),
        ),
    ];
    for (what, bytes) in cases {
        let (result, took, growth) = fx.measured(&bytes).await;
        report(what, &bytes, &result, took, growth);
    }
}
