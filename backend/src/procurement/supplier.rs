//! Suppliers: who the centre buys from, with the credentials an order
//! depends on (the credit code, the drug-distribution licence and its
//! expiry) and whether each is a first-level distributor under 两票制.

use super::{optional_text, required_text};
use crate::Backend;
use crate::authz::{self, Action, Caller, Scope};
use crate::clock::business_date;
use crate::command::{Audit, Command, Effect};
use crate::entity::enums::SupplierStatus;
use crate::entity::supplier;
use crate::error::{Error, FieldError, Result, StateReason};
use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;
use yaolian_labels::uscc::Uscc;

#[derive(Debug, Clone)]
pub struct SupplierInput {
    pub name: String,
    pub uscc: String,
    pub licence_number: String,
    pub licence_expiry: NaiveDate,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub first_level_distributor: bool,
}

/// The input, checked and normalised; every problem at once.
struct Checked {
    name: String,
    uscc: String,
    licence_number: String,
    licence_expiry: NaiveDate,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    first_level_distributor: bool,
}

fn check(input: &SupplierInput) -> Result<Checked> {
    let mut errors: Vec<FieldError> = Vec::new();
    let mut take = |r: Result<Option<String>>| match r {
        Ok(v) => v,
        Err(Error::Validation(mut e)) => {
            errors.append(&mut e);
            None
        }
        Err(_) => None,
    };
    let name = take(required_text("name", &input.name, 200).map(Some));
    let licence_number = take(required_text("licenceNumber", &input.licence_number, 64).map(Some));
    let contact_name = take(optional_text(
        "contactName",
        input.contact_name.as_deref(),
        100,
    ));
    let contact_phone = take(optional_text(
        "contactPhone",
        input.contact_phone.as_deref(),
        32,
    ));
    let uscc = match Uscc::parse(&input.uscc) {
        Ok(u) => Some(u.to_string()),
        Err(e) => {
            errors.push(FieldError::new(
                "uscc",
                e.to_string(),
                format!("统一社会信用代码有误：{}", uscc_zh(&e)),
            ));
            None
        }
    };
    match (name, licence_number, uscc) {
        (Some(name), Some(licence_number), Some(uscc)) if errors.is_empty() => Ok(Checked {
            name,
            uscc,
            licence_number,
            licence_expiry: input.licence_expiry,
            contact_name,
            contact_phone,
            first_level_distributor: input.first_level_distributor,
        }),
        _ => Err(Error::invalid(errors)),
    }
}

fn uscc_zh(e: &yaolian_labels::uscc::UsccError) -> String {
    use yaolian_labels::uscc::UsccError as E;
    match e {
        E::Length(n) => format!("应为 18 位，实际 {n} 位"),
        E::BadCharacter { position, found } => format!("第 {position} 位字符“{found}”不允许"),
        E::BadDivision(_) => "第 3–8 位（行政区划码）应为数字".into(),
        E::BadCheck { expected, found } => format!("校验位应为 {expected}，实际为 {found}"),
    }
}

/// Why an order to this supplier cannot be placed today, if it cannot.
pub(crate) fn ensure_may_order_from(s: &supplier::Model, today: NaiveDate) -> Result<()> {
    if s.status == SupplierStatus::Inactive {
        return Err(Error::illegal_state(
            StateReason::SupplierInactive,
            format!("{} is inactive: nothing is ordered from it", s.name),
        ));
    }
    if s.licence_expiry < today {
        return Err(Error::validation(
            "supplierId",
            format!(
                "{}'s drug-distribution licence {} expired on {}",
                s.name, s.licence_number, s.licence_expiry
            ),
            format!(
                "{} 的药品经营许可证 {} 已于 {} 过期",
                s.name, s.licence_number, s.licence_expiry
            ),
        ));
    }
    Ok(())
}

impl Backend {
    pub(crate) async fn supplier_in_community(
        &self,
        conn: &impl ConnectionTrait,
        caller: &Caller,
        id: Uuid,
    ) -> Result<supplier::Model> {
        supplier::Entity::find_by_id(id)
            .one(conn)
            .await?
            .filter(|s| s.community_id == caller.community_id)
            .ok_or_else(|| Error::not_found("supplier", id))
    }

