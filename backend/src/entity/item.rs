use super::enums::{ControlledClass, InstitutionKind, InsuranceClass, ItemKind, ItemStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "item")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    pub code: String,
    pub kind: ItemKind,
    pub generic_name: String,
    pub trade_name: Option<String>,
    pub english_name: String,
    pub dosage_form: String,
    /// Strength or specification (规格), e.g. `0.25g`, `5ml`.
    pub strength: String,
    /// Packaging as printed, e.g. `24粒/盒`.
    pub packaging: Option<String>,
    pub base_unit: String,
    pub manufacturer: Option<String>,
    /// 批准文号 / 注册证号.
    pub approval_number: Option<String>,
    pub nhsa_code: Option<String>,
    pub insurance_class: Option<InsuranceClass>,
    /// 基药.
    pub essential: bool,
    /// Volume-based procurement (集采).
    pub vbp: bool,
    pub vbp_price_fen: Option<i64>,
    pub prescription_only: bool,
    pub controlled_class: Option<ControlledClass>,
    /// 0 none, 1 non-restricted, 2 restricted, 3 special-use.
    pub antibiotic_level: i32,
    pub high_alert: bool,
    pub look_alike: bool,
    pub cold_chain: bool,
    pub skin_test: bool,
    /// The lowest institution level that may stock and prescribe it.
    pub min_institution_level: InstitutionKind,
    pub near_expiry_days: i32,
    /// Remaining shelf life below which a receipt from a supplier needs a
    /// buyer's override; `None` is the community's (`ReceivingPolicy`).
    pub min_receipt_shelf_life_days: Option<i32>,
    /// Remaining shelf life below which it is not shipped to a member;
    /// `None` is the community's. Read by distribution.
    pub min_dispatch_shelf_life_days: Option<i32>,
    /// A cold-chain item's own storage range, in tenths of a degree
    /// Celsius, inclusive; both or neither, `None` being the community's
    /// cold chain (2–8 °C by default).
    pub storage_min_decicelsius: Option<i32>,
    pub storage_max_decicelsius: Option<i32>,
    pub status: ItemStatus,
    /// Lower-case codes, names and pinyin, for search.
    pub search_text: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
