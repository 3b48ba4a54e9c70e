//! Keeping the catalogue: create, edit, status changes, spreadsheet import.

use super::types::{ControlledClass, InsuranceClass, Item, ItemKind};
use crate::context::{ContextExt, parse_id};
use crate::directory::types::InstitutionKind;
use crate::error::GqlResult;
use async_graphql::Upload;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::NaiveDate;
use std::io::Read;
use yaolian_backend::catalogue::{ItemDraft, PackageLevelDraft, StatusChange};

#[derive(InputObject)]
pub struct PackageLevelInput {
    /// 1 is the smallest sale pack; 2 and 3 the larger packs.
    pub level: i32,
    /// 盒, 瓶, 中包, 箱 …
    pub name: String,
    /// Base units in one pack of this level.
    pub units_per_pack: i32,
    #[graphql(default)]
    pub gtins: Vec<String>,
    /// First 7 digits of the traceability codes on packs of this level.
    pub trace_code_prefix: Option<String>,
}

/// Every attribute of an item. `updateItem` replaces them all: send the
/// whole item, as the edit form holds it.
#[derive(InputObject)]
pub struct ItemInput {
    pub code: String,
    pub kind: ItemKind,
    pub generic_name: String,
    pub trade_name: Option<String>,
    pub english_name: Option<String>,
    pub dosage_form: String,
    pub strength: String,
    pub packaging: Option<String>,
    pub base_unit: String,
    pub package_levels: Vec<PackageLevelInput>,
    pub manufacturer: Option<String>,
    pub approval_number: Option<String>,
    pub nhsa_code: Option<String>,
    pub insurance_class: Option<InsuranceClass>,
    #[graphql(default)]
    pub essential: bool,
    #[graphql(default)]
    pub vbp: bool,
    pub vbp_price_fen: Option<i32>,
    #[graphql(default)]
    pub prescription_only: bool,
    pub controlled_class: Option<ControlledClass>,
    #[graphql(default)]
    pub antibiotic_level: i32,
    #[graphql(default)]
    pub high_alert: bool,
    #[graphql(default)]
    pub look_alike: bool,
    #[graphql(default)]
    pub cold_chain: bool,
    #[graphql(default)]
    pub skin_test: bool,
    #[graphql(default_with = "InstitutionKind::VillageClinic")]
    pub min_institution_level: InstitutionKind,
    #[graphql(default = 90)]
    pub near_expiry_days: i32,
    /// Minimum remaining shelf life on receipt from a supplier, 1 to 3650
    /// days; null is the community's minimum.
    pub min_receipt_shelf_life_days: Option<i32>,
    /// Minimum remaining shelf life when shipped to a member, 1 to 3650
    /// days; null is the community's minimum.
    pub min_dispatch_shelf_life_days: Option<i32>,
    /// A cold-chain item's own storage range, -50 to 60 °C, to a tenth of a
    /// degree (as `temperatureCelsius` on receipt): both limits, lower
    /// below upper, or neither for the community's cold chain. Refused on
    /// an item that is not cold-chain.
    pub storage_min_celsius: Option<f64>,
    pub storage_max_celsius: Option<f64>,
}

/// °C to tenths of a degree, as a receipt's temperature is. What is not a
/// temperature at all becomes a value the draft's range check refuses on
/// its field, so that every problem of the item is reported together.
fn decicelsius(t: f64) -> i32 {
    if t.is_finite() {
        // Saturates far outside the range the draft allows.
        (t * 10.0).round() as i32
    } else {
        i32::MAX
    }
}

impl From<ItemInput> for ItemDraft {
    fn from(i: ItemInput) -> Self {
        ItemDraft {
            code: i.code,
            kind: i.kind.into(),
            generic_name: i.generic_name,
            trade_name: i.trade_name,
            english_name: i.english_name,
            dosage_form: i.dosage_form,
            strength: i.strength,
            packaging: i.packaging,
            base_unit: i.base_unit,
            package_levels: i
                .package_levels
                .into_iter()
                .map(|l| PackageLevelDraft {
                    level: l.level,
                    name: l.name,
                    units_per_pack: i64::from(l.units_per_pack),
                    gtins: l.gtins,
                    trace_code_prefix: l.trace_code_prefix,
                })
                .collect(),
            manufacturer: i.manufacturer,
            approval_number: i.approval_number,
            nhsa_code: i.nhsa_code,
            insurance_class: i.insurance_class.map(Into::into),
            essential: i.essential,
            vbp: i.vbp,
            vbp_price_fen: i.vbp_price_fen.map(i64::from),
            prescription_only: i.prescription_only,
            controlled_class: i.controlled_class.map(Into::into),
            antibiotic_level: i.antibiotic_level,
            high_alert: i.high_alert,
            look_alike: i.look_alike,
            cold_chain: i.cold_chain,
            skin_test: i.skin_test,
            min_institution_level: i.min_institution_level.into(),
            near_expiry_days: i.near_expiry_days,
            min_receipt_shelf_life_days: i.min_receipt_shelf_life_days,
            min_dispatch_shelf_life_days: i.min_dispatch_shelf_life_days,
            storage_min_decicelsius: i.storage_min_celsius.map(decicelsius),
            storage_max_decicelsius: i.storage_max_celsius.map(decicelsius),
        }
    }
}

