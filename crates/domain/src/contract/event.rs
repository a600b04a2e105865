//! The changes to teams and contracts, for the outbox.

use serde::{Deserialize, Serialize};
use time::Date;

use super::agreement::TerminationReason;
use crate::ids::{ContractId, InstitutionId, ResidentId, TeamId};

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
