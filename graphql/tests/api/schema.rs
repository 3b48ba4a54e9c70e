//! The checked-in SDL is what clients are written against: it must not drift
//! from the code.

#[test]
fn checked_in_schema_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    let current = yaolian_graphql::schema::sdl();
    if checked_in != current {
        #[allow(clippy::disallowed_methods)] // the test's own switch
        let update = std::env::var("UPDATE_SCHEMA").is_ok();
        if update {
            std::fs::write(path, &current).unwrap();
        } else {
            panic!(
                "graphql/schema.graphql is out of date: run `cargo run -p yaolian-graphql -- schema > graphql/schema.graphql` (or UPDATE_SCHEMA=1 cargo test)"
            );
        }
    }
}

#[test]
fn schema_names_the_agreed_operations() {
    let sdl = yaolian_graphql::schema::sdl();
    for needle in [
        "login(username: String!, password: String!): LoginPayload!",
        "logout: Boolean!",
        "me: User!",
        "institutions: [Institution!]!",
        "users(institutionId: ID): [User!]!",
        "stock(institutionId: ID!, itemId: ID, search: String, inStockOnly: Boolean! = false, first: Int, after: String): StockBalanceConnection!",
        "stockAvailability(itemId: ID!, pickupInstitutionId: ID): StockAvailability!",
        "stockSearch(search: String!, pickupInstitutionId: ID, first: Int): [StockAvailability!]!",
        "stockCard(institutionId: ID!, batchId: ID!, first: Int, after: String): StockMovementConnection!",
        "adjustStock(input: AdjustStockInput!): StockMovement!",
        // Procurement, as issue 14 names them.
        "submitPurchaseOrder(id: ID!): PurchaseOrder!",
        "purchaseOrder(id: ID!): PurchaseOrder!",
        "purchaseOrders(status: PurchaseOrderStatus, supplierId: ID, first: Int, after: String): PurchaseOrderConnection!",
        "receivePurchaseOrderScan(input: ReceivePurchaseOrderScanInput!): ReceiptLine!",
        "receivePurchaseOrderLine(input: ReceivePurchaseOrderLineInput!): ReceiptLine!",
        "replenishmentSuggestion(institutionId: ID!): [SuggestionLine!]!",
        "procurementPlan: ProcurementPlan!",
        "createPurchaseOrdersFromPlan(itemIds: [ID!]): [PurchaseOrder!]!",
        "memberStatement(institutionId: ID!, from: Date!, to: Date!): MemberStatement!",
        "matchInvoice(id: ID!): SupplierInvoice!",
    ] {
        assert!(sdl.contains(needle), "schema lacks `{needle}`");
    }
}
