//! Who is calling, and what they may do. Every service takes a [`Caller`] and
//! asks one of these questions before it reads or writes anything; the API
//! layer only finds out who the caller is.

use crate::entity::enums::{InstitutionKind, Role};
use crate::error::{Error, Result};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: Uuid,
    pub username: String,
    pub roles: Vec<Role>,
    pub institution_id: Uuid,
    pub institution_kind: InstitutionKind,
    pub community_id: Uuid,
    /// The session the request came with, so `logout` revokes exactly it.
    pub session_id: Uuid,
}

impl Caller {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn has_any_role(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has_role(*r))
    }

    pub fn at_logistics_centre(&self) -> bool {
        self.institution_kind == InstitutionKind::LogisticsCentre
    }

    /// The logistics centre's staff act for every member; auditors oversee
    /// every member.
    pub fn sees_whole_community(&self) -> bool {
        self.has_role(Role::Auditor)
            || (self.at_logistics_centre()
                && self.has_any_role(&[Role::Admin, Role::Buyer, Role::Warehouse]))
    }

    pub fn require_role(&self, roles: &[Role], action: &str) -> Result<()> {
        if self.has_any_role(roles) {
            Ok(())
        } else {
            Err(Error::forbidden(format!(
                "{action} needs one of the roles {}",
                roles
                    .iter()
                    .map(|r| format!("{r:?}").to_uppercase())
                    .collect::<Vec<_>>()
                    .join(", ")
            )))
        }
    }
}

/// The institution a check is about, as the policy needs to see it.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub institution_id: Uuid,
    pub community_id: Uuid,
}

/// Reading stock: own institution always; the whole community for the
/// centre's staff, auditors, and doctors (who check availability before they
/// prescribe).
pub fn can_read_stock(caller: &Caller, target: Target) -> Result<()> {
    if target.community_id != caller.community_id {
        return Err(Error::forbidden("that institution is in another community"));
    }
    if target.institution_id == caller.institution_id
        || caller.sees_whole_community()
        || caller.has_role(Role::Doctor)
    {
        Ok(())
    } else {
        Err(Error::forbidden(
            "you can only see the stock of your own institution",
        ))
    }
}

/// Adjusting stock: a pharmacist of that institution, or the centre's
/// warehouse staff and administrators, who act for every member.
pub fn can_adjust_stock(caller: &Caller, target: Target) -> Result<()> {
    if target.community_id != caller.community_id {
        return Err(Error::forbidden("that institution is in another community"));
    }
    let own_pharmacist =
        caller.has_role(Role::Pharmacist) && target.institution_id == caller.institution_id;
    if own_pharmacist || acts_for_members(caller) {
        Ok(())
    } else {
        Err(Error::forbidden(
            "stock adjustments are made by the institution's pharmacist or the logistics centre's warehouse",
        ))
    }
}

/// The logistics centre's warehouse staff and administrators, who post stock
/// changes on any member's behalf and approve what members may not do alone.
pub fn acts_for_members(caller: &Caller) -> bool {
    caller.at_logistics_centre() && caller.has_any_role(&[Role::Warehouse, Role::Admin])
}

/// Listing users: administrators and auditors see everyone in the community,
/// others only their own institution.
pub fn can_list_users(caller: &Caller, target: Option<Target>) -> Result<()> {
    let all = caller.has_any_role(&[Role::Admin, Role::Auditor]);
    match target {
        Some(t) if t.community_id != caller.community_id => {
            Err(Error::forbidden("that institution is in another community"))
        }
        Some(t) if all || t.institution_id == caller.institution_id => Ok(()),
        Some(_) => Err(Error::forbidden(
            "you can only list the users of your own institution",
        )),
        None => Ok(()),
    }
}

/// Taking institutions in and out of service: administrators of the
/// logistics centre, for their own community.
pub fn can_administer_institutions(caller: &Caller, target: Target) -> Result<()> {
    if target.community_id != caller.community_id {
        return Err(Error::forbidden("that institution is in another community"));
    }
    if caller.at_logistics_centre() && caller.has_role(Role::Admin) {
        Ok(())
    } else {
        Err(Error::forbidden(
            "institutions are activated and deactivated by the logistics centre's administrators",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(kind: InstitutionKind, roles: &[Role], inst: Uuid, community: Uuid) -> Caller {
        Caller {
            user_id: Uuid::now_v7(),
            username: "u".into(),
            roles: roles.to_vec(),
            institution_id: inst,
            institution_kind: kind,
            community_id: community,
            session_id: Uuid::now_v7(),
        }
    }

    #[test]
    fn stock_visibility_follows_role_and_institution() {
        let community = Uuid::now_v7();
        let clinic = Uuid::now_v7();
        let other = Uuid::now_v7();
        let centre = Uuid::now_v7();
        let target = Target {
            institution_id: other,
            community_id: community,
        };
        let pharmacist = caller(
            InstitutionKind::VillageClinic,
            &[Role::Pharmacist],
            clinic,
            community,
        );
        assert!(matches!(
            can_read_stock(&pharmacist, target),
            Err(Error::Forbidden(_))
        ));
        assert!(
            can_read_stock(
                &pharmacist,
                Target {
                    institution_id: clinic,
                    community_id: community
                }
            )
            .is_ok()
        );
        let doctor = caller(
            InstitutionKind::CountyHospital,
            &[Role::Doctor],
            Uuid::now_v7(),
            community,
        );
        assert!(can_read_stock(&doctor, target).is_ok());
        let foreign_doctor = caller(
            InstitutionKind::CountyHospital,
            &[Role::Doctor],
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        assert!(can_read_stock(&foreign_doctor, target).is_err());
        let warehouse = caller(
            InstitutionKind::LogisticsCentre,
            &[Role::Warehouse],
            centre,
            community,
        );
        assert!(can_read_stock(&warehouse, target).is_ok());
    }

    #[test]
    fn adjustments_need_own_pharmacist_or_centre_staff() {
        let community = Uuid::now_v7();
        let clinic = Uuid::now_v7();
        let target = Target {
            institution_id: clinic,
            community_id: community,
        };
        let own = caller(
            InstitutionKind::VillageClinic,
            &[Role::Pharmacist],
            clinic,
            community,
        );
        assert!(can_adjust_stock(&own, target).is_ok());
        let doctor_here = caller(
            InstitutionKind::VillageClinic,
            &[Role::Doctor],
            clinic,
            community,
        );
        assert!(can_adjust_stock(&doctor_here, target).is_err());
        let other_pharmacist = caller(
            InstitutionKind::VillageClinic,
            &[Role::Pharmacist],
            Uuid::now_v7(),
            community,
        );
        assert!(can_adjust_stock(&other_pharmacist, target).is_err());
        let buyer = caller(
            InstitutionKind::LogisticsCentre,
            &[Role::Buyer],
            Uuid::now_v7(),
            community,
        );
        assert!(can_adjust_stock(&buyer, target).is_err());
        let warehouse = caller(
            InstitutionKind::LogisticsCentre,
            &[Role::Warehouse],
            Uuid::now_v7(),
            community,
        );
        assert!(can_adjust_stock(&warehouse, target).is_ok());
        // A "warehouse" user at a clinic is not the centre's warehouse.
        let clinic_warehouse = caller(
            InstitutionKind::TownshipHealthCentre,
            &[Role::Warehouse],
            Uuid::now_v7(),
            community,
        );
        assert!(can_adjust_stock(&clinic_warehouse, target).is_err());
    }
}