    pub async fn suppliers(
        &self,
        caller: &Caller,
        status: Option<SupplierStatus>,
    ) -> Result<Vec<supplier::Model>> {
        authz::authorize(
            caller,
            Action::ReadProcurement,
            Scope::Community(caller.community_id),
        )?;
        let mut q =
            supplier::Entity::find().filter(supplier::Column::CommunityId.eq(caller.community_id));
        if let Some(s) = status {
            q = q.filter(supplier::Column::Status.eq(s));
        }
        Ok(q.order_by_asc(supplier::Column::Name)
            .order_by_asc(supplier::Column::Id)
            .all(self.db.conn())
            .await?)
    }

    pub async fn supplier(&self, caller: &Caller, id: Uuid) -> Result<supplier::Model> {
        authz::authorize(
            caller,
            Action::ReadProcurement,
            Scope::Community(caller.community_id),
        )?;
        self.supplier_in_community(self.db.conn(), caller, id).await
    }

    /// Suppliers by id, for the API's loaders; another community's are left
    /// out.
    pub async fn suppliers_by_id(
        &self,
        caller: &Caller,
        ids: Vec<Uuid>,
    ) -> Result<Vec<supplier::Model>> {
        authz::authorize(
            caller,
            Action::ReadProcurement,
            Scope::Community(caller.community_id),
        )?;
        Ok(supplier::Entity::find()
            .filter(supplier::Column::Id.is_in(ids))
            .filter(supplier::Column::CommunityId.eq(caller.community_id))
            .all(self.db.conn())
            .await?)
    }

