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

/// What a check is about: the community as a whole, or one institution in it.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    Community(Uuid),
    Institution(Target),
}

impl Scope {
    fn community_id(self) -> Uuid {
        match self {
            Scope::Community(c) => c,
            Scope::Institution(t) => t.community_id,
        }
    }
}

macro_rules! actions {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// Everything a caller may be allowed to do. [`authorize`] is the one
        /// place that decides, with one `match`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action { $($(#[$doc])* $name,)* }

        impl Action {
            /// Every action, so that tests can walk the whole table.
            pub const ALL: &'static [Action] = &[$(Action::$name,)*];
        }
    };
}

actions! {
    /// One's own profile and the institutions of the community.
    ReadDirectory,
    /// The unified catalogue, its items and their history.
    ReadCatalogue,
    /// The catalogue as a spreadsheet.
    ExportCatalogue,
    /// What a scan means (with an institution: as seen there).
    ResolveBarcode,
    /// Printable labels of batches and locations.
    PrintLabel,
    /// Balances and stock cards of an institution.
    ReadStock,
    /// How much of an item can be used now, anywhere in the community (no
    /// costs, no batches): the doctors' stock check.
    ReadAvailability,
    /// Manual stock adjustments at an institution.
    AdjustStock,
    /// The users of an institution (`Scope::Community`: of all of them).
    ListUsers,
    /// Creating, editing, suspending, delisting and importing items.
    MaintainCatalogue,
    /// Taking institutions in and out of service.
    AdministerInstitutions,
    /// Creating users, deactivating them and resetting their passwords.
    AdministerUsers,
    /// The server's operating figures (`/metrics`).
    ReadMetrics,
    /// Suppliers, agreements, purchase orders and receipts.
    ReadProcurement,
    /// Keeping suppliers and agreements, and ordering.
    ManageProcurement,
    /// Receiving goods against a purchase order at the centre.
    ReceiveGoods,
    /// Taking goods with less than the minimum shelf life left.
    AcceptShortDated,
    /// A member's account statement (what it was sent, at cost).
    ReadMemberAccount,
    /// An institution's requisitions and the shipments to and from it.
    ReadDistribution,
    /// Asking the centre for stock (a requisition) for one's own
    /// institution; a township centre's pharmacist also for its villages.
    RequestStock,
    /// Approving, allocating, planning runs, dispatching and resolving
    /// discrepancies at the centre.
    ManageDistribution,
    /// Receiving a shipment by scanning, at its destination.
    ReceiveShipment,
    /// Sending stock back to the centre.
    ReturnStock,
}

