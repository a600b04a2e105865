//! The county network: institutions, their levels, and the medical communities they form.
//!
//! An institution's level follows from its kind, so a referral's direction can be checked
//! against levels without trusting a caller-supplied level. A [`Network`] holds communities
//! and enforces that each primary institution belongs to exactly one, led by a county hospital.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::Date;

use crate::ids::{CommunityId, InstitutionId};
use crate::rule::{BrokenRule, RuleId};

pub use crate::profile::terms::Level;

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
    /// 民营诊所: a private clinic, at the village level; it may join a community, refer and
    /// receive referrals.
    PrivateClinic,
    /// 医养结合机构: an institution combining medical and elderly care, at the township level;
    /// it may join a community, refer and receive referrals (rehabilitation, long-term care).
    MedicalElderlyCare,
}

impl InstitutionKind {
    /// The level this kind of institution sits at.
    pub const fn level(self) -> Level {
        match self {
            InstitutionKind::VillageClinic
            | InstitutionKind::CommunityHealthStation
            | InstitutionKind::PrivateClinic => Level::Village,
            InstitutionKind::TownshipHealthCenter
            | InstitutionKind::CommunityHealthCenter
            | InstitutionKind::MedicalElderlyCare => Level::Township,
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
    /// The institution is closed: it takes no new member, referral or sign-in.
    #[error("institution {0} is closed")]
    Closed(InstitutionId),
    /// A lead hospital neither leaves nor closes while it leads its community.
    #[error("institution {institution} leads community {community}")]
    LeadsCommunity {
        /// The institution.
        institution: InstitutionId,
        /// The community it leads.
        community: CommunityId,
    },
    /// The institution is not a member of the community.
    #[error("institution {institution} is not a member of community {community}")]
    NotAMember {
        /// The institution.
        institution: InstitutionId,
        /// The community.
        community: CommunityId,
    },
}

impl BrokenRule for NetworkError {
    fn rule(&self) -> RuleId {
        match self {
            NetworkError::LeadNotCountyHospital(_) | NetworkError::LeadsCommunity { .. } => {
                RuleId::NetworkLeadHospital
            }
            NetworkError::Closed(_) => RuleId::NetworkClosed,
            NetworkError::UnknownInstitution(_)
            | NetworkError::UnknownCommunity(_)
            | NetworkError::Duplicate(_)
            | NetworkError::AlreadyMember { .. }
            | NetworkError::NotAMemberKind(_)
            | NetworkError::NotAMember { .. } => RuleId::NetworkOneCommunity,
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
    /// An institution was renamed.
    InstitutionRenamed {
        /// The institution.
        institution: InstitutionId,
    },
    /// An institution closed.
    InstitutionClosed {
        /// The institution.
        institution: InstitutionId,
        /// The day it closed.
        on: Date,
    },
    /// An institution left a community.
    InstitutionLeft {
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
    /// Closed institutions and the day each closed: kept, with their members' history, but
    /// taking no new member, referral or sign-in.
    #[serde(default)]
    closed: BTreeMap<InstitutionId, Date>,
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
        let kind = self.open_institution(lead)?.kind;
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
        let kind = self.open_institution(institution)?.kind;
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

    /// Renames an institution (the name is checked by the caller: it is free text).
    pub fn rename(
        &mut self,
        institution: InstitutionId,
        name: &str,
    ) -> Result<Vec<NetworkEvent>, NetworkError> {
        let found = self
            .institutions
            .get_mut(&institution)
            .ok_or(NetworkError::UnknownInstitution(institution))?;
        found.name = name.to_owned();
        Ok(vec![NetworkEvent::InstitutionRenamed { institution }])
    }

    /// Closes an institution on `on`. It stays in the network and in its community (its
    /// records and history are still read through them) but takes no new member, referral or
    /// sign-in. A lead hospital cannot close while it leads.
    pub fn close(
        &mut self,
        institution: InstitutionId,
        on: Date,
    ) -> Result<Vec<NetworkEvent>, NetworkError> {
        self.open_institution(institution)?;
        self.ensure_not_lead(institution)?;
        self.closed.insert(institution, on);
        Ok(vec![NetworkEvent::InstitutionClosed { institution, on }])
    }

    /// Takes a member out of its community; the lead cannot leave.
    pub fn leave(
        &mut self,
        community: CommunityId,
        institution: InstitutionId,
    ) -> Result<Vec<NetworkEvent>, NetworkError> {
        self.institution(institution)?;
        self.community(community)?;
        if self.membership.get(&institution) != Some(&community) {
            return Err(NetworkError::NotAMember {
                institution,
                community,
            });
        }
        self.ensure_not_lead(institution)?;
        if let Some(c) = self.communities.get_mut(&community) {
            c.members.remove(&institution);
        }
        self.membership.remove(&institution);
        Ok(vec![NetworkEvent::InstitutionLeft {
            community,
            institution,
        }])
    }

    fn ensure_not_lead(&self, institution: InstitutionId) -> Result<(), NetworkError> {
        match self.community_of(institution) {
            Some(c) if c.lead() == institution => Err(NetworkError::LeadsCommunity {
                institution,
                community: c.id(),
            }),
            _ => Ok(()),
        }
    }

    /// The day an institution closed, if it did.
    pub fn closed_on(&self, institution: InstitutionId) -> Option<Date> {
        self.closed.get(&institution).copied()
    }

    /// An institution by id that is not closed.
    pub fn open_institution(&self, id: InstitutionId) -> Result<&Institution, NetworkError> {
        let found = self.institution(id)?;
        if self.closed.contains_key(&id) {
            return Err(NetworkError::Closed(id));
        }
        Ok(found)
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
    use crate::vocabulary::tests::check_unit;

    #[test]
    fn level_codes_are_the_serde_names_and_parse_back() {
        check_unit(Level::ALL, Level::code, Level::from_code);
    }

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

    #[derive(Debug, Clone)]
    enum Op {
        Join(u8, u8),
        Leave(u8, u8),
        Close(u8),
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        prop_oneof![
            (0u8..2, 0u8..6).prop_map(|(c, i)| Op::Join(c, i)),
            (0u8..2, 0u8..6).prop_map(|(c, i)| Op::Leave(c, i)),
            (0u8..6).prop_map(Op::Close),
        ]
    }

    proptest::proptest! {
        /// Any history of joins, leaves and closures keeps the network's rules: each institution
        /// in at most one community (membership and members agree), a lead in its own community
        /// and never closed, and a closed institution never joining after it closed.
        #[test]
        fn joins_leaves_and_closures_keep_the_network_whole(ops in proptest::collection::vec(op(), 0..40)) {
            let kinds = [
                InstitutionKind::CountyGeneralHospital,
                InstitutionKind::CountyTcmHospital,
                InstitutionKind::TownshipHealthCenter,
                InstitutionKind::VillageClinic,
                InstitutionKind::PrivateClinic,
                InstitutionKind::MedicalElderlyCare,
            ];
            let mut n = Network::new();
            for (i, kind) in kinds.iter().enumerate() {
                n.add_institution(inst(i as u128, *kind)).unwrap();
            }
            let community = |c: u8| CommunityId::from_u128(100 + u128::from(c));
            let id = |i: u8| InstitutionId::from_u128(u128::from(i));
            n.found_community(community(0), "A", id(0)).unwrap();
            n.found_community(community(1), "B", id(1)).unwrap();
            for op in ops {
                let before = n.clone();
                let result = match op.clone() {
                    Op::Join(c, i) => n.join(community(c), id(i)),
                    Op::Leave(c, i) => n.leave(community(c), id(i)),
                    Op::Close(i) => n.close(id(i), time::macros::date!(2026 - 12 - 01)),
                };
                if let Err(e) = &result {
                    proptest::prop_assert_eq!(&n, &before, "{} changed the network", e);
                }
                if let Op::Join(_, i) = op
                    && before.closed_on(id(i)).is_some()
                {
                    proptest::prop_assert!(result.is_err(), "a closed institution joined");
                }
                for c in n.communities() {
                    proptest::prop_assert!(c.contains(c.lead()));
                    proptest::prop_assert!(n.closed_on(c.lead()).is_none());
                    for m in c.members() {
                        proptest::prop_assert_eq!(n.community_of(*m).map(|x| x.id()), Some(c.id()));
                    }
                }
                for i in n.institutions() {
                    let count = n.communities().filter(|c| c.contains(i.id)).count();
                    proptest::prop_assert!(count <= 1);
                }
            }
        }
    }
}
