//! What a scan means: the one call every scanning screen makes. It parses
//! whatever the scanner sent (GS1, traceability code, retail code, our own
//! shipment and location labels), finds the item, package level and batch,
//! and says what a pharmacist should be warned about before using the pack.

use crate::Backend;
use crate::authz::{self, Action, Caller};
use crate::catalogue::allowed_at;
use crate::clock::business_date;
use crate::entity::enums::{BatchStatus, InstitutionKind, ItemStatus};
use crate::entity::{batch, item, item_gtin, item_package_level};
use crate::error::{Error, Result};
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;
use yaolian_labels::gs1::{Ai, Symbology};
use yaolian_labels::{Scan, classify};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanKind {
    Gs1,
    TraceCode,
    RetailCode,
    Shipment,
    Document,
    Location,
}

impl ScanKind {
    pub fn code(self) -> &'static str {
        match self {
            ScanKind::Gs1 => "GS1",
            ScanKind::TraceCode => "TRACE_CODE",
            ScanKind::RetailCode => "RETAIL_CODE",
            ScanKind::Shipment => "SHIPMENT",
            ScanKind::Document => "DOCUMENT",
            ScanKind::Location => "LOCATION",
        }
    }
}

/// What a pharmacist is warned about before using a scanned pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningCode {
    /// The scanner dropped the group separators; the fields were recovered.
    SeparatorRecovered,
    /// The traceability code's issuer prefix is not one yaolian knows.
    TraceCodeIssuer,
    UnknownGtin,
    UnknownTraceCodePrefix,
    /// The lot has not been received anywhere in the community.
    UnknownBatch,
    /// The pack's expiry differs from the batch on record.
    ExpiryMismatch,
    Expired,
    NearExpiry,
    Recalled,
    Quarantined,
    ItemSuspended,
    ItemDelisted,
    /// The item may not be stocked at this institution's level of care.
    NotAllowedAtLevel,
}

/// The carrier a scan came in, as far as the scanner or the code shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanSymbology {
    Gs1_128,
    Gs1DataMatrix,
    Gs1Qr,
    Gs1DataBar,
    Ean13,
    Ean8,
    UpcA,
    Gtin14,
    /// A GS1 element string typed or sent without a symbology identifier.
    Gs1ElementString,
    /// The 20-digit drug traceability code.
    TraceCode,
    /// yaolian's own shipment, document and location labels.
    Code128,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanWarning {
    pub code: WarningCode,
    pub message: String,
}

/// A GS1 element the resolution has no typed field for, carried through so
/// that a foreign or logistic AI is shown rather than lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gs1Element {
    /// The AI's digits, e.g. `"3103"`.
    pub ai: &'static str,
    pub value: String,
    /// GS1's data title, e.g. `"NET WEIGHT (kg)"`; empty when GS1 gives none.
    pub title: &'static str,
}

#[derive(Debug, Clone)]
pub struct BarcodeResolution {
    pub kind: ScanKind,
    /// The carrier, when the scanner said it (`]C1`, `]d2` …) or the code
    /// shows it (EAN-13, EAN-8, UPC-A, GTIN-14, traceability code).
    pub symbology: ScanSymbology,
    pub gtin: Option<String>,
    pub lot_number: Option<String>,
    pub expiry_date: Option<NaiveDate>,
    pub production_date: Option<NaiveDate>,
    pub serial: Option<String>,
    /// Every GS1 element other than those in the typed fields above, in scan order.
    pub other_elements: Vec<Gs1Element>,
    pub trace_code: Option<String>,
    pub document_number: Option<String>,
    pub location_code: Option<String>,
    pub item: Option<item::Model>,
    pub package_level: Option<i32>,
    /// Base units that one scan of this pack represents.
    pub units_per_scan: Option<i64>,
    pub batch: Option<batch::Model>,
    pub warnings: Vec<ScanWarning>,
}

fn symbology_of(s: Option<Symbology>) -> ScanSymbology {
    match s {
        Some(Symbology::Gs1_128) => ScanSymbology::Gs1_128,
        Some(Symbology::Gs1DataMatrix) => ScanSymbology::Gs1DataMatrix,
        Some(Symbology::Gs1Qr) => ScanSymbology::Gs1Qr,
        Some(Symbology::Gs1DataBar) => ScanSymbology::Gs1DataBar,
        Some(Symbology::Ean13) => ScanSymbology::Ean13,
        Some(Symbology::Ean8) => ScanSymbology::Ean8,
        None => ScanSymbology::Gs1ElementString,
    }
}

fn warn(list: &mut Vec<ScanWarning>, code: WarningCode, message: impl Into<String>) {
    list.push(ScanWarning {
        code,
        message: message.into(),
    });
}

impl BarcodeResolution {
    fn new(kind: ScanKind, symbology: ScanSymbology) -> Self {
        BarcodeResolution {
            kind,
            symbology,
            gtin: None,
            lot_number: None,
            expiry_date: None,
            production_date: None,
            serial: None,
            other_elements: Vec::new(),
            trace_code: None,
            document_number: None,
            location_code: None,
            item: None,
            package_level: None,
            units_per_scan: None,
            batch: None,
            warnings: Vec::new(),
        }
    }
}

