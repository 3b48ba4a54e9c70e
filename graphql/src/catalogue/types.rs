//! The catalogue's GraphQL types: items, package levels, versions.

use crate::context::{loaders, not_found};
use crate::directory::types::InstitutionKind;
use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;
use yaolian_backend::catalogue::{ItemView, PackageLevelView};
use yaolian_backend::enums as be;
use yaolian_backend::model;

/// What one version of an item records.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::ItemChange")]
pub enum ItemChange {
    Create,
    Update,
    Suspend,
    Delist,
    Reactivate,
    /// Created or changed by a spreadsheet import.
    Import,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::ItemStatus")]
pub enum ItemStatus {
    Active,
    Suspended,
    Delisted,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::ItemKind")]
pub enum ItemKind {
    Drug,
    Consumable,
}

/// Medical-insurance class: 甲 (A), 乙 (B), or self-pay.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::InsuranceClass")]
pub enum InsuranceClass {
    A,
    B,
    SelfPay,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "be::ControlledClass")]
pub enum ControlledClass {
    Narcotic,
    #[graphql(name = "PSYCHOTROPIC_I")]
    PsychotropicI,
    #[graphql(name = "PSYCHOTROPIC_II")]
    PsychotropicIi,
    Toxic,
    Radioactive,
    Precursor,
}

pub(crate) async fn load_item(ctx: &Context<'_>, id: Uuid) -> Result<Item> {
    loaders(ctx)?
        .items
        .load_one(id)
        .await
        .map_err(|e| (*e).clone())?
        .map(Item::new)
        .ok_or_else(|| not_found("item", id))
}

/// A catalogue item. Package levels come with it when it was found by a
/// catalogue query, and through a DataLoader otherwise.
pub struct Item {
    pub model: model::Item,
    pub levels: Option<Vec<PackageLevelView>>,
}

impl Item {
    pub fn new(model: model::Item) -> Self {
        Item {
            model,
            levels: None,
        }
    }

    pub fn from_view(view: ItemView) -> Self {
        Item {
            model: view.item,
            levels: Some(view.levels),
        }
    }

