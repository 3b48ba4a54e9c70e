//! Printable labels: a GS1-128 (and GS1 DataMatrix) label for a batch whose
//! packs arrived without a usable code, and Code 128 labels for shelf
//! locations. Rendering is the `labels` crate's; this module finds the data
//! and checks the caller may see it.

use crate::Backend;
use crate::authz::{self, Action, Caller, Scope};
use crate::clock::business_date;
use crate::error::{Error, Result};
use uuid::Uuid;
use yaolian_labels::document_number::LocationCode;
use yaolian_labels::gs1::{ElementString, ElementStringBuilder};
use yaolian_labels::render;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelFormat {
    Svg,
    Png,
    /// GS1 DataMatrix, as SVG.
    DataMatrixSvg,
}

fn render_error(e: render::RenderError) -> Error {
    Error::validation("label", e.to_string(), "无法生成标签")
}

impl Backend {
    async fn batch_element_string(
        &self,
        caller: &Caller,
        batch_id: Uuid,
    ) -> Result<(ElementString, Vec<String>)> {
        let batch = self.batch_in_community(caller, batch_id).await?;
        let item = self.item(caller, batch.item_id).await?;
        let gtin = item
            .levels
            .first()
            .and_then(|l| l.gtins.first())
            .ok_or_else(|| {
                Error::validation(
                    "gtin",
                    format!(
                        "{} has no GTIN in the catalogue, so no GS1 label can be made; add the pack's GTIN first",
                        item.item.generic_name
                    ),
                    format!(
                        "{} 在目录中没有 GTIN，无法生成 GS1 标签；请先补充包装的 GTIN",
                        item.item.generic_name
                    ),
                )
            })?;
        let today = business_date(self.clock.now());
        let mut builder = ElementStringBuilder::new()
            .gtin(gtin)
            .expiry(batch.expiry_date)
            .lot(batch.lot_number.clone());
        if let Some(p) = batch.production_date {
            builder = builder.production_date(p);
        }
        let es = builder
            .element_string(today)
            .map_err(|e| Error::InvalidBarcode {
                reason: e.code(),
                message: e.to_string(),
            })?;
        let caption = vec![
            format!("{} {}", item.item.generic_name, item.item.strength),
            item.item.english_name.clone(),
            format!(
                "批号 LOT {}  有效期至 EXP {}",
                batch.lot_number, batch.expiry_date
            ),
        ];
        Ok((es, caption))
    }

    /// The label of a batch: GS1-128 carrying (01)(17)(10) (and (11) when the
    /// production date is known), the human-readable line, the generic name,
    /// strength and expiry.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn batch_label(
        &self,
        caller: &Caller,
        batch_id: Uuid,
        format: LabelFormat,
    ) -> Result<Vec<u8>> {
        authz::authorize(
            caller,
            Action::PrintLabel,
            Scope::Community(caller.community_id),
        )?;
        let (es, caption) = self.batch_element_string(caller, batch_id).await?;
        match format {
            LabelFormat::Svg => render::gs1_128_svg(&es, &caption).map(String::into_bytes),
            LabelFormat::Png => render::gs1_128_png(&es, &caption),
            LabelFormat::DataMatrixSvg => {
                render::datamatrix_svg(&es, &caption).map(String::into_bytes)
            }
        }
        .map_err(render_error)
    }

    /// A shelf or bin label: Code 128 of the location code.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn location_label(
        &self,
        caller: &Caller,
        code: &str,
        format: LabelFormat,
    ) -> Result<Vec<u8>> {
        // A location code names a shelf, not anything of one institution's,
        // so any member may print one; the check is still made, and made here.
        authz::authorize(
            caller,
            Action::PrintLabel,
            Scope::Community(caller.community_id),
        )?;
        let code = LocationCode::parse(code).map_err(|e| Error::InvalidBarcode {
            reason: e.code(),
            message: e.to_string(),
        })?;
        let text = code.to_string();
        let caption = vec!["货位 Location".to_string()];
        match format {
            LabelFormat::Png => render::code128_png(&text, &caption),
            _ => render::code128_svg(&text, &caption).map(String::into_bytes),
        }
        .map_err(render_error)
    }
}
