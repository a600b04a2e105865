//! Family doctor teams and contracts (FD-2018), and the key populations they prioritise.
//!
//! A [`Team`] can only be formed in the "3+1+N" shape the profile requires. A [`Contract`] is
//! signed only when the resident holds no other contract active on its start date, lasts at
//! least the profile's minimum, and at expiry is renewed with the same team or replaced by a
//! contract with another team. Key-population tags are derived from facts at a date, never typed.

use crate::vocabulary::codes;
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::calendar;
use crate::identity::Sex;
use crate::ids::{ContractId, InstitutionId, ResidentId, TeamId, WorkerId};
use crate::profile::RuleProfile;
use crate::rule::{BrokenRule, RuleId, RuleSet};

/// Roles in a family doctor team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeamRole {
    /// 全科医生.
    GeneralPractitioner,
    /// 护士.
    Nurse,
    /// 公卫医生.
    PublicHealthPhysician,
    /// 乡村医生.
    VillageDoctor,
    /// 县级医院专科医生 (the "+1").
    CountySpecialist,
    /// 药师.
    Pharmacist,
    /// 康复治疗师.
    Rehabilitation,
    /// 健康管理师.
    HealthManager,
    /// Others (the "+N").
    Other,
}

/// A member of a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    /// The health worker.
    pub worker: WorkerId,
    /// Their role in this team.
    pub role: TeamRole,
}

/// Why a team or contract command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContractError {
    /// Too few members in core roles.
    #[error("a team needs at least {required} members in core roles, found {found}")]
    TooFewCoreMembers {
        /// The profile's minimum.
        required: u8,
        /// Core members found.
        found: usize,
    },
    /// A required role is missing.
    #[error("a team needs a member in the role {0:?}")]
    MissingRole(TeamRole),
    /// The lead is not a member in a lead role.
    #[error("the team lead must be a member in one of the lead roles")]
    LeadNotEligible,
    /// A worker listed twice.
    #[error("worker {0} is listed twice")]
    DuplicateMember(WorkerId),
    /// The resident already has an active contract on the start date.
    #[error("resident already holds contract {0}, active on the start date")]
    AlreadyContracted(ContractId),
    /// The period is shorter than the profile's minimum.
    #[error("a contract lasts at least {min} months, not {months}")]
    PeriodTooShort {
        /// Months asked for.
        months: u8,
        /// The profile's minimum.
        min: u8,
    },
    /// The named doctor is not in the team.
    #[error("doctor {0} is not a member of the team")]
    DoctorNotInTeam(WorkerId),
    /// Renewal or switch outside the window around expiry.
    #[error("renewal or switch is possible from {opens} to {closes}")]
    OutsideRenewalWindow {
        /// First allowed day.
        opens: Date,
        /// Last allowed day.
        closes: Date,
    },
    /// The contract was already terminated, renewed or switched.
    #[error("the contract is no longer current")]
    NotCurrent,
    /// Switch needs another team.
    #[error("a switch needs another team; use renew for the same team")]
    SameTeam,
    /// Terminated before it started, or after it ended.
    #[error("a contract ends between its start and its end")]
    TerminationDate,
}

impl BrokenRule for ContractError {
    fn rule(&self) -> RuleId {
        match self {
            ContractError::TooFewCoreMembers { .. }
            | ContractError::MissingRole(_)
            | ContractError::LeadNotEligible
            | ContractError::DuplicateMember(_)
            | ContractError::DoctorNotInTeam(_) => RuleId::ContractTeamRoles,
            ContractError::AlreadyContracted(_) => RuleId::ContractOneActive,
            ContractError::PeriodTooShort { .. } | ContractError::TerminationDate => {
                RuleId::ContractPeriod
            }
            ContractError::OutsideRenewalWindow { .. }
            | ContractError::NotCurrent
            | ContractError::SameTeam => RuleId::ContractRenewal,
        }
    }
}

/// A family doctor team, formed only in the profile's "3+1+N" shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    id: TeamId,
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

/// Service packages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Package {
    /// Basic medical care plus the basic public health services.
    Basic,
    /// A personalized package, by code (e.g. `hypertension_plus`).
    Personalized {
        /// The package code.
        code: String,
    },
}

