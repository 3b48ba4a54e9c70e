//! The demo county's procurement: suppliers (one whose licence is about to
//! expire), price agreements (some 集采), one submitted order and one partly
//! received. Made through the backend's own services, as the buyer and the
//! warehouse would, so the demo obeys every rule the screens do.

use crate::{DEMO_ITEMS, DemoCounty, demo_gtin};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use std::sync::Arc;
use uuid::Uuid;
use yaolian_backend::authz::Caller;
use yaolian_backend::clock::{Clock, business_date};
use yaolian_backend::db::Database;
use yaolian_backend::enums::{InstitutionKind, Role};
use yaolian_backend::procurement::{
    AgreementInput, OrderLineInput, PurchaseOrderInput, ReceiveScan, SupplierInput,
};
use yaolian_backend::{Backend, Result, Settings};

/// The seed's instant, for the services it calls.
#[derive(Debug)]
struct At(DateTime<Utc>);

impl Clock for At {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

struct DemoSupplier {
    name: &'static str,
    uscc: &'static str,
    licence: &'static str,
    /// Days from the demo's day to the licence's expiry.
    licence_days: i64,
    first_level: bool,
}

const SUPPLIERS: &[DemoSupplier] = &[
    DemoSupplier {
        name: "国药控股示范医药有限公司",
        uscc: "91330100MA2H3K7Q1Q",
        licence: "浙AA5710001",
        licence_days: 900,
        first_level: true,
    },
    DemoSupplier {
        name: "华东医药示范配送有限公司",
        uscc: "91330102MA27XY1B5H",
        licence: "浙AA5710002",
        licence_days: 600,
        first_level: true,
    },
    DemoSupplier {
        name: "九州通示范医药有限公司",
        uscc: "91330500MA2B4C8D2G",
        licence: "浙AA5720003",
        licence_days: 400,
        first_level: false,
    },
    // Its licence runs out in three weeks: the supplier list warns.
    DemoSupplier {
        name: "县域医疗器械供应站",
        uscc: "91330600MA2J5N3P75",
        licence: "浙AB5730004",
        licence_days: 21,
        first_level: false,
    },
];

fn caller(county: &DemoCounty, username: &str, role: Role) -> Caller {
    Caller {
        user_id: county.users.get(username).copied().unwrap_or_default(),
        username: username.into(),
        roles: vec![role],
        institution_id: county.institution("DEMO-LC"),
        institution_kind: InstitutionKind::LogisticsCentre,
        community_id: county.community_id,
        session_id: Uuid::nil(),
    }
}

fn year_bounds(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let from = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let to = NaiveDate::from_ymd_opt(today.year(), 12, 31).unwrap_or(today);
    (from, to)
}

pub(crate) async fn seed(db: &Database, county: &DemoCounty, now: DateTime<Utc>) -> Result<()> {
    let backend = Backend::new(db.clone(), Arc::new(At(now)), Settings::default());
    let buyer = caller(county, "buyer", Role::Buyer);
    let warehouse = caller(county, "warehouse", Role::Warehouse);
    let today = business_date(now);
    let mut suppliers = Vec::new();
    for s in SUPPLIERS {
        let row = backend
            .create_supplier(
                &buyer,
                SupplierInput {
                    name: s.name.into(),
                    uscc: s.uscc.into(),
                    licence_number: s.licence.into(),
                    licence_expiry: today + Duration::days(s.licence_days),
                    contact_name: Some("业务部".into()),
                    contact_phone: Some("0571-8800000".into()),
                    first_level_distributor: s.first_level,
                },
            )
            .await?;
        suppliers.push(row.id);
    }

    // Agreements for this calendar year: each item with two suppliers at
    // slightly different prices; the 集采 items' winning bid is 集采.
    let (from, to) = year_bounds(today);
    for (i, spec) in DEMO_ITEMS.iter().enumerate() {
        let Some(item_id) = county.items.get(spec.code).copied() else {
            continue;
        };
        let box_price = spec.unit_cost_fen.unwrap_or(50) * i64::from(spec.pack_size);
        let vbp = matches!(
            spec.code,
            "YP0010" | "YP0015" | "YP0019" | "YP0020" | "YP0021"
        );
        for (k, supplier) in [suppliers[i % 3], suppliers[(i + 1) % 3]]
            .into_iter()
            .enumerate()
        {
            let winning = k == 0;
            backend
                .create_price_agreement(
                    &buyer,
                    AgreementInput {
                        supplier_id: supplier,
                        item_id,
                        package_level: 1,
                        unit_price_fen: box_price + k as i64 * box_price / 20,
                        valid_from: from,
                        valid_to: to,
                        vbp: vbp && winning,
                        vbp_annual_packs: (vbp && winning).then_some(1_200),
                        min_order_packs: Some(if k == 0 { 10 } else { 5 }),
                    },
                )
                .await?;
        }
    }

    let line = |code: &str, packs: i64| OrderLineInput {
        item_id: county.items.get(code).copied().unwrap_or_default(),
        package_level: 1,
        packs,
        unit_price_fen: None,
        over_packs: None,
    };
    // Submitted, waiting for the supplier.
    let waiting = backend
        .create_purchase_order(
            &buyer,
            PurchaseOrderInput {
                supplier_id: suppliers[0],
                lines: vec![line("YP0001", 40), line("YP0004", 20), line("YP0007", 30)],
                note: Some("月度常规采购".into()),
            },
        )
        .await?;
    backend
        .submit_purchase_order(&buyer, waiting.order.id)
        .await?;

    // Partly received: the first line has come in, by scan.
    let partial = backend
        .create_purchase_order(
            &buyer,
            PurchaseOrderInput {
                supplier_id: suppliers[1],
                lines: vec![line("YP0002", 30), line("YP0005", 20)],
                note: None,
            },
        )
        .await?;
    backend
        .submit_purchase_order(&buyer, partial.order.id)
        .await?;
    let expiry = today + Duration::days(640);
    let index = DEMO_ITEMS
        .iter()
        .position(|s| s.code == "YP0002")
        .unwrap_or(1);
    backend
        .receive_purchase_order_scan(
            &warehouse,
            ReceiveScan {
                order_id: partial.order.id,
                barcode: format!(
                    "010{}17{:02}{:02}{:02}10{}",
                    demo_gtin(index),
                    expiry.year() % 100,
                    expiry.month(),
                    expiry.day(),
                    "GR2601A"
                ),
                packs: 30,
                client_request_id: "demo-receipt-1".into(),
                trace_codes: Vec::new(),
                temperature_decicelsius: None,
                short_dated_reason: None,
            },
        )
        .await?;
    Ok(())
}
