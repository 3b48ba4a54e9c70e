//! The demo county's distribution, lived in: requisitions in every state
//! (one an emergency, one reduced on approval, one rejected), a delivery
//! run planned for township 01's route, a shipment in transit to one of its
//! village clinics whose packs scan with the demo's own GS1 codes, and one
//! requisition received and closed. Made through the services, as the
//! pharmacists and the warehouse would.

use crate::{DEMO_ITEMS, DemoCounty, demo_gtin};
use chrono::{DateTime, Datelike, Duration, Utc};
use std::sync::Arc;
use uuid::Uuid;
use yaolian_backend::authz::Caller;
use yaolian_backend::clock::{Clock, business_date};
use yaolian_backend::db::Database;
use yaolian_backend::distribution::{
    ApprovalLine, DeliveryRunInput, DiscrepancyInput, ReceiveShipmentScan, RequisitionInput,
    RequisitionLineInput, RequisitionView,
};
use yaolian_backend::enums::{DiscrepancyKind, InstitutionKind, Role};
use yaolian_backend::{Backend, Result, Settings};

#[derive(Debug)]
struct At(DateTime<Utc>);

impl Clock for At {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

fn caller(county: &DemoCounty, username: &str, role: Role, code: &str) -> Caller {
    let kind = if code.starts_with("DEMO-VC") {
        InstitutionKind::VillageClinic
    } else if code.starts_with("DEMO-TH") {
        InstitutionKind::TownshipHealthCentre
    } else {
        InstitutionKind::LogisticsCentre
    };
    Caller {
        user_id: county.users.get(username).copied().unwrap_or_default(),
        username: username.into(),
        roles: vec![role],
        institution_id: county.institution(code),
        institution_kind: kind,
        community_id: county.community_id,
        session_id: Uuid::nil(),
    }
}

struct Seeder<'a> {
    backend: Backend,
    county: &'a DemoCounty,
    warehouse: Caller,
}

impl Seeder<'_> {
    fn item(&self, index: usize) -> Uuid {
        self.county
            .items
            .get(DEMO_ITEMS[index].code)
            .copied()
            .unwrap_or_default()
    }

    async fn draft(
        &self,
        code: &str,
        lines: &[(usize, i64)],
        emergency: bool,
        note: Option<&str>,
    ) -> Result<RequisitionView> {
        let who = format!(
            "pharmacist.{}",
            code.trim_start_matches("DEMO-").to_lowercase()
        );
        let pharmacist = caller(self.county, &who, Role::Pharmacist, code);
        let view = self
            .backend
            .create_requisition(
                &pharmacist,
                RequisitionInput {
                    institution_id: self.county.institution(code),
                    lines: lines
                        .iter()
                        .map(|(i, q)| RequisitionLineInput {
                            item_id: self.item(*i),
                            quantity: *q,
                        })
                        .collect(),
                    emergency,
                    note: note.map(str::to_string),
                },
            )
            .await?;
        Ok(view)
    }

    async fn submitted(
        &self,
        code: &str,
        lines: &[(usize, i64)],
        emergency: bool,
    ) -> Result<RequisitionView> {
        let view = self.draft(code, lines, emergency, None).await?;
        let who = format!(
            "pharmacist.{}",
            code.trim_start_matches("DEMO-").to_lowercase()
        );
        let pharmacist = caller(self.county, &who, Role::Pharmacist, code);
        self.backend
            .submit_requisition(&pharmacist, view.requisition.id)
            .await
    }

    async fn approved(&self, code: &str, lines: &[(usize, i64)]) -> Result<RequisitionView> {
        let view = self.submitted(code, lines, false).await?;
        self.backend
            .approve_requisition(&self.warehouse, view.requisition.id, Vec::new())
            .await
    }
}

/// The centre's shelves (货位), two aisles: every pick list says where
/// each line is.
pub(crate) async fn shelves(db: &Database, county: &DemoCounty, now: DateTime<Utc>) -> Result<()> {
    let backend = Backend::new(db.clone(), Arc::new(At(now)), Settings::default());
    let warehouse = caller(county, "warehouse", Role::Warehouse, "DEMO-LC");
    let centre = county.institution("DEMO-LC");
    for (n, item_id) in county.items.values().enumerate() {
        let code = format!(
            "LOC-{}-{:02}-{:02}",
            ["A", "B"][n % 2],
            n / 10 + 1,
            n % 10 + 1
        );
        backend
            .set_item_location(&warehouse, centre, *item_id, Some(&code))
            .await?;
    }
    Ok(())
}