impl Package {
    /// The package's code: `basic`, or the personalized package's own code.
    pub fn code(&self) -> &str {
        match self {
            Package::Basic => "basic",
            Package::Personalized { code } => code,
        }
    }

    /// The package a code names: `basic` (or nothing) is the basic package, any other code a
    /// personalized package's.
    pub fn from_code(code: &str) -> Package {
        match code {
            "" | "basic" => Package::Basic,
            other => Package::Personalized {
                code: other.to_owned(),
            },
        }
    }
}

/// Why a contract stopped being current.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerminationReason {
    /// The resident asked.
    ResidentRequest,
    /// The resident moved out of the jurisdiction.
    MovedOut,
    /// The resident died.
    Died,
}

/// Where a contract stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ContractStatus {
    /// Current: active between start and end.
    Current,
    /// Renewed by a new contract with the same team.
    Renewed {
        /// The renewal.
        by: ContractId,
    },
    /// Replaced at expiry by a contract with another team.
    Switched {
        /// The new contract.
        to: ContractId,
    },
    /// Ended early.
    Terminated {
        /// First day without the contract.
        on: Date,
        /// Why.
        reason: TerminationReason,
    },
}

codes!(ContractStatus by kind {
    ContractStatus::Current => "current",
    ContractStatus::Renewed { .. } => "renewed",
    ContractStatus::Switched { .. } => "switched",
    ContractStatus::Terminated { .. } => "terminated",
});

/// A change to a contract, for the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContractEvent {
    /// A family doctor team was formed.
    TeamFormed {
        /// The team.
        team: TeamId,
        /// Its institution.
        institution: InstitutionId,
        /// Number of members.
        members: usize,
    },
    /// A contract was signed.
    ContractSigned {
        /// The contract.
        contract: ContractId,
        /// The resident.
        resident: ResidentId,
        /// The team.
        team: TeamId,
        /// Start (inclusive).
        start: Date,
        /// End (exclusive).
        end: Date,
    },
    /// A contract was renewed with the same team.
    ContractRenewed {
        /// The old contract.
        contract: ContractId,
        /// The renewal.
        renewal: ContractId,
    },
    /// The resident moved to another team at expiry.
    ContractSwitched {
        /// The old contract.
        contract: ContractId,
        /// The new contract.
        new_contract: ContractId,
        /// The new team.
        team: TeamId,
    },
    /// A current contract's renewal window opened (announced once).
    ContractExpiring {
        /// The contract.
        contract: ContractId,
        /// The resident.
        resident: ResidentId,
        /// The team.
        team: TeamId,
        /// First day without it.
        end: Date,
    },
    /// A contract ended early.
    ContractTerminated {
        /// The contract.
        contract: ContractId,
        /// First day without it.
        on: Date,
        /// Why.
        reason: TerminationReason,
    },
}

/// What a signature asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignContract {
    /// The new contract's id.
    pub id: ContractId,
    /// The resident.
    pub resident: ResidentId,
    /// A named doctor of the team, if the resident chose one.
    pub doctor: Option<WorkerId>,
    /// The package.
    pub package: Package,
    /// First day.
    pub start: Date,
    /// Length in months; the profile default if `None`.
    pub months: Option<u8>,
}

/// A family doctor contract. `end` is exclusive: the contract is active on `start..end`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contract {
    id: ContractId,
    resident: ResidentId,
    team: TeamId,
    doctor: Option<WorkerId>,
    package: Package,
    start: Date,
    end: Date,
    status: ContractStatus,
}

impl Contract {
    /// Signs a contract with `team`. `current` is the resident's latest contract, if any:
    /// the new one must start on or after the day that contract stops being in force, so two
    /// contracts can never overlap (one active contract at a time).
    pub fn sign(
        cmd: SignContract,
        team: &Team,
        current: Option<&Contract>,
        profile: &RuleProfile,
    ) -> Result<(Contract, Vec<ContractEvent>), ContractError> {
        if let Some(c) = current
            && c.resident == cmd.resident
            && cmd.start < c.in_force_until()
        {
            return Err(ContractError::AlreadyContracted(c.id));
        }
        Self::create(cmd, team, profile)
    }

