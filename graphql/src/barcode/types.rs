//! What a scan means, as the API shows it.

use crate::catalogue::types::Item;
use crate::stock::types::Batch;
use async_graphql::{Enum, Object, SimpleObject};
use chrono::NaiveDate;
use yaolian_backend::barcode::{self as be, BarcodeResolution as Resolution};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::ScanKind")]
pub enum ScanKind {
    #[graphql(name = "GS1")]
    Gs1,
    TraceCode,
    RetailCode,
    Shipment,
    Document,
    Location,
}

/// What a pharmacist is warned about before using a scanned pack.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::WarningCode")]
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

/// The carrier a scan came in.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::ScanSymbology")]
pub enum Symbology {
    #[graphql(name = "GS1_128")]
    Gs1_128,
    #[graphql(name = "GS1_DATAMATRIX")]
    Gs1DataMatrix,
    #[graphql(name = "GS1_QR")]
    Gs1Qr,
    #[graphql(name = "GS1_DATABAR")]
    Gs1DataBar,
    #[graphql(name = "EAN_13")]
    Ean13,
    #[graphql(name = "EAN_8")]
    Ean8,
    #[graphql(name = "UPC_A")]
    UpcA,
    #[graphql(name = "GTIN_14")]
    Gtin14,
    /// Typed, or sent without a symbology identifier.
    #[graphql(name = "GS1_ELEMENT_STRING")]
    Gs1ElementString,
    /// The 20-digit drug traceability code.
    #[graphql(name = "TRACE_CODE")]
    TraceCode,
    /// yaolian's own shipment, document and location labels.
    #[graphql(name = "CODE_128")]
    Code128,
}

#[derive(SimpleObject)]
pub struct ScanWarning {
    pub code: WarningCode,
    pub message: String,
}

/// One GS1 element of the scan that has no field of its own.
#[derive(SimpleObject)]
#[graphql(name = "GS1Element")]
pub struct Gs1Element {
    /// The Application Identifier's digits, e.g. "3103".
    pub ai: String,
    pub value: String,
    /// GS1's data title, e.g. "NET WEIGHT (kg)".
    pub title: Option<String>,
}

pub struct BarcodeResolution(pub Resolution);

#[Object]
impl BarcodeResolution {
    async fn kind(&self) -> ScanKind {
        self.0.kind.into()
    }
    async fn symbology(&self) -> Symbology {
        self.0.symbology.into()
    }
    /// As 14 digits.
    async fn gtin(&self) -> Option<&str> {
        self.0.gtin.as_deref()
    }
    async fn lot_number(&self) -> Option<&str> {
        self.0.lot_number.as_deref()
    }
    async fn expiry_date(&self) -> Option<NaiveDate> {
        self.0.expiry_date
    }
    async fn production_date(&self) -> Option<NaiveDate> {
        self.0.production_date
    }
    async fn serial(&self) -> Option<&str> {
        self.0.serial.as_deref()
    }
    /// Every other GS1 element of the scan (measures, dates and times,
    /// national reimbursement numbers, logistic AIs…), in scan order.
    async fn other_elements(&self) -> Vec<Gs1Element> {
        self.0
            .other_elements
            .iter()
            .map(|e| Gs1Element {
                ai: e.ai.to_string(),
                value: e.value.clone(),
                title: (!e.title.is_empty()).then(|| e.title.to_string()),
            })
            .collect()
    }
    /// The 20-digit drug traceability code (药品追溯码).
    async fn trace_code(&self) -> Option<&str> {
        self.0.trace_code.as_deref()
    }
    /// A yaolian document number (shipment label, e.g. SH-2026-000123).
    async fn document_number(&self) -> Option<&str> {
        self.0.document_number.as_deref()
    }
    async fn location_code(&self) -> Option<&str> {
        self.0.location_code.as_deref()
    }
    /// Null when the code is not in the catalogue (see `warnings`).
    async fn item(&self) -> Option<Item> {
        self.0.item.clone().map(Item::new)
    }
    async fn package_level(&self) -> Option<i32> {
        self.0.package_level
    }
    /// Base units that one scan of this pack represents.
    async fn units_per_scan(&self) -> Option<i64> {
        self.0.units_per_scan
    }
    /// The batch, when the code carries a lot that has been received.
    async fn batch(&self) -> Option<Batch> {
        self.0.batch.clone().map(Batch)
    }
    async fn warnings(&self) -> Vec<ScanWarning> {
        self.0
            .warnings
            .iter()
            .map(|w| ScanWarning {
                code: w.code.into(),
                message: w.message.clone(),
            })
            .collect()
    }
}