pub(crate) async fn seed(db: &Database, county: &DemoCounty, now: DateTime<Utc>) -> Result<()> {
    let s = Seeder {
        backend: Backend::new(db.clone(), Arc::new(At(now)), Settings::default()),
        county,
        warehouse: caller(county, "warehouse", Role::Warehouse, "DEMO-LC"),
    };
    let today = business_date(now);

    // Waiting at the clinics and at the centre.
    s.draft(
        "DEMO-VC0101",
        &[(0, 48), (1, 24)],
        false,
        Some("下周门诊量大"),
    )
    .await?;
    s.submitted("DEMO-VC0102", &[(3, 40)], true).await?;
    s.submitted("DEMO-VC0201", &[(0, 72), (4, 30)], false)
        .await?;
    // Approved with a reduction, not yet allocated.
    let reduced = s
        .submitted("DEMO-TH02", &[(4, 120), (5, 60)], false)
        .await?;
    let first = reduced.lines.first().map(|l| l.id).unwrap_or_default();
    s.backend
        .approve_requisition(
            &s.warehouse,
            reduced.requisition.id,
            vec![ApprovalLine {
                line_id: first,
                approved_quantity: 80,
                reason: Some("按近三月用量核减".into()),
            }],
        )
        .await?;
    let rejected = s.submitted("DEMO-VC0202", &[(1, 500)], false).await?;
    s.backend
        .reject_requisition(
            &s.warehouse,
            rejected.requisition.id,
            "超出该村卫生室三个月用量",
        )
        .await?;

    // Township 01's route: an allocated shipment for the township itself,
    // and one to its village clinic VC0102 already on the road.
    let own = s.approved("DEMO-TH01", &[(0, 96), (5, 40)]).await?;
    s.backend
        .allocate_requisition(&s.warehouse, own.requisition.id)
        .await?;
    let village = s.approved("DEMO-VC0102", &[(0, 48), (1, 20)]).await?;
    let on_road = s
        .backend
        .allocate_requisition(&s.warehouse, village.requisition.id)
        .await?;
    s.backend
        .dispatch_shipment(&s.warehouse, on_road.shipment.id)
        .await?;
    s.backend
        .plan_delivery_run(
            &s.warehouse,
            DeliveryRunInput {
                route_institution_id: county.institution("DEMO-TH01"),
                planned_date: today + Duration::days(1),
                vehicle_note: Some("浙A·5T217 司机 王师傅".into()),
                shipment_ids: None,
            },
        )
        .await?;

    // Township 03: sent and scanned in, two units short on its last line,
    // which waits for the centre to resolve.
    let done = s.approved("DEMO-TH03", &[(1, 24), (3, 30)]).await?;
    let shipment = s
        .backend
        .allocate_requisition(&s.warehouse, done.requisition.id)
        .await?;
    s.backend
        .dispatch_shipment(&s.warehouse, shipment.shipment.id)
        .await?;
    let pharmacist = caller(county, "pharmacist.th03", Role::Pharmacist, "DEMO-TH03");
    let last = shipment.lines.len().saturating_sub(1);
    let mut short = Vec::new();
    for (n, line) in shipment.lines.iter().enumerate() {
        let Some(index) = DEMO_ITEMS
            .iter()
            .position(|d| county.items.get(d.code) == Some(&line.item_id))
        else {
            continue;
        };
        let batch = s
            .backend
            .batches_by_ids(&pharmacist, &[line.batch_id])
            .await?;
        let Some(batch) = batch.first() else {
            continue;
        };
        let e = batch.expiry_date;
        let code = format!(
            "010{}17{:02}{:02}{:02}10{}",
            demo_gtin(index),
            e.year() % 100,
            e.month(),
            e.day(),
            batch.lot_number
        );
        s.backend
            .receive_shipment_scan(
                &pharmacist,
                ReceiveShipmentScan {
                    shipment_id: shipment.shipment.id,
                    barcode: code,
                    quantity: Some(if n == last && line.quantity > 2 {
                        line.quantity - 2
                    } else {
                        line.quantity
                    }),
                    client_request_id: format!("demo-receipt-{n}"),
                },
            )
            .await?;
        if n == last && line.quantity > 2 {
            short.push(DiscrepancyInput {
                line_id: line.id,
                kind: DiscrepancyKind::Short,
                quantity: 2,
                note: Some("外箱完好，少两盒".into()),
            });
        }
    }
    s.backend
        .complete_shipment_receipt(&pharmacist, shipment.shipment.id, short)
        .await?;
    Ok(())
}
