//! The stored form of an item's history: what `item_version.old_values` and
//! `new_values` hold. It is its own type, not `ItemDraft`, because history is
//! kept for years and read by auditors and by the NHSA reconciliation: a
//! field renamed in the draft must not silently change what old rows mean.
//! A change to this type is a new `format`, and every format ever written
//! stays readable (the test below reads a row as the first release wrote it).

use super::draft::{ItemDraft, PackageLevelDraft};
use crate::entity::enums::{
    ControlledClass, InstitutionKind, InsuranceClass, ItemKind, ItemStatus,
};
use serde::{Deserialize, Serialize};

/// The format this build writes. Rows of the first release carry none.
///
/// - 1: the first release.
/// - 2: adds the item's own minimum shelf lives (receipt, dispatch) and
///   storage range. A format-1 row has none of them, which reads as `None`:
///   the community's defaults, which is what applied to the item then.
pub const FORMAT: u32 = 2;

fn first_format() -> u32 {
    1
}

/// One side of a change: the item as it was (or became), its status, and
/// for a status change the reason given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredVersion {
    #[serde(default = "first_format")]
    pub format: u32,
    pub item: StoredItem,
    pub status: ItemStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredLevel {
    pub level: i32,
    pub name: String,
    pub units_per_pack: i64,
    pub gtins: Vec<String>,
    pub trace_code_prefix: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredItem {
    pub code: String,
    pub kind: ItemKind,
    pub generic_name: String,
    pub trade_name: Option<String>,
    pub english_name: Option<String>,
    pub dosage_form: String,
    pub strength: String,
    pub packaging: Option<String>,
    pub base_unit: String,
    pub package_levels: Vec<StoredLevel>,
    pub manufacturer: Option<String>,
    pub approval_number: Option<String>,
    pub nhsa_code: Option<String>,
    pub insurance_class: Option<InsuranceClass>,
    pub essential: bool,
    pub vbp: bool,
    pub vbp_price_fen: Option<i64>,
    pub prescription_only: bool,
    pub controlled_class: Option<ControlledClass>,
    pub antibiotic_level: i32,
    pub high_alert: bool,
    pub look_alike: bool,
    pub cold_chain: bool,
    pub skin_test: bool,
    pub min_institution_level: InstitutionKind,
    pub near_expiry_days: i32,
    // Format 2. Written always (null is "the community's default"), read
    // as `None` from format-1 rows.
    #[serde(default)]
    pub min_receipt_shelf_life_days: Option<i32>,
    #[serde(default)]
    pub min_dispatch_shelf_life_days: Option<i32>,
    #[serde(default)]
    pub storage_min_decicelsius: Option<i32>,
    #[serde(default)]
    pub storage_max_decicelsius: Option<i32>,
}

impl StoredVersion {
    pub fn of(draft: &ItemDraft, status: ItemStatus, reason: Option<&str>) -> Self {
        StoredVersion {
            format: FORMAT,
            item: StoredItem::from(draft),
            status,
            reason: reason.map(str::to_string),
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        // A struct of strings, numbers and enums always serialises.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

impl From<&ItemDraft> for StoredItem {
    fn from(draft: &ItemDraft) -> Self {
        // Destructured, not accessed field by field: a new draft attribute
        // does not compile until it is decided whether history keeps it.
        let ItemDraft {
            code,
            kind,
            generic_name,
            trade_name,
            english_name,
            dosage_form,
            strength,
            packaging,
            base_unit,
            package_levels,
            manufacturer,
            approval_number,
            nhsa_code,
            insurance_class,
            essential,
            vbp,
            vbp_price_fen,
            prescription_only,
            controlled_class,
            antibiotic_level,
            high_alert,
            look_alike,
            cold_chain,
            skin_test,
            min_institution_level,
            near_expiry_days,
            min_receipt_shelf_life_days,
            min_dispatch_shelf_life_days,
            storage_min_decicelsius,
            storage_max_decicelsius,
        } = draft.clone();
        StoredItem {
            code,
            kind,
            generic_name,
            trade_name,
            english_name,
            dosage_form,
            strength,
            packaging,
            base_unit,
            package_levels: package_levels.into_iter().map(StoredLevel::from).collect(),
            manufacturer,
            approval_number,
            nhsa_code,
            insurance_class,
            essential,
            vbp,
            vbp_price_fen,
            prescription_only,
            controlled_class,
            antibiotic_level,
            high_alert,
            look_alike,
            cold_chain,
            skin_test,
            min_institution_level,
            near_expiry_days,
            min_receipt_shelf_life_days,
            min_dispatch_shelf_life_days,
            storage_min_decicelsius,
            storage_max_decicelsius,
        }
    }
}

impl From<PackageLevelDraft> for StoredLevel {
    fn from(level: PackageLevelDraft) -> Self {
        let PackageLevelDraft {
            level,
            name,
            units_per_pack,
            gtins,
            trace_code_prefix,
        } = level;
        StoredLevel {
            level,
            name,
            units_per_pack,
            gtins,
            trace_code_prefix,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `new_values` of a status change as the first release wrote it (no
    /// `format`), copied from a demo database.
    const FIRST_RELEASE: &str = r#"{
        "item": {
            "code": "XJ01CAA040A001010100001",
            "kind": "Drug",
            "generic_name": "阿莫西林胶囊",
            "trade_name": "阿莫仙",
            "english_name": "Amoxicillin Capsules",
            "dosage_form": "胶囊剂",
            "strength": "0.25g",
            "packaging": "24粒/盒",
            "base_unit": "粒",
            "package_levels": [
                {"level": 1, "name": "盒", "units_per_pack": 24,
                 "gtins": ["06901234567892"], "trace_code_prefix": "8123456"},
                {"level": 2, "name": "箱", "units_per_pack": 4800,
                 "gtins": [], "trace_code_prefix": null}
            ],
            "manufacturer": "联邦制药",
            "approval_number": "国药准字H44021351",
            "nhsa_code": "XJ01CAA040A001010100001",
            "insurance_class": "A",
            "essential": true,
            "vbp": true,
            "vbp_price_fen": 1280,
            "prescription_only": true,
            "controlled_class": null,
            "antibiotic_level": 1,
            "high_alert": false,
            "look_alike": false,
            "cold_chain": false,
            "skin_test": true,
            "min_institution_level": "VillageClinic",
            "near_expiry_days": 90
        },
        "status": "Suspended",
        "reason": "供货中断"
    }"#;

    #[test]
    fn a_row_of_the_first_release_still_reads() {
        let stored: StoredVersion = serde_json::from_str(FIRST_RELEASE).expect("reads");
        assert_eq!(stored.format, 1);
        assert_eq!(stored.status, ItemStatus::Suspended);
        assert_eq!(stored.reason.as_deref(), Some("供货中断"));
        let item = &stored.item;
        assert_eq!(item.kind, ItemKind::Drug);
        assert_eq!(item.insurance_class, Some(InsuranceClass::A));
        assert_eq!(item.min_institution_level, InstitutionKind::VillageClinic);
        assert_eq!(item.vbp_price_fen, Some(1280));
        assert_eq!(item.package_levels[1].units_per_pack, 4800);
        assert_eq!(
            item.package_levels[0].trace_code_prefix.as_deref(),
            Some("8123456")
        );
    }

    #[test]
    fn a_first_release_row_is_written_back_with_only_the_later_formats_additions() {
        let stored: StoredVersion = serde_json::from_str(FIRST_RELEASE).expect("reads");
        let item = &stored.item;
        assert_eq!(item.min_receipt_shelf_life_days, None);
        assert_eq!(item.min_dispatch_shelf_life_days, None);
        assert_eq!(
            (item.storage_min_decicelsius, item.storage_max_decicelsius),
            (None, None)
        );
        // It keeps the format it was written in (the default, 1).
        assert_eq!(stored.format, 1);
        let mut expected: serde_json::Value = serde_json::from_str(FIRST_RELEASE).expect("json");
        expected["format"] = serde_json::Value::from(1);
        for added in [
            "min_receipt_shelf_life_days",
            "min_dispatch_shelf_life_days",
            "storage_min_decicelsius",
            "storage_max_decicelsius",
        ] {
            expected["item"][added] = serde_json::Value::Null;
        }
        // A renamed field or enum value would show here as a difference.
        assert_eq!(stored.to_json(), expected);
    }

    #[test]
    fn a_draft_is_stored_field_for_field() {
        let mut draft = crate::catalogue::draft::tests::amoxicillin();
        draft.cold_chain = true;
        draft.min_receipt_shelf_life_days = Some(400);
        draft.storage_min_decicelsius = Some(150);
        draft.storage_max_decicelsius = Some(250);
        let stored = StoredVersion::of(&draft, ItemStatus::Active, None).to_json();
        assert_eq!(stored["format"], 2);
        assert_eq!(stored["item"]["code"], draft.code.as_str());
        assert_eq!(stored["item"]["near_expiry_days"], draft.near_expiry_days);
        assert_eq!(stored["item"]["min_receipt_shelf_life_days"], 400);
        assert!(stored["item"]["min_dispatch_shelf_life_days"].is_null());
        assert_eq!(stored["item"]["storage_min_decicelsius"], 150);
        assert_eq!(stored["item"]["storage_max_decicelsius"], 250);
        assert_eq!(stored["status"], "Active");
        assert!(stored.get("reason").is_none());
        let back: StoredVersion = serde_json::from_value(stored).expect("reads back");
        assert_eq!(back.item, StoredItem::from(&draft));
    }
}