/// The most base units one scan may stand for: what a GraphQL `Int` holds.
pub const MAX_UNITS_PER_SCAN: i64 = i32::MAX as i64;

impl Backend {
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn resolve_barcode(
        &self,
        caller: &Caller,
        raw: &str,
        institution_id: Option<Uuid>,
    ) -> Result<BarcodeResolution> {
        let result = self.resolve(caller, raw, institution_id).await;
        let (kind, outcome) = match &result {
            Ok(r) if r.warnings.is_empty() => (r.kind.code(), "OK"),
            Ok(r) => (r.kind.code(), "WARNED"),
            Err(e) => ("UNREADABLE", e.code()),
        };
        crate::metrics::metrics().scan(kind, outcome);
        result
    }

    async fn resolve(
        &self,
        caller: &Caller,
        raw: &str,
        institution_id: Option<Uuid>,
    ) -> Result<BarcodeResolution> {
        let today = business_date(self.clock.now());
        let institution = match institution_id {
            Some(id) => {
                let inst = self.institution_in_community(caller, id).await?;
                // As seen at an institution means with its stock: a scan
                // there may only be asked by those who may see that stock.
                authz::authorize(caller, Action::ResolveBarcode, Self::scope(&inst))?;
                authz::authorize(caller, Action::ReadStock, Self::scope(&inst))?;
                Some(inst)
            }
            None => None,
        };
        let scan = classify(raw, today).map_err(|e| Error::InvalidBarcode {
            reason: e.code(),
            message: e.to_string(),
        })?;
        let mut r = match &scan {
            Scan::Gs1(es) => {
                let mut r = BarcodeResolution::new(ScanKind::Gs1, symbology_of(es.symbology()));
                r.gtin = es.gtin().or(es.content_gtin()).map(str::to_string);
                r.lot_number = es.lot().map(str::to_string);
                r.expiry_date = es.expiry();
                r.production_date = es.production_date();
                r.serial = es.serial().map(str::to_string);
                // The AIs read into the fields above. (02) fills `gtin` only
                // without (01), and GS1 forbids the two together.
                let typed = [
                    Ai::GTIN,
                    Ai::CONTENT_GTIN,
                    Ai::BATCH,
                    Ai::EXPIRY,
                    Ai::PRODUCTION_DATE,
                    Ai::SERIAL,
                ];
                r.other_elements = es
                    .elements()
                    .filter(|(ai, _)| !typed.contains(ai))
                    .map(|(ai, value)| Gs1Element {
                        ai: ai.code(),
                        value: value.to_string(),
                        title: ai.title(),
                    })
                    .collect();
                if es.recovered_missing_separator() {
                    warn(
                        &mut r.warnings,
                        WarningCode::SeparatorRecovered,
                        "the scanner dropped a field separator; the fields were recovered unambiguously, but check the scanner's setup",
                    );
                }
                r
            }
            Scan::TraceCode(code) => {
                let mut r = BarcodeResolution::new(ScanKind::TraceCode, ScanSymbology::TraceCode);
                r.trace_code = Some(code.as_str().to_string());
                for w in code.warnings() {
                    warn(&mut r.warnings, WarningCode::TraceCodeIssuer, w.message());
                }
                r
            }
            Scan::Ean13(c) | Scan::Ean8(c) | Scan::UpcA(c) | Scan::Gtin14(c) => {
                let symbology = match scan {
                    Scan::Ean13(_) => ScanSymbology::Ean13,
                    Scan::Ean8(_) => ScanSymbology::Ean8,
                    Scan::UpcA(_) => ScanSymbology::UpcA,
                    _ => ScanSymbology::Gtin14,
                };
                let mut r = BarcodeResolution::new(ScanKind::RetailCode, symbology);
                r.gtin = Some(c.gtin14().to_string());
                r
            }
            Scan::Shipment(n) => {
                let mut r = BarcodeResolution::new(ScanKind::Shipment, ScanSymbology::Code128);
                r.document_number = Some(n.to_string());
                return Ok(r);
            }
            Scan::Document(n) => {
                let mut r = BarcodeResolution::new(ScanKind::Document, ScanSymbology::Code128);
                r.document_number = Some(n.to_string());
                return Ok(r);
            }
            Scan::Location(l) => {
                let mut r = BarcodeResolution::new(ScanKind::Location, ScanSymbology::Code128);
                r.location_code = Some(l.to_string());
                return Ok(r);
            }
        };

        let conn = self.db.conn();
        // Which item and package level: by GTIN, or by trace-code prefix.
        let found: Option<(Uuid, i32)> = if let Some(gtin) = &r.gtin {
            let hit = item_gtin::Entity::find_by_id((caller.community_id, gtin.clone()))
                .one(conn)
                .await?;
            if hit.is_none() {
                warn(
                    &mut r.warnings,
                    WarningCode::UnknownGtin,
                    format!(
                        "GTIN {gtin} is not in the catalogue; link it to an item to receive this pack"
                    ),
                );
            }
            hit.map(|g| (g.item_id, g.level))
        } else if let Some(code) = &r.trace_code {
            let prefix = &code[..7];
            let hit = item_package_level::Entity::find()
                .filter(item_package_level::Column::CommunityId.eq(caller.community_id))
                .filter(item_package_level::Column::TraceCodePrefix.eq(prefix))
                .one(conn)
                .await?;
            if hit.is_none() {
                warn(
                    &mut r.warnings,
                    WarningCode::UnknownTraceCodePrefix,
                    format!("no catalogue item has traceability-code prefix {prefix}"),
                );
            }
            hit.map(|l| (l.item_id, l.level))
        } else {
            None
        };
        let Some((item_id, level)) = found else {
            return Ok(r);
        };
        let item = item::Entity::find_by_id(item_id)
            .one(conn)
            .await?
            .ok_or_else(|| Error::not_found("item", item_id))?;
        let pack = item_package_level::Entity::find_by_id((item_id, level))
            .one(conn)
            .await?;
        r.package_level = Some(level);
        r.units_per_scan = pack.map(|p| p.units_per_pack);
        if let (Scan::Gs1(es), Some(units)) = (&scan, r.units_per_scan)
            && es.gtin().is_none()
            && let Some(count) = es.content_count()
        {
            // (02)+(37): a logistic unit holding `count` packs of the content
            // GTIN. No real carton holds more than a GraphQL Int of base
            // units; a count that would is a misprint or an attack.
            let total = units
                .checked_mul(i64::from(count))
                .filter(|t| *t <= MAX_UNITS_PER_SCAN)
                .ok_or_else(|| Error::InvalidBarcode {
                    reason: "gs1.count_too_large",
                    message: format!(
                        "(37) says {count} packs of {units} units; at most {MAX_UNITS_PER_SCAN} units per scan"
                    ),
                })?;
            r.units_per_scan = Some(total);
        }

        if let Some(lot) = &r.lot_number {
            r.batch = batch::Entity::find()
                .filter(batch::Column::ItemId.eq(item_id))
                .filter(batch::Column::LotNumber.eq(lot.clone()))
                .one(conn)
                .await?;
            if r.batch.is_none() {
                warn(
                    &mut r.warnings,
                    WarningCode::UnknownBatch,
                    format!("lot {lot} of this item has not been received yet"),
                );
            }
        }
        if let (Some(b), Some(scanned)) = (&r.batch, r.expiry_date)
            && b.expiry_date != scanned
        {
            warn(
                &mut r.warnings,
                WarningCode::ExpiryMismatch,
                format!(
                    "the pack says it expires {scanned}, the batch record says {}",
                    b.expiry_date
                ),
            );
        }
        let expiry = r.batch.as_ref().map(|b| b.expiry_date).or(r.expiry_date);
        if let Some(expiry) = expiry {
            let days = (expiry - today).num_days();
            if days < 0 {
                warn(
                    &mut r.warnings,
                    WarningCode::Expired,
                    format!("expired on {expiry}; do not use"),
                );
            } else if days <= i64::from(item.near_expiry_days) {
                warn(
                    &mut r.warnings,
                    WarningCode::NearExpiry,
                    format!("expires on {expiry}, in {days} days"),
                );
            }
        }
        match r.batch.as_ref().map(|b| b.status) {
            Some(BatchStatus::Recalled) => warn(
                &mut r.warnings,
                WarningCode::Recalled,
                "this batch is recalled; do not use",
            ),
            Some(BatchStatus::Quarantined) => warn(
                &mut r.warnings,
                WarningCode::Quarantined,
                "this batch is quarantined; do not use",
            ),
            _ => {}
        }
        match item.status {
            ItemStatus::Suspended => warn(
                &mut r.warnings,
                WarningCode::ItemSuspended,
                "the item is suspended in the catalogue",
            ),
            ItemStatus::Delisted => warn(
                &mut r.warnings,
                WarningCode::ItemDelisted,
                "the item is delisted from the catalogue; held stock may still be dispensed",
            ),
            ItemStatus::Active => {}
        }
        if let Some(inst) = &institution
            && !allowed_at(&item, inst.kind)
        {
            warn(
                &mut r.warnings,
                WarningCode::NotAllowedAtLevel,
                format!(
                    "{} is not stocked at a {} (lowest level: {})",
                    item.generic_name,
                    kind_name(inst.kind),
                    kind_name(item.min_institution_level)
                ),
            );
        }
        r.item = Some(item);
        Ok(r)
    }
}

fn kind_name(kind: InstitutionKind) -> &'static str {
    match kind {
        InstitutionKind::LogisticsCentre => "logistics centre",
        InstitutionKind::CountyHospital => "county hospital",
        InstitutionKind::TownshipHealthCentre => "township health centre",
        InstitutionKind::CommunityHealthCentre => "community health centre",
        InstitutionKind::VillageClinic => "village clinic",
    }
}
