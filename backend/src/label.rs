//! Printable labels: a GS1-128 (and GS1 DataMatrix) label for a batch whose
//! packs arrived without a usable code, and Code 128 labels for shelf
//! locations and for the packages of a shipment. Rendering is the `labels`
//! crate's; this module finds the data and checks the caller may see it.

use crate::Backend;
use crate::authz::{self, Action, Caller, Scope};
use crate::clock::business_date;
use crate::entity::item;
use crate::error::{Error, Result};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
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

pub(crate) fn render_error(e: render::RenderError) -> Error {
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

    /// The label stuck on package `package` (1 when not given) of a
    /// shipment: Code 128 of the shipment number, which the receiving
    /// pharmacist scans, its destination, "第 k / n 件", and a cold-chain
    /// warning when any line is a cold-chain item. Whoever may see the
    /// shipment may print it.
    ///
    /// The PNG's built-in font has no Chinese, and the `labels` crate leaves
    /// such lines out of a PNG; so the PNG carries the package and the
    /// cold-chain warning in ASCII instead ("PKG k/n", "COLD CHAIN") rather
    /// than lose them. The destination's name is on the SVG only.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn shipment_label(
        &self,
        caller: &Caller,
        shipment_id: Uuid,
        format: LabelFormat,
        package: Option<u32>,
    ) -> Result<Vec<u8>> {
        authz::authorize(
            caller,
            Action::PrintLabel,
            Scope::Community(caller.community_id),
        )?;
        let view = self.shipment(caller, shipment_id).await?;
        let s = &view.shipment;
        let of = i64::from(s.package_count);
        let k = i64::from(package.unwrap_or(1));
        if !(1..=of).contains(&k) {
            return Err(Error::validation(
                "package",
                format!(
                    "shipment {} travels in {of} package(s); ask for a package from 1 to {of}",
                    s.number
                ),
                format!("配送单 {} 共 {of} 件，件号须在 1 到 {of} 之间", s.number),
            ));
        }
        let to = self
            .institution_in_community(caller, s.to_institution_id)
            .await?;
        let mut item_ids: Vec<Uuid> = view.lines.iter().map(|l| l.item_id).collect();
        item_ids.sort();
        item_ids.dedup();
        let cold = !item_ids.is_empty()
            && item::Entity::find()
                .filter(item::Column::Id.is_in(item_ids))
                .filter(item::Column::ColdChain.eq(true))
                .count(self.db.conn())
                .await?
                > 0;
        let text = s.number.clone();
        match format {
            LabelFormat::Png => {
                let mut caption = vec![format!("PKG {k}/{of}")];
                if cold {
                    caption.push("COLD CHAIN".to_string());
                }
                render::code128_png(&text, &caption)
            }
            _ => {
                let mut caption = vec![to.name.clone(), format!("第 {k} / {of} 件")];
                if cold {
                    caption.push("冷链 COLD CHAIN".to_string());
                }
                render::code128_svg(&text, &caption).map(String::into_bytes)
            }
        }
        .map_err(render_error)
    }
}
