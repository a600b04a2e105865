//! The authenticated caller: who it is, never what it may do (the `access` module decides).

use yigong_domain::ids::{CommunityId, InstitutionId, TeamId};
use yigong_ports::Actor;

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
    /// The county's in-process set-up, acting as `user` (the demo seed, the CLI's imports of
    /// the network and the areas): see [`Principal::is_county_setup`].
    pub fn county_setup(user: &str) -> Principal {
        Principal {
            user: user.to_owned(),
            role: Role::Operator,
            institution: InstitutionId::from_u128(0),
            community: None,
            team: None,
        }
    }

    /// The audit log's view of the caller.
    pub fn actor(&self) -> Actor {
        Actor {
            user: self.user.clone(),
            role: self.role.as_str().to_owned(),
            institution: self.institution,
        }
    }
}
