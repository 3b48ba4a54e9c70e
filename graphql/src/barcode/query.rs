//! `resolveBarcode`: the one call every scanning screen uses.

use super::types::BarcodeResolution;
use crate::context::{ContextExt, parse_id};
use crate::error::GqlResult;
use async_graphql::{Context, ID, Object, Result};

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
        let caller = ctx.caller()?;
        let institution_id = institution_id
            .as_ref()
            .map(|id| parse_id(id, "institutionId"))
            .transpose()?;
        ctx.backend()
            .resolve_barcode(caller, &raw, institution_id)
            .await
            .gql()
            .map(BarcodeResolution)
    }
}