    fn create(
        cmd: SignContract,
        team: &Team,
        profile: &RuleProfile,
    ) -> Result<(Contract, Vec<ContractEvent>), ContractError> {
        let min = profile.contract.min_period_months;
        let months = cmd.months.unwrap_or(profile.contract.default_period_months);
        if months < min {
            return Err(ContractError::PeriodTooShort { months, min });
        }
        if let Some(doctor) = cmd.doctor
            && !team.has_member(doctor)
        {
            return Err(ContractError::DoctorNotInTeam(doctor));
        }
        let contract = Contract {
            id: cmd.id,
            resident: cmd.resident,
            team: team.id,
            doctor: cmd.doctor,
            package: cmd.package,
            start: cmd.start,
            end: calendar::add_months(cmd.start, u16::from(months)),
            status: ContractStatus::Current,
        };
        let event = ContractEvent::ContractSigned {
            contract: contract.id,
            resident: contract.resident,
            team: contract.team,
            start: contract.start,
            end: contract.end,
        };
        Ok((contract, vec![event]))
    }

    /// The window around expiry in which renewal or switch is allowed: from the profile's
    /// days before the end to as many days after it.
    pub fn renewal_window(&self, profile: &RuleProfile) -> (Date, Date) {
        let days = profile.contract.renewal_window_days;
        let opens = self
            .end
            .checked_sub(time::Duration::days(i64::from(days)))
            .unwrap_or(Date::MIN);
        (opens, calendar::add_days(self.end, days))
    }

    fn check_successor(&self, on: Date, profile: &RuleProfile) -> Result<Date, ContractError> {
        if self.status != ContractStatus::Current {
            return Err(ContractError::NotCurrent);
        }
        let (opens, closes) = self.renewal_window(profile);
        if on < opens || on > closes {
            return Err(ContractError::OutsideRenewalWindow { opens, closes });
        }
        // The successor starts when this contract ends, so there is never a gap or overlap.
        Ok(self.end.max(on))
    }

    /// Renews with the same team: the new contract starts when this one ends.
    pub fn renew(
        self,
        new_id: ContractId,
        on: Date,
        months: Option<u8>,
        team: &Team,
        profile: &RuleProfile,
    ) -> Result<(Contract, Contract, Vec<ContractEvent>), ContractError> {
        let start = self.check_successor(on, profile)?;
        let (renewal, mut events) = Self::create(
            SignContract {
                id: new_id,
                resident: self.resident,
                doctor: self.doctor.filter(|d| team.has_member(*d)),
                package: self.package.clone(),
                start,
                months,
            },
            team,
            profile,
        )?;
        let old = Contract {
            status: ContractStatus::Renewed { by: new_id },
            ..self
        };
        events.push(ContractEvent::ContractRenewed {
            contract: old.id,
            renewal: new_id,
        });
        Ok((old, renewal, events))
    }

    /// At expiry, signs with another team instead.
    pub fn switch_team(
        self,
        cmd: SignContract,
        new_team: &Team,
        profile: &RuleProfile,
    ) -> Result<(Contract, Contract, Vec<ContractEvent>), ContractError> {
        if new_team.id == self.team {
            return Err(ContractError::SameTeam);
        }
        let start = self.check_successor(cmd.start, profile)?;
        let new_id = cmd.id;
        let (new, mut events) = Self::create(
            SignContract {
                resident: self.resident,
                start,
                ..cmd
            },
            new_team,
            profile,
        )?;
        let old = Contract {
            status: ContractStatus::Switched { to: new_id },
            ..self
        };
        events.push(ContractEvent::ContractSwitched {
            contract: old.id,
            new_contract: new_id,
            team: new_team.id,
        });
        Ok((old, new, events))
    }