/// May `caller` do `action` in `scope`? Nothing crosses communities.
pub fn authorize(caller: &Caller, action: Action, scope: Scope) -> Result<()> {
    if scope.community_id() != caller.community_id {
        return Err(Error::forbidden("that institution is in another community"));
    }
    let own =
        |s: Scope| matches!(s, Scope::Institution(t) if t.institution_id == caller.institution_id);
    let centre = caller.at_logistics_centre();
    let allowed = match action {
        // Any member may read: the catalogue and the directory are the
        // community's shared reference, and a scan or a label only says
        // what a pack is.
        Action::ReadDirectory
        | Action::ReadCatalogue
        | Action::ExportCatalogue
        | Action::ResolveBarcode
        | Action::PrintLabel
        // Available quantities everywhere: what a doctor needs to prescribe
        // for pickup at another member (extended prescriptions).
        | Action::ReadAvailability => true,
        // Own institution always; the whole community for the centre's
        // staff and auditors. Doctors check other members through
        // `ReadAvailability`, which shows quantities but no costs, stock
        // cards or batches.
        Action::ReadStock => own(scope) || caller.sees_whole_community(),
        Action::AdjustStock => {
            (caller.has_role(Role::Pharmacist) && own(scope)) || acts_for_members(caller)
        }
        Action::ListUsers => caller.has_any_role(&[Role::Admin, Role::Auditor]) || own(scope),
        Action::MaintainCatalogue => centre && caller.has_any_role(&[Role::Buyer, Role::Admin]),
        Action::AdministerInstitutions | Action::AdministerUsers => {
            centre && caller.has_role(Role::Admin)
        }
        Action::ReadMetrics => centre && caller.has_any_role(&[Role::Admin, Role::Auditor]),
        // The centre buys for everyone: its buyers order, its warehouse
        // receives, auditors read.
        Action::ReadProcurement => caller.sees_whole_community(),
        Action::ManageProcurement | Action::AcceptShortDated => {
            centre && caller.has_any_role(&[Role::Buyer, Role::Admin])
        }
        Action::ReceiveGoods => {
            centre && caller.has_any_role(&[Role::Warehouse, Role::Buyer, Role::Admin])
        }
        // A member sees its own account; the centre and auditors all.
        Action::ReadMemberAccount => own(scope) || caller.sees_whole_community(),
        Action::ReadDistribution => own(scope) || caller.sees_whole_community(),
        Action::RequestStock | Action::ReturnStock => {
            (caller.has_role(Role::Pharmacist) && own(scope)) || acts_for_members(caller)
        }
        Action::ManageDistribution => {
            centre && caller.has_any_role(&[Role::Warehouse, Role::Buyer, Role::Admin])
        }
        // At a member its pharmacist; returns arrive at the centre, whose
        // warehouse receives them.
        Action::ReceiveShipment => {
            own(scope)
                && (caller.has_role(Role::Pharmacist)
                    || (centre && caller.has_any_role(&[Role::Warehouse, Role::Admin])))
        }
    };
    if allowed {
        Ok(())
    } else {
        Err(Error::forbidden(refusal(action)))
    }
}

/// Why the policy said no, in words a user can act on.
fn refusal(action: Action) -> &'static str {
    match action {
        Action::ReadDirectory
        | Action::ReadCatalogue
        | Action::ExportCatalogue
        | Action::ResolveBarcode
        | Action::PrintLabel
        | Action::ReadAvailability => "not allowed",
        Action::ReadStock => "you can only see the stock of your own institution",
        Action::AdjustStock => {
            "stock adjustments are made by the institution's pharmacist or the logistics centre's warehouse"
        }
        Action::ListUsers => "you can only list the users of your own institution",
        Action::MaintainCatalogue => {
            "the catalogue is kept by the logistics centre (BUYER or ADMIN)"
        }
        Action::AdministerInstitutions => {
            "institutions are activated and deactivated by the logistics centre's administrators"
        }
        Action::AdministerUsers => "users are managed by the logistics centre's administrators",
        Action::ReadMetrics => {
            "the server's figures are for the logistics centre's administrators and auditors"
        }
        Action::ReadProcurement => "procurement is for the logistics centre's staff and auditors",
        Action::ManageProcurement => {
            "suppliers, agreements and orders are kept by the logistics centre's buyers"
        }
        Action::ReceiveGoods => "goods are received by the logistics centre's warehouse or buyers",
        Action::AcceptShortDated => {
            "only a logistics centre buyer may accept goods below the minimum shelf life"
        }
        Action::ReadMemberAccount => "you can only see your own institution's account",
        Action::ReadDistribution => {
            "you can only see your own institution's requisitions and shipments"
        }
        Action::RequestStock => "requisitions are made by the institution's pharmacist",
        Action::ManageDistribution => {
            "requisitions are approved and shipped by the logistics centre's warehouse or buyers"
        }
        Action::ReceiveShipment => {
            "a shipment is received by a pharmacist of the institution it is addressed to"
        }
        Action::ReturnStock => "returns are made by the institution's pharmacist",
    }
}

