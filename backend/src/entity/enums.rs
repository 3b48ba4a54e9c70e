//! Enumerations stored as short upper-case strings, so a row reads the same
//! in psql, in the SQLite shell and in the API.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum InstitutionKind {
    #[sea_orm(string_value = "LOGISTICS_CENTRE")]
    LogisticsCentre,
    #[sea_orm(string_value = "COUNTY_HOSPITAL")]
    CountyHospital,
    #[sea_orm(string_value = "TOWNSHIP_HEALTH_CENTRE")]
    TownshipHealthCentre,
    #[sea_orm(string_value = "COMMUNITY_HEALTH_CENTRE")]
    CommunityHealthCentre,
    #[sea_orm(string_value = "VILLAGE_CLINIC")]
    VillageClinic,
}

impl InstitutionKind {
    /// Care level, highest first: what a level may stock or prescribe is
    /// compared against an item's lowest allowed level.
    pub fn level(self) -> u8 {
        match self {
            InstitutionKind::LogisticsCentre => 4,
            InstitutionKind::CountyHospital => 3,
            InstitutionKind::TownshipHealthCentre | InstitutionKind::CommunityHealthCentre => 2,
            InstitutionKind::VillageClinic => 1,
        }
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Role {
    #[sea_orm(string_value = "ADMIN")]
    Admin,
    #[sea_orm(string_value = "BUYER")]
    Buyer,
    #[sea_orm(string_value = "WAREHOUSE")]
    Warehouse,
    #[sea_orm(string_value = "PHARMACIST")]
    Pharmacist,
    #[sea_orm(string_value = "DOCTOR")]
    Doctor,
    #[sea_orm(string_value = "AUDITOR")]
    Auditor,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ItemStatus {
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    #[sea_orm(string_value = "SUSPENDED")]
    Suspended,
    #[sea_orm(string_value = "DELISTED")]
    Delisted,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum BatchStatus {
    #[sea_orm(string_value = "AVAILABLE")]
    Available,
    #[sea_orm(string_value = "QUARANTINED")]
    Quarantined,
    #[sea_orm(string_value = "RECALLED")]
    Recalled,
}

/// Why stock moved. Every change of stock is exactly one of these.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum MovementKind {
    /// Stock on hand when an institution starts using yaolian.
    #[sea_orm(string_value = "OPENING")]
    Opening,
    #[sea_orm(string_value = "SUPPLIER_RECEIPT")]
    SupplierReceipt,
    #[sea_orm(string_value = "SHIPMENT_OUT")]
    ShipmentOut,
    #[sea_orm(string_value = "SHIPMENT_IN")]
    ShipmentIn,
    #[sea_orm(string_value = "DISPENSE")]
    Dispense,
    #[sea_orm(string_value = "ADJUSTMENT")]
    Adjustment,
    #[sea_orm(string_value = "STOCKTAKE")]
    Stocktake,
    #[sea_orm(string_value = "RETURN")]
    Return,
    #[sea_orm(string_value = "RECALL")]
    Recall,
    #[sea_orm(string_value = "WRITE_OFF")]
    WriteOff,
}

/// The business documents stock moves for. Stored as text in
/// `stock_movement.document_type` and `stock_reservation.document_type`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum DocumentType {
    #[sea_orm(string_value = "GOODS_RECEIPT")]
    GoodsReceipt,
    #[sea_orm(string_value = "SHIPMENT")]
    Shipment,
    /// A shipment back to the centre (near expiry, damaged, recalled,
    /// surplus); the only document that may reserve recalled stock.
    #[sea_orm(string_value = "RETURN")]
    Return,
    #[sea_orm(string_value = "PRESCRIPTION")]
    Prescription,
    #[sea_orm(string_value = "STOCKTAKE")]
    Stocktake,
    #[sea_orm(string_value = "RECALL")]
    Recall,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ReservationStatus {
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    #[sea_orm(string_value = "RELEASED")]
    Released,
    #[sea_orm(string_value = "CONSUMED")]
    Consumed,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ItemKind {
    #[sea_orm(string_value = "DRUG")]
    Drug,
    #[sea_orm(string_value = "CONSUMABLE")]
    Consumable,
}

/// Medical-insurance class: 甲 (A), 乙 (B), or paid by the patient.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum InsuranceClass {
    #[sea_orm(string_value = "A")]
    A,
    #[sea_orm(string_value = "B")]
    B,
    #[sea_orm(string_value = "SELF_PAY")]
    SelfPay,
}

/// Special-control classes of drugs (特殊管理药品).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum ControlledClass {
    #[sea_orm(string_value = "NARCOTIC")]
    Narcotic,
    #[sea_orm(string_value = "PSYCHOTROPIC_I")]
    PsychotropicI,
    #[sea_orm(string_value = "PSYCHOTROPIC_II")]
    PsychotropicIi,
    #[sea_orm(string_value = "TOXIC")]
    Toxic,
    #[sea_orm(string_value = "RADIOACTIVE")]
    Radioactive,
    #[sea_orm(string_value = "PRECURSOR")]
    Precursor,
}

/// What one `item_version` row records.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ItemChange {
    #[sea_orm(string_value = "CREATE")]
    Create,
    #[sea_orm(string_value = "UPDATE")]
    Update,
    #[sea_orm(string_value = "SUSPEND")]
    Suspend,
    #[sea_orm(string_value = "DELIST")]
    Delist,
    #[sea_orm(string_value = "REACTIVATE")]
    Reactivate,
    /// Created or changed by a spreadsheet import.
    #[sea_orm(string_value = "IMPORT")]
    Import,
}

/// A value written in a spreadsheet cell or typed by a buyer is not one of
/// the enumeration's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownValue;

// What a buyer may write in a spreadsheet for each enumeration: the code
// (any case) as exported, or the Chinese name a county pharmacy uses.
impl std::str::FromStr for ItemKind {
    type Err = UnknownValue;
    fn from_str(t: &str) -> Result<Self, UnknownValue> {
        match t.to_uppercase().as_str() {
            "DRUG" | "药品" | "药" => Ok(ItemKind::Drug),
            "CONSUMABLE" | "耗材" => Ok(ItemKind::Consumable),
            _ => Err(UnknownValue),
        }
    }
}

impl std::str::FromStr for InsuranceClass {
    type Err = UnknownValue;
    fn from_str(t: &str) -> Result<Self, UnknownValue> {
        match t.to_uppercase().as_str() {
            "A" | "甲" | "甲类" => Ok(InsuranceClass::A),
            "B" | "乙" | "乙类" => Ok(InsuranceClass::B),
            "SELF_PAY" | "SELF-PAY" | "自费" | "丙" | "丙类" => Ok(InsuranceClass::SelfPay),
            _ => Err(UnknownValue),
        }
    }
}

impl std::str::FromStr for ControlledClass {
    type Err = UnknownValue;
    fn from_str(t: &str) -> Result<Self, UnknownValue> {
        match t.to_uppercase().as_str() {
            "NARCOTIC" | "麻醉药品" => Ok(ControlledClass::Narcotic),
            "PSYCHOTROPIC_I" | "第一类精神药品" | "一类精神药品" => {
                Ok(ControlledClass::PsychotropicI)
            }
            "PSYCHOTROPIC_II" | "第二类精神药品" | "二类精神药品" => {
                Ok(ControlledClass::PsychotropicIi)
            }
            "TOXIC" | "医疗用毒性药品" | "毒性药品" => Ok(ControlledClass::Toxic),
            "RADIOACTIVE" | "放射性药品" => Ok(ControlledClass::Radioactive),
            "PRECURSOR" | "药品类易制毒化学品" | "易制毒" => Ok(ControlledClass::Precursor),
            _ => Err(UnknownValue),
        }
    }
}

impl std::str::FromStr for InstitutionKind {
    type Err = UnknownValue;
    fn from_str(t: &str) -> Result<Self, UnknownValue> {
        match t.to_uppercase().as_str() {
            "VILLAGE_CLINIC" | "村卫生室" => Ok(InstitutionKind::VillageClinic),
            "TOWNSHIP_HEALTH_CENTRE" | "乡镇卫生院" => Ok(InstitutionKind::TownshipHealthCentre),
            "COMMUNITY_HEALTH_CENTRE" | "社区卫生服务中心" => {
                Ok(InstitutionKind::CommunityHealthCentre)
            }
            "COUNTY_HOSPITAL" | "县级医院" | "县医院" => Ok(InstitutionKind::CountyHospital),
            "LOGISTICS_CENTRE" | "物流中心" => Ok(InstitutionKind::LogisticsCentre),
            _ => Err(UnknownValue),
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum SupplierStatus {
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    #[sea_orm(string_value = "INACTIVE")]
    Inactive,
}

/// A purchase order's life; `procurement::order::transition` is the one
/// table of which moves are allowed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum PurchaseOrderStatus {
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    #[sea_orm(string_value = "SUBMITTED")]
    Submitted,
    #[sea_orm(string_value = "PARTIALLY_RECEIVED")]
    PartiallyReceived,
    #[sea_orm(string_value = "RECEIVED")]
    Received,
    #[sea_orm(string_value = "CLOSED")]
    Closed,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// A supplier invoice's life: entered, matched (or not) against the order
/// and the receipts, approved for payment (only when matched), paid.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum InvoiceStatus {
    #[sea_orm(string_value = "ENTERED")]
    Entered,
    #[sea_orm(string_value = "MATCHED")]
    Matched,
    #[sea_orm(string_value = "MISMATCHED")]
    Mismatched,
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    #[sea_orm(string_value = "PAID")]
    Paid,
}

/// What a member-account line records.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum AccountEntryKind {
    /// Goods shipped to the member: a debit.
    #[sea_orm(string_value = "SHIPMENT")]
    Shipment,
    /// Goods the member sent back: a credit.
    #[sea_orm(string_value = "RETURN")]
    Return,
}

/// A requisition's life; `distribution::requisition::transition_allowed`
/// is the one table of which moves are allowed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum RequisitionStatus {
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    #[sea_orm(string_value = "SUBMITTED")]
    Submitted,
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    #[sea_orm(string_value = "ALLOCATED")]
    Allocated,
    #[sea_orm(string_value = "DISPATCHED")]
    Dispatched,
    #[sea_orm(string_value = "RECEIVED")]
    Received,
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

/// Which way a shipment goes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ShipmentKind {
    /// From the centre to a member.
    #[sea_orm(string_value = "DELIVERY")]
    Delivery,
    /// From a member back to the centre.
    #[sea_orm(string_value = "RETURN")]
    Return,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ShipmentStatus {
    /// Stock reserved batch by batch, not yet left.
    #[sea_orm(string_value = "ALLOCATED")]
    Allocated,
    /// Left the sender: in transit.
    #[sea_orm(string_value = "DISPATCHED")]
    Dispatched,
    /// Receipt completed; discrepancies may still await the centre.
    #[sea_orm(string_value = "RECEIVED")]
    Received,
    /// Nothing left in transit and every discrepancy resolved.
    #[sea_orm(string_value = "CLOSED")]
    Closed,
    /// Given up before dispatch; its reservations released.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum DeliveryRunStatus {
    #[sea_orm(string_value = "PLANNED")]
    Planned,
    #[sea_orm(string_value = "DISPATCHED")]
    Dispatched,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// Why a member sends stock back.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ReturnReason {
    #[sea_orm(string_value = "NEAR_EXPIRY")]
    NearExpiry,
    #[sea_orm(string_value = "DAMAGED")]
    Damaged,
    #[sea_orm(string_value = "RECALLED")]
    Recalled,
    #[sea_orm(string_value = "SURPLUS")]
    Surplus,
    /// The first half of a transfer (调剂) to another member.
    #[sea_orm(string_value = "TRANSFER")]
    Transfer,
}

/// What a receiving pharmacist found different from the shipment.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum DiscrepancyKind {
    #[sea_orm(string_value = "SHORT")]
    Short,
    #[sea_orm(string_value = "OVER")]
    Over,
    #[sea_orm(string_value = "DAMAGED")]
    Damaged,
    #[sea_orm(string_value = "WRONG_BATCH")]
    WrongBatch,
}

/// How the centre settled a discrepancy.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum DiscrepancyResolution {
    /// Lost in transit, sent again on a new shipment; the member is
    /// credited for the lost units, and charged again when the new
    /// shipment leaves.
    #[sea_orm(string_value = "RESEND")]
    Resend,
    /// Lost in transit; the member is credited, the centre bears it.
    #[sea_orm(string_value = "CREDIT")]
    Credit,
    /// Lost in transit and written off with a reason; the member's account
    /// stands.
    #[sea_orm(string_value = "WRITE_OFF")]
    WriteOff,
    /// More arrived than was sent: the centre's count was wrong; the extra
    /// is posted out of the centre and into the member, and charged.
    #[sea_orm(string_value = "ACCEPT")]
    Accept,
}
