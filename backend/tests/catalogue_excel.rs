//! The catalogue spreadsheet: export, round trip, edits, bad files, dry runs
//! and who may import. Runs on SQLite, or on PostgreSQL when `DATABASE_URL`
//! says so.

// The seed's scale generator, compiled into this test: yaolian-seed depends
// on this crate, so it cannot be a dev-dependency of it.
#[allow(dead_code)]
#[path = "../../seed/src/scale.rs"]
mod scale;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::{DateTime, Duration, TimeZone, Utc};
use rust_xlsxwriter::{Format, Workbook};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use std::io::Cursor;
use std::sync::Arc;
use uuid::Uuid;
use yaolian_backend::authz::Caller;
use yaolian_backend::catalogue::excel::{ImportReport, RowError, SHEET_NAME};
use yaolian_backend::clock::ManualClock;
use yaolian_backend::entity::enums::{InstitutionKind, Role};
use yaolian_backend::entity::{
    app_user, audit_log, community, institution, item, item_version, user_role,
};
use yaolian_backend::error::Error;
use yaolian_backend::testkit::{ScratchDb, scratch_database};
use yaolian_backend::{Backend, Settings};

struct Fx {
    _scratch: ScratchDb,
    backend: Backend,
    community: Uuid,
    buyer: Caller,
    warehouse: Caller,
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
        let mut callers = Vec::new();
        for role in [Role::Buyer, Role::Warehouse] {
            let user = Uuid::now_v7();
            app_user::ActiveModel {
                id: Set(user),
                institution_id: Set(centre),
                username: Set(format!("u{}", user.simple())),
                display_name: Set(format!("{role:?}")),
                password_hash: Set("x".into()),
                active: Set(true),
                created_at: Set(now),
            }
            .insert(conn)
            .await
            .unwrap();
            user_role::ActiveModel {
                user_id: Set(user),
                role: Set(role),
            }
            .insert(conn)
            .await
            .unwrap();
            callers.push(Caller {
                user_id: user,
                username: format!("u{}", user.simple()),
                roles: vec![role],
                institution_id: centre,
                institution_kind: InstitutionKind::LogisticsCentre,
                community_id: community,
                session_id: Uuid::now_v7(),
            });
        }
        let backend = Backend::new(
            scratch.db.clone(),
            Arc::new(ManualClock::new(now + Duration::hours(1))),
            Settings::default(),
        );
        let warehouse = callers.pop().unwrap();
        let buyer = callers.pop().unwrap();
        Fx {
            _scratch: scratch,
            backend,
            community,
            buyer,
            warehouse,
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

    async fn items(&self) -> u64 {
        item::Entity::find()
            .filter(item::Column::CommunityId.eq(self.community))
            .count(self.backend.db().conn())
            .await
            .unwrap()
    }

    async fn versions(&self) -> u64 {
        item_version::Entity::find()
            .count(self.backend.db().conn())
            .await
            .unwrap()
    }

    async fn item(&self, code: &str) -> item::Model {
        item::Entity::find()
            .filter(item::Column::CommunityId.eq(self.community))
            .filter(item::Column::Code.eq(code))
            .one(self.backend.db().conn())
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no item {code}"))
    }

    async fn import(&self, bytes: &[u8], dry_run: bool) -> ImportReport {
        self.backend
            .import_catalogue(&self.buyer, bytes, dry_run)
            .await
            .unwrap()
    }
}

/// The catalogue sheet's cells, row by row.
fn read(bytes: &[u8]) -> Vec<Vec<Data>> {
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(wb.sheet_names(), vec![SHEET_NAME.to_string()]);
    let range = wb.worksheet_range(SHEET_NAME).unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

fn col(rows: &[Vec<Data>], header: &str) -> usize {
    rows[0]
        .iter()
        .position(|h| h == &Data::String(header.into()))
        .unwrap_or_else(|| panic!("no column {header}"))
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("not text: {other:?}"),
    }
}

/// Writes rows as a user's spreadsheet program would save them: text as
/// text, numbers and dates as numbers.
fn write(rows: &[Vec<Data>]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    sheet.set_name(SHEET_NAME).unwrap();
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    for (y, row) in rows.iter().enumerate() {
        for (x, cell) in row.iter().enumerate() {
            let (y, x) = (y as u32, x as u16);
            match cell {
                Data::String(s) => {
                    sheet.write_string(y, x, s).unwrap();
                }
                Data::Float(f) => {
                    sheet.write_number(y, x, *f).unwrap();
                }
                Data::Int(i) => {
                    sheet.write_number(y, x, *i as f64).unwrap();
                }
                Data::Bool(b) => {
                    sheet.write_boolean(y, x, *b).unwrap();
                }
                Data::DateTime(d) => {
                    sheet
                        .write_number_with_format(y, x, d.as_f64(), &date)
                        .unwrap();
                }
                Data::Empty => {}
                other => panic!("unexpected cell {other:?}"),
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

fn has_error(report: &ImportReport, row: u32, column: &str, needle: &str) -> bool {
    report
        .errors
        .iter()
        .any(|e: &RowError| e.row == row && e.column == column && e.message.contains(needle))
}

#[tokio::test]
async fn export_then_import_changes_nothing() {
    let fx = Fx::new().await;
    fx.load(30).await;
    // Anyone in the community may export.
    let bytes = fx.backend.export_catalogue(&fx.warehouse).await.unwrap();
    let rows = read(&bytes);
    assert_eq!(rows.len(), 31);
    let headers: Vec<String> = rows[0].iter().map(text).collect();
    assert_eq!(headers.len(), 43);
    assert_eq!(
        &headers[..4],
        [
            "编码 Code",
            "类别 Kind",
            "状态 Status",
            "通用名 Generic name"
        ]
    );
    for h in [
        "1级GTIN Level 1 GTINs",
        "3级追溯码前缀 Level 3 trace-code prefix",
        "集采价(元) VBP price (yuan)",
        "最低机构级别 Min institution level",
    ] {
        assert!(headers.contains(&h.to_string()), "{h}");
    }
    assert_eq!(headers.last().unwrap(), "更新时间 Updated at");

    // Ordered by code; codes, GTINs and prefixes are text.
    let first = &rows[1];
    assert_eq!(text(&first[col(&rows, "编码 Code")]), "SC000001");
    assert_eq!(text(&rows[30][col(&rows, "编码 Code")]), "SC000030");
    assert_eq!(text(&first[col(&rows, "类别 Kind")]), "DRUG");
    assert_eq!(text(&first[col(&rows, "状态 Status")]), "ACTIVE");
    assert_eq!(
        text(&first[col(&rows, "通用名 Generic name")]),
        "阿莫西林片"
    );
    let gtin = yaolian_labels::gtin::with_check_digit("693900000001");
    assert_eq!(
        text(&first[col(&rows, "1级GTIN Level 1 GTINs")]),
        format!("0{gtin}")
    );
    assert_eq!(
        text(&first[col(&rows, "1级追溯码前缀 Level 1 trace-code prefix")]),
        "8400000"
    );
    assert_eq!(
        first[col(&rows, "1级包装含量 Level 1 units per pack")],
        Data::Float(12.0)
    );
    assert_eq!(text(&first[col(&rows, "集采 VBP")]), "Y");
    // 42 fen, as yuan.
    assert_eq!(
        first[col(&rows, "集采价(元) VBP price (yuan)")],
        Data::Float(0.42)
    );
    assert_eq!(
        text(&rows[2][col(&rows, "集采价(元) VBP price (yuan)")]),
        ""
    );
    assert_eq!(text(&rows[5][col(&rows, "类别 Kind")]), "CONSUMABLE");
    // The seed's instant, shown at UTC+8, as a real date-time.
    match &first[col(&rows, "更新时间 Updated at")] {
        Data::DateTime(dt) => {
            assert!(dt.is_datetime());
            assert_eq!(dt.to_ymd_hms_milli(), (2026, 6, 15, 10, 0, 0, 0));
        }
        other => panic!("updated at is {other:?}"),
    }

    // The header is styled; the money and dates carry their formats.
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
    let styles = wb.worksheet_style(SHEET_NAME).unwrap();
    let header = styles.get((0, 0)).unwrap();
    assert!(header.font.as_ref().unwrap().is_bold());
    assert!(header.fill.as_ref().unwrap().is_visible());
    assert!(header.borders.as_ref().unwrap().has_visible_borders());
    assert!(header.alignment.as_ref().unwrap().wrap_text);
    let money = styles
        .get((1, col(&rows, "集采价(元) VBP price (yuan)") as u32))
        .unwrap();
    assert_eq!(money.number_format.as_ref().unwrap().format_code, "0.00");
    let prefix = styles
        .get((
            1,
            col(&rows, "1级追溯码前缀 Level 1 trace-code prefix") as u32,
        ))
        .unwrap();
    assert_eq!(prefix.number_format.as_ref().unwrap().format_code, "@");

    let versions = fx.versions().await;
    let report = fx.import(&bytes, false).await;
    assert_eq!(
        report,
        ImportReport {
            dry_run: false,
            applied: true,
            rows: 30,
            created: 0,
            updated: 0,
            unchanged: 30,
            errors: vec![],
        }
    );
    assert_eq!(fx.versions().await, versions);
    assert_eq!(fx.item("SC000001").await.version, 1);

    // Saved again by a spreadsheet program (numbers as plain numbers, no
    // text formats): still nothing changes.
    let report = fx.import(&write(&rows), false).await;
    assert_eq!(
        (report.unchanged, report.updated, report.created),
        (30, 0, 0),
        "{report:?}"
    );
    assert_eq!(fx.versions().await, versions);
}

#[tokio::test]
async fn an_edited_workbook_updates_and_creates() {
    let fx = Fx::new().await;
    fx.load(30).await;
    let mut rows = read(&fx.backend.export_catalogue(&fx.buyer).await.unwrap());
    let strength = col(&rows, "规格 Strength");
    let code = col(&rows, "编码 Code");
    rows[3][strength] = Data::String("0.375g".into());

    // A new item: a copy of row 2 with its own code, GTIN and prefixes.
    let mut new = rows[1].clone();
    new[code] = Data::String("sc900001".into()); // upper-cased on import
    new[col(&rows, "通用名 Generic name")] = Data::String("阿莫西林克拉维酸钾片".into());
    // A GTIN typed as a number, as Excel keeps it when not formatted as text.
    let gtin = yaolian_labels::gtin::with_check_digit("693999990001");
    new[col(&rows, "1级GTIN Level 1 GTINs")] = Data::Float(gtin.parse::<f64>().unwrap());
    for (level, prefix) in [(1, "8999990"), (2, "8999991")] {
        let c = col(
            &rows,
            &format!("{level}级追溯码前缀 Level {level} trace-code prefix"),
        );
        new[c] = Data::String(prefix.into());
    }
    for level in [2, 3] {
        new[col(&rows, &format!("{level}级GTIN Level {level} GTINs"))] = Data::Empty;
    }
    new[col(&rows, "集采价(元) VBP price (yuan)")] = Data::String("12.30".into());
    new[col(&rows, "高警示 High alert")] = Data::String("是".into());
    rows.push(new);

    let before = fx.item(&text(&rows[3][code])).await;
    let versions = fx.versions().await;
    let report = fx.import(&write(&rows), false).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        (
            report.rows,
            report.created,
            report.updated,
            report.unchanged,
            report.applied
        ),
        (31, 1, 1, 29, true)
    );
    assert_eq!(fx.versions().await, versions + 2);

    let after = fx.item(&before.code).await;
    assert_eq!(after.strength, "0.375g");
    assert_eq!(after.version, 2);
    let history = fx.backend.item_history(&fx.buyer, after.id).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(
        history[1].change,
        yaolian_backend::entity::enums::ItemChange::Import
    );
    assert_eq!(history[1].changed_by, fx.buyer.user_id);
    assert_eq!(
        history[1].effective_date,
        chrono::NaiveDate::from_ymd_opt(2026, 6, 15).unwrap()
    );

    let created = fx.item("SC900001").await;
    assert_eq!(created.generic_name, "阿莫西林克拉维酸钾片");
    assert_eq!(created.vbp_price_fen, Some(1230));
    assert!(created.high_alert);
    let view = fx.backend.item(&fx.buyer, created.id).await.unwrap();
    assert_eq!(view.levels[0].gtins, vec![format!("0{gtin}")]);
    assert_eq!(view.levels[0].trace_code_prefix.as_deref(), Some("8999990"));
    let history = fx
        .backend
        .item_history(&fx.buyer, created.id)
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        history[0].change,
        yaolian_backend::entity::enums::ItemChange::Import
    );

    let audit = audit_log::Entity::find()
        .filter(audit_log::Column::Operation.eq("importCatalogue"))
        .one(fx.backend.db().conn())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(audit.user_id, Some(fx.buyer.user_id));
    assert!(audit.entity_ids.contains(&created.id.to_string()));
    assert!(audit.entity_ids.contains(&after.id.to_string()));
    assert_eq!(audit.detail.unwrap()["created"], 1);

    // Moving a GTIN from one item to another, in one file, works.
    let mut rows = read(&fx.backend.export_catalogue(&fx.buyer).await.unwrap());
    let gtins = col(&rows, "1级GTIN Level 1 GTINs");
    let (a, b) = (rows[1][gtins].clone(), rows[2][gtins].clone());
    assert_ne!(a, Data::Empty);
    assert_ne!(b, Data::Empty);
    rows[1][gtins] = b.clone();
    rows[2][gtins] = a.clone();
    let report = fx.import(&write(&rows), false).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.updated, 2);
    let swapped = fx
        .backend
        .item(&fx.buyer, fx.item("SC000001").await.id)
        .await
        .unwrap();
    assert_eq!(swapped.levels[0].gtins, vec![text(&b)]);
}

/// A workbook with exactly these columns and cells.
fn sheet(headers: &[&str], rows: &[Vec<&str>]) -> Vec<u8> {
    let mut all = vec![
        headers
            .iter()
            .map(|h| Data::String(h.to_string()))
            .collect::<Vec<_>>(),
    ];
    for r in rows {
        all.push(
            r.iter()
                .map(|c| match c.strip_prefix('#') {
                    // `#12.5` is a number cell.
                    Some(n) => Data::Float(n.parse().unwrap()),
                    None if c.is_empty() => Data::Empty,
                    None => Data::String(c.to_string()),
                })
                .collect(),
        );
    }
    write(&all)
}

const RECEIPT: &str = "收货最短效期(天) Min shelf life on receipt (days)";
const DISPATCH: &str = "配送最短效期(天) Min shelf life on dispatch (days)";
const STORAGE_MIN: &str = "储存温度下限(°C) Storage min (°C)";
const STORAGE_MAX: &str = "储存温度上限(°C) Storage max (°C)";

#[tokio::test]
async fn an_items_own_shelf_lives_and_storage_range_go_through_the_sheet() {
    let fx = Fx::new().await;
    fx.load(5).await;
    let mut rows = read(&fx.backend.export_catalogue(&fx.buyer).await.unwrap());
    let headers: Vec<String> = rows[0].iter().map(text).collect();
    // After near-expiry days, before the read-only time of the last change.
    let at = headers
        .iter()
        .position(|h| h == "近效期天数 Near-expiry days")
        .unwrap();
    assert_eq!(
        &headers[at + 1..],
        [
            RECEIPT,
            DISPATCH,
            STORAGE_MIN,
            STORAGE_MAX,
            "更新时间 Updated at"
        ]
    );
    let (receipt, dispatch) = (col(&rows, RECEIPT), col(&rows, DISPATCH));
    let (lo, hi) = (col(&rows, STORAGE_MIN), col(&rows, STORAGE_MAX));
    let cold = col(&rows, "冷链 Cold chain");
    // SC000001 has its own minimums (the scale seed gives every sixth
    // drug some); SC000002 has none: blank.
    assert_eq!(rows[1][receipt], Data::Float(365.0));
    assert_eq!(rows[1][dispatch], Data::Float(90.0));
    for c in [receipt, dispatch, lo, hi] {
        assert_eq!(rows[2][c], Data::Empty, "column {c}");
    }

    // Cleared on one item; set on another, made cold-chain, with a range
    // typed as a number and as text.
    rows[1][receipt] = Data::Empty;
    rows[2][cold] = Data::String("Y".into());
    rows[2][receipt] = Data::Float(400.0);
    rows[2][lo] = Data::Float(2.5);
    rows[2][hi] = Data::String("8 °C".into());
    let report = fx.import(&write(&rows), false).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!((report.updated, report.unchanged), (2, 3), "{report:?}");
    let first = fx.item("SC000001").await;
    assert_eq!(first.min_receipt_shelf_life_days, None);
    assert_eq!(first.min_dispatch_shelf_life_days, Some(90));
    let second = fx.item("SC000002").await;
    assert!(second.cold_chain);
    assert_eq!(second.min_receipt_shelf_life_days, Some(400));
    assert_eq!(second.min_dispatch_shelf_life_days, None);
    assert_eq!(
        (
            second.storage_min_decicelsius,
            second.storage_max_decicelsius
        ),
        (Some(25), Some(80))
    );

    // Exported as degrees with one decimal, and read back unchanged.
    let bytes = fx.backend.export_catalogue(&fx.buyer).await.unwrap();
    let rows = read(&bytes);
    assert_eq!(rows[2][lo], Data::Float(2.5));
    assert_eq!(rows[2][hi], Data::Float(8.0));
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
    let styles = wb.worksheet_style(SHEET_NAME).unwrap();
    let tenths = styles.get((2, lo as u32)).unwrap();
    assert_eq!(tenths.number_format.as_ref().unwrap().format_code, "0.0");
    let versions = fx.versions().await;
    let report = fx.import(&bytes, false).await;
    assert_eq!((report.unchanged, report.updated), (5, 0), "{report:?}");
    let report = fx.import(&write(&rows), false).await;
    assert_eq!((report.unchanged, report.updated), (5, 0), "{report:?}");
    assert_eq!(fx.versions().await, versions);

    // A file without the columns leaves an item's own rules as they are.
    let keep: Vec<usize> = (0..rows[0].len())
        .filter(|c| ![receipt, dispatch, lo, hi].contains(c))
        .collect();
    let mut narrow: Vec<Vec<Data>> = rows
        .iter()
        .map(|r| keep.iter().map(|&c| r[c].clone()).collect())
        .collect();
    let strength = col(&narrow, "规格 Strength");
    narrow[2][strength] = Data::String("0.75g".into());
    let report = fx.import(&write(&narrow), false).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.updated, 1, "{report:?}");
    let second = fx.item("SC000002").await;
    assert_eq!(second.strength, "0.75g");
    assert_eq!(second.min_receipt_shelf_life_days, Some(400));
    assert_eq!(
        (
            second.storage_min_decicelsius,
            second.storage_max_decicelsius
        ),
        (Some(25), Some(80))
    );

    // Each problem on its cell; nothing written.
    let mut rows = read(&fx.backend.export_catalogue(&fx.buyer).await.unwrap());
    rows[3][lo] = Data::Float(2.0); // SC000003 is not cold-chain
    rows[3][hi] = Data::Float(8.0);
    rows[4][receipt] = Data::Float(0.0);
    rows[4][dispatch] = Data::String("a year".into());
    rows[2][lo] = Data::Float(2.25); // a tenth of a degree at most
    rows[5][cold] = Data::String("Y".into());
    rows[5][lo] = Data::Float(8.0);
    rows[5][hi] = Data::Float(2.0);
    let versions = fx.versions().await;
    let report = fx.import(&write(&rows), false).await;
    assert!(!report.applied);
    let expected = [
        (3, STORAGE_MIN, "more than 1 decimal place"),
        (4, STORAGE_MIN, "cold-chain items only"),
        (5, RECEIPT, "1 to 3650 days"),
        (5, DISPATCH, "whole number"),
        (6, STORAGE_MAX, "above the lower limit of 8 °C"),
    ];
    for (row, column, needle) in expected {
        assert!(
            has_error(&report, row, column, needle),
            "no error at row {row}, {column}, {needle:?} in {:#?}",
            report.errors
        );
    }
    assert_eq!(report.errors.len(), expected.len(), "{:#?}", report.errors);
    assert_eq!(fx.versions().await, versions);
}

/// The migration's CHECK constraints: what the draft refuses, the table
/// refuses too, for whatever writes around the draft.
#[tokio::test]
async fn the_item_table_refuses_what_the_draft_refuses() {
    let fx = Fx::new().await;
    fx.load(1).await;
    let item = fx.item("SC000001").await;
    let conn = fx.backend.db().conn();
    let write = |receipt: Option<i32>, dispatch: Option<i32>, lo: Option<i32>, hi: Option<i32>| {
        let mut m: item::ActiveModel = item.clone().into();
        m.min_receipt_shelf_life_days = Set(receipt);
        m.min_dispatch_shelf_life_days = Set(dispatch);
        m.storage_min_decicelsius = Set(lo);
        m.storage_max_decicelsius = Set(hi);
        m.update(conn)
    };
    for (receipt, dispatch, lo, hi) in [
        (Some(0), None, None, None),
        (Some(3651), None, None, None),
        (None, Some(0), None, None),
        (None, Some(3651), None, None),
        (None, None, Some(20), None),
        (None, None, None, Some(80)),
        (None, None, Some(80), Some(80)),
        (None, None, Some(80), Some(20)),
        (None, None, Some(-501), Some(20)),
        (None, None, Some(20), Some(601)),
    ] {
        assert!(
            write(receipt, dispatch, lo, hi).await.is_err(),
            "{receipt:?} {dispatch:?} {lo:?} {hi:?} was stored"
        );
    }
    let stored = write(Some(1), Some(3650), Some(-500), Some(600))
        .await
        .unwrap();
    assert_eq!(
        (
            stored.min_receipt_shelf_life_days,
            stored.storage_min_decicelsius,
            stored.storage_max_decicelsius
        ),
        (Some(1), Some(-500), Some(600))
    );
    write(None, None, None, None).await.unwrap();
    assert_eq!(fx.item("SC000001").await.storage_max_decicelsius, None);
}

#[tokio::test]
async fn a_bad_file_reports_every_problem_and_writes_nothing() {
    let fx = Fx::new().await;
    fx.load(5).await;
    let taken = yaolian_labels::gtin::with_check_digit("693900000001"); // SC000001's
    let good = |n: usize| yaolian_labels::gtin::with_check_digit(&format!("69391111{n:04}"));
    let bad_check = {
        let g = good(3);
        let last = (g.as_bytes()[12] - b'0' + 1) % 10;
        format!("{}{last}", &g[..12])
    };
    // The columns in another order, English-only and Chinese-only headers,
    // no dosage form.
    let headers = [
        "Generic name",
        "编码",
        "kind",
        "Strength",
        "基本单位 Base unit",
        "1级包装 Level 1 pack",
        "1级包装含量 Level 1 units per pack",
        "1级GTIN Level 1 GTINs",
        "2级包装 Level 2 pack",
        "2级包装含量 Level 2 units per pack",
        "医保编码 NHSA code",
        "集采 VBP",
        "集采价(元) VBP price (yuan)",
        "备注 Notes",
    ];
    let gs: Vec<String> = (0..7).map(good).collect();
    let g = |n: usize| gs[n].as_str();
    let rows: Vec<Vec<&str>> = vec![
        // 2: text in a number column
        vec![
            "布洛芬片",
            "X0001",
            "DRUG",
            "0.2g",
            "片",
            "盒",
            "abc",
            g(1),
            "",
            "",
            "",
            "N",
            "",
            "ok",
        ],
        // 3: the same code again
        vec![
            "布洛芬片",
            "x0001",
            "DRUG",
            "0.3g",
            "片",
            "盒",
            "#24",
            g(2),
            "",
            "",
            "",
            "N",
            "",
            "",
        ],
        // 4: a GTIN with a wrong check digit
        vec![
            "对乙酰氨基酚片",
            "X0003",
            "DRUG",
            "0.5g",
            "片",
            "盒",
            "#10",
            bad_check.as_str(),
            "",
            "",
            "",
            "N",
            "",
            "",
        ],
        // 5: level 2 not a multiple of level 1
        vec![
            "氨氯地平片",
            "X0004",
            "DRUG",
            "5mg",
            "片",
            "盒",
            "#24",
            g(4),
            "箱",
            "#30",
            "",
            "N",
            "",
            "",
        ],
        // 6: a malformed NHSA code
        vec![
            "二甲双胍片",
            "X0005",
            "DRUG",
            "0.5g",
            "片",
            "盒",
            "#24",
            g(5),
            "",
            "",
            "Q123",
            "N",
            "",
            "",
        ],
        // 7: a price with three decimals
        vec![
            "阿托伐他汀钙片",
            "X0006",
            "DRUG",
            "20mg",
            "片",
            "盒",
            "#7",
            g(6),
            "",
            "",
            "",
            "Y",
            "#1.234",
            "",
        ],
        // 8: a GTIN of an item the file does not mention; an unknown kind
        vec![
            "缬沙坦胶囊",
            "X0007",
            "MEDICINE",
            "80mg",
            "粒",
            "盒",
            "#7",
            taken.as_str(),
            "",
            "",
            "",
            "N",
            "",
            "",
        ],
        // blank rows are skipped
        vec![
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "just a note",
        ],
        // 10: the same GTIN as row 3
        vec![
            "布洛芬缓释胶囊",
            "X0009",
            "DRUG",
            "0.3g",
            "粒",
            "盒",
            "#20",
            g(2),
            "",
            "",
            "",
            "N",
            "",
            "",
        ],
    ];
    let bytes = sheet(&headers, &rows);

    let (items, versions) = (fx.items().await, fx.versions().await);
    let report = fx.import(&bytes, false).await;
    assert!(!report.applied);
    assert_eq!(report.rows, 8);
    let expected = [
        (1, "剂型 Dosage form", "missing"),
        (2, "1级包装含量 Level 1 units per pack", "whole number"),
        (3, "编码", "also the code on row 2"),
        (4, "1级GTIN Level 1 GTINs", "not a valid GTIN"),
        (5, "2级包装含量 Level 2 units per pack", "multiple"),
        (6, "医保编码 NHSA code", "NHSA"),
        (7, "集采价(元) VBP price (yuan)", "more than 2 decimal"),
        (8, "1级GTIN Level 1 GTINs", "SC000001"),
        (8, "kind", "MEDICINE"),
        (10, "1级GTIN Level 1 GTINs", "row 3"),
    ];
    for (row, column, needle) in expected {
        assert!(
            has_error(&report, row, column, needle),
            "no error at row {row}, {column}, {needle:?} in {:#?}",
            report.errors
        );
    }
    // Nothing else: one problem is reported once.
    assert_eq!(report.errors.len(), expected.len(), "{:#?}", report.errors);
    assert_eq!(fx.items().await, items);
    assert_eq!(fx.versions().await, versions);
    // The dry run says the same.
    let dry = fx.import(&bytes, true).await;
    assert_eq!(dry.errors, report.errors);
}

#[tokio::test]
async fn a_dry_run_validates_and_writes_nothing() {
    let fx = Fx::new().await;
    fx.load(10).await;
    let mut rows = read(&fx.backend.export_catalogue(&fx.buyer).await.unwrap());
    let strength = col(&rows, "规格 Strength");
    rows[2][strength] = Data::String("999mg".into());
    let mut new = rows[1].clone();
    new[col(&rows, "编码 Code")] = Data::String("NEW001".into());
    for c in 0..new.len() {
        let h = text(&rows[0][c]);
        if h.contains("GTIN") || h.contains("追溯码") {
            new[c] = Data::Empty;
        }
    }
    rows.push(new);
    let bytes = write(&rows);
    let (items, versions) = (fx.items().await, fx.versions().await);
    let report = fx.import(&bytes, true).await;
    assert_eq!(
        report,
        ImportReport {
            dry_run: true,
            applied: false,
            rows: 11,
            created: 1,
            updated: 1,
            unchanged: 9,
            errors: vec![],
        }
    );
    assert_eq!(fx.items().await, items);
    assert_eq!(fx.versions().await, versions);
    assert_ne!(
        fx.item(&text(&rows[2][col(&rows, "编码 Code")]))
            .await
            .strength,
        "999mg"
    );
    // And for real.
    let report = fx.import(&bytes, false).await;
    assert!(report.applied);
    assert_eq!(fx.items().await, items + 1);
}

#[tokio::test]
async fn not_a_workbook_is_a_validation_error() {
    let fx = Fx::new().await;
    for bytes in [b"hello".to_vec(), vec![0u8; 10 * 1024 * 1024 + 1]] {
        match fx.backend.import_catalogue(&fx.buyer, &bytes, false).await {
            Err(Error::Validation(errors)) => {
                let (field, message) = (&errors[0].field, &errors[0].message);
                assert_eq!(field, "file");
                assert!(
                    message.contains("xlsx") || message.contains("10 MiB"),
                    "{message}"
                );
            }
            other => panic!("expected VALIDATION, got {other:?}"),
        }
    }
    // An empty catalogue exports a header-only sheet, which imports as
    // nothing.
    let bytes = fx.backend.export_catalogue(&fx.buyer).await.unwrap();
    assert_eq!(read(&bytes).len(), 1);
    let report = fx.import(&bytes, false).await;
    assert_eq!((report.rows, report.applied), (0, true));
}

#[tokio::test]
async fn only_the_centres_buyers_and_admins_import() {
    let fx = Fx::new().await;
    fx.load(3).await;
    let bytes = fx.backend.export_catalogue(&fx.warehouse).await.unwrap();
    let err = fx
        .backend
        .import_catalogue(&fx.warehouse, &bytes, true)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "FORBIDDEN");
    // Checked before the file is even opened.
    let err = fx
        .backend
        .import_catalogue(&fx.warehouse, b"hello", false)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "FORBIDDEN");
    let mut clinic_buyer = fx.buyer.clone();
    clinic_buyer.institution_kind = InstitutionKind::TownshipHealthCentre;
    let err = fx
        .backend
        .import_catalogue(&clinic_buyer, &bytes, true)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_import_for_the_community_is_refused_while_one_runs() {
    let fx = Fx::new().await;
    fx.load(300).await;
    let bytes = Arc::new(fx.backend.export_catalogue(&fx.buyer).await.unwrap());
    // Both start together; the first to get in takes far longer than the
    // other needs to be turned away.
    let start = Arc::new(tokio::sync::Barrier::new(2));
    let race = |dry_run: bool| {
        let (backend, buyer, bytes, start) = (
            fx.backend.clone(),
            fx.buyer.clone(),
            bytes.clone(),
            start.clone(),
        );
        tokio::spawn(async move {
            start.wait().await;
            backend.import_catalogue(&buyer, &bytes, dry_run).await
        })
    };
    let (a, b) = (race(true), race(false));
    let mut outcomes: Vec<Result<(usize, usize), (String, String)>> = Vec::new();
    for task in [a, b] {
        outcomes.push(match task.await.unwrap() {
            Ok(report) => Ok((report.rows, report.unchanged)),
            Err(e) => Err((e.code().to_string(), e.to_string())),
        });
    }
    outcomes.sort_by_key(|o| o.is_err());
    assert_eq!(
        outcomes,
        vec![
            Ok((300, 300)),
            Err((
                "CONFLICT".to_string(),
                "another catalogue import is running for this community; try again when it finishes"
                    .to_string()
            )),
        ]
    );
    // Another community's import is not held up by this one's.
    let mut elsewhere = fx.buyer.clone();
    elsewhere.community_id = Uuid::now_v7();
    let (here, there) = tokio::join!(
        fx.backend.import_catalogue(&fx.buyer, &bytes, true),
        fx.backend.import_catalogue(&elsewhere, &bytes, true),
    );
    assert_eq!(here.unwrap().unchanged, 300);
    assert_eq!(there.unwrap().created, 300);
    // Once an import ends, however it ends, the next may start.
    let err = fx
        .backend
        .import_catalogue(&fx.buyer, b"hello", false)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "VALIDATION");
    let report = fx.import(&bytes, false).await;
    assert_eq!((report.applied, report.unchanged), (true, 300));
}