    /// Ends the contract early.
    pub fn terminate(
        self,
        on: Date,
        reason: TerminationReason,
    ) -> Result<(Contract, Vec<ContractEvent>), ContractError> {
        if self.status != ContractStatus::Current {
            return Err(ContractError::NotCurrent);
        }
        if on < self.start || on > self.end {
            return Err(ContractError::TerminationDate);
        }
        let contract = Contract {
            status: ContractStatus::Terminated { on, reason },
            ..self
        };
        let event = ContractEvent::ContractTerminated {
            contract: contract.id,
            on,
            reason,
        };
        Ok((contract, vec![event]))
    }

    /// The deadline job's renewal reminder: once the renewal window of a current contract has
    /// opened and before it ends, so the team can renew it or the resident choose another team
    /// before coverage lapses; `None` otherwise.
    pub fn expiry_notice(&self, today: Date, profile: &RuleProfile) -> Option<ContractEvent> {
        let (opens, _) = self.renewal_window(profile);
        (self.status == ContractStatus::Current && opens <= today && today < self.end).then_some(
            ContractEvent::ContractExpiring {
                contract: self.id,
                resident: self.resident,
                team: self.team,
                end: self.end,
            },
        )
    }

    /// Whether the contract is in force on `date`.
    pub fn is_active_on(&self, date: Date) -> bool {
        self.start <= date && date < self.in_force_until()
    }

    /// The first day the contract is no longer in force: its end, or an earlier termination.
    pub fn in_force_until(&self) -> Date {
        match self.status {
            ContractStatus::Terminated { on, .. } => on.min(self.end),
            _ => self.end,
        }
    }

    /// Its id.
    pub fn id(&self) -> ContractId {
        self.id
    }

    /// The resident.
    pub fn resident(&self) -> ResidentId {
        self.resident
    }

    /// The team.
    pub fn team(&self) -> TeamId {
        self.team
    }

    /// The named doctor.
    pub fn doctor(&self) -> Option<WorkerId> {
        self.doctor
    }

    /// The package.
    pub fn package(&self) -> &Package {
        &self.package
    }

    /// First day.
    pub fn start(&self) -> Date {
        self.start
    }

    /// First day after the period.
    pub fn end(&self) -> Date {
        self.end
    }

    /// Status.
    pub fn status(&self) -> ContractStatus {
        self.status
    }
}

/// Chronic conditions under management that make a key population.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChronicCondition {
    /// Hypertension.
    Hypertension,
    /// Type 2 diabetes.
    Type2Diabetes,
    /// Severe mental disorder.
    SevereMentalDisorder,
    /// Tuberculosis.
    Tuberculosis,
}

/// Key populations (重点人群).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
pub enum KeyPopulation {
    /// Aged 65+.
    Elderly,
    /// Children 0–6.
    Child,
    /// Pregnant or postpartum.
    Maternal,
    /// A managed chronic condition.
    Chronic(ChronicCondition),
    /// Disabled.
    Disabled,
    /// A locally listed group, by code.
    Local(String),
}

/// The facts key-population tags are derived from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PopulationFacts {
    /// Birth date.
    pub birth_date: Option<Date>,
    /// Sex.
    pub sex: Option<Sex>,
    /// Managed conditions.
    pub conditions: BTreeSet<ChronicCondition>,
    /// Start of a current pregnancy.
    pub pregnant_since: Option<Date>,
    /// Latest delivery.
    pub delivered_on: Option<Date>,
    /// Whether a disability is registered.
    pub disabled: bool,
    /// Local group codes the resident is listed in.
    pub local_groups: BTreeSet<String>,
}