    async fn levels(&self, ctx: &Context<'_>) -> Result<Vec<PackageLevelView>> {
        match &self.levels {
            Some(levels) => Ok(levels.clone()),
            None => Ok(loaders(ctx)?
                .package_levels
                .load_one(self.model.id)
                .await
                .map_err(|e| (*e).clone())?
                .unwrap_or_default()),
        }
    }
}

#[Object]
impl Item {
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }
    async fn code(&self) -> &str {
        &self.model.code
    }
    async fn kind(&self) -> ItemKind {
        self.model.kind.into()
    }
    async fn generic_name(&self) -> &str {
        &self.model.generic_name
    }
    async fn trade_name(&self) -> Option<&str> {
        self.model.trade_name.as_deref()
    }
    async fn english_name(&self) -> &str {
        &self.model.english_name
    }
    async fn dosage_form(&self) -> &str {
        &self.model.dosage_form
    }
    /// Strength or specification (规格).
    async fn strength(&self) -> &str {
        &self.model.strength
    }
    async fn packaging(&self) -> Option<&str> {
        self.model.packaging.as_deref()
    }
    /// The smallest dispensable unit; every quantity is in these.
    async fn base_unit(&self) -> &str {
        &self.model.base_unit
    }
    async fn status(&self) -> ItemStatus {
        self.model.status.into()
    }
    async fn manufacturer(&self) -> Option<&str> {
        self.model.manufacturer.as_deref()
    }
    /// 批准文号 / 注册证号.
    async fn approval_number(&self) -> Option<&str> {
        self.model.approval_number.as_deref()
    }
    /// 医保编码.
    async fn nhsa_code(&self) -> Option<&str> {
        self.model.nhsa_code.as_deref()
    }
    /// The NHSA code split into its segments (western drugs only).
    async fn nhsa_segments(&self) -> Option<NhsaSegments> {
        let code = yaolian_backend::labels::nhsa::NhsaCode::parse(self.model.nhsa_code.as_deref()?)
            .ok()?;
        Some(NhsaSegments {
            kind: code
                .as_str()
                .chars()
                .next()
                .map(String::from)
                .unwrap_or_default(),
            class: code.class().map(str::to_string),
            name: code.name().map(str::to_string),
            dosage_form: code.dosage_form().map(str::to_string),
            spec_pack: code.spec_pack().map(str::to_string),
            enterprise: code.enterprise().map(str::to_string),
        })
    }
    async fn insurance_class(&self) -> Option<InsuranceClass> {
        self.model.insurance_class.map(Into::into)
    }
    /// 基本药物.
    async fn essential(&self) -> bool {
        self.model.essential
    }
    /// Volume-based procurement (集采).
    async fn vbp(&self) -> bool {
        self.model.vbp
    }
    /// The agreed VBP price of one base unit, in fen.
    async fn vbp_price_fen(&self) -> Option<i64> {
        self.model.vbp_price_fen
    }
    async fn prescription_only(&self) -> bool {
        self.model.prescription_only
    }
    async fn controlled_class(&self) -> Option<ControlledClass> {
        self.model.controlled_class.map(Into::into)
    }
    /// 0 none, 1 non-restricted, 2 restricted, 3 special use.
    async fn antibiotic_level(&self) -> i32 {
        self.model.antibiotic_level
    }
    async fn high_alert(&self) -> bool {
        self.model.high_alert
    }
    /// Look-alike / sound-alike.
    async fn look_alike(&self) -> bool {
        self.model.look_alike
    }
    /// Kept cold: received and stored within the community's cold chain
    /// (2-8 °C unless configured otherwise), or its own storage range.
    async fn cold_chain(&self) -> bool {
        self.model.cold_chain
    }
    async fn skin_test(&self) -> bool {
        self.model.skin_test
    }
    /// The lowest institution level that may stock and prescribe it.
    async fn min_institution_level(&self) -> InstitutionKind {
        self.model.min_institution_level.into()
    }
    async fn near_expiry_days(&self) -> i32 {
        self.model.near_expiry_days
    }
    /// Remaining shelf life below which a receipt from a supplier needs a
    /// buyer's reason, in days; null is the community's minimum (183 days
    /// unless configured otherwise).
    async fn min_receipt_shelf_life_days(&self) -> Option<i32> {
        self.model.min_receipt_shelf_life_days
    }
    /// Remaining shelf life below which it is not shipped to a member, in
    /// days; null is the community's minimum.
    async fn min_dispatch_shelf_life_days(&self) -> Option<i32> {
        self.model.min_dispatch_shelf_life_days
    }
    /// A cold-chain item's own storage range, in °C, inclusive, against
    /// which its arrival temperature is checked; null (both limits) is the
    /// community's cold chain.
    async fn storage_min_celsius(&self) -> Option<f64> {
        self.model.storage_min_decicelsius.map(celsius)
    }
    async fn storage_max_celsius(&self) -> Option<f64> {
        self.model.storage_max_decicelsius.map(celsius)
    }
    async fn version(&self) -> i32 {
        self.model.version
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }
    /// Every GTIN of every package level, smallest pack first.
    async fn gtins(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        Ok(self
            .levels(ctx)
            .await?
            .into_iter()
            .flat_map(|l| l.gtins)
            .collect())
    }
    async fn package_levels(&self, ctx: &Context<'_>) -> Result<Vec<PackageLevel>> {
        Ok(self
            .levels(ctx)
            .await?
            .into_iter()
            .map(PackageLevel)
            .collect())
    }
}

#[derive(async_graphql::SimpleObject)]
pub struct NhsaSegments {
    /// X western drug, Z Chinese patent medicine, C consumable.
    pub kind: String,
    pub class: Option<String>,
    pub name: Option<String>,
    pub dosage_form: Option<String>,
    pub spec_pack: Option<String>,
    pub enterprise: Option<String>,
}

pub struct PackageLevel(pub PackageLevelView);

#[Object]
impl PackageLevel {
    /// 1 is the smallest sale pack.
    async fn level(&self) -> i32 {
        self.0.level
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Base units in one pack of this level.
    async fn units_per_pack(&self) -> i64 {
        self.0.units_per_pack
    }
    async fn gtins(&self) -> &[String] {
        &self.0.gtins
    }
    /// First 7 digits of the traceability codes on packs of this level.
    async fn trace_code_prefix(&self) -> Option<&str> {
        self.0.trace_code_prefix.as_deref()
    }
}

pub struct ItemVersion(pub model::ItemVersion);

#[Object]
impl ItemVersion {
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn change(&self) -> ItemChange {
        self.0.change.into()
    }
    async fn changed_by(&self) -> ID {
        ID(self.0.changed_by.to_string())
    }
    async fn changed_at(&self) -> DateTime<Utc> {
        self.0.changed_at
    }
    async fn effective_date(&self) -> NaiveDate {
        self.0.effective_date
    }
    async fn old_values(&self) -> Option<async_graphql::Json<serde_json::Value>> {
        self.0.old_values.clone().map(async_graphql::Json)
    }
    async fn new_values(&self) -> async_graphql::Json<serde_json::Value> {
        async_graphql::Json(self.0.new_values.clone())
    }
}

/// Tenths of a degree as °C.
fn celsius(decicelsius: i32) -> f64 {
    f64::from(decicelsius) / 10.0
}
