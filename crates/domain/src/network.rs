//! The county network: institutions, their levels, and the medical communities they form.
//!
//! An institution's level follows from its kind, so a referral's direction can be checked
//! against levels without trusting a caller-supplied level. A [`Network`] holds communities
//! and enforces that each primary institution belongs to exactly one, led by a county hospital.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::ids::{CommunityId, InstitutionId};
use crate::rule::{BrokenRule, RuleId};

/// Levels of care, low to high.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Village clinics and community health stations.
    Village,
    /// Township health centers and community health centers.
    Township,
    /// County hospitals.
    County,
    /// City hospitals.
    City,
    /// Provincial hospitals.
    Province,
}

/// Kinds of institution; each has one level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstitutionKind {
    /// 村卫生室.
    VillageClinic,
    /// 社区卫生服务站.
    CommunityHealthStation,
    /// 乡镇卫生院.
    TownshipHealthCenter,
    /// 社区卫生服务中心.
    CommunityHealthCenter,
    /// 县人民医院 (county general hospital).
    CountyGeneralHospital,
    /// 县中医院 (county hospital of traditional Chinese medicine).
    CountyTcmHospital,
    /// County maternal and child health hospital.
    CountyMaternalChildHospital,
    /// A city-level hospital.
    CityHospital,
    /// A province-level hospital.
    ProvincialHospital,
}

impl InstitutionKind {
    /// The level this kind of institution sits at.
    pub const fn level(self) -> Level {
        match self {
            InstitutionKind::VillageClinic | InstitutionKind::CommunityHealthStation => {
                Level::Village
            }
            InstitutionKind::TownshipHealthCenter | InstitutionKind::CommunityHealthCenter => {
                Level::Township
            }
            InstitutionKind::CountyGeneralHospital
            | InstitutionKind::CountyTcmHospital
            | InstitutionKind::CountyMaternalChildHospital => Level::County,
            InstitutionKind::CityHospital => Level::City,
            InstitutionKind::ProvincialHospital => Level::Province,
        }
    }

    /// Primary institutions (village and township level) belong to exactly one community.
    pub const fn is_primary(self) -> bool {
        matches!(self.level(), Level::Village | Level::Township)
    }

    /// Whether this kind may lead a medical community.
    pub const fn can_lead(self) -> bool {
        matches!(
            self,
            InstitutionKind::CountyGeneralHospital | InstitutionKind::CountyTcmHospital
        )
    }
}

/// A health institution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Institution {
    /// Its id.
    pub id: InstitutionId,
    /// Its name.
    pub name: String,
    /// Its kind, which fixes its level.
    pub kind: InstitutionKind,
}

impl Institution {
    /// Its level.
    pub fn level(&self) -> Level {
        self.kind.level()
    }
}

/// Why a network change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetworkError {
    /// The institution is unknown to the network.
    #[error("institution {0} is not in the network")]
    UnknownInstitution(InstitutionId),
    /// The community is unknown.
    #[error("community {0} is not in the network")]
    UnknownCommunity(CommunityId),
    /// The id is already used.
    #[error("{0} is already registered")]
    Duplicate(String),
    /// The would-be lead is not a county general or TCM hospital.
    #[error("a community is led by a county general or TCM hospital, not a {0:?}")]
    LeadNotCountyHospital(InstitutionKind),
    /// The institution already belongs to (or leads) a community.
    #[error("institution {institution} already belongs to community {community}")]
    AlreadyMember {
        /// The institution.
        institution: InstitutionId,
        /// The community it belongs to.
        community: CommunityId,
    },
    /// City and province hospitals are outside the county network.
    #[error("a {0:?} cannot be a member of a county medical community")]
    NotAMemberKind(InstitutionKind),
}