/// The logistics centre's warehouse staff and administrators, who post stock
/// changes on any member's behalf and approve what members may not do alone.
pub fn acts_for_members(caller: &Caller) -> bool {
    caller.at_logistics_centre() && caller.has_any_role(&[Role::Warehouse, Role::Admin])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Where the caller stands relative to the institution checked.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    enum Place {
        Own,
        OtherMember,
        Centre,
        /// `Scope::Community`.
        Community,
    }

    const PLACES: [Place; 4] = [
        Place::Own,
        Place::OtherMember,
        Place::Centre,
        Place::Community,
    ];

    /// The callers: a role at a village clinic, and each centre role at the
    /// centre.
    fn callers(community: Uuid, clinic: Uuid, centre: Uuid) -> Vec<(&'static str, Caller)> {
        let at = |kind, roles: &[Role], inst| Caller {
            user_id: Uuid::now_v7(),
            username: "u".into(),
            roles: roles.to_vec(),
            institution_id: inst,
            institution_kind: kind,
            community_id: community,
            session_id: Uuid::now_v7(),
        };
        use InstitutionKind::{LogisticsCentre as C, VillageClinic as V};
        vec![
            ("clinic pharmacist", at(V, &[Role::Pharmacist], clinic)),
            ("clinic doctor", at(V, &[Role::Doctor], clinic)),
            // A "warehouse" user at a clinic is not the centre's warehouse.
            ("clinic warehouse", at(V, &[Role::Warehouse], clinic)),
            ("centre admin", at(C, &[Role::Admin], centre)),
            ("centre buyer", at(C, &[Role::Buyer], centre)),
            ("centre warehouse", at(C, &[Role::Warehouse], centre)),
            ("centre auditor", at(C, &[Role::Auditor], centre)),
        ]
    }

    /// The policy, written out: for each action, the callers allowed at each
    /// place. "*" is everyone. A new action without a row fails the test.
    fn table() -> HashMap<Action, Vec<(Place, &'static [&'static str])>> {
        use Place::*;
        const ALL: &[&str] = &["*"];
        const STAFF_READ: &[&str] = &[
            "centre admin",
            "centre buyer",
            "centre warehouse",
            "centre auditor",
        ];
        const ADJUST: &[&str] = &["centre admin", "centre warehouse"];
        const LIST_ALL: &[&str] = &["centre admin", "centre auditor"];
        const MAINTAIN: &[&str] = &["centre admin", "centre buyer"];
        const ADMIN: &[&str] = &["centre admin"];
        let everywhere = |who: &'static [&'static str]| {
            vec![
                (Own, who),
                (OtherMember, who),
                (Centre, who),
                (Community, who),
            ]
        };
        let mut t = HashMap::new();
        for a in [
            Action::ReadDirectory,
            Action::ReadCatalogue,
            Action::ExportCatalogue,
            Action::ResolveBarcode,
            Action::PrintLabel,
            Action::ReadAvailability,
        ] {
            t.insert(a, everywhere(ALL));
        }
        t.insert(
            Action::ReadStock,
            vec![
                (Own, ALL),
                (OtherMember, STAFF_READ),
                (Centre, STAFF_READ),
                (Community, STAFF_READ),
            ],
        );
        t.insert(
            Action::AdjustStock,
            vec![
                (
                    Own,
                    &["clinic pharmacist", "centre admin", "centre warehouse"][..],
                ),
                (OtherMember, ADJUST),
                (Centre, ADJUST),
                (Community, ADJUST),
            ],
        );
        t.insert(
            Action::ListUsers,
            vec![
                (Own, ALL),
                (OtherMember, LIST_ALL),
                (Centre, LIST_ALL),
                (Community, LIST_ALL),
            ],
        );
        t.insert(Action::MaintainCatalogue, everywhere(MAINTAIN));
        t.insert(Action::AdministerInstitutions, everywhere(ADMIN));
        t.insert(Action::AdministerUsers, everywhere(ADMIN));
        t.insert(Action::ReadMetrics, everywhere(LIST_ALL));
        t.insert(Action::ReadProcurement, everywhere(STAFF_READ));
        t.insert(Action::ManageProcurement, everywhere(MAINTAIN));
        t.insert(Action::AcceptShortDated, everywhere(MAINTAIN));
        t.insert(
            Action::ReadMemberAccount,
            vec![
                (Own, ALL),
                (OtherMember, STAFF_READ),
                (Centre, STAFF_READ),
                (Community, STAFF_READ),
            ],
        );
        t.insert(
            Action::ReceiveGoods,
            everywhere(&["centre admin", "centre buyer", "centre warehouse"]),
        );
        t.insert(
            Action::ReadDistribution,
            vec![
                (Own, ALL),
                (OtherMember, STAFF_READ),
                (Centre, STAFF_READ),
                (Community, STAFF_READ),
            ],
        );
        for a in [Action::RequestStock, Action::ReturnStock] {
            t.insert(
                a,
                vec![
                    (
                        Own,
                        &["clinic pharmacist", "centre admin", "centre warehouse"][..],
                    ),
                    (OtherMember, ADJUST),
                    (Centre, ADJUST),
                    (Community, ADJUST),
                ],
            );
        }
        t.insert(
            Action::ManageDistribution,
            everywhere(&["centre admin", "centre buyer", "centre warehouse"]),
        );
        const NOBODY: &[&str] = &[];
        t.insert(
            Action::ReceiveShipment,
            vec![
                (
                    Own,
                    &["clinic pharmacist", "centre admin", "centre warehouse"][..],
                ),
                (OtherMember, NOBODY),
                (Centre, NOBODY),
                (Community, NOBODY),
            ],
        );
        t
    }

    #[test]
    fn every_action_role_and_place_matches_the_table() {
        let community = Uuid::now_v7();
        let clinic = Uuid::now_v7();
        let other = Uuid::now_v7();
        let centre = Uuid::now_v7();
        let table = table();
        for &action in Action::ALL {
            let rows = table
                .get(&action)
                .unwrap_or_else(|| panic!("{action:?} has no row in the test's table"));
            for (name, caller) in callers(community, clinic, centre) {
                for place in PLACES {
                    let scope = match place {
                        Place::Own => caller.institution_id,
                        Place::OtherMember => other,
                        Place::Centre => centre,
                        Place::Community => Uuid::nil(),
                    };
                    let scope = match place {
                        Place::Community => Scope::Community(community),
                        _ => Scope::Institution(Target {
                            institution_id: scope,
                            community_id: community,
                        }),
                    };
                    // For the centre's own staff, the centre is their own
                    // institution.
                    let row_place = if place == Place::Centre && caller.institution_id == centre {
                        Place::Own
                    } else {
                        place
                    };
                    let allowed_names = rows
                        .iter()
                        .find(|(p, _)| *p == row_place)
                        .map(|(_, who)| *who)
                        .unwrap_or_else(|| panic!("{action:?} has no entry for {place:?}"));
                    let expected = allowed_names.contains(&"*") || allowed_names.contains(&name);
                    let got = authorize(&caller, action, scope).is_ok();
                    assert_eq!(
                        got, expected,
                        "{action:?} for {name} at {place:?}: got {got}, table says {expected}"
                    );
                }
            }
        }
    }

    #[test]
    fn nothing_crosses_communities() {
        let community = Uuid::now_v7();
        let centre = Uuid::now_v7();
        for (name, caller) in callers(community, Uuid::now_v7(), centre) {
            for &action in Action::ALL {
                let foreign = Scope::Institution(Target {
                    institution_id: caller.institution_id,
                    community_id: Uuid::now_v7(),
                });
                assert!(
                    authorize(&caller, action, foreign).is_err(),
                    "{name} may {action:?} in another community"
                );
                assert!(authorize(&caller, action, Scope::Community(Uuid::now_v7())).is_err());
            }
        }
    }
}
