//! `resolveBarcode`: the one call every scanning screen uses.

use crate::auth::caller;
use crate::error::GqlResult;
use crate::schema::{backend, parse_id};
use crate::types::{Batch, Item};
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
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

#[derive(SimpleObject)]
pub struct ScanWarning {
    /// NEAR_EXPIRY, EXPIRED, RECALLED, QUARANTINED, ITEM_SUSPENDED,
    /// ITEM_DELISTED, NOT_ALLOWED_AT_LEVEL, UNKNOWN_GTIN,
    /// UNKNOWN_TRACE_CODE_PREFIX, UNKNOWN_BATCH, EXPIRY_MISMATCH,
    /// SEPARATOR_RECOVERED, TRACE_CODE_ISSUER.
    pub code: String,
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
    /// GS1_128, GS1_DATAMATRIX, GS1_QR, GS1_DATABAR, GS1_ELEMENT_STRING
    /// (typed or sent without a symbology identifier), EAN_13, EAN_8,
    /// UPC_A, GTIN_14, TRACE_CODE or CODE_128.
    async fn symbology(&self) -> &str {
        self.0.symbology
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
                code: w.code.to_string(),
                message: w.message.clone(),
            })
            .collect()
    }
}

#[derive(Default)]
pub struct BarcodeQuery;

#[Object]
impl BarcodeQuery {
    /// What a scan means. Accepts anything a scanner sends: GS1 element
    /// strings with or without symbology identifiers and with any
    /// separator spelling, parenthesised text, traceability codes, EAN/UPC,
    /// and yaolian's own shipment and location labels. With `institutionId`
    /// it also warns when the item is not allowed at that institution.
    async fn resolve_barcode(
        &self,
        ctx: &Context<'_>,
        raw: String,
        institution_id: Option<ID>,
    ) -> Result<BarcodeResolution> {
        let caller = caller(ctx)?;
        let institution_id = institution_id
            .as_ref()
            .map(|id| parse_id(id, "institutionId"))
            .transpose()?;
        backend(ctx)
            .resolve_barcode(caller, &raw, institution_id)
            .await
            .gql()
            .map(BarcodeResolution)
    }
}
