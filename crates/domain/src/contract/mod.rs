//! Family doctor teams and contracts (FD-2018), and the key populations they prioritise.
//!
//! A [`Team`] can only be formed in the "3+1+N" shape the profile requires. A [`Contract`] is
//! signed only when the resident holds no other contract active on its start date, lasts at
//! least the profile's minimum, and at expiry is renewed with the same team or replaced by a
//! contract with another team. Key-population tags are derived from facts at a date, never typed.
//!
//! ## Files
//! - `team`: the [`Team`] and its members' roles ([`TeamRole`]).
//! - `agreement`: the [`Contract`]: signing, renewal, switching, termination, expiry notices.
//! - `key_population`: the [`KeyPopulation`]s a resident belongs to on a date.
//! - `event`: [`ContractEvent`], for the outbox.
//! - `error`: [`ContractError`].

mod agreement;
mod error;
mod event;
#[cfg(test)]
pub(crate) mod fixtures;
mod key_population;
mod team;

pub use agreement::{Contract, ContractStatus, Package, SignContract, TerminationReason};
pub use error::ContractError;
pub use event::ContractEvent;
pub use key_population::{
    ChronicCondition, KeyPopulation, PopulationFacts, diagnosed_condition, key_populations_on,
};
pub use team::{Team, TeamMember, TeamRole};
