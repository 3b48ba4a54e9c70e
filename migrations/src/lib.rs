//! One migration set for SQLite and PostgreSQL.
//!
//! Foreign keys are declared inside `create_table` because SQLite cannot add
//! them afterwards with `ALTER TABLE`. Money is integer fen and quantities are
//! integer base units everywhere; there is no decimal column in the schema.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_foundation;
mod m20261123_000002_catalogue;
mod m20261201_000003_sign_in_throttle;
mod m20261201_000004_document_lines;
mod m20261202_000005_generic_name;
mod m20261202_000006_procurement;
mod m20261202_000007_payment;
mod m20261202_000008_item_storage;
mod m20261203_000009_distribution;
mod m20261203_000010_pack_serial;
mod m20261204_000011_ledger_keys;
mod m20261204_000012_storage_location;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_foundation::Migration),
            Box::new(m20261123_000002_catalogue::Migration),
            Box::new(m20261201_000003_sign_in_throttle::Migration),
            Box::new(m20261201_000004_document_lines::Migration),
            Box::new(m20261202_000005_generic_name::Migration),
            Box::new(m20261202_000006_procurement::Migration),
            Box::new(m20261202_000007_payment::Migration),
            Box::new(m20261202_000008_item_storage::Migration),
            Box::new(m20261203_000009_distribution::Migration),
            Box::new(m20261203_000010_pack_serial::Migration),
            Box::new(m20261204_000011_ledger_keys::Migration),
            Box::new(m20261204_000012_storage_location::Migration),
        ]
    }
}
