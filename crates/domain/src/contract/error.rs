//! Why a team or contract command was refused.

use time::Date;

use super::team::TeamRole;
use crate::ids::{ContractId, WorkerId};
use crate::rule::{BrokenRule, RuleId};

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
