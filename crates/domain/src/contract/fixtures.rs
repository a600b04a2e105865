//! What the unit tests of teams and contracts start from: a complete "3+1+N" team, a signature.

use time::Date;

use super::{Package, SignContract, Team, TeamMember, TeamRole};
use crate::ids::{ContractId, InstitutionId, ResidentId, TeamId, WorkerId};
use crate::profile::RuleProfile;

pub(super) fn member(n: u128, role: TeamRole) -> TeamMember {
    TeamMember {
        worker: WorkerId::from_u128(n),
        role,
    }
}

pub(super) fn full_members() -> Vec<TeamMember> {
    vec![
        member(1, TeamRole::GeneralPractitioner),
        member(2, TeamRole::Nurse),
        member(3, TeamRole::PublicHealthPhysician),
        member(4, TeamRole::CountySpecialist),
    ]
}

pub(crate) fn team(id: u128) -> Team {
    Team::form(
        TeamId::from_u128(id),
        "t",
        InstitutionId::from_u128(1),
        WorkerId::from_u128(1),
        full_members(),
        &RuleProfile::bphs3(),
    )
    .unwrap()
    .0
}

pub(crate) fn sign(id: u128, start: Date) -> SignContract {
    SignContract {
        id: ContractId::from_u128(id),
        resident: ResidentId::from_u128(7),
        doctor: None,
        package: Package::Basic,
        start,
        months: None,
    }
}