/// The key populations a resident belongs to on `date`, with the rules that placed them.
pub fn key_populations_on(
    facts: &PopulationFacts,
    date: Date,
    profile: &RuleProfile,
) -> (BTreeSet<KeyPopulation>, RuleSet) {
    let rules = &profile.contract.key_population;
    let mut tags = BTreeSet::new();
    let mut fired = RuleSet::EMPTY;
    if let Some(age) = facts
        .birth_date
        .and_then(|b| calendar::years_between(b, date))
    {
        if age >= u16::from(rules.elderly_min_age) {
            tags.insert(KeyPopulation::Elderly);
            fired.insert(RuleId::KeyPopulationElderly);
        }
        if age <= u16::from(rules.child_max_age) {
            tags.insert(KeyPopulation::Child);
            fired.insert(RuleId::KeyPopulationChild);
        }
    }
    if facts.sex != Some(Sex::Male) {
        let delivered = facts.delivered_on.filter(|d| *d <= date);
        let pregnant = facts
            .pregnant_since
            .is_some_and(|p| p <= date && delivered.is_none_or(|d| d < p));
        let postpartum =
            delivered.is_some_and(|d| date < calendar::add_days(d, rules.postpartum_days));
        if pregnant || postpartum {
            tags.insert(KeyPopulation::Maternal);
            fired.insert(RuleId::KeyPopulationMaternal);
        }
    }
    for c in &facts.conditions {
        tags.insert(KeyPopulation::Chronic(*c));
        fired.insert(RuleId::KeyPopulationChronic);
    }
    if facts.disabled {
        tags.insert(KeyPopulation::Disabled);
        fired.insert(RuleId::KeyPopulationDisabled);
    }
    for g in facts.local_groups.intersection(&rules.local_groups) {
        tags.insert(KeyPopulation::Local(g.clone()));
        fired.insert(RuleId::KeyPopulationLocal);
    }
    (tags, fired)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn member(n: u128, role: TeamRole) -> TeamMember {
        TeamMember {
            worker: WorkerId::from_u128(n),
            role,
        }
    }

    fn full_members() -> Vec<TeamMember> {
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

    fn sign(id: u128, start: Date) -> SignContract {
        SignContract {
            id: ContractId::from_u128(id),
            resident: ResidentId::from_u128(7),
            doctor: None,
            package: Package::Basic,
            start,
            months: None,
        }
    }

    proptest::proptest! {
        #[test]
        fn the_expiry_notice_runs_from_the_renewal_window_to_the_end(
            offset in -400i64..60,
            window in 1u16..90,
        ) {
            let p = RuleProfile::from_toml(&format!(
                "base = \"bphs3\"\n[contract]\nrenewal_window_days = {window}\n"
            ))
            .unwrap();
            let (contract, _) =
                Contract::sign(sign(1, date!(2026 - 01 - 01)), &team(1), None, &p).unwrap();
            let today = contract.end() + time::Duration::days(offset);
            let notice = contract.expiry_notice(today, &p);
            if (-i64::from(window)..0).contains(&offset) {
                proptest::prop_assert_eq!(
                    notice,
                    Some(ContractEvent::ContractExpiring {
                        contract: contract.id(),
                        resident: contract.resident(),
                        team: contract.team(),
                        end: contract.end(),
                    })
                );
            } else {
                proptest::prop_assert_eq!(notice, None);
            }
            // A contract already renewed, switched or terminated is never announced.
            let (ended, _) = contract
                .terminate(date!(2026 - 02 - 01), TerminationReason::Died)
                .unwrap();
            proptest::prop_assert_eq!(ended.expiry_notice(today, &p), None);
        }
    }

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

    #[test]
    fn a_second_active_contract_is_refused() {
        let p = RuleProfile::bphs3();
        let t = team(1);
        let (first, events) = Contract::sign(sign(1, date!(2026 - 01 - 01)), &t, None, &p).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(first.end(), date!(2027 - 01 - 01));
        let err = Contract::sign(sign(2, date!(2026 - 06 - 01)), &t, Some(&first), &p).unwrap_err();
        assert_eq!(err.rule(), RuleId::ContractOneActive);
        // After expiry a fresh signature is allowed.
        assert!(Contract::sign(sign(2, date!(2027 - 01 - 01)), &t, Some(&first), &p).is_ok());
    }

    #[test]
    fn renewal_starts_when_the_old_contract_ends() {
        let p = RuleProfile::bphs3();
        let t = team(1);
        let (first, _) = Contract::sign(sign(1, date!(2026 - 01 - 01)), &t, None, &p).unwrap();
        let early = first.clone().renew(
            ContractId::from_u128(2),
            date!(2026 - 06 - 01),
            None,
            &t,
            &p,
        );
        assert!(matches!(
            early,
            Err(ContractError::OutsideRenewalWindow { .. })
        ));
        let (old, new, events) = first
            .renew(
                ContractId::from_u128(2),
                date!(2026 - 12 - 15),
                None,
                &t,
                &p,
            )
            .unwrap();
        assert_eq!(new.start(), date!(2027 - 01 - 01));
        assert_eq!(
            old.status(),
            ContractStatus::Renewed {
                by: ContractId::from_u128(2)
            }
        );
        assert_eq!(events.len(), 2);
        assert!(
            !old.is_active_on(date!(2027 - 01 - 01)) || !new.is_active_on(date!(2026 - 12 - 31))
        );
    }

    #[test]
    fn switching_needs_another_team() {
        let p = RuleProfile::bphs3();
        let t = team(1);
        let (first, _) = Contract::sign(sign(1, date!(2026 - 01 - 01)), &t, None, &p).unwrap();
        let err = first
            .clone()
            .switch_team(sign(2, date!(2026 - 12 - 20)), &t, &p)
            .unwrap_err();
        assert_eq!(err, ContractError::SameTeam);
        let (_, new, _) = first
            .switch_team(sign(2, date!(2026 - 12 - 20)), &team(2), &p)
            .unwrap();
        assert_eq!(new.team(), TeamId::from_u128(2));
        assert_eq!(new.start(), date!(2027 - 01 - 01));
    }

    #[test]
    fn key_populations_are_derived_at_a_date() {
        let p = RuleProfile::bphs3();
        let facts = PopulationFacts {
            birth_date: Some(date!(1961 - 06 - 01)),
            sex: Some(Sex::Female),
            conditions: BTreeSet::from([ChronicCondition::Hypertension]),
            ..PopulationFacts::default()
        };
        let (before, _) = key_populations_on(&facts, date!(2026 - 05 - 31), &p);
        assert!(!before.contains(&KeyPopulation::Elderly));
        let (after, rules) = key_populations_on(&facts, date!(2026 - 06 - 01), &p);
        assert!(after.contains(&KeyPopulation::Elderly));
        assert!(after.contains(&KeyPopulation::Chronic(ChronicCondition::Hypertension)));
        assert!(rules.contains(RuleId::KeyPopulationElderly));
    }

    #[test]
    fn postpartum_lasts_the_profile_days() {
        let p = RuleProfile::bphs3();
        let facts = PopulationFacts {
            birth_date: Some(date!(1996 - 01 - 01)),
            sex: Some(Sex::Female),
            pregnant_since: Some(date!(2025 - 09 - 01)),
            delivered_on: Some(date!(2026 - 05 - 01)),
            ..PopulationFacts::default()
        };
        assert!(
            key_populations_on(&facts, date!(2026 - 01 - 01), &p)
                .0
                .contains(&KeyPopulation::Maternal)
        );
        assert!(
            key_populations_on(&facts, date!(2026 - 06 - 11), &p)
                .0
                .contains(&KeyPopulation::Maternal)
        );
        assert!(
            !key_populations_on(&facts, date!(2026 - 06 - 12), &p)
                .0
                .contains(&KeyPopulation::Maternal)
        );
    }

    proptest! {
        #[test]
        fn a_resident_never_holds_two_active_contracts(starts in proptest::collection::vec(0i64..2000, 1..12)) {
            let p = RuleProfile::bphs3();
            let t = team(1);
            let mut latest: Option<Contract> = None;
            let mut signed: Vec<Contract> = Vec::new();
            for (i, offset) in starts.into_iter().enumerate() {
                let start = date!(2020 - 01 - 01) + time::Duration::days(offset);
                if let Ok((c, _)) = Contract::sign(sign(i as u128 + 1, start), &t, latest.as_ref(), &p) {
                    latest = Some(c.clone());
                    signed.push(c);
                }
            }
            for (i, a) in signed.iter().enumerate() {
                prop_assert!(a.end() > a.start());
                for b in &signed[i + 1..] {
                    prop_assert!(a.in_force_until() <= b.start() || b.in_force_until() <= a.start(),
                        "{:?} overlaps {:?}", a, b);
                }
            }
        }
    }
}