    async fn refuse_taken_uscc(
        &self,
        caller: &Caller,
        uscc: &str,
        except: Option<Uuid>,
    ) -> Result<()> {
        let taken = supplier::Entity::find()
            .filter(supplier::Column::CommunityId.eq(caller.community_id))
            .filter(supplier::Column::Uscc.eq(uscc))
            .one(self.db.conn())
            .await?;
        match taken {
            Some(other) if Some(other.id) != except => Err(Error::validation(
                "uscc",
                format!("{} already has credit code {uscc}", other.name),
                format!("统一社会信用代码 {uscc} 已登记为 {}", other.name),
            )),
            _ => Ok(()),
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn create_supplier(
        &self,
        caller: &Caller,
        input: SupplierInput,
    ) -> Result<supplier::Model> {
        authz::authorize(
            caller,
            Action::ManageProcurement,
            Scope::Community(caller.community_id),
        )?;
        let c = check(&input)?;
        self.refuse_taken_uscc(caller, &c.uscc, None).await?;
        self.run(
            Command {
                operation: "createSupplier",
                user_id: caller.user_id,
                idempotency: None,
            },
            async |txn, now| {
                let row = supplier::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    community_id: Set(caller.community_id),
                    name: Set(c.name.clone()),
                    uscc: Set(c.uscc.clone()),
                    licence_number: Set(c.licence_number.clone()),
                    licence_expiry: Set(c.licence_expiry),
                    contact_name: Set(c.contact_name.clone()),
                    contact_phone: Set(c.contact_phone.clone()),
                    first_level_distributor: Set(c.first_level_distributor),
                    status: Set(SupplierStatus::Active),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(&**txn)
                .await?;
                Ok(Effect::Changed {
                    result_id: row.id,
                    audit: Audit {
                        institution_id: Some(caller.institution_id),
                        entity_type: "supplier",
                        entity_ids: vec![row.id],
                        detail: Some(serde_json::json!({
                            "name": row.name, "uscc": row.uscc,
                            "licenceNumber": row.licence_number,
                            "licenceExpiry": row.licence_expiry,
                        })),
                    },
                    value: row,
                })
            },
        )
        .await?
        .once()
    }

    /// Replaces a supplier's details; an edit that changes nothing writes
    /// nothing.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn update_supplier(
        &self,
        caller: &Caller,
        id: Uuid,
        input: SupplierInput,
    ) -> Result<supplier::Model> {
        authz::authorize(
            caller,
            Action::ManageProcurement,
            Scope::Community(caller.community_id),
        )?;
        let c = check(&input)?;
        let current = self
            .supplier_in_community(self.db.conn(), caller, id)
            .await?;
        self.refuse_taken_uscc(caller, &c.uscc, Some(id)).await?;
        let same = current.name == c.name
            && current.uscc == c.uscc
            && current.licence_number == c.licence_number
            && current.licence_expiry == c.licence_expiry
            && current.contact_name == c.contact_name
            && current.contact_phone == c.contact_phone
            && current.first_level_distributor == c.first_level_distributor;
        if same {
            return Ok(current);
        }
        self.run(
            Command {
                operation: "updateSupplier",
                user_id: caller.user_id,
                idempotency: None,
            },
            async |txn, now| {
                use supplier::Column as S;
                let updated = guarded_update(
                    txn,
                    &current,
                    now,
                    supplier::Entity::update_many()
                        .col_expr(S::Name, Expr::value(c.name.clone()))
                        .col_expr(S::Uscc, Expr::value(c.uscc.clone()))
                        .col_expr(S::LicenceNumber, Expr::value(c.licence_number.clone()))
                        .col_expr(S::LicenceExpiry, Expr::value(c.licence_expiry))
                        .col_expr(S::ContactName, Expr::value(c.contact_name.clone()))
                        .col_expr(S::ContactPhone, Expr::value(c.contact_phone.clone()))
                        .col_expr(
                            S::FirstLevelDistributor,
                            Expr::value(c.first_level_distributor),
                        ),
                )
                .await?;
                Ok(Effect::Changed {
                    result_id: updated.id,
                    audit: Audit {
                        institution_id: Some(caller.institution_id),
                        entity_type: "supplier",
                        entity_ids: vec![updated.id],
                        detail: Some(serde_json::json!({
                            "before": { "name": current.name, "uscc": current.uscc,
                                "licenceNumber": current.licence_number,
                                "licenceExpiry": current.licence_expiry },
                            "after": { "name": updated.name, "uscc": updated.uscc,
                                "licenceNumber": updated.licence_number,
                                "licenceExpiry": updated.licence_expiry },
                        })),
                    },
                    value: updated,
                })
            },
        )
        .await?
        .once()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn set_supplier_status(
        &self,
        caller: &Caller,
        id: Uuid,
        status: SupplierStatus,
    ) -> Result<supplier::Model> {
        authz::authorize(
            caller,
            Action::ManageProcurement,
            Scope::Community(caller.community_id),
        )?;
        let current = self
            .supplier_in_community(self.db.conn(), caller, id)
            .await?;
        if current.status == status {
            return Ok(current);
        }
        self.run(
            Command {
                operation: "setSupplierStatus",
                user_id: caller.user_id,
                idempotency: None,
            },
            async |txn, now| {
                use supplier::Column as S;
                let updated = guarded_update(
                    txn,
                    &current,
                    now,
                    supplier::Entity::update_many().col_expr(S::Status, Expr::value(status)),
                )
                .await?;
                Ok(Effect::Changed {
                    result_id: updated.id,
                    audit: Audit {
                        institution_id: Some(caller.institution_id),
                        entity_type: "supplier",
                        entity_ids: vec![updated.id],
                        detail: Some(serde_json::json!({ "status": status })),
                    },
                    value: updated,
                })
            },
        )
        .await?
        .once()
    }

    /// Whether an order could go to this supplier today (the screens show
    /// it next to each supplier).
    pub fn supplier_orderable_today(&self, s: &supplier::Model) -> Result<()> {
        ensure_may_order_from(s, business_date(self.clock.now()))
    }
}

/// Writes an edit of `current` guarded on the version it was read at: a
/// concurrent edit makes this one `CONFLICT` rather than overwrite it.
async fn guarded_update(
    txn: &crate::db::WriteTxn,
    current: &supplier::Model,
    now: chrono::DateTime<chrono::Utc>,
    update: sea_orm::UpdateMany<supplier::Entity>,
) -> Result<supplier::Model> {
    use supplier::Column as S;
    update
        .col_expr(S::Version, Expr::col(S::Version).add(1))
        .col_expr(S::UpdatedAt, Expr::value(now))
        .filter(S::Id.eq(current.id))
        .filter(S::Version.eq(current.version))
        .exec_with_returning(&**txn)
        .await?
        .pop()
        .ok_or_else(|| {
            Error::Conflict(
                "the supplier was changed at the same moment; reload and try again".into(),
            )
        })
}
