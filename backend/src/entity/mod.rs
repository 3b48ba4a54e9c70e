//! sea-orm entities, one per table. Only the backend sees these; the API
//! layer works with the service types built from them.

pub mod app_user;
pub mod audit_log;
pub mod batch;
pub mod community;
pub mod document_sequence;
pub mod enums;
pub mod goods_receipt;
pub mod idempotency_record;
pub mod institution;
pub mod invoiced_receipt;
pub mod item;
pub mod item_gtin;
pub mod item_package_level;
pub mod item_version;
pub mod member_account_entry;
pub mod price_agreement;
pub mod purchase_order;
pub mod purchase_order_line;
pub mod receipt_line;
pub mod session;
pub mod sign_in_throttle;
pub mod stock_balance;
pub mod stock_movement;
pub mod stock_reservation;
pub mod supplier;
pub mod supplier_invoice;
pub mod supplier_invoice_line;
pub mod supplier_payment;
pub mod trace_code;
pub mod user_role;
