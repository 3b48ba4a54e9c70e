//! Reading an upload and applying its plan, all or nothing.

use super::*;

pub(super) fn file_error(message: impl Into<String>) -> Error {
    Error::validation("file", message, "文件超出导入限制，请拆分后分批导入")
}

/// How much of an upload the import reads. Measured on an export of 20,000
/// items (bench/RESULTS.md): the sheet part is 1.2 KiB a row and compresses
/// 9:1, the shared strings 0.2 KiB a row at 9.5:1, every other part is a few
/// KiB. So a 10 MiB upload of genuine rows inflates to about 100 MiB, and the
/// caps below leave room for that and for files other programs write, while
/// keeping what one import holds in memory to a known figure: at most 4
/// million cells of 32 bytes and 64 MiB of their text, plus the shared
/// strings (about three times their part's size as `String`s).
pub(super) const IMPORT_LIMITS: Limits = Limits {
    // The header and MAX_IMPORT_ROWS item rows.
    max_rows: MAX_IMPORT_ROWS as u32 + 1,
    // The layout's 39 columns and 25 of the buyer's own (notes), which the
    // import ignores.
    max_columns: 64,
    // Every column of the layout filled on every row of the limit.
    max_cells: 4_000_000,
    // 670 bytes a row at the row limit; an export averages under 200.
    max_text_bytes: 64 << 20,
    // An .xlsx has a dozen parts; a thousand is no spreadsheet.
    max_entries: 1000,
    // The sheet of MAX_IMPORT_ROWS exported rows is about 120 MiB.
    max_entry_bytes: 160 * spreadsheet::MIB,
    // About 20 MiB at the row limit; held whole in memory.
    max_shared_strings_bytes: 32 * spreadsheet::MIB,
    max_total_uncompressed: 256 * spreadsheet::MIB,
    // Genuine parts compress 2:1 to 14:1; a thousandfold is a bomb.
    max_ratio: 100,
    ratio_exempt_bytes: 256 * 1024,
};

/// Opens the upload and returns the catalogue sheet's cells.
pub(super) async fn read_sheet(bytes: Vec<u8>) -> Result<Sheet> {
    spreadsheet::read_xlsx(bytes, SHEET_NAME, IMPORT_LIMITS).await
}

/// Where each column is in the file, and what its header says.
/// Takes the GTINs and trace-code prefixes off items about to change, so
/// rows that swap them between items do not trip over the order in which
/// they are written; every changed item writes its own back.
pub(super) async fn release_codes(txn: &crate::db::WriteTxn, ids: &[Uuid]) -> Result<()> {
    for chunk in ids.chunks(500) {
        item_gtin::Entity::delete_many()
            .filter(item_gtin::Column::ItemId.is_in(chunk.to_vec()))
            .exec(&**txn)
            .await?;
        item_package_level::Entity::update_many()
            .col_expr(
                item_package_level::Column::TraceCodePrefix,
                Expr::value(Option::<String>::None),
            )
            .filter(item_package_level::Column::ItemId.is_in(chunk.to_vec()))
            .exec(&**txn)
            .await?;
    }
    Ok(())
}

