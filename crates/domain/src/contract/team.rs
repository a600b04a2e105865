//! Family doctor teams, formed only in the profile's "3+1+N" shape.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::error::ContractError;
use super::event::ContractEvent;
use crate::ids::{InstitutionId, TeamId, WorkerId};
use crate::profile::RuleProfile;

// Team roles are defined with the profile, whose team rules are keyed by them; this is their
// public path.
pub use crate::profile::terms::TeamRole;

/// A member of a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    /// The health worker.
    pub worker: WorkerId,
    /// Their role in this team.
    pub role: TeamRole,
}

/// A family doctor team, formed only in the profile's "3+1+N" shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub(super) id: TeamId,
    name: String,
    institution: InstitutionId,
    lead: WorkerId,
    members: Vec<TeamMember>,
}

impl Team {
    /// Forms a team, checking the profile's composition rules.
    pub fn form(
        id: TeamId,
        name: &str,
        institution: InstitutionId,
        lead: WorkerId,
        members: Vec<TeamMember>,
        profile: &RuleProfile,
    ) -> Result<(Team, Vec<ContractEvent>), ContractError> {
        let rules = &profile.contract.team;
        let mut seen = BTreeSet::new();
        for m in &members {
            if !seen.insert(m.worker) {
                return Err(ContractError::DuplicateMember(m.worker));
            }
        }
        let core = members
            .iter()
            .filter(|m| rules.core_roles.contains(&m.role))
            .count();
        if core < usize::from(rules.min_core_members) {
            return Err(ContractError::TooFewCoreMembers {
                required: rules.min_core_members,
                found: core,
            });
        }
        for role in &rules.required_roles {
            if !members.iter().any(|m| m.role == *role) {
                return Err(ContractError::MissingRole(*role));
            }
        }
        if !members
            .iter()
            .any(|m| m.worker == lead && rules.lead_roles.contains(&m.role))
        {
            return Err(ContractError::LeadNotEligible);
        }
        let event = ContractEvent::TeamFormed {
            team: id,
            institution,
            members: members.len(),
        };
        let team = Team {
            id,
            name: name.to_owned(),
            institution,
            lead,
            members,
        };
        Ok((team, vec![event]))
    }

    /// Its id.
    pub fn id(&self) -> TeamId {
        self.id
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The institution it works from.
    pub fn institution(&self) -> InstitutionId {
        self.institution
    }

    /// The lead family doctor.
    pub fn lead(&self) -> WorkerId {
        self.lead
    }

    /// Members, the lead included.
    pub fn members(&self) -> &[TeamMember] {
        &self.members
    }

    /// Whether `worker` is a member.
    pub fn has_member(&self, worker: WorkerId) -> bool {
        self.members.iter().any(|m| m.worker == worker)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::fixtures::{full_members, member};

    #[test]
    fn a_team_without_a_county_specialist_is_not_3_plus_1() {
        let mut members = full_members();
        members.pop();
        let err = Team::form(
            TeamId::from_u128(1),
            "t",
            InstitutionId::from_u128(1),
            WorkerId::from_u128(1),
            members,
            &RuleProfile::bphs3(),
        )
        .unwrap_err();
        assert_eq!(err, ContractError::MissingRole(TeamRole::CountySpecialist));
    }

    #[test]
    fn a_team_with_two_core_members_is_refused() {
        let members = vec![
            member(1, TeamRole::GeneralPractitioner),
            member(2, TeamRole::Nurse),
            member(4, TeamRole::CountySpecialist),
            member(5, TeamRole::Other),
        ];
        let err = Team::form(
            TeamId::from_u128(1),
            "t",
            InstitutionId::from_u128(1),
            WorkerId::from_u128(1),
            members,
            &RuleProfile::bphs3(),
        )
        .unwrap_err();
        assert_eq!(
            err,
            ContractError::TooFewCoreMembers {
                required: 3,
                found: 2
            }
        );
    }
}
