//! The authenticated caller and the one place that decides what it may touch.

use yigong_domain::ids::{CommunityId, InstitutionId, TeamId};
use yigong_domain::network::Network;
use yigong_domain::referral::Referral;
use yigong_ports::{Actor, PatientScope};

/// Roles a token can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// A clinician of an institution (village, township or hospital).
    Clinician,
    /// The community's referral desk (approves, receives escalations).
    ReferralDesk,
    /// A county operator (reports, no patient data writes).
    Operator,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 3] = [Role::Clinician, Role::ReferralDesk, Role::Operator];

    /// The role of a stored or token name ([`Role::as_str`]).
    pub fn from_name(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// Stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Clinician => "clinician",
            Role::ReferralDesk => "referral_desk",
            Role::Operator => "operator",
        }
    }
}

/// Who is calling: from a verified token, never from the request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// User id.
    pub user: String,
    /// Role.
    pub role: Role,
    /// The caller's institution.
    pub institution: InstitutionId,
    /// The caller's community.
    pub community: Option<CommunityId>,
    /// The caller's family doctor team, if any.
    pub team: Option<TeamId>,
}

impl Principal {
    /// The audit log's view of the caller.
    pub fn actor(&self) -> Actor {
        Actor {
            user: self.user.clone(),
            role: self.role.as_str().to_owned(),
            institution: self.institution,
        }
    }

    /// A patient is visible to clinicians of the institution holding the record, and to the
    /// clinicians of the community's lead hospital; never across communities, never to
    /// operators or the referral desk (they handle referrals, not records).
    pub fn can_see_patient(&self, scope: &PatientScope, network: &Network) -> bool {
        if self.role != Role::Clinician {
            return false;
        }
        if self.institution == scope.institution {
            return true;
        }
        match (scope.community, self.community) {
            (Some(theirs), Some(ours)) if theirs == ours => network
                .community(ours)
                .is_ok_and(|c| c.lead() == self.institution),
            _ => false,
        }
    }

    /// The family doctor team path: a clinician whose team serves the patient's grid (a village
    /// doctor on the township's team, say) sees the records of that grid's residents, within
    /// the same community. `grid_team` is the team serving the record's grid today.
    pub fn serves_grid_of(&self, scope: &PatientScope, grid_team: Option<TeamId>) -> bool {
        self.role == Role::Clinician
            && self.team.is_some()
            && grid_team == self.team
            && scope.community.is_some()
            && scope.community == self.community
    }

    /// The referral path: clinicians of an institution a patient is referred to (requested,
    /// accepted or arrived) may read the record while the patient is in their care; the store
    /// answers whether such a referral exists.
    pub fn may_receive_referred(&self) -> bool {
        self.role == Role::Clinician
    }

    /// Operators administer their own institution and, at a community's lead hospital, every
    /// member of that community.
    pub fn administers(&self, institution: InstitutionId, network: &Network) -> bool {
        if self.role != Role::Operator {
            return false;
        }
        self.institution == institution
            || network
                .community_of(institution)
                .is_some_and(|c| c.lead() == self.institution)
    }

    /// A referral is visible to its sender, its receiver and its community's referral desk.
    pub fn can_see_referral(&self, r: &Referral) -> bool {
        self.institution == r.from() || self.institution == r.to() || self.is_desk_of(r)
    }

    /// Only clinicians of the sending institution create and cancel.
    pub fn is_sender_of(&self, r: &Referral) -> bool {
        self.role == Role::Clinician && self.institution == r.from()
    }

    /// The referral desk of the referral's community approves and handles escalations.
    pub fn is_desk_of(&self, r: &Referral) -> bool {
        self.role == Role::ReferralDesk
            && self.community.is_some()
            && self.community == r.community()
    }

    /// Only clinicians of the receiving institution accept, record arrival and complete.
    pub fn is_receiver_of(&self, r: &Referral) -> bool {
        self.role == Role::Clinician && self.institution == r.to()
    }
}