impl Backend {
    /// The whole catalogue of the caller's community as an .xlsx workbook.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn export_catalogue(&self, caller: &Caller) -> Result<Vec<u8>> {
        crate::authz::authorize(
            caller,
            crate::authz::Action::ExportCatalogue,
            crate::authz::Scope::Community(caller.community_id),
        )?;
        let views = all_item_views(self.db.conn(), caller.community_id).await?;
        let items = views.len();
        let bytes = tokio::task::spawn_blocking(move || write_workbook(&views))
            .await
            .map_err(|e| internal("catalogue export task failed", e))?
            .map_err(|e| internal("cannot write the catalogue workbook", e))?;
        // Who took a copy of the catalogue (its prices) out, and when.
        self.run(
            Command {
                operation: "exportCatalogue",
                user_id: caller.user_id,
                idempotency: None,
            },
            async |_txn, _now| {
                Ok(Effect::Changed {
                    value: (),
                    result_id: caller.community_id,
                    audit: Audit {
                        institution_id: Some(caller.institution_id),
                        entity_type: "export",
                        entity_ids: Vec::new(),
                        detail: Some(serde_json::json!({ "items": items, "bytes": bytes.len() })),
                    },
                })
            },
        )
        .await?;
        Ok(bytes)
    }

    /// Reads an .xlsx in the export's layout; validates every row; imports
    /// all or nothing; `dry_run` validates only.
    ///
    /// New codes are created, existing codes replaced (unchanged rows write
    /// nothing), all in one transaction with change `IMPORT` effective today.
    /// Items the file does not mention are left alone, and so are the columns
    /// the file lacks (a new item gets the defaults). Status and the time of
    /// the last change are read-only.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn import_catalogue(
        &self,
        caller: &Caller,
        bytes: &[u8],
        dry_run: bool,
    ) -> Result<ImportReport> {
        require_maintainer(caller)?;
        // Held to the end, through the write: a second import would hold a
        // second workbook in memory and then race this one for the rows.
        let _running = self
            .imports
            .begin("catalogue", caller.community_id)
            .ok_or_else(|| {
                Error::Conflict(
                    "another catalogue import is running for this community; try again when it finishes"
                        .into(),
                )
            })?;
        if bytes.len() > MAX_IMPORT_BYTES {
            return Err(file_error(format!(
                "the file is {:.1} MiB; upload at most 10 MiB",
                bytes.len() as f64 / (1024.0 * 1024.0)
            )));
        }
        let sheet = read_sheet(bytes.to_vec()).await?;

        if dry_run {
            let existing = all_item_views(self.db.conn(), caller.community_id).await?;
            return Ok(plan(&sheet, &existing)?.report(true, false));
        }

        // Plan on a snapshot, outside the writer: checking 20,000 rows takes
        // seconds, and on SQLite every scanner would wait behind it. Under
        // the lock, the catalogue version says whether anything changed
        // meanwhile; only then is the plan made again, against what is
        // about to be changed.
        let community_id = caller.community_id;
        let seen = catalogue_version(self.db.conn(), community_id, false).await?;
        let existing = all_item_views(self.db.conn(), community_id).await?;
        let outside = plan(&sheet, &existing)?;
        if !outside.errors.is_empty() {
            return Ok(outside.report(false, false));
        }
        let ran = self
            .run(
                Command {
                    operation: "importCatalogue",
                    user_id: caller.user_id,
                    idempotency: None,
                },
                async |txn, now| {
                    let today = business_date(now);
                    let actor = Actor {
                        user_id: caller.user_id,
                        now,
                    };
                    let relocked;
                    let replanned;
                    let plan = if catalogue_version(&**txn, community_id, true).await? == seen {
                        &outside
                    } else {
                        relocked = all_item_views(&**txn, community_id).await?;
                        replanned = plan(&sheet, &relocked)?;
                        &replanned
                    };
                    if !plan.errors.is_empty() {
                        return Ok(Effect::Unchanged(plan.report(false, false)));
                    }
                    let changing: Vec<Uuid> = plan
                        .actions
                        .iter()
                        .filter_map(|a| match a {
                            Step::Update(view, _) => Some(view.item.id),
                            _ => None,
                        })
                        .collect();
                    release_codes(txn, &changing).await?;
                    let mut touched = Vec::new();
                    for action in &plan.actions {
                        if let Step::Update(view, draft) = action
                            && let Some(item) =
                                replace_item(txn, view, draft, actor, today, ItemChange::Import)
                                    .await?
                        {
                            touched.push(item.id);
                        }
                    }
                    // The plan has checked codes, GTINs and prefixes against
                    // the file and the catalogue, so new items go in with a
                    // few bulk statements.
                    let creates: Vec<&ItemDraft> = plan
                        .actions
                        .iter()
                        .filter_map(|a| match a {
                            Step::Create(draft) => Some(draft),
                            _ => None,
                        })
                        .collect();
                    touched.extend(
                        insert_items(
                            txn,
                            community_id,
                            &creates,
                            actor,
                            today,
                            ItemChange::Import,
                        )
                        .await?,
                    );
                    let report = plan.report(false, true);
                    Ok(Effect::Changed {
                        result_id: community_id,
                        audit: Audit {
                            institution_id: Some(caller.institution_id),
                            entity_type: "item",
                            entity_ids: touched,
                            detail: Some(serde_json::json!({
                                "rows": report.rows,
                                "created": report.created,
                                "updated": report.updated,
                                "unchanged": report.unchanged,
                            })),
                        },
                        value: report,
                    })
                },
            )
            .await?;
        Ok(match ran {
            Ran::Done(report) => report,
            // No clientRequestId, so never a replay.
            Ran::Replay(_) => outside.report(false, false),
        })
    }
}

/// The community's catalogue version; `lock` takes the row for the rest of
/// the transaction (PostgreSQL), which every catalogue change updates, so
/// nothing changes the catalogue between this read and the import's writes.
pub(super) async fn catalogue_version(
    conn: &impl sea_orm::ConnectionTrait,
    community_id: Uuid,
    lock: bool,
) -> Result<i64> {
    let mut query = community::Entity::find_by_id(community_id);
    if lock {
        query = query.lock_exclusive();
    }
    query
        .one(conn)
        .await?
        .map(|c| c.catalogue_version)
        .ok_or_else(|| Error::not_found("community", community_id))
}