impl BrokenRule for NetworkError {
    fn rule(&self) -> RuleId {
        match self {
            NetworkError::LeadNotCountyHospital(_) => RuleId::NetworkLeadHospital,
            NetworkError::UnknownInstitution(_)
            | NetworkError::UnknownCommunity(_)
            | NetworkError::Duplicate(_)
            | NetworkError::AlreadyMember { .. }
            | NetworkError::NotAMemberKind(_) => RuleId::NetworkOneCommunity,
        }
    }
}

/// A change to the network, for the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NetworkEvent {
    /// An institution was registered.
    InstitutionRegistered {
        /// The institution.
        institution: InstitutionId,
        /// Its kind.
        kind: InstitutionKind,
    },
    /// A community was founded.
    CommunityFounded {
        /// The community.
        community: CommunityId,
        /// Its lead hospital.
        lead: InstitutionId,
    },
    /// An institution joined a community.
    InstitutionJoined {
        /// The community.
        community: CommunityId,
        /// The institution.
        institution: InstitutionId,
    },
}

/// A county medical community (县域医共体): a lead hospital and its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MedicalCommunity {
    id: CommunityId,
    name: String,
    lead: InstitutionId,
    members: BTreeSet<InstitutionId>,
}

impl MedicalCommunity {
    /// Its id.
    pub fn id(&self) -> CommunityId {
        self.id
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The lead hospital.
    pub fn lead(&self) -> InstitutionId {
        self.lead
    }

    /// Members, the lead included.
    pub fn members(&self) -> &BTreeSet<InstitutionId> {
        &self.members
    }

    /// Whether `institution` is a member (or the lead).
    pub fn contains(&self, institution: InstitutionId) -> bool {
        self.members.contains(&institution)
    }
}

/// The county's institutions and communities, kept consistent: each institution in at most one
/// community, each community led by a county general or TCM hospital.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    institutions: BTreeMap<InstitutionId, Institution>,
    communities: BTreeMap<CommunityId, MedicalCommunity>,
    membership: BTreeMap<InstitutionId, CommunityId>,
}

impl Network {
    /// An empty network.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers an institution (not yet in any community).
    pub fn add_institution(
        &mut self,
        institution: Institution,
    ) -> Result<Vec<NetworkEvent>, NetworkError> {
        if self.institutions.contains_key(&institution.id) {
            return Err(NetworkError::Duplicate(format!(
                "institution {}",
                institution.id
            )));
        }
        let event = NetworkEvent::InstitutionRegistered {
            institution: institution.id,
            kind: institution.kind,
        };
        self.institutions.insert(institution.id, institution);
        Ok(vec![event])
    }

    /// Founds a community led by `lead`.
    pub fn found_community(
        &mut self,
        id: CommunityId,
        name: &str,
        lead: InstitutionId,
    ) -> Result<Vec<NetworkEvent>, NetworkError> {
        if self.communities.contains_key(&id) {
            return Err(NetworkError::Duplicate(format!("community {id}")));
        }
        let kind = self.institution(lead)?.kind;
        if !kind.can_lead() {
            return Err(NetworkError::LeadNotCountyHospital(kind));
        }
        self.ensure_free(lead)?;
        self.communities.insert(
            id,
            MedicalCommunity {
                id,
                name: name.to_owned(),
                lead,
                members: BTreeSet::from([lead]),
            },
        );
        self.membership.insert(lead, id);
        Ok(vec![NetworkEvent::CommunityFounded {
            community: id,
            lead,
        }])
    }

    /// Adds a member to a community; a primary institution can join only one.
    pub fn join(
        &mut self,
        community: CommunityId,
        institution: InstitutionId,
    ) -> Result<Vec<NetworkEvent>, NetworkError> {
        let kind = self.institution(institution)?.kind;
        if matches!(kind.level(), Level::City | Level::Province) {
            return Err(NetworkError::NotAMemberKind(kind));
        }
        if !self.communities.contains_key(&community) {
            return Err(NetworkError::UnknownCommunity(community));
        }
        self.ensure_free(institution)?;
        if let Some(c) = self.communities.get_mut(&community) {
            c.members.insert(institution);
        }
        self.membership.insert(institution, community);
        Ok(vec![NetworkEvent::InstitutionJoined {
            community,
            institution,
        }])
    }