/// One problem with one cell (or one row) of an uploaded workbook.
#[derive(SimpleObject)]
pub struct ImportRowError {
    /// The Excel row number: 1 is the header row, items start at 2.
    pub row: u32,
    /// The header text of the column, or empty when the problem is the row's.
    pub column: String,
    pub message: String,
}

/// What an import did, or (dry run, or with errors) would do. Nothing is
/// written unless every row is valid: all or nothing.
#[derive(SimpleObject)]
pub struct ImportReport {
    pub dry_run: bool,
    /// True when the rows were written.
    pub applied: bool,
    pub rows: u32,
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub errors: Vec<ImportRowError>,
}

/// Largest spreadsheet accepted for import.
pub const MAX_IMPORT_BYTES: u64 = 10 * 1024 * 1024;

#[derive(Default)]
pub struct CatalogueMutation;

#[Object]
impl CatalogueMutation {
    async fn create_item(
        &self,
        ctx: &Context<'_>,
        input: ItemInput,
        effective_date: Option<NaiveDate>,
    ) -> Result<Item> {
        let caller = ctx.caller()?;
        ctx.backend()
            .create_item(caller, input.into(), effective_date)
            .await
            .gql()
            .map(Item::from_view)
    }

    async fn update_item(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: ItemInput,
        effective_date: Option<NaiveDate>,
    ) -> Result<Item> {
        let caller = ctx.caller()?;
        let id = parse_id(&id, "id")?;
        ctx.backend()
            .update_item(caller, id, input.into(), effective_date)
            .await
            .gql()
            .map(Item::from_view)
    }

    /// Imports an .xlsx in the layout of `GET /exports/catalogue.xlsx`
    /// (the template is the export). Items are matched by code: new codes
    /// are created, changed rows update their item, identical rows change
    /// nothing. `dryRun` validates only.
    async fn import_catalogue(
        &self,
        ctx: &Context<'_>,
        file: Upload,
        dry_run: Option<bool>,
    ) -> Result<ImportReport> {
        let caller = ctx.caller()?;
        let upload = file.value(ctx).map_err(|e| {
            crate::error::to_gql(yaolian_backend::Error::validation(
                "file",
                e.to_string(),
                "上传的文件无法读取",
            ))
        })?;
        let mut bytes = Vec::new();
        upload
            .into_read()
            .take(MAX_IMPORT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                crate::error::to_gql(yaolian_backend::Error::validation(
                    "file",
                    e.to_string(),
                    "上传的文件无法读取",
                ))
            })?;
        let report = ctx
            .backend()
            .import_catalogue(caller, &bytes, dry_run.unwrap_or(false))
            .await
            .gql()?;
        let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Ok(ImportReport {
            dry_run: report.dry_run,
            applied: report.applied,
            rows: n(report.rows),
            created: n(report.created),
            updated: n(report.updated),
            unchanged: n(report.unchanged),
            errors: report
                .errors
                .into_iter()
                .map(|e| ImportRowError {
                    row: e.row,
                    column: e.column,
                    message: e.message,
                })
                .collect(),
        })
    }

    async fn suspend_item(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
        effective_date: Option<NaiveDate>,
    ) -> Result<Item> {
        change(ctx, id, StatusChange::Suspend, reason, effective_date).await
    }

    /// A delisted item cannot be requisitioned, ordered or prescribed; stock
    /// already held stays visible and can still be dispensed.
    async fn delist_item(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
        effective_date: Option<NaiveDate>,
    ) -> Result<Item> {
        change(ctx, id, StatusChange::Delist, reason, effective_date).await
    }

    async fn reactivate_item(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
        effective_date: Option<NaiveDate>,
    ) -> Result<Item> {
        change(ctx, id, StatusChange::Reactivate, reason, effective_date).await
    }
}

async fn change(
    ctx: &Context<'_>,
    id: ID,
    change: StatusChange,
    reason: String,
    effective_date: Option<NaiveDate>,
) -> Result<Item> {
    let caller = ctx.caller()?;
    let id = parse_id(&id, "id")?;
    ctx.backend()
        .change_item_status(caller, id, change, &reason, effective_date)
        .await
        .gql()
        .map(Item::from_view)
}