    fn ensure_free(&self, institution: InstitutionId) -> Result<(), NetworkError> {
        match self.membership.get(&institution) {
            Some(community) => Err(NetworkError::AlreadyMember {
                institution,
                community: *community,
            }),
            None => Ok(()),
        }
    }

    /// An institution by id.
    pub fn institution(&self, id: InstitutionId) -> Result<&Institution, NetworkError> {
        self.institutions
            .get(&id)
            .ok_or(NetworkError::UnknownInstitution(id))
    }

    /// A community by id.
    pub fn community(&self, id: CommunityId) -> Result<&MedicalCommunity, NetworkError> {
        self.communities
            .get(&id)
            .ok_or(NetworkError::UnknownCommunity(id))
    }

    /// The community an institution belongs to, if any.
    pub fn community_of(&self, institution: InstitutionId) -> Option<&MedicalCommunity> {
        self.membership
            .get(&institution)
            .and_then(|c| self.communities.get(c))
    }

    /// All institutions.
    pub fn institutions(&self) -> impl Iterator<Item = &Institution> {
        self.institutions.values()
    }

    /// All communities.
    pub fn communities(&self) -> impl Iterator<Item = &MedicalCommunity> {
        self.communities.values()
    }

    /// Primary institutions that belong to no community yet (a set-up gap to report).
    pub fn unaffiliated_primary(&self) -> impl Iterator<Item = &Institution> {
        self.institutions
            .values()
            .filter(|i| i.kind.is_primary() && !self.membership.contains_key(&i.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(n: u128, kind: InstitutionKind) -> Institution {
        Institution {
            id: InstitutionId::from_u128(n),
            name: format!("i{n}"),
            kind,
        }
    }

    #[test]
    fn levels_follow_kinds() {
        assert!(
            InstitutionKind::VillageClinic.level() < InstitutionKind::TownshipHealthCenter.level()
        );
        assert_eq!(
            InstitutionKind::CommunityHealthCenter.level(),
            Level::Township
        );
        assert!(InstitutionKind::CountyTcmHospital.level() < InstitutionKind::CityHospital.level());
    }

    #[test]
    fn a_primary_institution_joins_only_one_community() {
        let mut n = Network::new();
        n.add_institution(inst(1, InstitutionKind::CountyGeneralHospital))
            .unwrap();
        n.add_institution(inst(2, InstitutionKind::CountyTcmHospital))
            .unwrap();
        n.add_institution(inst(3, InstitutionKind::TownshipHealthCenter))
            .unwrap();
        let (a, b) = (CommunityId::from_u128(10), CommunityId::from_u128(11));
        n.found_community(a, "A", InstitutionId::from_u128(1))
            .unwrap();
        n.found_community(b, "B", InstitutionId::from_u128(2))
            .unwrap();
        n.join(a, InstitutionId::from_u128(3)).unwrap();
        let err = n.join(b, InstitutionId::from_u128(3)).unwrap_err();
        assert_eq!(err.rule(), RuleId::NetworkOneCommunity);
        assert_eq!(
            n.community_of(InstitutionId::from_u128(3))
                .map(MedicalCommunity::id),
            Some(a)
        );
    }

    #[test]
    fn a_township_center_cannot_lead() {
        let mut n = Network::new();
        n.add_institution(inst(3, InstitutionKind::TownshipHealthCenter))
            .unwrap();
        let err = n
            .found_community(CommunityId::from_u128(1), "X", InstitutionId::from_u128(3))
            .unwrap_err();
        assert_eq!(
            err,
            NetworkError::LeadNotCountyHospital(InstitutionKind::TownshipHealthCenter)
        );
    }
}
